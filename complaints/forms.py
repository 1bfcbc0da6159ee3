from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from advisory.editing import GuardsEdits
from advisory.money import Currency
from advisory.widgets import PersonChoiceField

from .models import AccountabilityAction, Category, Channel, MeasureStatus, Priority, State, ViolationSeverity


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class PortalComplaintForm(forms.Form):
    category = forms.ChoiceField(label=_("What is it about?"), choices=Category.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(label=_("What happened?"), widget=forms.Textarea)
    attachment = MultipleFileField(label=_("Attachments (PDF, PNG, JPEG)"))


class StaffComplaintForm(forms.Form):
    client = forms.ModelChoiceField(label=_("Client"), queryset=None)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[c for c in Channel.choices if c[0] != Channel.PORTAL]
    )
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    received_at = forms.DateTimeField(
        label=_("Received"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("When the client complained (empty = now)."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(label=_("Complaint as told by the client"), widget=forms.Textarea)
    attachment = MultipleFileField(label=_("Attachments (PDF, PNG, JPEG)"))

    def __init__(self, *args, clients=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients


class TransitionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    internal = forms.BooleanField(label=_("Internal (not shown to the client)"), required=False)


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 3}))
    internal = forms.BooleanField(label=_("Internal note (hidden from the client)"), required=False)
    attachment = MultipleFileField(label=_("Attachments"))


class ClientReplyForm(forms.Form):
    body = forms.CharField(label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 3}))
    attachment = MultipleFileField(label=_("Attachments (PDF, PNG, JPEG)"))


class ReassignForm(forms.Form):
    assignee = PersonChoiceField(label=_("Assign to"), queryset=None)
    note = forms.CharField(label=_("Why"), required=False)

    def __init__(self, *args, staff=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    note = forms.CharField(label=_("Why"), required=False)


class ResolutionForm(forms.Form):
    root_cause = forms.CharField(label=_("Root cause"), widget=forms.Textarea(attrs={"rows": 2}))
    remedy_apology = forms.BooleanField(label=_("Apology given"), required=False)
    compensation_amount = forms.DecimalField(
        label=_("Compensation"), min_value=0, decimal_places=2, required=False
    )
    compensation_currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial="CNY")
    resolution_answer = forms.CharField(
        label=_("Answer sent to the client"), widget=forms.Textarea(attrs={"rows": 3})
    )


class SurveyForm(forms.Form):
    csat = forms.TypedChoiceField(
        label=_(
            "How satisfied are you with how we handled your complaint? (1 = very unsatisfied, 5 = very satisfied)"
        ),
        choices=[(i, str(i)) for i in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    nps = forms.TypedChoiceField(
        label=_("How likely are you to recommend us to a friend? (0-10)"),
        choices=[(i, str(i)) for i in range(0, 11)],
        coerce=int,
    )
    comment = forms.CharField(
        label=_("Anything else?"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    state = forms.ChoiceField(
        label=_("State"),
        choices=[("", _("Open"))] + list(State.choices) + [("all", _("All"))],
        required=False,
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=[("", _("Any"))] + list(Priority.choices), required=False
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("Any"))] + list(Channel.choices), required=False
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("Any"))] + list(Category.choices), required=False
    )
    assignee = forms.ChoiceField(
        label=_("Assignee"),
        choices=[("", _("Anyone")), ("me", _("Me")), ("none", _("Unassigned"))],
        required=False,
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


class ViolationOpenForm(forms.Form):
    staff_member = PersonChoiceField(label=_("Staff member"), queryset=None)
    summary = forms.CharField(label=_("Alleged misconduct"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, staff=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff_member"].queryset = staff


class ViolationUpdateForm(GuardsEdits, forms.Form):
    verification_notes = forms.CharField(
        label=_("Verification"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    investigation_notes = forms.CharField(
        label=_("Investigation"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    finding = forms.CharField(label=_("Finding"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    substantiated = forms.NullBooleanField(label=_("Misconduct substantiated"), required=False)
    accountability_action = forms.ChoiceField(
        label=_("Accountability action"),
        choices=[("", "—")] + list(AccountabilityAction.choices),
        required=False,
    )
    action_notes = forms.CharField(
        label=_("Action details"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    evaluation_notes = forms.CharField(
        label=_("Effect evaluation"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    effective = forms.NullBooleanField(label=_("Measures effective"), required=False)


class MeasureForm(forms.Form):
    description = forms.CharField(label=_("Measure"), max_length=300)
    owner = PersonChoiceField(label=_("Owner"), queryset=None)
    due_on = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, staff=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff


class MeasureStatusForm(forms.Form):
    status = forms.ChoiceField(choices=MeasureStatus.choices)


class SanctionForm(forms.Form):
    """One accountability action on a violation case; a suspension needs its period."""

    action = forms.ChoiceField(label=_("Accountability action"), choices=AccountabilityAction.choices)
    starts_on = forms.DateField(
        label=_("Suspended from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("Suspended until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    notes = forms.CharField(label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SeverityForm(forms.Form):
    severity = forms.ChoiceField(label=_("Severity"), choices=ViolationSeverity.choices)


class RegulatorReportForm(forms.Form):
    reported_on = forms.DateField(label=_("Reported on"), widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(label=_("Report reference"), max_length=80)


class FeedbackForm(forms.Form):
    message = forms.CharField(
        label=_("Outcome to send to the client"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    language = forms.ChoiceField(
        label=_("Language of the letter"),
        choices=settings.LANGUAGES,
        required=False,
        help_text=_("By default the client's preferred language."),
    )
