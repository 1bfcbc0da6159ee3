from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClientsConfig(AppConfig):
    name = "clients"
    verbose_name = _("Clients and onboarding")

    def ready(self) -> None:
        from audit.registry import register

        from . import service_rules  # noqa: F401 - registers the service-record permissions
        from .models import (
            Client,
            ClientDocument,
            Consent,
            Household,
            OnboardingCase,
            OnboardingStepLog,
            RelatedParty,
            ServiceAgreement,
        )
        from .service_models import Activity, ActivityAttachment, CalendarFeed, FollowUpTask

        register(Client, is_client=True, retention="client_file", retention_trigger="relationship_ended_on")
        register(Household, retention=None)
        for model in (RelatedParty, ServiceAgreement, Consent, ClientDocument, OnboardingCase):
            register(
                model,
                client_field="client_id",
                retention="client_file",
                retention_trigger="client.relationship_ended_on",
            )
        register(
            OnboardingStepLog,
            client_field="case.client_id",
            retention="client_file",
            retention_trigger="case.client.relationship_ended_on",
        )
        # Service records: kept 3 years after completion (seed 000 §6.2).
        for model in (Activity, FollowUpTask):
            register(
                model, client_field="client_id", retention="service_record", retention_trigger="completed_at"
            )
        register(
            ActivityAttachment,
            client_field="activity.client_id",
            retention="service_record",
            retention_trigger="activity.completed_at",
        )
        register(CalendarFeed, retention=None)
