"""Connect the trail to django-simple-history and to sign-in events."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from simple_history.signals import post_create_historical_record, pre_create_historical_record

from advisory.security import security_event
from advisory.texts import stored_reason

from .models import AuditAction
from .services import audit_history_record, audit_log


@receiver(pre_create_historical_record)
def _reason_as_code(sender, history_instance, **kwargs) -> None:
    """Every history row stores a system reason as a code with parameters, also when a reason
    was set without `audited_save` (e.g. `obj._change_reason = "…"` in an admin)."""
    if history_instance.history_change_reason:
        history_instance.history_change_reason = stored_reason(history_instance.history_change_reason)


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


@receiver(security_event)
def _security_event(sender, user, actor, event: str, details: dict, **kwargs) -> None:
    """Two-factor, recovery codes, API tokens and passwords (advisory.security, docs/security.md)."""
    audit_log(
        actor=actor,
        action=AuditAction.SECURITY,
        obj=user,
        record_type="" if user is not None else "advisory.user",
        record_label="" if user is not None else str(details.get("email", ""))[:200],
        reason=event,
        changes=details,
    )
