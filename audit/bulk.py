"""Bulk writes that still leave history and audit entries (SPEC §5).

django-simple-history's bulk helpers write one history row per object but send no signals, so
these helpers also append one chained audit entry per object themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models, transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .managers import allow_bulk_writes
from .models import AuditAction
from .services import audit_bulk_rows


def _has_history(model: type[models.Model]) -> bool:
    return hasattr(model, "history") and hasattr(model._meta, "simple_history_manager_attribute")


def bulk_create_audited(
    objs: Sequence[models.Model], *, actor: Any | None, reason: str, batch_size: int = 1000
) -> list[models.Model]:
    """bulk_create with one history row and one chained audit entry per object."""
    if not objs:
        return []
    model = type(objs[0])
    with transaction.atomic(), allow_bulk_writes():
        if _has_history(model):
            created = bulk_create_with_history(
                list(objs), model, batch_size=batch_size, default_user=actor, default_change_reason=reason
            )
        else:
            created = model._default_manager.bulk_create(list(objs), batch_size=batch_size)
        audit_bulk_rows(objs=created, actor=actor, action=AuditAction.CREATE, reason=reason)
    return created


def bulk_update_audited(
    objs: Sequence[models.Model], fields: list[str], *, actor: Any | None, reason: str, batch_size: int = 1000
) -> int:
    """bulk_update with one history row and one chained audit entry (old → new) per object."""
    if not objs:
        return 0
    model = type(objs[0])
    attnames = [model._meta.get_field(f).attname for f in fields]
    with transaction.atomic(), allow_bulk_writes():
        before = {
            row["pk"]: row
            for row in model._base_manager.filter(pk__in=[o.pk for o in objs]).values("pk", *attnames)
        }
        if _has_history(model):
            count = bulk_update_with_history(
                list(objs),
                model,
                fields,
                batch_size=batch_size,
                default_user=actor,
                default_change_reason=reason,
            )
        else:
            count = model._default_manager.bulk_update(list(objs), fields, batch_size=batch_size)
        changes_for = {}
        for obj in objs:
            old = before.get(obj.pk, {})
            changes_for[obj.pk] = {
                a: [old.get(a), getattr(obj, a)] for a in attnames if old.get(a) != getattr(obj, a)
            }
        audit_bulk_rows(
            objs=objs, actor=actor, action=AuditAction.UPDATE, reason=reason, changes_for=changes_for
        )
    return count
