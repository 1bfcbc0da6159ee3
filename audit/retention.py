"""Retention, legal holds and disposal (SPEC §5). Re-exported by audit.services.

- A record's retention-until date = its trigger date (from its registry entry) + the rule's years.
  Until then — and indefinitely while the trigger date is empty, and while a legal hold covers it —
  the record cannot be deleted: a pre_delete receiver (connected by `audit.registry.register`)
  refuses model.delete() and queryset.delete() alike, so admin, API and bulk paths are covered.
- The nightly task proposes disposal batches of records past retention and not on hold; a
  compliance officer other than the proposer approves or rejects; approval purges personal data,
  keeps a tombstone and archives a destruction certificate.
"""

from __future__ import annotations

import contextvars
import datetime
import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from advisory.clock import now, today
from advisory.editing import Guard, with_changes
from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.history import audited_save
from advisory.rules import is_compliance_or_admin
from advisory.texts import Reason, Text, stored_reason, stored_reason_within, text

from .models import (
    INSTALLED_RULE_TEXTS,
    AuditAction,
    DisposalBatch,
    DisposalItem,
    DisposalStatus,
    HoldScope,
    ItemState,
    LegalHold,
    RetentionRule,
    retention_floor,
)
from .registry import AuditedModel, lookup, with_retention

logger = logging.getLogger(__name__)

MAX_ITEMS_PER_BATCH = 5000


class RetentionConflict(Conflict):
    """Deleting a record that is still retained or on legal hold."""

    code = "retained"


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → 28 February
        return day.replace(year=day.year + years, day=28)


def _as_date(value: Any) -> datetime.date | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, datetime.date):
        return value
    return None


# The record types a firm starts with, named in the reader's language inside a sentence.
KIND_LABELS = {
    "client_file": gettext_lazy("client-file"),
    "service_record": gettext_lazy("service-record"),
    "complaint": gettext_lazy("complaint"),
}
# The installed rules' triggers as they read inside a sentence, while the rule keeps the trigger
# it was installed with (a firm that retypes its trigger sees its own words).
TRIGGERS_IN_A_SENTENCE = {
    "client_file": gettext_lazy("end of the client relationship"),
    "service_record": gettext_lazy("completion of the service"),
    "complaint": gettext_lazy("closure of the complaint"),
}


def _kind_label(record_type: str) -> Any:
    return KIND_LABELS.get(record_type) or record_type.replace("_", "-")


def rule_text(rule: RetentionRule) -> Text:
    """The "5-year client-file rule", in the reader's language."""
    return text("retention.rule", years=rule.years, kind=_kind_label(rule.record_type))


def rule_label(rule: RetentionRule) -> str:
    return str(rule_text(rule))


def _trigger_label(rule: RetentionRule) -> Any:
    installed = INSTALLED_RULE_TEXTS.get(rule.record_type)
    if installed and rule.trigger == installed[1][0]:
        return TRIGGERS_IN_A_SENTENCE[rule.record_type]
    return rule.trigger.lower()


@dataclass(frozen=True)
class RetentionStatus:
    """What `retention_status(obj)` tells a record page: kept until when, why, and whether held.
    `reason` and `hold_reason` are the sentences in the active language; `reason_text` and
    `hold_text` the same as stored texts (advisory.texts), for what is written down (a disposal
    item's note) and read later in someone else's language."""

    until: datetime.date | None
    reason: str
    held: bool
    applies: bool = True
    rule: RetentionRule | None = None
    trigger_date: datetime.date | None = None
    hold_reason: str = ""
    reason_text: Text | None = None
    hold_text: Text | None = None

    @property
    def deletable(self) -> bool:
        return not self.held and (not self.applies or (self.until is not None and self.until < today()))


def _active_holds_for(record_type: str, record_id: str, client_id: int | None) -> list[LegalHold]:
    q = Q(scope=HoldScope.RECORDS, record_type=record_type)
    if client_id is not None:
        q |= Q(scope=HoldScope.CLIENT, client_id=client_id)
    holds = LegalHold.objects.filter(q, released_at__isnull=True)
    return [
        h for h in holds if h.scope == HoldScope.CLIENT or str(record_id) in [str(i) for i in h.record_ids]
    ]


def retention_status(obj: models.Model) -> RetentionStatus:
    """SPEC §5: the record's retention-until date, the reason, and whether a legal hold covers it."""
    registered = lookup(obj._meta.label_lower)
    client_id = registered.client_of(obj) if registered else None
    holds = _active_holds_for(obj._meta.label_lower, str(obj.pk), client_id)
    held = bool(holds)
    hold_text = text("retention.held", reason=holds[0].reason) if holds else None
    hold = {"hold_reason": str(hold_text) if hold_text else "", "hold_text": hold_text}

    def status(until, why: Text | None, **kw: Any) -> RetentionStatus:
        return RetentionStatus(until, str(why) if why else "", held, reason_text=why, **hold, **kw)

    if registered is None or not registered.retention:
        return status(None, hold_text, applies=False)
    if registered.keep_filter is not None and (
        registered.model._base_manager.filter(registered.keep_filter, pk=obj.pk).exists()
    ):
        return status(None, text("retention.kept", reason=registered.keep_reason))
    rule = RetentionRule.objects.filter(record_type=registered.retention).first()
    if rule is None:
        return status(None, text("retention.no_rule", kind=_kind_label(registered.retention)))
    trigger = _as_date(registered.trigger_value(obj))
    if trigger is None:
        why = text("retention.not_started", rule=rule_text(rule), trigger=_trigger_label(rule))
        return status(None, why, rule=rule)
    until = add_years(trigger, rule.years)
    why = text("retention.until", until=until.isoformat(), rule=rule_text(rule))
    return status(until, why, rule=rule, trigger_date=trigger)


# The client whose file is being disposed of (set by audit.disposal, after it has checked that no
# attached record is held or still within its own period): its records whose own clock never
# started (a draft never completed) go with the file.
_disposing_client: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "disposing_client", default=None
)


def retention_guard_delete(instance: models.Model) -> None:
    """pre_delete receiver body: refuse deleting a retained or held record (SPEC §5)."""
    registered = lookup(instance._meta.label_lower)
    disposing = _disposing_client.get()
    if disposing is not None and registered is not None and registered.client_of(instance) == disposing:
        return
    if registered is not None and registered.working_copy is not None and registered.working_copy(instance):
        return
    status = retention_status(instance)
    if status.held:
        raise RetentionConflict(
            _("%(record)s cannot be deleted. %(reason)s")
            % {"record": f"{instance._meta.verbose_name} {instance.pk}", "reason": status.hold_reason}
        )
    if status.applies and (status.until is None or status.until >= today()):
        raise RetentionConflict(
            _("%(record)s cannot be deleted. %(reason)s.")
            % {"record": f"{instance._meta.verbose_name} {instance.pk}", "reason": status.reason}
        )


def retention_refuse_delete(obj: models.Model) -> None:
    """Why a record that is disposed of only through an approved batch cannot be deleted directly
    (the API's DELETE, the admin): held or retained (RetentionConflict, 409, with the date), or past
    retention (NotAllowed, 403: propose it for disposal, a second person approves). Always raises."""
    status = retention_status(obj)
    label = f"{obj._meta.verbose_name} {obj.pk}"
    if status.held:
        raise RetentionConflict(
            _("%(record)s cannot be deleted. %(reason)s") % {"record": label, "reason": status.hold_reason}
        )
    if status.applies and (status.until is None or status.until >= today()):
        raise RetentionConflict(
            _("%(record)s cannot be deleted. %(reason)s.") % {"record": label, "reason": status.reason}
        )
    if status.until:
        raise NotAllowed(
            _(
                "%(record)s is past its retention period (retained until %(until)s): it is disposed of "
                "only through a disposal batch approved by a second person (Audit archive → Retention)."
            )
            % {"record": label, "until": status.until.isoformat()}
        )
    raise NotAllowed(
        _(
            "%(record)s is past its retention period: it is disposed of only through a disposal batch "
            "approved by a second person (Audit archive → Retention)."
        )
        % {"record": label}
    )


# --- legal holds ---------------------------------------------------------------------------------


def _require_compliance(actor: Any) -> None:
    if not is_compliance_or_admin(actor):
        raise NotAllowed(_("Only compliance officers and administrators manage the audit archive."))


def hold_place(
    *,
    actor: Any,
    scope: str,
    reason: str,
    client_id: int | None = None,
    record_type: str = "",
    record_ids: Sequence[str] = (),
) -> LegalHold:
    """SPEC §5: compliance places a hold on a client or a record set, with a reason."""
    from .services import audit_log

    _require_compliance(actor)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for the hold (e.g. the litigation or inquiry)."), field="reason")
    ids = [str(i).strip() for i in record_ids if str(i).strip()]
    if scope == HoldScope.CLIENT:
        if not client_id:
            raise DomainError(_("Choose the client to hold."), field="client_id")
        record_type, ids = "", []
    elif scope == HoldScope.RECORDS:
        if lookup(record_type) is None:
            raise DomainError(_("Choose a record type from the list."), field="record_type")
        if not ids:
            raise DomainError(_("List the ids of the records to hold."), field="record_ids")
        client_id = None
    else:
        raise DomainError(_("Choose what the hold covers."), field="scope")
    with transaction.atomic():
        hold = LegalHold(
            scope=scope,
            client_id=client_id,
            record_type=record_type,
            record_ids=ids,
            reason=reason,
            placed_by=actor,
            placed_at=now(),
        )
        audited_save(hold, actor=actor, reason=text("audit.legal_hold_placed_reason", reason=reason))
        audit_log(
            actor=actor,
            action=AuditAction.HOLD,
            obj=hold,
            client_id=client_id,
            reason=reason,
            changes={"hold": ["", "placed"], "scope": scope, "record_type": record_type, "record_ids": ids},
        )
    return hold


def hold_release(*, hold: LegalHold, actor: Any, reason: str) -> LegalHold:
    """Releasing a hold is recorded with who, when and why."""
    from .services import audit_log

    _require_compliance(actor)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for releasing the hold."), field="reason")
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if hold.released_at is not None:
            raise Conflict(_("This hold was already released."))
        hold.released_at = now()
        hold.released_by = actor
        hold.release_reason = reason
        audited_save(hold, actor=actor, reason=text("audit.legal_hold_released_reason", reason=reason))
        audit_log(
            actor=actor,
            action=AuditAction.HOLD,
            obj=hold,
            client_id=hold.client_id,
            reason=reason,
            changes={"hold": ["placed", "released"]},
        )
    return hold


def retention_rule_update(
    *,
    rule: RetentionRule,
    actor: Any,
    years: int,
    name: str | None = None,
    trigger: str | None = None,
    description: str | None = None,
    edits: Guard | None = None,
) -> RetentionRule:
    """Change a retention rule (locked and read again; with `edits`, a colleague's change since the
    form was opened is kept, or the save refused when both changed the same field)."""
    _require_compliance(actor)
    with transaction.atomic():
        rule = RetentionRule.objects.select_for_update().get(pk=rule.pk)
        values = with_changes(
            rule,
            {"years": years, "name": name, "trigger": trigger, "description": description},
            edits,
            actor=actor,
        )
        return _retention_rule_write(rule, actor=actor, **values)


def _retention_rule_write(
    rule: RetentionRule,
    *,
    actor: Any,
    years: Any,
    name: str | None,
    trigger: str | None,
    description: str | None,
) -> RetentionRule:
    floor = retention_floor(rule.record_type)
    try:
        years = int(years)
    except (TypeError, ValueError):
        raise DomainError(_("Give the number of years."), field="years") from None
    if years < floor:
        raise DomainError(
            _(
                "At least %(floor)s years: the legal minimum for this record type cannot be lowered "
                "(a rule may only be lengthened)."
            )
            % {"floor": floor},
            field="years",
        )
    if years > 100:
        raise DomainError(_("Years must be at most 100."), field="years")
    rule.years = years
    if name:
        rule.name = name
    if trigger:
        rule.trigger = trigger
    if description is not None:
        rule.description = description
    return audited_save(rule, actor=actor, reason="Retention rule changed")


# --- disposal --------------------------------------------------------------------------------------


def _held_sets() -> tuple[set[int], dict[str, set[str]]]:
    clients: set[int] = set()
    records: dict[str, set[str]] = {}
    for hold in LegalHold.objects.filter(released_at__isnull=True).only(
        "scope", "client_id", "record_type", "record_ids"
    ):
        if hold.scope == HoldScope.CLIENT and hold.client_id is not None:
            clients.add(hold.client_id)
        elif hold.scope == HoldScope.RECORDS:
            records.setdefault(hold.record_type, set()).update(str(i) for i in hold.record_ids)
    return clients, records


def _trigger_is_datetime(reg: AuditedModel) -> bool:
    model = reg.model
    parts = reg.retention_trigger.split(".")
    field = None
    for i, part in enumerate(parts):
        name = part[:-3] if part.endswith("_id") and i < len(parts) - 1 else part
        field = model._meta.get_field(name)
        if field.is_relation and i < len(parts) - 1:
            model = field.related_model
    return isinstance(field, models.DateTimeField)


def _due_records(reg: AuditedModel, rule: RetentionRule, on: datetime.date):
    """(pk, trigger date, client id) of records of `reg` whose retention ended before `on`."""
    cutoff = add_years(on, -rule.years)  # trigger + years < on  ⇔  trigger < on - years
    lookup_ = reg.trigger_lookup
    if _trigger_is_datetime(reg):
        bound = timezone.make_aware(datetime.datetime.combine(cutoff, datetime.time.min))
    else:
        bound = cutoff
    qs = reg.model._base_manager.filter(**{f"{lookup_}__lt": bound, f"{lookup_}__isnull": False})
    if reg.keep_filter is not None:
        qs = qs.exclude(reg.keep_filter)
    fields = ["pk", lookup_] + ([reg.client_lookup] if reg.client_lookup else [])
    for row in qs.order_by("pk").values_list(*fields).iterator(chunk_size=2000):
        trigger = _as_date(row[1])
        until = add_years(trigger, rule.years)
        if until < on:
            yield row[0], trigger, until, (row[2] if len(row) > 2 else None)


def disposal_propose(*, actor: Any | None = None) -> list[DisposalBatch]:
    """SPEC §5: propose disposal of records past retention and not on hold. Idempotent: a record
    is in at most one open batch (a partial unique constraint backs it), and disposed records are
    never proposed again. Safe to run concurrently: the rules are locked while proposing."""
    from .disposal import client_file_blockers
    from .services import audit_log

    if actor is not None:
        _require_compliance(actor)
    on = today()
    held_clients, held_records = _held_sets()
    batches: list[DisposalBatch] = []
    with transaction.atomic():
        rules = {r.record_type: r for r in RetentionRule.objects.select_for_update().order_by("pk")}
        pending: list[DisposalItem] = []
        for reg in with_retention():
            rule = rules.get(reg.retention)
            if rule is None or not reg.retention_trigger:
                continue
            taken = set(
                DisposalItem.objects.filter(
                    record_type=reg.label, state__in=[ItemState.PROPOSED, ItemState.DISPOSED]
                ).values_list("record_id", flat=True)
            )
            for pk, trigger, until, client_id in _due_records(reg, rule, on):
                rid = str(pk)
                if rid in taken or client_id in held_clients or rid in held_records.get(reg.label, ()):
                    continue
                if reg.is_client and client_file_blockers(pk):
                    continue  # a record of the file is held or kept longer: propose it when free
                pending.append(
                    DisposalItem(
                        record_type=reg.label,
                        record_id=rid,
                        client_id=client_id,
                        rule=rule,
                        rule_years=rule.years,
                        trigger_date=trigger,
                        retained_until=until,
                    )
                )
        for start in range(0, len(pending), MAX_ITEMS_PER_BATCH):
            chunk = pending[start : start + MAX_ITEMS_PER_BATCH]
            batch = DisposalBatch(proposed_at=now(), proposed_by=actor)
            audited_save(
                batch,
                actor=actor,
                reason=text("audit.disposal_proposed_len_records_past_retention", len=len(chunk)),
            )
            for item in chunk:
                item.batch = batch
            try:
                with transaction.atomic():
                    DisposalItem.objects.bulk_create(chunk)
            except IntegrityError:  # another proposer took some of these records meanwhile
                raise Conflict(_("Another disposal proposal is running; try again in a minute.")) from None
            audit_log(
                actor=actor,
                action=AuditAction.DISPOSAL,
                obj=batch,
                reason="Disposal proposed",
                changes={"status": [None, "pending"], "items": len(chunk)},
            )
            batches.append(batch)
    logger.info("disposal proposal: %s batches, %s records", len(batches), len(pending))
    return batches


def _claim_review(batch: DisposalBatch, actor: Any) -> DisposalBatch:
    _require_compliance(actor)
    batch = DisposalBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != DisposalStatus.PENDING:
        raise Conflict(
            _("This batch was already %(status)s.") % {"status": batch.get_status_display().lower()}
        )
    if batch.proposed_by_id is not None and batch.proposed_by_id == actor.pk:
        raise NotAllowed(_("Four-eyes rule: a batch must be reviewed by someone other than its proposer."))
    return batch


def _snapshot_hash(obj: models.Model) -> str:
    values = {f.attname: getattr(obj, f.attname, None) for f in obj._meta.concrete_fields}
    payload = json.dumps(values, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def archived_document_purge(document: models.Model) -> None:
    """Disposal of a generated PDF or export: the file is removed from storage (storage API) and
    the title and parameters, which may name the client, are blanked; the row keeps kind, subject,
    version and SHA-256 as a record that the document existed."""
    from .disposal import DISPOSED, remove_files

    remove_files(document)
    type(document)._base_manager.filter(pk=document.pk).update(file="", title=DISPOSED, params={}, error="")


def _dispose_one(item: DisposalItem, actor: Any, reason: Reason) -> None:
    from .disposal import client_file_blockers, dispose_client_file, dispose_record
    from .services import audit_redact

    reg = lookup(item.record_type)
    if reg is None:
        item.state, item.note = ItemState.SKIPPED, stored_reason(text("retention.type_gone"))
        return
    # locked: a record changed while it is disposed of (a complaint reopened, say) is checked and
    # disposed of as it is after that change, never saved back from an older copy
    obj = reg.model._base_manager.select_for_update(of=("self",)).filter(pk=item.record_id).first()
    if obj is None:
        item.state, item.method, item.disposed_at = ItemState.DISPOSED, "already gone", now()
        audit_redact(record_type=item.record_type, record_ids=[item.record_id], actor=actor, reason=reason)
        return
    status = retention_status(obj)
    if status.held:
        item.state, item.note = ItemState.SKIPPED, stored_reason_within(status.hold_text, 200)
        return
    if status.until is None or status.until >= today():
        item.state, item.note = ItemState.SKIPPED, stored_reason_within(status.reason_text, 200)
        return
    item.content_hash = _snapshot_hash(obj)
    if reg.is_client:
        blockers = client_file_blockers(obj.pk)
        if blockers:
            item.state, item.note, item.content_hash = (
                ItemState.SKIPPED,
                stored_reason_within(blockers[0], 200),
                "",
            )
            return
        dispose_client_file(reg, obj, actor=actor, reason=reason)
        item.method = "client file"
    else:
        item.method = dispose_record(reg, obj, actor=actor, reason=reason)
    item.state, item.disposed_at = ItemState.DISPOSED, now()


def manifest_hash(items: Sequence[DisposalItem]) -> str:
    lines = [
        f"{i.record_type}|{i.record_id}|{i.rule_id}|{i.rule_years}|{i.trigger_date}|{i.retained_until}|"
        f"{i.state}|{i.method}|{i.content_hash}"
        for i in items
    ]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


CERTIFICATE_KIND = "audit.destruction_certificate"


def disposal_approve(
    *, batch: DisposalBatch, actor: Any, note: str = "", language: str | None = None
) -> DisposalBatch:
    """SPEC §5: approval by a compliance officer other than the proposer. The decision is recorded
    here; the disposal itself runs in the worker (`disposal_execute_task`), record by record, each
    in its own transaction, and the batch screen shows its progress. The destruction certificate
    is written in `language` (default: the approver's, i.e. the active one)."""
    from advisory.documents import document_language

    from .services import audit_log
    from .tasks import disposal_execute_task

    with transaction.atomic():
        batch = _claim_review(batch, actor)
        batch.status = DisposalStatus.DISPOSING
        batch.reviewed_by = actor
        batch.reviewed_at = now()
        batch.review_note = note
        batch.certificate_language = document_language(language)
        audited_save(batch, actor=actor, reason=text("audit.disposal_batch_pk_approved", pk=batch.pk))
        audit_log(
            actor=actor,
            action=AuditAction.DISPOSAL,
            obj=batch,
            reason=note or text("audit.disposal_batch_pk_approved", pk=batch.pk),
            changes={"status": ["pending", "disposing"]},
        )
        batch_id = batch.pk
        transaction.on_commit(lambda: disposal_execute_task.delay(batch_id))
    return batch


def disposal_claim_next(*, batch_id: int) -> DisposalItem | None:
    """Claim the next open item of a batch: row lock, skipping items another worker holds. Call
    inside a transaction; the lock lasts until it ends."""
    return (
        DisposalItem.objects.select_for_update(skip_locked=True)
        .filter(batch_id=batch_id, state=ItemState.PROPOSED)
        .order_by("pk")
        .first()
    )


def disposal_execute(*, batch_id: int, limit: int | None = None) -> int:
    """Dispose of the open items of an approved batch; returns how many were processed.

    Resumable and safe to run twice or concurrently: each item is claimed (row lock, skip locked)
    and disposed in its own transaction, together with its state change — a worker killed half-way
    leaves that record untouched and still open, and a rerun picks up exactly the open items.
    The batch is completed (manifest, certificate) once no item is open."""
    from advisory.documents import document_language

    batch = DisposalBatch.objects.filter(pk=batch_id).first()
    if batch is None or batch.status != DisposalStatus.DISPOSING:
        return 0
    actor = batch.reviewed_by
    reason = text("audit.disposal_batch_pk_approved", pk=batch.pk)
    # why a record was skipped is read on the batch page and in the certificate: written in the
    # language the approver chose for it, not the worker's
    language = document_language(batch.certificate_language or None)
    done = 0
    while limit is None or done < limit:
        with transaction.atomic():
            item = disposal_claim_next(batch_id=batch_id)
            if item is None:
                break
            try:
                with transaction.atomic(), translation.override(language):
                    _dispose_one(item, actor, reason)
            except Conflict as exc:  # e.g. a cascade would delete another retained record
                item.state, item.note, item.method, item.content_hash = (
                    ItemState.SKIPPED,
                    exc.message[:200],
                    "",
                    "",
                )
            except (ProtectedError, RestrictedError, IntegrityError) as exc:  # still referenced
                item.state, item.method, item.content_hash = ItemState.SKIPPED, "", ""
                item.note = stored_reason_within(text("retention.still_referenced", detail=str(exc)), 200)
            item.save()
        done += 1
    disposal_complete(batch_id=batch_id)
    logger.info("disposal batch %s: %s records processed", batch_id, done)
    return done


def disposal_complete(*, batch_id: int) -> DisposalBatch | None:
    """Close a batch whose items are all processed: manifest SHA-256, destruction certificate,
    final audit entry. Does nothing while items are open or if it is already closed."""
    from advisory.documents import document_request

    from .services import audit_log

    with transaction.atomic():
        batch = DisposalBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None or batch.status != DisposalStatus.DISPOSING:
            return batch
        if batch.items.filter(state=ItemState.PROPOSED).exists():
            return batch
        actor = batch.reviewed_by
        reason = text("audit.disposal_batch_pk_approved", pk=batch.pk)
        items = list(batch.items.order_by("pk"))
        batch.status = DisposalStatus.APPROVED
        batch.manifest_hash = manifest_hash(items)
        audited_save(batch, actor=actor, reason=reason)
        disposed = sum(1 for i in items if i.state == ItemState.DISPOSED)
        doc = document_request(
            kind=CERTIFICATE_KIND,
            subject=batch,
            title=lambda: _("Destruction certificate — disposal batch #%(n)s") % {"n": batch.pk},
            actor=actor,
            language=batch.certificate_language or None,
        )
        batch.certificate = doc
        audited_save(batch, actor=actor, reason="Destruction certificate requested")
        audit_log(
            actor=actor,
            action=AuditAction.DISPOSAL,
            obj=batch,
            reason=batch.review_note or reason,
            changes={
                "status": ["disposing", "approved"],
                "disposed": disposed,
                "skipped": len(items) - disposed,
                "manifest_hash": batch.manifest_hash,
            },
        )
    return batch


def disposal_progress(batch: DisposalBatch) -> dict[str, int]:
    """Counts for the progress bar of the batch screen."""
    counts = dict(batch.items.values_list("state").annotate(n=models.Count("pk")).values_list("state", "n"))
    total = sum(counts.values())
    open_ = counts.get(ItemState.PROPOSED, 0)
    processed = total - open_
    return {
        "total": total,
        "processed": processed,
        "disposed": counts.get(ItemState.DISPOSED, 0),
        "skipped": counts.get(ItemState.SKIPPED, 0),
        "percent": int(processed * 100 / total) if total else 100,
    }


def disposal_reject(*, batch: DisposalBatch, actor: Any, note: str) -> DisposalBatch:
    """Rejecting releases the records (they may be proposed again later); nothing is disposed."""
    from .services import audit_log

    if not (note or "").strip():
        raise DomainError(_("Say why the batch is rejected."), field="note")
    with transaction.atomic():
        batch = _claim_review(batch, actor)
        for item in batch.items.filter(state=ItemState.PROPOSED):
            item.state = ItemState.RELEASED
            item.save(update_fields=["state"])
        batch.status = DisposalStatus.REJECTED
        batch.reviewed_by = actor
        batch.reviewed_at = now()
        batch.review_note = note
        audited_save(batch, actor=actor, reason=text("audit.disposal_batch_pk_rejected", pk=batch.pk))
        audit_log(
            actor=actor,
            action=AuditAction.DISPOSAL,
            obj=batch,
            reason=note,
            changes={"status": ["pending", "rejected"]},
        )
    return batch
