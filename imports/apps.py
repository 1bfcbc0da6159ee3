from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = _("Imports from the legacy system")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from audit.registry import register

        from . import rules, tasks  # noqa: F401  (registers the permissions and the Celery tasks)
        from .models import ImportBatch

        # An import batch is a service record of the firm (who loaded which file, when, with what
        # result): kept 3 years after it was uploaded, then its uploaded file (which holds the
        # personal data of every row) is removed and its row errors blanked. The records it
        # created follow their own rules (client files, products, holdings).
        register(
            ImportBatch,
            retention="service_record",
            retention_trigger="created_at",
            personal_fields=["row_errors", "original_name"],
            purge=_purge_batch,
        )


def _purge_batch(batch) -> None:
    """Disposal: the uploaded file is removed from storage and the row errors (which quote masked
    values) and the file name blanked; the batch keeps kind, counts and SHA-256 as the record
    that the import happened."""
    from audit.disposal import remove_files

    remove_files(batch)
    type(batch)._base_manager.filter(pk=batch.pk).update(file="", original_name="", row_errors=[])
