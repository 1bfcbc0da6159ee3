"""Django's own Redis cache with django-prometheus's hit/miss counters (its bundled wrapper
needs django-redis, which this project does not use)."""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache
from django_prometheus.cache.metrics import (
    django_cache_get_total,
    django_cache_hits_total,
    django_cache_misses_total,
)


class MeteredRedisCache(RedisCache):
    def get(self, key, default=None, version=None):
        django_cache_get_total.labels(backend="redis").inc()
        cached = super().get(key, default=None, version=version)
        if cached is not None:
            django_cache_hits_total.labels(backend="redis").inc()
        else:
            django_cache_misses_total.labels(backend="redis").inc()
        return default if cached is None else cached
