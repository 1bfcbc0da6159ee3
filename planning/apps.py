from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "planning"
    verbose_name = _("Plans and proposals")

    def ready(self) -> None:
        from advisory.documents import register_renderer
        from audit.registry import register

        from . import documents, models, services

        register(models.FinancialSnapshot, client_field="client_id", retention="client_file")
        register(models.Goal, client_field="client_id", retention="client_file")
        register(models.ModelPortfolio)
        register(models.ModelPortfolioWeight)
        register(
            models.Proposal,
            client_field="client_id",
            retention="service_record",
            retention_trigger="closed_at",
        )
        # Lines of a draft are replaced while it is edited; their history rows keep every
        # version, and services never touch the lines of a submitted proposal.
        register(models.ProposalLine, client_field="proposal.client_id")
        register(
            models.Review,
            client_field="client_id",
            retention="service_record",
            retention_trigger="completed_at",
        )
        register(
            models.Holding,
            client_field="client_id",
            retention="service_record",
            retention_trigger="plan.closed_at",
        )
        from risk.signals import suitability_inputs_changed

        suitability_inputs_changed.connect(
            services.on_suitability_inputs_changed, dispatch_uid="planning.suitability_recheck"
        )
        for kind in services.DOCUMENT_KINDS:
            register_renderer(kind, documents.render)
