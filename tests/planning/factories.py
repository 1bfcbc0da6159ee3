"""Planning test data: clients, products, risk profiles, model portfolios and proposals."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from advisory.clock import now, today
from clients.models import Client
from planning import services
from risk.models import (
    AssessmentStatus,
    Product,
    Questionnaire,
    QuestionnaireVersion,
    RiskAssessment,
    SuitabilityException,
    VersionStatus,
)
from tests.factories import UserFactory


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    file_number = factory.Sequence(lambda n: f"CL-2026-{n + 500000:06d}")
    name = factory.Sequence(lambda n: f"Planning Client {n}")
    advisor = factory.SubFactory(UserFactory)
    status = "active"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    code = factory.Sequence(lambda n: f"PL{n:05d}")
    name = factory.Sequence(lambda n: f"Fund {n}")
    kind = "fund"
    risk_rating = "R2"
    asset_class = "bonds"
    liquidity_days = 3
    # Product governance (issue 14): an approved rating with a review far enough ahead.
    rating_approved_at = factory.LazyFunction(now)
    rating_review_due = factory.LazyFunction(lambda: now().date() + datetime.timedelta(days=3650))


def make_profile(*, client, level: str = "C3", valid_until: datetime.date | None = None) -> RiskAssessment:
    questionnaire, _ = Questionnaire.objects.get_or_create(code="plan-rtq", defaults={"name": "RTQ"})
    version = QuestionnaireVersion.objects.filter(questionnaire=questionnaire).first()
    if version is None:
        version = QuestionnaireVersion.objects.create(
            questionnaire=questionnaire,
            number=1,
            title="RTQ",
            status=VersionStatus.PUBLISHED,
            published_at=now(),
        )
    return RiskAssessment.objects.create(
        client=client,
        version=version,
        administered_by=client.advisor,
        willingness_level=level,
        capacity_level=level,
        effective_level=level,
        status=AssessmentStatus.CONFIRMED,
        confirmed_at=now(),
        valid_until=valid_until or today() + datetime.timedelta(days=300),
    )


def approve_exception(*, client, product, actor, **extra) -> SuitabilityException:
    current = client.risk_assessments.filter(status=AssessmentStatus.CONFIRMED).order_by("-id").first()
    return SuitabilityException.objects.create(
        client=client,
        product=product,
        client_level=current.effective_level if current else "C3",
        product_rating=product.risk_rating,
        client_reason="I want it",
        warning_text="Special warning",
        status="approved",
        requested_by=actor,
        decided_at=now(),
        decided_by=actor,
        **extra,
    )


def model_portfolios():
    return services.model_portfolios_install_defaults()


def balanced_lines(total: Decimal = Decimal("1000000")) -> list[tuple[Product, Decimal]]:
    """A C3-conform mix (exactly the C3 model weights), no product above 30 %."""
    spec = [
        ("cash", "R1", 1, "0.10"),
        ("bonds", "R2", 3, "0.20"),
        ("bonds", "R2", 3, "0.20"),
        ("equities", "R3", 3, "0.20"),
        ("equities", "R3", 3, "0.15"),
        ("real_estate", "R3", 30, "0.10"),
        ("alternatives", "R3", 90, "0.05"),
    ]
    return [
        (
            ProductFactory(asset_class=c, risk_rating=r, liquidity_days=d),
            (total * Decimal(w)).quantize(Decimal("0.01")),
        )
        for c, r, d, w in spec
    ]


def make_ready_proposal(*, client, advisor, lines=None, **fields):
    """A draft whose checks pass (C3 client with a valid profile, balanced lines)."""
    if not client.risk_assessments.exists():
        make_profile(client=client)
    model_portfolios()
    return services.proposal_create(
        client=client, actor=advisor, title="Balanced plan", lines=lines or balanced_lines(), **fields
    )
