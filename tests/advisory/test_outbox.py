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
    assert doc.status == DocumentStatus.FAILED and "stopped 2 times" in doc.error
