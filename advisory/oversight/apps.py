from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "advisory.oversight"
    label = "oversight"
    verbose_name = _("Oversight")

    def ready(self) -> None:
        from advisory.documents import register_renderer
        from audit.registry import register

        from .models import ImprovementAction, QualityReport, QualityTarget, TrainingRecord
        from .reports import render_quality_report
        from .services import REPORT_KIND

        register(QualityTarget)
        register(TrainingRecord, retention="service_record", retention_trigger="completed_on")
        register(ImprovementAction, retention="service_record", retention_trigger="checked_at")
        register(QualityReport)
        register_renderer(REPORT_KIND, render_quality_report)

        from .metrics import register_collector

        register_collector()
