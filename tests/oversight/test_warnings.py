"""The risk warnings sweep: creation, deduplication, auto-closing, the 60-day edge (SPEC §6)."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from advisory.models import RiskWarning, WarningKind
from advisory.oversight import services
from advisory.oversight.tasks import risk_warning_sweep_task
from advisory.warnings import WarningSpec
from tests.factories import StaffQualificationFactory

from .factories import aware

NOW = aware(2026, 6, 15, 12)
TODAY = datetime.date(2026, 6, 15)
QE = WarningKind.QUALIFICATION_EXPIRING


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def open_qe():
    return RiskWarning.objects.filter(kind=QE, is_open=True)


def test_qualification_expiring_at_60_days_edge(frozen, advisor, colleague):
    # given: one expires in exactly 60 days, one in 61, one expired yesterday
    q60 = StaffQualificationFactory(user=advisor, kind="fund", expires_on=TODAY + datetime.timedelta(days=60))
    StaffQualificationFactory(user=colleague, kind="fund", expires_on=TODAY + datetime.timedelta(days=61))
    StaffQualificationFactory(user=colleague, kind="cfa", expires_on=TODAY - datetime.timedelta(days=1))
    # when
    active = services.qualification_expiring_warnings()[QE]
    # then
    assert list(active) == [("advisory.staffqualification", str(q60.pk))]
    assert active[("advisory.staffqualification", str(q60.pk))].advisor == advisor.pk


def test_renewed_qualification_raises_no_warning(frozen, advisor):
    StaffQualificationFactory(user=advisor, kind="fund", expires_on=TODAY + datetime.timedelta(days=10))
    StaffQualificationFactory(user=advisor, kind="fund", expires_on=TODAY + datetime.timedelta(days=800))
    assert services.qualification_expiring_warnings()[QE] == {}


def test_sweep_creates_deduplicates_and_closes(frozen, advisor):
    # given
    q = StaffQualificationFactory(user=advisor, kind="fund", expires_on=TODAY + datetime.timedelta(days=5))
    # when: the sweep runs twice
    risk_warning_sweep_task()
    risk_warning_sweep_task()
    # then: one open warning, critical (≤ 14 days), assigned to the holder
    warning = open_qe().get()
    assert warning.subject_id == str(q.pk) and warning.advisor == advisor and warning.severity == "critical"
    # when: the qualification is renewed (cause gone)
    q.expires_on = TODAY + datetime.timedelta(days=400)
    q.save()
    services.risk_warning_sweep()
    # then: closed automatically
    warning.refresh_from_db()
    assert not warning.is_open and warning.resolved_at == NOW
    assert not open_qe().exists()


def test_sweep_collects_app_sources(frozen, advisor, monkeypatch):
    # given: an app source reporting one overdue review, then nothing
    import types

    reported = {
        WarningKind.REVIEW_OVERDUE: {("planning.review", "7"): WarningSpec(message="late", advisor=advisor)}
    }
    module = types.SimpleNamespace(active_warnings=lambda: reported)
    monkeypatch.setattr(services, "WARNING_SOURCES", ["fake.warnings"])
    monkeypatch.setattr(services.importlib, "import_module", lambda name: module)
    services.risk_warning_sweep()
    assert RiskWarning.objects.filter(kind="review_overdue", is_open=True, subject_id="7").count() == 1
    reported[WarningKind.REVIEW_OVERDUE] = {}
    services.risk_warning_sweep()
    assert not RiskWarning.objects.filter(kind="review_overdue", is_open=True).exists()


def test_failing_source_does_not_close_its_warnings(frozen, advisor, monkeypatch):
    RiskWarning.objects.create(
        kind="review_overdue", subject_type="planning.review", subject_id="1", message="m", opened_at=NOW
    )

    def broken():
        raise RuntimeError("boom")

    import types

    monkeypatch.setattr(services, "WARNING_SOURCES", ["fake.warnings"])
    monkeypatch.setattr(
        services.importlib, "import_module", lambda name: types.SimpleNamespace(active_warnings=broken)
    )
    services.risk_warning_sweep()
    assert RiskWarning.objects.filter(kind="review_overdue", is_open=True).count() == 1
