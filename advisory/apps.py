from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdvisoryConfig(AppConfig):
    name = "advisory"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from .celery import ensure_broker_folders

        ensure_broker_folders()
