"""Client files (SPEC §1). This first version holds what every other app relies on; the
onboarding issue extends it (identity, encrypted contact data, agreements, documents)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from advisory.models import TimeStampedModel


class ClientKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    INSTITUTION = "institution", _("Institution")


class ClientStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ONBOARDING = "onboarding", _("Onboarding")
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Relationship ended")


class Client(TimeStampedModel):
    file_number = models.CharField(_("file number"), max_length=20, unique=True)  # CL-2026-000123
    kind = models.CharField(
        _("kind"), max_length=12, choices=ClientKind.choices, default=ClientKind.INDIVIDUAL
    )
    name = models.CharField(_("name"), max_length=200, db_index=True)
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="book",
        verbose_name=_("responsible advisor"),
        limit_choices_to={"role": "advisor"},
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="client_file",
        verbose_name=_("portal login"),
        limit_choices_to={"role": "client"},
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ClientStatus.choices, default=ClientStatus.PROSPECT, db_index=True
    )
    email = models.EmailField(_("email"), blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=10, default="zh-hans")
    relationship_started_on = models.DateField(_("relationship started"), null=True, blank=True)
    relationship_ended_on = models.DateField(_("relationship ended"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["advisor", "status"]), models.Index(fields=["advisor", "name"])]
        verbose_name = _("client")
        verbose_name_plural = _("clients")

    def __str__(self) -> str:
        return f"{self.name} ({self.file_number})"
