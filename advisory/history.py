"""Saving audited records with the acting user and the reason (django-simple-history).

Services call `audited_save` instead of `obj.save()` so every history row says who and why,
also when there is no request (Celery tasks, management commands). The reason is a
`text("audit.…")` or a string; it is stored as a code with parameters where it is one of the
system's reasons (`advisory.texts.stored_reason`), and as typed where a person wrote it.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from .texts import Reason, stored_reason


def audited_save(obj: models.Model, *, actor: Any | None, reason: Reason, **save_kwargs: Any) -> models.Model:
    obj._history_user = actor  # read by simple-history's pre-create hook
    obj._change_reason = stored_reason(reason)
    obj.save(**save_kwargs)
    return obj


def audited_delete(obj: models.Model, *, actor: Any | None, reason: Reason) -> None:
    obj._history_user = actor
    obj._change_reason = stored_reason(reason)
    obj.delete()
