"""Reads for complaint screens and the API, scoped to the user (a forbidden ticket is a 404)."""

from __future__ import annotations

import contextlib

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from advisory.clock import now
from advisory.errors import NotFound
from advisory.models import User
from advisory.roles import Role
from advisory.rules import can
from clients.models import Client

from .models import (
    CLOCK_RUNNING_STATES,
    OPEN_STATES,
    Complaint,
    ComplaintEvent,
    EscalationLevel,
    ViolationCase,
)

SORTS = {
    "due": ("resolve_due_at", "id"),
    "-due": ("-resolve_due_at", "-id"),
    "received": ("received_at", "id"),
    "-received": ("-received_at", "-id"),
    "priority": ("priority", "id"),
    "-priority": ("-priority", "-id"),
    "number": ("number",),
    "-number": ("-number",),
    "state": ("state", "id"),
    "-state": ("-state", "-id"),
}


def _staff_scope(user: User) -> Q | None:
    """None = everything (oversight roles); a Q for advisors; Q(pk=None)-like for others."""
    if user.role == Role.ADVISOR:
        # the advisor's clients as a subquery, not a join: "joined client's advisor = me OR
        # assignee = me" can only be checked after joining every client (a scan of the whole
        # client table), while "client in (my clients)" is one index lookup per ticket
        return Q(client__in=Client.objects.filter(advisor=user).values("pk")) | Q(assignee=user)
    if user.is_oversight:
        return None
    return Q(pk__in=[])


def complaint_queue(
    *,
    user: User,
    state: str | None = None,
    priority: str | None = None,
    channel: str | None = None,
    category: str | None = None,
    assignee: str | int | None = None,
    overdue: bool = False,
    open_only: bool = False,
    search: str | None = None,
    sort: str | None = None,
    client_id: int | None = None,
) -> QuerySet[Complaint]:
    """The staff queue: what the user may see, filtered and sorted. Fixed query count per page."""
    qs = Complaint.objects.select_related("client", "assignee")
    scope = _staff_scope(user)
    if scope is not None:
        qs = qs.filter(scope)
    if state:
        qs = qs.filter(state=state)
    elif open_only:
        qs = qs.filter(state__in=list(OPEN_STATES))
    if priority:
        qs = qs.filter(priority=priority)
    if channel:
        qs = qs.filter(channel=channel)
    if category:
        qs = qs.filter(category=category)
    if assignee == "me":
        qs = qs.filter(assignee=user)
    elif assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif assignee:
        with contextlib.suppress(TypeError, ValueError):
            qs = qs.filter(assignee_id=int(assignee))
    if overdue:
        qs = qs.filter(state__in=list(CLOCK_RUNNING_STATES), resolve_due_at__lt=now())
    if client_id:
        qs = qs.filter(client_id=client_id)
    if search:
        term = search.strip()
        qs = qs.filter(
            Q(number__icontains=term) | Q(subject__icontains=term) | Q(client__name__icontains=term)
        )
    return qs.order_by(*SORTS.get(sort or "", ("-received_at", "-id")))


def complaint_get_for_staff(*, user: User, pk: int) -> Complaint:
    qs = Complaint.objects.select_related("client", "client__advisor", "assignee", "policy", "filed_by")
    scope = _staff_scope(user)
    if scope is not None:
        qs = qs.filter(scope)
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise NotFound(_("No such complaint."))
    return obj


def complaint_list_for_client(*, user: User) -> QuerySet[Complaint]:
    return (
        Complaint.objects.filter(client__user=user)
        .select_related("client", "survey")
        .order_by("-received_at", "-id")
    )


def complaint_get_for_client(*, user: User, pk: int) -> Complaint:
    obj = complaint_list_for_client(user=user).filter(pk=pk).first()
    if obj is None:
        raise NotFound(_("No such complaint."))
    return obj


def complaint_timeline(*, complaint: Complaint, include_internal: bool) -> QuerySet[ComplaintEvent]:
    qs = complaint.events.select_related("actor").order_by("created_at", "id")
    if not include_internal:
        qs = qs.filter(is_internal=False)
    return qs


def complaint_attachments(*, complaint: Complaint, include_internal: bool):
    qs = complaint.attachments.all()
    return qs if include_internal else qs.filter(is_internal=False)


def escalated_complaints(*, user: User, limit: int = 8) -> QuerySet[Complaint]:
    return (
        Complaint.objects.filter(
            state__in=list(OPEN_STATES), escalation_level__gte=EscalationLevel.SUPERVISOR
        )
        .select_related("client", "assignee")
        .order_by("resolve_due_at")[:limit]
    )


def violation_cases(*, user: User, stage: str | None = None) -> QuerySet[ViolationCase]:
    if not can(user, "complaints.view_violation"):
        return ViolationCase.objects.none()
    qs = ViolationCase.objects.select_related("complaint", "staff_member", "client", "opened_by")
    if stage:
        qs = qs.filter(stage=stage)
    return qs.order_by("-opened_at", "-id")


def violation_get(*, user: User, pk: int) -> ViolationCase:
    obj = violation_cases(user=user).filter(pk=pk).first()
    if obj is None:
        raise NotFound(_("No such violation case."))
    return obj


def assignable_staff() -> QuerySet[User]:
    return User.objects.filter(
        is_active=True, role__in=[Role.ADVISOR, Role.SUPERVISOR, Role.COMPLIANCE, Role.ADMINISTRATOR]
    ).order_by("full_name")


def inbound_list(*, user, status: str = "", search: str = "") -> QuerySet:
    """The email intake for supervisors and compliance: newest first, the linked ticket joined.
    Subjects and senders are encrypted, so the search matches the ticket number."""
    from .models import InboundEmail, InboundStatus

    if not can(user, "complaints.manage_intake"):
        return InboundEmail.objects.none()
    qs = InboundEmail.objects.select_related("mailbox", "complaint", "client", "handled_by")
    if status == "open":
        qs = qs.filter(status__in=[InboundStatus.AWAITING_LINK, InboundStatus.QUARANTINED])
    elif status:
        qs = qs.filter(status=status)
    if search:
        qs = qs.filter(ticket_number__icontains=search.strip())
    return qs.order_by("-received_at", "-id")


def inbound_get(*, user, pk: int):

    return inbound_list(user=user).get(pk=pk)
