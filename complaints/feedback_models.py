"""Return visits (回访) and the portal suggestion channel (seed 000 §1.4, §7.2; seed 003 §6.2.3,
§6.3.1): satisfaction measured for every client, not only after complaints.

Imported by complaints/models.py so Django registers the models with the complaints app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from advisory.models import TimeStampedModel
from audit.managers import AuditedManager


class ReturnVisitTrigger(models.TextChoices):
    PROPOSAL_ACCEPTED = "proposal_accepted", _("After a proposal was accepted")
    REVIEW = "review", _("After a periodic review")
    SAMPLING = "sampling", _("Quarterly sample")


class ReturnVisitStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    COMPLETED = "completed", _("Completed")
    UNREACHABLE = "unreachable", _("Client unreachable")
    CANCELLED = "cancelled", _("Cancelled")


class ReturnVisitScript(TimeStampedModel):
    """The questions the caller asks, one per line, per occasion. Copied onto each visit when
    it is created, so editing the script never changes a recorded visit."""

    trigger = models.CharField(_("occasion"), max_length=20, choices=ReturnVisitTrigger.choices, unique=True)
    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(_("opening words"), blank=True)
    questions = models.TextField(_("questions"), help_text=_("One question per line."))
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["trigger"]
        verbose_name = _("return-visit script")
        verbose_name_plural = _("return-visit scripts")

    def __str__(self) -> str:
        return self.title

    @property
    def question_list(self) -> list[str]:
        return [line.strip() for line in self.questions.splitlines() if line.strip()]


class ReturnVisit(TimeStampedModel):
    """A call to the client by someone other than the client's advisor, with a script and the
    answers recorded. One per client, occasion and event (`source_ref`), so the sweeps that
    create them are idempotent."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="return_visits", verbose_name=_("client")
    )
    trigger = models.CharField(_("occasion"), max_length=20, choices=ReturnVisitTrigger.choices)
    source_ref = models.CharField(_("event"), max_length=60)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="return_visits",
        verbose_name=_("caller"),
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=12, choices=ReturnVisitStatus.choices, default=ReturnVisitStatus.ASSIGNED
    )
    script_title = models.CharField(_("script"), max_length=200, blank=True)
    introduction = models.TextField(_("opening words"), blank=True)
    questions = models.JSONField(_("questions"), default=list, blank=True)
    answers = models.JSONField(_("answers"), default=list, blank=True)
    issues_found = models.BooleanField(_("issues raised by the client"), default=False)
    outcome = models.TextField(_("outcome"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "trigger", "source_ref"], name="uniq_return_visit_per_event"
            )
        ]
        indexes = [
            models.Index(fields=["assignee", "status", "due_on"], name="return_visit_assignee"),
            models.Index(fields=["trigger", "source_ref"], name="return_visit_event"),
        ]
        verbose_name = _("return visit")
        verbose_name_plural = _("return visits")

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} · {self.client_id}"


class SuggestionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class Suggestion(TimeStampedModel):
    """A suggestion from a client in the portal. Not a complaint: no SLA, no escalation; staff
    answer it and close it."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="suggestions", verbose_name=_("client")
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("suggestion"))
    status = models.CharField(
        _("status"), max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN
    )
    answer = models.TextField(_("our answer"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    close_note = models.CharField(_("closing note"), max_length=300, blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"], name="suggestion_status")]
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")

    def __str__(self) -> str:
        return self.subject
