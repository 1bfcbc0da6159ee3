from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

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


class GoalForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = ["kind", "name", "target_amount", "target_date", "priority", "current_funding", "is_active"]
        widgets = {"target_date": forms.DateInput(attrs={"type": "date"})}


class ProposalForm(forms.ModelForm):
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
