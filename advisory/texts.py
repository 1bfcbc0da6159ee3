"""Text the system writes and stores — warnings, notifications, check results, capacity reasons,
audit reasons, email subjects — is kept as a code plus parameters and rendered in the reader's
language when shown (or in the recipient's language when sent).

    t = text("warning.complaint_overdue", number=c.number, due=c.resolve_due_at)
    row.message_code, row.message_params = t.code, t.params      # stored
    render(row.message_code, row.message_params, fallback=row.message)   # shown

Parameters are stored as JSON. Values that must be rendered per reader are wrapped:
datetimes and dates (shown on the firm's clock through `advisory.formats`), decimals, money,
percentages, translatable labels (a choice's label or any `gettext_lazy` string) and nested
texts. A code that is not registered, or a template that needs a parameter the row lacks,
never breaks a page: the stored legacy text (or "—" for a missing parameter) is shown instead.

`recognise(sentence, family)` maps an English sentence written by an older release back to its
code and parameters (used by the data migrations, and for immutable rows — audit entries and
history change reasons written before the codes — at display time).

Audit reasons and history change reasons live in a hashed text column, so they are stored as a
compact canonical JSON object in that column (`stored_reason`) and shown with `render_reason`.
"""

from __future__ import annotations

import datetime
import functools
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from .formats import local_date, local_datetime
from .texts_audit import AUDIT_REASONS

# code → template. The English template is the msgid; named placeholders only.
REGISTRY: dict[str, Any] = {
    # -- risk warnings (advisory.models.RiskWarning, <app>/warnings.py) --------------------------
    "warning.profile_expired": _("Risk profile of %(client)s expired on %(date)s"),
    "warning.profile_expiring": _("Risk profile of %(client)s expires on %(date)s"),
    "warning.exception_pending": _(
        "Suitability exception pending: %(product)s (%(rating)s) for %(client)s (%(level)s)"
    ),
    "warning.review_overdue": _("Periodic review of %(client)s was due on %(date)s."),
    "warning.proposal_findings": _("%(number)s: %(findings)s"),
    "warning.portfolio_drift": _("%(client)s: portfolio drift %(drift)s at the last review."),
    "warning.complaint_unacknowledged": _(
        "Complaint %(number)s has not been acknowledged; it was due by %(due)s."
    ),
    "warning.complaint_overdue": _("Complaint %(number)s is past its resolution deadline (%(due)s)."),
    "warning.return_visit_overdue": _("Return visit to %(client)s was due on %(date)s."),
    "warning.onboarding_overdue": _("Onboarding case %(number)s is past its review deadline (%(due)s)."),
    "warning.follow_up_overdue": _("Follow-up “%(title)s” for %(client)s was due on %(date)s."),
    "warning.identity_expired": _("Identity document (%(kind)s) of %(file)s expired on %(date)s."),
    "warning.identity_expiring": _("Identity document (%(kind)s) of %(file)s expires on %(date)s."),
    "warning.kyc_refresh_overdue": _("KYC refresh of %(file)s was due on %(date)s."),
    "warning.qualification_expiring": _(
        "%(kind)s %(number)s of %(person)s expires on %(date)s (%(days)s days)"
    ),
    # -- notifications (advisory.models.Notification: subject and body) -------------------------
    "notify.imports_ratings_pending": _("%(n)s imported product ratings await approval"),
    "notify.imports_ratings_pending_body": _(
        "Import %(number)s recorded the legacy system's ratings; each needs a second person's approval."
    ),
    "notify.staff_suspended": _("Business permissions suspended from %(start)s to %(end)s"),
    "notify.staff_declaration_submitted": _("Conflict-of-interest declaration to review: %(name)s"),
    "notify.staff_declaration_reviewed": _("Your conflict-of-interest declaration: %(status)s"),
    "notify.staff_audit_planned": _("Internal audit assigned to you: %(t)s"),
    "notify.staff_finding": _("Audit finding to remediate by %(d)s: %(t)s"),
    "notify.staff_finding_remediated": _("Remediation reported for audit finding: %(t)s"),
    "notify.staff_appraisal_failed": _("Appraisal below the pass mark (%(total)s of %(mark)s)"),
    "notify.staff_appraisal_failed_body": _("Restricted until a re-assessment passes: %(actions)s"),
    "notify.staff_restriction_ended": _("Your business permissions are restored (suspension ended %(end)s)"),
    "notify.staff_declaration_due": _("Your yearly conflict-of-interest declaration for %(year)s is due"),
    "notify.staff_finding_overdue": _("Audit finding overdue since %(d)s: %(t)s"),
    "notify.staff_restriction_lifted": _("Re-assessment passed: your restricted actions are available again"),
    "notify.clients_duplicate_identity": _("Duplicate identity number: %(file)s"),
    "notify.clients_duplicate_identity_body": _(
        "%(actor)s entered the identity number of client file %(file)s (advisor %(advisor)s) on %(where)s. The change was refused; the advisor was told only that the person is already a client of the firm."
    ),
    "notify.clients_reassigned": _("Client %(file)s re-assigned to %(name)s"),
    "notify.clients_onboarding_action": _("Onboarding %(number)s: %(what)s"),
    "notify.clients_kyc_refresh_submitted": _("KYC refresh of %(file)s to review"),
    "notify.clients_edd_pending": _("Enhanced due diligence to review: %(n)s"),
    "notify.clients_screening_confirmed": _(
        "Watch-list match confirmed for %(file)s: the relationship is blocked"
    ),
    "notify.return_visit_assigned": _("Return visit assigned: %(client)s"),
    "notify.return_visit_issues": _("A client raised issues in a return visit"),
    "notify.suggestion_new": _("New suggestion from %(client)s"),
    "notify.suggestion_answered": _("We answered your suggestion"),
    "notify.complaint_violation_outcome": _("The outcome of our review of your complaint %(n)s"),
    "notify.complaint_measure_overdue": _("Rectification measure overdue since %(d)s: %(m)s"),
    "notify.complaint_conduct_digest": _("Conduct digest %(p)s: please read and confirm"),
    "notify.staff_training_shortfall": _("%(person)s: Training behind plan: %(done)s of %(req)s hours"),
    "notify.staff_training_shortfall_body": _(
        "Expected by now: %(exp)s hours. Mandatory topics still missing: %(missing)s."
    ),
    "notify.survey_sent": _("How are we doing? A two-minute survey"),
    "notify.survey_sent_body": _("Please answer the survey in the portal."),
    "notify.complaint_assigned_new": _("New complaint %(n)s assigned to you"),
    "notify.complaint_acknowledged": _("We received your complaint %(n)s"),
    "notify.complaint_acknowledged_body": _(
        "Your complaint %(n)s was received on %(received)s. We will answer by %(due)s at the latest; "
        "you can follow it and reply under My complaints."
    ),
    "notify.complaint_update": _("Your complaint %(n)s is now: %(s)s"),
    "notify.complaint_escalation": _("[%(number)s] %(level)s"),
    "notify.complaint_escalation_body": _("%(subject)s\nDeadline: %(due)s"),
    "notify.complaint_survey": _("How did we handle complaint %(n)s?"),
    "notify.complaint_survey_body": _("Please rate our handling of your complaint in the portal."),
    "notify.complaint_reply": _("New reply on your complaint %(n)s"),
    "notify.complaint_client_reply": _("The client replied on %(n)s"),
    "notify.complaint_assigned": _("Complaint %(n)s assigned to you"),
    "notify.complaint_measure": _("Rectification measure due %(d)s"),
    "notify.risk_exception_warning": _("Please read and confirm a special risk warning"),
    "notify.risk_exception_pending": _("Suitability exception awaiting sign-off"),
    "notify.risk_exception_pending_body": _(
        "%(client)s (risk level %(level)s) confirmed the special risk warning for %(product)s (%(rating)s)."
    ),
    "notify.risk_exception_decided": _("Suitability exception %(s)s"),
    "notify.risk_contradiction": _("Contradictory risk answers need your note"),
    "notify.risk_profile_expiring": _("Risk profile of %(name)s expires on %(date)s"),
    "notify.risk_profile_expiring_body": _(
        "Please arrange a new risk assessment before the profile expires."
    ),
    "notify.risk_profile_expiring_client": _("Your risk profile expires on %(date)s"),
    "notify.risk_profile_expiring_client_body": _("Please retake the risk questionnaire in the portal."),
    "notify.risk_reassessment": _("Re-assess the risk profile of %(name)s"),
    "notify.risk_reassessment_client": _("Please retake the risk questionnaire"),
    "notify.risk_exception_lapsed": _("Suitability exception for %(p)s (%(c)s) lapsed"),
    "notify.risk_rating_pending": _("Product rating of %(p)s awaits approval"),
    "notify.risk_rating_decided": _("Rating of %(p)s: %(s)s"),
    "notify.risk_rating_review_lapsed": _(
        "Rating review of %(p)s lapsed on %(d)s: the product cannot be offered"
    ),
    "notify.risk_rating_review_due": _("Rating review of %(p)s is due on %(d)s"),
    "notify.proposal_submitted": _("Proposal %(p)s awaits risk review"),
    "notify.proposal_risk_approved": _("Proposal %(p)s awaits compliance approval"),
    "notify.proposal_issued": _("A new proposal is ready for your decision"),
    "notify.proposal_withdrawn": _("Proposal %(p)s was withdrawn"),
    "notify.proposal_status": _("Proposal %(p)s: %(s)s"),
    "notify.proposal_recheck_failed": _("%(p)s no longer passes its suitability re-check"),
    # -- why a staff member may not act (advisory.staff) -----------------------------------------
    "staff.suspended_until": _(
        "Your business permissions are suspended under violation case %(case)s until %(end)s."
    ),
    "staff.suspended": _("Your business permissions are suspended under violation case %(case)s."),
    "staff.appraisal_restricted": _(
        "Your appraisal of %(date)s is below the pass mark: this action is restricted until a re-assessment passes."
    ),
    # -- proposal checks (planning: Proposal.checks; SPEC §3) -----------------------------------
    "check.name.profile": _("Risk profile"),
    "check.name.lines": _("Product lines"),
    "check.name.suitability": _("Suitability"),
    "check.name.concentration": _("Concentration"),
    "check.name.deviation": _("Deviation from the model portfolio"),
    "check.name.liquidity": _("Liquidity"),
    "check.name.stress": _("Stress test"),
    "check.status.pass": _("Passed"),
    "check.status.fail": _("Failed"),
    "check.status.exception": _("Covered by an exception"),
    "check.status.info": _("For information"),
    "check.status.na": _("Not applicable"),
    "check.scenario.equities_-30": _("Equities −30%"),
    "check.scenario.rates_+200bp": _("Rates +200 bp"),
    "check.scenario.2008_like": _("2008-like crisis"),
    "check.profile_missing": _("The client has no confirmed risk profile."),
    "check.profile_expired": _("The client's risk profile expired on %(d)s: a new assessment is needed."),
    "check.profile_reassess": _("The risk profile needs re-assessment (%(r)s): re-assess the client first."),
    "check.profile_ok": _("Risk profile %(l)s valid until %(d)s."),
    "check.lines_missing": _("Add at least one product line."),
    "check.suitability_above": _(
        "%(f)s product(s) above the client's level, %(e)s covered by approved exceptions."
    ),
    "check.suitability_ok": _("Every product is within the client's level."),
    "check.concentration_above": _("%(n)s product(s) above %(l)s of the proposal."),
    "check.concentration_ok": _("No single product above %(l)s."),
    "check.no_model": _("No published model portfolio for level %(l)s."),
    "check.deviation_above": _("%(n)s asset class(es) deviate more than %(p)s points from model %(m)s."),
    "check.deviation_ok": _("Every asset class within %(p)s points of model %(m)s."),
    "check.liquidity": _("%(a)s available within %(d)s days against a need of %(n)s."),
    "check.liquidity_none": _("No short-term liquidity need stated."),
    "check.stress_worst": _("Worst scenario: %(s)s, loss %(l)s (%(p)s)."),
    "check.line_no_profile": _("No risk profile to check against."),
    "check.line_exception": _("Above the client's level; covered by an approved suitability exception."),
    "check.line_rating_unapproved": _("The product's risk rating has no approved written assessment."),
    "check.line_rating_review_due": _(
        "The product's rating review was due on %(d)s: it cannot be offered until reviewed."
    ),
    # -- suitability of a product for a client (risk.services.suitability_check; SPEC §2) --------
    "suitability.no_profile": _(
        "No confirmed risk profile: the client must complete the risk questionnaire first."
    ),
    "suitability.expired": _(
        "The risk profile expired on %(date)s (valid 12 months): the client must be re-assessed "
        "before new proposals."
    ),
    "suitability.professional": _(
        "Professional investor with recorded evidence: products rated R1–R5 are allowed."
    ),
    "suitability.ok": _("Suitable: product rating %(r)s does not exceed the client's level %(c)s (R ≤ C)."),
    "suitability.c1": _(
        "Not suitable: product rating %(r)s exceeds the client's level C1 (R ≤ C). C1 clients may only "
        "take R1 products and never get an exception."
    ),
    "suitability.above": _(
        "Not suitable: product rating %(r)s exceeds the client's level %(c)s (R ≤ C: %(c)s allows "
        "R1–R%(n)s). A client-initiated purchase needs a confirmed special risk warning and compliance "
        "sign-off."
    ),
    # -- capacity reasoning and contradictions of a risk assessment (risk.services) --------------
    "risk.capacity_horizon": _("Horizon %(horizon)s: up to C%(cap)s."),
    "risk.capacity_no_horizon": _("No horizon answer: horizon does not constrain capacity."),
    "risk.capacity_income_answered": _("Income stability taken from the questionnaire answer."),
    "risk.capacity_no_income": _("Income stability not recorded on the client file: not constrained."),
    "risk.capacity_income": _("Income stability %(stability)s: up to C%(limit)s."),
    "risk.capacity_no_reserves": _("Emergency reserves not recorded on the client file: not constrained."),
    "risk.capacity_reserves": _("Emergency reserve %(months)s months: up to C%(limit)s."),
    "risk.contradiction_horizon_growth": _(
        "Investment horizon under 1 year but the objective is (maximum) growth."
    ),
    "risk.contradiction_no_loss_max_growth": _("No loss is acceptable but the objective is maximum growth."),
    "risk.contradiction_horizon_losses": _("Investment horizon under 1 year but large losses are accepted."),
    # -- stored tokens shown by a label (answers' meanings that are not model choices) ----------
    "value.lt1y": _("under 1 year"),
    "value.1to3y": _("1 to 3 years"),
    "value.3to5y": _("3 to 5 years"),
    "value.5to10y": _("5 to 10 years"),
    "value.gt10y": _("over 10 years"),
    # -- emails (complaints.OutboundEmail, audit checkpoints) -----------------------------------
    "email.complaint_received": _("[%(n)s] We received your complaint"),
    "email.complaint_received_body": _(
        "Dear client,\n\nWe received your message of %(received)s and registered it as complaint %(n)s. "
        "We will answer by %(due)s at the latest.\n\nTo add information, reply to this email and keep %(n)s "
        "in the subject. If you use our client portal, you can also follow the complaint under My complaints.\n\n"
        "%(firm)s"
    ),
    "email.complaint_reply": _("Re: [%(n)s] %(subject)s"),
    "email.checkpoint": _("Audit trail checkpoint %(name)s"),
    "email.checkpoint_body": _(
        "The attached file is a signed checkpoint of the audit trail. Keep it: the audit "
        "verification compares the trail with every checkpoint."
    ),
    # -- why a document could not be generated (ArchivedDocument.error) -------------------------
    "document.render_stalled": _(
        "Rendering stopped %(attempts)s times (the worker was stopped or exceeded its time limit). "
        "Request the document again; if it fails again, tell the administrator."
    ),
    # -- a list of texts (e.g. findings joined with "; ") --------------------------------------
    "text.list": _("%(items)s"),
    "warning.demo_resolved": _("Resolved demo warning %(month)s #%(n)s"),
    # -- re-check findings of issued proposals (planning.services.monitoring) ---------------------
    "finding.profile_missing": _("The client has no confirmed risk profile."),
    "finding.profile_expired": _("The client's risk profile expired on %(date)s."),
    "finding.profile_reassess": _("The client's risk profile needs re-assessment (%(reason)s)."),
    "finding.rerated": _("%(product)s was re-rated from %(old)s to %(new)s since the proposal was approved."),
    "finding.rating_unapproved": _("%(product)s has no approved rating assessment."),
    "finding.rating_review_lapsed": _("The rating review of %(product)s was due on %(date)s."),
    "finding.above_level": _(
        "%(product)s (%(rating)s) is above the client's level %(level)s and no suitability exception covers it."
    ),
    "finding.concentration": _("%(product)s is %(weight)s of the proposal, above the %(limit)s limit."),
    # -- complaint timeline events written by the platform (complaints.ComplaintEvent.body_code) --
    "event.reassigned": _("Reassigned from %(a)s to %(b)s."),
    "event.reassigned_note": _("Reassigned from %(a)s to %(b)s. %(note)s"),
    "event.priority_changed": _("priority %(old)s → %(new)s"),
    "event.policy_changed": _("SLA policy %(old)s → %(new)s"),
    "event.sla_changed": _("Changed: %(changes)s."),
    "event.sla_changed_note": _("Changed: %(changes)s. %(note)s"),
    "event.violation_case_opened": _("Violation case opened against %(person)s."),
    "event.root_cause": _("Root cause: %(cause)s"),
    "event.closed_automatically": _("Closed automatically after %(d)s days without a reply from the client."),
    "event.client_replied": _("The client replied."),
    "event.client_replied_by_email": _("The client replied by email."),
    "event.client_confirmed_resolution": _("The client confirmed the resolution."),
    "event.no_text": _("(no text)"),
    "event.email_reply_refused": _("%(text)s\n\nAttachments not kept: %(list)s"),
}

# -- retention (audit.retention.retention_status): why a record is kept, and disposal notes -------
REGISTRY.update(
    {
        "retention.rule": _("%(years)s-year %(kind)s rule"),
        "retention.until": _("Retained until %(until)s under the %(rule)s"),
        "retention.not_started": _(
            "Retained indefinitely under the %(rule)s: the retention clock starts at %(trigger)s, "
            "which has not happened yet"
        ),
        "retention.no_rule": _("Retained indefinitely: no retention rule for %(kind)s is configured"),
        "retention.kept": _("Kept permanently: %(reason)s"),
        "retention.held": _("On legal hold: %(reason)s"),
        "retention.blocked_by": _("%(record)s: %(reason)s"),
        "retention.type_gone": _("record type is no longer registered"),
        "retention.still_referenced": _("Still referenced by other records: %(detail)s"),
    }
)
REGISTRY.update(AUDIT_REASONS)

EMPTY = "—"


@dataclass(frozen=True)
class Text:
    """A code and its JSON-ready parameters; str() renders it in the active language."""

    code: str
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return render(self.code, self.params)

    def as_json(self) -> dict:
        return {"code": self.code, "params": self.params}


def text(code: str, **params: Any) -> Text:
    """A stored text. An unknown code is a programming error and fails loudly here."""
    if code not in REGISTRY:
        raise KeyError(f"no text registered under {code!r} (advisory/texts.py)")
    return Text(code, {k: encode(v) for k, v in params.items()})


# -- parameters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Percent:
    value: Decimal | float
    digits: int = 1


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str | None = None


@dataclass(frozen=True)
class Joined:
    items: list
    separator: str = "; "


def encode(value: Any) -> Any:
    """A parameter as JSON, keeping what the reader's language or clock changes."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if (
        isinstance(value, dict)
        and value
        and all(str(k).startswith("$") for k in value if k not in ("sep", "digits", "currency"))
    ):
        return value  # already encoded (e.g. `value_label` of a registered value)
    if isinstance(value, Text):
        return {"$text": value.as_json()}
    if isinstance(value, Promise):  # gettext_lazy / a choice's label: keep the msgid
        args = list(getattr(value, "_args", ()))
        if args and all(isinstance(a, str) for a in args) and len(args) <= 2:
            return {"$t": args}
        return str(value)
    if isinstance(value, datetime.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"$d": value.isoformat()}
    if isinstance(value, Percent):
        return {"$pct": str(value.value), "digits": value.digits}
    if isinstance(value, Money):
        return {"$money": str(value.amount), "currency": value.currency}
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    if isinstance(value, Joined):
        return {"$join": [encode(v) for v in value.items], "sep": value.separator}
    if isinstance(value, list | tuple):
        return {"$join": [encode(v) for v in value], "sep": ", "}
    return str(value)


# The separators of stored lists, in the reader's language ("；" and "、" in Chinese).
_LIST_SEPARATORS = {
    "; ": pgettext_lazy("list separator", "; "),
    ", ": pgettext_lazy("list separator", ", "),
}


def list_separator(separator: str) -> str:
    """The separator of a stored list in the reader's language; one it does not know as stored."""
    found = _LIST_SEPARATORS.get(separator)
    return str(found) if found is not None else separator


def decode(value: Any) -> str:
    """A stored parameter as text for the active language and the firm's clock."""
    if value is None:
        return EMPTY
    if not isinstance(value, dict):
        return str(value)
    try:
        if "$text" in value:
            inner = value["$text"] or {}
            return render(inner.get("code", ""), inner.get("params"))
        if "$t" in value:
            args = value["$t"]
            if len(args) == 2:
                return pgettext(args[0], args[1])
            return translation.gettext(args[0]) if args and args[0] else ""
        if "$dt" in value:
            moment = parse_datetime(value["$dt"])
            return local_datetime(moment) if moment else str(value["$dt"])
        if "$d" in value:
            day = parse_date(value["$d"])
            return local_date(day) if day else str(value["$d"])
        if "$pct" in value:
            digits = int(value.get("digits", 1))
            return f"{Decimal(value['$pct']) * 100:.{digits}f}%"
        if "$money" in value:
            from .money import format_money

            return format_money(Decimal(value["$money"]), value.get("currency"))
        if "$dec" in value:
            return str(Decimal(value["$dec"]))
        if "$join" in value:
            return list_separator(str(value.get("sep", ", "))).join(decode(v) for v in value["$join"])
    except (InvalidOperation, TypeError, ValueError, KeyError, IndexError):
        return EMPTY
    return str(value)


class _Params(dict):
    def __missing__(self, key: str) -> str:
        return EMPTY


# -- rendering ----------------------------------------------------------------------------------


def render(
    code: str | None, params: dict | None = None, language: str | None = None, fallback: str = ""
) -> str:
    """The text of `code` in `language` (default: the active one). Unknown code → `fallback`."""
    template = REGISTRY.get(code or "")
    if template is None:
        return fallback
    if language:
        with translation.override(language):
            return _render(template, params)
    return _render(template, params)


def _render(template: Any, params: dict | None) -> str:
    pattern = str(template)
    values = _Params({k: decode(v) for k, v in (params or {}).items()})
    try:
        return pattern % values
    except (TypeError, ValueError):
        return pattern


def render_json(value: dict | None, fallback: str = "", language: str | None = None) -> str:
    """Render `{"code": ..., "params": ...}` (as stored inside JSON documents)."""
    if not value:
        return fallback
    return render(value.get("code"), value.get("params"), language=language, fallback=fallback)


def recipient_language(user: Any) -> str:
    """The language a person reads mail in: their own choice, a client's preferred language,
    else the firm's default."""
    language = getattr(user, "language", "") or ""
    if not language:
        client_file = getattr(user, "client_file", None) if getattr(user, "pk", None) else None
        language = getattr(client_file, "preferred_language", "") or ""
    language = language.lower()
    known = {code for code, _label in settings.LANGUAGES}
    return language if language in known else settings.LANGUAGE_CODE


def in_language(language: str, template: Any, **params: Any) -> str:
    """`template` (a `gettext_lazy` string, a choice's label) written out in `language`, with
    `%(name)s` placeholders filled from `params`: for words stored once for one reader."""
    with translation.override(language):
        words = str(template)
        return words % params if params else words


def client_language(client: Any) -> str:
    """The language a client reads: their portal account's choice, else the preferred language on
    their file, else the firm's default."""
    if getattr(client, "user_id", None):
        return recipient_language(client.user)
    language = (getattr(client, "preferred_language", "") or "").lower()
    known = {code for code, _label in settings.LANGUAGES}
    return language if language in known else settings.LANGUAGE_CODE


# -- recognising legacy English sentences ---------------------------------------------------------

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_patterns: dict[tuple[str, str], list[tuple[str, re.Pattern]]] = {}


def _english(template: Any) -> str:
    args = getattr(template, "_args", None)
    return args[-1] if args else str(template)


def _pattern(sentence_template: str) -> re.Pattern:
    parts, last = [], 0
    for m in _PLACEHOLDER.finditer(sentence_template):
        parts.append(re.escape(sentence_template[last : m.start()]))
        parts.append(f"(?P<{m.group(1)}>.+?)")
        last = m.end()
    parts.append(re.escape(sentence_template[last:]))
    return re.compile("^" + "".join(parts) + "$", re.S)


def _compile(family: str, language: str) -> list[tuple[str, re.Pattern]]:
    key = (family, language)
    if key not in _patterns:
        out = []
        for code, template in REGISTRY.items():
            if not code.startswith(family + "."):
                continue
            if language == "en":
                sentence = _english(template)
            else:
                with translation.override(language):
                    sentence = str(template)
            if len(set(_PLACEHOLDER.findall(sentence))) != len(_PLACEHOLDER.findall(sentence)):
                continue  # a placeholder used twice cannot be a named group twice
            # the most specific (longest literal) first
            out.append((len(_PLACEHOLDER.sub("", sentence)), code, _pattern(sentence)))
        out.sort(key=lambda item: -item[0])
        _patterns[key] = [(code, pattern) for _n, code, pattern in out]
    return _patterns[key]


def recognise(sentence: str, family: str, languages: tuple[str, ...] = ("en",)) -> Text | None:
    """The code and parameters of a sentence written from a template of `family` (e.g.
    "warning") in one of `languages`, or None when it is not one of ours. Parameters come back
    as text; a list of findings inside a warning comes back as texts of its own."""
    for language in languages:
        for code, pattern in _compile(family, language):
            m = pattern.match(sentence or "")
            if m:
                params: dict[str, Any] = dict(m.groupdict())
                if code == "warning.proposal_findings":
                    found = [recognise(part, "finding", languages) for part in params["findings"].split("; ")]
                    if all(found):
                        params["findings"] = encode(Joined(list(found)))
                return Text(code, params)
    return None


LEGACY_LANGUAGES = ("en", "zh-hans", "zh-hant")


def render_legacy(sentence: str, family: str) -> str:
    """An immutable stored sentence (an audit reason) in the reader's language when it is a
    known one, else as it was written. A parameter that is the stored value of a choice (a
    state, a channel) is shown by the choice's translated label."""
    found = recognise(sentence, family)
    if not found:
        return sentence
    params = {k: value_label(v) for k, v in found.params.items()}
    return render(found.code, params, fallback=sentence)


def value_label(value: Any) -> Any:
    """A stored token (a choice value, an answer's meaning) as its label for encoding, else
    the value itself."""
    if not isinstance(value, str):
        return value
    if f"value.{value}" in REGISTRY:
        return {"$t": [_english(REGISTRY[f"value.{value}"])]}
    return _choice_labels().get(value, value)


def render_stored(value: Any, family: str) -> str:
    """An item of a stored list: `{"code", "params"}` (written since the codes) or an English
    sentence of an earlier release (recognised in `family`)."""
    if isinstance(value, dict):
        return render_json(value, fallback=str(value.get("message") or ""))
    return render_legacy(str(value or ""), family)


_labels: dict[str, Any] | None = None


def _choice_labels() -> dict[str, Any]:
    """value → {"$t": msgid} for every choice value of every model field that means one thing
    across the project (a value with two different labels is left as it is)."""
    global _labels
    if _labels is None:
        from django.apps import apps

        seen: dict[str, Any] = {}
        clash: set[str] = set()
        for model in apps.get_models():
            for f in model._meta.get_fields():
                for value, label in getattr(f, "flatchoices", None) or []:
                    if not isinstance(value, str) or not value or isinstance(label, str):
                        continue
                    encoded = encode(label)
                    if seen.get(value, encoded) != encoded:
                        clash.add(value)
                    seen.setdefault(value, encoded)
        _labels = {k: v for k, v in seen.items() if k not in clash and isinstance(v, dict)}
    return _labels


def stored_item_from_legacy(value: Any, families: tuple[str, ...]) -> Any:
    """For data migrations: a stored sentence of an earlier release as `{"code", "params"}`
    when it matches a template of `families` (in any of the three languages), else unchanged."""
    if not isinstance(value, str) or not value:
        return value
    for family in families:
        found = recognise(value, family, LEGACY_LANGUAGES)
        if found:
            return {"code": found.code, "params": {k: value_label(v) for k, v in found.params.items()}}
    return value


# -- audit reasons and history change reasons ------------------------------------------------------
#
# Both columns are append-only text that the audit chain hashes as it is stored, so the code and
# its parameters go into the column itself, as canonical JSON (keys sorted, no spaces, UTF-8):
#     {"code":"audit.relationship_ended_reason","params":{"reason":"moved abroad"}}
# Rows written before the codes hold an English sentence, recognised when shown.

Reason = str | Text


def _reason_json(code: str, params: dict) -> str:
    return json.dumps(
        {"code": code, "params": params}, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )


def _reason_stored(value: str) -> dict | None:
    """The `{"code", "params"}` of a reason stored in the JSON form, else None."""
    if not value.startswith('{"code":'):
        return None
    try:
        found = json.loads(value)
    except ValueError:
        return None
    if not isinstance(found, dict) or set(found) != {"code", "params"} or not isinstance(found["code"], str):
        return None
    if not isinstance(found["params"], dict):
        return None
    return found


@functools.lru_cache(maxsize=4096)
def _reason_recognised(value: str) -> str:
    """A sentence of a registered system reason as its JSON form; anything else unchanged. Cached
    per distinct string: a sweep writes the same reason a thousand times."""
    found = recognise(value, "audit")
    if found is None:
        return value
    return _reason_json(found.code, {k: value_label(v) for k, v in found.params.items()})


def stored_reason(value: Reason | None) -> str:
    """What goes into `AuditEntry.reason` or `history_change_reason`: a `Text` as its JSON form;
    a string that is a registered system reason (`audit.*`, English) as the JSON of its code and
    parameters (stored choice values by their label); a reason a person typed unchanged. A value
    already in the JSON form is kept as it is."""
    if isinstance(value, Text):
        return _reason_json(value.code, value.params)
    value = str(value or "")
    if not value or _reason_stored(value) is not None:
        return value
    return _reason_recognised(value)


def stored_reason_within(value: Reason | None, limit: int) -> str:
    """`stored_reason` for a column of `limit` characters: what a person typed is cut to it; a
    code is never cut (its JSON would no longer read), and one too long for the column falls back
    to its words in the active language."""
    stored = stored_reason(value)
    return stored if len(stored) <= limit else str(value or "")[:limit]


def render_reason(value: str | None, language: str | None = None) -> str:
    """An audit or history change reason in the reader's language (or `language`): the JSON form
    rendered (an unknown code shows the stored value), an English system sentence of an earlier
    release translated, a reason a person typed as typed."""
    found = reason_text(value)
    if isinstance(found, Text):
        return render(found.code, found.params, language=language)
    return found


def reason_text(value: str | None) -> Text | str:
    """A stored reason (`stored_reason`) as something that renders per reader, e.g. a parameter
    of another text: a `Text` when it is stored as a registered code (or is an English system
    sentence of an earlier release), else the string as typed."""
    value = str(value or "")
    stored = _reason_stored(value) or _reason_stored(_reason_recognised(value))
    if stored is not None and stored["code"] in REGISTRY:
        return Text(stored["code"], stored["params"])
    return value


def as_text(item: Any) -> Text | str:
    """A stored item (`{"code", "params"}` or a sentence) as something that renders per reader."""
    if isinstance(item, dict) and item.get("code") in REGISTRY:
        return Text(item["code"], item.get("params") or {})
    return str(item.get("message", "") if isinstance(item, dict) else item)


def check_text(row: dict) -> str:
    """One stored check result (planning) in the active language."""
    return render(
        row.get("code"), row.get("params"), fallback=str(row.get("message") or row.get("reason") or "")
    )


def scenario_name(row: dict) -> Text | str:
    """A stress scenario by its registered label (`check.scenario.<code>`), else its configured name."""
    code = f"check.scenario.{row.get('code', '')}"
    return Text(code, {}) if code in REGISTRY else str(row.get("name") or "")
