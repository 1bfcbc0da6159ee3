from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from advisory.editing import GuardsEdits
from advisory.models import QualificationKind, User
from advisory.roles import WORKSPACE_ROLES
from advisory.staff.models import TrainingTopic
from advisory.widgets import PersonChoiceField

from .indicators import INDICATORS
from .models import ActionLink, Direction, Effectiveness

DATE = forms.DateInput(attrs={"type": "date"})


class TargetForm(forms.Form):
    target = forms.DecimalField(label=_("Target"), max_digits=12, decimal_places=2)
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices)
    amber_band = forms.DecimalField(label=_("Amber band"), max_digits=12, decimal_places=2, min_value=0)


class QualificationForm(GuardsEdits, forms.Form):
    kind = forms.ChoiceField(label=_("Qualification"), choices=QualificationKind.choices)
    number = forms.CharField(label=_("Certificate number"), max_length=60)
    issued_on = forms.DateField(label=_("Issued on"), widget=DATE)
    expires_on = forms.DateField(label=_("Expires on"), widget=DATE, required=False)
    qualifies_for_advice = forms.BooleanField(
        label=_("Qualifies for giving advice"), required=False, initial=True
    )


class TrainingForm(GuardsEdits, forms.Form):
    title = forms.CharField(label=_("Course"), max_length=200)
    provider = forms.CharField(label=_("Provider"), max_length=120, required=False)
    topic = forms.ChoiceField(label=_("Topic"), choices=[("", "—"), *TrainingTopic.choices], required=False)
    hours = forms.DecimalField(label=_("Hours"), max_digits=6, decimal_places=1, min_value=0)
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)
    due_on = forms.DateField(label=_("Due on"), widget=DATE)
    completed_on = forms.DateField(label=_("Completed on"), widget=DATE, required=False)


def _staff_choices():
    return User.objects.filter(role__in=WORKSPACE_ROLES, is_active=True).order_by("full_name")


class ActionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    link_type = forms.ChoiceField(label=_("Linked to"), choices=ActionLink.choices)
    link_ref = forms.CharField(
        label=_("Indicator code or record number"),
        max_length=64,
        help_text=format_lazy(_("For an indicator: {codes}"), codes=", ".join(i.code for i in INDICATORS)),
    )
    owner = PersonChoiceField(label=_("Owner"), queryset=User.objects.none())
    due_on = forms.DateField(label=_("Due on"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _staff_choices()


class ActionEditForm(GuardsEdits, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    owner = PersonChoiceField(label=_("Owner"), queryset=User.objects.none())
    due_on = forms.DateField(label=_("Due on"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _staff_choices()


class CheckForm(forms.Form):
    effectiveness = forms.ChoiceField(
        label=_("Effectiveness"), choices=[c for c in Effectiveness.choices if c[0]]
    )
    note = forms.CharField(label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 3}))
