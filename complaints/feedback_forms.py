"""Forms of the return-visit, survey and suggestion screens."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ReturnVisitStatus, ReturnVisitTrigger, SurveyTrigger


class GeneralSurveyForm(forms.Form):
    csat = forms.TypedChoiceField(
        label=_("How satisfied are you with our service? (1 = very unsatisfied, 5 = very satisfied)"),
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
        label=_("Anything else?"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class ReturnVisitRecordForm(forms.Form):
    """One answer field per script question, built from the visit."""

    reached = forms.BooleanField(label=_("The client was reached"), required=False, initial=True)
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    issues_found = forms.BooleanField(
        label=_("The client raised issues (supervisors are told)"), required=False
    )

    def __init__(self, *args, questions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for i, question in enumerate(questions):
            self.fields[f"answer_{i}"] = forms.CharField(
                label=question, required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
        self.order_fields(
            ["reached", *[f"answer_{i}" for i in range(len(questions))], "outcome", "issues_found"]
        )

    def answers(self) -> list[str]:
        return [self.cleaned_data.get(f"answer_{i}", "") for i in range(len(self.questions))]


class ReturnVisitReassignForm(forms.Form):
    assignee = forms.IntegerField(label=_("New caller"), widget=forms.Select)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class ReturnVisitFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *ReturnVisitStatus.choices], required=False
    )
    trigger = forms.ChoiceField(
        label=_("Occasion"), choices=[("", _("All")), *ReturnVisitTrigger.choices], required=False
    )


class SurveyFilterForm(forms.Form):
    trigger = forms.ChoiceField(
        label=_("Occasion"), choices=[("", _("All")), *SurveyTrigger.choices], required=False
    )
    answered = forms.ChoiceField(
        label=_("Answered"),
        choices=[("", _("All")), ("yes", _("Answered")), ("no", _("Not answered"))],
        required=False,
    )


class SuggestionForm(forms.Form):
    subject = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Your suggestion"), widget=forms.Textarea(attrs={"rows": 5}))


class SuggestionAnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer to the client"), widget=forms.Textarea(attrs={"rows": 4}))


class SuggestionCloseForm(forms.Form):
    note = forms.CharField(label=_("Closing note"), max_length=300, required=False)


class SuggestionFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All")), ("open", _("Open")), ("answered", _("Answered")), ("closed", _("Closed"))],
        required=False,
    )
