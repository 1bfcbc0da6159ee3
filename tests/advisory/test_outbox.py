"""The outbox keeps after-commit work through a broker outage; stalled renders are taken over."""

import datetime

import pytest
import time_machine
from django.core import mail

from advisory import documents
from advisory.celery import app
from advisory.models import ArchivedDocument, DocumentStatus, Notification, OutboxMessage
from advisory.notifications import notify
from advisory.outbox import outbox_dispatch_pending
from advisory.tasks import outbox_dispatch_task

CLOSED_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def notice_renderer():
    documents.register_renderer("test.notice", lambda document: ("pdf/base.html", {}))
    yield
    documents._RENDERERS.pop("test.notice", None)


@pytest.fixture
def broker_down():
    """The app publishes to a closed port, through the broker (not inline)."""
    saved = {"task_always_eager": app.conf.task_always_eager, "broker_url": app.conf.broker_url}
    app.conf.update(task_always_eager=False, broker_url=CLOSED_BROKER)
    _reset_pools()
    yield
    app.conf.update(**saved)
    _reset_pools()


def _reset_pools():
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.django_db
def test_document_request_writes_an_outbox_message_in_its_transaction(
    notice_renderer, advisor, django_capture_on_commit_callbacks
):
    # when a document is requested (and the transaction has not committed yet)
    with django_capture_on_commit_callbacks(execute=False):
        doc = documents.document_request(kind="test.notice", subject=advisor, title="N", actor=advisor)
        # then the job is already recorded beside the row
        message = OutboxMessage.objects.get()
    assert message.task == "advisory.tasks.document_render_task" and message.args == [doc.pk]
    assert message.dispatched_at is None


@pytest.mark.django_db
def test_after_commit_dispatch_runs_the_job_and_marks_it_sent(
    notice_renderer, advisor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        doc = documents.document_request(kind="test.notice", subject=advisor, title="N", actor=advisor)
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.READY
    assert OutboxMessage.objects.get().dispatched_at is not None
    # the periodic dispatcher has nothing left to send
    assert outbox_dispatch_pending() == {"due": 0, "sent": 0, "failed": 0}


@pytest.mark.django_db
def test_broker_down_keeps_the_message_and_the_dispatcher_sends_it_later(
    notice_renderer, advisor, django_capture_on_commit_callbacks, broker_down
):
    # given the broker is unreachable when the document is requested
    with django_capture_on_commit_callbacks(execute=True):
        doc = documents.document_request(kind="test.notice", subject=advisor, title="N", actor=advisor)
    # then nothing raised, the document waits, and the message kept the error and a next attempt
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.PENDING
    message = OutboxMessage.objects.get()
    assert (
        message.dispatched_at is None and message.attempts == 1 and "OperationalError" in message.last_error
    )
    # when the broker is back (inline here) and the periodic dispatcher runs after the back-off
    app.conf.update(task_always_eager=True)
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(minutes=5)):
        result = outbox_dispatch_task()
    # then the job ran
    assert result["sent"] == 1
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.READY
    assert OutboxMessage.objects.get().dispatched_at is not None


@pytest.mark.django_db
def test_notification_emails_survive_a_broker_outage(
    advisor, django_capture_on_commit_callbacks, broker_down
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[advisor], kind="test", subject="Hello")
    assert mail.outbox == []
    assert OutboxMessage.objects.get().task == "advisory.tasks.notification_emails_task"
    app.conf.update(task_always_eager=True)
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(minutes=5)):
        outbox_dispatch_pending()
        outbox_dispatch_pending()  # a second run sends nothing more
    assert [m.subject for m in mail.outbox] == ["Hello"]
    assert Notification.objects.get().emailed_at is not None


@pytest.mark.django_db
def test_stalled_render_is_taken_over_after_its_lease(notice_renderer, advisor, settings):
    # given a render whose worker died: "Generating" with a lease in the past
    doc = documents.document_request(
        kind="test.notice", subject=advisor, title="N", actor=advisor, render_now=True
    )
    past = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    ArchivedDocument.objects.filter(pk=doc.pk).update(
        status=DocumentStatus.RENDERING, lease_expires_at=past, attempts=1
    )
    # when the redelivered task runs
    assert documents.document_render(document_id=doc.pk) is True
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.READY and doc.attempts == 2


@pytest.mark.django_db
def test_live_render_is_not_taken_over(notice_renderer, advisor):
    doc = documents.document_request(
        kind="test.notice", subject=advisor, title="N", actor=advisor, render_now=True
    )
    future = datetime.datetime(2999, 1, 1, tzinfo=datetime.UTC)
    ArchivedDocument.objects.filter(pk=doc.pk).update(
        status=DocumentStatus.RENDERING, lease_expires_at=future
    )
    assert documents.document_render(document_id=doc.pk) is False


@pytest.mark.django_db
def test_stalled_render_is_queued_again_then_failed_with_a_reason(
    notice_renderer, advisor, settings, django_capture_on_commit_callbacks
):
    settings.DOCUMENT_RENDER_MAX_ATTEMPTS = 2
    doc = documents.document_request(
        kind="test.notice", subject=advisor, title="N", actor=advisor, render_now=True
    )
    past = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    # first stall: queued again, and the dispatch renders it
    ArchivedDocument.objects.filter(pk=doc.pk).update(
        status=DocumentStatus.RENDERING, lease_expires_at=past, attempts=1
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert documents.document_recover_stalled() == {"requeued": 1, "failed": 0}
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.READY
    # stalled again at the last attempt: failed, with the reason on the row
    ArchivedDocument.objects.filter(pk=doc.pk).update(
        status=DocumentStatus.RENDERING, lease_expires_at=past, attempts=2
    )
    assert documents.document_recover_stalled() == {"requeued": 0, "failed": 1}
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.FAILED
    # the reason is a code, read in each reader's language
    from advisory.texts import render_reason

    assert "stopped 2 times" in render_reason(doc.error, language="en")
    assert "2 次" in render_reason(doc.error, language="zh-hans")


# --- several messages of one transaction are handed to the broker together ---------------------


@pytest.fixture
def memory_broker():
    """The app publishes to kombu's in-memory transport (not inline): what was sent can be read."""
    saved = {"task_always_eager": app.conf.task_always_eager, "broker_url": app.conf.broker_url}
    app.conf.update(task_always_eager=False, broker_url="memory://")
    _reset_pools()
    sent: list[str] = []
    real = app.send_task

    def recording(name, *args, **kwargs):
        sent.append(name)
        return real(name, *args, **kwargs)

    app.send_task = recording
    yield sent
    del app.send_task
    app.conf.update(**saved)
    _reset_pools()


@pytest.mark.django_db
def test_one_commit_sends_all_its_messages_with_one_claim_and_one_update(
    memory_broker, django_capture_on_commit_callbacks
):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from advisory.outbox import outbox_enqueue

    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        first = outbox_enqueue(task="advisory.tasks.notification_emails_task", args=[[1]])
        second = outbox_enqueue(task="audit.tasks.audit_chain_task")
        third = outbox_enqueue(task="advisory.tasks.notification_emails_task", args=[[2]])
    assert len(callbacks) == 3
    # when the transaction's callbacks run (as after its commit)
    with CaptureQueriesContext(connection) as queries:
        for callback in callbacks:
            callback()
    # then all three went to the broker, in order, and are marked sent
    assert memory_broker == [
        "advisory.tasks.notification_emails_task",
        "audit.tasks.audit_chain_task",
        "advisory.tasks.notification_emails_task",
    ]
    rows = OutboxMessage.objects.filter(pk__in=[first.pk, second.pk, third.pk])
    assert all(m.dispatched_at is not None and m.attempts == 1 for m in rows)
    # with one claim (read and lease) and one "dispatched" update, not three statements each
    statements = [
        q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    assert len(statements) == 3, statements
    assert statements[0].startswith("SELECT") and statements[1].startswith("UPDATE")


@pytest.mark.django_db
def test_a_message_of_a_rolled_back_savepoint_is_not_sent(memory_broker, django_capture_on_commit_callbacks):
    from django.db import transaction

    from advisory.outbox import outbox_enqueue

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        kept = outbox_enqueue(task="advisory.tasks.notification_emails_task", args=[[1]])
        with pytest.raises(RuntimeError), transaction.atomic():
            outbox_enqueue(task="audit.tasks.audit_chain_task")
            raise RuntimeError("rolled back")
        later = outbox_enqueue(task="advisory.tasks.notification_emails_task", args=[[2]])
    assert memory_broker == ["advisory.tasks.notification_emails_task"] * 2
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {kept.pk, later.pk}
    assert not OutboxMessage.objects.filter(dispatched_at__isnull=True).exists()


@pytest.mark.django_db
def test_ids_left_by_a_rolled_back_transaction_are_forgotten(
    memory_broker, django_capture_on_commit_callbacks
):
    from django.db import connection, transaction

    from advisory.outbox import _pending, outbox_enqueue

    # given a transaction that enqueued a message and was rolled back (its callback is gone)
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_enqueue(task="audit.tasks.audit_chain_task")
        connection.run_on_commit.clear()  # what the rollback of the outermost transaction does
        raise RuntimeError("rolled back")
    # when the next transaction enqueues one
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox_enqueue(task="advisory.tasks.notification_emails_task", args=[[1]])
        # then only its own id waits for the commit
        assert _pending(connection) == [message.pk]
    assert memory_broker == ["advisory.tasks.notification_emails_task"]
    assert _pending(connection) == []


@pytest.mark.django_db
def test_a_refused_message_keeps_its_error_and_the_others_are_sent(memory_broker, monkeypatch):
    from advisory.outbox import outbox_dispatch_many

    at = datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC)
    with time_machine.travel(at, tick=False):
        good = OutboxMessage.objects.create(task="audit.tasks.audit_chain_task", available_at=at)
        bad = OutboxMessage.objects.create(task="advisory.tasks.refused", available_at=at)
        later = OutboxMessage.objects.create(task="audit.tasks.audit_chain_task", available_at=at)
        real = app.send_task

        def refuse(name, *args, **kwargs):
            if name == "advisory.tasks.refused":
                raise ConnectionError("refused by the broker")
            return real(name, *args, **kwargs)

        monkeypatch.setattr(app, "send_task", refuse)
        assert outbox_dispatch_many([good.pk, bad.pk, later.pk]) == 2
    good.refresh_from_db(), bad.refresh_from_db(), later.refresh_from_db()
    assert good.dispatched_at == at and later.dispatched_at == at and good.attempts == 1
    assert bad.dispatched_at is None and bad.attempts == 1 and "refused by the broker" in bad.last_error
    assert bad.available_at == at + datetime.timedelta(seconds=10)  # the back-off of a first failure
    # and a message not yet due, or already sent, is left alone
    with time_machine.travel(at, tick=False):
        assert outbox_dispatch_many([good.pk, bad.pk]) == 0


@pytest.mark.django_db(transaction=True)
def test_a_message_claimed_by_another_dispatcher_is_skipped(memory_broker):
    import threading

    from django.db import connection, connections, transaction

    from advisory.outbox import outbox_dispatch_many

    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    at = datetime.datetime.now(tz=datetime.UTC) - datetime.timedelta(seconds=1)
    held = OutboxMessage.objects.create(task="audit.tasks.audit_chain_task", available_at=at)
    free = OutboxMessage.objects.create(task="audit.tasks.audit_chain_task", available_at=at)
    locked, release = threading.Event(), threading.Event()

    def other_dispatcher():  # holds the row lock of `held`, as a dispatcher mid-claim does
        try:
            with transaction.atomic():
                list(OutboxMessage.objects.select_for_update().filter(pk=held.pk))
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_dispatcher)
    thread.start()
    try:
        assert locked.wait(10)
        assert outbox_dispatch_many([held.pk, free.pk]) == 1  # without waiting for the lock
    finally:
        release.set()
        thread.join()
    assert OutboxMessage.objects.get(pk=free.pk).dispatched_at is not None
    assert OutboxMessage.objects.get(pk=held.pk).dispatched_at is None


@pytest.mark.django_db
def test_what_monitoring_shows_of_a_message_is_its_arguments_cut_at_1024_characters(monkeypatch):
    from advisory import outbox

    seen = {}
    monkeypatch.setattr(app, "send_task", lambda name, **options: seen.update(options))
    eager = app.conf.task_always_eager
    app.conf.update(task_always_eager=False)
    try:
        outbox._send("audit.tasks.audit_chain_task", [list(range(1000))], {"a": "b"}, retry=False)
    finally:
        app.conf.update(task_always_eager=eager)
    assert seen["argsrepr"].startswith("[[0, 1, 2,") and seen["argsrepr"].endswith("...")
    assert len(seen["argsrepr"]) == 1024
    assert seen["kwargsrepr"] == "{'a': 'b'}" and seen["args"] == [list(range(1000))]


@pytest.mark.django_db
def test_a_broker_too_slow_for_the_lease_releases_the_messages_not_yet_tried(memory_broker, monkeypatch):
    from advisory import outbox

    at = datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC)
    clock = iter([0.0, 1.0, outbox.CLAIM_SECONDS])  # the start, before the first, before the second
    monkeypatch.setattr(outbox.time, "monotonic", lambda: next(clock))
    with time_machine.travel(at, tick=False):
        first = OutboxMessage.objects.create(task="audit.tasks.audit_chain_task", available_at=at)
        second = OutboxMessage.objects.create(task="audit.tasks.audit_chain_task", available_at=at)
        assert outbox.outbox_dispatch_many([first.pk, second.pk]) == 1
    first.refresh_from_db(), second.refresh_from_db()
    assert first.dispatched_at == at and memory_broker == ["audit.tasks.audit_chain_task"]
    # the second is due again at once (not held for the rest of the lease), and was not tried
    assert second.dispatched_at is None and second.available_at == at and second.attempts == 0
