"""The audit archive (SPEC §5): one append-only, hash-chained trail for every change and sensitive
action; retention rules, legal holds and approved disposal with tombstones."""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from advisory.validators import validate_plain_text_name

from .fields import CanonicalJSONField
from .managers import AuditedManager


class AuditAction(models.TextChoices):
    CREATE = "create", pgettext_lazy("audit action", "Created")
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
    REDACTION = "redaction", _("Redaction")
    SECURITY = "security", _("Security event")
    OTHER = "other", _("Other")


# --- append-only rule in the ORM layer (PostgreSQL adds triggers, see Meta.triggers) ---------

_redaction_allowed: contextvars.ContextVar[bool] = contextvars.ContextVar("audit_redaction", default=False)


class AuditTrailImmutable(RuntimeError):
    """An attempt to change or delete an audit entry."""


@contextmanager
def allow_redaction():
    """Only `audit.services.audit_redact` uses this: it blanks personal content of entries whose
    record was disposed of, keeping their hashes (and records that it did so in the chain)."""
    token = _redaction_allowed.set(True)
    try:
        yield
    finally:
        _redaction_allowed.reset(token)


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if not _redaction_allowed.get():
            raise AuditTrailImmutable("Audit entries are append-only: they cannot be updated.")
        return super().update(**kwargs)

    def delete(self):
        raise AuditTrailImmutable("Audit entries are append-only: they cannot be deleted.")

    def bulk_update(self, objs, fields, *args, **kwargs):
        raise AuditTrailImmutable("Audit entries are append-only: they cannot be updated.")


class AuditChainHead(models.Model):
    """A single row holding the last sequence number and hash; locked by the sequencer while it
    chains committed entries (audit.sequencer), never by the writers themselves."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("audit chain head")
        # PostgreSQL: audit.protection installs triggers (after every migrate) so that the head only
        # moves forward onto the hash of entries that exist, and is never deleted or truncated.

    def delete(self, *args, **kwargs):
        raise AuditTrailImmutable("The audit chain head cannot be deleted.")


class AuditEntry(models.Model):
    """Who did what, to which record, when, from where and why. Never updated or deleted.

    `hash` = SHA-256 over the previous hash, the entry's metadata and `content_hash`, where
    `content_hash` = SHA-256 over the personal content (`record_label` ␟ canonical `changes` text,
    stored as such, see audit.fields). Disposal may
    blank that content (`redacted`), never the hashes, so the chain still verifies.
    """

    # Empty until the sequencer chains the entry after its transaction commits (audit.sequencer):
    # the gap-free total order of the trail is this number, not the id. Not a UNIQUE constraint: on
    # PostgreSQL the table is partitioned by month (audit.partitions) and a unique index there must
    # contain the partition key. Each number is given once by the sequencer under the chain head's
    # lock; the database lets an entry be chained once, and the head advance only over exactly as
    # many entries as numbers (audit.protection); verification reports a duplicate or missing number.
    sequence = models.BigIntegerField(_("sequence"), null=True, blank=True, db_index=True)
    occurred_at = models.DateTimeField(_("when"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # audit_entry_actor_idx (actor, sequence) serves every lookup by actor
        related_name="+",
        verbose_name=_("who"),
    )
    actor_label = models.CharField(_("who (as recorded)"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    record_type = models.CharField(_("record type"), max_length=100, blank=True)
    record_id = models.CharField(_("record id"), max_length=64, blank=True)
    record_label = models.CharField(_("record"), max_length=200, blank=True)
    client_id = models.BigIntegerField(_("client id"), null=True, blank=True)
    reason = models.TextField(_("why"), blank=True)
    changes = CanonicalJSONField(_("changes"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    history_id = models.BigIntegerField(_("history row"), null=True, blank=True)
    history_hash = models.CharField(_("history row hash"), max_length=64, blank=True, default="")
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True)
    redacted = models.BooleanField(_("redacted"), default=False)
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-sequence"]
        indexes = [
            models.Index(fields=["record_type", "record_id", "sequence"], name="audit_entry_record_idx"),
            models.Index(fields=["actor", "sequence"], name="audit_entry_actor_idx"),
            models.Index(fields=["client_id", "sequence"], name="audit_entry_client_idx"),
            models.Index(fields=["action", "sequence"], name="audit_entry_action_idx"),
            models.Index(fields=["record_type", "sequence"], name="audit_entry_type_idx"),
            models.Index(
                fields=["sequence"], condition=models.Q(redacted=True), name="audit_entry_redacted_idx"
            ),
            # the sequencer's work queue: committed entries not chained yet (a handful at any time)
            models.Index(
                fields=["id"], condition=models.Q(sequence__isnull=True), name="audit_entry_pending_idx"
            ),
        ]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        # PostgreSQL: audit.protection installs the append-only triggers (UPDATE only to blank a
        # redacted entry, no DELETE, no TRUNCATE) after every migrate; they have no session switch.

    def __str__(self) -> str:
        number = f"#{self.sequence}" if self.sequence is not None else f"(pending, id {self.pk})"
        return f"{number} {self.action} {self.record_type}:{self.record_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding and not _redaction_allowed.get():
            raise AuditTrailImmutable("Audit entries are append-only: they cannot be changed.")
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditTrailImmutable("Audit entries are append-only: they cannot be deleted.")

    @property
    def is_chained(self) -> bool:
        return self.sequence is not None

    @property
    def record_label_text(self) -> str:
        """The record's label in the reader's language (`audit.labels`; `record_label` keeps the
        stored value the chain hashes)."""
        from .labels import label_in

        return label_in(self.record_label)

    @property
    def reason_text(self) -> str:
        """The reason in the reader's language: a stored code with parameters rendered, an English
        system sentence of an earlier release translated, a reason a person typed as typed
        (`reason` keeps the stored value the chain hashes)."""
        from advisory.texts import render_reason

        return render_reason(self.reason)


# --- retention, legal holds, disposal -----------------------------------------------------------


# The legal minimum per record type (the seeded rules): a rule may be lengthened, never shortened
# below its floor (SPEC §5). A record type not listed here has a floor of 1 year.
RETENTION_FLOORS: dict[str, int] = {"client_file": 5, "service_record": 3, "complaint": 5}


def retention_floor(record_type: str) -> int:
    return RETENTION_FLOORS.get(record_type, 1)


# The rules a firm starts with (migration 0003_default_retention_rules): their name and trigger as
# installed, shown in the reader's language until the firm retypes them (then as typed).
INSTALLED_RULE_TEXTS: dict[str, tuple[tuple[str, Any], tuple[str, Any]]] = {
    "client_file": (
        ("Client file", _("Client file")),
        ("End of the client relationship", _("End of the client relationship")),
    ),
    "service_record": (
        ("Service record", _("Service record")),
        ("Completion of the service", _("Completion of the service")),
    ),
    "complaint": (("Complaint", _("Complaint")), ("Closure of the complaint", _("Closure of the complaint"))),
}


class RetentionRule(models.Model):
    """How long a record type is kept after its trigger event (SPEC §5). Admin-configurable,
    never below its floor (`RETENTION_FLOORS`)."""

    record_type = models.SlugField(_("record type"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120, validators=[validate_plain_text_name])
    years = models.PositiveSmallIntegerField(_("years kept after the trigger"))
    trigger = models.CharField(_("trigger event"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    history = HistoricalRecords()
    objects = AuditedManager()

    class Meta:
        ordering = ["record_type"]
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")

    def __str__(self) -> str:
        return str(self.name_label)

    @property
    def name_label(self) -> Any:
        """The rule's name in the reader's language while it is the installed one, else as typed."""
        (installed, label), _trigger = INSTALLED_RULE_TEXTS.get(self.record_type, (("", ""), None))
        return label if installed and self.name == installed else self.name

    @property
    def trigger_label(self) -> Any:
        """The event that starts the clock, likewise."""
        _name, (installed, label) = INSTALLED_RULE_TEXTS.get(self.record_type, (None, ("", "")))
        return label if installed and self.trigger == installed else self.trigger

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        floor = retention_floor(self.record_type)
        if self.years is not None and self.years < floor:
            raise ValidationError(
                {
                    "years": _(
                        "At least %(floor)s years: the legal minimum for this record type cannot be "
                        "lowered (a rule may only be lengthened)."
                    )
                    % {"floor": floor}
                }
            )


class HoldScope(models.TextChoices):
    CLIENT = "client", _("Everything of one client")
    RECORDS = "records", _("A set of records")


class LegalHold(models.Model):
    """Records under a hold are neither deleted nor disposed of, whatever their retention date."""

    scope = models.CharField(_("scope"), max_length=10, choices=HoldScope.choices)
    client_id = models.BigIntegerField(_("client id"), null=True, blank=True, db_index=True)
    record_type = models.CharField(_("record type"), max_length=100, blank=True)
    record_ids = models.JSONField(_("record ids"), default=list, blank=True)
    reason = models.TextField(_("reason"))
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("placed by")
    )
    placed_at = models.DateTimeField(_("placed"))
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("released by"),
    )
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    release_reason = models.TextField(_("release reason"), blank=True)
    history = HistoricalRecords()
    objects = AuditedManager()

    class Meta:
        ordering = ["-placed_at", "-id"]
        indexes = [models.Index(fields=["released_at", "scope"], name="audit_hold_active_idx")]
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")

    def __str__(self) -> str:
        if self.scope == HoldScope.CLIENT:
            return _("Hold #%(pk)s: client %(client)s") % {"pk": self.pk, "client": self.client_id}
        return _("Hold #%(pk)s: %(count)s × %(type)s") % {
            "pk": self.pk,
            "count": len(self.record_ids),
            "type": self.record_type,
        }

    @property
    def is_active(self) -> bool:
        return self.released_at is None


class DisposalStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    DISPOSING = "disposing", _("Approved, disposal in progress")
    APPROVED = "approved", _("Approved and disposed")
    REJECTED = "rejected", _("Rejected")


class DisposalBatch(models.Model):
    """A proposal to dispose of records past retention; nothing happens without approval."""

    status = models.CharField(
        _("status"), max_length=10, choices=DisposalStatus.choices, default=DisposalStatus.PENDING
    )
    proposed_at = models.DateTimeField(_("proposed"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proposed by"),
        help_text=_("Empty when the nightly task proposed it."),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    certificate = models.ForeignKey(
        "advisory.ArchivedDocument",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("destruction certificate"),
    )
    manifest_hash = models.CharField(_("manifest SHA-256"), max_length=64, blank=True)
    # The destruction certificate is rendered in the approver's language (chosen when approving).
    certificate_language = models.CharField(_("language of the certificate"), max_length=10, blank=True)
    history = HistoricalRecords()
    objects = AuditedManager()

    class Meta:
        ordering = ["-proposed_at", "-id"]
        indexes = [models.Index(fields=["status", "proposed_at"], name="audit_batch_status_idx")]
        verbose_name = _("disposal batch")
        verbose_name_plural = _("disposal batches")

    def __str__(self) -> str:
        return _("Disposal batch #%(pk)s") % {"pk": self.pk}


class ItemState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    DISPOSED = "disposed", _("Disposed")
    RELEASED = "released", _("Released (batch rejected)")
    SKIPPED = "skipped", _("Skipped (held or no longer due)")


class DisposalItem(models.Model):
    """One record in a disposal batch. After disposal it is the tombstone: record type and id, rule,
    dates and the SHA-256 of the purged content — nothing personal."""

    batch = models.ForeignKey(DisposalBatch, on_delete=models.PROTECT, related_name="items")
    record_type = models.CharField(_("record type"), max_length=100)
    record_id = models.CharField(_("record id"), max_length=64)
    client_id = models.BigIntegerField(_("client id"), null=True, blank=True)
    rule = models.ForeignKey(
        RetentionRule, on_delete=models.PROTECT, related_name="+", verbose_name=_("rule")
    )
    rule_years = models.PositiveSmallIntegerField(_("years applied"))
    trigger_date = models.DateField(_("trigger date"))
    retained_until = models.DateField(_("retained until"))
    state = models.CharField(_("state"), max_length=10, choices=ItemState.choices, default=ItemState.PROPOSED)
    method = models.CharField(_("method"), max_length=20, blank=True)  # deleted / anonymised / purged
    disposed_at = models.DateTimeField(_("disposed"), null=True, blank=True)
    content_hash = models.CharField(_("SHA-256 of purged content"), max_length=64, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["batch", "record_type", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["record_type", "record_id"],
                condition=models.Q(state="proposed"),
                name="uniq_disposal_item_open",
            ),
        ]
        indexes = [models.Index(fields=["record_type", "record_id"], name="audit_item_record_idx")]
        verbose_name = _("disposal item (tombstone)")
        verbose_name_plural = _("disposal items (tombstones)")

    def __str__(self) -> str:
        return f"{self.record_type}:{self.record_id}"


class ExportFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    PDF = "pdf", _("PDF")


class AuditExport(models.Model):
    """An export of the trail for an inspection: what was asked for, by whom, and the file."""

    format = models.CharField(_("format"), max_length=4, choices=ExportFormat.choices)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    client_id = models.BigIntegerField(_("client id"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    created_at = models.DateTimeField(_("requested"))
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    document = models.ForeignKey(
        "advisory.ArchivedDocument",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("document"),
    )
    history = HistoricalRecords()
    objects = AuditedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit export")
        verbose_name_plural = _("audit exports")

    def __str__(self) -> str:
        return _("Audit export #%(pk)s (%(format)s)") % {"pk": self.pk, "format": self.format}


# --- signed checkpoints and verification runs (tamper evidence, issue 12) ------------------------


class AuditCheckpoint(models.Model):
    """A mirror of one signed checkpoint of the chain head. The signed file outside the database
    (AUDIT_CHECKPOINT_DIR, shipped to WORM storage) is what verification trusts, with the public
    key; this row only lists them for the screens."""

    sequence = models.BigIntegerField(_("sequence"))
    hash = models.CharField(_("hash"), max_length=64)
    signed_at = models.DateTimeField(_("signed"))
    key_id = models.CharField(_("key"), max_length=64)
    signature = models.CharField(_("signature"), max_length=128)
    file_name = models.CharField(_("file"), max_length=200, unique=True)

    class Meta:
        ordering = ["-sequence", "-signed_at"]
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")

    def __str__(self) -> str:
        return _("Checkpoint %(file)s") % {"file": self.file_name}


class VerificationKind(models.TextChoices):
    FULL = "full", _("Full (every entry)")
    INCREMENTAL = "incremental", _("Incremental (from the last good checkpoint)")
    MONTH = "month", _("One month (its partition, linked to the entry before it)")


class AuditVerification(models.Model):
    """One run of the chain verification (append-only). The newest intact run tells an incremental
    run where to start: its checkpoint, and per history table the highest history row checked."""

    kind = models.CharField(_("kind"), max_length=12, choices=VerificationKind.choices)
    started_at = models.DateTimeField(_("started"))
    seconds = models.FloatField(_("duration (s)"), default=0)
    intact = models.BooleanField(_("intact"))
    from_sequence = models.BigIntegerField(_("from sequence"), default=0)
    last_sequence = models.BigIntegerField(_("last sequence"), default=0)
    checked = models.BigIntegerField(_("entries checked"), default=0)
    history_checked = models.BigIntegerField(_("history rows checked"), default=0)
    checkpoints_checked = models.PositiveIntegerField(_("checkpoints checked"), default=0)
    start_checkpoint = models.CharField(_("started from checkpoint"), max_length=200, blank=True)
    last_checkpoint = models.CharField(_("last good checkpoint"), max_length=200, blank=True)
    last_checkpoint_sequence = models.BigIntegerField(
        _("last good checkpoint sequence"), null=True, blank=True
    )
    last_checkpoint_hash = models.CharField(max_length=64, blank=True)
    history_marks = models.JSONField(_("history rows checked up to"), default=dict, blank=True)
    broken_sequence = models.BigIntegerField(_("first broken entry"), null=True, blank=True)
    problem_code = models.CharField(_("problem"), max_length=40, blank=True)
    problem_params = models.JSONField(default=dict, blank=True)
    problem = models.TextField(_("problem (as reported)"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("run by"),
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["intact", "started_at"], name="audit_verif_intact_idx")]
        verbose_name = _("audit verification")
        verbose_name_plural = _("audit verifications")

    def __str__(self) -> str:
        return _("Verification #%(pk)s · %(kind)s") % {"pk": self.pk, "kind": self.get_kind_display()}
