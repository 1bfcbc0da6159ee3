"""Jobs that never hang, against a real broker and real workers: a worker killed mid-render, and
a broker that is down when a PDF is requested."""

import datetime
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
import time_machine
from django.db import connection

from advisory import documents
from advisory.celery import app
from advisory.models import ArchivedDocument, DocumentStatus, OutboxMessage
from advisory.roles import Role
from advisory.tasks import outbox_dispatch_task
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
RENDER_TASK = "advisory.tasks.document_render_task"


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s.get('PASSWORD') or ''}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _start_worker(queue: str, **extra_env: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "advisory.settings.dev",
        "DATABASE_URL": _database_url(),
        "DEBUG": "false",
        **extra_env,
    }
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "advisory",
            "worker",
            "--pool=solo",
            "-c",
            "1",
            "-Q",
            queue,
            "-n",
            f"{queue}-{uuid.uuid4().hex[:4]}@%h",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
            "-I",
            "tests.advisory.slow_renderer",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _stop(worker: subprocess.Popen) -> str:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
    return worker.stdout.read() if worker.stdout else ""


def _wait_for_status(doc_id: int, status: str, seconds: float, worker: subprocess.Popen) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ArchivedDocument.objects.filter(pk=doc_id, status=status).exists():
            return
        time.sleep(0.2)
    doc = ArchivedDocument.objects.get(pk=doc_id)
    pytest.fail(f"document stayed {doc.status} ({doc.error}); worker output:\n{_stop(worker)}")


@pytest.fixture
def queue():
    """The render task routed to a queue of this test's own on the real Redis broker."""
    name = f"test-jobs-{uuid.uuid4().hex[:8]}"
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url", "task_routes")}
    app.conf.update(
        task_always_eager=False,
        broker_url=os.environ["REDIS_URL"],
        task_routes={RENDER_TASK: {"queue": name}},
    )
    app._pool = None
    app.amqp._producer_pool = None
    yield name
    app.conf.update(**saved)
    app._pool = None
    app.amqp._producer_pool = None
    redis.Redis.from_url(os.environ["REDIS_URL"]).delete(name)


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_render_the_job_is_taken_over_by_a_new_worker(queue):
    from tests.advisory import slow_renderer

    # given a worker rendering a document whose first attempt hangs, with a 2-second lease
    user = UserFactory(role=Role.ADVISOR)
    first = _start_worker(queue, DOCUMENT_RENDER_LEASE_SECONDS="2")
    second = None
    try:
        doc = documents.document_request(kind=slow_renderer.KIND, subject=user, title="Slow", actor=user)
        _wait_for_status(doc.pk, DocumentStatus.RENDERING, 60, first)
        # when the worker is killed mid-render (kill -9: no clean-up of any kind)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        time.sleep(2.5)  # the lease runs out
        # and the periodic dispatcher runs, then a new worker starts
        assert outbox_dispatch_task()["requeued"] == 1
        second = _start_worker(queue)
        # then the new worker takes the job over and finishes it
        _wait_for_status(doc.pk, DocumentStatus.READY, 90, second)
        doc.refresh_from_db()
        assert doc.attempts == 2 and doc.sha256 and doc.error == ""
    finally:
        _stop(first)
        if second is not None:
            _stop(second)


@pytest.mark.redis
@pytest.mark.django_db
def test_pdf_requested_while_the_broker_is_down_waits_and_is_sent_when_it_is_back(
    queue, api_as, advisor, settings, django_capture_on_commit_callbacks
):
    from planning import services
    from tests.planning.factories import ClientFactory, make_ready_proposal

    settings.PLANNING_MC_PATHS = 200
    proposal = make_ready_proposal(client=ClientFactory(advisor=advisor), advisor=advisor)
    # given the broker is unreachable (a closed port)
    app.conf.update(broker_url="redis://127.0.0.1:1/0")
    app._pool = None
    app.amqp._producer_pool = None
    # when the advisor requests the PDF
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(advisor).post(
            "/api/v1/planning/documents/",
            {"proposal": proposal.pk, "kind": services.DOC_PROPOSAL},
            format="json",
        )
    # then the request is accepted and the document shows it waits for the queue
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "pending"
    assert response.json()["status_label"] == "Waiting for the queue"
    message = OutboxMessage.objects.get()
    assert message.dispatched_at is None and message.last_error
    # when the broker is back and the periodic dispatcher runs after the back-off
    app.conf.update(broker_url=os.environ["REDIS_URL"])
    app._pool = None
    app.amqp._producer_pool = None
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(minutes=5)):
        assert outbox_dispatch_task()["sent"] == 1
    # then the render task is on the broker's queue
    message.refresh_from_db()
    assert message.dispatched_at is not None
    assert redis.Redis.from_url(os.environ["REDIS_URL"]).llen(queue) == 1
