"""Connect the trail to django-simple-history and to sign-in events."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from simple_history.signals import post_create_historical_record

from .models import AuditAction
from .services import audit_history_record, audit_log


@receiver(post_create_historical_record)
def _history_to_trail(sender, instance, history_instance, **kwargs) -> None:
    audit_history_record(instance=instance, history_instance=history_instance)


@receiver(user_logged_in)
def _login(sender, request, user, **kwargs) -> None:
    audit_log(actor=user, action=AuditAction.LOGIN, obj=user, reason="signed in")


@receiver(user_logged_out)
def _logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_log(actor=user, action=AuditAction.LOGOUT, obj=user, reason="signed out")


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username", ""))[:200]
    audit_log(
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        record_type="advisory.user",
        record_label=username,
        reason="failed sign-in",
    )
