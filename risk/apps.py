from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    name = "risk"
    verbose_name = _("Risk profiling and suitability")

    def ready(self) -> None:
        from audit.registry import register

        from . import signals
        from .models import (
            Product,
            ProfessionalInvestorClassification,
            Questionnaire,
            QuestionnaireVersion,
            Risk,
            RiskAssessment,
            SuitabilityException,
        )

        for model in (RiskAssessment, ProfessionalInvestorClassification, SuitabilityException):
            register(
                model,
                client_field="client_id",
                retention="client_file",
                retention_trigger="client.relationship_ended_on",
            )
        for model in (Product, Questionnaire, QuestionnaireVersion, Risk):
            register(model, retention=None)
        signals.connect()
