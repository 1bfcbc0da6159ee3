"""Writing and verifying the audit trail (SPEC §5).

Every entry is appended unchained and then chained by the sequencer (audit.sequencer) under a row
lock on the chain head, so sequence numbers have no gaps and concurrent writers cannot fork the
chain — without writers queueing behind one lock (issue 18):

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
from django.utils.translation import gettext as _

from advisory import request_context
from advisory.clock import now
from advisory.texts import Reason, stored_reason

from .fields import CanonicalJSONField, canonical_json
from .labels import record_label_of
from .models import AuditAction, AuditEntry, allow_redaction
from .registry import lookup
from .verification import GENESIS, VerifyResult  # noqa: F401  (public names)

logger = logging.getLogger(__name__)

MASK = "[encrypted]"
SEP = "\x1f"


# --- hashing ------------------------------------------------------------------------------------


def _utc_iso(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def content_digest(record_label: str, changes: Any) -> str:
    """SHA-256 over the personal content: record label ␟ canonical JSON of the changes (the exact
    text stored in the `changes` column, so PostgreSQL can recompute it during verification)."""
    return _content_digest_text(record_label, canonical_json(changes if changes is not None else {}))


def _content_digest_text(record_label: str, changes_text: str) -> str:
    return hashlib.sha256(((record_label or "") + SEP + changes_text).encode()).hexdigest()


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
    history_hash: str = "",
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
    if history_hash:  # entries mirroring a history row also seal that row's digest (issue 12)
        text += SEP + history_hash
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
        entry.history_hash or "",
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
    reason: Reason = ""  # a `text("audit.…")`, or a string (a person's words, or a registered sentence)
    changes: dict = field(default_factory=dict)
    history_id: int | None = None
    history_table: str = ""
    # the history row's digest (audit.protection.history_digest_sql) when the caller computed it
    # in the statement that wrote the row (the escalation sweep's INSERT … RETURNING): not read again
    history_digest: str = ""
    # `changes` already as its canonical JSON text (audit.fields.canonical_json), when the caller
    # wrote it (the escalation sweep's fixed shape); stored and hashed as it is
    changes_text: str = ""


def _link_history(specs: Sequence[EntrySpec], using: str) -> dict[tuple[str, int], str]:
    """Give entries their history row: rows written in bulk are claimed (audit.history_link); then
    read each row's digest on PostgreSQL (one query per table), unless the caller brought it.
    Returns {(history table, history_id): digest}."""
    from .history_link import claim
    from .protection import history_digest_sql

    for spec in specs:
        if spec.history_id is None and spec.record_type and spec.record_id:
            found = claim(spec.record_type, str(spec.record_id))
            if found is not None:
                spec.history_id, spec.history_table = found
    digests: dict[tuple[str, int], str] = {}
    by_table: dict[str, list[int]] = {}
    for spec in specs:
        if spec.history_id is not None and spec.history_table:
            if spec.history_digest:
                digests[(spec.history_table, spec.history_id)] = spec.history_digest
            else:
                by_table.setdefault(spec.history_table, []).append(spec.history_id)
    if not by_table and not digests:
        return {}
    conn = connections[using]
    with conn.cursor() as cur:
        for table, ids in by_table.items():
            qn = conn.ops.quote_name(table)
            if conn.vendor == "postgresql":
                sql = f"SELECT history_id, {history_digest_sql(table)} FROM {qn} h WHERE history_id = ANY(%s)"  # noqa: S608
                cur.execute(sql, [ids])
                digests.update({(table, pk): digest for pk, digest in cur.fetchall()})
            else:
                marks = ",".join(["%s"] * len(ids))
                cur.execute(f"SELECT history_id FROM {qn} WHERE history_id IN ({marks})", ids)  # noqa: S608
                digests.update({(table, r[0]): "" for r in cur.fetchall()})
    for spec in specs:
        if spec.history_table and (spec.history_table, spec.history_id) not in digests:
            spec.history_id, spec.history_table = None, ""  # a claimed row that was rolled back
    return digests


def _spec_for(
    *,
    actor: Any | None,
    action: str,
    obj: models.Model | None,
    record_type: str,
    record_id: str,
    record_label: str,
    client_id: int | None,
    reason: Reason,
    changes: dict | None,
    history_id: int | None,
) -> EntrySpec:
    if obj is not None:
        record_type = record_type or obj._meta.label_lower
        record_id = record_id or str(obj.pk)
        record_label = record_label or record_label_of(obj)
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
    reason: Reason = "",
    changes: dict | None = None,
    history_id: int | None = None,
) -> AuditEntry:
    """Append one entry to the trail (chained after commit by audit.sequencer, see
    `audit_log_many`). Values of encrypted fields of `obj`'s model in `changes` are masked.
    The reason is stored as a code with parameters (`advisory.texts.stored_reason`)."""
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


def audit_log_many(
    specs: Sequence[EntrySpec], *, using: str = "default", returning: bool = True
) -> list[AuditEntry]:
    """Append several entries in one statement (bulk imports, sweeps).

    The entries are inserted unchained: no global lock is taken here. They are chained after the
    transaction commits (audit.sequencer; `AUDIT_CHAIN_MODE = "deferred"` or `"listener"`), or inside it, under the
    chain head's lock, with `AUDIT_CHAIN_MODE = "inline"` (SQLite, tests) — then the returned
    entries carry their sequence and hash.

    `returning=False` (a caller that does not use the entries, e.g. the escalation sweep): on
    PostgreSQL with the chain deferred, the rows are written straight from the specs, without
    building a model instance per entry, and nothing is returned. The stored values are the same."""
    from .sequencer import DEFERRED_MODES, chain_batch, chain_mode, schedule_after_commit

    if not specs:
        return []
    info = request_context.current()
    ip = _normal_ip(info.ip_address) if info else None
    agent = (info.user_agent if info else "")[:300]
    entries: list[AuditEntry] = []
    mode = chain_mode(using)
    with transaction.atomic(using=using):
        digests = _link_history(specs, using)
        when = now()
        if not returning and mode in DEFERRED_MODES:  # deferred implies PostgreSQL (chain_mode)
            _insert_spec_rows(specs, digests=digests, when=when, ip=ip, agent=agent, using=using)
            schedule_after_commit(using, count=len(specs))
            return []
        entries = [
            AuditEntry(**row)
            for row in _entry_rows(
                specs, digests=digests, when=when, ip=ip, agent=agent, changes_as_text=False
            )
        ]
        if len(entries) == 1:
            entries[0].save(force_insert=True, using=using)
        else:
            audit_entries_insert(entries, using=using)
        if mode == "inline":
            chain_batch(using=using, wait=True, limit=10**9)
            chained = {
                pk: (seq, prev, digest)
                for pk, seq, prev, digest in AuditEntry.objects.using(using)
                .filter(pk__in=[e.pk for e in entries])
                .values_list("pk", "sequence", "prev_hash", "hash")
            }
            for entry in entries:
                entry.sequence, entry.prev_hash, entry.hash = chained[entry.pk]
        elif mode in DEFERRED_MODES:
            schedule_after_commit(using, count=len(entries))
    return entries


def _entry_rows(
    specs: Sequence[EntrySpec],
    *,
    digests: dict[tuple[str, int], str],
    when: datetime.datetime,
    ip: str | None,
    agent: str,
    changes_as_text: bool,
) -> list[dict[str, Any]]:
    """The field values of the unchained entries of `specs` (keyword arguments of AuditEntry):
    `changes` as a JSON-ready object, or (`changes_as_text`) as the canonical JSON text the column
    stores and the content hash covers, serialised once."""
    reasons: dict[int, str] = {}  # a bulk write gives every entry the same reason object
    rows = []
    for spec in specs:
        reason = reasons.get(id(spec.reason))
        if reason is None:
            reason = reasons[id(spec.reason)] = stored_reason(spec.reason)
        actor_obj = spec.actor if (spec.actor is not None and getattr(spec.actor, "pk", None)) else None
        label = (spec.record_label or "")[:200]
        if changes_as_text and spec.changes_text:
            changes = changes_text = spec.changes_text
        elif changes_as_text:
            try:
                changes = changes_text = canonical_json(spec.changes or {})
            except TypeError:  # keys of mixed types: sort them as the JSON strings they become
                changes = changes_text = canonical_json(_jsonable(spec.changes))
        else:
            changes = _jsonable(spec.changes or {})
            changes_text = canonical_json(changes)
        rows.append(
            {
                "sequence": None,
                "occurred_at": when,
                "actor": actor_obj,
                "actor_label": actor_label(actor_obj),
                "action": spec.action,
                "record_type": spec.record_type[:100],
                "record_id": str(spec.record_id)[:64],
                "record_label": label,
                "client_id": spec.client_id,
                "reason": reason,
                "changes": changes,
                "ip_address": ip,
                "user_agent": agent,
                "history_id": spec.history_id,
                "history_hash": digests.get((spec.history_table, spec.history_id), "")
                if spec.history_table
                else "",
                "content_hash": _content_digest_text(label, changes_text),
                "redacted": False,
                "prev_hash": "",
                "hash": "",
            }
        )
    return rows


def _insert_spec_rows(
    specs: Sequence[EntrySpec],
    *,
    digests: dict[tuple[str, int], str],
    when: datetime.datetime,
    ip: str | None,
    agent: str,
    using: str,
) -> None:
    """PostgreSQL: the entries of `specs` (`_entry_rows`, the values the model path builds its
    instances from) inserted unchained straight from their values, one
    `INSERT … SELECT … FROM unnest(…)` per 5,000, each column one array literal
    (advisory.pgarrays): no per-value SQL to parse. A column whose value is the same in every row
    (the time, the action, the record type, the empty hashes of an unchained entry, …) goes as one
    value instead of an array: for a sweep that is 11 of the 19 columns."""
    from advisory.pgarrays import pg_array

    conn = connections[using]
    fields = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
    qn = conn.ops.quote_name
    columns = ", ".join(qn(f.column) for f in fields)
    table = qn(AuditEntry._meta.db_table)
    rows = _entry_rows(specs, digests=digests, when=when, ip=ip, agent=agent, changes_as_text=True)
    for row in rows:
        actor = row.pop("actor")
        row["actor_id"] = actor.pk if actor is not None else None
    missing = {f.attname for f in fields} - set(rows[0])
    if missing:  # a new field on AuditEntry must be written by _entry_rows too
        raise RuntimeError(f"audit rows: no value for {sorted(missing)}")
    with conn.cursor() as cur:
        for start in range(0, len(rows), 5000):
            chunk = rows[start : start + 5000]
            selected, arrays, names, params, array_params = [], [], [], [], []
            for i, f in enumerate(fields):
                values = [r[f.attname] for r in chunk]
                first = values[0]
                cast = f.db_type(conn)
                if all(v is first or (v == first and type(v) is type(first)) for v in values):
                    selected.append(f"%s::{cast}")
                    params.append(first)
                else:
                    selected.append(f"u.c{i}")
                    arrays.append(f"%s::{cast}[]")
                    names.append(f"c{i}")
                    array_params.append(pg_array(values))
            source = (
                f" FROM unnest({', '.join(arrays)}) AS u({', '.join(names)})"
                if arrays
                else (f" FROM generate_series(1, {len(chunk)})")
            )
            cur.execute(
                f"INSERT INTO {table} ({columns}) SELECT {', '.join(selected)}{source}",  # noqa: S608
                params + array_params,
            )


def audit_entries_insert(entries: Sequence[AuditEntry], *, using: str = "default") -> None:
    """Insert prepared entries (chained or awaiting the sequencer) and give them their ids.

    On PostgreSQL one `INSERT … VALUES … RETURNING id` per 1,000 entries with the values taken
    straight from the instances: `bulk_create` spent most of a sweep's audit time preparing each
    of the ~20 values of every row. The values need no preparation: `changes` is written as the
    canonical JSON text the hash covers (as CanonicalJSONField does) and the rest are plain values
    psycopg2 adapts itself. Other databases use `bulk_create`."""
    conn = connections[using]
    if conn.vendor != "postgresql":
        AuditEntry.objects.using(using).bulk_create(list(entries), batch_size=1000)
        return
    fields = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
    json_at = {i for i, f in enumerate(fields) if isinstance(f, CanonicalJSONField)}
    attnames = [f.attname for f in fields]
    columns = ", ".join(conn.ops.quote_name(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    table = conn.ops.quote_name(AuditEntry._meta.db_table)
    with conn.cursor() as cur:
        for start in range(0, len(entries), 1000):
            chunk = entries[start : start + 1000]
            params: list[Any] = []
            for entry in chunk:
                values = [getattr(entry, a) for a in attnames]
                for i in json_at:
                    values[i] = None if values[i] is None else canonical_json(values[i])
                params.extend(values)
            cur.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(chunk))} RETURNING id",  # noqa: S608
                params,
            )
            for entry, (pk,) in zip(chunk, cur.fetchall(), strict=True):
                entry.pk = pk
                entry._state.adding = False
                entry._state.db = using


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
    spec = _spec_for(
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
    spec.history_table = history_instance._meta.db_table
    return spec


def audit_history_record(*, instance: models.Model, history_instance: Any) -> AuditEntry:
    """Mirror one django-simple-history row into the chain, with the field changes old → new
    (encrypted fields masked)."""
    return audit_log_many([_history_spec(instance=instance, history_instance=history_instance)])[0]


def audit_bulk_rows(
    *,
    objs: Iterable[models.Model],
    actor: Any | None,
    action: str,
    reason: Reason,
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


# --- verification (audit.verification) -----------------------------------------------------------


def audit_verify(
    *, using: str = "default", full: bool = True, month: datetime.date | None = None
) -> VerifyResult:
    """Verify the trail (SPEC §5, issue 12): full from the first entry, incremental from the last
    good signed checkpoint, or one month (its partition, linked to the entry before it). See
    audit.verification for every check. Returns the first problem."""
    from .verification import verify

    return verify(using=using, full=full, month=month)[0]


# --- redaction (disposal) -----------------------------------------------------------------------


def audit_redact(*, record_type: str, record_ids: Sequence[str], actor: Any | None, reason: Reason) -> int:
    """Blank the personal content (record label, changes) of every entry about these records.

    SPEC §5 disposal: the chain keeps each entry's hashes and metadata; the entry is flagged
    `redacted` and a REDACTION entry lists the blanked sequences (verification requires it).
    Call inside the disposal transaction."""
    from .sequencer import chain_batch

    ids = [str(i) for i in record_ids]
    if not ids:
        return 0
    with transaction.atomic():
        # entries committed but not chained yet (and this transaction's own) get their sequence
        # first, so the REDACTION entry can list every blanked entry by sequence
        chain_batch(wait=True, limit=10**9)
        qs = AuditEntry.objects.filter(record_type=record_type, record_id__in=ids, redacted=False).exclude(
            action=AuditAction.REDACTION
        )
        found = list(qs.values_list("id", "occurred_at", "sequence"))
        if not found:
            return 0
        sequences = [seq for _pk, _at, seq in found]
        entries_blank(found)
        audit_log(
            actor=actor,
            action=AuditAction.REDACTION,
            record_type=record_type,
            record_id=ids[0] if len(ids) == 1 else "",
            reason=reason,
            changes={"record_ids": ids, "redacted_sequences": sequences},
        )
    return len(sequences)


def entries_blank(found: Sequence[tuple[int, datetime.datetime, Any]]) -> int:
    """Blank the personal content of these entries ((id, occurred_at, …) rows), one UPDATE per month
    with the month's bounds: each touches the entry's partition only (audit.partitions), not every
    month of the trail. Only disposal calls this (the database trigger allows exactly this change)."""
    from .partitions import month_bounds, month_filter

    changed = 0
    with allow_redaction():
        for month, ids in month_filter((row[0], row[1]) for row in found):
            since, until = month_bounds(month)
            for start in range(0, len(ids), 5000):
                changed += AuditEntry.objects.filter(
                    occurred_at__gte=since, occurred_at__lt=until, pk__in=ids[start : start + 5000]
                ).update(record_label="", changes={}, redacted=True)
    return changed


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


def audit_verify_and_record(
    *,
    actor: Any | None,
    full: bool = True,
    month: datetime.date | None = None,
    using: str = "default",
) -> VerifyResult:
    """Run a verification, remember it (AuditVerification: the next incremental run starts from its
    checkpoint) and cache the outcome for the compliance panel (a month run only when it fails: an
    intact month says nothing of the rest of the trail)."""
    from django.core.cache import cache

    from .selectors import VERIFY_CACHE_KEY
    from .verification import verification_record, verify

    result, state = verify(using=using, full=full, month=month)
    verification_record(result=result, state=state, actor=actor, using=using)
    if month is None or not result.intact:
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


def audit_export_pdf(*, actor: Any, filters: Any, language: str | None = None) -> Any:
    """Queue a paginated PDF of the filtered trail (advisory.documents; progress on the row), in
    `language` (default: the requester's, i.e. the active one)."""
    from advisory.documents import document_request
    from advisory.history import audited_save

    from .selectors import audit_entry_list

    audit_entry_list(user=actor, filters=filters)  # permission check
    with transaction.atomic():
        export = _export_record(actor=actor, fmt="pdf", filters=filters)
        doc = document_request(
            kind="audit.inspection_export",
            subject=export,
            title=lambda: _("Audit trail export #%(n)s") % {"n": export.pk},
            actor=actor,
            client_id=filters.client_id,
            language=language,
        )
        export.document = doc
        audited_save(export, actor=actor, reason="Export document queued")
    return export
