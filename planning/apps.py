from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "planning"
    verbose_name = _("Plans and proposals")

    def ready(self) -> None:
        from advisory.documents import register_renderer
        from audit.registry import register

        from . import documents, models, services

        for model in (models.FinancialSnapshot, models.Goal):
            register(
                model,
                client_field="client_id",
                retention="client_file",
                retention_trigger="client.relationship_ended_on",
            )
        register(models.ModelPortfolio)
        register(models.ModelPortfolioWeight)
        register(
            models.Proposal,
            client_field="client_id",
            retention="service_record",
            retention_trigger="closed_at",
        )
        # Lines of a draft are replaced while it is edited (their history rows keep every version);
        # once the proposal is submitted they are retained with it.
        register(
            models.ProposalLine,
            client_field="proposal.client_id",
            retention="service_record",
            retention_trigger="proposal.closed_at",
            working_copy=lambda line: line.proposal.status == models.ProposalStatus.DRAFT,
        )
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
