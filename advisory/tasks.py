from celery import shared_task

from .documents import document_render


@shared_task(
    bind=True, acks_late=True, max_retries=3, retry_backoff=True, soft_time_limit=120, time_limit=180
)
def document_render_task(self, document_id: int) -> bool:
    return document_render(document_id=document_id)


@shared_task(acks_late=True)
def ping_task(value: str) -> str:
    """A trivial task used by the health check and the end-to-end worker test."""
    from django.core.cache import cache

    cache.set(f"ping:{value}", "pong", 300)
    return value
