"""Guarded managers for audited models (SPEC §5).

django-simple-history does not see `queryset.update()`, `bulk_create()` or `bulk_update()`
(its issues #174 and #309). Audited models use `AuditedManager`, whose querysets refuse those
writes unless they run inside `audit.bulk.allow_bulk_writes()` — which the audited bulk helpers in
`audit.bulk` do, after writing history for every row. Model.save() and delete() are unaffected
(Django saves through the private `_update`).
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

from django.db import models

_allowed: contextvars.ContextVar[bool] = contextvars.ContextVar("audit_bulk_allowed", default=False)


class UnauditedBulkWrite(RuntimeError):
    pass


@contextmanager
def allow_bulk_writes():
    token = _allowed.set(True)
    try:
        yield
    finally:
        _allowed.reset(token)


def _refuse(model: type[models.Model], what: str) -> None:
    if not _allowed.get():
        raise UnauditedBulkWrite(
            f"{what} on {model._meta.label} would bypass the audit trail. Save each object, or use "
            "audit.bulk.bulk_create_audited / bulk_update_audited."
        )


class AuditedQuerySet(models.QuerySet):
    def update(self, **kwargs):
        _refuse(self.model, "queryset.update()")
        return super().update(**kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        _refuse(self.model, "bulk_create()")
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        _refuse(self.model, "bulk_update()")
        return super().bulk_update(objs, fields, *args, **kwargs)


class AuditedManager(models.Manager.from_queryset(AuditedQuerySet)):
    pass
