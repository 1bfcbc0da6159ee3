from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from advisory.models import User
from advisory.roles import WORKSPACE_ROLES, Role
from advisory.widgets import PersonChoiceField

from .models import AuditArea, DeclarationOccasion, DeclarationStatus, EvaluationKind, FindingSeverity

DATE = forms.DateInput(attrs={"type": "date"})


def _staff():
    return User.objects.filter(role__in=WORKSPACE_ROLES, is_active=True).order_by("full_name")


class TrainingPlanForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    role = forms.ChoiceField(label=_("Role"), choices=[c for c in Role.choices if c[0] in WORKSPACE_ROLES])
    required_hours = forms.DecimalField(
        label=_("Required hours"), max_digits=6, decimal_places=1, min_value=0
    )
    topic_compliance = forms.BooleanField(label=_("Compliance required"), required=False, initial=True)
    topic_ethics = forms.BooleanField(label=_("Professional ethics required"), required=False, initial=True)
    topic_aml = forms.BooleanField(label=_("Anti-money laundering required"), required=False, initial=True)
    topic_products = forms.BooleanField(label=_("Product knowledge required"), required=False, initial=True)


class AppraisalForm(forms.Form):
    period_start = forms.DateField(label=_("Period from"), widget=DATE)
    period_end = forms.DateField(label=_("Period to"), widget=DATE)
    theory_score = forms.DecimalField(label=_("Theory test (0-100)"), max_digits=5, decimal_places=1)
    practical_score = forms.DecimalField(
        label=_("Practical assessment (0-100)"), max_digits=5, decimal_places=1
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class LiftForm(forms.Form):
    reason = forms.CharField(label=_("Why the restriction is lifted"), max_length=200)


class DeclarationForm(forms.Form):
    occasion = forms.ChoiceField(label=_("Occasion"), choices=DeclarationOccasion.choices)
    has_interests = forms.BooleanField(label=_("I have interests to declare"), required=False)
    interests = forms.CharField(
        label=_("Interests"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Outside positions, shareholdings, relatives at product providers, gifts received…"),
    )


class DeclarationReviewForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(DeclarationStatus.CLEARED, DeclarationStatus.CLEARED.label),
                 (DeclarationStatus.MITIGATION, DeclarationStatus.MITIGATION.label)],
    )  # fmt: skip
    note = forms.CharField(label=_("Review note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class InternalAuditForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"), choices=AuditArea.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    period_start = forms.DateField(label=_("Period from"), widget=DATE)
    period_end = forms.DateField(label=_("Period to"), widget=DATE)
    planned_on = forms.DateField(label=_("Planned for"), widget=DATE)
    auditor = PersonChoiceField(label=_("Auditor"), queryset=User.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["auditor"].queryset = User.objects.filter(
            role__in=[Role.COMPLIANCE, Role.SUPERVISOR, Role.ADMINISTRATOR], is_active=True
        ).order_by("full_name")


class AuditTransitionForm(forms.Form):
    conclusion = forms.CharField(
        label=_("Conclusion"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class FindingForm(forms.Form):
    title = forms.CharField(label=pgettext_lazy("audit finding", "Finding"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=FindingSeverity.choices)
    owner = PersonChoiceField(label=_("Owner"), queryset=User.objects.none())
    due_on = forms.DateField(label=_("Due on"), widget=DATE)
    improvement_action = forms.IntegerField(
        label=_("Improvement action number (optional)"), required=False, min_value=1
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _staff()

    def clean_improvement_action(self):
        from advisory.oversight.models import ImprovementAction

        pk = self.cleaned_data.get("improvement_action")
        if not pk:
            return None
        action = ImprovementAction.objects.filter(pk=pk).first()
        if action is None:
            raise forms.ValidationError(_("No improvement action with this number."))
        return action


class RemediationForm(forms.Form):
    remediation = forms.CharField(label=_("Remediation"), widget=forms.Textarea(attrs={"rows": 3}))


class FindingFollowUpForm(forms.Form):
    accept = forms.TypedChoiceField(
        label=_("Follow-up"),
        choices=[("1", _("Accept and close")), ("0", _("Reopen: not enough"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class EvaluationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EvaluationKind.choices)
    evaluator = forms.CharField(label=_("Evaluator"), max_length=200)
    area = forms.ChoiceField(label=_("Area"), choices=AuditArea.choices)
    evaluated_on = forms.DateField(label=_("Evaluated on"), widget=DATE)
    rating = forms.CharField(label=_("Rating"), max_length=60)
    score = forms.DecimalField(label=_("Score (0-100)"), max_digits=5, decimal_places=1, required=False)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}))
