"""Core records: the user with a role, staff qualifications, in-app notifications and the
archive of generated documents (PDF reports, certificates, exports)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .roles import OVERSIGHT_ROLES, WORKSPACE_ROLES, Role
from .texts import render
from .validators import validate_plain_text_name


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        extra.setdefault("role", Role.ADMINISTRATOR)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in: staff in the workspace, clients in the portal. Email is the login."""

    username = None
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, validators=[validate_plain_text_name])
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, db_index=True)
    team = models.CharField(_("team"), max_length=80, blank=True)
    supervisor = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        verbose_name=_("supervisor"),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Language of notifications and emails; empty: the firm's default."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]
    objects = UserManager()
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def has_perm(self, perm: str, obj=None) -> bool:
        """A permission the rules define is answered by the rules alone (advisory.rules.can): a
        superuser administrator gets exactly the administrator role's rights there. Django's own
        model permissions (the admin site) keep Django's answer."""
        import rules as rules_registry

        if rules_registry.perm_exists(perm):
            from .rules import can

            return can(self, perm, obj)
        return super().has_perm(perm, obj)

    @property
    def is_client(self) -> bool:
        return self.role == Role.CLIENT

    @property
    def is_advisor(self) -> bool:
        return self.role == Role.ADVISOR

    @property
    def is_workspace_user(self) -> bool:
        return self.role in WORKSPACE_ROLES

    @property
    def is_oversight(self) -> bool:
        return self.role in OVERSIGHT_ROLES


class QualificationKind(models.TextChoices):
    CFP = "cfp", _("Certified Financial Planner (CFP)")
    CFA = "cfa", _("Chartered Financial Analyst (CFA)")
    FUND = "fund", _("Fund practitioner licence")
    SECURITIES = "securities", _("Securities practitioner licence")
    INSURANCE = "insurance", _("Insurance agent licence")
    OTHER = "other", _("Other")


class StaffQualification(TimeStampedModel):
    """A professional qualification held by a staff member (SPEC §6, staff)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="qualifications",
        verbose_name=_("staff member"),
    )
    kind = models.CharField(_("qualification"), max_length=20, choices=QualificationKind.choices)
    number = models.CharField(_("certificate number"), max_length=60)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    qualifies_for_advice = models.BooleanField(
        _("qualifies for giving advice"),
        default=True,
        help_text=_("A current qualification of this kind lets an advisor submit proposals."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["user", "kind"]
        verbose_name = _("staff qualification")
        verbose_name_plural = _("staff qualifications")
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="uniq_qualification_number"),
        ]
        indexes = [models.Index(fields=["expires_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def is_current(self, on: datetime.date) -> bool:
        return self.issued_on <= on and (self.expires_on is None or self.expires_on >= on)


class Notification(models.Model):
    """An in-app notification; the same message goes out by email (advisory.notifications)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
        db_index=False,  # the (recipient, read_at) index leads with it
    )
    kind = models.CharField(_("kind"), max_length=60)
    # Subject and body are written by the system as codes with parameters (advisory.texts) and
    # rendered in the reader's language; `subject`/`body` keep rows from before the codes and
    # text typed by a person (a note passed along as the body).
    subject_code = models.CharField(_("subject code"), max_length=80, blank=True)
    body_code = models.CharField(_("message code"), max_length=80, blank=True)
    subject_params = models.JSONField(_("subject parameters"), default=dict, blank=True)
    body_params = models.JSONField(_("message parameters"), default=dict, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)
    # What the notification is about, and the states in which it still asks for something: once
    # the record leaves them (approved, withdrawn, closed…) the notification is marked done.
    about_type = models.CharField(_("about (record type)"), max_length=100, blank=True)
    about_id = models.CharField(_("about (record id)"), max_length=64, blank=True)
    open_states = models.JSONField(_("open in states"), default=list, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(
                fields=["about_type", "about_id"],
                name="notification_open_about",
                condition=models.Q(done_at__isnull=True) & ~models.Q(about_id=""),
            ),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.subject_text

    @property
    def subject_text(self) -> str:
        return render(self.subject_code, self.subject_params, fallback=self.subject)

    @property
    def body_text(self) -> str:
        return render(self.body_code, self.body_params, fallback=self.body)

    def texts_in(self, language: str) -> tuple[str, str]:
        """(subject, body) in `language`: for the email to the recipient."""
        with translation.override(language):
            return self.subject_text, self.body_text


class DocumentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the queue")
    RENDERING = "rendering", _("Generating")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


def _document_path(instance: ArchivedDocument, filename: str) -> str:
    from .files import random_name

    return random_name(f"archive/{instance.kind.replace('.', '-')}", filename)


class ArchivedDocument(models.Model):
    """A generated PDF or export, archived with its SHA-256 and never overwritten (SPEC §3, §5).

    Regenerating creates a new row with the next version number for the same subject and kind.
    The subject is named generically (app label, model, primary key) so the archive never
    imports the business apps.
    """

    kind = models.CharField(_("kind"), max_length=60, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    subject_type = models.CharField(_("subject type"), max_length=100)
    subject_id = models.CharField(_("subject id"), max_length=64)
    client_id = models.BigIntegerField(_("client id"), null=True, blank=True, db_index=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    language = models.CharField(_("language"), max_length=10, default="en")
    status = models.CharField(
        _("status"), max_length=12, choices=DocumentStatus.choices, default=DocumentStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0)
    file = models.FileField(_("file"), upload_to=_document_path, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size_bytes = models.PositiveIntegerField(_("size"), default=0)
    error = models.TextField(_("error"), blank=True)
    # A render holds the row until this instant; past it, another worker may take the job over.
    lease_expires_at = models.DateTimeField(_("lease expires"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("render attempts"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_type", "subject_id", "version"], name="uniq_document_version"
            ),
        ]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]
        verbose_name = _("archived document")
        verbose_name_plural = _("archived documents")

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    @property
    def download_name(self) -> str:
        """The file name a download gets (the stored name is random)."""
        ext = self.file.name.rsplit(".", 1)[-1] if self.file and "." in self.file.name else "pdf"
        return f"{self.kind.replace('.', '-')}-{self.subject_id}-v{self.version}.{ext}"


class WarningKind(models.TextChoices):
    PROFILE_EXPIRED = "profile_expired", _("Risk profile expired")
    PROFILE_EXPIRING = "profile_expiring", _("Risk profile expiring")
    REVIEW_OVERDUE = "review_overdue", _("Periodic review overdue")
    COMPLAINT_OVERDUE = "complaint_overdue", _("Complaint overdue")
    ONBOARDING_OVERDUE = "onboarding_overdue", _("Onboarding case overdue")
    SUITABILITY_EXCEPTION = "suitability_exception", _("Suitability exception")
    CONCENTRATION_BREACH = "concentration_breach", _("Concentration breach")
    PORTFOLIO_DRIFT = "portfolio_drift", _("Portfolio drift")
    QUALIFICATION_EXPIRING = "qualification_expiring", _("Staff qualification expiring")
    IDENTITY_DOCUMENT_EXPIRING = "identity_document_expiring", _("Identity document expiring or expired")
    KYC_REFRESH_OVERDUE = "kyc_refresh_overdue", _("KYC refresh overdue")
    FOLLOW_UP_OVERDUE = "follow_up_overdue", _("Follow-up task overdue")
    RETURN_VISIT_OVERDUE = "return_visit_overdue", _("Return visit overdue")


class WarningSeverity(models.TextChoices):
    INFO = "info", _("Info")
    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Critical")


class RiskWarning(models.Model):
    """An automatic risk warning (SPEC §6). At most one open warning per kind and subject; it is
    closed automatically when the cause goes away (advisory.warnings)."""

    kind = models.CharField(_("kind"), max_length=40, choices=WarningKind.choices)
    severity = models.CharField(
        _("severity"), max_length=10, choices=WarningSeverity.choices, default=WarningSeverity.WARNING
    )
    subject_type = models.CharField(_("subject type"), max_length=100)
    subject_id = models.CharField(_("subject id"), max_length=64)
    client_id = models.BigIntegerField(_("client id"), null=True, blank=True, db_index=True)
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="risk_warnings",
        verbose_name=_("responsible"),
    )
    # Written as a code with parameters (advisory.texts), shown in the reader's language;
    # `message` keeps the English sentence of rows from before the codes.
    message_code = models.CharField(_("message code"), max_length=80, blank=True)
    message_params = models.JSONField(_("message parameters"), default=dict, blank=True)
    message = models.CharField(_("message"), max_length=300, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    opened_at = models.DateTimeField(_("opened"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    is_open = models.BooleanField(_("open"), default=True)
    # No separate history: a warning is derived state; its rows are never edited by people,
    # only opened and closed by sweeps, and both times are kept on the row.

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_type", "subject_id"],
                condition=models.Q(is_open=True),
                name="uniq_open_warning",
            ),
        ]
        indexes = [models.Index(fields=["is_open", "kind"]), models.Index(fields=["advisor", "is_open"])]
        verbose_name = _("risk warning")
        verbose_name_plural = _("risk warnings")

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return render(self.message_code, self.message_params, fallback=self.message)


class NumberSequence(models.Model):
    """Counters for human-facing numbers (CL-2026-000123, ACC-…, CP-…, PRP-…): one row per prefix
    and year, incremented under a row lock by advisory.numbering.next_number."""

    prefix = models.CharField(_("prefix"), max_length=10)
    year = models.PositiveSmallIntegerField(_("year"))
    last_value = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="uniq_number_sequence_prefix_year")
        ]
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last_value}"


class ApiToken(models.Model):
    """A personal API token (docs/security.md). Only the SHA-256 of the key is stored; the key is
    shown once when it is issued. It expires (API_TOKEN_TTL_HOURS) and can be revoked by its owner
    or an administrator; a revoked token stays listed with who revoked it and when."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=80, blank=True)
    key_prefix = models.CharField(_("key starts with"), max_length=8)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("issued"))
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "revoked_at", "expires_at"])]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.key_prefix}… ({self.user})"

    def is_active_at(self, moment: datetime.datetime) -> bool:
        return self.revoked_at is None and self.expires_at > moment


class OutboxMessage(models.Model):
    """A Celery task to send, written in the same transaction as the change that needs it.

    A broker outage delays the work and never loses it: the row stays until a dispatcher (right
    after commit, best-effort, and the periodic `outbox_dispatch_task`) has handed it to the broker.
    """

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Not handed to the broker before this instant: a claim (lease) or the back-off after a failure.
    available_at = models.DateTimeField(_("next attempt"), db_index=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["available_at"],
                name="outbox_pending_idx",
                condition=models.Q(dispatched_at__isnull=True),
            )
        ]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"


class ExportFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    XLSX = "xlsx", _("Excel (.xlsx)")


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the queue")
    RUNNING = "running", _("Writing")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


def _export_path(instance: ExportJob, filename: str) -> str:
    from .files import random_name

    return random_name("exports", filename)


class ExportJob(models.Model):
    """One export of a staff list (issue 19, advisory.exports): who, which list, with which
    filters, in which format and language, how many rows. A small export is streamed at once and
    recorded here as done without a file; a large one is written by a Celery task, which keeps
    `progress` up to date, and downloaded later by the person who asked for it."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="export_jobs",
        verbose_name=_("requested by"),
    )
    list_name = models.CharField(_("list"), max_length=60)
    format = models.CharField(_("format"), max_length=8, choices=ExportFormat.choices)
    params = models.JSONField(_("filters"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=10, default="en")
    is_background = models.BooleanField(_("run in the background"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING, db_index=True
    )
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0)
    total_rows = models.PositiveIntegerField(_("rows expected"), default=0)
    row_count = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(_("file"), upload_to=_export_path, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("size"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), db_index=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    downloaded_at = models.DateTimeField(_("last downloaded"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="export_job_user_idx")]
        verbose_name = _("export")
        verbose_name_plural = _("exports")

    def __str__(self) -> str:
        return f"{self.list_name}.{self.format} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED)
