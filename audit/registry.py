"""Apps register their audited models here (in their AppConfig.ready), so the audit app never
imports them. Registration says how to find the client a record belongs to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class AuditedModel:
    model: type[models.Model]
    client_of: Callable[[models.Model], int | None]
    retention: str | None = None  # retention record type: "client_file", "service_record", "complaint"
    retention_trigger: str | None = None  # attribute holding the date/datetime the retention clock starts


_REGISTRY: dict[str, AuditedModel] = {}


def register(
    model: type[models.Model],
    *,
    client_field: str | None = None,
    is_client: bool = False,
    retention: str | None = None,
    retention_trigger: str | None = None,
) -> None:
    """Register an audited model.

    `client_field`: dotted attribute path to the client id ("client_id", "proposal.client_id");
    `is_client`: set on the client model itself. `retention`: the retention record type and
    `retention_trigger`: the attribute whose date starts the retention clock (e.g.
    "relationship_ended_on", "completed_at", "closed_at"); empty means the clock has not started.
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

    _REGISTRY[model._meta.label_lower] = AuditedModel(
        model=model, client_of=client_of, retention=retention, retention_trigger=retention_trigger
    )


def lookup(label_lower: str) -> AuditedModel | None:
    return _REGISTRY.get(label_lower)


def registered() -> dict[str, AuditedModel]:
    return dict(_REGISTRY)
