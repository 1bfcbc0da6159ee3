from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit archive")

    def ready(self) -> None:
        from advisory.models import StaffQualification, User

        from . import signals  # noqa: F401
        from .registry import register

        register(User)
        register(StaffQualification)
