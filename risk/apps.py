from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    name = "risk"
    verbose_name = _("Risk profiling and suitability")

    def ready(self) -> None:
        from django.core.checks import register as register_check

        from audit.registry import register

        from . import conf, signals
        from .models import (
            LifeEvent,
            Product,
            ProductRatingAssessment,
            ProfessionalInvestorClassification,
            Questionnaire,
            QuestionnaireVersion,
            Risk,
            RiskAssessment,
            SuitabilityException,
        )

        for model in (RiskAssessment, ProfessionalInvestorClassification, SuitabilityException, LifeEvent):
            register(
                model,
                client_field="client_id",
                retention="client_file",
                retention_trigger="client.relationship_ended_on",
            )
        for model in (Product, ProductRatingAssessment, Questionnaire, QuestionnaireVersion, Risk):
            register(model, retention=None)
        signals.connect()
        register_check(conf.check_configuration)
