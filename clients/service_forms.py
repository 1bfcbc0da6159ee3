"""Forms of the service-record screens (activities, follow-ups)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ActivityChannel, ActivityKind, ActivityStatus, FollowUpStatus


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=ActivityChannel.choices)
    starts_at = forms.DateTimeField(
        label=_("Time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=1, max_value=1440, initial=30
    )
    planned = forms.BooleanField(label=_("Planned (not held yet): put it in my calendar"), required=False)
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    participants = forms.CharField(label=_("Participants"), max_length=300, required=False)
    content = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    client_feedback = forms.CharField(
        label=_("Client feedback"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    next_step = forms.CharField(
        label=_("Next step"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    follow_up_due_on = forms.DateField(
        label=_("Follow-up due on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Set a date to turn the next step into a follow-up task."),
    )
    attachment = forms.FileField(label=_("Attachment (PDF, PNG, JPEG)"), required=False)


class ActivityCompleteForm(forms.Form):
    content = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 4}))
    client_feedback = forms.CharField(
        label=_("Client feedback"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    next_step = forms.CharField(
        label=_("Next step"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    follow_up_due_on = forms.DateField(
        label=_("Follow-up due on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class ActivityCancelForm(forms.Form):
    reason = forms.CharField(label=_("Why cancelled"), max_length=300)


class AttachmentForm(forms.Form):
    attachment = forms.FileField(label=_("Attachment (PDF, PNG, JPEG)"))


class ActivityFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All kinds")), *ActivityKind.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *ActivityStatus.choices], required=False
    )


class FollowUpForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    due_on = forms.DateField(label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}))


class FollowUpActionForm(forms.Form):
    action = forms.ChoiceField(choices=[("done", _("Done")), ("cancel", _("Cancel"))])
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class FollowUpFilterForm(forms.Form):
    STATES = [
        ("open", _("Open")),
        ("overdue", _("Overdue")),
        (FollowUpStatus.DONE, _("Done")),
        (FollowUpStatus.CANCELLED, _("Cancelled")),
        ("all", _("All")),
    ]
    q = forms.CharField(label=_("Search"), required=False)
    state = forms.ChoiceField(label=_("State"), choices=STATES, required=False)
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)
