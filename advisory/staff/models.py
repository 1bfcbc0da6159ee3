"""Staff and conduct records (SPEC §6 staff; seeds 000 §4.1/§4.3, 001 §四.1.4/§五, 002 §4.3/§7.2,
003 §5.3, 004 §六): yearly training plans per role, appraisals with a pass mark, permission
restrictions that the permission layer asks for, conflict-of-interest declarations reviewed by
compliance, and the internal audit of service processes with its findings and external
evaluations."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from advisory.models import TimeStampedModel
from advisory.roles import Role
from advisory.texts import Text, text
from audit.managers import AuditedManager


class TrainingTopic(models.TextChoices):
    COMPLIANCE = "compliance", pgettext_lazy("training topic", "Compliance")
    ETHICS = "ethics", _("Professional ethics")
    AML = "aml", _("Anti-money laundering")
    PRODUCTS = "products", _("Product knowledge")
    OTHER = "other", _("Other")


MANDATORY_TOPICS = (TrainingTopic.COMPLIANCE, TrainingTopic.ETHICS, TrainingTopic.AML, TrainingTopic.PRODUCTS)


class TrainingPlan(TimeStampedModel):
    """The yearly training requirement of one role: hours and the mandatory topics (each must be
    covered by at least one completed training record of that topic in the year)."""

    year = models.PositiveSmallIntegerField(_("year"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    required_hours = models.DecimalField(
        _("required hours"), max_digits=6, decimal_places=1, validators=[MinValueValidator(Decimal("0"))]
    )
    topic_compliance = models.BooleanField(_("compliance required"), default=True)
    topic_ethics = models.BooleanField(_("professional ethics required"), default=True)
    topic_aml = models.BooleanField(_("anti-money laundering required"), default=True)
    topic_products = models.BooleanField(_("product knowledge required"), default=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "role"]
        constraints = [models.UniqueConstraint(fields=["year", "role"], name="uniq_training_plan_year_role")]
        verbose_name = _("training plan")
        verbose_name_plural = _("training plans")

    def __str__(self) -> str:
        return f"{self.year} {self.get_role_display()}"

    @property
    def mandatory_topics(self) -> list[str]:
        return [t for t in MANDATORY_TOPICS if getattr(self, f"topic_{t}")]


class AppraisalKind(models.TextChoices):
    REGULAR = "regular", _("Regular appraisal")
    REASSESSMENT = "reassessment", _("Re-assessment")


class Appraisal(TimeStampedModel):
    """An appraisal of one staff member for a period (seed 000 §4.3, 004 §六): theory test and
    practical assessment results, the client-feedback score from answered surveys and the counts
    of complaints and substantiated violations in the period, all frozen when recorded. A total
    below the pass mark restricts the actions named in `restricted_*` until a re-assessment
    passes."""

    staff_member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="appraisals",
        verbose_name=_("staff member"),
    )
    kind = models.CharField(
        _("kind"), max_length=14, choices=AppraisalKind.choices, default=AppraisalKind.REGULAR
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    theory_score = models.DecimalField(
        _("theory test"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    practical_score = models.DecimalField(
        _("practical assessment"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    feedback_score = models.DecimalField(
        _("client feedback (0-100)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    feedback_surveys = models.PositiveIntegerField(_("answered surveys"), default=0)
    complaint_count = models.PositiveIntegerField(_("complaints"), default=0)
    violation_count = models.PositiveIntegerField(_("substantiated violations"), default=0)
    total_score = models.DecimalField(_("total score"), max_digits=5, decimal_places=1)
    pass_mark = models.DecimalField(_("pass mark"), max_digits=5, decimal_places=1)
    passed = models.BooleanField(_("passed"))
    notes = models.TextField(_("notes"), blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("assessed by")
    )
    assessed_at = models.DateTimeField(_("assessed at"))
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-assessed_at", "-id"]
        indexes = [models.Index(fields=["staff_member", "assessed_at"])]
        verbose_name = _("appraisal")
        verbose_name_plural = _("appraisals")

    def __str__(self) -> str:
        return f"{self.staff_member} {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"


class RestrictionSource(models.TextChoices):
    APPRAISAL = "appraisal", _("Failed appraisal")
    SUSPENSION = "suspension", _("Suspension of business permissions")


class RestrictedAction(models.TextChoices):
    SUBMIT_PROPOSAL = "submit_proposal", _("Submit proposals")
    APPROVE_PROPOSAL = "approve_proposal", _("Approve proposals")
    TAKE_CLIENTS = "take_clients", _("Take on or be assigned clients")


class PermissionRestriction(TimeStampedModel):
    """A restriction of named actions for one person (the permission layer asks for it:
    advisory.staff.rules). Active from `starts_on` to `ends_on` inclusive (no end: until lifted)
    and while not lifted. A failed appraisal's restriction is lifted when a re-assessment passes;
    a suspension ends with its period."""

    staff_member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="restrictions",
        verbose_name=_("staff member"),
    )
    source = models.CharField(_("source"), max_length=12, choices=RestrictionSource.choices)
    blocks_submission = models.BooleanField(_("blocks proposal submission"), default=False)
    blocks_approval = models.BooleanField(_("blocks proposal approvals"), default=False)
    blocks_clients = models.BooleanField(_("blocks client assignments"), default=False)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    appraisal = models.ForeignKey(
        Appraisal, null=True, blank=True, on_delete=models.PROTECT, related_name="restrictions"
    )
    # The violation case (complaints app) that imposed a suspension: a reference, not a key, so
    # the core does not depend on the complaints tables.
    case_ref = models.CharField(_("violation case"), max_length=40, blank=True)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lift_reason = models.CharField(_("why lifted"), max_length=200, blank=True)
    ended_notified_at = models.DateTimeField(_("end notified"), null=True, blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["staff_member", "lifted_at", "starts_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="restriction_ends_after_start",
            )
        ]
        verbose_name = _("permission restriction")
        verbose_name_plural = _("permission restrictions")

    def __str__(self) -> str:
        return f"{self.staff_member}: {self.get_source_display()}"

    def is_active_on(self, day: datetime.date) -> bool:
        return (
            self.lifted_at is None and self.starts_on <= day and (self.ends_on is None or self.ends_on >= day)
        )

    @property
    def lift_reason_text(self) -> str:
        """Why it was lifted, in the reader's language (a system reason is stored as a code)."""
        from advisory.texts import render_reason

        return render_reason(self.lift_reason)

    @property
    def actions(self) -> list[str]:
        out = []
        if self.blocks_submission:
            out.append(RestrictedAction.SUBMIT_PROPOSAL)
        if self.blocks_approval:
            out.append(RestrictedAction.APPROVE_PROPOSAL)
        if self.blocks_clients:
            out.append(RestrictedAction.TAKE_CLIENTS)
        return out

    @property
    def action_labels(self) -> list[str]:
        return [str(RestrictedAction(a).label) for a in self.actions]

    def reason(self) -> Text:
        """Why the person is restricted, as a text code (advisory.texts)."""
        if self.source == RestrictionSource.SUSPENSION:
            if self.ends_on:
                return text("staff.suspended_until", case=self.case_ref, end=self.ends_on)
            return text("staff.suspended", case=self.case_ref)
        return text("staff.appraisal_restricted", date=self.starts_on)

    def reason_text(self) -> str:
        """The refusal shown to the person, in the reader's language (rendered when shown)."""
        return str(self.reason())


class DeclarationOccasion(models.TextChoices):
    YEARLY = "yearly", _("Yearly declaration")
    CHANGE = "change", _("Change in circumstances")


class DeclarationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting compliance review")
    CLEARED = "cleared", _("Cleared")
    MITIGATION = "mitigation", _("Mitigation required")


class ConflictDeclaration(TimeStampedModel):
    """A conflict-of-interest declaration (seed 001 §四.1.4): yearly and on every change,
    reviewed by compliance."""

    staff_member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="conflict_declarations",
        verbose_name=_("staff member"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    occasion = models.CharField(_("occasion"), max_length=8, choices=DeclarationOccasion.choices)
    has_interests = models.BooleanField(_("has interests to declare"), default=False)
    interests = models.TextField(
        _("interests"),
        blank=True,
        help_text=_("Outside positions, shareholdings, relatives at product providers, gifts received…"),
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    status = models.CharField(
        _("status"), max_length=12, choices=DeclarationStatus.choices, default=DeclarationStatus.SUBMITTED
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["staff_member", "year"])]
        verbose_name = _("conflict-of-interest declaration")
        verbose_name_plural = _("conflict-of-interest declarations")

    def __str__(self) -> str:
        return f"{self.staff_member} {self.year} ({self.get_occasion_display()})"


class AuditArea(models.TextChoices):
    ONBOARDING = "onboarding", _("Client onboarding and KYC")
    SUITABILITY = "suitability", _("Risk profiling and suitability")
    PROPOSALS = "proposals", _("Proposals and four-eyes approval")
    COMPLAINTS = "complaints", _("Complaint handling")
    RECORDS = "records", _("Records, retention and privacy")
    STAFF = "staff", _("Staff qualifications and conduct")


class AuditStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    FIELDWORK = "fieldwork", _("Fieldwork")
    REPORTED = "reported", _("Reported")
    CLOSED = "closed", _("Closed")


class InternalAudit(TimeStampedModel):
    """One entry of the internal audit plan (seed 000 §1.4, 001 §五, 002 §7.2): a service process
    area, the period it covers, the auditor. Closed once every finding is closed."""

    area = models.CharField(_("area"), max_length=14, choices=AuditArea.choices)
    title = models.CharField(_("title"), max_length=200)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    planned_on = models.DateField(_("planned for"))
    auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="internal_audits",
        verbose_name=_("auditor"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AuditStatus.choices, default=AuditStatus.PLANNED
    )
    conclusion = models.TextField(_("conclusion"), blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-planned_on", "-id"]
        indexes = [models.Index(fields=["status"])]
        verbose_name = _("internal audit")
        verbose_name_plural = _("internal audits")

    def __str__(self) -> str:
        return self.title


class FindingSeverity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    REMEDIATED = "remediated", _("Remediation reported")
    CLOSED = "closed", _("Closed")


class AuditFinding(TimeStampedModel):
    """A finding of an internal audit, with its owner and due date; followed up until the auditor
    closes it. Where a finding needs a plan-do-check-act improvement, it is linked to an
    improvement action (advisory.oversight) instead of tracking its own plan."""

    audit = models.ForeignKey(InternalAudit, on_delete=models.PROTECT, related_name="findings")
    title = models.CharField(_("finding"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=FindingSeverity.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="audit_findings",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    remediation = models.TextField(_("remediation"), blank=True)
    improvement_action = models.ForeignKey(
        "oversight.ImprovementAction",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("improvement action"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"])]
        verbose_name = _("audit finding")
        verbose_name_plural = _("audit findings")

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status != FindingStatus.CLOSED


class EvaluationKind(models.TextChoices):
    EXTERNAL = "external", _("External audit")
    THIRD_PARTY = "third_party", _("Third-party evaluation")
    REGULATOR = "regulator", _("Regulatory inspection")


class ExternalEvaluation(TimeStampedModel):
    """The result of an external or third-party evaluation of the service (seed 002 §7.2)."""

    kind = models.CharField(_("kind"), max_length=12, choices=EvaluationKind.choices)
    evaluator = models.CharField(_("evaluator"), max_length=200)
    area = models.CharField(_("area"), max_length=14, choices=AuditArea.choices)
    evaluated_on = models.DateField(_("evaluated on"))
    rating = models.CharField(_("rating"), max_length=60)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)
    summary = models.TextField(_("summary"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-evaluated_on", "-id"]
        verbose_name = _("external evaluation")
        verbose_name_plural = _("external evaluations")

    def __str__(self) -> str:
        return f"{self.evaluator} {self.evaluated_on:%Y-%m-%d}"


class StaffReminder(models.Model):
    """A ledger of reminders already sent by the schedules (training shortfall, declaration due,
    overdue measures and findings, restriction ended): the unique key makes every sweep
    idempotent — a second run, or a concurrent one, finds the row and sends nothing."""

    kind = models.CharField(_("kind"), max_length=40)
    subject = models.CharField(_("subject"), max_length=80)
    period = models.CharField(_("period"), max_length=20)
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject", "period"], name="uniq_staff_reminder")
        ]
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")

    def __str__(self) -> str:
        return f"{self.kind} {self.subject} {self.period}"
