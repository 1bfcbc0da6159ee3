"""Shared fixtures: one user per role, and the fixed cast for permission tests."""

import pytest
from django.test import Client as HttpClient
from rest_framework.test import APIClient

from advisory.roles import Role
from tests.factories import StaffQualificationFactory, UserFactory


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def supervisor(db):
    return UserFactory(role=Role.SUPERVISOR, full_name="Supervisor Sam", email="supervisor@example.test")


@pytest.fixture
def advisor(db, supervisor):
    user = UserFactory(
        role=Role.ADVISOR, full_name="Advisor Ann", email="advisor@example.test", supervisor=supervisor
    )
    StaffQualificationFactory(user=user)
    return user


@pytest.fixture
def colleague(db, supervisor):
    """Another advisor: must not see the first advisor's book."""
    user = UserFactory(
        role=Role.ADVISOR, full_name="Colleague Carl", email="colleague@example.test", supervisor=supervisor
    )
    StaffQualificationFactory(user=user)
    return user


@pytest.fixture
def risk_reviewer(db):
    return UserFactory(role=Role.RISK_REVIEWER, full_name="Reviewer Rita", email="risk@example.test")


@pytest.fixture
def compliance_officer(db):
    return UserFactory(role=Role.COMPLIANCE, full_name="Compliance Cleo", email="compliance@example.test")


@pytest.fixture
def administrator(db):
    return UserFactory(
        role=Role.ADMINISTRATOR,
        full_name="Admin Ada",
        email="admin@example.test",
        is_staff=True,
        is_superuser=True,
    )


@pytest.fixture
def client_user(db):
    return UserFactory(role=Role.CLIENT, full_name="Client Carol", email="client@example.test")


@pytest.fixture
def outsider_user(db):
    """Another client: must not see the first client's records."""
    return UserFactory(role=Role.CLIENT, full_name="Outsider Otto", email="outsider@example.test")


def _logged_in(user) -> HttpClient:
    http = HttpClient()
    http.force_login(user)
    return http


@pytest.fixture
def web_as():
    return _logged_in


@pytest.fixture
def api_as():
    def make(user) -> APIClient:
        api = APIClient()
        api.force_authenticate(user)
        return api

    return make


def pytest_collection_modifyitems(config, items):
    """Skip PostgreSQL-only tests on SQLite and worker tests without Redis."""
    import os

    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    has_redis = bool(os.environ.get("REDIS_URL"))
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    skip_redis = pytest.mark.skip(reason="needs Redis (set REDIS_URL)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not has_redis:
            item.add_marker(skip_redis)
