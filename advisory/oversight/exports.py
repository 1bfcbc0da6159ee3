"""Exports of the oversight lists (advisory.exports): risk warnings and the quality dashboard's
indicators, from the pages' own rows."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from advisory.exports.registry import Column, ExportList, Filter, register
from advisory.models import WarningKind, WarningSeverity
from advisory.roles import WORKSPACE_ROLES, Role

from .models import ActionLink, ActionStatus, Direction, Effectiveness

STATUS_LABELS = [
    ("green", _("on target")),
    ("amber", _("near target")),
    ("red", _("off target")),
    ("grey", _("no data")),
]


def _warning_rows(*, user, params):
    from .oversight_views import warning_rows

    return warning_rows(user=user, params=params)


def _dashboard_rows(*, user, params):
    from .oversight_views import dashboard_rows

    return dashboard_rows(user=user, params=params)


def _staff_rows(*, user, params):
    from .oversight_views import staff_rows

    return staff_rows(user=user, params=params)


def _action_rows(*, user, params):
    from .oversight_views import action_rows

    return action_rows(user=user, params=params)


def _action_link(action) -> str:
    from .selectors import action_link_label

    return action_link_label(action)


def _advisor_choices():
    from advisory.models import User
    from advisory.roles import Role

    return list(User.objects.filter(role=Role.ADVISOR).values_list("id", "full_name"))


def _rounded(key: str):
    def read(row: dict):
        value = row.get(key)
        return "" if value is None else round(float(value), 4)

    return read


def _status(row: dict) -> str:
    return row["status"] if row["available"] else "grey"


def _months(params) -> list[Column]:
    """One column per month of the trend (the twelve months ending with the chosen month)."""
    from .indicators import Filters

    f = Filters.parse(params)
    return [Column(month.strftime("%Y-%m"), _trend(i)) for i, month in enumerate(f.months)]


def _trend(i: int):
    def read(row: dict):
        value = row["trend"][i] if i < len(row["trend"]) else None
        return "" if value is None else round(float(value), 4)

    return read


register(
    ExportList(
        name="oversight.warnings",
        title=_("Risk warnings"),
        perm="oversight.list_warnings",
        list_url="oversight:warnings",
        rows=_warning_rows,
        columns=[
            Column(_("Warning"), "message"),
            Column(_("Kind"), "kind", choices=WarningKind.choices),
            Column(_("Severity"), "severity", choices=WarningSeverity.choices),
            Column(_("Responsible"), "advisor.full_name"),
            Column(_("Opened"), "opened_at"),
            Column(_("Resolved"), "resolved_at"),
        ],
        filters=[
            Filter("kind", _("Kind"), WarningKind.choices),
            Filter("severity", _("Severity"), WarningSeverity.choices),
            Filter("state", _("State"), [("open", _("Open")), ("closed", _("Closed")), ("all", _("All"))]),
            Filter("advisor", _("Advisor"), _advisor_choices),
        ],
        extra_params=(),
    )
)

register(
    ExportList(
        name="oversight.dashboard",
        title=_("Quality dashboard"),
        perm="oversight.view_dashboard",
        list_url="oversight:dashboard",
        rows=_dashboard_rows,
        columns=[
            Column(_("Code"), "code"),
            Column(_("Indicator"), "label"),
            Column(_("Value"), _rounded("value")),
            Column(_("Target"), _rounded("target")),
            Column(_("Direction"), "direction", choices=Direction.choices),
            Column(_("amber band"), _rounded("amber_band")),
            Column(_("Status"), _status, choices=STATUS_LABELS),
            Column(_("Numerator"), _rounded("numerator")),
            Column(_("Denominator"), _rounded("denominator")),
        ],
        more_columns=_months,
        filters=[
            Filter("month", _("Month")),
            Filter("span", _("Months")),
            Filter("advisor", _("Advisor"), _advisor_choices),
            Filter("team", _("Team")),
            Filter("live", _("Live figures"), [("0", _("No")), ("1", _("Yes"))]),
        ],
        extra_params=(),
    )
)

register(
    ExportList(
        name="oversight.staff",
        title=_("Staff"),
        perm="oversight.view_staff",
        list_url="oversight:staff_list",
        rows=_staff_rows,
        columns=[
            Column(_("Name"), "full_name"),
            Column(_("Role"), "role", choices=Role.choices),
            Column(_("Team"), "team"),
            Column(_("Current qualifications"), "current_qualifications"),
            Column(_("Next expiry"), "next_expiry"),
            Column(_("Training hours this year"), "training_hours"),
            Column(_("Overdue trainings"), "training_overdue"),
        ],
        filters=[
            Filter("q", _("Search")),
            Filter("role", _("Role"), [c for c in Role.choices if c[0] in WORKSPACE_ROLES]),
            Filter("team", _("Team")),
        ],
        extra_params=(),
    )
)

register(
    ExportList(
        name="oversight.actions",
        title=_("Improvement actions"),
        perm="oversight.list_actions",
        list_url="oversight:action_list",
        rows=_action_rows,
        columns=[
            Column(_("Action"), "title"),
            Column(_("Linked to"), _action_link),
            Column(_("Owner"), "owner.full_name"),
            Column(_("Due"), "due_on"),
            Column(_("Status"), "status", choices=ActionStatus.choices),
            Column(_("completed on"), "completed_on"),
            Column(_("Effectiveness"), "effectiveness", choices=Effectiveness.choices),
        ],
        filters=[
            Filter("status", _("Status"), ActionStatus.choices),
            Filter("link_type", _("Linked to"), ActionLink.choices),
            Filter("open", _("Open"), [("1", _("Yes"))]),
        ],
        extra_params=(),
    )
)
