"""Return visits (回访), satisfaction surveys beyond complaints, and the suggestion channel
(seed 000 §1.4, §7.2; seed 003 §6.2.3, §6.3.1). Views, the API and tasks call these only.

- Return visits are created after an accepted proposal, after a completed periodic review and
  for a quarterly sample of active clients (default 10 %), and assigned to a staff member other
  than the client's advisor (the one with the fewest open visits). The caller follows the
  script copied onto the visit and records the answers.
- Surveys (CSAT 1–5, NPS 0–10, free text) are sent after those events and once a year, to the
  portal and by a signed, single-use email link.
- Suggestions come from the portal and are answered and closed by staff; they are not
  complaints (no SLA, no escalation).

Every sweep is idempotent: one visit/survey per client, occasion and event is enforced by a
unique constraint, and existing ones are looked up in one query before creating.
Kept out of complaints/services/ (one module per sub-area), CONVENTIONS "When a module grows".
"""

from __future__ import annotations

import datetime
import logging
import math
import random
import secrets
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from advisory.clock import now, today
from advisory.errors import Conflict, DomainError, NotAllowed, NotFound
from advisory.history import audited_save
from advisory.models import User
from advisory.notifications import notifications_resolve, notify
from advisory.roles import Role
from advisory.rules import can
from advisory.texts import Text, client_language, text
from advisory.warnings import WarningSpec
from audit.models import AuditAction
from audit.services import audit_log

from .models import (
    ReturnVisit,
    ReturnVisitScript,
    ReturnVisitStatus,
    ReturnVisitTrigger,
    SatisfactionSurvey,
    Suggestion,
    SuggestionStatus,
    SurveyTrigger,
)

logger = logging.getLogger(__name__)

SURVEY_SALT = "complaints.survey-link"
# Staff roles that make return visits (never the client's own advisor).
CALLER_ROLES = (Role.ADVISOR, Role.SUPERVISOR)
V = ReturnVisitStatus
VISIT_TRANSITIONS: dict[tuple[str, str], str] = {
    (V.ASSIGNED, "complete"): V.COMPLETED,
    (V.ASSIGNED, "unreachable"): V.UNREACHABLE,
    (V.ASSIGNED, "cancel"): V.CANCELLED,
}
SG = SuggestionStatus
SUGGESTION_TRANSITIONS: dict[tuple[str, str], str] = {
    (SG.OPEN, "answer"): SG.ANSWERED,
    (SG.ANSWERED, "answer"): SG.ANSWERED,  # a follow-up answer replaces the first
    (SG.OPEN, "close"): SG.CLOSED,
    (SG.ANSWERED, "close"): SG.CLOSED,
}
_IMPROVE = gettext_lazy("Is there anything you would like us to improve?")
# The platform's scripts, used until the firm writes its own (admin: return-visit scripts). A
# visit copies its script's words; while the script is still this default, the words are copied
# in the client's language, since the caller reads them to the client.
DEFAULT_SCRIPTS = {
    ReturnVisitTrigger.PROPOSAL_ACCEPTED: (
        gettext_lazy("Return visit after an accepted proposal"),
        [
            gettext_lazy("Did your advisor explain the risks of the recommended products?"),
            gettext_lazy("Do the products match the risk level you were assessed at?"),
            gettext_lazy("Were fees and charges explained before you accepted?"),
            gettext_lazy("Did you receive the proposal documents?"),
            _IMPROVE,
        ],
    ),
    ReturnVisitTrigger.REVIEW: (
        gettext_lazy("Return visit after a periodic review"),
        [
            gettext_lazy("Did your advisor go through the review with you?"),
            gettext_lazy("Have your circumstances or goals changed since the review?"),
            gettext_lazy("Are you satisfied with how your plan is followed up?"),
            _IMPROVE,
        ],
    ),
    ReturnVisitTrigger.SAMPLING: (
        gettext_lazy("Quarterly service quality return visit"),
        [
            gettext_lazy("When did your advisor last contact you, and how?"),
            gettext_lazy("Do you understand the products you hold and their risks?"),
            gettext_lazy("Has anyone promised you returns or asked you to trade outside the firm?"),
            gettext_lazy("How satisfied are you with our service overall?"),
            _IMPROVE,
        ],
    ),
}


def default_script_words(trigger: str, language: str) -> tuple[str, list[str]]:
    """The platform's script for an occasion, in `language`."""
    title, questions = DEFAULT_SCRIPTS[trigger]
    with override(language):
        return str(title), [str(q) for q in questions]


def _is_default(script: ReturnVisitScript) -> bool:
    """The script still says what the platform wrote (in English, as it is stored)."""
    title, questions = default_script_words(script.trigger, "en")
    return script.title == title and script.question_list == questions and not script.introduction


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def _require(user: User, perm: str, obj: Any = None, message: str | None = None) -> None:
    if not can(user, perm, obj):
        raise NotAllowed(message or _("You are not allowed to do this."))


# -- return visits -----------------------------------------------------------------------------
def return_visit_script(*, trigger: str) -> ReturnVisitScript:
    """The script for an occasion; the default one is created on first use."""
    script = ReturnVisitScript.objects.filter(trigger=trigger).first()
    if script is None:
        title, questions = default_script_words(trigger, "en")
        script = ReturnVisitScript(trigger=trigger, title=title, questions="\n".join(questions))
        try:
            with transaction.atomic():
                audited_save(script, actor=None, reason="default return-visit script")
        except IntegrityError:
            script = ReturnVisitScript.objects.get(trigger=trigger)
    return script


def return_visit_pick_caller(*, client, exclude: set[int] | None = None) -> User:
    """The active caller with the fewest open visits, never the client's advisor (ties: lowest id)."""
    excluded = {client.advisor_id, *(exclude or set())}
    caller = (
        User.objects.filter(is_active=True, role__in=CALLER_ROLES)
        .exclude(pk__in=[pk for pk in excluded if pk])
        .annotate(open_visits=Count("return_visits", filter=Q(return_visits__status=V.ASSIGNED)))
        .order_by("open_visits", "pk")
        .first()
    )
    if caller is None:
        raise Conflict(_("No staff member other than the client's advisor can make the return visit."))
    return caller


def return_visit_create(
    *, client, trigger: str, source_ref: str, due_on: datetime.date | None = None, actor: User | None = None
) -> tuple[ReturnVisit, bool]:
    """Create the return visit for an event once (a second call returns the existing one)."""
    existing = ReturnVisit.objects.filter(client=client, trigger=trigger, source_ref=source_ref).first()
    if existing:
        return existing, False
    script = return_visit_script(trigger=trigger)
    title, questions = script.title, script.question_list
    if _is_default(script):
        title, questions = default_script_words(trigger, client_language(client))
    visit = ReturnVisit(
        client=client,
        trigger=trigger,
        source_ref=source_ref,
        assignee=return_visit_pick_caller(client=client),
        due_on=due_on or today() + datetime.timedelta(days=int(_setting("RETURN_VISIT_DUE_DAYS", 10))),
        script_title=title,
        introduction=script.introduction,
        questions=questions,
    )
    try:
        with transaction.atomic():
            audited_save(
                visit,
                actor=actor,
                reason=text("audit.return_visit_created_trigger", trigger=ReturnVisitTrigger(trigger).label),
            )
    except IntegrityError:  # a concurrent sweep created it
        return ReturnVisit.objects.get(client=client, trigger=trigger, source_ref=source_ref), False
    assignee = visit.assignee
    transaction.on_commit(
        lambda: notify(
            recipients=[assignee],
            kind="return_visit.assigned",
            subject=text("notify.return_visit_assigned", client=client.name),
            url=reverse("complaints:return_visit_detail", args=[visit.pk]),
            about=visit,
        )
    )
    return visit, True


def return_visit_record(
    *,
    visit: ReturnVisit,
    actor: User,
    reached: bool,
    answers: list[str] | None = None,
    outcome: str = "",
    issues_found: bool = False,
) -> ReturnVisit:
    """The caller records a call: reached → the answers (one per script question) and the
    outcome complete the visit; not reached → one more attempt, and after
    RETURN_VISIT_MAX_ATTEMPTS (3) the visit ends as unreachable."""
    _require(
        actor, "complaints.record_return_visit", visit, _("Only the assigned caller records this visit.")
    )
    with transaction.atomic():
        locked = ReturnVisit.objects.select_for_update().get(pk=visit.pk)
        if locked.status != V.ASSIGNED:
            raise Conflict(_("This return visit is already %(s)s.") % {"s": locked.get_status_display()})
        locked.attempts += 1
        old = locked.status
        if reached:
            answers = [(a or "").strip() for a in (answers or [])]
            if len(answers) != len(locked.questions) or not all(answers):
                raise DomainError(
                    _("Record the client's answer to every question of the script."), field="answers"
                )
            outcome = (outcome or "").strip()
            if not outcome:
                raise DomainError(_("Summarise the outcome of the call."), field="outcome")
            locked.answers, locked.outcome, locked.issues_found = answers, outcome, bool(issues_found)
            locked.status = V.COMPLETED
        elif locked.attempts >= int(_setting("RETURN_VISIT_MAX_ATTEMPTS", 3)):
            locked.status = V.UNREACHABLE
            locked.outcome = (outcome or "").strip()
        if locked.status != old:
            locked.completed_at, locked.completed_by = now(), actor
        audited_save(
            locked,
            actor=actor,
            reason=text("audit.return_visit_recorded" if reached else "audit.client_not_reached"),
        )
        if locked.status != old:
            audit_log(
                actor=actor,
                action=AuditAction.TRANSITION,
                obj=locked,
                client_id=locked.client_id,
                reason=locked.outcome[:200],
                changes={"status": [old, locked.status]},
            )
            notifications_resolve(about=locked)  # "return visit assigned" is done
        if locked.status == V.COMPLETED and locked.issues_found:
            people = list(User.objects.filter(is_active=True, role=Role.SUPERVISOR))
            notify(
                recipients=people,
                kind="return_visit.issues",
                subject=text("notify.return_visit_issues"),
                url=reverse("complaints:return_visit_detail", args=[locked.pk]),
            )
    return locked


def return_visit_reassign(*, visit: ReturnVisit, actor: User, assignee: User, reason: str) -> ReturnVisit:
    _require(
        actor, "complaints.manage_return_visits", visit, _("Only supervisors and compliance reassign visits.")
    )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give a reason for the reassignment."), field="reason")
    if assignee.pk == visit.client.advisor_id:
        raise DomainError(
            _("The client's own advisor cannot make the return visit; choose someone else."), field="assignee"
        )
    if not (assignee.is_active and assignee.role in CALLER_ROLES):
        raise DomainError(_("Choose an active advisor or supervisor."), field="assignee")
    with transaction.atomic():
        locked = ReturnVisit.objects.select_for_update().get(pk=visit.pk)
        if locked.status != V.ASSIGNED:
            raise Conflict(_("This return visit is already %(s)s.") % {"s": locked.get_status_display()})
        locked.assignee = assignee
        audited_save(locked, actor=actor, reason=reason)
    return locked


def return_visit_cancel(*, visit: ReturnVisit, actor: User, reason: str) -> ReturnVisit:
    _require(
        actor, "complaints.manage_return_visits", visit, _("Only supervisors and compliance cancel visits.")
    )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the visit is cancelled."), field="reason")
    with transaction.atomic():
        locked = ReturnVisit.objects.select_for_update().get(pk=visit.pk)
        target = VISIT_TRANSITIONS.get((locked.status, "cancel"))
        if target is None:
            raise Conflict(_("This return visit is already %(s)s.") % {"s": locked.get_status_display()})
        locked.status, locked.outcome, locked.completed_at, locked.completed_by = target, reason, now(), actor
        audited_save(locked, actor=actor, reason=reason)
        audit_log(
            actor=actor,
            action=AuditAction.TRANSITION,
            obj=locked,
            client_id=locked.client_id,
            reason=reason,
            changes={"status": [V.ASSIGNED, target]},
        )
        notifications_resolve(about=locked)
    return locked


def return_visit_overdue_specs(*, on: datetime.date | None = None) -> dict[tuple[str, str], WarningSpec]:
    on = on or today()
    rows = ReturnVisit.objects.filter(status=V.ASSIGNED, due_on__lt=on).values_list(
        "pk", "client_id", "client__name", "assignee_id", "due_on"
    )
    label = ReturnVisit._meta.label_lower
    url = reverse("complaints:return_visit_detail", args=[987654321])
    return {
        (label, str(pk)): WarningSpec(
            message=text("warning.return_visit_overdue", client=name, date=due),
            advisor=assignee_id,
            client_id=client_id,
            url=url.replace("987654321", str(pk)),
        )
        for pk, client_id, name, assignee_id, due in rows
    }


# -- the sweeps ----------------------------------------------------------------------------------
def _quarter(day: datetime.date) -> tuple[str, datetime.date]:
    q = (day.month - 1) // 3 + 1
    end_month = q * 3
    end = datetime.date(day.year + (end_month == 12), end_month % 12 + 1, 1) - datetime.timedelta(days=1)
    return f"{day.year}Q{q}", end


def _event_rows(at: datetime.datetime) -> list[tuple[str, str, Any]]:
    """(trigger, source_ref, client) of accepted proposals and completed reviews in the look-back
    window. Read through the app registry: planning sits beside complaints, not below it."""
    since = at - datetime.timedelta(days=int(_setting("RETURN_VISIT_EVENT_LOOKBACK_DAYS", 30)))
    out: list[tuple[str, str, Any]] = []
    proposal = apps.get_model("planning", "Proposal")
    review = apps.get_model("planning", "Review")
    for p in (
        proposal.objects.filter(status="accepted", decided_at__gte=since, decided_at__lte=at)
        .select_related("client")
        .order_by("pk")
    ):
        out.append((ReturnVisitTrigger.PROPOSAL_ACCEPTED, f"planning.proposal:{p.pk}", p.client))
    for r in (
        review.objects.filter(status="completed", completed_at__gte=since, completed_at__lte=at)
        .select_related("client")
        .order_by("pk")
    ):
        out.append((ReturnVisitTrigger.REVIEW, f"planning.review:{r.pk}", r.client))
    return out


def service_event_sweep(*, at: datetime.datetime | None = None) -> dict[str, int]:
    """After an accepted proposal or a completed review: one return visit and one survey each.
    Idempotent: what exists already is read in two queries and skipped; the unique constraints
    are the backstop against a concurrent run."""
    at = at or now()
    events = _event_rows(at)
    refs = [ref for _t, ref, _c in events]
    have_visit = set(ReturnVisit.objects.filter(source_ref__in=refs).values_list("trigger", "source_ref"))
    have_survey = set(
        SatisfactionSurvey.objects.filter(source_ref__in=refs).values_list("trigger", "source_ref")
    )
    visits = surveys = skipped = 0
    for trigger, ref, client in events:
        if client.status != "active":
            skipped += 1
            continue
        if (trigger, ref) not in have_visit:
            try:
                _visit, created = return_visit_create(client=client, trigger=trigger, source_ref=ref)
                visits += created
            except Conflict:
                skipped += 1
        if (trigger, ref) not in have_survey:
            _survey, created = survey_send(client=client, trigger=trigger, source_ref=ref)
            surveys += created
    return {"events": len(events), "visits": visits, "surveys": surveys, "skipped": skipped}


def return_visit_sampling_sweep(*, at: datetime.datetime | None = None) -> dict[str, int]:
    """Once per quarter: RETURN_VISIT_SAMPLE_RATE (default 10 %, rounded up) of the active
    clients get a return visit. The sample is drawn with a seed of the quarter, so a second
    run in the same quarter finds the visits made and creates none."""
    day = timezone.localdate(at or now())
    quarter, quarter_end = _quarter(day)
    if ReturnVisit.objects.filter(trigger=ReturnVisitTrigger.SAMPLING, source_ref=quarter).exists():
        return {"quarter": quarter, "sampled": 0, "created": 0}
    client_model = apps.get_model("clients", "Client")
    ids = list(client_model.objects.filter(status="active").order_by("pk").values_list("pk", flat=True))
    rate = float(_setting("RETURN_VISIT_SAMPLE_RATE", 0.10))
    size = min(len(ids), math.ceil(len(ids) * rate))
    chosen = sorted(random.Random(quarter).sample(ids, size)) if size else []  # noqa: S311 - sampling, not security
    due_on = min(quarter_end, day + datetime.timedelta(days=int(_setting("RETURN_VISIT_DUE_DAYS", 10))))
    created = 0
    for client in client_model.objects.filter(pk__in=chosen).order_by("pk"):
        try:
            _visit, new = return_visit_create(
                client=client, trigger=ReturnVisitTrigger.SAMPLING, source_ref=quarter, due_on=due_on
            )
            created += new
        except Conflict:
            continue
    return {"quarter": quarter, "sampled": len(chosen), "created": created}


def survey_annual_sweep(*, at: datetime.datetime | None = None, batch: int = 500) -> dict[str, int]:
    """Once a year per active client, on (or after) the anniversary of the relationship: a
    survey with source_ref "annual:<year>". At most `batch` per run; the next run goes on."""
    day = timezone.localdate(at or now())
    ref = f"annual:{day.year}"
    client_model = apps.get_model("clients", "Client")
    sent = set(
        SatisfactionSurvey.objects.filter(trigger=SurveyTrigger.ANNUAL, source_ref=ref).values_list(
            "client_id", flat=True
        )
    )
    due = []
    for client in client_model.objects.filter(status="active").order_by("pk").iterator():
        if client.pk in sent:
            continue
        start = client.relationship_started_on or timezone.localdate(client.created_at)
        if start.year == day.year:
            continue  # the first year's experience is asked after a year
        if (start.month, start.day) <= (day.month, day.day):
            due.append(client)
        if len(due) >= batch:
            break
    created = 0
    for client in due:
        _s, new = survey_send(client=client, trigger=SurveyTrigger.ANNUAL, source_ref=ref)
        created += new
    return {"due": len(due), "sent": created}


# -- surveys -----------------------------------------------------------------------------------
def survey_token(survey: SatisfactionSurvey) -> str:
    return signing.dumps({"s": survey.pk, "n": survey.token_nonce}, salt=SURVEY_SALT, compress=True)


def survey_link(survey: SatisfactionSurvey) -> str:
    base = str(_setting("PUBLIC_BASE_URL", "")).rstrip("/")
    return base + reverse("survey_link", args=[survey_token(survey)])


def survey_send(*, client, trigger: str, source_ref: str, complaint=None) -> tuple[SatisfactionSurvey, bool]:
    """Send one survey for an event (idempotent): in-app to the client's portal account and by
    email with a signed single-use link (SURVEY_LINK_MAX_AGE_DAYS, default 30)."""
    existing = SatisfactionSurvey.objects.filter(
        client=client, trigger=trigger, source_ref=source_ref
    ).first()
    if existing:
        return existing, False
    survey = SatisfactionSurvey(
        client=client,
        complaint=complaint,
        trigger=trigger,
        source_ref=source_ref,
        sent_at=now(),
        token_nonce=secrets.token_hex(8),
    )
    try:
        with transaction.atomic():
            audited_save(
                survey,
                actor=None,
                reason=text("audit.survey_sent_trigger", trigger=SurveyTrigger(trigger).label),
            )
    except IntegrityError:
        return SatisfactionSurvey.objects.get(client=client, trigger=trigger, source_ref=source_ref), False
    if client.user_id:
        notify(
            recipients=[client.user],
            kind="survey.sent",
            subject=text("notify.survey_sent"),
            body=text("notify.survey_sent_body"),
            url=reverse("complaints_portal:survey_list"),
        )
    survey_email(survey)
    return survey, True


def survey_email(survey: SatisfactionSurvey, *, subject: Callable[[], str] | None = None) -> None:
    """Email the signed single-use link, in the client's language, once the transaction commits."""
    client = survey.client
    if not client.email:
        return
    with override((client.preferred_language or settings.LANGUAGE_CODE).lower()):
        title = str(subject() if subject else _("How are we doing? A two-minute survey"))
        body = _("Please rate our service: %(link)s\nThe link works once and expires in %(days)s days.") % {
            "link": survey_link(survey),
            "days": _setting("SURVEY_LINK_MAX_AGE_DAYS", 30),
        }
    address = client.email
    transaction.on_commit(
        lambda: send_mail(title, body, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=True)
    )


def _check_scores(csat: Any, nps: Any) -> tuple[int, int]:
    try:
        csat, nps = int(csat), int(nps)
    except (TypeError, ValueError) as exc:
        raise DomainError(_("Choose a satisfaction score from 1 to 5."), field="csat") from exc
    if not 1 <= csat <= 5:
        raise DomainError(_("Choose a satisfaction score from 1 to 5."), field="csat")
    if not 0 <= nps <= 10:
        raise DomainError(_("Choose a score from 0 to 10."), field="nps")
    return csat, nps


def survey_from_token(*, token: str) -> SatisfactionSurvey:
    """The survey a link opens. A bad or tampered link is NotFound; an expired one or one
    already used is a Conflict with a message for the client."""
    max_age = datetime.timedelta(days=int(_setting("SURVEY_LINK_MAX_AGE_DAYS", 30)))
    try:
        data = signing.loads(token, salt=SURVEY_SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise Conflict(_("This survey link has expired. You can still answer in the portal.")) from exc
    except signing.BadSignature as exc:
        raise NotFound(_("This survey link is not valid.")) from exc
    survey = SatisfactionSurvey.objects.select_related("client").filter(pk=data.get("s")).first()
    if survey is None:
        raise NotFound(_("This survey link is not valid."))
    if survey.answered_at:
        raise Conflict(_("This survey has already been answered. Thank you."))
    if not survey.token_nonce or survey.token_nonce != data.get("n"):
        raise NotFound(_("This survey link is not valid."))
    return survey


def survey_answer_by_token(*, token: str, csat: Any, nps: Any, comment: str = "") -> SatisfactionSurvey:
    """Answer through the email link; the link then stops working (single use)."""
    csat, nps = _check_scores(csat, nps)
    survey = survey_from_token(token=token)
    with transaction.atomic():
        locked = SatisfactionSurvey.objects.select_for_update().get(pk=survey.pk)
        if locked.answered_at:
            raise Conflict(_("This survey has already been answered. Thank you."))
        locked.csat, locked.nps, locked.comment = csat, nps, (comment or "").strip()[:4000]
        locked.answered_at, locked.answered_via, locked.token_nonce = now(), "email", ""
        audited_save(locked, actor=None, reason="survey answered by email link")
    return locked


def survey_answer_portal(
    *, survey: SatisfactionSurvey, actor: User, csat: Any, nps: Any, comment: str = ""
) -> SatisfactionSurvey:
    """Answer in the portal (the client's own survey only)."""
    if not actor.is_client or survey.client.user_id != actor.pk:
        raise NotAllowed(_("This survey is not yours."))
    csat, nps = _check_scores(csat, nps)
    with transaction.atomic():
        locked = SatisfactionSurvey.objects.select_for_update().get(pk=survey.pk)
        if locked.answered_at:
            raise Conflict(_("You have already answered this survey. Thank you."))
        locked.csat, locked.nps, locked.comment = csat, nps, (comment or "").strip()[:4000]
        locked.answered_at, locked.answered_via, locked.token_nonce = now(), "portal", ""
        audited_save(locked, actor=actor, reason="survey answered")
    return locked


# -- suggestions -------------------------------------------------------------------------------
def suggestion_submit(*, actor: User, subject: str, body: str) -> Suggestion:
    _require(actor, "complaints.submit_suggestion", None, _("Suggestions are sent from the client portal."))
    client = apps.get_model("clients", "Client").objects.filter(user=actor).first()
    if client is None:
        raise NotAllowed(_("Your account is not linked to a client file yet."))
    subject, body = (subject or "").strip(), (body or "").strip()
    errors: dict[str, list[str]] = {}
    if not subject:
        errors["subject"] = [_("Give your suggestion a short title.")]
    if not body:
        errors["body"] = [_("Tell us your suggestion.")]
    if errors:
        raise DomainError(next(iter(errors.values()))[0], fields=errors)
    with transaction.atomic():
        suggestion = Suggestion(client=client, subject=subject[:200], body=body[:10000])
        audited_save(suggestion, actor=actor, reason="suggestion submitted")
        if client.advisor_id:
            notify(
                recipients=[client.advisor],
                kind="suggestion.new",
                subject=text("notify.suggestion_new", client=client.name),
                url=reverse("complaints:suggestion_detail", args=[suggestion.pk]),
            )
    return suggestion


def _suggestion_reason(status: str) -> Text:
    return text("audit.suggestion_action", action=SuggestionStatus(status).label)


def suggestion_transition(*, suggestion: Suggestion, actor: User, action: str, text: str = "") -> Suggestion:
    """Answer (the answer is shown to the client) or close (with a note when unanswered)."""
    _require(
        actor,
        "complaints.answer_suggestion",
        suggestion,
        _("Only the client's advisor or a supervisor answers."),
    )
    text = (text or "").strip()
    with transaction.atomic():
        locked = Suggestion.objects.select_for_update().select_related("client").get(pk=suggestion.pk)
        target = SUGGESTION_TRANSITIONS.get((locked.status, action))
        if target is None:
            raise Conflict(_("This suggestion is %(s)s.") % {"s": locked.get_status_display()})
        old = locked.status
        if action == "answer":
            if not text:
                raise DomainError(_("Write the answer to the client."), field="answer")
            locked.answer, locked.answered_at, locked.answered_by = text, now(), actor
        else:
            if old == SG.OPEN and not text:
                raise DomainError(_("Say why the suggestion is closed without an answer."), field="note")
            locked.close_note, locked.closed_at, locked.closed_by = text[:300], now(), actor
        locked.status = target
        moved = _suggestion_reason(target)
        audited_save(locked, actor=actor, reason=moved)
        if old != target:
            audit_log(
                actor=actor,
                action=AuditAction.TRANSITION,
                obj=locked,
                client_id=locked.client_id,
                reason=moved,
                changes={"status": [old, target]},
            )
        if action == "answer" and locked.client.user_id:
            notify(
                recipients=[locked.client.user],
                kind="suggestion.answered",
                subject=Text("notify.suggestion_answered", {}),  # `text` is the answer here
                url=reverse("complaints_portal:suggestion_detail", args=[locked.pk]),
            )
    return locked
