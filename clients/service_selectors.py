"""Reads of the service record, scoped to the user (an advisor sees their own book, oversight
roles every client), with the joins done so a page costs a fixed number of queries."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from advisory.clock import today
from advisory.errors import NotFound

from .models import Activity, FollowUpStatus, FollowUpTask

ACTIVITY_SORTS = {
    "time": "starts_at",
    "-time": "-starts_at",
    "client": "client__name",
    "-client": "-client__name",
}
FOLLOW_UP_SORTS = {"due": "due_on", "-due": "-due_on", "client": "client__name", "-client": "-client__name"}


def _scope(qs: QuerySet, user, path: str = "client__advisor") -> QuerySet:
    if user.is_oversight:
        return qs
    if user.is_advisor:
        return qs.filter(**{path: user})
    return qs.none()


def activity_list(
    *,
    user,
    client_id: int | None = None,
    kind: str | None = None,
    status: str | None = None,
    search: str | None = None,
    sort: str | None = None,
) -> QuerySet[Activity]:
    qs = _scope(Activity.objects.select_related("client", "executor"), user).annotate(
        attachment_count=Count("attachments")
    )
    if client_id:
        qs = qs.filter(client_id=client_id)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if search:
        qs = qs.filter(
            Q(subject__icontains=search)
            | Q(client__name__icontains=search)
            | Q(client__file_number__iexact=search)
        )
    return qs.order_by(ACTIVITY_SORTS.get(sort or "", "-starts_at"), "-id")


def activity_get(*, user, pk: int) -> Activity:
    activity = (
        _scope(Activity.objects.select_related("client", "client__advisor", "executor"), user)
        .filter(pk=pk)
        .first()
    )
    if activity is None:
        raise NotFound(_("No such activity."))
    return activity


def activity_attachments(*, activity: Activity) -> list:
    return list(activity.attachments.select_related("document").order_by("id"))


def follow_up_list(
    *,
    user,
    state: str = "open",
    client_id: int | None = None,
    mine: bool = False,
    search: str | None = None,
    sort: str | None = None,
) -> QuerySet[FollowUpTask]:
    """Follow-ups the user may see: an advisor those of their book plus those assigned to them."""
    qs = FollowUpTask.objects.select_related("client", "assignee", "activity")
    if not user.is_oversight:
        qs = qs.filter(Q(client__advisor=user) | Q(assignee=user)) if user.is_workspace_user else qs.none()
    if mine:
        qs = qs.filter(assignee=user)
    if client_id:
        qs = qs.filter(client_id=client_id)
    if state == "open":
        qs = qs.filter(status=FollowUpStatus.OPEN)
    elif state == "overdue":
        qs = qs.filter(status=FollowUpStatus.OPEN, due_on__lt=today())
    elif state in FollowUpStatus.values:
        qs = qs.filter(status=state)
    if search:
        qs = qs.filter(Q(title__icontains=search) | Q(client__name__icontains=search))
    return qs.order_by(FOLLOW_UP_SORTS.get(sort or "", "due_on"), "id")


def follow_up_get(*, user, pk: int) -> FollowUpTask:
    task = follow_up_list(user=user, state="all").filter(pk=pk).first()
    if task is None:
        raise NotFound(_("No such follow-up task."))
    return task


def follow_ups_due(*, user, days: int = 7, limit: int = 10) -> list[FollowUpTask]:
    """The user's open follow-ups due within `days` (overdue first). One query."""
    horizon = today() + datetime.timedelta(days=days)
    return list(
        FollowUpTask.objects.filter(assignee=user, status=FollowUpStatus.OPEN, due_on__lte=horizon)
        .select_related("client")
        .order_by("due_on", "id")[:limit]
    )
