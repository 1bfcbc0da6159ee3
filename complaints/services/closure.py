"""The end of a complaint: auto-close after the client's silence, and the retention purge."""

from __future__ import annotations

import datetime
import logging

from django.db import transaction

from advisory.clock import now
from advisory.history import audited_delete, audited_save
from advisory.texts import text
from audit.services import audit_redact

from ..models import Complaint, ComplaintAttachment, ComplaintEvent, EventKind, SatisfactionSurvey, State
from .workflow import complaint_transition

# Log under the name the package always used, so logging configuration is unchanged.
logger = logging.getLogger("complaints.services")


def complaint_autoclose_sweep(*, at: datetime.datetime | None = None) -> dict[str, int]:
    """Close resolved tickets whose client stayed silent for the policy's autoclose_days."""
    at = at or now()
    closed = 0
    candidates = (
        Complaint.objects.filter(state=State.RESOLVED, resolved_at__lte=at - datetime.timedelta(days=1))
        .select_related("policy")
        .order_by("pk")
        .values_list("pk", "resolved_at", "policy__autoclose_days")
    )
    for pk, resolved_at, days in candidates:
        if resolved_at > at - datetime.timedelta(days=days):
            continue
        with transaction.atomic():
            row = (
                Complaint.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, state=State.RESOLVED)
                .first()
            )
            if row is None:
                continue
            last_client = ComplaintEvent.objects.filter(
                complaint=row, kind=EventKind.CLIENT_REPLY, created_at__gt=resolved_at
            ).exists()
            if last_client:
                continue
            complaint_transition(
                complaint=row,
                actor=None,
                to_state=State.CLOSED,
                note=text("event.closed_automatically", d=days),
            )
            closed += 1
    logger.info("complaint auto-close sweep: closed=%d", closed)
    return {"closed": closed}


def complaint_purge_personal(complaint: Complaint) -> None:
    """Retention disposal (audit app): blank the personal content of a ticket, its timeline and
    its attachments; keep the numbers, dates, categories and flags the dashboard counts."""
    with transaction.atomic():
        complaint.subject = "[disposed]"
        complaint.description = ""
        complaint.root_cause = ""
        complaint.resolution_answer = ""
        audited_save(complaint, actor=None, reason="retention disposal: personal content blanked")
        # a system text's parameters name people and carry their notes: blanked with the rest
        # (the text then reads with "—" in their place)
        ComplaintEvent.objects.filter(complaint=complaint).exclude(body="", body_params={}).update(
            body="", body_params={}
        )
        for attachment in ComplaintAttachment.objects.filter(complaint=complaint):
            attachment.file.delete(save=False)
            pk = attachment.pk
            audited_delete(attachment, actor=None, reason="retention disposal")
            # its history rows name the uploaded file: they go with it, once the entries that seal
            # them are redacted (the history tables' trigger refuses it before; audit.protection)
            audit_redact(
                record_type=ComplaintAttachment._meta.label_lower,
                record_ids=[str(pk)],
                actor=None,
                reason="retention disposal",
            )
            ComplaintAttachment.history.filter(id=pk).delete()
        survey = SatisfactionSurvey.objects.filter(complaint=complaint).exclude(comment="").first()
        if survey is not None:
            survey.comment = ""
            audited_save(survey, actor=None, reason="retention disposal: comment blanked")
