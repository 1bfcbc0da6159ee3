"""PostgreSQL-only: entries written unchained and chained by the sequencer after commit (issue 18).

No committed entry ever stays unchained or is chained twice: a sequencer killed with SIGKILL in the
middle of a batch, two sequencers at once, writers whose transaction rolls back, and a writer whose
entry (lower id) commits after a later one."""

import datetime
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import time_machine
from django.db import DatabaseError, connection, connections, transaction
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from audit.sequencer import chain_batch, pending_count, sequencer_run
from audit.services import audit_verify
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
def _deferred(settings):
    settings.AUDIT_CHAIN_MODE = "deferred"


def test_an_entry_is_chained_right_after_its_transaction_commits():
    # when
    with transaction.atomic():
        write("a", 3)
        assert pending_count() == 3  # nothing chained inside the writer's transaction
    # then: the on-commit sequencer chained them
    assert_one_gap_free_chain(3)


def test_a_rolled_back_writer_leaves_no_entry_and_no_gap():
    write("before")
    with pytest.raises(RuntimeError), transaction.atomic():
        write("lost", 5)
        raise RuntimeError("the business write failed")
    write("after")
    assert not AuditEntry.objects.filter(record_id__startswith="lost").exists()
    assert_one_gap_free_chain(2)


def test_an_entry_with_a_lower_id_that_commits_later_is_chained_after_not_skipped():
    # given: a writer holds an open transaction with its entry (the lower id)
    written, release = threading.Event(), threading.Event()

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                write("slow")
                written.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert written.wait(10)
    # when: a later entry commits first
    write("fast")
    fast = AuditEntry.objects.get(record_id="fast-0")
    slow_id = AuditEntry.objects.filter(record_id="slow-0").values_list("id", flat=True).first()
    assert slow_id is None  # not visible yet: uncommitted
    assert fast.sequence == 1
    release.set()
    thread.join()
    # then: the earlier id is chained after it, at the next number
    slow = AuditEntry.objects.get(record_id="slow-0")
    assert slow.id < fast.id and slow.sequence == 2 and slow.prev_hash == fast.hash
    assert_one_gap_free_chain(2)


def test_many_writers_and_two_sequencers_at_once_never_chain_an_entry_twice():
    # given
    writers, per_writer = 6, 15
    errors: list[Exception] = []
    stop = threading.Event()
    barrier = threading.Barrier(writers + 2)

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(per_writer):
                with transaction.atomic():
                    write(f"w{n}-{i}", 2)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def sequencer(wait: bool) -> None:
        try:
            barrier.wait()
            while not stop.is_set():
                sequencer_run(wait=wait, limit=3)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    # when
    pool = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    pool += [
        threading.Thread(target=sequencer, args=(True,)),
        threading.Thread(target=sequencer, args=(False,)),
    ]
    for t in pool:
        t.start()
    for t in pool[:writers]:
        t.join()
    stop.set()
    for t in pool[writers:]:
        t.join()
    sequencer_run(wait=True)
    # then
    assert not errors, errors
    assert_one_gap_free_chain(writers * per_writer * 2)


def _sequencer_process(batch: int, hold: float) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "advisory.settings.test"}
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "audit_chain",
            "--loop",
            "--interval",
            "0.05",
            "--batch",
            str(batch),
            "--hold",
            str(hold),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def test_a_sequencer_killed_mid_batch_leaves_its_entries_for_the_next_run(settings):
    # given: writers that leave their entries to a separate sequencer process
    settings.AUDIT_CHAIN_MODE = "off"
    rng = random.Random(18)
    written = 0
    kills = mid_batch = 0
    for _round in range(4):
        write(f"r{_round}", 25)
        written += 25
        proc = _sequencer_process(batch=10, hold=0.3)
        try:
            assert proc.stdout is not None
            proc.stdout.readline()  # it has chained at least one batch
            # when: SIGKILL at a random moment while a batch holds the head's lock (uncommitted)
            time.sleep(rng.uniform(0.05, 0.4))
            write(f"k{_round}", 5)  # writers carry on meanwhile
            written += 5
            deadline = time.monotonic() + 10
            while not batch_in_flight() and time.monotonic() < deadline:
                time.sleep(0.01)
            mid_batch += batch_in_flight()
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            kills += 1
        # then, each time: whatever is chained is one gap-free chain that verifies
        chained = chained_sequences()
        assert chained == list(range(1, len(chained) + 1))
        assert audit_verify().intact
    assert kills == 4 and mid_batch >= 3  # batches died with their process, uncommitted
    assert pending_count() > 0
    # when: a sequencer is restarted
    proc = _sequencer_process(batch=10, hold=0)
    try:
        deadline = time.monotonic() + 60
        while pending_count() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    # then: every committed entry is chained exactly once
    assert_one_gap_free_chain(written)


def test_the_database_lets_an_entry_be_chained_once_and_nothing_else(settings):
    # given: an entry chained by the sequencer, one still unchained
    write("chained")
    with transaction.atomic():
        settings.AUDIT_CHAIN_MODE = "off"
        write("pending")
    settings.AUDIT_CHAIN_MODE = "deferred"
    chained = AuditEntry.objects.get(record_id="chained-0")
    pending = AuditEntry.objects.get(record_id="pending-0")
    refused = [
        (
            "UPDATE audit_auditentry SET sequence = 99, hash = %s, prev_hash = %s WHERE id = %s",
            ["a" * 64, "b" * 64, chained.id],
        ),
        (
            "UPDATE audit_auditentry SET sequence = 2, hash = %s, prev_hash = %s, reason = 'x' WHERE id = %s",
            ["a" * 64, chained.hash, pending.id],
        ),
        (
            "UPDATE audit_auditentry SET sequence = 1, hash = %s, prev_hash = %s WHERE id = %s",
            ["a" * 64, "b" * 64, pending.id],
        ),
        (
            "UPDATE audit_auditentry SET sequence = 2, hash = 'short', prev_hash = %s WHERE id = %s",
            [chained.hash, pending.id],
        ),
    ]
    # when / then
    for sql, params in refused:
        with pytest.raises(DatabaseError, match="protect"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, params)
    assert AuditEntry.objects.get(pk=chained.pk).sequence == 1
    assert chain_batch() == 1
    pending.refresh_from_db()
    assert (pending.sequence, pending.prev_hash) == (2, chained.hash)
    assert_one_gap_free_chain(2)


def test_verification_fails_when_an_entry_stays_unchained_too_long(settings):
    # given: the sequencer is not running
    settings.AUDIT_CHAIN_MODE = "off"
    settings.AUDIT_CHAIN_MAX_PENDING_SECONDS = 300
    write("x")
    # then: a fresh entry is only reported as awaiting chaining
    result = audit_verify()
    assert result.intact and result.pending == 1
    # when: ten minutes later
    with time_machine.travel(
        datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=10), tick=False
    ):
        result = audit_verify()
    # then
    assert not result.intact and result.code == "unchained"
    assert result.params["count"] == 1
    sequencer_run(wait=True)
    assert audit_verify().intact


def test_browser_csv_and_api_show_an_unchained_entry_as_pending(client, compliance_officer, settings):
    # given
    write("chained")
    settings.AUDIT_CHAIN_MODE = "off"
    write("waiting")
    client.force_login(compliance_officer)
    # when
    page = client.get(reverse("audit:browser"))
    api = client.get("/api/v1/audit/entries/")
    # then
    assert page.status_code == 200
    body = page.content.decode()
    assert "waiting-0" in body and "Awaiting chaining" in body
    rows = api.json()["results"]
    waiting = next(r for r in rows if r["record_id"] == "waiting-0")
    assert waiting["sequence"] is None and waiting["chained"] is False
    assert next(r for r in rows if r["record_id"] == "chained-0")["chained"] is True


def test_a_bulk_write_hands_its_chaining_to_the_worker_through_the_outbox(monkeypatch):
    from advisory import outbox
    from advisory.models import OutboxMessage
    from audit.services import EntrySpec, audit_log_many
    from audit.tasks import audit_chain_task

    monkeypatch.setattr(outbox, "outbox_dispatch_many", lambda *a, **kw: 0)  # no worker yet
    # when: a sweep writes 250 entries in one call
    audit_log_many(
        [EntrySpec(action=AuditAction.ESCALATION, record_type="t.t", record_id=str(i)) for i in range(250)]
    )
    # then: its caller did not chain them; the worker's task does
    assert pending_count() == 250
    assert OutboxMessage.objects.filter(task="audit.tasks.audit_chain_task").exists()
    assert audit_chain_task() == 250
    assert_one_gap_free_chain(250)


def test_entries_written_without_instances_store_what_the_model_path_stores_and_verify():
    """`audit_log_many(returning=False)` (the escalation sweep) writes rows straight from the specs:
    the same values as the path through model instances, chained by the sequencer, intact."""
    from audit.services import EntrySpec, audit_log_many
    from tests.factories import UserFactory

    actor = UserFactory()
    specs = [
        EntrySpec(
            action=AuditAction.ESCALATION,
            actor=actor if i % 2 else None,
            record_type="complaints.complaint",
            record_id=str(i),
            record_label=f"C-{i} 客户投诉",
            client_id=i,
            reason=f"reason {i % 3}",
            changes={"b": [1, 2], "a": datetime.date(2026, 11, 30), "z": {"y": 1, "x": "二"}},
        )
        for i in range(6)
    ]
    # when: the same specs, once through instances and once straight as rows
    with time_machine.travel(datetime.datetime(2026, 11, 30, 9, tzinfo=datetime.UTC), tick=False):
        with transaction.atomic():
            returned = audit_log_many(specs)
        with transaction.atomic():
            assert audit_log_many(specs, returning=False) == []
    # then: pairwise identical apart from id and chain position, and the whole trail verifies
    columns = [
        f.attname
        for f in AuditEntry._meta.concrete_fields
        if f.attname not in ("id", "sequence", "prev_hash", "hash")
    ]
    rows = list(AuditEntry.objects.filter(action=AuditAction.ESCALATION).order_by("id").values_list(*columns))
    assert len(returned) == 6 and len(rows) == 12
    assert rows[:6] == rows[6:]
    assert rows[0][columns.index("changes")] == {"a": "2026-11-30", "b": [1, 2], "z": {"x": "二", "y": 1}}
    assert rows[1][columns.index("actor_id")] == actor.pk
    assert_one_gap_free_chain(AuditEntry.objects.count())  # with the actor's own creation entries


@pytest.mark.parametrize("count", [1, 3])
def test_entries_that_share_every_value_are_written_as_many_rows_as_specs(count):
    """A column with one value for every row goes to the server as that value, not as an array;
    when every column does (one spec, or identical specs), the statement still writes one row
    per spec, with the values the model path stores."""
    from audit.services import EntrySpec, audit_log_many

    spec = {
        "action": AuditAction.ESCALATION,
        "record_type": "complaints.complaint",
        "record_id": "7",
        "record_label": "C-7 投诉",
        "client_id": None,
        "reason": "same",
        "changes": {"k": "v"},
    }
    with time_machine.travel(datetime.datetime(2026, 11, 30, 9, tzinfo=datetime.UTC), tick=False):
        with transaction.atomic():
            audit_log_many([EntrySpec(**spec) for _ in range(count)])
        with transaction.atomic():
            assert audit_log_many([EntrySpec(**spec) for _ in range(count)], returning=False) == []
    columns = [
        f.attname
        for f in AuditEntry._meta.concrete_fields
        if f.attname not in ("id", "sequence", "prev_hash", "hash")
    ]
    rows = list(AuditEntry.objects.filter(action=AuditAction.ESCALATION).order_by("id").values_list(*columns))
    assert len(rows) == 2 * count
    assert all(row == rows[0] for row in rows)
    assert rows[0][columns.index("record_label")] == "C-7 投诉" and rows[0][columns.index("changes")] == {
        "k": "v"
    }
    assert_one_gap_free_chain(AuditEntry.objects.count())
