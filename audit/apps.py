from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit archive")

    def ready(self) -> None:
        from django.db.models import Q
        from django.db.models.signals import post_migrate

        from advisory.documents import register_renderer
        from advisory.models import ArchivedDocument, StaffQualification, User

        from . import signals  # noqa: F401
        from .history_link import install as install_history_link
        from .models import AuditExport, DisposalBatch, LegalHold, RetentionRule
        from .pdf import render_certificate, render_inspection_export
        from .protection import on_post_migrate
        from .registry import register
        from .retention import CERTIFICATE_KIND, archived_document_purge

        register(User)
        register(StaffQualification)
        register(RetentionRule)
        register(LegalHold, client_field="client_id")
        register(DisposalBatch)
        # Inspection exports are service records: kept 3 years after completion, then their
        # filters (which may name a client or a person) are blanked.
        register(
            AuditExport,
            client_field="client_id",
            retention="service_record",
            retention_trigger="completed_at",
            personal_fields=["filters"],
        )
        # Generated PDFs and exports are service records (3 years after they were produced); the
        # file is removed from storage and the title blanked. Destruction certificates are the
        # proof of disposal and are kept permanently.
        register(
            ArchivedDocument,
            client_field="client_id",
            retention="service_record",
            retention_trigger="completed_at",
            purge=archived_document_purge,
            keep_filter=Q(kind=CERTIFICATE_KIND),
            keep_reason=_("Destruction certificates are kept permanently as the proof of disposal"),
        )
        register_renderer(CERTIFICATE_KIND, render_certificate)
        register_renderer("audit.inspection_export", render_inspection_export)
        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="audit_protection")
        install_history_link()
