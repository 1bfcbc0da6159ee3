"""Verification of the trail (SPEC §5, issue 12): the chain, the chain head, the signed checkpoints,
the history rows and the database protection.

A *full* run recomputes every entry from the first. An *incremental* run (the nightly job) starts
at the last good checkpoint — a signed (sequence, hash) that a previous intact run confirmed — and
recomputes only the entries after it, plus the history rows written since; every checkpoint, the
head, redactions and the protection triggers are still checked each time (all cheap lookups). So
its time grows with new entries, not with the archive. The weekly job and `audit_verify --full`
run a full verification.

What an intact result means: every entry's hashes are recomputed and linked; no sequence is
missing; the head points at the last entry; every signed checkpoint file (verified with the firm's
public key) still matches the entry at its sequence; every history row is the one its chained entry
sealed, none deleted and none added outside the chain; every protection trigger is present and on.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, transaction

from .checkpoints import Checkpoint, checkpoint_load, mirrored_file_names, public_key
from .models import AuditAction, AuditChainHead, AuditEntry, AuditVerification, VerificationKind
from .protection import history_tables, missing_triggers

GENESIS = "0" * 64

# code -> English sentence with %(name)s parameters (the CLI and logs). The screens translate the
# same codes (audit/templatetags/audit_tags.py: verification_problem).
PROBLEMS: dict[str, str] = {
    "gap": "sequence gap: expected %(expected)s, found %(found)s",
    "duplicate": "sequence %(sequence)s is carried by more than one entry",
    "order": "sequence out of order: expected %(expected)s, found %(found)s",
    "link": "previous-hash link does not match the preceding entry",
    "content": "content (record label or changes) does not match its hash",
    "hash": "entry hash does not match its content (who, when, what or why changed)",
    "redaction_unlisted": "entry is redacted without a redaction record",
    "redaction_not_blank": "entry is flagged as redacted but still carries content",
    "head_missing": "the chain head is missing although the trail has entries",
    "tail_missing": "entries missing at the end: the chain head says %(head)s",
    "head_mismatch": "the chain head does not match the last entry",
    "checkpoint_mismatch": (
        "checkpoint %(file)s (sequence %(sequence)s, signed %(signed_at)s) no longer matches the chain: "
        "entries up to sequence %(sequence)s were rewritten"
    ),
    "checkpoint_entries_missing": (
        "checkpoint %(file)s (signed %(signed_at)s) says the chain reached sequence %(sequence)s; "
        "only %(last)s entries remain"
    ),
    "checkpoint_signature": "checkpoint %(file)s has no valid signature under the firm's public key",
    "checkpoint_no_key": "checkpoint files exist but no public key is configured to check them",
    "checkpoint_file_missing": "checkpoint %(file)s is listed in the database but its file is missing",
    "history_deleted": "history row %(history_id)s of %(record_type)s %(record_id)s (%(date)s) was deleted",
    "history_changed": (
        "history row %(history_id)s of %(record_type)s %(record_id)s (%(date)s) was changed after it was recorded"
    ),
    "history_unchained": (
        "history row %(history_id)s of %(record_type)s %(record_id)s (%(date)s) is not in the chain"
    ),
    "protection_off": "protection trigger %(trigger)s on %(table)s is missing or disabled",
    "unchained": (
        "%(count)s committed entries are still not chained after %(seconds)s seconds "
        "(the oldest written %(oldest)s): the sequencer is not running"
    ),
}


@dataclass
class VerifyResult:
    intact: bool
    checked: int
    last_sequence: int
    broken_sequence: int | None = None
    problem: str = ""
    code: str = ""
    params: dict = field(default_factory=dict)
    kind: str = VerificationKind.FULL
    from_sequence: int = 0
    start_checkpoint: str = ""
    last_checkpoint: str = ""
    checkpoints_checked: int = 0
    history_checked: int = 0
    pending: int = 0  # entries written but not chained yet (younger than the allowed delay)
    seconds: float = 0.0
    month: str = ""  # YYYY-MM of a month run
    in_month: int = 0  # entries of that month (the stretch checked may hold a few of its neighbours')

    def as_dict(self) -> dict:
        return {
            "intact": self.intact,
            "checked": self.checked,
            "last_sequence": self.last_sequence,
            "broken_sequence": self.broken_sequence,
            "problem": self.problem,
            "code": self.code,
            "params": self.params,
            "kind": self.kind,
            "from_sequence": self.from_sequence,
            "start_checkpoint": self.start_checkpoint,
            "last_checkpoint": self.last_checkpoint,
            "checkpoints_checked": self.checkpoints_checked,
            "history_checked": self.history_checked,
            "pending": self.pending,
            "seconds": round(self.seconds, 3),
            "month": self.month,
            "in_month": self.in_month,
        }

    def __str__(self) -> str:
        if self.intact and self.kind == VerificationKind.MONTH:
            if not self.checked:
                return f"intact: no chained entries in {self.month}"
            return (
                f"intact: {self.month}, {self.in_month} entries (sequence {self.from_sequence + 1} to "
                f"{self.last_sequence}, {self.checked} checked, linked to entry {self.from_sequence}); "
                f"{self.checkpoints_checked} checkpoints, {self.history_checked} history rows"
            )
        if self.intact:
            text = f"intact: {self.checked} entries, last sequence {self.last_sequence}"
            if self.kind == VerificationKind.INCREMENTAL:
                text += (
                    f" (incremental from checkpoint {self.start_checkpoint}, sequence {self.from_sequence})"
                )
            text += f"; {self.checkpoints_checked} checkpoints, {self.history_checked} history rows"
            if self.pending:
                text += f"; {self.pending} entries awaiting chaining"
            return text
        where = f" at sequence {self.broken_sequence}" if self.broken_sequence is not None else ""
        return f"BROKEN{where}: {self.problem}"


class _Broken(Exception):
    def __init__(self, seq: int | None, code: str, **params: Any) -> None:
        super().__init__(code)
        self.seq, self.code, self.params = seq, code, params


# --- PostgreSQL ------------------------------------------------------------------------------------

_PG_ENTRY_CHECKS = """
SELECT count(*),
       coalesce(min(sequence), %(start)s + 1),
       coalesce(max(sequence), %(start)s),
       min(sequence) FILTER (WHERE NOT content_ok),
       min(sequence) FILTER (WHERE NOT hash_ok)
  FROM (
    SELECT sequence,
           CASE WHEN redacted THEN true
                ELSE encode(sha256(convert_to(record_label || chr(31) || changes, 'UTF8')), 'hex') = content_hash
           END AS content_ok,
           encode(sha256(convert_to(concat_ws(chr(31),
               prev_hash, sequence::text,
               to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
               coalesce(actor_id::text, ''), actor_label, action, record_type, record_id,
               coalesce(client_id::text, ''), reason, coalesce(host(ip_address), ''), user_agent,
               coalesce(history_id::text, ''), content_hash)
               || CASE WHEN history_hash = '' THEN '' ELSE chr(31) || history_hash END, 'UTF8')), 'hex')
             = hash AS hash_ok
      FROM audit_auditentry
     WHERE sequence > %(start)s AND sequence <= %(end)s
  ) checks
"""
# The links, in one ordered pass: each entry against the one before it in sequence order (lag).
# On PostgreSQL the trail is partitioned by month (audit.partitions) and nothing makes `sequence`
# unique but the sequencer and the head's trigger, so the same pass looks for a number carried
# twice and for a missing one. It reads each month's index on `sequence` in order (a merge of the
# partitions, memory-constant) where a self-join would hash the whole trail.
_PG_ORDER_CHECK = """
SELECT min(ARRAY[prev_seq, sequence]) FILTER (WHERE prev_seq < sequence - 1),
       min(sequence) FILTER (WHERE prev_seq = sequence),
       min(sequence) FILTER (WHERE prev_hash IS DISTINCT FROM
                             coalesce(prev_actual, CASE WHEN prev_seq IS NULL THEN %(start_hash)s END))
  FROM (SELECT sequence, prev_hash, lag(hash) OVER w AS prev_actual, lag(sequence) OVER w AS prev_seq
          FROM audit_auditentry
         WHERE sequence > %(start)s AND sequence <= %(end)s
        WINDOW w AS (ORDER BY sequence, id)) ordered
"""
_NO_END = 2**63 - 1
_PG_HEAD = """
SELECT h.sequence, h.last_hash,
       (SELECT coalesce(max(sequence), 0) FROM audit_auditentry),
       (SELECT hash FROM audit_auditentry WHERE sequence IS NOT NULL ORDER BY sequence DESC LIMIT 1)
  FROM (SELECT 1) one LEFT JOIN audit_auditchainhead h ON h.id = 1
"""


def _history_checks(
    cur, *, start: int, marks: dict[str, int], end: int = _NO_END, orphans: bool = True
) -> tuple[int, dict[str, int]]:
    """Every chained entry (after `start`, up to `end`) against its history row, and (`orphans`)
    every history row (after the table's mark) against the chain. Returns (rows checked, new marks)."""
    from .protection import history_digest_sql

    checked = 0
    new_marks: dict[str, int] = {}
    for h in history_tables():
        t, pk = f'"{h.table}"', f'"{h.pk_column}"'
        digest = history_digest_sql(h.table)
        cur.execute(
            f"""SELECT count(*), min(e.sequence) FILTER (WHERE h.history_id IS NULL
                          OR (e.history_hash <> '' AND {digest} <> e.history_hash))
                  FROM audit_auditentry e LEFT JOIN {t} h ON h.history_id = e.history_id
                 WHERE e.record_type = %s AND e.history_id IS NOT NULL AND NOT e.redacted
                   AND e.sequence > %s AND e.sequence <= %s""",  # noqa: S608
            [h.label, start, end],
        )
        count, bad = cur.fetchone()
        checked += count
        if bad is not None:
            cur.execute(
                f"""SELECT e.history_id, e.record_id, e.occurred_at, h.history_date, h.history_id IS NULL
                      FROM audit_auditentry e LEFT JOIN {t} h ON h.history_id = e.history_id
                     WHERE e.sequence = %s""",  # noqa: S608
                [bad],
            )
            hid, rid, occurred, hdate, deleted = cur.fetchone()
            raise _Broken(
                bad,
                "history_deleted" if deleted else "history_changed",
                history_id=hid,
                record_type=h.label,
                record_id=rid,
                date=_iso(hdate or occurred),
            )
        if not orphans:
            continue
        mark = marks.get(h.table, 0)
        cur.execute(
            f"""SELECT min(h.history_id), (SELECT max(history_id) FROM {t})
                  FROM {t} h
                 WHERE h.history_id > %s
                   AND NOT EXISTS (SELECT 1 FROM audit_auditentry e
                                    WHERE e.record_type = %s AND e.record_id = h.{pk}::text
                                      AND e.history_id = h.history_id)""",  # noqa: S608
            [mark, h.label],
        )
        orphan, top = cur.fetchone()
        if orphan is not None:
            cur.execute(f"SELECT {pk}::text, history_date FROM {t} WHERE history_id = %s", [orphan])  # noqa: S608
            rid, hdate = cur.fetchone()
            raise _Broken(
                None,
                "history_unchained",
                history_id=orphan,
                record_type=h.label,
                record_id=rid,
                date=_iso(hdate),
            )
        new_marks[h.table] = top or 0
    return checked, new_marks


def _pg_segment(cur, *, start: int, start_hash: str, end: int) -> tuple[int, int]:
    """The entries with start < sequence <= end: each recomputed (sha256() in C, a parallel scan),
    linked to the one before (the first to `start_hash`), no number missing or carried twice.
    Returns (entries checked, highest sequence) or raises _Broken."""
    params = {"start": start, "start_hash": start_hash, "end": end}
    cur.execute(_PG_ENTRY_CHECKS, params)
    count, first_seq, max_seq, bad_content, bad_hash = cur.fetchone()
    if not count:
        return 0, start
    cur.execute(_PG_ORDER_CHECK, params)
    after_gap, duplicate, bad_link = cur.fetchone()
    gap = None
    if first_seq != start + 1:
        gap = (start + 1, first_seq)
    elif after_gap is not None:
        gap = (after_gap[0] + 1, after_gap[1])
    if gap is not None and bad_link == gap[1]:
        bad_link = None  # the entry after a gap links to a missing one
    found = [
        _Broken(duplicate, "duplicate", sequence=duplicate) if duplicate is not None else None,
        _Broken(gap[0], "gap", expected=gap[0], found=gap[1]) if gap else None,
        _Broken(bad_link, "link") if bad_link is not None else None,
        _Broken(bad_content, "content") if bad_content is not None else None,
        _Broken(bad_hash, "hash") if bad_hash is not None else None,
    ]
    found = [b for b in found if b is not None]
    if found:
        raise min(found, key=lambda b: b.seq)
    return count, max_seq


def _pg_session(cur, conn) -> None:
    if len(conn.savepoint_ids) == 0:
        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    cur.execute("SET LOCAL TIME ZONE 'UTC'")
    cur.execute("SET LOCAL IntervalStyle = 'postgres'")
    cur.execute("SET LOCAL work_mem = '64MB'")


def _pg_verify(
    using: str, *, start: int, start_hash: str, marks: dict[str, int]
) -> tuple[int, int, str, dict]:
    """The chain after `start` (recomputed inside PostgreSQL, sha256() in C, a parallel scan),
    redactions, history rows and the head, in one REPEATABLE READ snapshot. Returns (entries checked,
    last sequence, last hash, new history marks) or raises _Broken."""
    conn = connections[using]
    with transaction.atomic(using=using), conn.cursor() as cur:
        _pg_session(cur, conn)
        count, _max_seq = _pg_segment(cur, start=start, start_hash=start_hash, end=_NO_END)
        _check_redactions_pg(cur)
        history_checked, new_marks = _history_checks(cur, start=start, marks=marks)
        cur.execute(_PG_HEAD)
        head_seq, head_hash, last_seq, last_hash = cur.fetchone()
    head = None if head_seq is None else (head_seq, head_hash)
    _check_head(head, last_seq, last_hash or GENESIS)
    return count, last_seq, last_hash or GENESIS, {"history_checked": history_checked, "marks": new_marks}


def _pg_verify_month(using: str, *, month: datetime.date) -> tuple[int, int, int, dict]:
    """One month's partition: the stretch of the chain from the month's first entry (by sequence)
    to its last, linked to the entry before it (its hash is the starting previous hash), so the
    month is checked without reading the rest of the trail. The stretch may include a few entries
    of the neighbouring months (an entry written just before midnight UTC and chained just after);
    they are checked too. Returns (entries checked, first sequence - 1, last sequence, extra)."""
    from .partitions import month_bounds

    conn = connections[using]
    since, until = month_bounds(month)
    with transaction.atomic(using=using), conn.cursor() as cur:
        _pg_session(cur, conn)
        # occurred_at bounds: the month's partition only
        cur.execute(
            "SELECT count(sequence), min(sequence), max(sequence) FROM audit_auditentry"
            " WHERE occurred_at >= %s AND occurred_at < %s",
            [since, until],
        )
        in_month, first, last = cur.fetchone()
        if not in_month:
            return 0, 0, 0, {"history_checked": 0, "in_month": 0}
        start = first - 1
        start_hash = GENESIS
        if start:
            cur.execute("SELECT hash FROM audit_auditentry WHERE sequence = %s", [start])
            rows = cur.fetchall()
            if not rows:
                cur.execute("SELECT max(sequence) FROM audit_auditentry WHERE sequence < %s", [first])
                before = cur.fetchone()[0] or 0
                raise _Broken(before + 1, "gap", expected=before + 1, found=first)
            if len(rows) > 1:
                raise _Broken(start, "duplicate", sequence=start)
            start_hash = rows[0][0]
        count, _max_seq = _pg_segment(cur, start=start, start_hash=start_hash, end=last)
        _check_redactions_pg(cur, start=start, end=last)
        history_checked, _marks = _history_checks(cur, start=start, marks={}, end=last, orphans=False)
        cur.execute("SELECT sequence FROM audit_auditchainhead WHERE id = 1")
        head = cur.fetchone()
    if head is None or head[0] < last:
        raise _Broken(last, "head_mismatch")
    return count, start, last, {"history_checked": history_checked, "in_month": in_month}


def _check_redactions_pg(cur, *, start: int = 0, end: int = _NO_END) -> None:
    """Every redacted entry (of start < sequence <= end: a month's stretch) is blank and listed by a
    REDACTION entry (partial index on redacted)."""
    if start or end != _NO_END:
        cur.execute(
            "SELECT sequence, record_label = '' AND changes = '{}' FROM audit_auditentry WHERE redacted"
            " AND sequence > %s AND sequence <= %s ORDER BY sequence",
            [start, end],
        )
    else:
        cur.execute(
            "SELECT sequence, record_label = '' AND changes = '{}' FROM audit_auditentry WHERE redacted"
            " ORDER BY sequence NULLS LAST"
        )
    redacted = cur.fetchall()
    if not redacted:
        return
    for seq, blank in redacted:
        if not blank:
            raise _Broken(seq, "redaction_not_blank")
    # a REDACTION entry may still await the sequencer (it is chained right after its commit)
    cur.execute(
        "SELECT changes FROM audit_auditentry WHERE action = %s AND (sequence > %s OR sequence IS NULL)",
        [AuditAction.REDACTION.value, redacted[0][0] or 0],
    )
    covered: set[int] = set()
    for (text,) in cur.fetchall():
        covered.update(int(s) for s in json.loads(text).get("redacted_sequences", []))
    for seq, _blank in redacted:
        if seq not in covered:
            raise _Broken(seq, "redaction_unlisted")


def _check_head(head: tuple[int, str] | None, last_seq: int, last_hash: str) -> None:
    if head is None:
        if last_seq:
            raise _Broken(last_seq, "head_missing")
        return
    if head[0] != last_seq or head[1] != last_hash:
        if head[0] > last_seq:
            raise _Broken(last_seq + 1, "tail_missing", head=head[0])
        raise _Broken(last_seq, "head_mismatch")


# --- SQLite (development): the same chain checks in a Python loop ----------------------------------

_VERIFY_FIELDS = (
    "sequence",
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
    "history_hash",
    "record_label",
    "changes",
    "content_hash",
    "redacted",
    "prev_hash",
    "hash",
)


def _py_verify(
    using: str, *, start: int, start_hash: str, chunk_size: int = 10000, end: int | None = None
) -> tuple[int, int, str, dict]:
    """`end`: stop there (a month's stretch): no head check, and REDACTION entries after it count."""
    from .services import SEP, _chain_digest

    expected_seq = start + 1
    last_hash = start_hash
    checked = 0
    redacted: list[int] = []
    covered: set[int] = set()
    sha = hashlib.sha256
    dumps = json.dumps
    entries = AuditEntry.objects.using(using).filter(sequence__gt=start)
    if end is not None:
        entries = entries.filter(sequence__lte=end)
        later = (
            AuditEntry.objects.using(using).filter(action=AuditAction.REDACTION).exclude(sequence__lte=end)
        )
        for changes in later.values_list("changes", flat=True):
            if isinstance(changes, dict):
                covered.update(int(s) for s in changes.get("redacted_sequences", []))
    rows = entries.order_by("sequence").values_list(*_VERIFY_FIELDS).iterator(chunk_size=chunk_size)
    with transaction.atomic(using=using):
        for (
            seq,
            occurred_at,
            actor_id,
            actor_label,
            action,
            record_type,
            record_id,
            client_id,
            reason,
            ip,
            agent,
            history_id,
            history_hash,
            label,
            changes,
            content_hash,
            is_redacted,
            prev_hash,
            stored_hash,
        ) in rows:
            if seq != expected_seq:
                code = "gap" if seq > expected_seq else "order"
                raise _Broken(expected_seq, code, expected=expected_seq, found=seq)
            if prev_hash != last_hash:
                raise _Broken(seq, "link")
            if is_redacted:
                if label or changes:
                    raise _Broken(seq, "redaction_not_blank")
                redacted.append(seq)
            else:
                payload = (
                    (label or "")
                    + SEP
                    + dumps(
                        changes if changes is not None else {},
                        sort_keys=True,
                        ensure_ascii=False,
                        default=str,
                        separators=(",", ":"),
                    )
                )
                if sha(payload.encode()).hexdigest() != content_hash:
                    raise _Broken(seq, "content")
            digest = _chain_digest(
                prev_hash,
                seq,
                occurred_at,
                actor_id,
                actor_label,
                action,
                record_type,
                record_id,
                client_id,
                reason,
                ip,
                agent,
                history_id,
                content_hash,
                history_hash or "",
            )
            if digest != stored_hash:
                raise _Broken(seq, "hash")
            if action == AuditAction.REDACTION and isinstance(changes, dict):
                covered.update(int(s) for s in changes.get("redacted_sequences", []))
            last_hash = stored_hash
            expected_seq += 1
            checked += 1
        for seq in redacted:
            if seq not in covered:
                raise _Broken(seq, "redaction_unlisted")
        head = AuditChainHead.objects.using(using).filter(id=1).values_list("sequence", "last_hash").first()
    if end is None:
        _check_head(head, expected_seq - 1, last_hash)
    elif expected_seq - 1 != end:
        raise _Broken(expected_seq, "gap", expected=expected_seq, found=None)
    elif head is None or head[0] < end:
        raise _Broken(end, "head_mismatch")
    return checked, expected_seq - 1, last_hash, {"history_checked": 0, "marks": {}}


def _py_verify_month(using: str, *, month: datetime.date) -> tuple[int, int, int, dict]:
    """SQLite (no partitions): the same stretch as `_pg_verify_month`, in Python."""
    from django.db.models import Count, Max, Min

    from .partitions import month_bounds

    since, until = month_bounds(month)
    found = (
        AuditEntry.objects.using(using)
        .filter(occurred_at__gte=since, occurred_at__lt=until, sequence__isnull=False)
        .aggregate(n=Count("id"), first=Min("sequence"), last=Max("sequence"))
    )
    if not found["n"]:
        return 0, 0, 0, {"history_checked": 0, "in_month": 0}
    start, last = found["first"] - 1, found["last"]
    start_hash = GENESIS
    if start:
        hashes = list(AuditEntry.objects.using(using).filter(sequence=start).values_list("hash", flat=True))
        if not hashes:
            raise _Broken(start, "gap", expected=start, found=found["first"])
        start_hash = hashes[0]
    checked, _last, _hash, extra = _py_verify(using, start=start, start_hash=start_hash, end=last)
    return checked, start, last, {**extra, "in_month": found["n"]}


# --- checkpoints ---------------------------------------------------------------------------------


def _check_pending(using: str) -> int:
    """Entries written but not chained yet. A few are normal (the sequencer runs right after each
    commit); one older than AUDIT_CHAIN_MAX_PENDING_SECONDS means the sequencer is not running —
    or an entry is being withheld from the chain — and the trail is not intact. Returns how many
    are pending within the allowed delay."""
    from django.conf import settings
    from django.db.models import Count, Min

    from advisory.clock import now

    seconds = int(getattr(settings, "AUDIT_CHAIN_MAX_PENDING_SECONDS", 300))
    found = (
        AuditEntry.objects.using(using)
        .filter(sequence__isnull=True)
        .aggregate(n=Count("id"), oldest=Min("occurred_at"))
    )
    if found["n"] and found["oldest"] < now() - datetime.timedelta(seconds=seconds):
        raise _Broken(None, "unchained", count=found["n"], seconds=seconds, oldest=_iso(found["oldest"]))
    return found["n"]


def _check_checkpoints(checkpoints: list[Checkpoint], *, using: str, last_seq: int) -> Checkpoint | None:
    """Every checkpoint file must carry a valid signature and still match the entry at its sequence.
    Returns the newest checkpoint confirmed (the start of the next incremental run)."""
    if not checkpoints:
        return None
    if public_key() is None:
        raise _Broken(None, "checkpoint_no_key")
    for cp in checkpoints:
        if not cp.valid:
            raise _Broken(None, "checkpoint_signature", file=cp.file_name)
    stored = dict(
        AuditEntry.objects.using(using)
        .filter(sequence__in={cp.sequence for cp in checkpoints})
        .values_list("sequence", "hash")
    )
    for cp in checkpoints:  # oldest first: the first one that no longer matches is named
        params = {"file": cp.file_name, "sequence": cp.sequence, "signed_at": cp.signed_at}
        if cp.sequence not in stored:
            raise _Broken(
                min(last_seq + 1, cp.sequence), "checkpoint_entries_missing", last=last_seq, **params
            )
        if stored[cp.sequence] != cp.hash:
            raise _Broken(cp.sequence, "checkpoint_mismatch", **params)
    return checkpoints[-1]


def _iso(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat(timespec="seconds")
    return "" if value is None else str(value)


def _incremental_basis(using: str, checkpoints: list[Checkpoint]) -> tuple[Checkpoint, dict] | None:
    """The last good checkpoint (confirmed by an intact run) that is still a valid file."""
    last_good = (
        AuditVerification.objects.using(using)
        .filter(intact=True)
        .exclude(last_checkpoint="")
        .order_by("-started_at", "-id")
        .first()
    )
    if last_good is None:
        return None
    for cp in checkpoints:
        if (
            cp.file_name == last_good.last_checkpoint
            and cp.valid
            and cp.hash == last_good.last_checkpoint_hash
        ):
            return cp, dict(last_good.history_marks or {})
    return None


def verify_month(*, month: datetime.date, using: str = "default") -> tuple[VerifyResult, dict]:
    """Verify one month (UTC; on PostgreSQL one partition, audit.partitions): its entries in
    sequence order, linked to the last entry before the month (whose hash is the starting previous
    hash), no number missing or carried twice, redactions listed, history rows sealed, the signed
    checkpoints that fall in it, and the protection triggers. Not the rest of the trail: an intact
    month run never serves as the start of an incremental run."""
    started = time.perf_counter()
    conn = connections[using]
    label = f"{month:%Y-%m}"
    result = VerifyResult(True, 0, 0, kind=VerificationKind.MONTH, month=label)
    try:
        if conn.vendor == "postgresql":
            checked, start, last, extra = _pg_verify_month(using, month=month)
        else:
            checked, start, last, extra = _py_verify_month(using, month=month)
        result.checked, result.from_sequence, result.last_sequence = checked, start, last
        result.history_checked = extra["history_checked"]
        result.in_month = extra["in_month"]
        result.pending = _check_pending(using)
        checkpoints = [cp for cp in checkpoint_load() if start < cp.sequence <= last]
        _check_checkpoints(checkpoints, using=using, last_seq=last)
        result.checkpoints_checked = len(checkpoints)
        for table, trigger in missing_triggers(using=using):
            raise _Broken(None, "protection_off", table=table, trigger=trigger)
    except _Broken as broken:
        _broken_result(result, broken, start=result.from_sequence)
    result.seconds = time.perf_counter() - started
    return result, {"marks": {}, "last_checkpoint": None}


def _broken_result(result: VerifyResult, broken: _Broken, *, start: int) -> None:
    result.intact = False
    result.broken_sequence = broken.seq
    result.code, result.params = broken.code, dict(broken.params)
    result.problem = PROBLEMS[broken.code] % broken.params if broken.params else PROBLEMS[broken.code]
    if broken.seq is not None and not result.last_sequence:
        result.checked = max(broken.seq - 1 - start, 0)
        result.last_sequence = max(broken.seq - 1, 0)


def verify(
    *, using: str = "default", full: bool = True, month: datetime.date | None = None
) -> tuple[VerifyResult, dict]:
    """Run a full or incremental verification, or one month's (`verify_month`). Returns the result
    and the state to remember."""
    if month is not None:
        return verify_month(month=month, using=using)
    started = time.perf_counter()
    conn = connections[using]
    checkpoints = checkpoint_load()
    start, start_hash, marks, kind, start_cp = 0, GENESIS, {}, VerificationKind.FULL, ""
    if not full:
        basis = _incremental_basis(using, checkpoints)
        if basis is not None:
            cp, marks = basis
            start, start_hash, kind, start_cp = (
                cp.sequence,
                cp.hash,
                VerificationKind.INCREMENTAL,
                cp.file_name,
            )
    result = VerifyResult(True, 0, 0, kind=kind, from_sequence=start, start_checkpoint=start_cp)
    state: dict = {"marks": {}, "last_checkpoint": None}
    try:
        if conn.vendor == "postgresql":
            checked, last_seq, _last_hash, extra = _pg_verify(
                using, start=start, start_hash=start_hash, marks=marks
            )
        else:
            checked, last_seq, _last_hash, extra = _py_verify(using, start=start, start_hash=start_hash)
        result.checked, result.last_sequence = checked, last_seq
        result.history_checked = extra["history_checked"]
        result.pending = _check_pending(using)
        state["marks"] = extra["marks"]
        newest = _check_checkpoints(checkpoints, using=using, last_seq=last_seq)
        result.checkpoints_checked = len(checkpoints)
        on_disk = {cp.file_name for cp in checkpoints}
        for name in mirrored_file_names(using=using):
            if name not in on_disk:
                raise _Broken(None, "checkpoint_file_missing", file=name)
        for table, trigger in missing_triggers(using=using):
            raise _Broken(None, "protection_off", table=table, trigger=trigger)
        if newest is not None:
            result.last_checkpoint = newest.file_name
            state["last_checkpoint"] = newest
    except _Broken as broken:
        _broken_result(result, broken, start=start)
    result.seconds = time.perf_counter() - started
    return result, state


def verification_record(
    *, result: VerifyResult, state: dict, actor: Any | None, using: str = "default"
) -> AuditVerification:
    """Remember the run (append-only): the next incremental run starts from its last checkpoint."""
    from advisory.clock import now

    cp = state.get("last_checkpoint")
    return AuditVerification.objects.using(using).create(
        kind=result.kind,
        started_at=now(),
        seconds=result.seconds,
        intact=result.intact,
        from_sequence=result.from_sequence,
        last_sequence=result.last_sequence,
        checked=result.checked,
        history_checked=result.history_checked,
        checkpoints_checked=result.checkpoints_checked,
        start_checkpoint=result.start_checkpoint,
        last_checkpoint=cp.file_name if (cp and result.intact) else "",
        last_checkpoint_sequence=cp.sequence if (cp and result.intact) else None,
        last_checkpoint_hash=cp.hash if (cp and result.intact) else "",
        history_marks=state.get("marks", {}) if result.intact else {},
        broken_sequence=result.broken_sequence,
        problem_code=result.code,
        problem_params=result.params,
        problem=result.problem,
        actor=actor if getattr(actor, "pk", None) else None,
    )
