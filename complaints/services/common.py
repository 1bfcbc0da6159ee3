"""Helpers the complaint services share: permission, links, timeline events, policy and routing."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse

from advisory.clock import now
from advisory.models import User
from advisory.rules import can
from advisory.texts import Text

from ..links import complaint_staff_url
from ..models import DEFAULT_POLICY_NAME, Complaint, ComplaintEvent, ComplaintSettings, SLAPolicy


def _can_act(actor: User, complaint: Complaint) -> bool:
    return can(actor, "complaints.act_on_complaint", complaint)


def _url(complaint: Complaint) -> str:
    # not reverse(): a worker or command would load the whole URLconf for this one link
    return complaint_staff_url(complaint.pk)


def _portal_url(complaint: Complaint) -> str:
    return reverse("complaints_portal:detail", args=[complaint.pk])


def _event(
    complaint: Complaint,
    *,
    kind: str,
    actor: User | None,
    body: str | Text = "",
    internal: bool = False,
    from_state: str = "",
    to_state: str = "",
    at: datetime.datetime | None = None,
) -> ComplaintEvent:
    """A timeline line. A `Text` body (what the platform writes, "event.*") is stored as its code
    and parameters and read in the reader's language; a string is what a person wrote."""
    code, params = (body.code, body.params) if isinstance(body, Text) else ("", {})
    return ComplaintEvent.objects.create(
        complaint=complaint,
        kind=kind,
        actor=actor,
        body="" if code else body,
        body_code=code,
        body_params=params,
        is_internal=internal,
        from_state=from_state,
        to_state=to_state,
        created_at=at or now(),
    )


def default_policy() -> SLAPolicy:
    policy = SLAPolicy.objects.filter(is_default=True).first()
    if policy is None:
        try:
            with transaction.atomic():
                policy = SLAPolicy.objects.create(name=DEFAULT_POLICY_NAME, is_default=True)
        except IntegrityError:
            policy = SLAPolicy.objects.get(is_default=True)
    return policy


def routing_settings() -> ComplaintSettings:
    row = ComplaintSettings.objects.select_related("complaints_team_user").first()
    return row or ComplaintSettings()


def _auto_assignee(client: Any) -> User | None:
    conf = routing_settings()
    if conf.assign_to_advisor and client.advisor_id and client.advisor.is_active:
        return client.advisor
    return conf.complaints_team_user or client.advisor
