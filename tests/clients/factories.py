"""Factories for client files (direct rows, bypassing services, for fast setup)."""

from decimal import Decimal

import factory

from clients.models import Client, OnboardingCase, OnboardingStep
from tests.factories import UserFactory


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    file_number = factory.Sequence(lambda n: f"CL-2026-{n + 500000:06d}")
    name = factory.Sequence(lambda n: f"Client {n:05d}")
    advisor = factory.SubFactory(UserFactory, role="advisor")
    email = factory.Sequence(lambda n: f"client{n}@example.test")
    monthly_income = Decimal("20000")
    monthly_expenses = Decimal("8000")
    liquid_reserves = Decimal("100000")
    income_stability = "stable"
    wealth_tier = "middle"


class OnboardingCaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OnboardingCase

    acceptance_number = factory.Sequence(lambda n: f"ACC-2026-{n + 500000:06d}")
    client = factory.SubFactory(ClientFactory)
    step = OnboardingStep.IDENTITY_VERIFICATION
    opened_by = factory.LazyAttribute(lambda o: o.client.advisor)
