"""Operations: protected Prometheus metrics with the business clocks, request ids in logs and in
the tasks a request starts, and error reports without personal data."""

import datetime
import json
import logging

import pytest
import time_machine
from django.urls import reverse

from advisory import observability
from advisory.roles import Role
from tests.complaints.factories import make_client, make_complaint
from tests.factories import UserFactory


@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN = "scrape-token-0123456789"
    return settings.METRICS_TOKEN


def test_metrics_need_the_token_or_an_administrator(client, metrics_token, advisor, compliance_officer):
    url = reverse("metrics")
    assert client.get(url).status_code == 404
    assert client.get(url, HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    for user in (advisor, compliance_officer):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()
    response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {metrics_token}")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    admin = UserFactory(role=Role.ADMINISTRATOR, is_staff=True)
    client.force_login(admin)
    assert client.get(url).status_code == 200


def test_metrics_show_requests_tasks_and_business_clocks(client, metrics_token, advisor):
    # given a ticket past its resolution deadline, a task that ran, and some page views
    ticket = make_complaint(client=make_client(advisor=advisor))
    observability.record_task_run(
        name="complaints.tasks.complaint_escalation_sweep_task", seconds=0.25, failed=False
    )
    observability.record_task_run(
        name="complaints.tasks.complaint_escalation_sweep_task", seconds=0.5, failed=True
    )
    client.get(reverse("login"))
    # when the scraper reads the metrics after the deadline
    with time_machine.travel(ticket.resolve_due_at + datetime.timedelta(hours=1), tick=False):
        body = client.get(reverse("metrics"), HTTP_AUTHORIZATION=f"Bearer {metrics_token}").content.decode()
    # then the business clock, the task figures, the queue and Django's own series are there
    assert "advisory_complaints_past_deadline 1.0" in body
    assert "advisory_documents_pending 0.0" in body
    assert 'advisory_task_runs_total{task="complaints.tasks.complaint_escalation_sweep_task"} 2.0' in body
    assert 'advisory_task_failures_total{task="complaints.tasks.complaint_escalation_sweep_task"} 1.0' in body
    assert (
        'advisory_task_duration_seconds_total{task="complaints.tasks.complaint_escalation_sweep_task"} 0.75'
        in body
    )
    assert "advisory_task_last_success_timestamp_seconds" in body
    assert "advisory_celery_queue_length" in body
    assert "django_http_requests_latency_seconds_by_view_method" in body
    assert "django_db_execute_total" in body or "django_db_new_connections_total" in body


def test_every_response_carries_a_request_id_and_keeps_a_safe_one(client):
    fresh = client.get(reverse("login"))
    assert len(fresh["X-Request-ID"]) == 32
    kept = client.get(reverse("login"), HTTP_X_REQUEST_ID="edge-proxy-42abc")
    assert kept["X-Request-ID"] == "edge-proxy-42abc"
    hostile = client.get(reverse("login"), HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert hostile["X-Request-ID"] != "bad id\nwith newline"


def test_json_log_lines_carry_the_request_id():
    from pythonjsonlogger.json import JsonFormatter

    formatter = JsonFormatter("%(levelname)s %(name)s %(message)s %(request_id)s %(task_id)s")
    record = logging.LogRecord("advisory.test", logging.INFO, __file__, 1, "claimed %s rows", (3,), None)
    token = observability.bind_request_id("req-1234567890")
    try:
        observability.RequestIdFilter().filter(record)
    finally:
        observability.unbind_request_id(token)
    line = json.loads(formatter.format(record))
    assert line["request_id"] == "req-1234567890" and line["message"] == "claimed 3 rows"


def test_tasks_started_by_a_request_log_its_id():
    # given a request in progress that enqueues a task
    token = observability.bind_request_id("req-abcdef123456")
    headers: dict = {}
    try:
        observability.on_before_task_publish(headers=headers)
    finally:
        observability.unbind_request_id(token)
    assert headers["request_id"] == "req-abcdef123456"

    # when a worker runs it (the header arrives on task.request)
    class Task:
        name = "t.example"

        class request:  # noqa: N801
            request_id = "req-abcdef123456"

    observability.on_task_prerun(task_id="task-1", task=Task)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", (), None)
    observability.RequestIdFilter().filter(record)
    observability.on_task_postrun(task_id="task-1", task=Task, state="SUCCESS")
    # then its log lines carry the request id and the task id, and the context is cleared after
    assert (record.request_id, record.task_id) == ("req-abcdef123456", "task-1")
    assert observability.current_request_id() == ""


def test_error_reports_are_scrubbed_of_personal_data():
    event = {
        "user": {"id": 7, "email": "zhang@example.cn", "ip_address": "10.0.0.1"},
        "request": {"cookies": {"sessionid": "s"}, "data": {"id_number": "x"}, "url": "/app/clients/7/"},
        "exception": {
            "values": [
                {
                    "value": "duplicate 110101199003074258 for 13812345678 zhang@example.cn card 6222021234567890123"
                }
            ]
        },
        "extra": {"phone": "13812345678", "note": "ok"},
    }
    scrubbed = observability.scrub_event(event)
    text = json.dumps(scrubbed, ensure_ascii=False)
    for secret in (
        "110101199003074258",
        "13812345678",
        "zhang@example.cn",
        "6222021234567890123",
        "sessionid",
    ):
        assert secret not in text
    assert scrubbed["user"] == {"id": 7} and scrubbed["extra"]["note"] == "ok"
    assert scrubbed["request"]["url"] == "/app/clients/7/"


def test_error_reporting_is_off_without_a_dsn():
    assert observability.init_error_reporting("", environment="test") is False


def test_task_counters_work_on_the_file_cache_of_make_run(settings, tmp_path):
    from django.core.cache import caches

    # (pytest-django's settings fixture rebuilds the cache handlers when CACHES changes)
    settings.CACHES = {
        "default": {"BACKEND": "advisory.cache.MeteredFileBasedCache", "LOCATION": str(tmp_path)}
    }
    assert type(caches["default"]).__name__ == "MeteredFileBasedCache"
    for seconds, failed in ((0.1, False), (0.2, True)):
        observability.record_task_run(name="t.file", seconds=seconds, failed=failed)
    stats = observability.task_stats()["t.file"]
    assert (stats["runs"], stats["failures"], stats["ms"]) == (2, 1, 300)
