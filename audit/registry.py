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
    retention: str | None = None  # name of a RetentionRule record type, e.g. "client_file"


_REGISTRY: dict[str, AuditedModel] = {}


def register(
    model: type[models.Model],
    *,
    client_field: str | None = None,
    is_client: bool = False,
    retention: str | None = None,
) -> None:
    """Register an audited model. `client_field` is the attribute path of the client id
    ("client_id", "proposal__client_id" is not supported: give a direct attribute), or set
    `is_client` on the client model itself."""

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

    _REGISTRY[model._meta.label_lower] = AuditedModel(model=model, client_of=client_of, retention=retention)


def lookup(label_lower: str) -> AuditedModel | None:
    return _REGISTRY.get(label_lower)


def registered() -> dict[str, AuditedModel]:
    return dict(_REGISTRY)
