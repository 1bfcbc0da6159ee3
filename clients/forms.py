"""Web forms for client files and onboarding. Validation rules live in clients.services; forms
only parse input."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from advisory.editing import GuardsEdits
from advisory.money import Currency
from advisory.validators import validate_plain_text_name
from advisory.widgets import PersonChoiceField

from .models import (
    AgreementStatus,
    AssetInterest,
    BusinessType,
    ClientKind,
    ConsentChannel,
    ConsentKind,
    DocumentKind,
    FeeStructure,
    IdDocumentType,
    IncomeStability,
    PlanningNeed,
    ProductKindExperience,
    RelationshipKind,
)

SENSITIVE_FORM_FIELDS = ("id_number", "phone", "address", "bank_account_number")
DATE = forms.DateInput(attrs={"type": "date"})


class ClientForm(GuardsEdits, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ClientKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200, validators=[validate_plain_text_name])
    email = forms.EmailField(label=_("Email"), required=False)
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=settings.LANGUAGES)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    address = forms.CharField(label=_("Address"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    contact_person = forms.CharField(label=_("Contact person (institutions)"), max_length=200, required=False)
    id_document_type = forms.ChoiceField(
        label=_("Identity document"), choices=[("", "—"), *IdDocumentType.choices], required=False
    )
    id_number = forms.CharField(label=_("Identity number"), max_length=40, required=False)
    id_issuing_country = forms.CharField(label=_("Issuing country (passports)"), max_length=2, required=False)
    bank_name = forms.CharField(label=_("Bank"), max_length=120, required=False)
    bank_account_number = forms.CharField(label=_("Bank account"), max_length=40, required=False)
    # financial status
    currency = forms.ChoiceField(
        label=_("Currency"), choices=Currency.choices, initial=settings.FIRM_CURRENCY
    )
    monthly_income = forms.DecimalField(
        label=_("Monthly income"), min_value=0, decimal_places=2, required=False
    )
    monthly_expenses = forms.DecimalField(
        label=_("Monthly expenses"), min_value=0, decimal_places=2, required=False
    )
    liquid_reserves = forms.DecimalField(
        label=_("Liquid reserves"), min_value=0, decimal_places=2, required=False
    )
    income_stability = forms.ChoiceField(
        label=_("Income stability"), choices=[("", "—"), *IncomeStability.choices], required=False
    )
    investment_years = forms.IntegerField(label=_("Years of investing"), min_value=0, max_value=80, initial=0)
    investment_product_kinds = forms.MultipleChoiceField(
        label=_("Products held before"),
        choices=ProductKindExperience.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    asset_classes_of_interest = forms.MultipleChoiceField(
        label=_("Asset classes of interest"),
        choices=AssetInterest.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    planning_needs = forms.MultipleChoiceField(
        label=_("Planning needs"),
        choices=PlanningNeed.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    large_fund_movement_amount = forms.DecimalField(
        label=_("Largest expected fund movement"), min_value=0, decimal_places=2, initial=0
    )

    # The form in sections, as a client file is filled in: who, how to reach them, their money.
    # Consents are recorded on the client page once the file exists (with channel and version).
    SECTIONS = [
        (_("Identity"), ["kind", "name", "id_document_type", "id_number", "id_issuing_country", "contact_person"]),
        (_("Contact"), ["email", "phone", "address", "preferred_language"]),
        (
            _("Financial status"),
            ["currency", "monthly_income", "monthly_expenses", "liquid_reserves", "income_stability",
             "large_fund_movement_amount", "bank_name", "bank_account_number"],
        ),
        (
            _("Investment experience and needs"),
            ["investment_years", "investment_product_kinds", "asset_classes_of_interest", "planning_needs"],
        ),
    ]  # fmt: skip

    def fieldsets(self) -> list[tuple[str, list]]:
        placed = {name for _title, names in self.SECTIONS for name in names}
        sets = [(title, [self[n] for n in names if n in self.fields]) for title, names in self.SECTIONS]
        rest = [self[n] for n in self.fields if n not in placed and not self[n].is_hidden]
        return sets + ([(_("Other"), rest)] if rest else [])

    def __init__(self, *args, client=None, **kwargs):
        super().__init__(*args, guarded=client, **kwargs)
        self.client = client
        if client is not None:
            for name in SENSITIVE_FORM_FIELDS:
                masked = getattr(client, f"masked_{name}")
                if masked:
                    self.fields[name].help_text = _("Now %(masked)s. Leave empty to keep it.") % {
                        "masked": masked
                    }

    def changes(self) -> dict:
        """Cleaned data for the service; empty sensitive fields on an edit mean "unchanged"."""
        data = dict(self.cleaned_data)
        if self.client is not None:
            for name in SENSITIVE_FORM_FIELDS:
                if not data.get(name):
                    data.pop(name, None)
            if "id_number" not in data and data.get("id_document_type") == self.client.id_document_type:
                data.pop("id_document_type", None)
                data.pop("id_issuing_country", None)
        data["large_fund_movement_amount"] = data.get("large_fund_movement_amount") or 0
        data["investment_years"] = data.get("investment_years") or 0
        return data

    @classmethod
    def initial_for(cls, client) -> dict:
        names = [n for n in cls.base_fields if n not in SENSITIVE_FORM_FIELDS]
        return {n: getattr(client, n) for n in names}

    def shown_initial(self, row) -> dict:
        """An edit guards the fields shown prefilled against a colleague's change; a sensitive
        field is shown empty and written only when something is typed into it."""
        return self.initial_for(row)


class ReassignForm(forms.Form):
    advisor = PersonChoiceField(label=_("New responsible advisor"), queryset=None)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, advisors=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["advisor"].queryset = advisors


class EndRelationshipForm(forms.Form):
    ended_on = forms.DateField(label=_("Relationship ended on"), widget=DATE, required=False)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class BackdateDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve the earlier date")), ("reject", _("Reject"))]
    )
    note = forms.CharField(label=_("Reason for the decision"), widget=forms.Textarea(attrs={"rows": 2}))


class SpecialFlagForm(forms.Form):
    is_special = forms.BooleanField(label=_("Special case (5 business days for the review)"), required=False)
    special_reason = forms.CharField(label=_("Why special"), max_length=300, required=False)


class OnboardingStartForm(forms.Form):
    is_special = forms.BooleanField(
        label=_("Special case (complex structure, more review time)"), required=False
    )
    special_reason = forms.CharField(label=_("Why special"), max_length=300, required=False)


class TransitionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    business_type = forms.ChoiceField(
        label=_("Business type"), choices=[("", "—"), *BusinessType.choices], required=False
    )
    note = forms.CharField(label=_("Note / reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(label=_("File (PDF, PNG or JPG)"))


class ConsentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Consent"), choices=ConsentKind.choices)
    channel = forms.ChoiceField(label=_("How it was given"), choices=ConsentChannel.choices)
    version = forms.CharField(label=_("Text version"), max_length=20, initial="2026-01")


class AgreementForm(GuardsEdits, forms.Form):
    scope = forms.CharField(label=_("Scope of service"), widget=forms.Textarea(attrs={"rows": 3}))
    fee_structure = forms.ChoiceField(label=_("Fee structure"), choices=FeeStructure.choices)
    fee_details = forms.CharField(label=_("Fee details"), max_length=300, required=False)
    starts_on = forms.DateField(label=_("Term starts"), widget=DATE)
    ends_on = forms.DateField(label=_("Term ends"), widget=DATE, required=False)
    termination_notice_days = forms.IntegerField(label=_("Notice period (days)"), min_value=0, initial=30)
    termination_conditions = forms.CharField(
        label=_("Termination conditions"), widget=forms.Textarea(attrs={"rows": 3})
    )
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE, required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=AgreementStatus.choices, initial=AgreementStatus.ACTIVE
    )


class RelatedPartyForm(forms.Form):
    relationship = forms.ChoiceField(label=_("Relationship"), choices=RelationshipKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200, validators=[validate_plain_text_name])
    related_file_number = forms.CharField(
        label=_("Their client file number, if any"), max_length=20, required=False
    )
    notes = forms.CharField(label=_("Notes"), max_length=300, required=False)
