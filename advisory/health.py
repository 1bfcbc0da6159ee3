"""Health check for the Celery broker (Redis or the file-system transport)."""

import dataclasses

from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable


@dataclasses.dataclass
class Broker(HealthCheck):
    def run(self) -> None:
        from advisory.celery import app

        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
        except Exception as exc:  # any transport error means the broker is unusable
            raise ServiceUnavailable(f"Broker unavailable: {exc.__class__.__name__}") from exc
