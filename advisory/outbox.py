"""The transactional outbox: work that must run after a commit is never lost.

`outbox_enqueue` writes an OutboxMessage in the caller's transaction (so it exists exactly when the
business change exists) and, once the transaction commits, tries to hand it to the broker at once.
If the broker is down nothing is lost: the periodic `outbox_dispatch_task` sends every message not
yet dispatched, with back-off. Each send claims its row with a conditional UPDATE (a short lease on
`available_at`), so two dispatchers never send the same message at the same time; a message may
still be sent twice in rare crashes, which is why every task it names is idempotent.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
from datetime import timedelta
from typing import Any

from celery import current_app
from django.db import transaction

from .clock import now
from .models import OutboxMessage

logger = logging.getLogger(__name__)

CLAIM_SECONDS = 60  # a dispatcher holds a message this long while it talks to the broker
MAX_BACKOFF_SECONDS = 600


def outbox_enqueue(
    *, task: str, args: list | tuple = (), kwargs: dict[str, Any] | None = None
) -> OutboxMessage:
    """Record a task to run after commit (call inside the transaction that makes the change)."""
    message = OutboxMessage.objects.create(
        task=task, args=list(args), kwargs=dict(kwargs or {}), available_at=now()
    )
    message_id = message.pk
    transaction.on_commit(lambda: outbox_dispatch_one(message_id=message_id, retry=False))
    return message


def _registered_task(name: str):
    """The task object if this process knows it. Tasks modules are discovered lazily (a worker
    imports them at start-up); a web process or a test that never imported one would otherwise
    send it by name and bypass eager mode, so discover them once before giving up."""
    task = current_app.tasks.get(name)
    if task is None:
        # The module the task's name points at first (tasks are named after it): the loader's
        # import_default_modules imports every app's tasks and, through Celery's Django fixup,
        # runs all system checks (the whole URLconf), which a sweep command pays on every run.
        module, _, _ = name.rpartition(".")
        if module:
            with contextlib.suppress(ImportError):  # a task named otherwise: the loader finds it
                importlib.import_module(module)
            task = current_app.tasks.get(name)
    if task is None:
        current_app.loader.import_default_modules()
        task = current_app.tasks.get(name)
    return task


def outbox_dispatch_one(*, message_id: int, retry: bool = True) -> bool:
    """Send one message to the broker. True if this call sent it; False if it was already sent,
    another dispatcher holds it, or the broker refused (the row keeps the error and a next attempt).
    """
    at = now()
    claimed = OutboxMessage.objects.filter(
        pk=message_id, dispatched_at__isnull=True, available_at__lte=at
    ).update(available_at=at + timedelta(seconds=CLAIM_SECONDS))
    if claimed != 1:
        return False
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        task = _registered_task(message.task)
        if task is None:  # registered only in the worker: send by name
            current_app.send_task(message.task, args=message.args, kwargs=message.kwargs, retry=retry)
        else:  # apply_async (unlike send_task) honours task_always_eager in tests
            task.apply_async(args=message.args, kwargs=message.kwargs, retry=retry)
    except Exception as exc:  # the broker is down or refused: keep the message, try again later
        attempts = message.attempts + 1
        delay = min(MAX_BACKOFF_SECONDS, 5 * 2 ** min(attempts, 10))
        OutboxMessage.objects.filter(pk=message_id).update(
            attempts=attempts,
            last_error=f"{exc.__class__.__name__}: {exc}"[:2000],
            available_at=now() + timedelta(seconds=delay),
        )
        logger.warning(
            "outbox message %s (%s) not sent, attempt %d: %s", message_id, message.task, attempts, exc
        )
        if current_app.conf.task_always_eager:  # tests run tasks inline: a task's own error surfaces
            raise
        return False
    OutboxMessage.objects.filter(pk=message_id).update(dispatched_at=now(), attempts=message.attempts + 1)
    return True


def outbox_dispatch_pending(*, limit: int = 500) -> dict[str, int]:
    """Send every due message, oldest first (the periodic dispatcher)."""
    ids = list(
        OutboxMessage.objects.filter(dispatched_at__isnull=True, available_at__lte=now())
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = sum(1 for pk in ids if outbox_dispatch_one(message_id=pk))
    return {"due": len(ids), "sent": sent, "failed": len(ids) - sent}


def outbox_purge_dispatched(*, older_than_days: int = 7) -> int:
    """Delete messages handed to the broker more than `older_than_days` ago."""
    cutoff = now() - timedelta(days=older_than_days)
    deleted, _ = OutboxMessage.objects.filter(dispatched_at__lt=cutoff).delete()
    return deleted
