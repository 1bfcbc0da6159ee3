"""The firm risk register (issue 7, SPEC §6): the matrix, and risks created and reviewed."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from advisory.clock import today
from advisory.editing import Guard
from advisory.errors import DomainError
from advisory.history import audited_save
from advisory.texts import Reason, text
from audit.models import AuditAction
from audit.services import audit_log

from ..models import Risk, RiskGrade
from .common import _require

DEFAULT_RISK_MATRIX: list[tuple[int, str]] = [
    (4, RiskGrade.LOW),
    (9, RiskGrade.MEDIUM),
    (16, RiskGrade.HIGH),
    (25, RiskGrade.CRITICAL),
]


def risk_matrix() -> list[tuple[int, str]]:
    """Upper score bounds per level; settings.RISK_REGISTER_MATRIX overrides the default
    (score = probability × impact: 1–4 low, 5–9 medium, 10–16 high, 20–25 critical)."""
    configured = getattr(settings, "RISK_REGISTER_MATRIX", None)
    return [(int(hi), str(level)) for hi, level in configured] if configured else DEFAULT_RISK_MATRIX


def risk_level_for(*, probability: int, impact: int) -> str:
    if not (1 <= probability <= 5 and 1 <= impact <= 5):
        raise DomainError(_("Probability and impact are whole numbers from 1 to 5."))
    score = probability * impact
    for upper, level in risk_matrix():
        if score <= upper:
            return level
    return risk_matrix()[-1][1]


def risk_matrix_levels() -> dict[tuple[int, int], str]:
    return {(p, i): risk_level_for(probability=p, impact=i) for p in range(1, 6) for i in range(1, 6)}


RISK_FIELDS = {
    "title",
    "description",
    "category",
    "probability",
    "impact",
    "owner",
    "response",
    "controls",
    "review_date",
    "status",
}


def _next_reference() -> str:
    last = Risk.objects.order_by("-id").values_list("reference", flat=True).first()
    n = int(last.split("-")[-1]) + 1 if last and last.split("-")[-1].isdigit() else 1
    while Risk.objects.filter(reference=f"RSK-{n:04d}").exists():
        n += 1
    return f"RSK-{n:04d}"


def risk_create(*, actor, **fields: Any) -> Risk:
    _require(actor, "risk.change_register")
    unknown = set(fields) - RISK_FIELDS
    if unknown:
        raise DomainError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic():
        risk = Risk(reference=_next_reference(), **fields)
        risk.level = risk_level_for(probability=int(risk.probability), impact=int(risk.impact))
        audited_save(risk, actor=actor, reason=text("audit.risk_registered"))
    return risk


def risk_update(*, risk: Risk, actor, reason: Reason = "", edits: Guard | None = None, **fields: Any) -> Risk:
    """Change a register entry (locked and read again; with `edits`, a colleague's change since the
    form was opened is kept, or the save refused when both changed the same field)."""
    _require(actor, "risk.change_register")
    unknown = set(fields) - RISK_FIELDS
    if unknown:
        raise DomainError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic():
        risk = Risk.objects.select_for_update().get(pk=risk.pk)
        if edits is not None:
            fields = edits.merge(risk, fields, actor=actor)
        old_status = risk.status
        for key, value in fields.items():
            setattr(risk, key, value)
        risk.level = risk_level_for(probability=int(risk.probability), impact=int(risk.impact))
        reason = reason or text("audit.risk_updated")
        audited_save(risk, actor=actor, reason=reason)
        if old_status != risk.status:
            audit_log(
                actor=actor,
                action=AuditAction.TRANSITION,
                obj=risk,
                reason=reason,
                changes={"status": [old_status, risk.status]},
            )
    return risk


def risk_reviewed(*, risk: Risk, actor, next_review: datetime.date, note: str = "") -> Risk:
    """Record a review: moves the review date forward (clears the overdue flag)."""
    if next_review <= today():
        raise DomainError(_("The next review date must be in the future."), field="review_date")
    reviewed = (
        text("audit.risk_reviewed_note", note=note.strip()) if note.strip() else text("audit.risk_reviewed")
    )
    return risk_update(risk=risk, actor=actor, reason=reviewed, review_date=next_review)
