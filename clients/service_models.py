"""The service record (seed 000 §3.4, §6.2; seed 003 §6.2; seed 004 §七): every contact with a
client on the standard template, follow-up tasks, and the advisor's calendar feed.

Imported by clients/models.py so Django registers the models with the clients app; kept in their
own module so the client-file models stay readable.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from advisory.models import TimeStampedModel
from audit.managers import AuditedManager


class ActivityKind(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    CALL = "call", _("Phone call")
    MESSAGE = "message", pgettext_lazy("activity kind", "Message")
    EMAIL = "email", pgettext_lazy("activity kind", "Email")
    VISIT = "visit", _("Visit")
    FOLLOW_UP = "follow_up", _("Follow-up")


class ActivityChannel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    VIDEO = "video", _("Video call")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", pgettext_lazy("activity kind", "Email")
    SMS = "sms", _("SMS")
    PORTAL = "portal", _("Client portal")


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Activity(TimeStampedModel):
    """One service contact on the standard template: time, client, channel, participants,
    content, executor, client feedback, next step. A meeting can be planned ahead (it then
    appears in the advisor's calendar feed) and is completed with its content; the 3-year
    service-record retention starts at completion."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="activities", verbose_name=_("client")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ActivityKind.choices)
    channel = models.CharField(_("channel"), max_length=12, choices=ActivityChannel.choices)
    starts_at = models.DateTimeField(_("time"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=30)
    location = models.CharField(_("location"), max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    participants = models.CharField(
        _("participants"),
        max_length=300,
        blank=True,
        help_text=_("Who took part besides the client and the executor, e.g. spouse, tax adviser."),
    )
    content = models.TextField(_("content"), blank=True)
    executor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="service_activities",
        verbose_name=_("executor"),
    )
    client_feedback = models.TextField(_("client feedback"), blank=True)
    next_step = models.TextField(_("next step"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ActivityStatus.choices, default=ActivityStatus.COMPLETED
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    cancel_reason = models.CharField(_("why cancelled"), max_length=300, blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["client", "-starts_at"], name="activity_client_time"),
            models.Index(fields=["executor", "status", "starts_at"], name="activity_executor_time"),
        ]
        verbose_name = _("service activity")
        verbose_name_plural = _("service activities")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.subject}"


class ActivityAttachment(models.Model):
    """A file attached to an activity: the file itself is a ClientDocument, uploaded through the
    same validated upload as every client document (type, size, magic bytes, SHA-256)."""

    activity = models.ForeignKey(
        Activity, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("activity")
    )
    document = models.OneToOneField(
        "clients.ClientDocument",
        on_delete=models.PROTECT,
        related_name="activity_link",
        verbose_name=_("document"),
    )
    created_at = models.DateTimeField(_("attached"), auto_now_add=True)
    objects = AuditedManager()

    class Meta:
        ordering = ["activity", "id"]
        verbose_name = _("activity attachment")
        verbose_name_plural = _("activity attachments")

    def __str__(self) -> str:
        return f"{self.activity_id}: {self.document_id}"


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class FollowUpTask(TimeStampedModel):
    """Something to do for a client by a date (often the next step of an activity). Open tasks
    past their due date raise a FOLLOW_UP_OVERDUE warning until done or cancelled."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("client")
    )
    activity = models.ForeignKey(
        Activity,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        verbose_name=_("from activity"),
    )
    title = models.CharField(_("task"), max_length=200)
    due_on = models.DateField(_("due on"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="follow_up_tasks",
        verbose_name=_("assignee"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["assignee", "status", "due_on"], name="followup_assignee_due")]
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")

    def __str__(self) -> str:
        return self.title


class CalendarFeed(models.Model):
    """A secret iCalendar URL of one staff member. Only the SHA-256 of the token is stored, so
    the URL is shown once when issued; revoking it (or issuing a new one) kills the old URL."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
        verbose_name=_("user"),
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("issued"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    objects = AuditedManager()
    history = HistoricalRecords(excluded_fields=["token_hash"])

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(revoked_at__isnull=True), name="uniq_active_calendar_feed"
            )
        ]
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user_id} ({gettext('revoked') if self.revoked_at else gettext('active')})"
