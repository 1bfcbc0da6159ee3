"""Forms for the know-your-client screens. They only parse input: the rules are in
clients.kyc, clients.due_diligence and clients.screening."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .kyc_models import AmlRisk, HitStatus, HitSubject, IdentityDocumentType, VerificationMethod

DATE = forms.DateInput(attrs={"type": "date"})


class IdentityDocumentForm(forms.Form):
    document_type = forms.ChoiceField(label=_("Document type"), choices=IdentityDocumentType.choices)
    number = forms.CharField(label=_("Document number"), max_length=40)
    issuing_country = forms.CharField(
        label=_("Issuing country (passports, two letters)"), max_length=2, required=False
    )
    issued_on = forms.DateField(label=_("Issued on"), widget=DATE)
    expires_on = forms.DateField(
        label=_("Expires on"),
        widget=DATE,
        required=False,
        help_text=_("Leave empty for a document valid for life."),
    )
    verification_method = forms.ChoiceField(label=_("Verified how"), choices=VerificationMethod.choices)
    copy = forms.FileField(label=_("Copy of the document seen (PDF, PNG or JPEG)"))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class RefreshSubmitForm(forms.Form):
    identity_confirmed = forms.BooleanField(
        label=_("Identity re-confirmed with a valid document"), required=False
    )
    contact_confirmed = forms.BooleanField(
        label=_("Contact data re-confirmed (email, phone, address)"), required=False
    )
    financial_confirmed = forms.BooleanField(
        label=_("Financial situation re-confirmed (income, expenses, reserves)"), required=False
    )
    aml_risk = forms.ChoiceField(label=_("Money-laundering risk"), choices=AmlRisk.choices)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ReviewForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve", _("Approve")), ("return", _("Return"))])
    note = forms.CharField(
        label=_("Note (required to return)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class DueDiligenceForm(forms.Form):
    identity_verified = forms.BooleanField(label=_("Identity verified"), required=False)
    beneficial_owner_identified = forms.BooleanField(
        label=_("Beneficial owner identified (institutions and represented clients)"), required=False
    )
    beneficial_owner_verified = forms.BooleanField(
        label=_("Beneficial owner's identity verified"), required=False
    )
    source_of_funds = forms.CharField(
        label=_("Source of funds"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    purpose = forms.CharField(
        label=_("Purpose of the relationship"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    ml_risk = forms.ChoiceField(
        label=_("Money-laundering risk"), choices=[("", "—"), *AmlRisk.choices], required=False
    )
    ml_risk_reasons = forms.CharField(
        label=_("Reasons for the rating"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class EddReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))]
    )
    note = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class HitDispositionForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (HitStatus.FALSE_POSITIVE, HitStatus.FALSE_POSITIVE.label),
            (HitStatus.CONFIRMED, HitStatus.CONFIRMED.label),
        ],
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class WatchListUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Watch-list file (CSV)"),
        help_text=_(
            "Columns: name, aliases, date_of_birth, id_numbers, list_name. Separate several aliases or numbers with ;"
        ),
    )


class WatchListImportForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)
    original_name = forms.CharField(widget=forms.HiddenInput, required=False)


SUBJECT_CHOICES = HitSubject.choices
