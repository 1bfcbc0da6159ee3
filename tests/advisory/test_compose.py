"""docker-compose.yml, read as Docker Compose reads it (no Docker engine runs here): every process
of the application gets the same configuration — the least-privilege database role, the files, the
audit keys and the chain mode — and the audit sequencer runs next to web, worker and beat."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("migrate", "web", "worker", "beat", "sequencer")
SHARED = (
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "REDIS_URL",
    "MEDIA_ROOT",
    "FILE_STORAGE",
    "AUDIT_SIGNING_KEY_FILE",
    "AUDIT_PUBLIC_KEY_FILE",
    "AUDIT_CHECKPOINT_DIR",
    "AUDIT_CHAIN_MODE",
)


def _services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_every_application_process_gets_the_whole_shared_configuration():
    services = _services()
    envs = {name: services[name]["environment"] for name in APP_SERVICES}
    for name, env in envs.items():
        missing = [key for key in SHARED if key not in env]
        assert not missing, f"{name} lacks {missing}"
        assert {key: env[key] for key in SHARED} == {key: envs["worker"][key] for key in SHARED}, name


def test_the_processes_connect_as_the_application_role_and_only_migrate_as_the_owner():
    services = _services()
    roles = (ROOT / "scripts" / "db" / "roles.sql").read_text()
    assert "-v app=advisory_app" in roles and "-v owner=advisory_owner" in roles
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://advisory_app:"), name
        assert ("MIGRATE_DATABASE_URL" in env) == (name == "migrate"), name
    assert services["migrate"]["environment"]["MIGRATE_DATABASE_URL"].startswith("postgres://advisory_owner:")


def test_the_listening_audit_sequencer_runs_with_the_chain_mode_that_needs_it():
    services = _services()
    assert services["sequencer"]["command"] == "python manage.py audit_chain --listen"
    assert services["sequencer"]["environment"]["AUDIT_CHAIN_MODE"] == "listener"
    assert services["sequencer"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
