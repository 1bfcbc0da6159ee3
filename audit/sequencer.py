"""The sequencer: chains committed audit entries after their transaction (issue 18, docs/audit.md
"Chaining after commit").

Writers insert their entries *unchained* (no sequence, no hash; the content hash and the history
row's digest are computed in the writer's transaction) and take no global lock. The sequencer then,
in a short transaction of its own:

1. locks the chain head row (`SELECT … FOR UPDATE`; the on-commit call uses `SKIP LOCKED` and gives
   up when another sequencer holds it),
2. reads the unchained entries that are visible — i.e. committed — in a deterministic order (id),
3. gives each the next sequence number, the previous entry's hash and its own hash (one UPDATE; the
   database trigger allows exactly this change, once, on a row that has no sequence yet; on
   PostgreSQL the UPDATE names the entry's `occurred_at` too, so it touches the entry's monthly
   partition only — audit.partitions),
4. moves the head onto the last one, and commits.

So the trail's total order is the order of chaining (the sequence), which follows commit order: an
entry with a lower id whose transaction commits later is simply chained later. Gap-freedom is on the
sequence: a rolled-back writer leaves no entry at all, and a sequencer killed mid-batch leaves its
batch unchained for the next run (its transaction is rolled back with the connection).

Who runs it:
* every writing transaction, right after its commit (`transaction.on_commit`): best effort, never
  waits — if another sequencer holds the head, that one re-checks for new entries after its own
  commit, so nothing committed before it released the lock is left behind; a bulk write (more than
  HAND_OVER_AT entries in one call) queues `audit_chain_task` through the outbox instead;
* `audit.tasks.audit_chain_task` every 30 seconds (beat) and `manage.py audit_chain` — the safety net
  for a writer process that died between its commit and its call;
* with `AUDIT_CHAIN_MODE = "listener"`, not the writer but a dedicated process,
  `manage.py audit_chain --listen` (`listen` below): the writer's transaction only sends
  `NOTIFY audit_chain`, which PostgreSQL delivers when — and only if — it commits, and the listening
  process chains what is committed. The writer's request then pays one short statement instead of
  the chain run; many writers' entries are chained in one run when they commit close together;
* inline, inside the writer's transaction, when `AUDIT_CHAIN_MODE = "inline"` (SQLite, where the
  database serialises writers anyway, and the test settings): the pre-issue-18 behaviour.

`AUDIT_CHAIN_MODE = "off"` leaves entries unchained: only for the concurrency benchmark's baseline
(verification reports them after `AUDIT_CHAIN_MAX_PENDING_SECONDS`).
"""

from __future__ import annotations

import functools
import logging
import select
import time
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, InterfaceError, connections, transaction

from .models import AuditChainHead, AuditEntry

logger = logging.getLogger(__name__)

BATCH = 5000
ON_COMMIT_ROUNDS = 4
HAND_OVER_AT = 200  # entries in one call: chained by the worker, not by the writer after commit

_FIELDS = (
    "id",
    "occurred_at",
    "actor_id",
    "actor_label",
    "action",
    "record_type",
    "record_id",
    "client_id",
    "reason",
    "ip_address",
    "user_agent",
    "history_id",
    "content_hash",
    "history_hash",
)

_UPDATE_SQL = (
    "UPDATE audit_auditentry AS e SET sequence = v.seq, prev_hash = v.prev, hash = v.hash"
    " FROM (VALUES {values}) AS v(id, seq, prev, hash) WHERE e.id = v.id AND e.sequence IS NULL"
)

Chained = dict[int, tuple[int, str, str]]  # id -> (sequence, prev_hash, hash)

MODES = ("inline", "deferred", "listener", "off")
DEFERRED_MODES = ("deferred", "listener")  # chained after commit, outside the writer's transaction
CHANNEL = "audit_chain"  # the NOTIFY channel the listening sequencer waits on
APPLICATION_NAME = "audit-sequencer"  # how the listening process shows in pg_stat_activity


def chain_mode(using: str = "default") -> str:
    """inline | deferred | listener | off. Deferred and listener need PostgreSQL (row locks with
    SKIP LOCKED, LISTEN/NOTIFY); elsewhere they fall back to inline."""
    mode = getattr(settings, "AUDIT_CHAIN_MODE", "deferred")
    if mode not in MODES:
        raise ImproperlyConfigured(f"AUDIT_CHAIN_MODE must be one of {', '.join(MODES)}, not {mode!r}")
    if mode in DEFERRED_MODES and connections[using].vendor != "postgresql":
        return "inline"
    return mode


def _lock_head(using: str, *, wait: bool) -> AuditChainHead | None:
    """The locked head, or None when another sequencer holds it (only with wait=False)."""
    heads = AuditChainHead.objects.using(using)
    if not wait and connections[using].vendor == "postgresql":
        head = heads.select_for_update(skip_locked=True).filter(id=1).first()
        if head is not None:
            return head
        if heads.filter(id=1).exists():
            return None  # locked by another sequencer
    head, _ = heads.select_for_update().get_or_create(id=1)
    return head


def _write(using: str, rows: list[tuple[int, int, str, str]]) -> None:
    """Set (sequence, prev_hash, hash) of unchained entries; refuse if any was chained meanwhile."""
    conn = connections[using]
    with conn.cursor() as cur:
        for start in range(0, len(rows), 1000):
            chunk = rows[start : start + 1000]
            if conn.vendor == "postgresql":
                values = ", ".join(["(%s::bigint, %s::bigint, %s, %s)"] * len(chunk))
                # placeholders only: the values are parameters
                sql = _UPDATE_SQL.format(values=values)
                cur.execute(
                    sql,
                    [x for row in chunk for x in row],
                )
                changed = cur.rowcount
            else:
                changed = 0
                for row_id, seq, prev, digest in chunk:
                    cur.execute(
                        "UPDATE audit_auditentry SET sequence = %s, prev_hash = %s, hash = %s"
                        " WHERE id = %s AND sequence IS NULL",
                        [seq, prev, digest, row_id],
                    )
                    changed += cur.rowcount
            if changed != len(chunk):  # cannot happen under the head lock; never chain twice
                raise RuntimeError(f"audit sequencer: {len(chunk) - changed} entries were already chained")


def chain_batch(
    *, using: str = "default", wait: bool = True, limit: int = BATCH, hold: float = 0.0
) -> int | None:
    """Chain up to `limit` committed (visible) unchained entries, oldest id first, in one
    transaction (a savepoint when called inside the writer's transaction: inline mode).
    Returns how many, or None if another sequencer holds the head (only with wait=False).
    `hold` keeps the lock that many seconds before committing (crash drills only).

    PostgreSQL: one call of the `audit_chain_pending` function (audit.protection), so the on-commit
    run costs one round trip — in autocommit, the function is its own transaction."""
    conn = connections[using]
    if conn.vendor == "postgresql":
        if not hold:  # in the caller's transaction, or its own one in autocommit
            with conn.cursor() as cur:
                cur.execute("SELECT audit_chain_pending(%s, %s)", [min(limit, 2**31 - 1), wait])
                count = cur.fetchone()[0]
        else:
            with transaction.atomic(using=using), conn.cursor() as cur:
                cur.execute("SELECT audit_chain_pending(%s, %s)", [min(limit, 2**31 - 1), wait])
                count = cur.fetchone()[0]
                if hold and count > 0:
                    time.sleep(hold)
        return None if count < 0 else count
    done = _chain_batch_python(using=using, wait=wait, limit=limit, hold=hold)
    return None if done is None else len(done)


def _chain_batch_python(*, using: str, wait: bool, limit: int, hold: float) -> Chained | None:
    """The same as `audit_chain_pending`, in Python (SQLite, where writers are serialised anyway)."""
    from .services import _chain_digest

    with transaction.atomic(using=using):
        head = _lock_head(using, wait=wait)
        if head is None:
            return None
        rows = list(
            AuditEntry.objects.using(using)
            .filter(sequence__isnull=True)
            .order_by("id")
            .values_list(*_FIELDS)[:limit]
        )
        if not rows:
            return {}
        sequence, last = head.sequence, head.last_hash
        out: Chained = {}
        updates = []
        for (
            row_id,
            occurred_at,
            actor_id,
            label,
            action,
            rtype,
            rid,
            client_id,
            reason,
            ip,
            agent,
            hid,
            chash,
            hhash,
        ) in rows:
            sequence += 1
            digest = _chain_digest(
                last, sequence, occurred_at, actor_id, label, action, rtype, rid, client_id, reason, ip, agent,
                hid, chash, hhash or "",
            )  # fmt: skip
            updates.append((row_id, sequence, last, digest))
            out[row_id] = (sequence, last, digest)
            last = digest
        _write(using, updates)
        if hold:
            time.sleep(hold)
        AuditChainHead.objects.using(using).filter(id=1).update(sequence=sequence, last_hash=last)
    return out


def pending_count(*, using: str = "default") -> int:
    return AuditEntry.objects.using(using).filter(sequence__isnull=True).count()


def _pending_exists(using: str) -> bool:
    return AuditEntry.objects.using(using).filter(sequence__isnull=True).exists()


def sequencer_run(
    *,
    using: str = "default",
    wait: bool = False,
    max_rounds: int | None = None,
    hold: float = 0.0,
    limit: int = BATCH,
) -> int:
    """Chain everything committed, batch after batch, each in its own transaction. With
    wait=False it returns as soon as another sequencer holds the head: that one re-checks after its
    commit. Returns how many entries this call chained."""
    total, rounds = 0, 0
    while True:
        done = chain_batch(using=using, wait=wait, limit=limit, hold=hold)
        if done is None:
            return total
        total += done
        rounds += 1
        # after our commit: anything committed while we held the head is visible now
        if done < limit and not _pending_exists(using):
            return total
        if max_rounds is not None and rounds >= max_rounds:
            _hand_over(using)
            return total


def _hand_over(using: str) -> None:
    """More is waiting than one writer should chain on its own time: queue the task (the beat job
    would pick them up within 30 seconds anyway)."""
    try:
        from .tasks import audit_chain_task

        audit_chain_task.delay()
    except Exception:  # broker down: the periodic job catches up
        logger.warning("audit sequencer: could not queue audit_chain_task", exc_info=True)


@functools.cache
def _kicker(using: str) -> Callable[[], None]:
    def kick() -> None:
        try:
            sequencer_run(using=using, wait=False, max_rounds=ON_COMMIT_ROUNDS)
        except Exception:  # the write is committed; the periodic job chains what is left
            logger.exception("audit sequencer: on-commit run failed")

    return kick


def listening_sequencers(*, using: str = "default") -> set[int]:
    """The server process ids of the listening sequencers connected to this database (they set
    their application_name to APPLICATION_NAME). PostgreSQL only."""
    with connections[using].cursor() as cur:
        cur.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
            [APPLICATION_NAME],
        )
        return {row[0] for row in cur.fetchall()}


def _notified() -> None:
    """Marks a transaction that has sent its NOTIFY (on_commit list); does nothing itself."""


def _notify_listener(using: str) -> None:
    """`NOTIFY audit_chain` in the writer's transaction, once per transaction: PostgreSQL delivers
    it at commit and drops it on rollback (a savepoint rolled back drops it too, and Django drops
    the marker with it), so the listener wakes exactly for committed entries."""
    conn = connections[using]
    if conn.in_atomic_block:
        if any(item[1] is _notified for item in conn.run_on_commit):
            return
        transaction.on_commit(_notified, using=using)
    with conn.cursor() as cur:
        cur.execute(f"NOTIFY {CHANNEL}")


def schedule_after_commit(using: str, *, count: int = 1) -> None:
    """Have the sequencer chain this transaction's entries after it commits (once per transaction).

    Listener mode: wake the listening process (`_notify_listener`), whatever the size of the write.
    Deferred mode: run the sequencer in this process right after the commit; a bulk write (sweeps,
    imports: more than HAND_OVER_AT entries) hands the chaining to the worker through the outbox
    instead, so its caller does not wait for it."""
    if chain_mode(using) == "listener":
        _notify_listener(using)
        return
    if count > HAND_OVER_AT and using == "default":
        from advisory.outbox import outbox_enqueue

        outbox_enqueue(task="audit.tasks.audit_chain_task")
        return
    conn = connections[using]
    kick = _kicker(using)
    if any(item[1] is kick for item in conn.run_on_commit):
        return
    transaction.on_commit(kick, using=using)


def listen(
    *,
    using: str = "default",
    interval: float = 5.0,
    limit: int = BATCH,
    should_stop: Callable[[], bool] = lambda: False,
    wake_fd: int | None = None,
    hold: float = 0.0,
) -> None:
    """The listening sequencer (`manage.py audit_chain --listen`, AUDIT_CHAIN_MODE = "listener").

    LISTENs on `audit_chain` and chains whatever is committed each time a writer's NOTIFY arrives,
    and at least every `interval` seconds (the safety net for a notification sent while this
    process was down or reconnecting: it also chains everything pending when it starts). Any number
    of these may run — the chain head's row lock lets one chain at a time, the others wait — so a
    second one on another host is a hot standby. A lost database connection is reopened with a
    growing pause; killing the process mid-batch loses only that batch's transaction, whose entries
    the next run chains (tests/audit/test_sequencer_listener.py runs the real process through
    these cases).

    `should_stop` is asked between rounds; a readable `wake_fd` (the command's signal pipe) ends the wait early; `hold` is for crash drills
    (sequencer_run)."""
    conn = connections[using]
    if conn.vendor != "postgresql":
        raise ImproperlyConfigured("The listening audit sequencer needs PostgreSQL (LISTEN/NOTIFY).")
    pause = 0.5
    while not should_stop():
        try:
            conn.ensure_connection()
            with conn.cursor() as cur:
                cur.execute("SET application_name = %s", [APPLICATION_NAME])
                cur.execute(f"LISTEN {CHANNEL}")
            raw = conn.connection
            logger.info("audit sequencer: listening on %s", CHANNEL)
            while not should_stop():
                raw.notifies.clear()  # what was notified so far committed before this run: it is covered
                sequencer_run(using=using, wait=True, limit=limit, hold=hold)
                # A NOTIFY that arrives while the run's queries execute is read by the driver into
                # `notifies` then, not left on the socket: look there before waiting, or that commit
                # would wait for the interval.
                raw.poll()
                if not raw.notifies:
                    select.select([raw] if wake_fd is None else [raw, wake_fd], [], [], interval)
                    raw.poll()
            pause = 0.5
        except (DatabaseError, InterfaceError, conn.Database.Error, OSError):  # Django's or the driver's
            if should_stop():
                break
            logger.warning(
                "audit sequencer: database connection lost; retrying in %.1f s", pause, exc_info=True
            )
            conn.close()
            time.sleep(pause)
            pause = min(pause * 2, 30.0)
    conn.close()
