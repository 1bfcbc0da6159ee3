"""Production: refuses to start without its secrets and services."""

from django.core.exceptions import ImproperlyConfigured

from advisory.storage import storages_setting

from .base import *  # noqa: F403
from .base import DATABASES, LOGGING, REDIS_URL, SENTRY_DSN, SENTRY_ENVIRONMENT, env

DEBUG = False


def _required(name: str) -> str:
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production.")
    return value


SECRET_KEY = _required("SECRET_KEY")
_required("DATABASE_URL")
_required("REDIS_URL")
ALLOWED_HOSTS = [h for h in _required("ALLOWED_HOSTS").split(",") if h]
SALT_KEY = [k for k in _required("SALT_KEY").split(",") if k]
LOOKUP_HASH_KEY = _required("LOOKUP_HASH_KEY")
assert REDIS_URL and DATABASES  # noqa: S101 - loaded from the environment above

OTP_REQUIRED_FOR_STAFF = env.bool("OTP_REQUIRED_FOR_STAFF", default=True)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^health/"]  # the container health check speaks plain HTTP inside the network
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
STORAGES = storages_setting(
    env, staticfiles_backend="whitenoise.storage.CompressedManifestStaticFilesStorage"
)

# One JSON object per log line unless told otherwise; Sentry only when SENTRY_DSN is set.
LOGGING["handlers"]["console"]["formatter"] = env.str("LOG_FORMAT", default="json")
if SENTRY_DSN:
    from advisory.observability import init_error_reporting

    init_error_reporting(SENTRY_DSN, environment=SENTRY_ENVIRONMENT, release=env.str("RELEASE", default=""))
