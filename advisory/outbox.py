"""The transactional outbox: work that must run after a commit is never lost.

`outbox_enqueue` writes an OutboxMessage in the caller's transaction (so it exists exactly when the
business change exists) and, once the transaction commits, tries to hand it to the broker at once.
If the broker is down nothing is lost: the periodic `outbox_dispatch_task` sends every message not
yet dispatched, with back-off. A dispatcher claims the rows it sends in one short transaction
(`SELECT … FOR UPDATE SKIP LOCKED`, then a lease on `available_at`), so two dispatchers never send
the same message at the same time; a message may still be sent twice in rare crashes, which is why
every task it names is idempotent.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import time
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from celery import current_app
from django.db import transaction
from django.db.models import F

from .clock import now
from .models import OutboxMessage

logger = logging.getLogger(__name__)

CLAIM_SECONDS = 60  # a dispatcher holds a message this long while it talks to the broker
MAX_BACKOFF_SECONDS = 600


def outbox_enqueue(
    *, task: str, args: list | tuple = (), kwargs: dict[str, Any] | None = None
) -> OutboxMessage:
    """Record a task to run after commit (call inside the transaction that makes the change).

    Every message a transaction enqueues is handed to the broker together once it commits: one
    claim and one "dispatched" update for all of them (`outbox_dispatch_many`), not two statements
    and two commits per message."""
    message = OutboxMessage.objects.create(
        task=task, args=list(args), kwargs=dict(kwargs or {}), available_at=now()
    )
    message_id = message.pk
    pending = _pending(transaction.get_connection())
    pending.append(message_id)
    # One callback per message keeps Django's savepoint rules: a message enqueued in a savepoint
    # that is rolled back loses its callback (and its row). The first callback to run after the
    # commit sends its message and every later one; the others find theirs already sent.
    transaction.on_commit(_after_commit(pending, message_id))
    return message


class _after_commit:  # noqa: N801 - a callable registered with transaction.on_commit
    __slots__ = ("pending", "message_id")

    def __init__(self, pending: list[int], message_id: int) -> None:
        self.pending, self.message_id = pending, message_id

    def __call__(self) -> None:
        # Callbacks run in the order they were registered, so this message and every one enqueued
        # after it on this connection are committed now (those enqueued before it have callbacks
        # of their own, which ran first).
        try:
            at = self.pending.index(self.message_id)
        except ValueError:  # sent with an earlier message of this commit
            return
        ids = self.pending[at:]
        del self.pending[at:]  # before sending: a task run inline may enqueue (and send) its own
        outbox_dispatch_many(ids, retry=False)


def _pending(conn) -> list[int]:
    """The ids enqueued on this connection and not yet sent after a commit. Ids left by a
    transaction that was rolled back (no callback of ours is waiting any more) are dropped."""
    pending = getattr(conn, "_outbox_pending", None)
    if pending is None:
        pending = conn._outbox_pending = []
    if pending and not any(isinstance(item[1], _after_commit) for item in conn.run_on_commit):
        pending.clear()
    return pending


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


def _send(name: str, args: list, kwargs: dict, *, retry: bool) -> None:
    """Hand one task to the broker. Through the broker it goes by name (`send_task`): the worker
    knows every task and applies its options (time limits, retries) itself, so this process need
    not import the task's module. Run inline (`task_always_eager`, tests) it needs the task."""
    if not current_app.conf.task_always_eager:
        current_app.send_task(
            name,
            args=args,
            kwargs=kwargs,
            retry=retry,
            # what monitoring shows of the arguments (Celery's saferepr walks every element in
            # Python: a sweep's 1,333 notification ids); the same text for the JSON values here
            argsrepr=_short_repr(args),
            kwargsrepr=_short_repr(kwargs),
        )
        return
    task = _registered_task(name)
    if task is None:  # registered only in the worker: send by name
        current_app.send_task(name, args=args, kwargs=kwargs, retry=retry)
    else:  # apply_async (unlike send_task) honours task_always_eager
        task.apply_async(args=args, kwargs=kwargs, retry=retry)


def _short_repr(value: Any, limit: int = 1024) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def outbox_dispatch_many(message_ids: Iterable[int], *, retry: bool = True) -> int:
    """Send these messages to the broker; the number this call sent. A message already sent, held
    by another dispatcher, or not yet due is left alone; one the broker refuses keeps the error
    and a next attempt (back-off), and the others are still sent.

    The messages are claimed in one short transaction (locked rows are skipped, so two dispatchers
    never send the same message at the same time; each claim is a lease on `available_at`), sent,
    then marked dispatched in one UPDATE."""
    ids = sorted(set(message_ids))
    if not ids:
        return 0
    at = now()
    with transaction.atomic():
        rows = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk__in=ids, dispatched_at__isnull=True, available_at__lte=at)
            .order_by("pk")
            .values_list("pk", "task", "args", "kwargs", "attempts")
        )
        if not rows:
            return 0
        OutboxMessage.objects.filter(pk__in=[row[0] for row in rows]).update(
            available_at=at + timedelta(seconds=CLAIM_SECONDS)
        )
    sent: list[int] = []
    error: Exception | None = None
    started = time.monotonic()
    for i, (pk, task, args, kwargs, attempts) in enumerate(rows):
        if time.monotonic() - started > CLAIM_SECONDS / 2:  # a slow broker: release the rest
            OutboxMessage.objects.filter(pk__in=[row[0] for row in rows[i:]]).update(available_at=now())
            break
        try:
            _send(task, args, kwargs, retry=retry)
        except Exception as exc:  # the broker is down or refused: keep the message, try again later
            _record_failure(pk, task, attempts + 1, exc)
            if current_app.conf.task_always_eager and error is None:
                error = exc  # tests run tasks inline: a task's own error surfaces (after the rest)
            continue
        sent.append(pk)
    if sent:
        OutboxMessage.objects.filter(pk__in=sent).update(dispatched_at=now(), attempts=F("attempts") + 1)
    if error is not None:
        raise error
    return len(sent)


def _record_failure(pk: int, task: str, attempts: int, exc: Exception) -> None:
    delay = min(MAX_BACKOFF_SECONDS, 5 * 2 ** min(attempts, 10))
    OutboxMessage.objects.filter(pk=pk).update(
        attempts=attempts,
        last_error=f"{exc.__class__.__name__}: {exc}"[:2000],
        available_at=now() + timedelta(seconds=delay),
    )
    logger.warning("outbox message %s (%s) not sent, attempt %d: %s", pk, task, attempts, exc)


def outbox_dispatch_pending(*, limit: int = 500) -> dict[str, int]:
    """Send every due message, oldest first (the periodic dispatcher)."""
    ids = list(
        OutboxMessage.objects.filter(dispatched_at__isnull=True, available_at__lte=now())
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = outbox_dispatch_many(ids)
    return {"due": len(ids), "sent": sent, "failed": len(ids) - sent}


def outbox_purge_dispatched(*, older_than_days: int = 7) -> int:
    """Delete messages handed to the broker more than `older_than_days` ago."""
    cutoff = now() - timedelta(days=older_than_days)
    deleted, _ = OutboxMessage.objects.filter(dispatched_at__lt=cutoff).delete()
    return deleted
