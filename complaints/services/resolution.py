"""Resolving a complaint (root cause, remedy, answer) and the satisfaction survey (SPEC §4)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.history import audited_save
from advisory.models import User
from advisory.texts import text

from ..models import Complaint, EventKind, SatisfactionSurvey, State
from .common import _can_act, _event
from .workflow import complaint_transition


def complaint_resolve(
    *,
    complaint: Complaint,
    actor: User,
    root_cause: str,
    resolution_answer: str,
    remedy_apology: bool = False,
    compensation_amount: Decimal | None = None,
    compensation_currency: str | None = None,
) -> Complaint:
    """Record the resolution (root cause, remedy, answer to the client) and resolve (SPEC §4)."""
    if not _can_act(actor, complaint):
        raise NotAllowed(_("You may view this ticket but not act on it."))
    if complaint.state != State.INVESTIGATING:
        raise Conflict(_("Only a ticket under investigation can be resolved."))
    if not root_cause.strip():
        raise DomainError(_("State the root cause."), field="root_cause")
    if not resolution_answer.strip():
        raise DomainError(_("Write the answer that is sent to the client."), field="resolution_answer")
    amount = compensation_amount or Decimal("0")
    if amount < 0:
        raise DomainError(_("Compensation cannot be negative."), field="compensation_amount")
    with transaction.atomic():
        locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
        locked.root_cause = root_cause.strip()
        locked.resolution_answer = resolution_answer.strip()
        locked.remedy_apology = remedy_apology
        locked.compensation_amount = amount.quantize(Decimal("0.01"))
        locked.compensation_currency = compensation_currency or settings.FIRM_CURRENCY
        audited_save(locked, actor=actor, reason="resolution recorded")
        _event(
            locked,
            kind=EventKind.RESOLUTION,
            actor=actor,
            internal=True,
            body=text("event.root_cause", cause=locked.root_cause),
        )
        result = complaint_transition(
            complaint=locked, actor=actor, to_state=State.RESOLVED, note=locked.resolution_answer
        )
    return result


def survey_answer(
    *, survey: SatisfactionSurvey, actor: User, csat: int, nps: int, comment: str = ""
) -> SatisfactionSurvey:
    """The client's answer from the portal or the API. It is taken on the survey as it is now,
    under a lock (complaints.feedback.survey_answer_portal): a second submit, or an answer through
    the e-mail link saved meanwhile, is refused with a thank-you instead of written over."""
    from ..feedback import survey_answer_portal

    if not actor.is_client:
        raise NotAllowed(_("Only the client answers the survey."))
    return survey_answer_portal(survey=survey, actor=actor, csat=csat, nps=nps, comment=comment)
