"""Disposal of one record, and of a whole client file with everything attached (SPEC §5).

`dispose_record` applies a record's registered method: `purge` (the owning app's anonymiser),
else blank `personal_fields`, else delete. Files the record holds are removed from storage through
the storage API, and its history rows are blanked or deleted with it (history tables hold
personal data too). The audit entries about it keep their hashes; their content is blanked.

`dispose_client_file` does that for every registered record attached to the client (children
before the records they point to), then for the platform's own artefacts that name the client
(generated documents, notifications, warnings), then calls the client model's purge (which also
anonymises the portal login and its sign-in traces), and finally redacts every audit entry that
carries the client id. It runs inside the caller's transaction: either all of it happens or none.

The audit app never imports the business apps: everything here goes through the registry.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import models
from django.db.models import Q

from advisory.clock import today
from advisory.history import audited_delete, audited_save
from advisory.texts import Joined, Reason, Text, text

from .models import AuditAction, AuditEntry
from .registry import AuditedModel, registered

logger = logging.getLogger(__name__)

DISPOSED = "[disposed]"


def blank_value(field: models.Field) -> Any:
    if field.null:
        return None
    if isinstance(field, (models.CharField, models.TextField)):
        return ""
    if isinstance(field, models.JSONField):
        return {} if field.default is dict else []
    return field.get_default()


def remove_files(obj: models.Model) -> int:
    """Delete the files of every FileField of `obj` from storage (not the row)."""
    removed = 0
    for field in obj._meta.concrete_fields:
        if isinstance(field, models.FileField):
            file = getattr(obj, field.attname)
            if file and file.name:
                file.storage.delete(file.name)
                removed += 1
    return removed


def _history_of(model: type[models.Model]):
    history = getattr(model, "history", None)
    return history if history is not None and hasattr(history, "model") else None


def blank_history(model: type[models.Model], pk: Any, blanks: dict[str, Any]) -> int:
    """Blank personal fields in every history row of one record."""
    history = _history_of(model)
    if history is None or not blanks:
        return 0
    hist_fields = {f.attname for f in history.model._meta.concrete_fields}
    values = {k: v for k, v in blanks.items() if k in hist_fields}
    if not values:
        return 0
    return history.model._base_manager.filter(**{model._meta.pk.attname: pk}).update(**values)


def delete_history(model: type[models.Model], pk: Any) -> int:
    history = _history_of(model)
    if history is None:
        return 0
    # File paths in history rows name the uploaded file; the row goes with the record, and so do
    # the many-to-many link rows simple-history keeps per history row (m2m_fields).
    rows = history.model._base_manager.filter(**{model._meta.pk.attname: pk})
    for rel in history.model._meta.related_objects:
        if rel.field.name == "history" and not rel.many_to_many:
            rel.related_model._base_manager.filter(history__in=rows.values("pk")).delete()
    return rows.delete()[0]


def dispose_record(reg: AuditedModel, obj: models.Model, *, actor: Any, reason: Reason) -> str:
    """Dispose of one record by its registered method; returns the method. Call in a transaction.

    The record's entries are redacted before its history rows are blanked or deleted: the history
    tables' database trigger lets a history row change only once its chained entry is redacted
    (audit.protection); the redaction is repeated at the end for the entries the purge wrote."""
    from .services import audit_redact

    pk = obj.pk
    if reg.purge is not None:
        reg.purge(obj)
        audit_redact(record_type=reg.label, record_ids=[str(pk)], actor=actor, reason=reason)
        if reg.personal_fields:
            fields = [reg.model._meta.get_field(n) for n in reg.personal_fields]
            blanks = {f.attname: blank_value(f) for f in fields}
            blank_history(reg.model, pk, blanks)
        method = "purged"
    elif reg.personal_fields:
        blanks = {}
        for name in reg.personal_fields:
            f = reg.model._meta.get_field(name)
            blanks[f.attname] = blank_value(f)
            setattr(obj, f.attname, blanks[f.attname])
        audited_save(obj, actor=actor, reason=reason)
        audit_redact(record_type=reg.label, record_ids=[str(pk)], actor=actor, reason=reason)
        blank_history(reg.model, pk, blanks)
        method = "anonymised"
    else:
        remove_files(obj)
        audited_delete(obj, actor=actor, reason=reason)
        audit_redact(record_type=reg.label, record_ids=[str(pk)], actor=actor, reason=reason)
        delete_history(reg.model, pk)
        method = "deleted"
    audit_redact(record_type=reg.label, record_ids=[str(pk)], actor=actor, reason=reason)
    return method


# --- whole client file ------------------------------------------------------------------------------


def attached_registrations() -> list[AuditedModel]:
    """Registered models with a retention rule that belong to a client, ordered so that a model
    comes before every model it points to (children first: lines before proposals)."""
    regs = [r for r in registered().values() if r.retention and r.client_lookup and not r.is_client]
    by_model = {r.model: r for r in regs}
    deps: dict[type[models.Model], set[type[models.Model]]] = {r.model: set() for r in regs}
    for r in regs:
        for f in r.model._meta.concrete_fields:
            target = getattr(f, "related_model", None)
            if f.is_relation and target in by_model and target is not r.model:
                deps[target].add(r.model)  # r must go before target
    ordered: list[AuditedModel] = []
    done: set[type[models.Model]] = set()

    def visit(model: type[models.Model], path: tuple = ()) -> None:
        if model in done or model in path:
            return
        for child in sorted(deps[model], key=lambda m: m._meta.label_lower):
            visit(child, (*path, model))
        done.add(model)
        ordered.append(by_model[model])

    for r in sorted(regs, key=lambda r: r.label):
        visit(r.model)
    return ordered


def client_records(client_id: int) -> list[tuple[AuditedModel, models.Model]]:
    out = []
    for reg in attached_registrations():
        qs = reg.model._base_manager.filter(**{reg.client_lookup: client_id}).order_by("pk")
        out.extend((reg, obj) for obj in qs)
    return out


def client_file_blockers(client_id: int) -> list[Text]:
    """Why the client file cannot be disposed of yet: an attached record on hold, or still within
    its own retention period (e.g. a complaint closed after the relationship ended). Records whose
    own clock never started (a draft never completed) follow the client file."""
    from .retention import retention_status

    reasons = []
    for _reg, obj in client_records(client_id):
        status = retention_status(obj)
        label = Joined([obj._meta.verbose_name, str(obj.pk)], separator=" ")
        if status.held:
            reasons.append(text("retention.blocked_by", record=label, reason=status.hold_text))
        elif status.until is not None and status.until >= today():
            reasons.append(text("retention.blocked_by", record=label, reason=status.reason_text))
    return reasons


def _redact_where(q: Q, *, record_type: str, record_ids: list[str], actor: Any, reason: Reason) -> int:
    """Blank the content of the entries matching `q` (hashes stay) and record it in the chain."""
    from .sequencer import chain_batch
    from .services import audit_log, entries_blank

    chain_batch(wait=True, limit=10**9)  # entries not chained yet get their sequence first
    found = list(
        AuditEntry.objects.filter(q, redacted=False, sequence__isnull=False)
        .exclude(action=AuditAction.REDACTION)
        .values_list("id", "occurred_at", "sequence")
    )
    if not found:
        return 0
    sequences = [seq for _pk, _at, seq in found]
    entries_blank(found)  # month by month: each UPDATE touches one partition (audit.protection allows it)
    audit_log(
        actor=actor,
        action=AuditAction.REDACTION,
        record_type=record_type,
        record_id=record_ids[0] if len(record_ids) == 1 else "",
        reason=reason,
        changes={"record_ids": record_ids, "redacted_sequences": sequences},
    )
    return len(sequences)


def redact_user_sign_ins(*, user_id: int, usernames: list[str], actor: Any, reason: Reason) -> int:
    """Blank the trail's content about a portal login: its own entries and failed sign-ins that
    recorded the user name typed."""
    q = Q(record_type="advisory.user", record_id=str(user_id))
    names = [n for n in usernames if n]
    if names:
        q |= Q(action=AuditAction.LOGIN_FAILED, record_label__in=names)
    return _redact_where(
        q, record_type="advisory.user", record_ids=[str(user_id)], actor=actor, reason=reason
    )


def _core_artefacts(client: models.Model, names: list[str], actor: Any, reason: Reason) -> None:
    """Notifications and warnings that name the client (generated documents are registered)."""
    from django.db.models import TextField
    from django.db.models.functions import Cast

    from advisory.models import Notification, RiskWarning

    q = Q(url__contains=f"/clients/{client.pk}/")
    for name in names:
        if name:
            q |= Q(subject__contains=name) | Q(body__contains=name)
            q |= Q(subject_params_text__contains=name) | Q(body_params_text__contains=name)
    if getattr(client, "user_id", None):
        q |= Q(recipient_id=client.user_id)
    Notification.objects.annotate(
        subject_params_text=Cast("subject_params", TextField()),
        body_params_text=Cast("body_params", TextField()),
    ).filter(q).delete()
    wq = Q(client_id=client.pk)
    for name in names:
        if name:
            wq |= Q(message__contains=name) | Q(message_params_text__contains=name)
    RiskWarning.objects.annotate(message_params_text=Cast("message_params", TextField())).filter(wq).delete()


def dispose_client_file(
    reg: AuditedModel, client: models.Model, *, actor: Any, reason: Reason
) -> dict[str, int]:
    """Dispose of a client file and everything attached (SPEC §5). Call inside a transaction,
    after checking `client_file_blockers`. Returns counts per record type."""
    from .retention import _disposing_client
    from .services import audit_redact

    token = _disposing_client.set(client.pk)
    try:
        return _dispose_client_file(reg, client, actor=actor, reason=reason, audit_redact=audit_redact)
    finally:
        _disposing_client.reset(token)


def _dispose_client_file(
    reg: AuditedModel, client: models.Model, *, actor: Any, reason: Reason, audit_redact
) -> dict[str, int]:
    counts: dict[str, int] = {}
    names = [str(getattr(client, "name", "") or ""), str(getattr(client, "email", "") or "")]
    for rec_reg, obj in client_records(client.pk):
        if not rec_reg.model._base_manager.filter(pk=obj.pk).exists():
            continue  # gone with a parent's cascade
        dispose_record(rec_reg, obj, actor=actor, reason=reason)
        counts[rec_reg.label] = counts.get(rec_reg.label, 0) + 1
    _core_artefacts(client, names, actor, reason)
    dispose_record(reg, client, actor=actor, reason=reason)
    counts[reg.label] = 1
    # Every other entry that carries the client id (non-field events, reveals, exports …).
    _redact_where(
        Q(client_id=client.pk), record_type=reg.label, record_ids=[str(client.pk)], actor=actor, reason=reason
    )
    audit_redact(record_type=reg.label, record_ids=[str(client.pk)], actor=actor, reason=reason)
    logger.info("client file %s disposed: %s", client.pk, counts)
    return counts
