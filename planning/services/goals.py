"""A client's financial goals (SPEC §3), created and edited with their target dates checked."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from advisory.clock import today
from advisory.editing import Guard
from advisory.errors import DomainError
from advisory.history import audited_save
from advisory.models import User
from advisory.texts import text

from ..models import Goal
from .common import _require_plan_editor

GOAL_HORIZON_YEARS = 100


def _check_goal_date(goal: Goal, target_date: datetime.date | None) -> None:
    """A goal is in the future and within a lifetime: a new or moved target date before today or
    more than GOAL_HORIZON_YEARS ahead is a typing error (e.g. 1900), not a plan."""
    if target_date is None or (goal.pk is not None and target_date == goal.target_date):
        return
    current = today()
    if target_date < current:
        raise DomainError(_("The target date cannot be in the past."), field="target_date")
    if target_date.year > current.year + GOAL_HORIZON_YEARS:
        raise DomainError(
            _("The target date must be within %(years)d years.") % {"years": GOAL_HORIZON_YEARS},
            field="target_date",
        )


GOAL_FIELDS = ["kind", "name", "target_amount", "target_date", "priority", "current_funding", "is_active"]


def goal_save(
    *, client, actor: User, data: dict[str, Any], goal: Goal | None = None, edits: Guard | None = None
) -> Goal:
    """Add a goal, or change one: the goal is locked and read again, so a colleague's change made
    since the form was opened is kept (or, with `edits`, the save is refused when both changed
    the same field; advisory.editing)."""
    _require_plan_editor(actor, client)
    with transaction.atomic():
        if goal is None:
            goal = Goal(client=client)
        else:
            goal = Goal.objects.select_for_update().get(pk=goal.pk, client=client)
            if edits is not None:
                data = edits.merge(goal, data, actor=actor)
        _check_goal_date(goal, data.get("target_date"))
        for key, value in data.items():
            if key in GOAL_FIELDS:
                setattr(goal, key, value)
        if goal.target_amount is None or goal.target_amount <= 0:
            raise DomainError(_("The target amount must be more than zero."), field="target_amount")
        if goal.current_funding is not None and goal.current_funding < 0:
            raise DomainError(_("Current funding cannot be negative."), field="current_funding")
        audited_save(
            goal, actor=actor, reason=text("audit.goal_created" if goal.pk is None else "audit.goal_changed")
        )
    return goal
