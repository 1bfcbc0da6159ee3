"""Oversight records (SPEC §6): indicator targets, staff training, improvement actions (PDCA)
and the monthly quality reports. Staff qualifications and risk warnings are core models
(advisory.models)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from advisory.models import TimeStampedModel
from advisory.staff.models import TrainingTopic
from audit.managers import AuditedManager


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class QualityTarget(TimeStampedModel):
    """The target of one quality indicator and its amber band (SPEC §6, quality dashboard).

    Green when the value meets the target; amber when it misses by at most `amber_band`
    (in the indicator's unit); red beyond that. No value → grey.
    """

    indicator = models.CharField(_("indicator"), max_length=40, unique=True)
    target = models.DecimalField(_("target"), max_digits=12, decimal_places=2)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    amber_band = models.DecimalField(
        _("amber band"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        help_text=_("How far the value may miss the target and still be amber, in the indicator's unit."),
    )
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator"]
        verbose_name = _("quality target")
        verbose_name_plural = _("quality targets")

    def __str__(self) -> str:
        return f"{self.indicator}: {self.target}"


class TrainingRecord(TimeStampedModel):
    """A training a staff member must take or took, with hours (SPEC §6, staff)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="training_records",
        verbose_name=_("staff member"),
    )
    title = models.CharField(_("course"), max_length=200)
    provider = models.CharField(_("provider"), max_length=120, blank=True)
    # The yearly training plan counts completed hours and checks mandatory topics (advisory.staff).
    topic = models.CharField(_("topic"), max_length=12, choices=TrainingTopic.choices, blank=True, default="")
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1, default=Decimal("0"))
    required = models.BooleanField(_("required"), default=True)
    due_on = models.DateField(_("due on"))
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-due_on", "id"]
        indexes = [models.Index(fields=["due_on", "completed_on"]), models.Index(fields=["user", "due_on"])]
        verbose_name = _("training record")
        verbose_name_plural = _("training records")

    def __str__(self) -> str:
        return f"{self.title} ({self.user})"

    @property
    def is_completed(self) -> bool:
        return self.completed_on is not None


class ActionStatus(models.TextChoices):
    PLAN = "plan", _("Plan")
    DO = "do", _("Do")
    CHECK = "check", _("Check")
    ACT = "act", _("Act")
    CLOSED = "closed", _("Closed")


class ActionLink(models.TextChoices):
    INDICATOR = "indicator", _("Quality indicator")
    COMPLAINT = "complaint", _("Complaint")
    VIOLATION = "violation", _("Violation case")


class Effectiveness(models.TextChoices):
    PENDING = "", _("Not yet checked")
    EFFECTIVE = "effective", _("Effective")
    PARTIAL = "partial", _("Partly effective")
    NOT_EFFECTIVE = "not_effective", _("Not effective")


class ImprovementAction(TimeStampedModel):
    """A plan-do-check-act improvement action (SPEC §6) linked to an indicator, a complaint or a
    violation case. The link is generic (`link_type` + `link_ref`) so this package does not
    depend on the complaints app's tables: for an indicator the ref is its code, otherwise the
    record's primary key."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    link_type = models.CharField(_("linked to"), max_length=12, choices=ActionLink.choices)
    link_ref = models.CharField(_("linked record"), max_length=64)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="improvement_actions",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=8, choices=ActionStatus.choices, default=ActionStatus.PLAN, db_index=True
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    effectiveness = models.CharField(
        _("effectiveness"), max_length=14, choices=Effectiveness.choices, default="", blank=True
    )
    effectiveness_note = models.TextField(_("effectiveness check"), blank=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("checked by"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["link_type", "link_ref"])]
        verbose_name = _("improvement action")
        verbose_name_plural = _("improvement actions")

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status != ActionStatus.CLOSED


class QualityReport(TimeStampedModel):
    """The subject of the monthly quality report PDF: one row per month; each generation is a
    new version in the document archive (advisory.models.ArchivedDocument)."""

    month = models.DateField(_("month"), unique=True, help_text=_("First day of the reported month."))
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-month"]
        verbose_name = _("quality report")
        verbose_name_plural = _("quality reports")

    def __str__(self) -> str:
        return gettext("Quality report %(month)s") % {"month": f"{self.month:%Y-%m}"}


class IndicatorSnapshot(models.Model):
    """Monthly numerator and denominator of one indicator for one advisor (null: records with no
    advisor), rebuilt by `indicator_rollup_refresh` from the same aggregate queries the live
    figures use. Derived data, recomputed from the sources at any time: no history."""

    indicator = models.CharField(_("indicator"), max_length=40)
    month = models.DateField(_("month"))
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    numerator = models.FloatField(_("numerator"), default=0)
    denominator = models.FloatField(_("denominator"), default=0)
    refreshed_at = models.DateTimeField(_("refreshed"))

    class Meta:
        ordering = ["indicator", "month"]
        indexes = [models.Index(fields=["month", "indicator"])]
        verbose_name = _("indicator snapshot")
        verbose_name_plural = _("indicator snapshots")

    def __str__(self) -> str:
        return f"{self.indicator} {self.month:%Y-%m} {self.advisor_id}"
