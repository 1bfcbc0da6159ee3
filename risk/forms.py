from __future__ import annotations

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from advisory.editing import GuardsEdits
from advisory.widgets import PersonChoiceField

from .models import (
    AssetClass,
    ExceptionScope,
    LifeEventKind,
    ProductRiskRating,
    QuestionnaireVersion,
    QuestionRole,
    RiskGrade,
    RiskRegisterCategory,
    RiskResponse,
    RiskStatus,
)


def _zh() -> bool:
    return (get_language() or "").startswith("zh")


class AnswersForm(forms.Form):
    """One radio group per question of a questionnaire version, in the user's language."""

    def __init__(self, *args, version: QuestionnaireVersion, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        zh = _zh()
        for q in version.questions.all():
            label = q.text_zh if zh and q.text_zh else q.text
            self.fields[f"q_{q.code}"] = forms.ChoiceField(
                label=f"{q.order}. {label}",
                choices=[(o.code, o.text_zh if zh and o.text_zh else o.text) for o in q.options.all()],
                widget=forms.RadioSelect,
            )

    def answers(self) -> dict[str, str]:
        return {k[2:]: v for k, v in self.cleaned_data.items() if k.startswith("q_")}


class AdvisorAnswersForm(AnswersForm):
    advisor_note = forms.CharField(
        label=_("Advisor note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the answers contradict each other."),
    )


class NoteForm(forms.Form):
    advisor_note = forms.CharField(
        label=_("Advisor note on the contradictions"), widget=forms.Textarea(attrs={"rows": 3})
    )


class AdvisorConfirmForm(forms.Form):
    client_confirmed = forms.BooleanField(
        label=_("The client has read the result and confirmed it (signed in person)."), required=True
    )


class ExceptionRequestForm(forms.Form):
    product = forms.ModelChoiceField(queryset=None, label=_("Product"))
    client_reason = forms.CharField(label=_("Client's reason"), widget=forms.Textarea(attrs={"rows": 3}))
    warning_text = forms.CharField(
        label=_("Special risk warning"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Leave empty to use the standard wording."),
    )
    scope = forms.ChoiceField(
        label=_("Covers"), choices=ExceptionScope.choices, initial=ExceptionScope.AMOUNT
    )
    max_amount = forms.DecimalField(
        label=_("Maximum amount"), required=False, min_value=0, max_digits=16, decimal_places=2
    )
    proposal_number = forms.CharField(label=_("Proposal number"), required=False, max_length=20)
    expires_on = forms.DateField(
        label=_("Expires"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty to end with the client's risk profile."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from .models import Product

        self.fields["product"].queryset = Product.objects.filter(is_active=True).order_by(
            "risk_rating", "code"
        )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("reject", _("Reject"))], label=_("Decision")
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ProfessionalForm(forms.Form):
    evidence = forms.CharField(label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 4}))
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(
        label=_("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    evidence_document = forms.FileField(label=_("Evidence document"), required=False)


class ProductFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    rating = forms.ChoiceField(
        label=_("Rating"), required=False, choices=[("", _("All"))] + ProductRiskRating.choices
    )
    asset_class = forms.ChoiceField(
        label=_("Asset class"), required=False, choices=[("", _("All"))] + AssetClass.choices
    )
    kind = forms.CharField(label=_("Type"), required=False)


class RiskForm(GuardsEdits, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    category = forms.ChoiceField(label=_("Category"), choices=RiskRegisterCategory.choices)
    probability = forms.IntegerField(label=_("Probability (1–5)"), min_value=1, max_value=5)
    impact = forms.IntegerField(label=_("Impact (1–5)"), min_value=1, max_value=5)
    owner = PersonChoiceField(queryset=None, label=_("Owner"))
    response = forms.ChoiceField(label=_("Response"), choices=RiskResponse.choices)
    controls = forms.CharField(label=_("Controls"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    review_date = forms.DateField(label=_("Next review"), widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(label=_("Status"), choices=RiskStatus.choices)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from advisory.models import User
        from advisory.roles import WORKSPACE_ROLES

        self.fields["owner"].queryset = User.objects.filter(role__in=WORKSPACE_ROLES, is_active=True)


class RegisterFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All"))] + RiskRegisterCategory.choices
    )
    level = forms.ChoiceField(label=_("Level"), required=False, choices=[("", _("All"))] + RiskGrade.choices)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All"))] + RiskStatus.choices
    )
    overdue = forms.BooleanField(label=_("Review overdue"), required=False)


class QuestionForm(forms.Form):
    """Add or replace a question of a draft questionnaire version. Options are typed one per line:
    `code | score | English text | Chinese text` (the Chinese text is optional)."""

    code = forms.SlugField(label=_("Code"), max_length=30)
    order = forms.IntegerField(label=_("Position"), min_value=1)
    role = forms.ChoiceField(label=_("What it measures"), choices=QuestionRole.choices)
    text = forms.CharField(label=_("Question"), max_length=400)
    text_zh = forms.CharField(label=_("Question (Chinese)"), max_length=400, required=False)
    options = forms.CharField(
        label=_("Options"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One per line: code | score | English text | Chinese text"),
    )

    def clean_options(self) -> list[dict]:
        rows = []
        for number, line in enumerate(self.cleaned_data["options"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) < 3 or not parts[0] or not parts[2]:
                raise forms.ValidationError(
                    _("Line %(n)s: write code | score | text (| Chinese text).") % {"n": number}
                )
            try:
                score = int(parts[1])
            except ValueError:
                raise forms.ValidationError(
                    _("Line %(n)s: the score must be a whole number.") % {"n": number}
                )
            rows.append(
                {
                    "code": parts[0],
                    "score": score,
                    "text": parts[2],
                    "text_zh": parts[3] if len(parts) > 3 else "",
                }
            )
        if not rows:
            raise forms.ValidationError(_("A question needs at least one option."))
        if len({r["code"] for r in rows}) != len(rows):
            raise forms.ValidationError(_("Each option needs its own code."))
        return rows


class RiskReviewForm(forms.Form):
    """Record a review of a register entry: what was looked at, and when to look again."""

    next_review = forms.DateField(label=_("Next review"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Review note"), max_length=300, required=False)


class LifeEventForm(forms.Form):
    kind = forms.ChoiceField(label=_("Event"), choices=LifeEventKind.choices)
    occurred_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    significance = forms.ChoiceField(
        label=_("Significant"),
        choices=[
            ("default", _("As usual for this kind of event")),
            ("yes", _("Yes: the risk profile must be re-assessed")),
            ("no", _("No: record only")),
        ],
        initial="default",
    )

    def significant(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data["significance"])


class RatingAssessmentForm(forms.Form):
    proposed_rating = forms.ChoiceField(label=_("Rating"), choices=ProductRiskRating.choices)
    rationale = forms.CharField(label=_("Rationale"), widget=forms.Textarea(attrs={"rows": 4}))
    factors = forms.CharField(
        label=_("Factors"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One factor per line: volatility, leverage, liquidity, credit, complexity…"),
    )


class GovernanceFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    state = forms.ChoiceField(
        label=_("Rating"),
        required=False,
        choices=[
            ("", _("All products")),
            ("unrated", _("No approved rating")),
            ("due", _("Review due soon")),
            ("lapsed", _("Review overdue")),
            ("current", _("Current")),
        ],
    )
