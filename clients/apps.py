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
        from .services import CLIENT_PERSONAL_FIELDS, client_purge_personal

        # Disposal of a client disposes of the whole file (audit.disposal), then anonymises this row.
        register(
            Client,
            is_client=True,
            retention="client_file",
            retention_trigger="relationship_ended_on",
            purge=client_purge_personal,
            personal_fields=CLIENT_PERSONAL_FIELDS,
            reveal_perm="clients.reveal_client",
        )
        register(Household, retention=None)
        for model in (RelatedParty, ServiceAgreement, Consent, ClientDocument, OnboardingCase):
            register(
                model,
                client_field="client_id",
                retention="client_file",
                retention_trigger="client.relationship_ended_on",
            )
        from .kyc_models import (
            DueDiligence,
            IdentityDocument,
            KycProfile,
            KycRefresh,
            ScreeningHit,
            WatchList,
            WatchListEntry,
            WatchListUpload,
        )

        for model in (IdentityDocument, KycProfile, KycRefresh, ScreeningHit):
            register(
                model,
                client_field="client_id",
                retention="client_file",
                retention_trigger="client.relationship_ended_on",
            )
        register(
            DueDiligence,
            client_field="case.client_id",
            retention="client_file",
            retention_trigger="case.client.relationship_ended_on",
        )
        # Watch lists are the firm's reference data, not a client's record: kept while in use
        # (an entry with a screening hit is protected by the hit's PROTECT foreign key).
        for model in (WatchList, WatchListUpload, WatchListEntry):
            register(model, retention=None)
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
