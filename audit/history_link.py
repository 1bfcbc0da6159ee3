"""Link history rows written in bulk to the chained entries that describe them (issue 12).

`simple_history`'s `bulk_history_create` sends no signal, so the audit entry for such a row is
appended by the caller (`audit.bulk`, `audit_bulk_rows`, the sweeps' `audit_log_many`) without
knowing the history row. The wrapper below remembers the rows it created (per record) for the
rest of the current context; the next entry appended about that record claims the row, so the
entry carries `history_id` and the row's digest and `audit_verify` can cross-check the row.
A claim whose row no longer exists (rolled back) is dropped when the digest is read.

The same wrapper stores the rows' reasons as codes with parameters (`advisory.texts.stored_reason`),
as `audited_save` does for single rows.
"""

from __future__ import annotations

import contextvars
from collections import defaultdict

_pending: contextvars.ContextVar[dict | None] = contextvars.ContextVar("audit_pending_history", default=None)
_installed = False


def remember(rows: list) -> None:
    if not rows:
        return
    pending = _pending.get()
    if pending is None:
        pending = defaultdict(list)
        _pending.set(pending)
    for row in rows:
        tracked = row.instance_type._meta
        pending[(tracked.label_lower, str(getattr(row, tracked.pk.attname)))].append(
            (row.pk, row._meta.db_table)
        )


def claim(record_type: str, record_id: str) -> tuple[int, str] | None:
    """The oldest unclaimed bulk history row of this record, if any (and forget it)."""
    pending = _pending.get()
    if not pending:
        return None
    rows = pending.get((record_type, record_id))
    if not rows:
        return None
    found = rows.pop(0)
    if not rows:
        del pending[(record_type, record_id)]
    return found


def install() -> None:
    global _installed
    if _installed:
        return
    from simple_history.manager import HistoryManager

    from advisory.texts import stored_reason

    original = HistoryManager.bulk_history_create

    def bulk_history_create(self, objs, *args, **kwargs):
        # history rows written in bulk store their reason as a code too (advisory.texts)
        objs = list(objs)
        if kwargs.get("default_change_reason"):
            kwargs["default_change_reason"] = stored_reason(kwargs["default_change_reason"])
        for obj in objs:
            if getattr(obj, "_change_reason", None):
                obj._change_reason = stored_reason(obj._change_reason)
        rows = original(self, objs, *args, **kwargs)
        if rows:
            remember([r for r in rows if r.pk is not None])
        return rows

    bulk_history_create.__wrapped__ = original  # type: ignore[attr-defined]
    HistoryManager.bulk_history_create = bulk_history_create
    _installed = True
