"""Health check for the Celery broker (Redis or the file-system transport)."""

import dataclasses

from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView


@dataclasses.dataclass
class Broker(HealthCheck):
    def run(self) -> None:
        from advisory.celery import app

        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
        except Exception as exc:  # any transport error means the broker is unusable
            raise ServiceUnavailable(f"Broker unavailable: {exc.__class__.__name__}") from exc


class HealthView(HealthCheckView):
    """`/health/`: 503 Service Unavailable when a dependency is down (the library answers 500,
    which load balancers and monitors read as a bug in the app rather than an outage).

    The library is not an installed app: its package imports every check's dependencies (DNS,
    Redis' asyncio client, SMTP), which every process would then pay at start-up — a one-off
    command such as the escalation sweep included. The page is this project's template."""

    template_name = "health.html"

    async def get(self, request, *args, **kwargs):
        response = await super().get(request, *args, **kwargs)
        if response.status_code == 500:
            response.status_code = 503
            response.reason_phrase = "Service Unavailable"
        return response
