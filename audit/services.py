"""Writing and verifying the audit trail (SPEC §5).

Every entry is appended to a SHA-256 chain under a row lock on the chain head, so sequence numbers
have no gaps and concurrent writers cannot fork the chain:

    content_hash = SHA-256(canonical JSON of [record_label, changes])       (the personal content)
    hash         = SHA-256(prev_hash ␟ sequence ␟ occurred_at ␟ actor ␟ … ␟ content_hash)

Disposal may blank the personal content of an entry (`audit_redact`) — the hashes stay, the entry
is flagged `redacted` and a REDACTION entry appended to the chain lists what was blanked — so the
chain still verifies after personal data is purged.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, models, transaction

from advisory import request_context
from advisory.clock import now

from .fields import canonical_json
from .models import AuditAction, AuditChainHead, AuditEntry, allow_redaction
from .registry import lookup

logger = logging.getLogger(__name__)

GENESIS = "0" * 64
MASK = "[encrypted]"
SEP = "\x1f"


# --- hashing ------------------------------------------------------------------------------------


def _utc_iso(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def content_digest(record_label: str, changes: Any) -> str:
    """SHA-256 over the personal content: record label ␟ canonical JSON of the changes (the exact
    text stored in the `changes` column, so PostgreSQL can recompute it during verification)."""
    text = (record_label or "") + SEP + canonical_json(changes if changes is not None else {})
    return hashlib.sha256(text.encode()).hexdigest()


def _chain_digest(
    prev_hash: str,
    sequence: int,
    occurred_at: datetime.datetime | str,
    actor_id: int | None,
    actor_label: str,
    action: str,
    record_type: str,
    record_id: str,
    client_id: int | None,
    reason: str,
    ip_address: str | None,
    user_agent: str,
    history_id: int | None,
    content_hash: str,
) -> str:
    text = SEP.join(
        [
            prev_hash,
            str(sequence),
            occurred_at if isinstance(occurred_at, str) else _utc_iso(occurred_at),
            "" if actor_id is None else str(actor_id),
            actor_label or "",
            action or "",
            record_type or "",
            record_id or "",
            "" if client_id is None else str(client_id),
            reason or "",
            ip_address or "",
            user_agent or "",
            "" if history_id is None else str(history_id),
            content_hash,
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def entry_hash(entry: AuditEntry, prev_hash: str) -> str:
    return _chain_digest(
        prev_hash,
        entry.sequence,
        entry.occurred_at,
        entry.actor_id,
        entry.actor_label,
        entry.action,
        entry.record_type,
        entry.record_id,
        entry.client_id,
        entry.reason,
        entry.ip_address,
        entry.user_agent,
        entry.history_id,
        entry.content_hash,
    )


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def _normal_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


# --- writing ------------------------------------------------------------------------------------


@dataclass
class EntrySpec:
    """What one entry says; `audit_log_many` appends a list of them under one lock."""

    action: str
    actor: Any | None = None
    record_type: str = ""
    record_id: str = ""
    record_label: str = ""
    client_id: int | None = None
    reason: str = ""
    changes: dict = field(default_factory=dict)
    history_id: int | None = None


def _spec_for(
    *,
    actor: Any | None,
    action: str,
    obj: models.Model | None,
    record_type: str,
    record_id: str,
    record_label: str,
    client_id: int | None,
    reason: str,
    changes: dict | None,
    history_id: int | None,
) -> EntrySpec:
    if obj is not None:
        record_type = record_type or obj._meta.label_lower
        record_id = record_id or str(obj.pk)
        record_label = record_label or str(obj)[:200]
        if client_id is None:
            registered = lookup(obj._meta.label_lower)
            if registered is not None:
                client_id = registered.client_of(obj)
        changes = mask_encrypted(type(obj), changes or {})
    return EntrySpec(
        action=action,
        actor=actor,
        record_type=record_type,
        record_id=str(record_id),
        record_label=record_label,
        client_id=client_id,
        reason=reason,
        changes=changes or {},
        history_id=history_id,
    )


def audit_log(
    *,
    actor: Any | None,
    action: str,
    obj: models.Model | None = None,
    record_type: str = "",
    record_id: str = "",
    record_label: str = "",
    client_id: int | None = None,
    reason: str = "",
    changes: dict | None = None,
    history_id: int | None = None,
) -> AuditEntry:
    """Append one entry to the chain. Runs in its own atomic block and locks the chain head,
    so concurrent writers are serialised and the chain has no forks or gaps. Values of encrypted
    fields of `obj`'s model in `changes` are masked."""
    spec = _spec_for(
        actor=actor,
        action=action,
        obj=obj,
        record_type=record_type,
        record_id=record_id,
        record_label=record_label,
        client_id=client_id,
        reason=reason,
        changes=changes,
        history_id=history_id,
    )
    return audit_log_many([spec])[0]


def actor_label(actor: Any | None) -> str:
    """Who, as written into the chain. Staff by email; a client's portal login by a pseudonym
    ("client-user:<id>"), because the label is part of the hash and cannot be blanked when the
    client file is disposed of (SPEC §5), while the email would stay readable forever."""
    if actor is None:
        return "system"
    if getattr(actor, "role", None) == "client":
        return f"client-user:{actor.pk}"
    return (getattr(actor, "email", "") or "system")[:254]


def audit_log_many(specs: Sequence[EntrySpec], *, using: str = "default") -> list[AuditEntry]:
    """Append several entries under one lock of the chain head (bulk imports)."""
    if not specs:
        return []
    info = request_context.current()
    ip = _normal_ip(info.ip_address) if info else None
    agent = (info.user_agent if info else "")[:300]
    entries: list[AuditEntry] = []
    with transaction.atomic(using=using):
        head, _ = AuditChainHead.objects.using(using).select_for_update().get_or_create(id=1)
        sequence, last = head.sequence, head.last_hash
        when = now()
        for spec in specs:
            actor_obj = spec.actor if (spec.actor is not None and getattr(spec.actor, "pk", None)) else None
            label = (spec.record_label or "")[:200]
            changes = _jsonable(spec.changes or {})
            sequence += 1
            entry = AuditEntry(
                sequence=sequence,
                occurred_at=when,
                actor=actor_obj,
                actor_label=actor_label(actor_obj),
                action=spec.action,
                record_type=spec.record_type[:100],
                record_id=str(spec.record_id)[:64],
                record_label=label,
                client_id=spec.client_id,
                reason=spec.reason or "",
                changes=changes,
                ip_address=ip,
                user_agent=agent,
                history_id=spec.history_id,
                content_hash=content_digest(label, changes),
                prev_hash=last,
            )
            entry.hash = entry_hash(entry, last)
            last = entry.hash
            entries.append(entry)
        if len(entries) == 1:
            entries[0].save(force_insert=True, using=using)
        else:
            AuditEntry.objects.using(using).bulk_create(entries, batch_size=1000)
        AuditChainHead.objects.using(using).filter(id=1).update(sequence=sequence, last_hash=last)
    return entries


def _encrypted_fields(model: type[models.Model]) -> set[str]:
    try:
        from encrypted_fields.fields import EncryptedFieldMixin
    except ImportError:  # pragma: no cover - the package is a dependency
        return set()
    names: set[str] = set()
    for f in model._meta.concrete_fields:
        if isinstance(f, EncryptedFieldMixin):
            names.update({f.name, f.attname})
    return names


def mask_encrypted(model: type[models.Model], changes: dict) -> dict:
    """Values of encrypted fields never enter the trail in clear: only that they changed."""
    secret = _encrypted_fields(model)
    if not secret or not changes:
        return changes
    masked = dict(changes)
    for name in secret & set(changes):
        value = changes[name]
        if isinstance(value, (list, tuple)) and len(value) == 2:
            masked[name] = [
                None if value[0] in (None, "") else MASK,
                None if value[1] in (None, "") else MASK,
            ]
        else:
            masked[name] = MASK
    return masked


HISTORY_ACTIONS = {"+": AuditAction.CREATE, "~": AuditAction.UPDATE, "-": AuditAction.DELETE}


def _history_spec(*, instance: models.Model, history_instance: Any) -> EntrySpec:
    changes: dict[str, list] = {}
    prev = history_instance.prev_record if history_instance.history_type == "~" else None
    if prev is not None:
        delta = history_instance.diff_against(prev)
        changes = {c.field: [c.old, c.new] for c in delta.changes}
    elif history_instance.history_type in ("+", "~"):  # an update without an earlier history row
        changes = {
            f.attname: [None, getattr(history_instance, f.attname, None)]
            for f in history_instance.instance_type._meta.concrete_fields
            if hasattr(history_instance, f.attname)
        }
    return _spec_for(
        actor=history_instance.history_user,
        action=HISTORY_ACTIONS.get(history_instance.history_type, AuditAction.OTHER),
        obj=instance,
        record_type="",
        record_id="",
        record_label="",
        client_id=None,
        reason=history_instance.history_change_reason or "",
        changes=changes,
        history_id=history_instance.pk,
    )


def audit_history_record(*, instance: models.Model, history_instance: Any) -> AuditEntry:
    """Mirror one django-simple-history row into the chain, with the field changes old → new
    (encrypted fields masked)."""
    return audit_log_many([_history_spec(instance=instance, history_instance=history_instance)])[0]


def audit_bulk_rows(
    *,
    objs: Iterable[models.Model],
    actor: Any | None,
    action: str,
    reason: str,
    changes_for: dict[Any, dict] | None = None,
) -> list[AuditEntry]:
    """One entry per object of a bulk write (simple-history's bulk helpers send no signals)."""
    specs = []
    for obj in objs:
        if changes_for is not None:
            changes = changes_for.get(obj.pk, {})
        else:
            changes = {
                f.attname: [None, getattr(obj, f.attname, None)]
                for f in type(obj)._meta.concrete_fields
                if action == AuditAction.CREATE
            }
        specs.append(
            _spec_for(
                actor=actor,
                action=action,
                obj=obj,
                record_type="",
                record_id="",
                record_label="",
                client_id=None,
                reason=reason,
                changes=changes,
                history_id=None,
            )
        )
    return audit_log_many(specs)


# --- verification -------------------------------------------------------------------------------


@dataclass
class VerifyResult:
    intact: bool
    checked: int
    last_sequence: int
    broken_sequence: int | None = None
    problem: str = ""

    def as_dict(self) -> dict:
        return {
            "intact": self.intact,
            "checked": self.checked,
            "last_sequence": self.last_sequence,
            "broken_sequence": self.broken_sequence,
            "problem": self.problem,
        }

    def __str__(self) -> str:
        if self.intact:
            return f"intact: {self.checked} entries, last sequence {self.last_sequence}"
        return f"BROKEN at sequence {self.broken_sequence}: {self.problem}"


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
    "record_label",
    "changes",
    "content_hash",
    "redacted",
    "prev_hash",
    "hash",
)


_PG_ROW_CHECKS = """
SELECT min(sequence) FILTER (WHERE NOT content_ok), min(sequence) FILTER (WHERE NOT hash_ok)
  FROM (
    SELECT sequence,
           redacted OR encode(sha256(convert_to(record_label || chr(31) || changes, 'UTF8')), 'hex')
             = content_hash AS content_ok,
           encode(sha256(convert_to(concat_ws(chr(31),
               prev_hash, sequence::text,
               to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
               coalesce(actor_id::text, ''), actor_label, action, record_type, record_id,
               coalesce(client_id::text, ''), reason, coalesce(host(ip_address), ''), user_agent,
               coalesce(history_id::text, ''), content_hash), 'UTF8')), 'hex') = hash AS hash_ok
      FROM audit_auditentry
  ) checks
"""
_PG_LINK_CHECK = """
SELECT min(e.sequence)
  FROM audit_auditentry e
  LEFT JOIN audit_auditentry p ON p.sequence = e.sequence - 1
 WHERE e.prev_hash <> coalesce(p.hash, CASE WHEN e.sequence = 1 THEN %s END)
    OR (p.hash IS NULL AND e.sequence <> 1)
"""
_PG_FIRST_GAP = """
SELECT min(e.sequence) + 1 FROM audit_auditentry e
 WHERE e.sequence < (SELECT max(sequence) FROM audit_auditentry)
   AND NOT EXISTS (SELECT 1 FROM audit_auditentry n WHERE n.sequence = e.sequence + 1)
"""


def _pg_verify(using: str) -> VerifyResult:
    """PostgreSQL: the same checks as the Python loop, computed inside the database. The per-row
    hash checks are one aggregate that PostgreSQL runs as a parallel scan (sha256() in C); the
    links are a self-join on sequence; gaps come from count/min/max. About a million entries in
    seconds. All statements run in one REPEATABLE READ snapshot."""
    conn = connections[using]
    with transaction.atomic(using=using), conn.cursor() as cur:
        if not conn.in_atomic_block or len(conn.savepoint_ids) == 0:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cur.execute(
            "SELECT count(*), coalesce(min(sequence), 1), coalesce(max(sequence), 0) FROM audit_auditentry"
        )
        count, first_seq, max_seq = cur.fetchone()
        gap = None
        if count and (first_seq != 1 or max_seq != count):
            if first_seq != 1:
                gap = (1, first_seq)
            else:
                cur.execute(_PG_FIRST_GAP)
                missing = cur.fetchone()[0]
                cur.execute("SELECT min(sequence) FROM audit_auditentry WHERE sequence > %s", [missing])
                gap = (missing, cur.fetchone()[0])
        cur.execute(_PG_ROW_CHECKS)
        bad_content, bad_hash = cur.fetchone()
        cur.execute(_PG_LINK_CHECK, [GENESIS])
        bad_link = cur.fetchone()[0]
        if gap is not None:
            bad_link = (
                None if bad_link == gap[1] else bad_link
            )  # the entry after a gap links to a missing one
        candidates = [
            (gap[0] if gap else None, f"sequence gap: expected {gap[0]}, found {gap[1]}" if gap else ""),
            (bad_link, "previous-hash link does not match the preceding entry"),
            (bad_content, "content (record label or changes) does not match its hash"),
            (bad_hash, "entry hash does not match its content (who, when, what or why changed)"),
        ]
        found = [c for c in candidates if c[0] is not None]
        if found:
            seq, problem = min(found, key=lambda c: c[0])
            return VerifyResult(False, seq - 1, seq - 1, seq, problem)
        # one statement, one snapshot: entries appended meanwhile cannot make the head look wrong
        cur.execute(
            "SELECT (SELECT count(*) FROM audit_auditentry), h.sequence, h.last_hash,"
            " (SELECT coalesce(max(sequence), 0) FROM audit_auditentry),"
            " (SELECT hash FROM audit_auditentry ORDER BY sequence DESC LIMIT 1)"
            " FROM (SELECT 1) one LEFT JOIN audit_auditchainhead h ON h.id = 1"
        )
        count, head_seq, head_hash, last_seq, last_hash = cur.fetchone()
        head = None if head_seq is None else (head_seq, head_hash)
        last_hash = last_hash or GENESIS
        cur.execute("SELECT sequence FROM audit_auditentry WHERE redacted ORDER BY sequence")
        redacted = [r[0] for r in cur.fetchall()]
        covered: set[int] = set()
        if redacted:
            cur.execute(
                "SELECT changes FROM audit_auditentry WHERE action = %s", [AuditAction.REDACTION.value]
            )
            for (text,) in cur.fetchall():
                covered.update(int(s) for s in json.loads(text).get("redacted_sequences", []))
    for seq in redacted:
        if seq not in covered:
            return VerifyResult(False, count, last_seq, seq, "entry is redacted without a redaction record")
    return _check_head(head, count, last_seq, last_hash)


def _check_head(head, checked: int, last_seq: int, last_hash: str) -> VerifyResult:
    if head is not None and (head[0] != last_seq or head[1] != last_hash):
        if head[0] > last_seq:
            return VerifyResult(
                False,
                checked,
                last_seq,
                last_seq + 1,
                f"entries missing at the end: the chain head says {head[0]}",
            )
        return VerifyResult(
            False, checked, last_seq, last_seq, "the chain head does not match the last entry"
        )
    return VerifyResult(True, checked, last_seq)


def audit_verify(*, using: str = "default", chunk_size: int = 10000) -> VerifyResult:
    """Recompute the chain from the first entry (SPEC §5): every content hash, every hash, the
    link to the previous hash, and a sequence without gaps; then the chain head. Streams the table
    in chunks, so memory stays flat. Returns the first broken entry, if any."""
    expected_seq = 1
    last_hash = GENESIS
    checked = 0
    redacted: list[int] = []
    covered: set[int] = set()
    sha = hashlib.sha256
    dumps = json.dumps
    if connections[using].vendor == "postgresql":
        return _pg_verify(using)
    rows = (
        AuditEntry.objects.using(using)
        .order_by("sequence")
        .values_list(*_VERIFY_FIELDS)
        .iterator(chunk_size=chunk_size)
    )

    def broken(seq: int, problem: str) -> VerifyResult:
        return VerifyResult(False, checked, seq - 1, seq, problem)

    with transaction.atomic(using=using):  # one snapshot (and a server-side cursor on PostgreSQL)
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
            label,
            changes,
            content_hash,
            is_redacted,
            prev_hash,
            stored_hash,
        ) in rows:
            if seq != expected_seq:
                problem = (
                    f"sequence gap: expected {expected_seq}, found {seq}"
                    if seq > expected_seq
                    else f"sequence out of order: expected {expected_seq}, found {seq}"
                )
                return broken(expected_seq, problem)
            if prev_hash != last_hash:
                return broken(seq, "previous-hash link does not match the preceding entry")
            if is_redacted:
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
                    return broken(seq, "content (record label or changes) does not match its hash")
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
            )
            if digest != stored_hash:
                return broken(seq, "entry hash does not match its content (who, when, what or why changed)")
            if action == AuditAction.REDACTION and isinstance(changes, dict):
                covered.update(int(s) for s in changes.get("redacted_sequences", []))
            last_hash = stored_hash
            expected_seq += 1
            checked += 1
        for seq in redacted:
            if seq not in covered:
                return VerifyResult(
                    False, checked, expected_seq - 1, seq, "entry is redacted without a redaction record"
                )
        head = AuditChainHead.objects.using(using).filter(id=1).values_list("sequence", "last_hash").first()
    return _check_head(head, checked, expected_seq - 1, last_hash)


# --- redaction (disposal) -----------------------------------------------------------------------


def audit_redact(*, record_type: str, record_ids: Sequence[str], actor: Any | None, reason: str) -> int:
    """Blank the personal content (record label, changes) of every entry about these records.

    SPEC §5 disposal: the chain keeps each entry's hashes and metadata; the entry is flagged
    `redacted` and a REDACTION entry lists the blanked sequences (verification requires it).
    Call inside the disposal transaction."""
    ids = [str(i) for i in record_ids]
    if not ids:
        return 0
    qs = AuditEntry.objects.filter(record_type=record_type, record_id__in=ids, redacted=False).exclude(
        action=AuditAction.REDACTION
    )
    sequences = list(qs.values_list("sequence", flat=True))
    if not sequences:
        return 0
    with transaction.atomic():
        with allow_redaction(), _ignore_update_trigger():
            AuditEntry.objects.filter(sequence__in=sequences).update(
                record_label="", changes={}, redacted=True
            )
        audit_log(
            actor=actor,
            action=AuditAction.REDACTION,
            record_type=record_type,
            record_id=ids[0] if len(ids) == 1 else "",
            reason=reason,
            changes={"record_ids": ids, "redacted_sequences": sequences},
        )
    return len(sequences)


def _ignore_update_trigger():
    if connections["default"].vendor == "postgresql":
        import pgtrigger

        return pgtrigger.ignore("audit.AuditEntry:protect_update")
    from contextlib import nullcontext

    return nullcontext()


# Retention, legal holds and disposal live in audit.retention; they are services too.
from .retention import (  # noqa: E402
    RetentionConflict,
    disposal_approve,
    disposal_complete,
    disposal_execute,
    disposal_progress,
    disposal_propose,
    disposal_reject,
    hold_place,
    hold_release,
    retention_refuse_delete,
    retention_rule_update,
)
from .reveal import as_of_reveal  # noqa: E402

__all__ = [
    "as_of_reveal",
    "RetentionConflict",
    "audit_log",
    "audit_log_many",
    "audit_redact",
    "audit_verify",
    "disposal_approve",
    "disposal_complete",
    "disposal_execute",
    "disposal_progress",
    "disposal_propose",
    "disposal_reject",
    "hold_place",
    "hold_release",
    "retention_refuse_delete",
    "retention_rule_update",
]


# --- verification record, exports -------------------------------------------------------------------


def audit_verify_and_record(*, actor: Any | None) -> VerifyResult:
    """Run `audit_verify`, remember the outcome for the compliance panel, and log that it ran."""
    from django.core.cache import cache

    from .selectors import VERIFY_CACHE_KEY

    result = audit_verify()
    cache.set(VERIFY_CACHE_KEY, {**result.as_dict(), "at": now().isoformat()}, None)
    if not result.intact:
        logger.error("audit chain broken: %s", result)
    return result


def _export_record(*, actor: Any, fmt: str, filters: Any) -> Any:
    from advisory.history import audited_save

    from .models import AuditExport

    export = AuditExport(
        format=fmt,
        filters=filters.as_params(),
        client_id=filters.client_id,
        requested_by=actor,
        created_at=now(),
        completed_at=now(),
    )
    audited_save(export, actor=actor, reason="Audit trail exported for an inspection")
    audit_log(
        actor=actor,
        action=AuditAction.EXPORT,
        obj=export,
        client_id=filters.client_id,
        reason="Audit trail export",
        changes={"format": fmt, "filters": filters.as_params()},
    )
    return export


CSV_HEADER = [
    "sequence",
    "occurred_at",
    "actor",
    "action",
    "record_type",
    "record_id",
    "record",
    "client_id",
    "reason",
    "changes",
    "ip_address",
    "user_agent",
    "hash",
]


def audit_export_csv(*, actor: Any, filters: Any) -> tuple[Any, Iterable[list]]:
    """SPEC §5 export for an inspection: records the export (itself an audit event) and returns
    the rows to stream (oldest first, read in chunks so memory stays flat)."""
    from .selectors import audit_entry_list

    qs = audit_entry_list(user=actor, filters=filters).order_by("sequence")
    with transaction.atomic():
        export = _export_record(actor=actor, fmt="csv", filters=filters)

    def rows() -> Iterable[list]:
        yield CSV_HEADER
        for e in qs.values_list(
            "sequence",
            "occurred_at",
            "actor_label",
            "action",
            "record_type",
            "record_id",
            "record_label",
            "client_id",
            "reason",
            "changes",
            "ip_address",
            "user_agent",
            "hash",
        ).iterator(chunk_size=2000):
            row = list(e)
            row[1] = _utc_iso(row[1])
            row[9] = json.dumps(row[9], ensure_ascii=False, default=str, sort_keys=True)
            yield row

    return export, rows()


def audit_export_pdf(*, actor: Any, filters: Any) -> Any:
    """Queue a paginated PDF of the filtered trail (advisory.documents; progress on the row)."""
    from advisory.documents import document_request
    from advisory.history import audited_save

    from .selectors import audit_entry_list

    audit_entry_list(user=actor, filters=filters)  # permission check
    with transaction.atomic():
        export = _export_record(actor=actor, fmt="pdf", filters=filters)
        doc = document_request(
            kind="audit.inspection_export",
            subject=export,
            title=f"Audit trail export #{export.pk}",
            actor=actor,
            client_id=filters.client_id,
        )
        export.document = doc
        audited_save(export, actor=actor, reason="Export document queued")
    return export
