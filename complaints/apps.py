from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from audit.registry import register

        from .timers import on_post_migrate

        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="complaints_escalation_timers")

        from . import feedback_rules  # noqa: F401 - registers the return-visit and suggestion permissions
        from .feedback_models import ReturnVisit, ReturnVisitScript, Suggestion
        from .models import (
            Complaint,
            ComplaintAttachment,
            ComplaintEvent,
            ComplaintSettings,
            InboundEmail,
            Mailbox,
            OutboundEmail,
            OutboundSMS,
            RectificationMeasure,
            SatisfactionSurvey,
            SLAPolicy,
            ViolationCase,
        )
        from .services import complaint_purge_personal

        # After retention the ticket is anonymised, not deleted (violation cases refer to it).
        register(
            Complaint,
            client_field="client_id",
            retention="complaint",
            retention_trigger="closed_at",
            purge=complaint_purge_personal,
            personal_fields=["subject", "description", "root_cause", "resolution_answer"],
        )
        # The timeline stays with the anonymised ticket; only the notes are blanked.
        register(
            ComplaintEvent,
            client_field="complaint.client_id",
            retention="complaint",
            retention_trigger="complaint.closed_at",
            personal_fields=["body"],
        )
        register(
            ComplaintAttachment,
            client_field="complaint.client_id",
            retention="complaint",
            retention_trigger="complaint.closed_at",
        )
        register(
            SatisfactionSurvey,
            client_field="client_id",
            retention="complaint",
            retention_trigger="answered_at",
        )
        register(
            ViolationCase, client_field="client_id", retention="complaint", retention_trigger="closed_at"
        )
        register(
            RectificationMeasure,
            client_field="case.client_id",
            retention="complaint",
            retention_trigger="case.closed_at",
        )
        from advisory.documents import register_renderer

        from .models import ConductDigest, ViolationSanction
        from .violations import LETTER_KIND, render_outcome_letter

        register(
            ViolationSanction,
            client_field="case.client_id",
            retention="complaint",
            retention_trigger="case.closed_at",
        )
        register(
            OutboundEmail,
            client_field="complaint.client_id",
            retention="complaint",
            retention_trigger="complaint.closed_at",
            personal_fields=("to_address",),
        )
        register(
            OutboundSMS,
            client_field="complaint.client_id",
            retention="complaint",
            retention_trigger="complaint.closed_at",
            personal_fields=("to_number", "text"),
        )
        register(ConductDigest, retention="service_record", retention_trigger="published_at")
        register_renderer(LETTER_KIND, render_outcome_letter)
        register(SLAPolicy)
        register(Mailbox)
        register(
            InboundEmail,
            client_field="client_id",
            retention="complaint",
            retention_trigger="complaint.closed_at",
            personal_fields=("from_address", "from_name", "subject", "body"),
        )
        register(ComplaintSettings)
        # Return visits and suggestions are service records: 3 years after completion/closure.
        register(
            ReturnVisit,
            client_field="client_id",
            retention="service_record",
            retention_trigger="completed_at",
        )
        register(
            Suggestion, client_field="client_id", retention="service_record", retention_trigger="closed_at"
        )
        register(ReturnVisitScript)
