"""Revealing an encrypted value of a record as it stood at a point in time (SPEC §5)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext as _

from advisory.errors import DomainError, NotAllowed, NotFound
from advisory.texts import text

from .models import AuditAction
from .registry import lookup


def as_of_reveal(*, user: Any, record_type: str, record_id: str, at: datetime.datetime, field: str) -> str:
    """Show one encrypted value of the record as it stood at `at`, to those the record's own
    reveal rule allows (e.g. `clients.reveal_client`). Recorded like every reveal
    (AuditAction.REVEAL, with the field and the point in time)."""
    from .selectors import _history_row, _live_or_historical, _require, can_reveal_as_of
    from .services import _encrypted_fields, audit_log

    _require(user)
    reg = lookup(record_type)
    if reg is None or not hasattr(reg.model, "history"):
        raise NotFound(_("This record type has no history."))
    if field not in _encrypted_fields(reg.model):
        raise DomainError(_("This field cannot be revealed."), field="field")
    row = _history_row(reg.model, record_id, at)
    if row is None or row.history_type == "-":
        raise NotFound(_("The record did not exist at that time."))
    obj = _live_or_historical(reg.model, record_id, row)
    if not can_reveal_as_of(user, reg, obj):
        raise NotAllowed(_("You may not reveal this record's personal data."))
    audit_log(
        actor=user,
        action=AuditAction.REVEAL,
        record_type=record_type,
        record_id=str(record_id),
        client_id=reg.client_of(obj),
        reason=text(
            "audit.revealed_field_as_of_at", field=reg.model._meta.get_field(field).verbose_name, at=at
        ),
        changes={"field": field, "as_of": at.isoformat()},
    )
    return getattr(row, field) or ""
