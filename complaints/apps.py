from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from audit.registry import register

        from . import feedback_rules  # noqa: F401 - registers the return-visit and suggestion permissions
        from .feedback_models import ReturnVisit, ReturnVisitScript, Suggestion
        from .models import (
            Complaint,
            ComplaintAttachment,
            ComplaintSettings,
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
        register(RectificationMeasure, client_field="case.client_id")
        register(SLAPolicy)
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
