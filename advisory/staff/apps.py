from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "advisory.staff"
    label = "staff"
    verbose_name = _("Staff and conduct")

    def ready(self) -> None:
        from audit.registry import register

        from . import models as m

        register(m.TrainingPlan)
        register(m.Appraisal, retention="service_record", retention_trigger="assessed_at")
        register(m.PermissionRestriction, retention="service_record", retention_trigger="lifted_at")
        register(m.ConflictDeclaration, retention="service_record", retention_trigger="reviewed_at")
        register(m.InternalAudit, retention="service_record", retention_trigger="closed_at")
        register(m.AuditFinding, retention="service_record", retention_trigger="closed_at")
        register(m.ExternalEvaluation, retention="service_record", retention_trigger="evaluated_on")
