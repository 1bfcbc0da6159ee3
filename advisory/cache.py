"""Django's own caches with django-prometheus's hit/miss counters (its bundled Redis wrapper needs
django-redis, which this project does not use)."""

from __future__ import annotations

from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache
from django_prometheus.cache.metrics import (
    django_cache_get_total,
    django_cache_hits_total,
    django_cache_misses_total,
)

_MISSING = object()


class MeteredRedisCache(RedisCache):
    def get(self, key, default=None, version=None):
        django_cache_get_total.labels(backend="redis").inc()
        cached = super().get(key, default=None, version=version)
        if cached is not None:
            django_cache_hits_total.labels(backend="redis").inc()
        else:
            django_cache_misses_total.labels(backend="redis").inc()
        return default if cached is None else cached


class MeteredFileBasedCache(FileBasedCache):
    """The file cache of `make run`, with the same counters. django-prometheus's own wrapper
    returns the default for a stored 0 (`cached or default`), which breaks `incr` on counters."""

    def get(self, key, default=None, version=None):
        django_cache_get_total.labels(backend="filebased").inc()
        cached = super().get(key, default=_MISSING, version=version)
        if cached is _MISSING:
            django_cache_misses_total.labels(backend="filebased").inc()
            return default
        django_cache_hits_total.labels(backend="filebased").inc()
        return cached
