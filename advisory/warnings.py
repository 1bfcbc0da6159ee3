"""Raising and closing automatic risk warnings (SPEC §6), deduplicated per kind and subject.

Sweeps call `warning_sync(kind=..., active={subject_key: WarningSpec})` with every subject that
currently has the problem: new ones are opened, existing ones kept, and open warnings whose
cause went away are closed. Safe to run twice or concurrently (the partial unique constraint
admits one open warning per subject).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, models, transaction

from .clock import now
from .models import RiskWarning, User
from .texts import Text


@dataclass(frozen=True)
class WarningSpec:
    """What to open: `message` is a `Text` (advisory.texts), stored as code and parameters and
    shown in the reader's language (a plain string is kept as it is: for tests and fixtures)."""

    message: Text | str
    advisor: User | int | None = None
    client_id: int | None = None
    severity: str = "warning"
    url: str = ""


def _message_fields(message: Text | str) -> dict:
    if isinstance(message, Text):
        return {"message_code": message.code, "message_params": message.params}
    return {"message": str(message)[:300]}


def subject_of(obj: models.Model) -> tuple[str, str]:
    return obj._meta.label_lower, str(obj.pk)


def warning_raise(*, kind: str, subject: tuple[str, str], spec: WarningSpec) -> tuple[RiskWarning, bool]:
    """Open a warning unless one is open for this kind and subject. Returns (warning, created)."""
    subject_type, subject_id = subject
    existing = RiskWarning.objects.filter(
        kind=kind, subject_type=subject_type, subject_id=subject_id, is_open=True
    ).first()
    if existing:
        return existing, False
    advisor_id = spec.advisor.pk if isinstance(spec.advisor, User) else spec.advisor
    try:
        with transaction.atomic():
            warning = RiskWarning.objects.create(
                kind=kind,
                subject_type=subject_type,
                subject_id=subject_id,
                client_id=spec.client_id,
                advisor_id=advisor_id,
                **_message_fields(spec.message),
                url=spec.url,
                severity=spec.severity,
                opened_at=now(),
            )
    except IntegrityError:  # another sweep opened it a moment ago
        return RiskWarning.objects.get(
            kind=kind, subject_type=subject_type, subject_id=subject_id, is_open=True
        ), False
    return warning, True


def warning_resolve(*, kind: str, subject: tuple[str, str]) -> int:
    subject_type, subject_id = subject
    return RiskWarning.objects.filter(
        kind=kind, subject_type=subject_type, subject_id=subject_id, is_open=True
    ).update(is_open=False, resolved_at=now())


def warning_sync(*, kind: str, active: dict[tuple[str, str], WarningSpec]) -> dict[str, int]:
    """Make the open warnings of `kind` match exactly the subjects in `active`."""
    open_rows = RiskWarning.objects.filter(kind=kind, is_open=True).values_list(
        "id", "subject_type", "subject_id"
    )
    open_keys = {(t, i): pk for pk, t, i in open_rows}
    stale = [pk for key, pk in open_keys.items() if key not in active]
    closed = (
        RiskWarning.objects.filter(pk__in=stale, is_open=True).update(is_open=False, resolved_at=now())
        if stale
        else 0
    )
    created = 0
    new = [(key, spec) for key, spec in active.items() if key not in open_keys]
    if new:
        stamp = now()
        rows = [
            RiskWarning(
                kind=kind,
                subject_type=key[0],
                subject_id=key[1],
                client_id=spec.client_id,
                advisor_id=spec.advisor.pk if isinstance(spec.advisor, User) else spec.advisor,
                **_message_fields(spec.message),
                url=spec.url,
                severity=spec.severity,
                opened_at=stamp,
            )
            for key, spec in new
        ]
        created = len(RiskWarning.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000))
    return {"opened": created, "closed": closed, "open": len(active)}
