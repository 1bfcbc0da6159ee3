"""Complaint test data. Tickets are created through the service so deadlines are real."""

from __future__ import annotations

import datetime
import itertools

from advisory.roles import Role
from clients.models import Client
from complaints import services
from complaints.models import Channel, Complaint
from tests.factories import UserFactory

_seq = itertools.count(1)


def make_client(*, advisor, user=None, name: str | None = None) -> Client:
    n = next(_seq)
    return Client.objects.create(
        file_number=f"CL-T-{n:06d}", name=name or f"Client {n}", advisor=advisor, user=user, status="active"
    )


def make_complaint(
    *,
    client: Client,
    actor=None,
    priority: str = "normal",
    channel: str = Channel.PHONE,
    received_at: datetime.datetime | None = None,
    subject: str = "Fees charged twice",
) -> Complaint:
    actor = actor or client.advisor
    return services.complaint_file(
        actor=actor,
        client=client,
        channel=channel,
        category="fees",
        priority=priority,
        subject=subject,
        description="The management fee was charged twice in March.",
        received_at=received_at,
    )


def staff(role: str = Role.ADVISOR, **kw):
    return UserFactory(role=role, **kw)
