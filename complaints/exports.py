"""Export of the complaint queue (advisory.exports): the page's columns, from the page's rows."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from advisory.clock import now
from advisory.exports.registry import Column, ExportList, Filter, register

from .feedback_models import ReturnVisitStatus, ReturnVisitTrigger, SuggestionStatus
from .models import AccountabilityAction, Category, Channel, Priority, State, ViolationStage


def _complaint_rows(*, user, params):
    from .views import complaint_rows

    return complaint_rows(user=user, params=params)


def _violation_rows(*, user, params):
    from .views import violation_rows

    return violation_rows(user=user, params=params)


def _return_visit_rows(*, user, params):
    from .feedback_views import return_visit_rows

    return return_visit_rows(user=user, params=params)


def _suggestion_rows(*, user, params):
    from .feedback_views import suggestion_rows

    return suggestion_rows(user=user, params=params)


def _sla(complaint) -> str:
    return str(complaint.sla_status(now())["label"])


register(
    ExportList(
        name="complaints.complaints",
        title=_("Complaints"),
        perm="complaints.view_queue",
        list_url="complaints:list",
        rows=_complaint_rows,
        columns=[
            Column(_("Number"), "number"),
            Column(_("Client"), "client.name"),
            Column(_("Subject"), "subject"),
            Column(_("Category"), "category", choices=Category.choices),
            Column(_("Channel"), "channel", choices=Channel.choices),
            Column(_("Priority"), "priority", choices=Priority.choices),
            Column(_("State"), "state", choices=State.choices),
            Column(_("Assignee"), "assignee.full_name"),
            Column(_("Received"), "received_at"),
            Column(_("Acknowledged"), "acknowledged_at"),
            Column(_("Resolution due"), "resolve_due_at"),
            Column(_("Resolved"), "resolved_at"),
            Column(_("SLA"), _sla),
        ],
        filters=[
            Filter("q", _("Search")),
            Filter("state", _("State"), [("", _("Open")), *State.choices, ("all", _("All"))]),
            Filter("priority", _("Priority"), Priority.choices),
            Filter("channel", _("Channel"), Channel.choices),
            Filter("category", _("Category"), Category.choices),
            Filter("assignee", _("Assignee"), [("me", _("Me")), ("none", _("Unassigned"))]),
            Filter("overdue", _("Overdue only"), [("on", _("Yes")), ("1", _("Yes"))]),
        ],
    )
)

register(
    ExportList(
        name="complaints.violations",
        title=_("Violation cases"),
        perm="complaints.view_violation",
        list_url="complaints:violation_list",
        rows=_violation_rows,
        columns=[
            Column(_("Case"), lambda v: f"VC-{v.pk}"),
            Column(_("Staff member"), "staff_member.full_name"),
            Column(_("Complaint"), "complaint.number"),
            Column(_("Stage"), "stage", choices=ViolationStage.choices),
            Column(_("Action"), "accountability_action", choices=AccountabilityAction.choices),
            Column(_("Opened"), "opened_at"),
        ],
        filters=[Filter("stage", _("Stage"), ViolationStage.choices)],
        extra_params=(),
    )
)

register(
    ExportList(
        name="complaints.return_visits",
        title=_("Return visits"),
        perm="complaints.list_return_visits",
        list_url="complaints:return_visit_list",
        rows=_return_visit_rows,
        columns=[
            Column(_("Due on"), "due_on"),
            Column(_("Client"), "client.name"),
            Column(_("Occasion"), "trigger", choices=ReturnVisitTrigger.choices),
            Column(_("Caller"), "assignee.full_name"),
            Column(_("Attempts"), "attempts"),
            Column(_("Status"), "status", choices=ReturnVisitStatus.choices),
            Column(_("issues raised by the client"), "issues_found"),
        ],
        filters=[
            Filter("q", _("Search")),
            Filter("status", _("Status"), ReturnVisitStatus.choices),
            Filter("trigger", _("Occasion"), ReturnVisitTrigger.choices),
        ],
        extra_params=(),
    )
)

register(
    ExportList(
        name="complaints.suggestions",
        title=_("Suggestions"),
        perm="complaints.list_suggestions",
        list_url="complaints:suggestion_list",
        rows=_suggestion_rows,
        columns=[
            Column(_("Received"), "created_at"),
            Column(_("Client"), "client.name"),
            Column(_("Title"), "subject"),
            Column(_("Status"), "status", choices=SuggestionStatus.choices),
            Column(_("Answered by"), "answered_by.full_name"),
            Column(_("answered"), "answered_at"),
        ],
        filters=[Filter("q", _("Search")), Filter("status", _("Status"), SuggestionStatus.choices)],
        extra_params=(),
    )
)
