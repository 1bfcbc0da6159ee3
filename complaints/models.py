"""Complaints with SLA timers, escalations, satisfaction surveys and violation cases (SPEC §4).

Field names are deliberately plain because the quality dashboard reads them directly:
received_at, acknowledged_at, first_response_at, resolved_at, closed_at, priority, channel,
category, state, assignee, client, ack_breached / resolution_breached, and csat / nps on
SatisfactionSurvey.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from encrypted_fields.fields import EncryptedCharField, EncryptedTextField
from simple_history.models import HistoricalRecords

from advisory.formats import local_datetime
from advisory.money import Currency, default_currency
from advisory.texts import render
from advisory.validators import validate_plain_text_name
from audit.managers import AuditedManager


class Channel(models.TextChoices):
    PORTAL = "portal", _("Client portal")
    PHONE = "phone", _("Phone")
    EMAIL = "email", pgettext_lazy("activity kind", "Email")
    IN_PERSON = "in_person", _("In person")
    LETTER = "letter", _("Letter")
    APP_SOCIAL = "app_social", _("App / social media")
    SMS = "sms", _("Text message (SMS)")


class Category(models.TextChoices):
    SERVICE_ATTITUDE = "service_attitude", _("Service attitude")
    INFORMATION_DISCLOSURE = "information_disclosure", _("Information disclosure")
    IMPROPER_OPERATION = "improper_operation", _("Improper operation")
    PRIVACY_BREACH = "privacy_breach", _("Privacy breach")
    FEES = "fees", _("Fees")
    MIS_SELLING = "mis_selling", _("Mis-selling or product performance")
    OTHER = "other", _("Other")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class State(models.TextChoices):
    # "Received" alone also heads the column of the time received: the state has its own context.
    RECEIVED = "received", pgettext_lazy("complaint state", "Received")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("complaint state", "Acknowledged")
    INVESTIGATING = "investigating", _("Investigating")
    WAITING_ON_CLIENT = "waiting_on_client", _("Waiting on client")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# Tickets whose SLA clock can still run (resolved/closed stop it; waiting pauses it).
OPEN_STATES = (State.RECEIVED, State.ACKNOWLEDGED, State.INVESTIGATING, State.WAITING_ON_CLIENT)
# The escalation sweep only looks at these (the partial index has the same condition).
CLOCK_RUNNING_STATES = (State.RECEIVED, State.ACKNOWLEDGED, State.INVESTIGATING)


class EscalationLevel(models.IntegerChoices):
    NONE = 0, _("None")
    # xgettext:no-python-format
    WARNING = 1, _("Warning to the assignee (75% of the budget)")
    SUPERVISOR = 2, _("Breach: escalated to the supervisor")
    COMPLIANCE = 3, _("50% past breach: escalated to compliance")


class TimeBasis(models.TextChoices):
    BUSINESS = "business", _("Business time (working days and hours of the firm calendar)")
    CLOCK = "clock", _("Clock time (every hour of every day)")


# The name of the SLA policy the platform creates when a firm has none (complaints.services.common).
DEFAULT_POLICY_NAME = "Standard"


class SLAPolicy(models.Model):
    """Service levels, editable by administrators (SPEC §4). Exactly one policy is the default;
    a ticket keeps the policy it was opened under unless staff change it."""

    name = models.CharField(_("name"), max_length=80, unique=True, validators=[validate_plain_text_name])
    is_default = models.BooleanField(_("default for new tickets"), default=False)
    ack_business_hours = models.PositiveIntegerField(
        _("first human response within (hours)"),
        default=8,
        help_text=_(
            "Hours of the basis chosen below. In business time 8 hours is one business day. The automatic "
            "acknowledgement with the ticket number goes out at once on receipt, whatever this says."
        ),
    )
    ack_time_basis = models.CharField(
        _("acknowledgement target counts"),
        max_length=10,
        choices=TimeBasis.choices,
        default=TimeBasis.BUSINESS,
    )
    resolution_time_basis = models.CharField(
        _("resolution targets count"),
        max_length=10,
        choices=TimeBasis.choices,
        default=TimeBasis.BUSINESS,
        help_text=_(
            "In clock time a day is 24 hours and a pause counts every hour the client kept us waiting."
        ),
    )
    urgent_days = models.PositiveIntegerField(_("resolve urgent within (business days)"), default=2)
    high_days = models.PositiveIntegerField(_("resolve high within (business days)"), default=5)
    normal_days = models.PositiveIntegerField(_("resolve normal within (business days)"), default=10)
    low_days = models.PositiveIntegerField(_("resolve low within (business days)"), default=15)
    warning_percent = models.PositiveIntegerField(
        # xgettext:no-python-format
        _("warn the assignee at (% of budget)"),
        default=75,
        validators=[MaxValueValidator(100)],
    )
    compliance_percent = models.PositiveIntegerField(
        # xgettext:no-python-format
        _("escalate to compliance at (% of budget)"),
        default=150,
        validators=[MinValueValidator(100)],
    )
    autoclose_days = models.PositiveIntegerField(
        _("close resolved tickets after (calendar days of silence)"), default=7
    )
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="uniq_default_sla_policy"
            )
        ]

    def __str__(self) -> str:
        # the policy the platform creates itself reads in the reader's language; a firm's own
        # policies show the name they were given
        return str(_("Standard")) if self.name == DEFAULT_POLICY_NAME else self.name

    def resolution_days(self, priority: str) -> int:
        return {
            Priority.URGENT: self.urgent_days,
            Priority.HIGH: self.high_days,
            Priority.NORMAL: self.normal_days,
            Priority.LOW: self.low_days,
        }[priority]


class ComplaintSettings(models.Model):
    """Routing of new tickets (one row, edited in the admin)."""

    assign_to_advisor = models.BooleanField(
        _("assign new tickets to the client's advisor"),
        default=True,
        help_text=_("Otherwise (or when the advisor is the subject) tickets go to the complaints team user."),
    )
    complaints_team_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("complaints team user"),
    )
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("complaint routing settings")
        verbose_name_plural = _("complaint routing settings")

    def __str__(self) -> str:
        return str(_("Complaint routing"))


class Complaint(models.Model):
    number = models.CharField(_("ticket number"), max_length=20, unique=True)
    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("client"),
        db_index=False,  # covered by (client, received_at)
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.RECEIVED)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_complaints",
        verbose_name=_("assignee"),
        db_index=False,  # covered by (assignee, state)
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("filed by"),
        db_index=False,
    )
    # Few policies, rarely filtered on: no index (every index slows the sweep's UPDATE).
    policy = models.ForeignKey(
        SLAPolicy, on_delete=models.PROTECT, related_name="+", verbose_name=_("SLA policy"), db_index=False
    )

    received_at = models.DateTimeField(_("received"))
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    client_confirmed_at = models.DateTimeField(_("client confirmed resolution"), null=True, blank=True)

    # SLA clock (SPEC §4): deadlines are stored and only recomputed when policy, priority or the
    # pause time change. paused_seconds are business seconds spent waiting on the client.
    ack_due_at = models.DateTimeField(_("acknowledgement due"))
    resolve_due_at = models.DateTimeField(_("resolution due"))
    warn_at = models.DateTimeField(_("warning threshold"))
    compliance_at = models.DateTimeField(_("compliance threshold"))
    paused_at = models.DateTimeField(_("clock paused since"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("paused business seconds"), default=0)
    paused_clock_seconds = models.PositiveIntegerField(_("paused clock seconds"), default=0)
    next_escalation_at = models.DateTimeField(_("next escalation"), null=True, blank=True)
    next_escalation_level = models.PositiveSmallIntegerField(
        _("next escalation level"), choices=EscalationLevel.choices, default=EscalationLevel.NONE
    )
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation level reached"), choices=EscalationLevel.choices, default=EscalationLevel.NONE
    )
    ack_breached = models.BooleanField(_("acknowledgement SLA breached"), default=False)
    resolution_breached = models.BooleanField(_("resolution SLA breached"), default=False)
    reopened_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    # Resolution (SPEC §4)
    root_cause = models.TextField(_("root cause"), blank=True)
    remedy_apology = models.BooleanField(_("apology given"), default=False)
    compensation_amount = models.DecimalField(
        _("compensation"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    compensation_currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=default_currency
    )
    resolution_answer = models.TextField(_("answer sent to the client"), blank=True)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = AuditedManager()
    # The history is read by ticket (id) and date only: no index on the copied foreign keys and
    # ticket number, whose upkeep the sweep's 1,000 history rows per batch would otherwise pay.
    history = HistoricalRecords(no_db_index=["client", "assignee", "filed_by", "policy", "number"])

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            # No index on next_escalation_at: the sweep finds due tickets through EscalationTimer, so
            # moving a ticket's next threshold changes no indexed column and PostgreSQL can update
            # the row in place (a HOT update, with the table's fillfactor of 90: migration 0018).
            # The default staff queue: open tickets, nearest deadline first.
            models.Index(
                fields=["resolve_due_at", "id"],
                name="complaint_open_due",
                condition=models.Q(
                    state__in=["received", "acknowledged", "investigating", "waiting_on_client"]
                ),
            ),
            # An advisor's queue (their clients' open tickets, or assigned to them) and its count:
            # read from the index alone, without visiting every open ticket of the firm.
            models.Index(
                fields=["client", "assignee"],
                name="complaint_open_client",
                condition=models.Q(
                    state__in=["received", "acknowledged", "investigating", "waiting_on_client"]
                ),
            ),
            models.Index(fields=["assignee", "state"], name="complaint_assignee_state"),
            models.Index(fields=["client", "received_at"], name="complaint_client_received"),
            # The quality dashboard groups the complaints of a date range by month on these dates
            # (advisory/oversight/indicators.py); each index carries the columns its aggregates
            # read, so a month's complaints are counted from the index without the table.
            models.Index(
                fields=["received_at"],
                include=[
                    "id",
                    "client",
                    "state",
                    "resolved_at",
                    "resolve_due_at",
                    "ack_breached",
                    "resolution_breached",
                ],
                name="complaint_received_cover",
            ),
            models.Index(
                fields=["first_response_at"],
                include=["id", "client", "received_at"],
                name="complaint_first_response",
                condition=models.Q(first_response_at__isnull=False),
            ),
            models.Index(
                fields=["resolved_at"],
                include=["id", "client", "received_at"],
                name="complaint_resolved",
                condition=models.Q(resolved_at__isnull=False),
            ),
            models.Index(
                fields=["resolved_at"], name="complaint_autoclose", condition=models.Q(state="resolved")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_paused(self) -> bool:
        return self.state == State.WAITING_ON_CLIENT

    @property
    def is_overdue(self) -> bool:
        from advisory.clock import now

        return self.is_open and not self.is_paused and now() > self.resolve_due_at

    def sla_status(self, at: datetime.datetime | None = None) -> dict:
        """Remaining time and a traffic-light tone for badges: green, amber (past the warning
        threshold), red (breached), grey (paused or finished)."""
        from advisory.clock import now

        at = at or now()
        if not self.is_open:
            tone = "red" if self.resolution_breached else "green"
            return {"tone": tone, "label": self.get_state_display(), "seconds": None, "paused": False}
        if self.is_paused:
            return {"tone": "grey", "label": _("paused"), "seconds": None, "paused": True}
        seconds = int((self.resolve_due_at - at).total_seconds())
        tone = "red" if seconds < 0 else ("amber" if at >= self.warn_at else "green")
        return {"tone": tone, "label": _format_span(seconds), "seconds": seconds, "paused": False}


def _format_span(seconds: int) -> str:
    late = seconds < 0
    s = abs(seconds)
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if not (days or hours or minutes):
        return str(_("just overdue")) if late else str(_("due now"))
    if days:
        text = _("%(d)sd %(h)sh") % {"d": days, "h": hours}
    elif hours:
        text = _("%(h)sh %(m)sm") % {"h": hours, "m": minutes}
    else:
        text = _("%(m)sm") % {"m": minutes}
    return str(_("%(span)s overdue") % {"span": text}) if late else str(_("%(span)s left") % {"span": text})


class EventKind(models.TextChoices):
    CREATED = "created", _("Filed")
    TRANSITION = "transition", _("State change")
    REPLY = "reply", _("Reply to the client")
    CLIENT_REPLY = "client_reply", _("Reply from the client")
    NOTE = "note", _("Internal note")
    ASSIGNMENT = "assignment", _("Assignment")
    PRIORITY = "priority", _("Priority or policy change")
    ESCALATION = "escalation", _("Escalation")
    RESOLUTION = "resolution", _("Resolution")


class EscalationTimer(models.Model):
    """When each ticket whose SLA clock runs reaches its next escalation threshold: a narrow copy of
    `Complaint.next_escalation_at`, one row per such ticket, that the escalation sweep reads through
    its index (`complaints.timers`).

    Kept by database triggers on the tickets table (installed after every `migrate`), so every way a
    ticket is written — a service's save, a bulk update, the sweep's own SQL, a data import — keeps
    it exact: the row exists while the clock runs and a threshold is ahead, and is gone otherwise.
    The application never writes it. It is derived data, not a record: no history, no audit entry."""

    complaint = models.OneToOneField(
        Complaint,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="escalation_timer",
        verbose_name=_("complaint"),
    )
    due_at = models.DateTimeField(_("next escalation"), db_index=True)

    class Meta:
        verbose_name = _("escalation timer")
        verbose_name_plural = _("escalation timers")

    def __str__(self) -> str:
        return f"{self.complaint_id} @ {self.due_at.isoformat()}"


class ComplaintEvent(models.Model):
    """One line of the ticket's timeline: who, when, what, and a note. Internal events are
    never shown to the client (portal and API). Append-only: rows are never edited, and each
    state change is also an audit entry (AuditAction.TRANSITION), so no separate history.

    What the platform writes (a reassignment, a priority change, a root cause recorded, a ticket
    closed automatically) is stored as a text code with parameters (`body_code`/`body_params`,
    advisory.texts "event.*") and read in the reader's language; what a person wrote (a reply,
    a note) stays in `body`. Every display reads `body_text`."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    from_state = models.CharField(_("from"), max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=20, choices=State.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("note"), blank=True)
    body_code = models.CharField(_("message code"), max_length=80, blank=True)
    body_params = models.JSONField(_("message parameters"), default=dict, blank=True)
    is_internal = models.BooleanField(_("internal (hidden from the client)"), default=False)
    created_at = models.DateTimeField(_("when"))

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["complaint", "created_at"])]
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {local_datetime(self.created_at)}"

    @property
    def body_text(self) -> str:
        """The event's text in the reader's language (a system text), or as a person wrote it."""
        if self.body_code:
            return render(self.body_code, self.body_params, fallback=self.body)
        return self.body


def _attachment_path(instance: ComplaintAttachment, filename: str) -> str:
    from advisory.files import random_name

    return random_name("complaints", filename)


class ComplaintAttachment(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=_attachment_path)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size_bytes = models.PositiveIntegerField(_("size"))
    is_internal = models.BooleanField(_("internal"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("complaint attachment")
        verbose_name_plural = _("complaint attachments")

    def __str__(self) -> str:
        return self.original_name


class ComplaintEscalation(models.Model):
    """One escalation of one ticket at one level. The unique constraint makes it exactly once,
    even when two sweeps race (the second insert fails and its transaction rolls back)."""

    # indexed by the unique (complaint, level) constraint, which leads with it
    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="escalations", db_index=False
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=EscalationLevel.choices)
    threshold_at = models.DateTimeField(_("threshold"))
    escalated_at = models.DateTimeField(_("escalated"))
    recipients = models.CharField(_("notified"), max_length=500, blank=True)
    notified = models.BooleanField(
        _("notified"), default=True, help_text=_("False when a higher level was reached in the same sweep.")
    )

    class Meta:
        ordering = ["complaint", "level"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "level"], name="uniq_complaint_escalation")
        ]
        indexes = [models.Index(fields=["escalated_at"])]
        verbose_name = _("complaint escalation")
        verbose_name_plural = _("complaint escalations")

    def __str__(self) -> str:
        return f"{self.complaint_id} L{self.level}"


class SurveyTrigger(models.TextChoices):
    COMPLAINT = "complaint", _("After a complaint")
    PROPOSAL_ACCEPTED = "proposal_accepted", _("After a proposal was accepted")
    REVIEW = "review", _("After a periodic review")
    RETURN_VISIT = "return_visit", _("After a return visit")
    ANNUAL = "annual", _("Yearly survey")


class SatisfactionSurvey(models.Model):
    """A satisfaction survey (CSAT 1–5, NPS 0–10, free text), answered in the portal or through a
    signed single-use email link (SPEC §4; seed 000 §1.4, §7.2). Sent when a ticket closes, after
    an accepted proposal, a periodic review, and once a year. Read by the dashboard: all surveys
    give the firm's CSAT/NPS, those with a complaint give the complainants' figures.

    `source_ref` names the event ("planning.proposal:12", "annual:2026"); with the client and the
    trigger it is unique, so the sweeps that send surveys can run twice without a second one."""

    complaint = models.OneToOneField(
        Complaint, on_delete=models.CASCADE, related_name="survey", null=True, blank=True
    )
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="complaint_surveys")
    trigger = models.CharField(
        _("occasion"), max_length=20, choices=SurveyTrigger.choices, default=SurveyTrigger.COMPLAINT
    )
    source_ref = models.CharField(_("event"), max_length=60, blank=True)
    sent_at = models.DateTimeField(_("sent"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_via = models.CharField(_("answered via"), max_length=10, blank=True)  # portal | email
    token_nonce = models.CharField(_("link nonce"), max_length=32, blank=True)
    csat = models.PositiveSmallIntegerField(
        _("satisfaction (1-5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    nps = models.PositiveSmallIntegerField(
        _("likelihood to recommend (0-10)"), null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    comment = models.TextField(_("comment"), blank=True)
    objects = AuditedManager()
    history = HistoricalRecords(excluded_fields=["token_nonce"])

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["answered_at"]),
            models.Index(fields=["sent_at"], name="survey_sent_at"),
            models.Index(fields=["client", "-sent_at"], name="survey_client_sent"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "trigger", "source_ref"],
                condition=~models.Q(source_ref=""),
                name="uniq_survey_per_event",
            )
        ]
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")

    def __str__(self) -> str:
        return f"{self.complaint_id or self.source_ref} CSAT={self.csat} NPS={self.nps}"


class ViolationStage(models.TextChoices):
    VERIFICATION = "verification", _("Verification")
    INVESTIGATION = "investigation", _("Investigation")
    FINDING = "finding", _("Finding")
    ACCOUNTABILITY = "accountability", _("Accountability action")
    RECTIFICATION = "rectification", _("Rectification")
    EVALUATION = "evaluation", _("Effect evaluation")
    CLOSED = "closed", _("Closed")


class AccountabilityAction(models.TextChoices):
    VERBAL_WARNING = "verbal_warning", _("Verbal warning")
    WRITTEN_WARNING = "written_warning", _("Written warning")
    CIRCULATED_CRITICISM = "circulated_criticism", _("Circulated criticism")
    SUSPENSION = "suspension", _("Suspension of business permissions")
    BONUS_DEDUCTION = "bonus_deduction", _("Bonus deduction")
    DEMOTION_TRANSFER = "demotion_transfer", _("Demotion or transfer")
    DISMISSAL = "dismissal", _("Dismissal")
    JUDICIAL_REFERRAL = "judicial_referral", _("Referral to judicial authorities")


class ViolationSeverity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")


class ViolationCase(models.Model):
    """Staff misconduct found in a complaint (SPEC §4, 001 §六). Seen only by compliance,
    supervisors and administrators."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="violation_cases")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="+")
    staff_member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="violation_cases"
    )
    stage = models.CharField(
        _("stage"), max_length=16, choices=ViolationStage.choices, default=ViolationStage.VERIFICATION
    )
    summary = models.TextField(_("allegation"))
    verification_notes = models.TextField(_("verification"), blank=True)
    investigation_notes = models.TextField(_("investigation"), blank=True)
    finding = models.TextField(_("finding"), blank=True)
    substantiated = models.BooleanField(_("misconduct substantiated"), null=True, blank=True)
    accountability_action = models.CharField(
        _("accountability action"), max_length=24, choices=AccountabilityAction.choices, blank=True
    )
    action_notes = models.TextField(_("action details"), blank=True)
    evaluation_notes = models.TextField(_("effect evaluation"), blank=True)
    effective = models.BooleanField(_("measures effective"), null=True, blank=True)
    # Seed 001 §七: a major violation is reported to the regulator; the report's date and reference.
    severity = models.CharField(
        _("severity"), max_length=8, choices=ViolationSeverity.choices, default=ViolationSeverity.MINOR
    )
    regulator_report_due = models.BooleanField(_("regulator report required"), default=False)
    regulator_reported_on = models.DateField(_("reported to the regulator on"), null=True, blank=True)
    regulator_reference = models.CharField(_("regulator report reference"), max_length=80, blank=True)
    # The outcome fed back to the client (portal notification and letter PDF).
    client_feedback_at = models.DateTimeField(_("outcome sent to the client"), null=True, blank=True)
    client_feedback_text = models.TextField(_("outcome sent to the client"), blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("opened"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["stage"]), models.Index(fields=["staff_member", "opened_at"])]
        verbose_name = _("violation case")
        verbose_name_plural = _("violation cases")

    def __str__(self) -> str:
        return f"VC-{self.pk} {self.staff_member}"


class MeasureStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class RectificationMeasure(models.Model):
    case = models.ForeignKey(ViolationCase, on_delete=models.CASCADE, related_name="measures")
    description = models.CharField(_("measure"), max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=12, choices=MeasureStatus.choices, default=MeasureStatus.OPEN
    )
    completed_on = models.DateField(_("completed"), null=True, blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"])]
        verbose_name = _("rectification measure")
        verbose_name_plural = _("rectification measures")

    def __str__(self) -> str:
        return self.description


# -- email intake (SPEC §4: intake from every channel) ----------------------------------------------


class MailboxSecurity(models.TextChoices):
    SSL = "ssl", _("IMAP over TLS (port 993)")
    STARTTLS = "starttls", _("STARTTLS (port 143)")
    NONE = "none", _("Unencrypted (test servers on this host only)")


class Mailbox(models.Model):
    """A complaints mailbox the platform polls (configured by administrators). The password is
    encrypted at rest; the poll position (UIDVALIDITY, last UID) is kept here."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    host = models.CharField(_("IMAP host"), max_length=200)
    port = models.PositiveIntegerField(_("port"), default=993)
    security = models.CharField(
        _("connection security"), max_length=10, choices=MailboxSecurity.choices, default=MailboxSecurity.SSL
    )
    username = models.CharField(_("user name"), max_length=200)
    password = EncryptedCharField(_("password"), max_length=200)
    folder = models.CharField(_("folder"), max_length=100, default="INBOX")
    reply_address = models.EmailField(
        _("reply address"), help_text=_("Acknowledgements and staff replies are sent from this address.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    uid_validity = models.BigIntegerField(_("UIDVALIDITY"), null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(_("last UID read"), default=0, editable=False)
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    objects = AuditedManager()
    history = HistoricalRecords(excluded_fields=["uid_validity", "last_uid", "last_polled_at", "last_error"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("complaints mailbox")
        verbose_name_plural = _("complaints mailboxes")

    def __str__(self) -> str:
        return self.name


class InboundStatus(models.TextChoices):
    FILED = "filed", _("Filed as a complaint")
    REPLY = "reply", _("Added to a ticket as the client's reply")
    AWAITING_LINK = "awaiting_link", _("Waiting for a client to be linked")
    QUARANTINED = "quarantined", _("Quarantined")
    DISMISSED = "dismissed", _("Dismissed")


def _raw_email_path(instance: InboundEmail, filename: str) -> str:
    from advisory.files import random_name

    return random_name("complaints/mail", "message.eml")


class InboundEmail(models.Model):
    """One message read from a mailbox, exactly once: (mailbox, UIDVALIDITY, UID) and the
    Message-ID are unique, and the row is written in the same transaction as what the message
    became. The original message is kept as evidence; addresses and text are encrypted."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.PROTECT, related_name="messages")
    uid_validity = models.BigIntegerField(_("UIDVALIDITY"))
    uid = models.BigIntegerField(_("UID"))
    message_id = models.CharField(_("Message-ID"), max_length=300, blank=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=300, blank=True)
    from_address = EncryptedCharField(_("from"), max_length=254, blank=True, null=True)
    from_name = EncryptedCharField(_("sender name"), max_length=200, blank=True, null=True)
    subject = EncryptedCharField(_("subject"), max_length=300, blank=True, null=True)
    body = EncryptedTextField(_("text"), blank=True, null=True)
    received_at = models.DateTimeField(_("received"))
    size_bytes = models.PositiveIntegerField(_("size"))
    raw = models.FileField(_("original message"), upload_to=_raw_email_path, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=InboundStatus.choices)
    reason = models.TextField(_("reason"), blank=True)
    ticket_number = models.CharField(_("ticket number"), max_length=20, blank=True)
    client = models.ForeignKey(
        "clients.Client",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("client"),
    )
    complaint = models.ForeignKey(
        Complaint,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="emails",
        verbose_name=_("ticket"),
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "uid_validity", "uid"], name="uniq_inbound_uid"),
            models.UniqueConstraint(
                fields=["message_id"], condition=~models.Q(message_id=""), name="uniq_inbound_message_id"
            ),
        ]
        indexes = [models.Index(fields=["status", "received_at"])]
        verbose_name = _("inbound email")
        verbose_name_plural = _("inbound emails")

    def __str__(self) -> str:
        return f"{self.ticket_number or self.pk} {local_datetime(self.received_at)}"


class OutboundKind(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", _("Automatic acknowledgement")
    REPLY = "reply", _("Reply to the client")


class OutboundEmail(models.Model):
    """A message we sent about a ticket. Its Message-ID threads the client's answer back."""

    complaint = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.PROTECT, related_name="sent_emails"
    )
    inbound = models.ForeignKey(
        InboundEmail, null=True, blank=True, on_delete=models.PROTECT, related_name="answers"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=OutboundKind.choices)
    message_id = models.CharField(_("Message-ID"), max_length=300, unique=True)
    to_address = EncryptedCharField(_("recipient"), max_length=254)
    # As sent, in the recipient's `language`; staff read it through the text code.
    subject = models.CharField(_("subject"), max_length=300)
    subject_code = models.CharField(_("subject code"), max_length=80, blank=True)
    subject_params = models.JSONField(_("subject parameters"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    sent_at = models.DateTimeField(_("sent"))

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbound emails")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {local_datetime(self.sent_at)}"

    @property
    def subject_text(self) -> str:
        """The subject in the reader's language (as sent, for rows from before the codes)."""
        return render(self.subject_code, self.subject_params, fallback=self.subject)


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboundSMS(models.Model):
    """A text message we send about a ticket: the automatic acknowledgement of a complaint that
    came in by phone or SMS (docs/complaints.md). Written queued in the transaction that files the
    complaint, sent by a Celery task through the outbox with the configured SMS backend."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="sent_sms")
    kind = models.CharField(
        _("kind"), max_length=16, choices=OutboundKind.choices, default=OutboundKind.ACKNOWLEDGEMENT
    )
    # nullable: a disposal blanks them, and an encrypted field stores a blank as NULL
    to_number = EncryptedCharField(_("recipient number"), max_length=40, null=True, blank=True)
    text = EncryptedTextField(_("text"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=10)
    segments = models.PositiveSmallIntegerField(_("segments"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=SmsStatus.choices, default=SmsStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    provider_id = models.CharField(_("gateway reference"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["text", "to_number"])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outbound SMS")
        verbose_name_plural = _("outbound SMS")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {local_datetime(self.created_at)}"


class ViolationSanction(models.Model):
    """One accountability action decided on a violation case (a case may carry several). A
    suspension of business permissions creates a permission restriction for its period
    (advisory.staff); every sanction is on the staff record and counts in appraisals."""

    case = models.ForeignKey(ViolationCase, on_delete=models.CASCADE, related_name="sanctions")
    action = models.CharField(_("accountability action"), max_length=24, choices=AccountabilityAction.choices)
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True)
    notes = models.TextField(_("details"), blank=True)
    restriction = models.ForeignKey(
        "staff.PermissionRestriction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided"))
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["decided_at", "id"]
        verbose_name = _("accountability action")
        verbose_name_plural = _("accountability actions")

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.case_id})"


class ConductDigest(models.Model):
    """The periodic digest of closed violation cases circulated to staff as warning education
    (seed 001 §七). `cases` is the anonymised text frozen at publication."""

    period_start = models.DateField(_("period from"), unique=True)
    period_end = models.DateField(_("period to"))
    published_at = models.DateTimeField(_("published"))
    cases = models.JSONField(_("cases"), default=list)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-period_start"]
        verbose_name = _("conduct digest")
        verbose_name_plural = _("conduct digests")

    def __str__(self) -> str:
        return f"{self.period_start:%Y-%m}"


class DigestReading(models.Model):
    """A staff member confirmed reading a digest (reading is tracked, seed 001 §七)."""

    digest = models.ForeignKey(ConductDigest, on_delete=models.CASCADE, related_name="readings")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    read_at = models.DateTimeField(_("read"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["digest", "reader"], name="uniq_digest_reading")]
        verbose_name = _("digest reading")
        verbose_name_plural = _("digest readings")

    def __str__(self) -> str:
        return f"{self.digest} {self.reader_id}"


# Return visits and suggestions live in their own module; importing it registers the models.
from .feedback_models import (  # noqa: E402, F401
    ReturnVisit,
    ReturnVisitScript,
    ReturnVisitStatus,
    ReturnVisitTrigger,
    Suggestion,
    SuggestionStatus,
)
