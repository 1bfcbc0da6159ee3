"""Demo data for the audit archive: retention rules, a legal hold on the demo client, a pending
disposal batch (old inspection exports past their 3-year rule) and a few non-field events on the
demo client's timeline. Idempotent."""

from __future__ import annotations

import datetime

from django.utils import timezone

from advisory.history import audited_save
from advisory.roles import Role

from .models import (
    AuditAction,
    AuditEntry,
    AuditExport,
    DisposalBatch,
    DisposalStatus,
    HoldScope,
    LegalHold,
    RetentionRule,
)
from .retention import disposal_propose
from .services import audit_log

DEFAULT_RULES = [
    ("client_file", "Client file", 5, "End of the client relationship"),
    ("service_record", "Service record", 3, "Completion of the service"),
    ("complaint", "Complaint", 5, "Closure of the complaint"),
]
HOLD_REASON = "演示：监管机构就2025年产品适当性开展问询，保留该客户的全部记录"


def _first_client_id(ctx: dict) -> int | None:
    clients = ctx.get("clients")
    if isinstance(clients, dict):
        clients = list(clients.values())
    for c in clients or []:
        if getattr(c, "pk", None):
            return c.pk
    return None


def seed(ctx: dict) -> None:
    for record_type, name, years, trigger in DEFAULT_RULES:
        RetentionRule.objects.get_or_create(
            record_type=record_type, defaults={"name": name, "years": years, "trigger": trigger}
        )
    users = ctx.get("users", {})
    compliance = users.get(Role.COMPLIANCE)
    admin = users.get(Role.ADMINISTRATOR)
    if compliance is None:
        return
    client_id = _first_client_id(ctx)
    if client_id and not LegalHold.objects.filter(reason=HOLD_REASON).exists():
        hold = LegalHold(
            scope=HoldScope.CLIENT,
            client_id=client_id,
            reason=HOLD_REASON,
            placed_by=compliance,
            placed_at=timezone.now(),
        )
        audited_save(hold, actor=compliance, reason="Demo legal hold")
        audit_log(
            actor=compliance,
            action=AuditAction.HOLD,
            obj=hold,
            reason=HOLD_REASON,
            changes={"hold": ["", "placed"]},
        )
    if client_id and not AuditEntry.objects.filter(client_id=client_id, action=AuditAction.REVEAL).exists():
        advisor = ctx.get("advisor")
        audit_log(
            actor=advisor,
            action=AuditAction.REVEAL,
            record_type="clients.client",
            record_id=str(client_id),
            client_id=client_id,
            reason="Demo: identity number revealed to verify a transfer",
            changes={"field": "id_number"},
        )
        audit_log(
            actor=advisor,
            action=AuditAction.DOWNLOAD,
            record_type="clients.client",
            record_id=str(client_id),
            client_id=client_id,
            reason="Demo: annual report downloaded",
        )
    # Old inspection exports, completed four years ago: past the 3-year service-record rule.
    today = ctx.get("today") or timezone.localdate()
    old = timezone.make_aware(
        datetime.datetime.combine(today.replace(year=today.year - 4), datetime.time(10))
    )
    for n in range(3):
        key = {"demo": f"2022 inspection pack {n + 1}"}
        if not AuditExport.objects.filter(filters=key).exists():
            export = AuditExport(
                format="csv", filters=key, requested_by=admin or compliance, created_at=old, completed_at=old
            )
            audited_save(export, actor=admin or compliance, reason="Demo: old inspection export")
    if not DisposalBatch.objects.filter(status=DisposalStatus.PENDING).exists():
        disposal_propose(actor=None)
    # A signed checkpoint of the demo trail and one verification run, so the verification screen
    # shows both (`make run` generates the demo key under var/keys/ first).
    from pathlib import Path

    from django.conf import settings

    from .checkpoints import checkpoint_create
    from .services import audit_verify_and_record

    if Path(settings.AUDIT_SIGNING_KEY_FILE).exists():
        checkpoint_create(email=False)
        audit_verify_and_record(actor=compliance, full=True)
