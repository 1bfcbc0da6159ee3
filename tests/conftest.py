"""Shared fixtures: one user per role, and the fixed cast for permission tests."""

import os
import shutil
from collections import Counter

import pytest
from django.test import Client as HttpClient
from rest_framework.test import APIClient

from advisory.roles import Role
from tests.factories import StaffQualificationFactory, UserFactory


def _flush_past_audit_triggers() -> None:
    """Transactional tests empty the database with TRUNCATE, which the audit and history tables
    refuse (audit.protection). The test database user is a superuser: like a DBA restoring a
    backup, the flush switches ordinary triggers off for its own transaction only.

    With the triggers off (foreign keys included), the flush deletes the rows instead: TRUNCATE
    gives each of the ~180 tables and their indexes new files, several seconds per flush even on
    an empty database, where a DELETE of a table's few rows takes milliseconds. The tables end
    up just as empty; sequences are reset as before when the flush asks for it."""
    try:
        from django.db.backends.postgresql.operations import DatabaseOperations
    except ImportError:  # pragma: no cover - no PostgreSQL driver: SQLite only
        return
    original = DatabaseOperations.sql_flush
    if getattr(original, "_audit_flush", False):
        return

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables:
            return []
        if reset_sequences:
            sql = original(self, style, tables, reset_sequences=True, allow_cascade=allow_cascade)
        else:
            sql = [
                f"{style.SQL_KEYWORD('DELETE')} {style.SQL_KEYWORD('FROM')} "
                f"{style.SQL_FIELD(self.quote_name(table))};"
                for table in tables
            ]
        return ["SET LOCAL session_replication_role = replica", *sql]

    sql_flush._audit_flush = True
    DatabaseOperations.sql_flush = sql_flush


_flush_past_audit_triggers()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # signed audit checkpoints and their keys: per test, never shared
    settings.AUDIT_CHECKPOINT_DIR = str(tmp_path / "checkpoints")
    settings.AUDIT_SIGNING_KEY_FILE = str(tmp_path / "keys" / "signing.pem")
    settings.AUDIT_PUBLIC_KEY_FILE = str(tmp_path / "keys" / "signing.pub.pem")


@pytest.fixture(autouse=True)
def _process_state():
    """State a test may leave behind in its worker process, reset before each test: the active
    language (a view or `translation.override` elsewhere must not decide what the next test
    reads) and Celery's "a task is running, joining would block" flag."""
    from celery._state import _set_task_join_will_block
    from django.utils import translation

    _set_task_join_will_block(False)
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _retention_rules_present(request):
    """The default retention rules come from a data migration. A transactional test (or the
    browser crawl) empties every table when it ends, so a database test that runs after one on
    the same worker would find no rules: put them back, exactly as the migration writes them."""
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    if marker is None and not names & {"db", "transactional_db", "live_server"}:
        return
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        names & {"transactional_db", "live_server"}
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    from django.db.models import QuerySet

    from audit.demo import DEFAULT_RULES
    from audit.models import RetentionRule

    if not RetentionRule.objects.exists():
        # as the data migration writes them: plain rows, no history row and no audit entry (tests
        # that count the trail's entries must not see these)
        QuerySet(model=RetentionRule).bulk_create(
            RetentionRule(record_type=record_type, name=name, years=years, trigger=trigger)
            for record_type, name, years, trigger in DEFAULT_RULES
        )


@pytest.fixture
def supervisor(db):
    return UserFactory(role=Role.SUPERVISOR, full_name="Supervisor Sam", email="supervisor@example.test")


@pytest.fixture
def advisor(db, supervisor):
    user = UserFactory(
        role=Role.ADVISOR, full_name="Advisor Ann", email="advisor@example.test", supervisor=supervisor
    )
    StaffQualificationFactory(user=user)
    return user


@pytest.fixture
def colleague(db, supervisor):
    """Another advisor: must not see the first advisor's book."""
    user = UserFactory(
        role=Role.ADVISOR, full_name="Colleague Carl", email="colleague@example.test", supervisor=supervisor
    )
    StaffQualificationFactory(user=user)
    return user


@pytest.fixture
def risk_reviewer(db):
    return UserFactory(role=Role.RISK_REVIEWER, full_name="Reviewer Rita", email="risk@example.test")


@pytest.fixture
def compliance_officer(db):
    return UserFactory(role=Role.COMPLIANCE, full_name="Compliance Cleo", email="compliance@example.test")


@pytest.fixture
def administrator(db):
    return UserFactory(
        role=Role.ADMINISTRATOR,
        full_name="Admin Ada",
        email="admin@example.test",
        is_staff=True,
        is_superuser=True,
    )


@pytest.fixture
def client_user(db):
    return UserFactory(role=Role.CLIENT, full_name="Client Carol", email="client@example.test")


@pytest.fixture
def outsider_user(db):
    """Another client: must not see the first client's records."""
    return UserFactory(role=Role.CLIENT, full_name="Outsider Otto", email="outsider@example.test")


def _logged_in(user) -> HttpClient:
    http = HttpClient()
    http.force_login(user)
    return http


@pytest.fixture
def web_as():
    return _logged_in


@pytest.fixture
def api_as():
    def make(user) -> APIClient:
        api = APIClient()
        api.force_authenticate(user)
        return api

    return make


def pytest_collection_modifyitems(config, items):
    """Skip PostgreSQL-only tests on SQLite and worker tests without Redis; give every test a
    node id of its own (see `_unique_node_ids`)."""
    import os

    from django.conf import settings

    _unique_node_ids(items)

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    has_redis = bool(os.environ.get("REDIS_URL"))
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    skip_redis = pytest.mark.skip(reason="needs Redis (set REDIS_URL)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not has_redis:
            item.add_marker(skip_redis)


def _unique_node_ids(items) -> None:
    """schemathesis names each API operation's test `test_x[GET /api/...]` but gives them all the
    node id `test_x`; pytest-xdist's `--dist loadfile` (make test) keys its work by node id, so it
    ran one operation and dropped the others without a word. The operation goes into the id, and
    any other duplicate stops the run rather than being skipped silently."""
    for item in items:
        label = getattr(item, "operation_label", None)  # schemathesis.pytest.plugin.SchemathesisFunction
        if label and not item.nodeid.endswith("]"):
            # pytest 9 keeps the id as a structured NodeId (no public setter)
            item._id = type(item._id).parse(f"{item.nodeid}[{label}]")
    counts = Counter(item.nodeid for item in items)
    duplicates = sorted(node_id for node_id, n in counts.items() if n > 1)
    if duplicates:
        raise pytest.UsageError(
            "These tests share a node id, and pytest-xdist would run only one of each: "
            + ", ".join(duplicates[:5])
        )


# Files that take minutes, started first. `--dist loadfile` hands whole files to the workers,
# largest (by number of tests) first; the browser crawl has three tests that take a minute and a
# half each, so it would start last and leave the run waiting on one worker for five minutes. The
# API fuzzing (one file, a minute on one worker) starts with it, on the other worker.
LONGEST_FILES_FIRST = ("tests/browser/test_crawl.py", "tests/hostile/test_schemathesis.py")


def pytest_xdist_make_scheduler(config, log):
    if config.getoption("dist", None) != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class LongestFirst(LoadFileScheduling):
        def _assign_work_unit(self, node):
            for scope in reversed([s for s in self.workqueue if s in LONGEST_FILES_FIRST]):
                self.workqueue.move_to_end(scope, last=False)
            super()._assign_work_unit(node)

    return LongestFirst(config, log)


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium through Playwright (Debian's package, never Playwright's own download),
    one for a module of browser tests."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed (apt-get install chromium; .ci/run does)")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield instance
        # The tests ran inside Playwright's context, where Django's connections (kept per context)
        # are others than the module's own: close them here, or one stays open past the session
        # and the test database cannot be dropped ("being accessed by other users").
        connections.close_all()
        instance.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
