"""Formula-safe exports, API throttling, and health answering 503 when a dependency is down."""

import csv
import io

import pytest
from rest_framework.throttling import AnonRateThrottle

from advisory.celery import app
from advisory.exports import csv_lines, safe_cell

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_triggers_are_prefixed_with_a_quote(text):
    assert safe_cell(text) == "'" + text


def test_plain_text_and_numbers_are_unchanged():
    assert [safe_cell(v) for v in ["张三", "a=b", -5, 3.5, None]] == ["张三", "a=b", -5, 3.5, None]


def test_csv_lines_write_safe_cells():
    rows = list(csv.reader(io.StringIO("".join(csv_lines([["name", "note"], ["=cmd|' /C calc'!A0", "ok"]])))))
    assert rows[1] == ["'=cmd|' /C calc'!A0", "ok"]


def test_every_csv_export_in_the_code_uses_the_shared_helper():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = [
        str(path.relative_to(root))
        for app_dir in ["advisory", "clients", "risk", "planning", "complaints", "audit"]
        for path in (root / app_dir).rglob("*.py")
        if "csv.writer(" in path.read_text() and path.name != "cells.py"
    ]
    assert offenders == []


def test_audit_csv_export_neutralises_formulas(web_as, compliance_officer, advisor):
    from audit.services import audit_log

    audit_log(actor=advisor, action="update", obj=advisor, reason='=HYPERLINK("http://evil")')
    response = web_as(compliance_officer).get("/app/audit/export.csv")
    body = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK" in body and ",=HYPERLINK" not in body


def test_api_throttling_is_switched_on(api_as, advisor, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import UserRateThrottle

    cache.clear()
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/min", "anon": "3/min"})
    api = api_as(advisor)
    statuses = [api.get("/api/v1/clients/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    body = api.get("/api/v1/clients/").json()["error"]
    assert body["code"] == "throttled"
    cache.clear()


def test_anonymous_requests_are_throttled_too():
    from rest_framework.settings import api_settings

    assert AnonRateThrottle in api_settings.DEFAULT_THROTTLE_CLASSES


@pytest.mark.django_db(transaction=True)
def test_health_answers_503_when_the_broker_is_down(client):
    saved = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app._pool = None
    try:
        response = client.get("/health/", HTTP_ACCEPT="application/json")
    finally:
        app.conf.broker_url = saved
        app._pool = None
    assert response.status_code == 503
