"""Bulk writes that still leave history and audit entries (SPEC §5)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models, transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .managers import allow_bulk_writes


def bulk_create_audited(
    objs: Sequence[models.Model], *, actor: Any | None, reason: str, batch_size: int = 1000
) -> list[models.Model]:
    """bulk_create with one history row and one chained audit entry per object."""
    if not objs:
        return []
    model = type(objs[0])
    with transaction.atomic(), allow_bulk_writes():
        return bulk_create_with_history(
            list(objs), model, batch_size=batch_size, default_user=actor, default_change_reason=reason
        )


def bulk_update_audited(
    objs: Sequence[models.Model], fields: list[str], *, actor: Any | None, reason: str, batch_size: int = 1000
) -> int:
    if not objs:
        return 0
    model = type(objs[0])
    with transaction.atomic(), allow_bulk_writes():
        return bulk_update_with_history(
            list(objs), model, fields, batch_size=batch_size, default_user=actor, default_change_reason=reason
        )
