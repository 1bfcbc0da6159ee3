"""The Celery application. Settings come from Django settings with the CELERY_ prefix."""

import os
from pathlib import Path

from celery import Celery
from celery.signals import before_task_publish, task_postrun, task_prerun, worker_init
from django.db.utils import InterfaceError, OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisory.settings.dev")

# Errors worth retrying with back-off: the database or a network peer was briefly unreachable.
# Every task is idempotent, so a retry after a partial run changes nothing more.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    ConnectionError,
    TimeoutError,
)

app = Celery("advisory")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def ensure_broker_folders() -> None:
    """kombu's file-system transport does not create its folders itself."""
    from django.conf import settings

    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        for key in ("data_folder_in", "data_folder_out", "processed_folder"):
            Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS[key]).mkdir(parents=True, exist_ok=True)


@worker_init.connect
def _prepare_worker(**_: object) -> None:
    ensure_broker_folders()


def _connect_observability() -> None:
    """Request ids follow work into tasks; every run is counted for /metrics."""
    from . import observability

    before_task_publish.connect(observability.on_before_task_publish, weak=False)
    task_prerun.connect(observability.on_task_prerun, weak=False)
    task_postrun.connect(observability.on_task_postrun, weak=False)


_connect_observability()
