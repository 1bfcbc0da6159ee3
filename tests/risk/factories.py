"""Factories for risk tests: a published questionnaire, products, clients and assessments."""

from __future__ import annotations

import datetime

import factory

from advisory.clock import now
from clients.models import Client
from risk.models import (
    AssessmentStatus,
    Product,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    QuestionOption,
    RiskAssessment,
    VersionStatus,
)
from tests.factories import UserFactory

# Two questions is enough for scoring tests: horizon (1..5) and objective (1..5) → 2..10.
BANDS = [
    {"level": "C1", "min": 0, "max": 3},
    {"level": "C2", "min": 4, "max": 5},
    {"level": "C3", "min": 6, "max": 7},
    {"level": "C4", "min": 8, "max": 8},
    {"level": "C5", "min": 9, "max": 10},
]
HORIZONS = ["lt1y", "1to3y", "3to5y", "5to10y", "gt10y"]
OBJECTIVES = ["preserve", "income", "balanced", "growth", "max_growth"]


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    file_number = factory.Sequence(lambda n: f"CL-2026-{n:06d}")
    name = factory.Sequence(lambda n: f"Client {n}")
    advisor = factory.SubFactory(UserFactory)
    status = "active"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    code = factory.Sequence(lambda n: f"P{n:04d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    kind = "fund"
    risk_rating = "R3"
    asset_class = "equities"
    # Product governance (issue 14): an approved rating with a review far enough ahead.
    rating_approved_at = factory.LazyFunction(now)
    rating_review_due = factory.LazyFunction(lambda: now().date() + datetime.timedelta(days=3650))


def make_version(
    *, status: str = VersionStatus.PUBLISHED, code: str = "rtq", number: int = 1
) -> QuestionnaireVersion:
    questionnaire, _ = Questionnaire.objects.get_or_create(code=code, defaults={"name": "Risk tolerance"})
    version = QuestionnaireVersion.objects.create(
        questionnaire=questionnaire,
        number=number,
        title="Risk tolerance",
        title_zh="风险承受能力",
        score_bands=BANDS,
        status=status,
        published_at=now() if status == VersionStatus.PUBLISHED else None,
    )
    for order, (qcode, role, meanings) in enumerate(
        [("horizon", "horizon", HORIZONS), ("objective", "objective", OBJECTIVES)], start=1
    ):
        q = Question.objects.create(version=version, order=order, code=qcode, role=role, text=qcode.title())
        for i, meaning in enumerate(meanings, start=1):
            QuestionOption.objects.create(
                question=q, order=i, code=meaning, text=meaning, score=i, meaning=meaning
            )
    return version


def make_assessment(
    *,
    client,
    level: str = "C3",
    status: str = AssessmentStatus.CONFIRMED,
    valid_until: datetime.date | None = None,
    version=None,
    confirmed_at=None,
    **extra,
) -> RiskAssessment:
    version = (
        version
        or QuestionnaireVersion.objects.filter(status=VersionStatus.PUBLISHED).first()
        or make_version()
    )
    return RiskAssessment.objects.create(
        client=client,
        version=version,
        administered_by=client.advisor,
        score=0,
        willingness_level=level,
        capacity_level=level,
        effective_level=level,
        status=status,
        confirmed_at=confirmed_at or (now() if status != AssessmentStatus.DRAFT else None),
        valid_until=valid_until
        if valid_until is not None
        else (now().date() + datetime.timedelta(days=200) if status != AssessmentStatus.DRAFT else None),
        **extra,
    )
