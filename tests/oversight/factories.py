"""Rows of other apps built directly (the indicators read them), plus oversight factories."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import factory
from django.utils import timezone

from advisory.oversight.models import ImprovementAction, TrainingRecord
from tests.factories import UserFactory

_seq = itertools.count(1)


def aware(y: int, m: int, d: int, h: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(y, m, d, h, 0))


def make_client(*, advisor, status: str = "active", started: datetime.date | None = None, ended=None):
    from clients.models import Client

    n = next(_seq)
    return Client.objects.create(
        file_number=f"CL-T-{n:06d}",
        name=f"Client {n}",
        advisor=advisor,
        status=status,
        relationship_started_on=started or datetime.date(2025, 1, 1),
        relationship_ended_on=ended,
    )


def _policy():
    from complaints.models import SLAPolicy

    return SLAPolicy.objects.get_or_create(name="Test policy", defaults={"is_default": False})[0]


def make_complaint(*, client, received_at, **extra):
    from complaints.models import Complaint

    n = next(_seq)
    due = received_at + datetime.timedelta(days=14)
    values = {
        "number": f"CP-T-{n:06d}",
        "client": client,
        "channel": "phone",
        "category": "fees",
        "priority": "normal",
        "subject": f"Complaint {n}",
        "description": "x",
        "state": "received",
        "policy": _policy(),
        "received_at": received_at,
        "ack_due_at": received_at + datetime.timedelta(days=3),
        "resolve_due_at": due,
        "warn_at": due - datetime.timedelta(days=3),
        "compliance_at": due + datetime.timedelta(days=7),
    }
    values.update(extra)
    return Complaint.objects.create(**values)


def make_survey(*, complaint, answered_at, csat=None, nps=None):
    from complaints.models import SatisfactionSurvey

    return SatisfactionSurvey.objects.create(
        complaint=complaint,
        client=complaint.client,
        sent_at=answered_at - datetime.timedelta(days=1),
        answered_at=answered_at,
        csat=csat,
        nps=nps,
    )


def make_violation(*, complaint, staff_member, opened_by, opened_at):
    from complaints.models import ViolationCase

    return ViolationCase.objects.create(
        complaint=complaint,
        client=complaint.client,
        staff_member=staff_member,
        summary="conduct",
        opened_by=opened_by,
        opened_at=opened_at,
    )


def make_onboarding(*, client, opened_by, review_deadline, reviewed_at=None):
    from clients.models import OnboardingCase

    n = next(_seq)
    return OnboardingCase.objects.create(
        acceptance_number=f"ACC-T-{n:06d}",
        client=client,
        opened_by=opened_by,
        submitted_at=review_deadline - datetime.timedelta(days=2),
        review_deadline=review_deadline,
        reviewed_at=reviewed_at,
    )


class TrainingRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingRecord

    user = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Course {n}")
    hours = Decimal("4.0")
    required = True
    due_on = datetime.date(2026, 6, 30)
    completed_on = None


class ImprovementActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImprovementAction

    title = factory.Sequence(lambda n: f"Action {n}")
    link_type = "indicator"
    link_ref = "csat"
    owner = factory.SubFactory(UserFactory)
    due_on = datetime.date(2026, 12, 31)
