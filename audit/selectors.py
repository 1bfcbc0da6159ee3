"""Reads for the compliance screens and API (SPEC §5). Every list is keyset-paginated by
sequence (no COUNT(*) over the trail) and costs a fixed number of queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from django.core.cache import cache
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from advisory.errors import NotAllowed, NotFound
from advisory.rules import is_compliance_or_admin

from .labels import label_in
from .models import AuditAction, AuditEntry, DisposalBatch, DisposalStatus, LegalHold, RetentionRule
from .registry import lookup, registered
from .retention import RetentionStatus, retention_status  # noqa: F401  (public selector)

PAGE_SIZE = 50
UNCHAINED_NEXT = 2**62  # "older than every entry not chained yet": the chain from its head
VERIFY_CACHE_KEY = "audit:last_verify"


def _require(user: Any) -> None:
    if not is_compliance_or_admin(user):
        raise NotAllowed(_("Only compliance officers and administrators can use the audit archive."))


@dataclass(frozen=True)
class EntryFilters:
    client_id: int | None = None
    actor_id: int | None = None
    record_type: str = ""
    record_id: str = ""
    action: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None

    def as_params(self) -> dict:
        out: dict[str, str] = {}
        for key in ("client_id", "actor_id", "record_type", "record_id", "action", "date_from", "date_to"):
            value = getattr(self, key)
            if value not in (None, ""):
                out[key] = value.isoformat() if isinstance(value, datetime.date) else str(value)
        return out


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def client_matches(text: str, *, limit: int = 20) -> list[tuple[int, str]]:
    """Clients whose recorded label (name and file number, as the trail recorded them) contains
    `text`: [(client id, latest label)]. Uses the model registered with `is_client=True`, so the
    archive needs no knowledge of the clients app."""
    client_types = [label for label, reg in registered().items() if reg.is_client]
    if not client_types or not text.strip():
        return []
    rows = (
        AuditEntry.objects.filter(record_type__in=client_types, record_label__icontains=text.strip())
        .order_by("-sequence")
        .values_list("record_id", "record_label")[:500]
    )
    found: dict[int, str] = {}
    for record_id, label in rows:
        if record_id.isdigit() and int(record_id) not in found:
            found[int(record_id)] = label_in(label)
        if len(found) >= limit:
            break
    return list(found.items())


def audit_entry_list(*, user: Any, filters: EntryFilters | None = None) -> QuerySet[AuditEntry]:
    """The trail, newest first, filtered; only compliance and administrators."""
    _require(user)
    f = filters or EntryFilters()
    # newest first: entries awaiting the sequencer (no sequence yet) on top, then the chain
    # (actor_label is recorded: no join needed)
    qs = AuditEntry.objects.order_by(models.F("sequence").desc(nulls_first=True), "-id")
    if f.client_id is not None:
        qs = qs.filter(client_id=f.client_id)
    if f.actor_id is not None:
        qs = qs.filter(actor_id=f.actor_id)
    if f.record_type:
        qs = qs.filter(record_type=f.record_type)
    if f.record_id:
        qs = qs.filter(record_id=f.record_id)
    if f.action:
        qs = qs.filter(action=f.action)
    if f.date_from:
        qs = qs.filter(occurred_at__gte=_day_start(f.date_from))
    if f.date_to:
        qs = qs.filter(occurred_at__lt=_day_start(f.date_to + datetime.timedelta(days=1)))
    return qs


def default_date_from() -> datetime.date:
    """The trail browser opens on this month and the last (firm calendar): on PostgreSQL the
    listing then reads two or three monthly partitions, not the whole archive (audit.partitions).
    The filter is shown; clearing it searches everything."""
    from advisory.clock import today

    return (today().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


@dataclass
class KeysetPage:
    rows: list
    has_next: bool
    next_before: int | None
    before: int | None


def keyset_page(qs: QuerySet[AuditEntry], *, before: int | None, size: int = PAGE_SIZE) -> KeysetPage:
    """One page of entries with sequence < `before` (newest first); no COUNT(*)."""
    if before is not None:
        qs = qs.filter(sequence__lt=before)
    rows = list(qs[: size + 1])
    has_next = len(rows) > size
    rows = rows[:size]
    labels = dict(AuditAction.choices)
    for row in rows:  # cheaper than get_action_display() per row in the template
        row.action_label = labels.get(row.action, row.action)
    next_before = None
    if has_next:
        # a page that ends among entries awaiting chaining continues with the whole chain
        next_before = rows[-1].sequence if rows[-1].sequence is not None else UNCHAINED_NEXT
    return KeysetPage(rows=rows, has_next=has_next, next_before=next_before, before=before)


def audit_entry_get(*, user: Any, sequence: int) -> AuditEntry:
    _require(user)
    entry = AuditEntry.objects.select_related("actor").filter(sequence=sequence).first()
    if entry is None:
        raise NotFound(_("No audit entry with this number."))
    return entry


def entry_diff(entry: AuditEntry) -> list[dict]:
    """Rows of (field, old, new) for the diff view; scalar changes (not [old, new]) as `new`."""
    out = []
    for name, value in sorted((entry.changes or {}).items()):
        if isinstance(value, list) and len(value) == 2:
            old, new = value
        else:
            old, new = None, value
        out.append({"field": name, "old": old, "new": new, "changed": old != new})
    return out


def record_types() -> list[tuple[str, str]]:
    return sorted((label, capfirst(reg.model._meta.verbose_name)) for label, reg in registered().items())


def action_choices() -> list[tuple[str, str]]:
    return list(AuditAction.choices)


# --- point in time -------------------------------------------------------------------------------


@dataclass
class PointInTime:
    record_type: str
    record_id: str
    at: datetime.datetime
    exists: bool
    fields: list[dict]
    history_date: datetime.datetime | None = None
    history_user: str = ""
    history_reason: str = ""
    note: str = ""
    children: list[dict] = dc_field(default_factory=list)
    can_reveal: bool = False


def mask_value(value: Any) -> str:
    """How an encrypted value is shown until revealed: its last characters only."""
    text = str(value)
    return "•" * max(len(text) - 4, 4) + text[-4:] if len(text) > 6 else "•" * len(text)


def _history_row(model: type[models.Model], record_id: str, at: datetime.datetime):
    pk_name = model._meta.pk.attname
    return (
        model.history.filter(**{pk_name: record_id}, history_date__lte=at)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
        .first()
    )


def _row_fields(model: type[models.Model], row: Any, secret: set[str]) -> list[dict]:
    fields = []
    for f in model._meta.concrete_fields:
        if not hasattr(row, f.attname):
            continue
        value = getattr(row, f.attname)
        encrypted = f.name in secret and value not in (None, "")
        if encrypted:
            value = mask_value(value)
        elif f.choices and value is not None:
            value = dict(f.flatchoices).get(value, value)
        fields.append({"name": f.name, "label": str(f.verbose_name), "value": value, "encrypted": encrypted})
    for m2m in model._meta.many_to_many:  # captured by simple-history's m2m_fields
        through = getattr(row, m2m.name, None)
        if through is None or not hasattr(through, "all"):
            continue
        target = m2m.related_model._meta.model_name
        ids = sorted(getattr(r, f"{target}_id", None) for r in through.all())
        fields.append({"name": m2m.name, "label": str(m2m.verbose_name), "value": ids, "encrypted": False})
    return fields


def _children_as_of(model: type[models.Model], record_id: str, at: datetime.datetime) -> list[dict]:
    """Records that are part of this one (a CASCADE foreign key, e.g. a proposal's lines) as they
    stood at `at`, each rebuilt from its own history rows."""
    from .services import _encrypted_fields

    out = []
    for rel in model._meta.related_objects:
        child = rel.related_model
        if rel.many_to_many or rel.on_delete is not models.CASCADE or not hasattr(child, "history"):
            continue
        if not hasattr(child.history, "model"):
            continue
        fk = rel.field.attname
        rows = (
            child.history.filter(**{fk: record_id}, history_date__lte=at)
            .order_by(child._meta.pk.attname, "-history_date", "-history_id")
            .distinct(child._meta.pk.attname)
            if _postgres()
            else None
        )
        if rows is None:  # SQLite: latest row per child in Python
            latest: dict = {}
            for r in child.history.filter(**{fk: record_id}, history_date__lte=at).order_by(
                "history_date", "history_id"
            ):
                latest[getattr(r, child._meta.pk.attname)] = r
            rows = list(latest.values())
        secret = _encrypted_fields(child)
        items = [
            {"id": getattr(r, child._meta.pk.attname), "fields": _row_fields(child, r, secret)}
            for r in rows
            if r.history_type != "-"
        ]
        out.append(
            {
                "label": str(child._meta.verbose_name_plural),
                "record_type": child._meta.label_lower,
                "items": items,
            }
        )
    return out


def _postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def _live_or_historical(model: type[models.Model], record_id: str, row: Any) -> models.Model:
    obj = model._base_manager.filter(pk=record_id).first()
    return obj if obj is not None else row.instance


def can_reveal_as_of(user: Any, reg: Any, obj: models.Model) -> bool:
    """The same rule as the record's own reveal (e.g. clients.reveal_client)."""
    from advisory.rules import can

    return bool(reg.reveal_perm) and can(user, reg.reveal_perm, obj)


def record_as_of(*, user: Any, record_type: str, record_id: str, at: datetime.datetime) -> PointInTime:
    """SPEC §5 (SEC 17a-4 audit-trail alternative): the record as it stood at `at`, rebuilt from
    its django-simple-history rows, with its parts (a proposal's lines) and its many-to-many links.
    Encrypted fields are shown masked; those allowed to reveal them may do so, one at a time,
    each reveal recorded (`audit.services.as_of_reveal`)."""
    _require(user)
    reg = lookup(record_type)
    if reg is None or not hasattr(reg.model, "history"):
        raise NotFound(_("This record type has no history."))
    from .services import _encrypted_fields

    model = reg.model
    pk_name = model._meta.pk.attname
    row = _history_row(model, record_id, at)
    if row is None:
        exists_later = model.history.filter(**{pk_name: record_id}).exists()
        if not exists_later:
            raise NotFound(_("No history for this record (wrong id, or disposed of)."))
        return PointInTime(
            record_type, record_id, at, False, [], note=_("The record did not exist yet at that time.")
        )
    if row.history_type == "-":
        return PointInTime(
            record_type,
            record_id,
            at,
            False,
            [],
            history_date=row.history_date,
            note=_("The record had been deleted."),
        )
    fields = _row_fields(model, row, _encrypted_fields(model))
    return PointInTime(
        record_type,
        record_id,
        at,
        True,
        fields,
        history_date=row.history_date,
        history_user=str(row.history_user) if row.history_user_id else "system",
        history_reason=row.history_change_reason or "",
        children=_children_as_of(model, record_id, at),
        can_reveal=any(f["encrypted"] for f in fields)
        and can_reveal_as_of(user, reg, _live_or_historical(model, record_id, row)),
    )


# --- retention, holds, disposal ---------------------------------------------------------------------


def retention_rule_list(*, user: Any) -> QuerySet[RetentionRule]:
    _require(user)
    return RetentionRule.objects.order_by("record_type")


def hold_list(*, user: Any, active: bool | None = None) -> QuerySet[LegalHold]:
    _require(user)
    qs = LegalHold.objects.select_related("placed_by", "released_by").order_by("-placed_at", "-id")
    if active is True:
        qs = qs.filter(released_at__isnull=True)
    elif active is False:
        qs = qs.filter(released_at__isnull=False)
    return qs


def disposal_batch_list(*, user: Any, status: str = "") -> QuerySet[DisposalBatch]:
    _require(user)
    qs = (
        DisposalBatch.objects.select_related("proposed_by", "reviewed_by", "certificate")
        .annotate(item_count=models.Count("items"))
        .order_by("-proposed_at", "-id")
    )
    if status:
        qs = qs.filter(status=status)
    return qs


def disposal_batch_get(*, user: Any, pk: int) -> DisposalBatch:
    batch = disposal_batch_list(user=user).filter(pk=pk).first()
    if batch is None:
        raise NotFound(_("No such disposal batch."))
    return batch


def last_verification() -> dict | None:
    return cache.get(VERIFY_CACHE_KEY)


def verification_list(*, user: Any, limit: int = 20) -> Any:
    """The latest verification runs (kind, range, checkpoint, outcome), newest first."""
    from .models import AuditVerification

    _require(user)
    return AuditVerification.objects.select_related("actor").order_by("-started_at", "-id")[:limit]


def checkpoint_list(*, user: Any, limit: int = 20) -> Any:
    """The latest signed checkpoints as mirrored in the database (the files are the evidence)."""
    from .models import AuditCheckpoint

    _require(user)
    return AuditCheckpoint.objects.order_by("-sequence", "-signed_at")[:limit]


def panel_counts() -> dict:
    """Pending disposal batches and active holds in one query."""
    from django.db.models import Count, Q

    pending = DisposalBatch.objects.aggregate(n=Count("pk", filter=Q(status=DisposalStatus.PENDING)))["n"]
    holds = LegalHold.objects.filter(released_at__isnull=True).count()
    return {"pending_batches": pending, "active_holds": holds}
