import json

from django.core.management.base import BaseCommand

from complaints.services import complaint_escalation_sweep


class Command(BaseCommand):
    help = (
        "Escalate the open complaints whose next SLA threshold has passed, once per ticket and level "
        "(the periodic task does the same; safe to run twice or concurrently)."
    )
    # The sweep needs the models only. The full system checks load the URLconf (every app's
    # views, DRF and the API schema), which costs a one-off process more than the sweep itself;
    # `manage.py check`, the web and the worker processes still run them.
    requires_system_checks: list[str] = []

    def handle(self, *args, **options) -> None:
        result = complaint_escalation_sweep()
        self.stdout.write(json.dumps(result))
