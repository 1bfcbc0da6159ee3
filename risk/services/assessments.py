"""Risk assessments (SPEC §2): answer, submit, confirm, expiry and re-assessment prompts."""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from advisory.clock import now, today
from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.history import audited_save
from advisory.notifications import notify
from advisory.rules import can
from advisory.texts import Joined, Percent, Text, as_text, stored_reason_within, text
from audit.managers import allow_bulk_writes
from audit.models import AuditAction
from audit.services import audit_log

from .. import conf
from ..models import (
    AssessmentChannel,
    AssessmentStatus,
    LapseReason,
    QuestionnaireVersion,
    RiskAssessment,
    VersionStatus,
    level_number,
)
from .common import _inputs_changed, _level, _require, _url
from .scoring import _decimal, capacity_level, score_answers
from .suitability_exceptions import suitability_exceptions_lapse

# Log under the name the package always used, so logging configuration is unchanged.
logger = logging.getLogger("risk.services")


def _apply_answers(assessment: RiskAssessment, answers: dict[str, str]) -> None:
    result = score_answers(version=assessment.version, answers=answers)
    cap, notes = capacity_level(
        client=assessment.client, horizon=result.horizon, answered_income_stability=result.income_stability
    )
    assessment.answers = result.snapshot
    assessment.score = result.score
    assessment.willingness_level = result.willingness_level
    assessment.capacity_level = cap
    assessment.capacity_notes = notes
    assessment.effective_level = _level(min(level_number(result.willingness_level), level_number(cap)))
    assessment.contradictions = result.contradictions


def assessment_submit(
    *,
    client,
    actor,
    answers: dict[str, str],
    version: QuestionnaireVersion | None = None,
    advisor_note: str = "",
) -> RiskAssessment:
    """Take (client, own file, portal) or administer (advisor, own book) an assessment: a draft
    with scores and levels, waiting for confirmation."""
    from ..selectors import current_published_version

    if not (can(actor, "risk.administer_assessment", client) or can(actor, "risk.take_assessment", client)):
        raise NotAllowed(_("Only the client or the client's advisor may answer the questionnaire."))
    version = version or current_published_version()
    if version is None:
        raise Conflict(_("No questionnaire is published yet."))
    if version.status != VersionStatus.PUBLISHED:
        raise Conflict(_("Only the published questionnaire version can be answered."))
    assessment = RiskAssessment(
        client=client,
        version=version,
        administered_by=actor,
        channel=AssessmentChannel.PORTAL if actor.is_client else AssessmentChannel.WORKSPACE,
        advisor_note=advisor_note.strip() if not actor.is_client else "",
    )
    _apply_answers(assessment, answers)
    with transaction.atomic():
        audited_save(assessment, actor=actor, reason="Risk questionnaire answered")
    if assessment.contradictions and actor.is_client:
        notify(
            recipients=[client.advisor],
            kind="risk.contradiction",
            subject=text("notify.risk_contradiction"),
            body=text("text.list", items=Joined([as_text(c) for c in assessment.contradictions])),
            url=_url("risk:assessment_detail", assessment.pk),
        )
    return assessment


def assessment_answer(*, assessment: RiskAssessment, actor, answers: dict[str, str]) -> RiskAssessment:
    """Change the answers of a draft. Confirmed answers are locked: a change is a new assessment."""
    _require(actor, "risk.answer_assessment", assessment)
    with transaction.atomic():
        assessment = (
            RiskAssessment.objects.select_for_update()
            .select_related("client", "version")
            .get(pk=assessment.pk)
        )
        if assessment.is_locked:
            raise Conflict(_("Confirmed answers are locked; start a new assessment to change them."))
        _apply_answers(assessment, answers)
        audited_save(assessment, actor=actor, reason="Answers changed")
    return assessment


def assessment_add_note(*, assessment: RiskAssessment, actor, note: str) -> RiskAssessment:
    """The advisor's note on contradictory answers (SPEC §2: needed before the result is used)."""
    _require(actor, "risk.note_assessment", assessment, _("Only the client's advisor may add the note."))
    if not note.strip():
        raise DomainError(_("Write the note."), field="advisor_note")
    with transaction.atomic():
        assessment = RiskAssessment.objects.select_for_update().get(pk=assessment.pk)
        if assessment.is_locked:
            raise Conflict(_("The assessment is confirmed and locked."))
        assessment.advisor_note = note.strip()
        audited_save(assessment, actor=actor, reason="Advisor note added")
    return assessment


def valid_until_for(confirmed_on: datetime.date) -> datetime.date:
    """Valid 12 months: the last valid day is the day before the same date a year later."""
    months = int(conf.get("PROFILE_VALIDITY_MONTHS"))
    return confirmed_on + relativedelta(months=months) - datetime.timedelta(days=1)


def assessment_confirm(
    *, assessment: RiskAssessment, actor, client_confirmed: bool = False
) -> RiskAssessment:
    """Confirm a draft: contradictions need the advisor's note first; the client confirms in the
    portal, or the advisor records that the client confirmed in person (`client_confirmed=True`).
    Answers lock; the previous confirmed/expired assessment becomes superseded."""
    _require(actor, "risk.confirm_assessment", assessment)
    if not actor.is_client and not client_confirmed:
        raise DomainError(
            _("Record that the client has read and confirmed the result."), field="client_confirmed"
        )
    with transaction.atomic():
        assessment = RiskAssessment.objects.select_for_update().select_related("client").get(pk=assessment.pk)
        if assessment.status != AssessmentStatus.DRAFT:
            raise Conflict(
                _("This assessment is already %(s)s.") % {"s": assessment.get_status_display().lower()}
            )
        if assessment.unresolved_contradictions:
            raise Conflict(
                _("The answers contradict each other; the advisor must add a note before the result is used.")
            )
        stamp = now()
        for prev in RiskAssessment.objects.select_for_update().filter(
            client_id=assessment.client_id, status__in=[AssessmentStatus.CONFIRMED, AssessmentStatus.EXPIRED]
        ):
            old = prev.status
            prev.status = AssessmentStatus.SUPERSEDED
            audited_save(
                prev, actor=actor, reason=text("audit.superseded_by_assessment_pk", pk=assessment.pk)
            )
            audit_log(
                actor=actor,
                action=AuditAction.TRANSITION,
                obj=prev,
                reason="Superseded",
                changes={"status": [old, AssessmentStatus.SUPERSEDED]},
            )
        suitability_exceptions_lapse(
            client_id=assessment.client_id, reason=LapseReason.REASSESSED, actor=actor
        )
        assessment.status = AssessmentStatus.CONFIRMED
        assessment.confirmed_at = stamp
        assessment.confirmed_by = actor
        assessment.confirmed_by_client_at = stamp
        assessment.valid_until = valid_until_for(today())
        audited_save(
            assessment,
            actor=actor,
            reason=text("audit.confirmed_by_the_client" if actor.is_client else "audit.confirmed_in_person"),
        )
        audit_log(
            actor=actor,
            action=AuditAction.TRANSITION,
            obj=assessment,
            reason="Risk assessment confirmed",
            changes={"status": [AssessmentStatus.DRAFT, AssessmentStatus.CONFIRMED]},
        )
        _inputs_changed(client_ids=[assessment.client_id], reason="reassessed")
    return assessment


def _claim_reminder(pk: int, stamp: datetime.datetime) -> bool:
    """Conditional UPDATE: exactly one sweep wins the right to send this reminder."""
    with allow_bulk_writes():
        return (
            RiskAssessment.objects.filter(pk=pk, reminder_sent_at__isnull=True).update(reminder_sent_at=stamp)
            == 1
        )


def assessment_expiry_sweep(*, on: datetime.date | None = None) -> dict[str, int]:
    """SPEC §2: remind client (portal user) and advisor 30 days before expiry — exactly once per
    assessment — and mark assessments past `valid_until` expired. Safe to run twice."""
    on = on or today()
    stamp = now()
    reminded = expired = 0
    due = (
        RiskAssessment.objects.filter(
            status=AssessmentStatus.CONFIRMED,
            reminder_sent_at__isnull=True,
            valid_until__gte=on,
            valid_until__lte=on + datetime.timedelta(days=int(conf.get("PROFILE_REMINDER_DAYS"))),
        )
        .select_related("client", "client__advisor", "client__user")
        .order_by("pk")
    )
    for a in due:
        with transaction.atomic():
            if not _claim_reminder(a.pk, stamp):
                continue
            client = a.client
            subject = text("notify.risk_profile_expiring", name=client.name, date=a.valid_until)
            notify(
                recipients=[client.advisor],
                kind="risk.profile_expiring",
                subject=subject,
                body=text("notify.risk_profile_expiring_body"),
                url=_url("risk:assessment_detail", a.pk),
            )
            if client.user_id:
                notify(
                    recipients=[client.user],
                    kind="risk.profile_expiring",
                    subject=text("notify.risk_profile_expiring_client", date=a.valid_until),
                    body=text("notify.risk_profile_expiring_client_body"),
                    url=_url("risk_portal:questionnaire"),
                )
            audit_log(
                actor=None,
                action=AuditAction.NOTIFICATION,
                obj=a,
                reason="Risk profile expiry reminder sent",
            )
            reminded += 1
    for a in RiskAssessment.objects.filter(status=AssessmentStatus.CONFIRMED, valid_until__lt=on).order_by(
        "pk"
    ):
        with transaction.atomic():
            locked = (
                RiskAssessment.objects.select_for_update(skip_locked=True)
                .filter(pk=a.pk, status=AssessmentStatus.CONFIRMED)
                .first()
            )
            if locked is None:
                continue
            locked.status = AssessmentStatus.EXPIRED
            audited_save(locked, actor=None, reason="Expired after 12 months")
            audit_log(
                actor=None,
                action=AuditAction.TRANSITION,
                obj=locked,
                reason="Risk profile expired",
                changes={"status": [AssessmentStatus.CONFIRMED, AssessmentStatus.EXPIRED]},
            )
            expired += 1
    logger.info("assessment_expiry_sweep reminded=%s expired=%s", reminded, expired)
    return {"reminded": reminded, "expired": expired}


def _current_assessment_locked(client) -> RiskAssessment | None:
    """The client's current profile, locked and read as committed: an expiry by the nightly sweep
    or a supersession by a newer confirmation that commits while this waits is seen, not written
    over. When the row found stopped being current meanwhile, the current one is looked up again."""
    from ..selectors import _current_assessment

    for _attempt in range(3):
        found = _current_assessment(client)
        if found is None:
            return None
        locked = (
            RiskAssessment.objects.select_for_update()
            .filter(pk=found.pk, status__in=[AssessmentStatus.CONFIRMED, AssessmentStatus.EXPIRED])
            .first()
        )
        if locked is not None:
            return locked
    return None


def reassessment_prompt(*, client, reason: str | Text, actor=None) -> RiskAssessment | None:
    """SPEC §2: a significant change (income, horizon, life event) prompts a re-assessment. Flags
    the current profile and notifies the advisor (and the client if they use the portal).
    Returns the flagged assessment, or None when the client has no profile yet."""
    with transaction.atomic():
        current = _current_assessment_locked(client)
        if current is not None and not current.needs_reassessment:
            current.needs_reassessment = True
            # a code with parameters (read in each reader's language), or what a person typed
            current.reassessment_reason = stored_reason_within(
                reason, RiskAssessment._meta.get_field("reassessment_reason").max_length
            )
            audited_save(
                current, actor=actor, reason=text("audit.re_assessment_prompted_reason", reason=reason)
            )
        notify(
            recipients=[client.advisor],
            kind="risk.reassessment",
            subject=text("notify.risk_reassessment", name=client.name),
            body=reason,
            url=_url("risk:assessment_new", client.pk),
        )
        if client.user_id:
            notify(
                recipients=[client.user],
                kind="risk.reassessment",
                subject=text("notify.risk_reassessment_client"),
                body=reason,
                url=_url("risk_portal:questionnaire"),
            )
    return current


SIGNIFICANT_INCOME_CHANGE = conf.DEFAULTS["SIGNIFICANT_INCOME_CHANGE"]


def _reserve_bucket(reserves: Any, expenses: Any) -> int | None:
    reserves, expenses = _decimal(reserves), _decimal(expenses)
    if reserves is None or not expenses:
        return None
    months = reserves / expenses
    return 0 if months < 3 else 1 if months < 6 else 2


def significant_change_reasons(*, before: Any, after: Any) -> list[Text]:
    """SPEC §2: which changes in the client's financial status are significant enough to prompt a
    re-assessment: income stability changed; monthly income moved by 20% or more; emergency
    reserve crossed a capacity threshold (3 or 6 months). `before`/`after` are client-like objects
    (a Client and its previous history record)."""
    from clients.models import IncomeStability

    def stability(value: str) -> Any:
        return IncomeStability(value).label if value in IncomeStability.values else value

    reasons: list[Text] = []
    old_s, new_s = getattr(before, "income_stability", "") or "", getattr(after, "income_stability", "") or ""
    if old_s and old_s != new_s:
        reasons.append(
            text(
                "audit.income_stability_changed",
                old=stability(old_s),
                new=stability(new_s) if new_s else gettext_lazy("not recorded"),
            )
        )
    old_i, new_i = (
        _decimal(getattr(before, "monthly_income", None)),
        _decimal(getattr(after, "monthly_income", None)),
    )
    threshold = Decimal(str(conf.get("SIGNIFICANT_INCOME_CHANGE")))
    if old_i and new_i is not None and abs(new_i - old_i) / old_i >= threshold:
        change = (new_i - old_i) / old_i
        code = "audit.monthly_income_rose_by" if change > 0 else "audit.monthly_income_fell_by"
        reasons.append(text(code, change=Percent(abs(change), 0)))
    old_b = _reserve_bucket(
        getattr(before, "liquid_reserves", None), getattr(before, "monthly_expenses", None)
    )
    new_b = _reserve_bucket(getattr(after, "liquid_reserves", None), getattr(after, "monthly_expenses", None))
    if old_b is not None and new_b is not None and old_b != new_b:
        reasons.append(text("audit.emergency_reserve_crossed_threshold"))
    return reasons


def client_financial_change_check(*, client, previous, actor=None) -> RiskAssessment | None:
    """Called after a client file is saved (risk.signals, via simple-history): prompts a
    re-assessment when the change is significant and the client has a profile."""
    from ..selectors import _current_assessment

    reasons = significant_change_reasons(before=previous, after=client)
    if not reasons or _current_assessment(client) is None:
        return None
    reason = (
        reasons[0] if len(reasons) == 1 else text("audit.significant_changes", changes=Joined(reasons, "; "))
    )
    return reassessment_prompt(client=client, reason=reason, actor=actor)
