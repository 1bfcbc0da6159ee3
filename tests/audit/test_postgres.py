"""PostgreSQL-only: triggers make the trail append-only, chaining under concurrent writers, and a
backup restored into a fresh database still verifies."""

import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction

from audit.models import AuditAction, AuditChainHead, AuditEntry
from audit.services import audit_log, audit_redact, audit_verify
from tests.audit.tamper import triggers_off

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]


def _entries(n: int) -> list[AuditEntry]:
    return [
        audit_log(
            actor=None,
            action=AuditAction.OTHER,
            record_type="t.t",
            record_id=str(i),
            reason=f"r{i}",
            changes={"i": i},
        )
        for i in range(n)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditentry SET reason = 'x' WHERE sequence = %s",
        "DELETE FROM audit_auditentry WHERE sequence = %s",
    ],
)
def test_update_and_delete_fail_in_the_database(sql):
    entry = _entries(2)[0]
    with pytest.raises(DatabaseError, match="protect"), transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, [entry.sequence])
    assert AuditEntry.objects.get(pk=entry.pk).reason == entry.reason


@pytest.mark.django_db
def test_chain_head_cannot_be_deleted_in_the_database():
    _entries(1)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM audit_auditchainhead")
    assert AuditChainHead.objects.exists()


@pytest.mark.django_db
def test_tampering_with_the_trigger_disabled_is_detected_at_the_right_entry():
    made = _entries(5)
    with triggers_off(), connection.cursor() as cur:
        cur.execute(
            "UPDATE audit_auditentry SET changes = '{\"i\": 99}' WHERE sequence = %s", [made[2].sequence]
        )
    result = audit_verify()
    assert not result.intact and result.broken_sequence == made[2].sequence


@pytest.mark.django_db
def test_redaction_passes_the_trigger_and_the_chain_still_verifies():
    _entries(3)
    assert audit_redact(record_type="t.t", record_ids=["1"], actor=None, reason="disposal") == 1
    assert AuditEntry.objects.get(record_type="t.t", record_id="1", action="other").redacted
    assert audit_verify().intact


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_gap_free_chain():
    # given
    threads, per_thread = 4, 15
    errors: list[Exception] = []
    barrier = threading.Barrier(threads)

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                audit_log(actor=None, action=AuditAction.OTHER, record_type="t.t", record_id=f"{n}-{i}")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    # when
    pool = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    # then
    assert not errors
    seqs = list(AuditEntry.objects.order_by("sequence").values_list("sequence", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert AuditEntry.objects.filter(record_type="t.t").count() == threads * per_thread
    result = audit_verify()
    assert result.intact, result


@pytest.mark.django_db(transaction=True)
def test_backup_restored_into_a_fresh_database_still_verifies(tmp_path):
    # given: a trail with a redaction, committed
    _entries(20)
    audit_redact(record_type="t.t", record_ids=["3"], actor=None, reason="disposal")
    assert audit_verify().intact
    db = settings.DATABASES["default"]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    conn = [
        "-h",
        db.get("HOST") or "127.0.0.1",
        "-p",
        str(db.get("PORT") or 5432),
        "-U",
        db.get("USER") or "postgres",
    ]
    dump = tmp_path / "backup.dump"
    restored = f"{db['NAME']}_restore_{uuid.uuid4().hex[:6]}"
    # when: pg_dump -Fc, then pg_restore into a new database
    subprocess.run(["pg_dump", "-Fc", *conn, "-f", str(dump), db["NAME"]], check=True, env=env)
    subprocess.run(["createdb", *conn, restored], check=True, env=env)
    try:
        subprocess.run(["pg_restore", "--no-owner", *conn, "-d", restored, str(dump)], check=True, env=env)
        url = f"postgres://{db.get('USER') or 'postgres'}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{restored}"
        out = subprocess.run(
            [sys.executable, "manage.py", "audit_verify"],
            cwd=ROOT,
            env={**env, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "advisory.settings.test"},
            capture_output=True,
            text=True,
            check=False,
        )
        # then
        assert out.returncode == 0, out.stderr
        assert "intact" in out.stdout
    finally:
        subprocess.run(["dropdb", *conn, "--if-exists", restored], check=False, env=env)
