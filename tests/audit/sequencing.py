"""Helpers of the sequencer tests (test_sequencer.py, test_sequencer_listener.py): writing entries,
the test database's URL for a sequencer process, a batch caught in flight, and the chain's shape."""

from django.conf import settings
from django.db import connection

from audit.models import AuditAction, AuditChainHead, AuditEntry
from audit.sequencer import pending_count
from audit.services import audit_log, audit_verify


def write(tag: str, n: int = 1) -> None:
    for i in range(n):
        audit_log(
            actor=None, action=AuditAction.OTHER, record_type="t.t", record_id=f"{tag}-{i}", changes={"i": i}
        )


def database_url() -> str:
    """The test database, for a sequencer run as its own process."""
    db = settings.DATABASES["default"]
    return (
        f"postgres://{db.get('USER') or 'postgres'}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/"
        f"{db['NAME']}"
    )


def batch_in_flight() -> bool:
    """Another session holds the chain head's row lock and has chained rows it has not committed."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
            " WHERE c.relname = 'audit_auditentry' AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid()"
            " AND l.pid IN (SELECT pid FROM pg_locks k JOIN pg_class h ON h.oid = k.relation"
            "               WHERE h.relname = 'audit_auditchainhead' AND k.mode = 'RowShareLock')"
        )
        return cur.fetchone()[0] > 0


def chained_sequences() -> list[int]:
    return list(
        AuditEntry.objects.filter(sequence__isnull=False)
        .order_by("sequence")
        .values_list("sequence", flat=True)
    )


def assert_one_gap_free_chain(expected: int) -> None:
    assert pending_count() == 0
    rows = list(AuditEntry.objects.order_by("sequence").values_list("sequence", flat=True))
    assert len(rows) == expected
    assert rows == list(range(1, expected + 1))  # every entry once, no gap, nothing twice
    assert AuditChainHead.objects.get(id=1).sequence == expected
    result = audit_verify()
    assert result.intact, result
