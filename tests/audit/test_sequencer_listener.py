"""PostgreSQL-only: the listening sequencer (AUDIT_CHAIN_MODE = "listener", `audit_chain --listen`).

Writers only send NOTIFY in their transaction; a separate process chains what commits. Proved here
with the real process: it wakes on a commit (not on its polling interval), a rolled-back writer wakes
nobody, it catches up on what was written while it was down, it survives losing its connection, it
stops promptly on SIGTERM, and one killed in the middle of a batch leaves every committed entry
to be chained exactly once by the next."""

import os
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from advisory.oversight.metrics import audit_chain_figures
from audit.models import AuditAction, AuditEntry
from audit.sequencer import CHANNEL, chain_mode, listening_sequencers, pending_count
from audit.services import EntrySpec, audit_log_many, audit_verify
from tests.audit.sequencing import (
    assert_one_gap_free_chain,
    batch_in_flight,
    chained_sequences,
    database_url,
    write,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _listener_mode(settings):
    settings.AUDIT_CHAIN_MODE = "listener"


def _listener(*extra: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "advisory.settings.test",
        "AUDIT_CHAIN_MODE": "listener",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "audit_chain", "--listen", *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def _wait(condition, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)


def test_a_writer_in_listener_mode_only_notifies_and_leaves_the_chaining_to_the_listener():
    # given: nobody listening
    # when: a transaction writes three entries
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        write("a", 3)
    # then: one NOTIFY for the transaction, and nothing chained by the writer itself
    notifies = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("NOTIFY")]
    assert notifies == [f"NOTIFY {CHANNEL}"]
    assert not any("audit_chain_pending" in q["sql"] for q in queries.captured_queries)
    assert pending_count() == 3


def test_the_notification_arrives_on_commit_once_and_never_for_a_rolled_back_writer():
    # given: a session listening on the channel, as the sequencer does
    raw = psycopg2.connect(database_url())
    raw.autocommit = True
    try:
        with raw.cursor() as cur:
            cur.execute(f"LISTEN {CHANNEL}")

        def received() -> int:
            select.select([raw], [], [], 0.3)
            raw.poll()
            count = len(raw.notifies)
            raw.notifies.clear()
            return count

        # when: a writer rolls back
        with pytest.raises(RuntimeError), transaction.atomic():
            write("rolled-back", 2)
            raise RuntimeError("the writer fails")
        # then: nobody is woken, and there is nothing to chain
        assert received() == 0
        assert pending_count() == 0
        # when: a writer commits several entries, one of them in a savepoint that rolls back
        with transaction.atomic():
            write("kept", 2)
            with pytest.raises(RuntimeError), transaction.atomic():
                write("inner", 1)
                raise RuntimeError("the inner step fails")
            assert received() == 0  # not before the commit
        # then: exactly one notification, at commit
        assert received() == 1
        assert pending_count() == 2
        # and a bulk write notifies too (the listener chains it; nothing goes to the worker)
        audit_log_many(
            [EntrySpec(action=AuditAction.OTHER, record_type="t.t", record_id=str(i)) for i in range(250)],
            returning=False,
        )
        assert received() == 1
        assert pending_count() == 252
    finally:
        raw.close()


def test_the_listening_process_catches_up_at_start_and_then_chains_each_commit_when_woken():
    # given: entries written while no sequencer was running
    write("before", 4)
    assert pending_count() == 4
    proc = _listener("--interval", "60")  # polling is no help within this test: only NOTIFY wakes it
    try:
        # when it starts, then it chains the backlog and shows itself to the database
        assert _wait(lambda: pending_count() == 0 and len(listening_sequencers()) == 1)
        assert audit_chain_figures(AuditEntry.objects.latest("occurred_at").occurred_at) == {
            "audit_entries_unchained": 0.0,
            "audit_oldest_unchained_seconds": 0.0,
            "audit_sequencer_listeners": 1.0,
        }
        for round_ in range(3):
            # when: a writer commits
            started = time.monotonic()
            with transaction.atomic():
                write(f"r{round_}", 2)
                assert pending_count() == 2
            # then: chained within moments of the commit, far inside the 60 s interval
            assert _wait(lambda: pending_count() == 0, seconds=10)
            assert time.monotonic() - started < 10
    finally:
        _stop(proc)
    assert_one_gap_free_chain(4 + 6)


def test_the_listener_stops_promptly_on_sigterm():
    proc = _listener("--interval", "60")
    try:
        assert _wait(lambda: len(listening_sequencers()) == 1)
        # when
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(15)
        # then: it left at once, not at the end of its 60 s wait
        assert code == 0
        assert time.monotonic() - started < 5
        assert "audit sequencer stopped" in proc.stdout.read()
        assert _wait(lambda: len(listening_sequencers()) == 0)
    finally:
        _stop(proc)


def test_the_listener_reconnects_after_losing_its_database_connection():
    proc = _listener("--interval", "60")
    try:
        for round_ in range(2):  # once while it waits, once right after a notification
            assert _wait(lambda: len(listening_sequencers()) == 1)
            (old,) = listening_sequencers()
            if round_:
                write("wake", 1)
            # when: its backend is terminated (a database restart or failover looks the same to it)
            with connection.cursor() as cur:
                cur.execute("SELECT pg_terminate_backend(%s)", [old])
            write(f"while-away-{round_}", 3)
            # then: it comes back on a new connection, listens again and chains what was written meanwhile
            assert _wait(
                lambda old=old: len(pids := listening_sequencers()) == 1 and old not in pids, seconds=30
            )
            assert _wait(lambda: pending_count() == 0, seconds=10)
            write(f"after-{round_}", 2)
            assert _wait(lambda: pending_count() == 0, seconds=10)
            assert proc.poll() is None
    finally:
        _stop(proc)
    assert_one_gap_free_chain(11)


def test_a_listener_killed_mid_batch_leaves_every_committed_entry_to_be_chained_once():
    rng = random.Random(1801)
    written = kills = mid_batch = 0
    for round_ in range(3):
        # given: a listener that holds each batch of 10 for 0.3 s before committing
        proc = _listener("--batch", "10", "--hold", "0.3", "--interval", "60")
        try:
            assert _wait(lambda: len(listening_sequencers()) == 1)
            write(f"r{round_}", 25)  # one commit per entry: each wakes it
            written += 25
            time.sleep(rng.uniform(0.05, 0.4))
            # when: SIGKILL while a batch is chained but not committed
            assert _wait(batch_in_flight, seconds=10)
            mid_batch += 1
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            kills += 1
        # then, each time: what is chained is one gap-free chain that verifies
        chained = chained_sequences()
        assert chained == list(range(1, len(chained) + 1))
        assert audit_verify().intact
    assert kills == mid_batch == 3
    assert pending_count() > 0
    # when: a listener is started again
    proc = _listener("--interval", "60")
    try:
        assert _wait(lambda: pending_count() == 0, seconds=60)
    finally:
        _stop(proc)
    # then: every committed entry is chained exactly once
    assert_one_gap_free_chain(written)


def test_listen_is_not_needed_where_the_chain_is_written_inline(settings, capsys):
    settings.AUDIT_CHAIN_MODE = "inline"
    call_command("audit_chain", "--listen")
    assert "not needed: the chain mode here is inline" in capsys.readouterr().out


def test_an_unknown_chain_mode_is_refused_with_the_modes_it_accepts(settings):
    settings.AUDIT_CHAIN_MODE = "later"
    with pytest.raises(ImproperlyConfigured, match="inline, deferred, listener, off"):
        chain_mode()


def test_the_metrics_show_the_backlog_and_that_no_listener_is_connected():
    # given: two entries written while no listener runs
    write("waiting", 2)
    oldest = AuditEntry.objects.earliest("occurred_at").occurred_at
    # when
    figures = audit_chain_figures(oldest + __import__("datetime").timedelta(seconds=42))
    # then
    assert figures == {
        "audit_entries_unchained": 2.0,
        "audit_oldest_unchained_seconds": 42.0,
        "audit_sequencer_listeners": 0.0,
    }


def test_a_notification_read_during_a_run_is_not_left_waiting_for_the_interval(settings, monkeypatch):
    """The driver reads a NOTIFY that arrives while the sequencer's own queries run into its
    `notifies` list, off the socket: the listener must look there before waiting on the socket."""
    import threading

    from audit import sequencer

    # given: an entry written without waking anyone
    settings.AUDIT_CHAIN_MODE = "off"
    write("late", 1)
    settings.AUDIT_CHAIN_MODE = "listener"
    real_run, calls, stop = sequencer.sequencer_run, [], threading.Event()

    def run(**kwargs) -> int:
        calls.append(time.monotonic())
        if len(calls) == 1:
            # the first run chains nothing; a commit's NOTIFY arrives meanwhile and the run's next
            # query reads it off the socket
            notifier = psycopg2.connect(database_url())
            notifier.autocommit = True
            with notifier.cursor() as cur:
                cur.execute(f"NOTIFY {CHANNEL}")
            notifier.close()
            time.sleep(0.2)
            with connections["default"].cursor() as cur:
                cur.execute("SELECT 1")
            return 0
        return real_run(**kwargs)

    monkeypatch.setattr(sequencer, "sequencer_run", run)
    thread = threading.Thread(target=sequencer.listen, kwargs={"interval": 30, "should_stop": stop.is_set})
    started = time.monotonic()
    thread.start()
    try:
        # then: chained by a second run at once, not 30 seconds later
        assert _wait(lambda: pending_count() == 0, seconds=5)
        assert len(calls) >= 2 and calls[1] - started < 5
    finally:
        stop.set()
        with psycopg2.connect(database_url()) as waker, waker.cursor() as cur:  # end its wait
            waker.autocommit = True
            cur.execute(f"NOTIFY {CHANNEL}")
        thread.join(10)
    assert not thread.is_alive()
