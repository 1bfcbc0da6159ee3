"""Every change of state in risk profiling, suitability and the firm risk register (SPEC §2, §6).

Hooks for other apps
--------------------
* ``suitability_check(client=..., product=...)`` is THE suitability rule; planning calls it on
  every proposal save and looks up an approved exception with
  ``risk.selectors.approved_exception(client=..., product=...)``.
* Significant change in a client's situation (SPEC §2: income, horizon, life event): call
  ``reassessment_prompt(client=client, reason="Income changed", actor=user)`` — or send the
  signal ``risk.signals.significant_change.send(sender=Client, client=client, reason="...")``
  (connected to ``reassessment_prompt`` in ``RiskConfig.ready``). It flags the client's current
  profile as needing re-assessment and notifies the advisor (and the client if they have a
  portal login). It never changes the level itself.
* Capacity reads ``clients.models.Client.income_stability`` (stable / variable / irregular) and
  ``emergency_reserve_months`` (liquid_reserves / monthly_expenses). An empty value falls back
  to the questionnaire's income answer (stability) or leaves capacity unconstrained by that
  input (reserves); the assessment's ``capacity_notes`` say which.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from advisory.clock import now, today
from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.history import audited_save
from advisory.notifications import notify
from advisory.rules import can
from audit.managers import allow_bulk_writes
from audit.models import AuditAction
from audit.services import audit_log

from . import conf
from .models import (
    AssessmentChannel,
    AssessmentStatus,
    ExceptionScope,
    ExceptionStatus,
    LapseReason,
    LifeEvent,
    LifeEventKind,
    Product,
    ProductRatingAssessment,
    ProductRiskRating,
    ProfessionalInvestorClassification,
    Question,
    QuestionnaireVersion,
    QuestionOption,
    QuestionRole,
    RatingAssessmentStatus,
    Risk,
    RiskAssessment,
    RiskGrade,
    RiskLevel,
    SuitabilityException,
    VersionStatus,
    level_number,
)

logger = logging.getLogger(__name__)

# Seeds' defaults; the values in force come from risk.conf (settings RISK_*).
VALIDITY_MONTHS = 12
REMINDER_DAYS = 30
LEVELS = [RiskLevel.C1, RiskLevel.C2, RiskLevel.C3, RiskLevel.C4, RiskLevel.C5]


def _url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _level(n: int) -> str:
    return LEVELS[max(1, min(5, n)) - 1].value


def _allowed(user, perm: str, obj=None) -> bool:
    """The rule itself, without Django's superuser bypass: roles decide (compliance signs off, not
    an administrator who happens to be a superuser)."""
    return can(user, perm, obj)


def _require(user, perm: str, obj=None, message: str | None = None) -> None:
    if not _allowed(user, perm, obj):
        raise NotAllowed(message or _("You are not allowed to do this."))


# --- Suitability (SPEC §2) -------------------------------------------------------------------------


@dataclass(frozen=True)
class SuitabilityResult:
    suitable: bool
    reason: str
    exception_possible: bool
    client_level: str | None
    product_rating: str
    is_professional: bool = False
    profile_expired: bool = False


_UNSET: Any = object()


def suitability_check(
    *, client, product: Product, on: datetime.date | None = None, profile: Any = _UNSET
) -> SuitabilityResult:
    """SPEC §2 suitability rule (PRC investor-suitability): a product's rating R must not exceed
    the client's level C (C1→R1, C2→R1–R2, …, C5→R1–R5). The profile must exist and not be
    expired. Professional investors with recorded evidence may take R1–R5. A client-initiated
    exception is possible above the level, except for C1 clients and never without a valid profile.

    Checking many products for one client: pass `profile=client_risk_profile(client=c, on=on)`
    (None for "no profile") to skip the two profile queries per call.
    """
    from .selectors import client_risk_profile

    on = on or today()
    rating = product.risk_rating
    if profile is _UNSET:
        profile = client_risk_profile(client=client, on=on)
    if profile is None:
        return SuitabilityResult(
            suitable=False,
            reason=_("No confirmed risk profile: the client must complete the risk questionnaire first."),
            exception_possible=False,
            client_level=None,
            product_rating=rating,
        )
    if profile.is_expired:
        return SuitabilityResult(
            suitable=False,
            reason=_(
                "The risk profile expired on %(date)s (valid 12 months): the client must be re-assessed "
                "before new proposals."
            )
            % {"date": profile.valid_until},
            exception_possible=False,
            client_level=profile.level,
            product_rating=rating,
            is_professional=profile.is_professional,
            profile_expired=True,
        )
    if profile.is_professional:
        return SuitabilityResult(
            suitable=True,
            reason=_("Professional investor with recorded evidence: products rated R1–R5 are allowed."),
            exception_possible=False,
            client_level=profile.level,
            product_rating=rating,
            is_professional=True,
        )
    c, r = level_number(profile.level), level_number(rating)
    if r <= c:
        return SuitabilityResult(
            suitable=True,
            reason=_("Suitable: product rating %(r)s does not exceed the client's level %(c)s (R ≤ C).")
            % {"r": rating, "c": profile.level},
            exception_possible=False,
            client_level=profile.level,
            product_rating=rating,
        )
    if c == 1:
        reason = _(
            "Not suitable: product rating %(r)s exceeds the client's level C1 (R ≤ C). C1 clients may only "
            "take R1 products and never get an exception."
        ) % {"r": rating}
        possible = False
    else:
        reason = _(
            "Not suitable: product rating %(r)s exceeds the client's level %(c)s (R ≤ C: %(c)s allows "
            "R1–R%(n)s). A client-initiated purchase needs a confirmed special risk warning and compliance "
            "sign-off."
        ) % {"r": rating, "c": profile.level, "n": c}
        possible = True
    return SuitabilityResult(
        suitable=False,
        reason=reason,
        exception_possible=possible,
        client_level=profile.level,
        product_rating=rating,
    )


EXCEPTION_TRANSITIONS: dict[str, set[str]] = {
    ExceptionStatus.REQUESTED: {
        ExceptionStatus.CLIENT_CONFIRMED,
        ExceptionStatus.WITHDRAWN,
        ExceptionStatus.LAPSED,
    },
    ExceptionStatus.CLIENT_CONFIRMED: {
        ExceptionStatus.APPROVED,
        ExceptionStatus.REJECTED,
        ExceptionStatus.WITHDRAWN,
        ExceptionStatus.LAPSED,
    },
    ExceptionStatus.APPROVED: {ExceptionStatus.LAPSED},
    ExceptionStatus.REJECTED: set(),
    ExceptionStatus.LAPSED: set(),
    ExceptionStatus.WITHDRAWN: set(),
}


def _exception_transition(exc: SuitabilityException, *, to: str, actor, reason: str) -> None:
    old = exc.status
    if to not in EXCEPTION_TRANSITIONS[old]:
        raise Conflict(
            _("This exception is %(s)s and cannot move to %(t)s.")
            % {"s": exc.get_status_display(), "t": ExceptionStatus(to).label}
        )
    exc.status = to
    audited_save(exc, actor=actor, reason=reason)
    audit_log(
        actor=actor, action=AuditAction.TRANSITION, obj=exc, reason=reason, changes={"status": [old, to]}
    )


DEFAULT_WARNING_TEXT = (
    "Special risk warning: the product {product} is rated {rating}, above your risk level {level}. "
    "It may lose more value, more quickly, than products suited to your level, and you could lose "
    "part or all of the amount invested. You are buying it on your own initiative, against the "
    "firm's suitability assessment."
)


def suitability_exception_request(
    *,
    client,
    product: Product,
    actor,
    client_reason: str,
    warning_text: str = "",
    scope: str = ExceptionScope.AMOUNT,
    max_amount: Decimal | None = None,
    proposal_number: str = "",
    expires_on: datetime.date | None = None,
) -> SuitabilityException:
    """SPEC §2: a client-initiated purchase above the level needs a special risk warning the client
    confirms and compliance sign-off — never for C1 clients, never without a valid profile.

    Issue 14: the exception records the client level and product rating it is granted for, a
    scope (one proposal, or a maximum amount) and an expiry (default and at most: the profile's
    last valid day)."""
    from .selectors import client_risk_profile

    _require(
        actor, "risk.request_exception", client, _("Only the client's advisor may request an exception.")
    )
    if not client_reason.strip():
        raise DomainError(_("Record why the client wants this product."), field="client_reason")
    result = suitability_check(client=client, product=product)
    if result.suitable:
        raise Conflict(_("The product is already suitable for this client; no exception is needed."))
    if not result.exception_possible:
        raise Conflict(result.reason)
    if scope not in ExceptionScope.values:
        raise DomainError(_("Choose what the exception covers."), field="scope")
    if scope == ExceptionScope.AMOUNT and (max_amount is None or Decimal(str(max_amount)) <= 0):
        raise DomainError(_("Give the maximum amount the exception covers."), field="max_amount")
    if scope == ExceptionScope.PROPOSAL and not proposal_number.strip():
        raise DomainError(_("Give the number of the proposal the exception covers."), field="proposal_number")
    profile = client_risk_profile(client=client)
    if profile is not None and profile.needs_reassessment:
        raise Conflict(
            _(
                "The client's risk profile needs re-assessment (%(r)s); re-assess before asking for an exception."
            )
            % {"r": profile.reassessment_reason or _("significant change")}
        )
    if profile is not None and profile.valid_until is not None:
        if expires_on is None:
            expires_on = profile.valid_until
        elif expires_on > profile.valid_until:
            raise DomainError(
                _("An exception cannot outlive the risk profile (valid until %(d)s).")
                % {"d": profile.valid_until},
                field="expires_on",
            )
    if expires_on is not None and expires_on < today():
        raise DomainError(_("The expiry date is in the past."), field="expires_on")
    with transaction.atomic():
        open_one = SuitabilityException.objects.filter(
            client=client,
            product=product,
            status__in=[ExceptionStatus.REQUESTED, ExceptionStatus.CLIENT_CONFIRMED],
        ).exists()
        if open_one:
            raise Conflict(_("An exception for this client and product is already in progress."))
        exc = SuitabilityException(
            client=client,
            product=product,
            client_level=result.client_level,
            product_rating=product.risk_rating,
            client_reason=client_reason.strip(),
            scope=scope,
            max_amount=Decimal(str(max_amount)) if scope == ExceptionScope.AMOUNT else None,
            proposal_number=proposal_number.strip() if scope == ExceptionScope.PROPOSAL else "",
            expires_on=expires_on,
            warning_text=warning_text.strip()
            or DEFAULT_WARNING_TEXT.format(
                product=product.name, rating=product.risk_rating, level=result.client_level
            ),
            requested_by=actor,
        )
        audited_save(exc, actor=actor, reason="Suitability exception requested")
        recipients = [client.user] if client.user_id else []
        if recipients:
            notify(
                recipients=recipients,
                kind="risk.exception_warning",
                subject=_("Please read and confirm a special risk warning"),
                body=exc.warning_text,
                url=_url("risk_portal:exception_confirm", exc.pk),
            )
    return exc


def suitability_exception_client_confirm(*, exception: SuitabilityException, actor) -> SuitabilityException:
    """The client confirms the special risk warning (logged). An advisor may record it only for a
    client without a portal login (confirmed on paper)."""
    _require(actor, "risk.confirm_exception", exception, _("Only the client may confirm this warning."))
    with transaction.atomic():
        exc = SuitabilityException.objects.select_for_update().get(pk=exception.pk)
        exc.client_confirmed_at = now()
        exc.client_confirmed_by = actor
        _exception_transition(
            exc,
            to=ExceptionStatus.CLIENT_CONFIRMED,
            actor=actor,
            reason="Client confirmed the special risk warning"
            + ("" if actor.is_client else " (recorded by the advisor)"),
        )
        from advisory.models import User
        from advisory.roles import Role

        notify(
            recipients=list(User.objects.filter(role=Role.COMPLIANCE, is_active=True)),
            kind="risk.exception_pending",
            subject=_("Suitability exception awaiting sign-off"),
            body=str(exc),
            url=_url("risk:exception_detail", exc.pk),
        )
    return exc


def _exception_decide(*, exception, actor, to: str, note: str) -> SuitabilityException:
    _require(actor, "risk.approve_exception", exception, _("Only compliance may sign off exceptions."))
    with transaction.atomic():
        exc = SuitabilityException.objects.select_for_update().select_related("client").get(pk=exception.pk)
        if to == ExceptionStatus.APPROVED and level_number(exc.client_level) <= 1:
            raise Conflict(_("C1 clients never get a suitability exception."))
        if to == ExceptionStatus.APPROVED and exc.client_confirmed_at is None:
            raise Conflict(_("The client has not confirmed the special risk warning yet."))
        if to == ExceptionStatus.APPROVED:
            from .selectors import client_risk_profile

            profile = client_risk_profile(client=exc.client)
            if profile is None or profile.is_expired or profile.level != exc.client_level:
                raise Conflict(
                    _("The client's risk profile changed since the request; the exception no longer applies.")
                )
            if exc.product.risk_rating != exc.product_rating:
                raise Conflict(
                    _("The product was re-rated since the request; the exception no longer applies.")
                )
        if to == ExceptionStatus.REJECTED and not note.strip():
            raise DomainError(_("Give the reason for the rejection."), field="note")
        exc.decided_at = now()
        exc.decided_by = actor
        exc.decision_note = note.strip()
        _exception_transition(exc, to=to, actor=actor, reason=f"Compliance {to}: {note}".strip())
        notify(
            recipients=[exc.requested_by],
            kind="risk.exception_decided",
            subject=_("Suitability exception %(s)s") % {"s": exc.get_status_display().lower()},
            body=note,
            url=_url("risk:exception_detail", exc.pk),
        )
    return exc


def suitability_exception_approve(
    *, exception: SuitabilityException, actor, note: str = ""
) -> SuitabilityException:
    return _exception_decide(exception=exception, actor=actor, to=ExceptionStatus.APPROVED, note=note)


def suitability_exception_reject(
    *, exception: SuitabilityException, actor, note: str
) -> SuitabilityException:
    return _exception_decide(exception=exception, actor=actor, to=ExceptionStatus.REJECTED, note=note)


def suitability_exception_withdraw(*, exception: SuitabilityException, actor) -> SuitabilityException:
    _require(
        actor, "risk.request_exception", exception.client, _("Only the client's advisor may withdraw it.")
    )
    with transaction.atomic():
        exc = SuitabilityException.objects.select_for_update().get(pk=exception.pk)
        _exception_transition(exc, to=ExceptionStatus.WITHDRAWN, actor=actor, reason="Withdrawn")
    return exc


def professional_classification_record(
    *,
    client,
    actor,
    evidence: str,
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
    document=None,
) -> ProfessionalInvestorClassification:
    """Record a professional-investor classification; evidence is required (SPEC §2)."""
    _require(actor, "risk.record_professional", client)
    if not evidence.strip():
        raise DomainError(_("Describe the evidence for the professional classification."), field="evidence")
    valid_from = valid_from or today()
    if valid_until and valid_until < valid_from:
        raise DomainError(_("The end date is before the start date."), field="valid_until")
    obj = ProfessionalInvestorClassification(
        client=client,
        evidence=evidence.strip(),
        recorded_by=actor,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    if document is not None:
        obj.evidence_document = document
    with transaction.atomic():
        audited_save(obj, actor=actor, reason="Professional investor classification recorded")
    return obj


def professional_evidence_download_log(*, classification: ProfessionalInvestorClassification, actor) -> None:
    """Reading the evidence of a professional classification is a recorded sensitive read (SPEC §5)."""
    _require(actor, "risk.view_assessment", classification.client)
    audit_log(actor=actor, action=AuditAction.DOWNLOAD, obj=classification, reason="evidence downloaded")


# --- Questionnaires (SPEC §2) ----------------------------------------------------------------------


def _check_draft(version: QuestionnaireVersion) -> None:
    if version.is_frozen:
        raise Conflict(
            _("Version %(n)s is %(s)s and frozen; create a new version to change it.")
            % {"n": version.number, "s": version.get_status_display().lower()}
        )


def validate_score_bands(bands: list[dict]) -> None:
    """Five contiguous ascending bands C1..C5 with min ≤ max."""
    if [b.get("level") for b in bands] != [lvl.value for lvl in LEVELS]:
        raise DomainError(
            _("Define exactly one score band per level, C1 to C5 in order."), field="score_bands"
        )
    try:
        pairs = [(int(b["min"]), int(b["max"])) for b in bands]
    except (KeyError, TypeError, ValueError) as exc:
        raise DomainError(_("Every band needs a whole-number min and max."), field="score_bands") from exc
    for i, (lo, hi) in enumerate(pairs):
        if lo > hi:
            raise DomainError(_("A band's min is above its max."), field="score_bands")
        if i and lo != pairs[i - 1][1] + 1:
            raise DomainError(
                _("Bands must be contiguous (each min = previous max + 1)."), field="score_bands"
            )


def questionnaire_version_update(
    *, version: QuestionnaireVersion, actor, **fields: Any
) -> QuestionnaireVersion:
    """Edit a draft version's texts and bands. Published versions are frozen (SPEC §2)."""
    _require(actor, "risk.manage_questionnaires")
    _check_draft(version)
    allowed = {"title", "title_zh", "introduction", "introduction_zh", "score_bands"}
    for key, value in fields.items():
        if key not in allowed:
            raise DomainError(_("Unknown field %(f)s.") % {"f": key})
        setattr(version, key, value)
    if "score_bands" in fields:
        validate_score_bands(version.score_bands)
    with transaction.atomic():
        audited_save(version, actor=actor, reason="Draft questionnaire edited")
    return version


def question_save(
    *,
    version: QuestionnaireVersion,
    actor,
    code: str,
    order: int,
    role: str,
    text: str,
    text_zh: str = "",
    options: list[dict],
) -> Question:
    """Add or replace a question (by code) in a draft version; options: [{code, text, text_zh, score, meaning}]."""
    _require(actor, "risk.manage_questionnaires")
    _check_draft(version)
    if not options:
        raise DomainError(_("A question needs at least one option."), field="options")
    with transaction.atomic():
        question, _created = Question.objects.get_or_create(
            version=version, code=code, defaults={"order": order, "role": role, "text": text}
        )
        question.order, question.role, question.text, question.text_zh = order, role, text, text_zh
        audited_save(question, actor=actor, reason="Question saved")
        question.options.all().delete()
        for i, opt in enumerate(options, start=1):
            audited_save(
                QuestionOption(
                    question=question,
                    order=opt.get("order", i),
                    code=opt["code"],
                    text=opt["text"],
                    text_zh=opt.get("text_zh", ""),
                    score=int(opt["score"]),
                    meaning=opt.get("meaning", ""),
                ),
                actor=actor,
                reason="Option saved",
            )
    return question


def question_delete(*, question: Question, actor) -> None:
    _require(actor, "risk.manage_questionnaires")
    _check_draft(question.version)
    question.delete()


def questionnaire_new_version(*, version: QuestionnaireVersion, actor) -> QuestionnaireVersion:
    """ "Edit" of a questionnaire: a new draft version copying the questions, options and bands."""
    _require(actor, "risk.manage_questionnaires")
    with transaction.atomic():
        last = (
            QuestionnaireVersion.objects.select_for_update()
            .filter(questionnaire_id=version.questionnaire_id)
            .order_by("-number")
            .first()
        )
        if QuestionnaireVersion.objects.filter(
            questionnaire_id=version.questionnaire_id, status=VersionStatus.DRAFT
        ).exists():
            raise Conflict(_("A draft version already exists; edit that one or publish it first."))
        new = QuestionnaireVersion(
            questionnaire_id=version.questionnaire_id,
            number=last.number + 1,
            title=version.title,
            title_zh=version.title_zh,
            introduction=version.introduction,
            introduction_zh=version.introduction_zh,
            score_bands=list(version.score_bands),
        )
        audited_save(new, actor=actor, reason=f"New draft from version {version.number}")
        for q in version.questions.prefetch_related("options").all():
            nq = Question(
                version=new, order=q.order, code=q.code, role=q.role, text=q.text, text_zh=q.text_zh
            )
            audited_save(nq, actor=actor, reason="Copied question")
            for o in q.options.all():
                audited_save(
                    QuestionOption(
                        question=nq,
                        order=o.order,
                        code=o.code,
                        text=o.text,
                        text_zh=o.text_zh,
                        score=o.score,
                        meaning=o.meaning,
                    ),
                    actor=actor,
                    reason="Copied option",
                )
    return new


def questionnaire_version_publish(*, version: QuestionnaireVersion, actor) -> QuestionnaireVersion:
    """Publish a draft: it becomes frozen and the questionnaire's previous published version retires."""
    _require(actor, "risk.manage_questionnaires")
    with transaction.atomic():
        version = QuestionnaireVersion.objects.select_for_update().get(pk=version.pk)
        _check_draft(version)
        questions = list(version.questions.prefetch_related("options"))
        if not questions:
            raise DomainError(_("A questionnaire needs questions before it is published."))
        if any(not q.options.all() for q in questions):
            raise DomainError(_("Every question needs options before publishing."))
        validate_score_bands(version.score_bands)
        max_score = sum(max(o.score for o in q.options.all()) for q in questions)
        min_score = sum(min(o.score for o in q.options.all()) for q in questions)
        bands = version.score_bands
        if int(bands[0]["min"]) > min_score or int(bands[-1]["max"]) < max_score:
            raise DomainError(
                _("The bands must cover every possible score (%(lo)s to %(hi)s).")
                % {"lo": min_score, "hi": max_score},
                field="score_bands",
            )
        for old in QuestionnaireVersion.objects.filter(
            questionnaire_id=version.questionnaire_id, status=VersionStatus.PUBLISHED
        ):
            old.status = VersionStatus.RETIRED
            audited_save(old, actor=actor, reason=f"Retired by version {version.number}")
        version.status = VersionStatus.PUBLISHED
        version.published_at = now()
        version.published_by = actor
        audited_save(version, actor=actor, reason="Published")
        audit_log(
            actor=actor,
            action=AuditAction.TRANSITION,
            obj=version,
            reason="Questionnaire version published",
            changes={"status": [VersionStatus.DRAFT, VersionStatus.PUBLISHED]},
        )
    return version


# --- Scoring, capacity, contradictions --------------------------------------------------------------


@dataclass
class ScoreResult:
    score: int
    willingness_level: str
    snapshot: dict[str, dict]
    contradictions: list[str] = field(default_factory=list)
    horizon: str = ""
    income_stability: str = ""


# The defaults; the rules in force come from risk.conf (settings RISK_CONTRADICTION_RULES).
CONTRADICTION_RULES: list[tuple[str, set[str], str, set[str], str]] = conf.DEFAULTS["CONTRADICTION_RULES"]


def score_answers(*, version: QuestionnaireVersion, answers: dict[str, str]) -> ScoreResult:
    """Score answers {question_code: option_code}; every question must be answered once."""
    questions = list(version.questions.prefetch_related("options").order_by("order"))
    errors: dict[str, list[str]] = {}
    snapshot: dict[str, dict] = {}
    for q in questions:
        chosen = answers.get(q.code)
        option = next((o for o in q.options.all() if o.code == chosen), None)
        if option is None:
            errors.setdefault(q.code, []).append(_("Choose one of the answers."))
            continue
        snapshot[q.code] = {
            "question": q.text,
            "option": option.code,
            "answer": option.text,
            "score": option.score,
            "role": q.role,
            "meaning": option.meaning,
        }
    unknown = set(answers) - {q.code for q in questions}
    if unknown:
        errors["answers"] = [_("Unknown questions: %(q)s") % {"q": ", ".join(sorted(unknown))}]
    if errors:
        raise DomainError(_("Answer every question."), fields=errors)
    score = sum(a["score"] for a in snapshot.values())
    level = version.level_for_score(score)
    if level is None:
        raise DomainError(_("The score %(s)s is outside the questionnaire's bands.") % {"s": score})
    meanings: dict[str, set[str]] = {}
    for a in snapshot.values():
        meanings.setdefault(a["role"], set()).add(a["meaning"])
    contradictions = [
        msg
        for role_a, vals_a, role_b, vals_b, msg in conf.get("CONTRADICTION_RULES")
        if meanings.get(role_a, set()) & vals_a and meanings.get(role_b, set()) & vals_b
    ]
    horizon = next(iter(meanings.get(QuestionRole.HORIZON, set())), "")
    return ScoreResult(
        score=score,
        willingness_level=level,
        snapshot=snapshot,
        contradictions=contradictions,
        horizon=horizon,
    )


HORIZON_CAPACITY = {"lt1y": 1, "1to3y": 2, "3to5y": 3, "5to10y": 4, "gt10y": 5}


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def capacity_level(*, client, horizon: str, answered_income_stability: str = "") -> tuple[str, list[str]]:
    """SPEC §2 capacity: the lowest of what the horizon, the income stability and the months of
    emergency reserve allow. Horizon: <1y C1, 1–3y C2, 3–5y C3, 5–10y C4, >10y C5. Income:
    unstable caps at C2, variable at C3. Reserves (liquid reserves / monthly expenses): < 3
    months caps at C2, 3–6 months at C4. A missing input does not constrain."""
    notes: list[str] = []
    cap = 5
    if horizon in HORIZON_CAPACITY:
        cap = HORIZON_CAPACITY[horizon]
        notes.append(f"Horizon {horizon}: up to C{cap}.")
    else:
        notes.append("No horizon answer: horizon does not constrain capacity.")
    stability = getattr(client, "income_stability", None) or None
    if stability is None and answered_income_stability:
        stability = answered_income_stability
        notes.append("Income stability taken from the questionnaire answer.")
    if stability is None:
        notes.append("Income stability not recorded on the client file: not constrained.")
    else:
        s = str(stability).lower()
        limit = (
            2 if s in {"unstable", "none", "irregular", "low"} else 3 if s in {"variable", "medium"} else 5
        )
        notes.append(f"Income stability {stability}: up to C{limit}.")
        cap = min(cap, limit)
    months = _decimal(getattr(client, "emergency_reserve_months", None))
    if months is None:
        reserves = _decimal(getattr(client, "liquid_reserves", None))
        expenses = _decimal(getattr(client, "monthly_expenses", None))
        if reserves is not None and expenses:
            months = reserves / expenses
    if months is None:
        notes.append("Emergency reserves not recorded on the client file: not constrained.")
    else:
        limit = 2 if months < 3 else 4 if months < 6 else 5
        notes.append(f"Emergency reserve {months:.1f} months: up to C{limit}.")
        cap = min(cap, limit)
    return _level(cap), notes


# --- Assessments (SPEC §2) -------------------------------------------------------------------------


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
    from .selectors import current_published_version

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
            subject=_("Contradictory risk answers need your note"),
            body="; ".join(assessment.contradictions),
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
            audited_save(prev, actor=actor, reason=f"Superseded by assessment #{assessment.pk}")
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
            reason="Confirmed by the client" if actor.is_client else "Confirmed (client confirmed in person)",
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
            subject = _("Risk profile of %(name)s expires on %(date)s") % {
                "name": client.name,
                "date": a.valid_until,
            }
            notify(
                recipients=[client.advisor],
                kind="risk.profile_expiring",
                subject=subject,
                body=_("Please arrange a new risk assessment before the profile expires."),
                url=_url("risk:assessment_detail", a.pk),
            )
            if client.user_id:
                notify(
                    recipients=[client.user],
                    kind="risk.profile_expiring",
                    subject=_("Your risk profile expires on %(date)s") % {"date": a.valid_until},
                    body=_("Please retake the risk questionnaire in the portal."),
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


def reassessment_prompt(*, client, reason: str, actor=None) -> RiskAssessment | None:
    """SPEC §2: a significant change (income, horizon, life event) prompts a re-assessment. Flags
    the current profile and notifies the advisor (and the client if they use the portal).
    Returns the flagged assessment, or None when the client has no profile yet."""
    from .selectors import _current_assessment

    with transaction.atomic():
        current = _current_assessment(client)
        if current is not None and not current.needs_reassessment:
            current.needs_reassessment = True
            current.reassessment_reason = reason[:300]
            audited_save(current, actor=actor, reason=f"Re-assessment prompted: {reason}")
        notify(
            recipients=[client.advisor],
            kind="risk.reassessment",
            subject=_("Re-assess the risk profile of %(name)s") % {"name": client.name},
            body=reason,
            url=_url("risk:assessment_new", client.pk),
        )
        if client.user_id:
            notify(
                recipients=[client.user],
                kind="risk.reassessment",
                subject=_("Please retake the risk questionnaire"),
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


def significant_change_reasons(*, before: Any, after: Any) -> list[str]:
    """SPEC §2: which changes in the client's financial status are significant enough to prompt a
    re-assessment: income stability changed; monthly income moved by 20% or more; emergency
    reserve crossed a capacity threshold (3 or 6 months). `before`/`after` are client-like objects
    (a Client and its previous history record)."""
    reasons: list[str] = []
    old_s, new_s = getattr(before, "income_stability", "") or "", getattr(after, "income_stability", "") or ""
    if old_s and old_s != new_s:
        reasons.append(f"Income stability changed from {old_s} to {new_s or 'not recorded'}")
    old_i, new_i = (
        _decimal(getattr(before, "monthly_income", None)),
        _decimal(getattr(after, "monthly_income", None)),
    )
    threshold = Decimal(str(conf.get("SIGNIFICANT_INCOME_CHANGE")))
    if old_i and new_i is not None and abs(new_i - old_i) / old_i >= threshold:
        reasons.append(f"Monthly income changed by {(new_i - old_i) / old_i:+.0%}")
    old_b = _reserve_bucket(
        getattr(before, "liquid_reserves", None), getattr(before, "monthly_expenses", None)
    )
    new_b = _reserve_bucket(getattr(after, "liquid_reserves", None), getattr(after, "monthly_expenses", None))
    if old_b is not None and new_b is not None and old_b != new_b:
        reasons.append("Emergency reserve crossed a capacity threshold (3 or 6 months)")
    return reasons


def client_financial_change_check(*, client, previous, actor=None) -> RiskAssessment | None:
    """Called after a client file is saved (risk.signals, via simple-history): prompts a
    re-assessment when the change is significant and the client has a profile."""
    from .selectors import _current_assessment

    reasons = significant_change_reasons(before=previous, after=client)
    if not reasons or _current_assessment(client) is None:
        return None
    return reassessment_prompt(client=client, reason="; ".join(reasons), actor=actor)


# --- Firm risk register (issue 7, SPEC §6) --------------------------------------------------------

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
        audited_save(risk, actor=actor, reason="Risk registered")
    return risk


def risk_update(*, risk: Risk, actor, reason: str = "Risk updated", **fields: Any) -> Risk:
    _require(actor, "risk.change_register")
    unknown = set(fields) - RISK_FIELDS
    if unknown:
        raise DomainError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic():
        risk = Risk.objects.select_for_update().get(pk=risk.pk)
        old_status = risk.status
        for key, value in fields.items():
            setattr(risk, key, value)
        risk.level = risk_level_for(probability=int(risk.probability), impact=int(risk.impact))
        audited_save(risk, actor=actor, reason=reason or "Risk updated")
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
    return risk_update(risk=risk, actor=actor, reason=f"Reviewed. {note}".strip(), review_date=next_review)


# --- Suitability that follows the facts (issue 14) -------------------------------------------------


def _inputs_changed(
    *, client_ids: list[int] | None = None, product_ids: list[int] | None = None, reason: str
) -> None:
    """Tell the apps that rely on suitability (planning) that a client's profile or a product's
    rating changed, once the transaction commits (risk.signals.suitability_inputs_changed)."""
    from .signals import suitability_inputs_changed

    client_ids, product_ids = list(client_ids or []), list(product_ids or [])
    transaction.on_commit(
        lambda: suitability_inputs_changed.send(
            sender=Product, client_ids=client_ids, product_ids=product_ids, reason=reason
        )
    )


def exception_covers(
    exc: SuitabilityException,
    *,
    client_level: str | None,
    product_rating: str,
    on: datetime.date,
    amount: Decimal | None = None,
    proposal_number: str = "",
) -> bool:
    """Issue 14: an approved exception holds only for the client level and product rating it was
    granted for, within its scope and before its expiry — and never for a C1 client."""
    if exc.status != ExceptionStatus.APPROVED or not client_level:
        return False
    if level_number(client_level) <= 1 or exc.client_level != client_level:
        return False
    if exc.product_rating != product_rating:
        return False
    if exc.expires_on is not None and exc.expires_on < on:
        return False
    if exc.scope == ExceptionScope.PROPOSAL:
        return bool(proposal_number) and exc.proposal_number == proposal_number
    return not (exc.max_amount is not None and amount is not None and amount > exc.max_amount)


def suitability_exceptions_lapse(
    *,
    reason: str,
    actor=None,
    client_id: int | None = None,
    product_id: int | None = None,
    on: datetime.date | None = None,
) -> int:
    """Issue 14: exceptions lapse when the client is re-assessed, the product re-rated, or they
    expire. Approved and still-pending exceptions of the client (or product) move to LAPSED, each
    with history and an audit TRANSITION; the advisor is told. Call inside the caller's transaction."""
    qs = SuitabilityException.objects.select_for_update().filter(
        status__in=[ExceptionStatus.REQUESTED, ExceptionStatus.CLIENT_CONFIRMED, ExceptionStatus.APPROVED]
    )
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    if product_id is not None:
        qs = qs.filter(product_id=product_id)
    if reason == LapseReason.EXPIRED:
        qs = qs.filter(expires_on__lt=on or today())
    stamp = now()
    count = 0
    for exc in qs.select_related("client", "product", "requested_by").order_by("pk"):
        exc.lapsed_at = stamp
        exc.lapse_reason = reason
        _exception_transition(
            exc, to=ExceptionStatus.LAPSED, actor=actor, reason=f"Lapsed: {LapseReason(reason).label}"
        )
        notify(
            recipients=[exc.client.advisor],
            kind="risk.exception_lapsed",
            subject=_("Suitability exception for %(p)s (%(c)s) lapsed")
            % {"p": exc.product.code, "c": exc.client.name},
            body=str(LapseReason(reason).label),
            url=_url("risk:exception_detail", exc.pk),
        )
        count += 1
    return count


def exception_expiry_sweep(*, on: datetime.date | None = None) -> int:
    """Nightly: exceptions past their expiry lapse (planning ignores them already by date; this
    makes the status say so). Safe to run twice: a lapsed exception is not selected again."""
    on = on or today()
    with transaction.atomic():
        ids = list(
            SuitabilityException.objects.filter(
                status=ExceptionStatus.APPROVED, expires_on__lt=on
            ).values_list("client_id", flat=True)
        )
        count = suitability_exceptions_lapse(reason=LapseReason.EXPIRED, on=on)
        if count:
            _inputs_changed(client_ids=sorted(set(ids)), reason="exception_expired")
    return count


# --- Life events (issue 14, SPEC §2) ---------------------------------------------------------------


def life_event_record(
    *,
    client,
    actor,
    kind: str,
    occurred_on: datetime.date,
    note: str = "",
    is_significant: bool | None = None,
) -> LifeEvent:
    """Record a life event (retirement, marriage or divorce, death in the family, large
    inheritance, job loss, change of horizon…) with its date and note. A significant one
    (by default the kinds in RISK_SIGNIFICANT_LIFE_EVENTS) flags the current risk profile for
    re-assessment, which blocks new proposals until the client is re-assessed (SPEC §2)."""
    _require(
        actor, "risk.record_life_event", client, _("Only the client or the client's advisor may record this.")
    )
    if kind not in LifeEventKind.values:
        raise DomainError(_("Choose the kind of event."), field="kind")
    if occurred_on is None:
        raise DomainError(_("Give the date of the event."), field="occurred_on")
    if occurred_on > today() + relativedelta(years=2):
        raise DomainError(_("The date is too far in the future."), field="occurred_on")
    if kind == LifeEventKind.OTHER and not note.strip():
        raise DomainError(_("Describe the event."), field="note")
    significant = kind in conf.get("SIGNIFICANT_LIFE_EVENTS") if is_significant is None else is_significant
    event = LifeEvent(
        client=client,
        kind=kind,
        occurred_on=occurred_on,
        note=note.strip(),
        is_significant=significant,
        recorded_by=actor,
    )
    with transaction.atomic():
        audited_save(event, actor=actor, reason="Life event recorded")
        if significant:
            label = LifeEventKind(kind).label
            flagged = reassessment_prompt(
                client=client, reason=f"Life event: {label} ({occurred_on:%Y-%m-%d})", actor=actor
            )
            if flagged is not None:
                _inputs_changed(client_ids=[client.pk], reason="life_event")
    return event


# --- Product governance (issue 14; seed 002 §3.3, seed 003 §8.2.1) ----------------------------------


def product_rating_submit(
    *, product: Product, actor, proposed_rating: str, rationale: str, factors: str
) -> ProductRatingAssessment:
    """The written assessment behind a product's rating (rationale, factors, assessor). It takes
    effect only once a second person (risk reviewer or compliance) approves it."""
    _require(
        actor, "risk.assess_product", product, _("Only risk, compliance or product staff may assess ratings.")
    )
    errors: dict[str, list[str]] = {}
    if proposed_rating not in ProductRiskRating.values:
        errors["proposed_rating"] = [_("Choose a rating from R1 to R5.")]
    if not rationale.strip():
        errors["rationale"] = [_("Write the rationale for the rating.")]
    if not [f for f in factors.splitlines() if f.strip()]:
        errors["factors"] = [_("List the factors considered, one per line.")]
    if errors:
        raise DomainError(_("The assessment is incomplete."), fields=errors)
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=product.pk)  # the rating as it stands now
        if ProductRatingAssessment.objects.filter(
            product=product, status=RatingAssessmentStatus.PENDING
        ).exists():
            raise Conflict(_("An assessment of this product is already awaiting approval."))
        assessment = ProductRatingAssessment(
            product=product,
            previous_rating=product.risk_rating if product.rating_approved_at else "",
            proposed_rating=proposed_rating,
            rationale=rationale.strip(),
            factors="\n".join(f.strip() for f in factors.splitlines() if f.strip()),
            assessor=actor,
        )
        audited_save(assessment, actor=actor, reason="Product rating assessment written")
        from advisory.models import User
        from advisory.roles import Role

        notify(
            recipients=[
                u
                for u in User.objects.filter(role__in=[Role.RISK_REVIEWER, Role.COMPLIANCE], is_active=True)
                if u.pk != actor.pk
            ],
            kind="risk.rating_pending",
            subject=_("Product rating of %(p)s awaits approval") % {"p": product.code},
            body=assessment.rationale,
            url=_url("risk:rating_detail", assessment.pk),
        )
    return assessment


def _rating_decide(
    *, assessment: ProductRatingAssessment, actor, approve: bool, note: str
) -> ProductRatingAssessment:
    _require(
        actor,
        "risk.approve_rating",
        assessment,
        _("Only a risk reviewer or compliance officer may approve ratings."),
    )
    if not approve and not note.strip():
        raise DomainError(_("Give the reason for the rejection."), field="note")
    with transaction.atomic():
        assessment = (
            ProductRatingAssessment.objects.select_for_update()
            .select_related("product")
            .get(pk=assessment.pk)
        )
        if assessment.status != RatingAssessmentStatus.PENDING:
            raise Conflict(_("This assessment is already decided."))
        if assessment.assessor_id == actor.pk:
            raise NotAllowed(_("A second person must approve: the assessor cannot approve their own rating."))
        stamp = now()
        old = assessment.status
        assessment.decided_by, assessment.decided_at = actor, stamp
        assessment.decision_note = note.strip()
        assessment.status = RatingAssessmentStatus.APPROVED if approve else RatingAssessmentStatus.REJECTED
        if approve:
            months = int(conf.get("RATING_REVIEW_MONTHS"))
            assessment.review_due = today() + relativedelta(months=months)
        audited_save(assessment, actor=actor, reason=f"Rating {assessment.status}: {note}".strip())
        audit_log(
            actor=actor,
            action=AuditAction.TRANSITION,
            obj=assessment,
            reason=note.strip() or str(assessment.get_status_display()),
            changes={"status": [old, assessment.status]},
        )
        if approve:
            _rating_apply(assessment=assessment, actor=actor)
        notify(
            recipients=[assessment.assessor],
            kind="risk.rating_decided",
            subject=_("Rating of %(p)s: %(s)s")
            % {"p": assessment.product.code, "s": assessment.get_status_display()},
            body=note,
            url=_url("risk:rating_detail", assessment.pk),
        )
    return assessment


def _rating_apply(*, assessment: ProductRatingAssessment, actor) -> None:
    """The approved assessment is now the product's rating. Re-rating (a different rating)
    reopens what relied on the old one: its exceptions lapse and planning re-checks drafts and
    monitors issued/accepted proposals (risk.signals.suitability_inputs_changed)."""
    product = Product.objects.select_for_update().get(pk=assessment.product_id)
    for older in ProductRatingAssessment.objects.filter(
        product=product, status=RatingAssessmentStatus.APPROVED
    ).exclude(pk=assessment.pk):
        older.status = RatingAssessmentStatus.SUPERSEDED
        audited_save(older, actor=actor, reason=f"Superseded by rating assessment #{assessment.pk}")
    old_rating = product.risk_rating
    rerated = old_rating != assessment.proposed_rating
    product.risk_rating = assessment.proposed_rating
    product.rating_approved_at = assessment.decided_at
    product.rating_review_due = assessment.review_due
    audited_save(
        product,
        actor=actor,
        reason=f"Rating {old_rating} → {product.risk_rating} approved" if rerated else "Rating confirmed",
    )
    if rerated:
        suitability_exceptions_lapse(reason=LapseReason.RERATED, actor=actor, product_id=product.pk)
        audit_log(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=product,
            reason="Product re-rated",
            changes={"risk_rating": [old_rating, product.risk_rating]},
        )
    _inputs_changed(product_ids=[product.pk], reason="rerated" if rerated else "rating_confirmed")


def product_rating_approve(
    *, assessment: ProductRatingAssessment, actor, note: str = ""
) -> ProductRatingAssessment:
    return _rating_decide(assessment=assessment, actor=actor, approve=True, note=note)


def product_rating_reject(
    *, assessment: ProductRatingAssessment, actor, note: str
) -> ProductRatingAssessment:
    return _rating_decide(assessment=assessment, actor=actor, approve=False, note=note)


def _claim_rating_reminder(pk: int, stamp: datetime.datetime) -> bool:
    with allow_bulk_writes():
        return (
            ProductRatingAssessment.objects.filter(pk=pk, review_reminder_sent_at__isnull=True).update(
                review_reminder_sent_at=stamp
            )
            == 1
        )


def rating_review_sweep(*, on: datetime.date | None = None) -> dict[str, int]:
    """Issue 14: ratings are reviewed on a schedule (default yearly). RATING_REVIEW_WARNING_DAYS
    before the review is due, risk and compliance are warned once per assessment (conditional
    UPDATE claims the reminder); a lapsed review makes the product not offerable (Product.
    is_offerable) and planning's monitoring raises warnings on proposals holding it."""
    from advisory.models import User
    from advisory.roles import Role

    on = on or today()
    soon = on + datetime.timedelta(days=int(conf.get("RATING_REVIEW_WARNING_DAYS")))
    stamp = now()
    warned = 0
    people = list(User.objects.filter(role__in=[Role.RISK_REVIEWER, Role.COMPLIANCE], is_active=True))
    due = (
        ProductRatingAssessment.objects.filter(
            status=RatingAssessmentStatus.APPROVED, review_due__lte=soon, review_reminder_sent_at__isnull=True
        )
        .select_related("product")
        .order_by("pk")
    )
    for a in due:
        with transaction.atomic():
            if not _claim_rating_reminder(a.pk, stamp):
                continue
            lapsed = a.review_due < on
            notify(
                recipients=people,
                kind="risk.rating_review_due",
                subject=(
                    _("Rating review of %(p)s lapsed on %(d)s: the product cannot be offered")
                    if lapsed
                    else _("Rating review of %(p)s is due on %(d)s")
                )
                % {"p": a.product.code, "d": a.review_due},
                body=a.product.name,
                url=_url("risk:rating_list"),
            )
            audit_log(
                actor=None, action=AuditAction.NOTIFICATION, obj=a, reason="Rating review reminder sent"
            )
            warned += 1
    lapsed_ids = list(
        Product.objects.filter(
            rating_review_due__lt=on, rating_review_due__gte=on - datetime.timedelta(days=1)
        ).values_list("pk", flat=True)
    )
    if lapsed_ids:
        _inputs_changed(product_ids=lapsed_ids, reason="rating_review_lapsed")
    expired = exception_expiry_sweep(on=on)
    logger.info(
        "rating_review_sweep warned=%s lapsed=%s exceptions_expired=%s", warned, len(lapsed_ids), expired
    )
    return {"warned": warned, "lapsed": len(lapsed_ids), "exceptions_lapsed": expired}
