from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ImportKind, ImportState


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file contains"), choices=ImportKind.choices)
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8 or GB18030) or Excel .xlsx, with the documented column names in the first row."
        ),
    )


class ConfirmForm(forms.Form):
    override = forms.BooleanField(
        label=_("Import this file again although it was imported before"), required=False
    )
    reason = forms.CharField(
        label=_("Why the same file is imported again"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BatchFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Number, file name or the start of the SHA-256."),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *ImportKind.choices]
    )
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("All states")), *ImportState.choices]
    )
