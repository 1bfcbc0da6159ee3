"""A real Celery worker, started as a process against Redis, executes a task end to end."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from advisory.celery import app
from advisory.models import Notification
from advisory.roles import Role
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    s = connection.settings_dict
    if s["ENGINE"].endswith("postgresql"):
        return f"postgres://{s['USER']}:{s.get('PASSWORD') or ''}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    return f"sqlite:///{s['NAME']}"


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_worker_executes_a_task_end_to_end():
    # given a user and a worker consuming a queue of its own on Redis
    user = UserFactory(role=Role.ADVISOR)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    redis_url = os.environ["REDIS_URL"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "advisory.settings.dev",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "DEBUG": "false",
    }
    worker = subprocess.Popen(
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
            f"{queue}@%h",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    saved = {"task_always_eager": app.conf.task_always_eager, "broker_url": app.conf.broker_url}
    try:
        app.conf.update(task_always_eager=False, broker_url=redis_url)
        from advisory.tasks import notification_send_task

        # when a task is sent through the broker
        notification_send_task.apply_async(args=[user.pk, "test", "Sent through a real worker"], queue=queue)
        # then the worker writes the notification into the database
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if Notification.objects.filter(recipient=user, subject="Sent through a real worker").exists():
                break
            time.sleep(0.5)
        else:
            worker.terminate()
            output = worker.communicate(timeout=10)[0]
            pytest.fail(f"the worker did not run the task in 60 s; worker output:\n{output}")
    finally:
        app.conf.update(**saved)
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
