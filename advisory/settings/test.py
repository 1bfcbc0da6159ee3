"""Tests: SQLite by default, PostgreSQL when DATABASE_URL is set (CI)."""

from pathlib import Path

from .base import *  # noqa: F403
from .base import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tasks run inline; bench/peer_compare.py turns this off for its `manage.py` sweep process, whose
# emails go to the broker after commit as in production.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# the cache is shared by every test of a process: dashboard tests recompute every month unless
# they test the kept months themselves (tests/oversight/test_settled_months.py)
OVERSIGHT_SETTLED_MONTHS_SECONDS = 0
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
MEDIA_ROOT = env.path("TEST_MEDIA_ROOT", default="/tmp/advisory-test-media")  # noqa: S108
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Checkpoint files and keys of a test run live in a folder of their own (tests that sign point
# these settings at tmp_path).
_TEST_MEDIA = Path(str(MEDIA_ROOT))
AUDIT_CHECKPOINT_DIR = env.str("AUDIT_CHECKPOINT_DIR", default=str(_TEST_MEDIA / "audit-checkpoints-none"))
AUDIT_SIGNING_KEY_FILE = env.str(
    "AUDIT_SIGNING_KEY_FILE", default=str(_TEST_MEDIA / "audit-keys-none" / "signing.pem")
)
AUDIT_PUBLIC_KEY_FILE = env.str(
    "AUDIT_PUBLIC_KEY_FILE", default=str(_TEST_MEDIA / "audit-keys-none" / "signing.pub.pem")
)
# Most tests run inside one rolled-back transaction, where nothing is ever committed: entries are
# chained inside the writer's transaction there. tests/audit/test_sequencer.py runs "deferred".
AUDIT_CHAIN_MODE = env.str("AUDIT_CHAIN_MODE", default="inline")

# Throttling is on (base settings), with rates no test reaches by accident: the whole suite shares
# one local-memory cache, and every anonymous request comes from 127.0.0.1.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min"},
}
SMS_BACKEND = "locmem"

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # In memory, as Django does for SQLite by default, and said explicitly: with pytest-xdist,
    # pytest-django gives each worker's test database a suffix unless it recognises the engine as
    # SQLite, and it does not recognise django-prometheus's wrapper; it would name a file
    # "test_/…/db.sqlite3_gw0" in a folder that does not exist. Each worker has its own memory.
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}  # noqa: F405
