from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdvisoryConfig(AppConfig):
    name = "advisory"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from django.contrib.auth.models import update_last_login
        from django.contrib.auth.signals import user_logged_in

        # Record the sign-in time without saving the whole user: a save would add an empty
        # "changed" history row on every sign-in (the sign-in itself is an audit event).
        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        user_logged_in.connect(_stamp_last_login, dispatch_uid="advisory_stamp_last_login")

        from .celery import ensure_broker_folders

        ensure_broker_folders()


def _stamp_last_login(sender, user, **kwargs) -> None:
    from .clock import now

    type(user).objects.filter(pk=user.pk).update(last_login=now())
