"""Production settings refuse to start without their secrets and pass `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "advisory.settings.prod",
    "SECRET_KEY": "x" * 20 + "-prod-secret-key-with-enough-entropy-0123456789abcdef",
    "DATABASE_URL": "sqlite:////tmp/advisory-prod-check.sqlite3",
    "REDIS_URL": "redis://127.0.0.1:6379/9",
    "ALLOWED_HOSTS": "advisory.example.com",
    "SALT_KEY": "prod-salt-1",
    "LOOKUP_HASH_KEY": "prod-lookup-key",
}


def _manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    leaked = {"DJANGO_ALLOW_ASYNC_UNSAFE"}  # set by the browser tests; not part of a deployment
    clean = {k: v for k, v in os.environ.items() if k not in PROD_ENV and k not in leaked}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PROD_ENV)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without(missing):
    env = {k: v for k, v in PROD_ENV.items() if k != missing}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert f"{missing} must be set in production" in result.stderr
