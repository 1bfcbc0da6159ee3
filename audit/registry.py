"""Apps register their audited models here (in their AppConfig.ready), so the audit app never
imports them. Registration says how to find the client a record belongs to, which retention rule
applies and from which date, and how disposal purges the record's personal data."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import models
from django.db.models.signals import pre_delete


@dataclass(frozen=True)
class AuditedModel:
    model: type[models.Model]
    client_of: Callable[[models.Model], int | None]
    retention: str | None = None  # retention record type: "client_file", "service_record", "complaint"
    retention_trigger: str | None = None  # attribute holding the date/datetime the retention clock starts
    client_field: str | None = None
    is_client: bool = False
    personal_fields: tuple[str, ...] = field(default_factory=tuple)
    purge: Callable[[models.Model], None] | None = None

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def client_lookup(self) -> str | None:
        """The ORM lookup for the client id ("pk", "client_id", "proposal__client_id")."""
        if self.is_client:
            return "pk"
        if self.client_field:
            return self.client_field.replace(".", "__")
        return None

    @property
    def trigger_lookup(self) -> str | None:
        return self.retention_trigger.replace(".", "__") if self.retention_trigger else None

    def trigger_value(self, obj: models.Model):
        if not self.retention_trigger:
            return None
        value = obj
        for part in self.retention_trigger.split("."):
            value = getattr(value, part, None)
            if value is None:
                return None
        return value


_REGISTRY: dict[str, AuditedModel] = {}


def _retention_guard(sender, instance, **kwargs) -> None:
    from .retention import retention_guard_delete

    retention_guard_delete(instance)


def register(
    model: type[models.Model],
    *,
    client_field: str | None = None,
    is_client: bool = False,
    retention: str | None = None,
    retention_trigger: str | None = None,
    personal_fields: Sequence[str] = (),
    purge: Callable[[models.Model], None] | None = None,
) -> None:
    """Register an audited model.

    `client_field`: dotted attribute path to the client id ("client_id", "proposal.client_id");
    `is_client`: set on the client model itself. `retention`: the retention record type and
    `retention_trigger`: the attribute whose date starts the retention clock (e.g.
    "relationship_ended_on", "completed_at", "closed_at"); empty means the clock has not started
    and the record is kept indefinitely. Disposal after retention deletes the record, unless
    `personal_fields` (fields to blank) or `purge` (a callable that anonymises the object and saves
    it) are given. A model with a retention type cannot be deleted before its retention ends.
    """

    def client_of(obj: models.Model) -> int | None:
        if is_client:
            return obj.pk
        if client_field:
            value = obj
            for part in client_field.split("."):
                value = getattr(value, part, None)
                if value is None:
                    return None
            return value
        return None

    label = model._meta.label_lower
    _REGISTRY[label] = AuditedModel(
        model=model,
        client_of=client_of,
        retention=retention,
        retention_trigger=retention_trigger,
        client_field=client_field,
        is_client=is_client,
        personal_fields=tuple(personal_fields),
        purge=purge,
    )
    uid = f"audit-retention-guard:{label}"
    if retention:
        pre_delete.connect(_retention_guard, sender=model, dispatch_uid=uid, weak=False)
    else:
        pre_delete.disconnect(sender=model, dispatch_uid=uid)


def unregister(model: type[models.Model]) -> AuditedModel | None:
    """Remove a registration (tests). Returns what was registered."""
    label = model._meta.label_lower
    pre_delete.disconnect(sender=model, dispatch_uid=f"audit-retention-guard:{label}")
    return _REGISTRY.pop(label, None)


def lookup(label_lower: str) -> AuditedModel | None:
    return _REGISTRY.get(label_lower)


def registered() -> dict[str, AuditedModel]:
    return dict(_REGISTRY)


def with_retention(record_type: str | None = None) -> list[AuditedModel]:
    return [
        r for r in _REGISTRY.values() if r.retention and (record_type is None or r.retention == record_type)
    ]
