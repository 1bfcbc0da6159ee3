"""Import batches: one uploaded file from the legacy system, its dry-run preview and its result
(issue 19, docs/imports.md).

A batch is one audited operation. It keeps the uploaded file and its SHA-256 (the key to look the
import up later), the errors of every row as codes with parameters (rendered in the reader's
language, `imports.errors`), who uploaded and who confirmed it, and the counts it wrote. Progress
(`rows_done`) is a working counter, excluded from the history: the state changes are what the
history records.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from advisory.models import TimeStampedModel
from audit.managers import AuditedManager


class ImportKind(models.TextChoices):
    CLIENTS = "clients", _("Clients")
    RELATED_PARTIES = "related_parties", _("Related parties")
    PRODUCTS = "products", _("Products with ratings")
    HOLDINGS = "holdings", _("Holdings from a custodian file")


class ImportState(models.TextChoices):
    VALIDATING = "validating", _("Checking the file")
    PREVIEWED = "previewed", _("Preview ready")
    CONFIRMED = "confirmed", _("Confirmed, waiting to run")
    IMPORTING = "importing", _("Importing")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


# The one table of allowed state changes (imports.services.batch_transition performs them).
TRANSITIONS: dict[str, set[str]] = {
    ImportState.VALIDATING: {ImportState.PREVIEWED, ImportState.FAILED},
    ImportState.PREVIEWED: {ImportState.CONFIRMED, ImportState.CANCELLED},
    ImportState.CONFIRMED: {ImportState.IMPORTING, ImportState.FAILED},
    ImportState.IMPORTING: {ImportState.COMPLETED, ImportState.FAILED},
    ImportState.COMPLETED: set(),
    ImportState.FAILED: set(),
    ImportState.CANCELLED: set(),
}
RUNNING_STATES = (ImportState.VALIDATING, ImportState.CONFIRMED, ImportState.IMPORTING)


class FileFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    XLSX = "xlsx", _("Excel (.xlsx)")


def _batch_path(instance: ImportBatch, filename: str) -> str:
    from advisory.files import random_name

    return random_name("imports", filename)


class ImportBatch(TimeStampedModel):
    number = models.CharField(_("number"), max_length=20, unique=True)  # IMP-2026-000001
    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices, db_index=True)
    state = models.CharField(
        _("state"), max_length=12, choices=ImportState.choices, default=ImportState.VALIDATING, db_index=True
    )
    file = models.FileField(_("file"), upload_to=_batch_path, blank=True)
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    file_format = models.CharField(_("format"), max_length=4, choices=FileFormat.choices)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size_bytes = models.PositiveBigIntegerField(_("size"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # The same file (SHA-256 and kind) was imported before: confirming needs an explicit override
    # with a reason (docs/imports.md, "the same file twice").
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("same file imported in"),
    )
    override_reason = models.TextField(_("reason for importing the same file again"), blank=True)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    error_row_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    # [{"code": ..., "params": {...}}]: problems of the file as a whole (header, size, format)
    file_errors = models.JSONField(_("file errors"), default=list, blank=True)
    # [{"line": n, "errors": [{"code": ..., "column": ..., "params": {...}}]}], the first
    # IMPORTS_MAX_STORED_ERROR_ROWS rows with errors (the count above is complete)
    row_errors = models.JSONField(_("row errors"), default=list, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)  # counts written, per record type
    failure = models.CharField(_("failure"), max_length=300, blank=True)
    rows_done = models.PositiveIntegerField(_("rows processed"), default=0)
    phase_total = models.PositiveIntegerField(_("rows to process"), default=0)

    objects = AuditedManager()
    history = HistoricalRecords(excluded_fields=["rows_done", "phase_total", "updated_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "state", "-created_at"])]
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}"

    @property
    def progress(self) -> int:
        """Percent of the current phase (checking or importing)."""
        if self.state in (ImportState.COMPLETED, ImportState.PREVIEWED):
            return 100
        if not self.phase_total:
            return 0
        return min(100, int(self.rows_done * 100 / self.phase_total))

    @property
    def is_running(self) -> bool:
        return self.state in RUNNING_STATES

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors) or self.error_row_count > 0
