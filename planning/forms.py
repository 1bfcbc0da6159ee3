from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from advisory.editing import GuardsEdits, plain

from .models import ASSET_CLASS_CHOICES, FinancialSnapshot, Goal, Proposal


class SnapshotForm(forms.ModelForm):
    class Meta:
        model = FinancialSnapshot
        fields = [
            "as_of",
            "currency",
            "monthly_income",
            "monthly_expenses",
            "assets_cash",
            "assets_bonds",
            "assets_equities",
            "assets_real_estate",
            "assets_alternatives",
            "liabilities",
            "notes",
        ]
        widgets = {
            "as_of": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }


class GoalForm(GuardsEdits, forms.ModelForm):
    class Meta:
        model = Goal
        fields = ["kind", "name", "target_amount", "target_date", "priority", "current_funding", "is_active"]
        widgets = {"target_date": forms.DateInput(attrs={"type": "date"})}


def lines_state(lines) -> list[str]:
    """A proposal's lines as the edit guard compares them: product and amount of each."""
    return [f"{getattr(product, 'pk', product)}:{plain(amount)}" for product, amount in lines]


class ProposalForm(GuardsEdits, forms.ModelForm):
    # The lines are a formset beside this form: guarded as one extra value (advisory.editing).
    extra_labels = {"lines": _("Products and amounts")}

    def shown_extra(self, row) -> dict:
        return {"lines": lines_state((line.product_id, line.amount) for line in row.lines.all())}

    def __init__(self, *args, client=None, **kwargs):
        super().__init__(*args, **kwargs)
        goals = client.goals.filter(is_active=True) if client is not None else Goal.objects.none()
        self.fields["goals"].queryset = goals
        self.fields["goals"].required = False

    class Meta:
        model = Proposal
        fields = ["title", "liquidity_need_amount", "liquidity_need_days", "annual_contribution", "goals"]
        widgets = {"goals": forms.CheckboxSelectMultiple}


class LineForm(forms.Form):
    product = forms.ModelChoiceField(queryset=None, label=_("Product"), required=False)
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=16, decimal_places=2, required=False, min_value=Decimal("0.01")
    )

    def __init__(self, *args, **kwargs):
        from risk.models import Product

        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(is_active=True).order_by("code")

    def clean(self):
        data = super().clean()
        if bool(data.get("product")) != bool(data.get("amount")):
            raise forms.ValidationError(_("Choose a product and an amount, or leave both empty."))
        return data


LineFormSet = forms.formset_factory(LineForm, extra=3, max_num=50, validate_max=True)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class DecisionForm(forms.Form):
    disclosure_acknowledged = forms.BooleanField(
        label=_("I have read and understood the risk disclosure."), required=False
    )
    reason = forms.CharField(
        label=_("Comment (optional)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ReviewForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, initial_values=None, **kwargs):
        super().__init__(*args, **kwargs)
        for code, label in ASSET_CLASS_CHOICES:
            self.fields[f"value_{code}"] = forms.DecimalField(
                label=_("Current value: %(c)s") % {"c": label},
                max_digits=16,
                decimal_places=2,
                min_value=Decimal("0"),
                initial=(initial_values or {}).get(code, Decimal("0")),
            )

    def current_values(self) -> dict[str, Decimal]:
        return {code: self.cleaned_data[f"value_{code}"] for code, _l in ASSET_CLASS_CHOICES}


class HoldingsEntryForm(forms.Form):
    """The plan's holdings by asset class on a date (issue 14)."""

    as_of = forms.DateField(label=_("As of"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, label in ASSET_CLASS_CHOICES:
            self.fields[f"value_{code}"] = forms.DecimalField(
                label=label, max_digits=16, decimal_places=2, min_value=Decimal("0"), required=False
            )

    def values(self) -> dict[str, Decimal]:
        return {
            code: self.cleaned_data.get(f"value_{code}") or Decimal("0") for code, _l in ASSET_CLASS_CHOICES
        }


class HoldingsImportForm(forms.Form):
    """A custodian CSV: preview first (nothing written), then confirm the same content."""

    file = forms.FileField(label=_("Custodian file (CSV)"), required=False)
    content = forms.CharField(widget=forms.HiddenInput, required=False)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    MAX_BYTES = 1_000_000

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            if upload.size > self.MAX_BYTES:
                raise forms.ValidationError({"file": _("The file is larger than 1 MB.")})
            raw = upload.read()
            try:
                data["content"] = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                try:
                    data["content"] = raw.decode("gb18030")
                except UnicodeDecodeError as exc:
                    raise forms.ValidationError(
                        {"file": _("The file must be UTF-8 or GB18030 text.")}
                    ) from exc
        if not data.get("content"):
            raise forms.ValidationError({"file": _("Choose a CSV file.")})
        return data
