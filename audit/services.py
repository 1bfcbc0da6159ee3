"""Writing the audit trail (SPEC §5). Every entry is appended to a SHA-256 chain: its hash covers
its content and the previous entry's hash, and sequence numbers have no gaps."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import models, transaction

from advisory import request_context
from advisory.clock import now

from .models import AuditAction, AuditChainHead, AuditEntry
from .registry import lookup

GENESIS = "0" * 64


def _canonical(entry: AuditEntry) -> bytes:
    payload = {
        "sequence": entry.sequence,
        "occurred_at": entry.occurred_at.isoformat(),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "record_type": entry.record_type,
        "record_id": entry.record_id,
        "record_label": entry.record_label,
        "client_id": entry.client_id,
        "reason": entry.reason,
        "changes": entry.changes,
        "ip_address": entry.ip_address,
        "user_agent": entry.user_agent,
        "history_id": entry.history_id,
    }
    return json.dumps(
        payload, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":")
    ).encode()


def entry_hash(entry: AuditEntry, prev_hash: str) -> str:
    return hashlib.sha256(prev_hash.encode() + _canonical(entry)).hexdigest()


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


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
    so concurrent writers are serialised and the chain has no forks or gaps."""
    if obj is not None:
        record_type = record_type or obj._meta.label_lower
        record_id = record_id or str(obj.pk)
        record_label = record_label or str(obj)[:200]
        if client_id is None:
            registered = lookup(obj._meta.label_lower)
            if registered is not None:
                client_id = registered.client_of(obj)
    info = request_context.current()
    actor_obj = actor if (actor is not None and getattr(actor, "pk", None)) else None
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        entry = AuditEntry(
            sequence=head.sequence + 1,
            occurred_at=now(),
            actor=actor_obj,
            actor_label=(getattr(actor_obj, "email", "") or "system")[:254],
            action=action,
            record_type=record_type,
            record_id=str(record_id)[:64],
            record_label=record_label[:200],
            client_id=client_id,
            reason=reason or "",
            changes=_jsonable(changes or {}),
            ip_address=info.ip_address if info else None,
            user_agent=info.user_agent if info else "",
            history_id=history_id,
            prev_hash=head.last_hash,
        )
        entry.hash = entry_hash(entry, head.last_hash)
        entry.save(force_insert=True)
        AuditChainHead.objects.filter(id=1).update(sequence=entry.sequence, last_hash=entry.hash)
    return entry


HISTORY_ACTIONS = {"+": AuditAction.CREATE, "~": AuditAction.UPDATE, "-": AuditAction.DELETE}


def audit_history_record(*, instance: models.Model, history_instance: Any) -> AuditEntry:
    """Mirror one django-simple-history row into the chain, with the field changes old → new."""
    changes: dict[str, list] = {}
    prev = history_instance.prev_record if history_instance.history_type == "~" else None
    if prev is not None:
        delta = history_instance.diff_against(prev)
        changes = {c.field: [c.old, c.new] for c in delta.changes}
    elif history_instance.history_type == "+":
        changes = {
            f.attname: [None, getattr(history_instance, f.attname, None)]
            for f in history_instance.instance_type._meta.concrete_fields
            if hasattr(history_instance, f.attname)
        }
    return audit_log(
        actor=history_instance.history_user,
        action=HISTORY_ACTIONS.get(history_instance.history_type, AuditAction.OTHER),
        obj=instance,
        reason=history_instance.history_change_reason or "",
        changes=changes,
        history_id=history_instance.pk,
    )
