"""The clients app's own contributions to the timeline and the calendar: service activities
and onboarding steps (one query each)."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from advisory.rules import can

from .models import Activity, ActivityStatus, OnboardingStepLog
from .service_record import CALENDAR_KINDS
from .timeline import CalendarEvent, TimelineEvent

TIMELINE_KINDS = {"activity": gettext_lazy("Service activities"), "onboarding": gettext_lazy("Onboarding")}
TONES = {ActivityStatus.PLANNED: "amber", ActivityStatus.COMPLETED: "green", ActivityStatus.CANCELLED: "grey"}


def timeline_events(*, client, user, kinds: set[str], limit: int) -> list[TimelineEvent]:
    if not can(user, "clients.view_service_record", client):
        return []
    events: list[TimelineEvent] = []
    if "activity" in kinds:
        url = reverse("clients:activity_detail", args=[987654321])
        for a in (
            Activity.objects.filter(client=client).select_related("executor").order_by("-starts_at")[:limit]
        ):
            events.append(
                TimelineEvent(
                    kind="activity",
                    at=a.starts_at,
                    title=f"{a.get_kind_display()} · {a.subject}",
                    detail=f"{a.get_channel_display()} · {a.executor.full_name or a.executor.email}",
                    url=url.replace("987654321", str(a.pk)),
                    badge=a.get_status_display(),
                    tone=TONES.get(a.status, ""),
                )
            )
    if "onboarding" in kinds:
        for log in (
            OnboardingStepLog.objects.filter(case__client=client)
            .select_related("case", "actor")
            .order_by("-at")[:limit]
        ):
            events.append(
                TimelineEvent(
                    kind="onboarding",
                    at=log.at,
                    title=_("Onboarding %(number)s: %(step)s")
                    % {"number": log.case.acceptance_number, "step": log.get_to_step_display()},
                    detail=log.note,
                    url=reverse("clients:onboarding_detail", args=[log.case_id]),
                    badge=_("Onboarding"),
                    tone="grey",
                )
            )
    return events


def calendar_events(*, user, start: datetime.datetime, end: datetime.datetime) -> list[CalendarEvent]:
    """The user's meetings, visits and calls (planned and held) between start and end."""
    rows = (
        Activity.objects.filter(
            executor=user, kind__in=CALENDAR_KINDS, starts_at__gte=start, starts_at__lt=end
        )
        .select_related("client")
        .order_by("starts_at")[:2000]
    )
    return [
        CalendarEvent(
            uid=f"activity-{a.pk}@advisory",
            start=a.starts_at,
            end=a.starts_at + datetime.timedelta(minutes=a.duration_minutes),
            summary=f"{a.get_kind_display()}: {a.client.name} · {a.subject}",
            description=a.participants,
            location=a.location,
            url=reverse("clients:activity_detail", args=[a.pk]),
            cancelled=a.status == ActivityStatus.CANCELLED,
        )
        for a in rows
    ]
