"""The audit trail: one append-only, hash-chained table for every change and sensitive action."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    TRANSITION = "transition", _("State change")
    REVEAL = "reveal", _("Revealed masked data")
    VIEW = "view", _("Viewed")
    DOWNLOAD = "download", _("Downloaded")
    EXPORT = "export", _("Exported")
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Failed sign-in")
    LOGOUT = "logout", _("Signed out")
    ESCALATION = "escalation", _("Escalation")
    NOTIFICATION = "notification", _("Notification")
    HOLD = "hold", _("Legal hold")
    DISPOSAL = "disposal", _("Disposal")
    OTHER = "other", _("Other")


class AuditChainHead(models.Model):
    """A single row holding the last sequence number and hash; locked to append to the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("audit chain head")


class AuditEntry(models.Model):
    """Who did what, to which record, when, from where and why. Never updated or deleted."""

    sequence = models.BigIntegerField(_("sequence"), unique=True)
    occurred_at = models.DateTimeField(_("when"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("who"),
    )
    actor_label = models.CharField(_("who (as recorded)"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices, db_index=True)
    record_type = models.CharField(_("record type"), max_length=100, blank=True, db_index=True)
    record_id = models.CharField(_("record id"), max_length=64, blank=True)
    record_label = models.CharField(_("record"), max_length=200, blank=True)
    client_id = models.BigIntegerField(_("client id"), null=True, blank=True, db_index=True)
    reason = models.TextField(_("why"), blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    history_id = models.BigIntegerField(_("history row"), null=True, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        ordering = ["-sequence"]
        indexes = [
            models.Index(fields=["record_type", "record_id"]),
            models.Index(fields=["actor", "occurred_at"]),
            models.Index(fields=["client_id", "occurred_at"]),
        ]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.record_type}:{self.record_id}"
