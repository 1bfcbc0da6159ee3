"""PostgreSQL only: the trail partitioned by month (docs/audit.md "Partitioning") — layout, entries
landing in their month, the DEFAULT partition and its upkeep, protection on every partition,
verification per month, redaction month by month, and the migration on a filled table."""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from audit.models import AuditAction, AuditEntry
from audit.partitions import (
    DEFAULT_PARTITION,
    default_partition_rows,
    partition_list,
    partition_name,
    partitions_ensure,
)
from audit.protection import missing_triggers
from audit.services import audit_log, audit_redact, audit_verify
from tests.audit.tamper import triggers_off

pytestmark = pytest.mark.postgres

MONTHS = [datetime.date(2030, 1, 1), datetime.date(2030, 2, 1), datetime.date(2030, 3, 1)]


def _add_partitions(*months: datetime.date) -> None:
    with connection.cursor() as cur:
        for month in months:
            cur.execute("SELECT audit_partition_add(%s)", [month])


def _write(month: datetime.date, n: int, *, record_id: str = "") -> list[AuditEntry]:
    with time_machine.travel(datetime.datetime.combine(month, datetime.time(12), datetime.UTC), tick=False):
        return [
            audit_log(
                actor=None,
                action=AuditAction.OTHER,
                record_type="t.t",
                record_id=record_id or f"{month:%Y%m}-{i}",
                record_label=f"label {i}",
                reason="partition test",
                changes={"i": i},
            )
            for i in range(n)
        ]


def _partition_of(entry: AuditEntry) -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT tableoid::regclass::text FROM audit_auditentry WHERE id = %s", [entry.pk])
        return cur.fetchone()[0]


@pytest.mark.django_db
def test_the_trail_is_partitioned_by_month_after_migrate():
    with connection.cursor() as cur:
        cur.execute("SELECT relkind FROM pg_class WHERE oid = 'audit_auditentry'::regclass")
        assert cur.fetchone()[0] == "p"
        cur.execute(
            "SELECT pg_get_partkeydef('audit_auditentry'::regclass),"
            " pg_get_constraintdef((SELECT oid FROM pg_constraint WHERE conname = 'audit_auditentry_pkey'))"
        )
        assert cur.fetchone() == ("RANGE (occurred_at)", "PRIMARY KEY (id, occurred_at)")
    parts = partition_list()
    this_month = datetime.datetime.now(datetime.UTC).date().replace(day=1)
    assert parts[-1].name == DEFAULT_PARTITION and parts[-1].is_default
    assert partition_name(this_month) in {p.name for p in parts}
    assert missing_triggers() == []


@pytest.mark.django_db
def test_entries_of_three_months_land_in_their_partitions_and_the_chain_verifies_full_and_per_month():
    # given
    _add_partitions(*MONTHS)
    # when
    written = {month: _write(month, 3) for month in MONTHS}
    # then
    for month, entries in written.items():
        assert {_partition_of(e) for e in entries} == {partition_name(month)}
    assert audit_verify(full=True).intact
    for month in MONTHS:
        result = audit_verify(month=month)
        assert result.intact, result
        assert result.in_month == 3 and result.checked == 3
        assert result.from_sequence == written[month][0].sequence - 1
    assert audit_verify(month=datetime.date(2029, 12, 1)).checked == 0


@pytest.mark.django_db
def test_a_month_run_reads_only_its_stretch_and_finds_tampering_there():
    # given: three months; an entry of February changed behind the triggers' back
    _add_partitions(*MONTHS)
    written = {month: _write(month, 3) for month in MONTHS}
    victim = written[MONTHS[1]][1]
    with triggers_off(), connection.cursor() as cur:
        cur.execute("UPDATE audit_auditentry SET reason = 'rewritten' WHERE id = %s", [victim.pk])
    # when / then
    assert audit_verify(month=MONTHS[0]).intact
    broken = audit_verify(month=MONTHS[1])
    assert not broken.intact and broken.broken_sequence == victim.sequence and broken.code == "hash"
    assert audit_verify(month=MONTHS[2]).intact  # linked to February's last hash, which is unchanged
    assert not audit_verify(full=True).intact


@pytest.mark.django_db
def test_verification_reports_a_sequence_carried_twice():
    # given: a copy of an entry (same sequence, same hash) slipped into another month
    _add_partitions(*MONTHS)
    first = _write(MONTHS[0], 3)
    with triggers_off(), connection.cursor() as cur:
        cur.execute(
            "INSERT INTO audit_auditentry (sequence, occurred_at, actor_label, action, record_type, record_id,"
            " record_label, client_id, reason, changes, user_agent, prev_hash, hash, content_hash, redacted,"
            " history_hash) SELECT sequence, %s, actor_label, action, record_type, record_id, record_label,"
            " client_id, reason, changes, user_agent, prev_hash, hash, content_hash, redacted, history_hash"
            " FROM audit_auditentry WHERE id = %s",
            [datetime.datetime(2030, 2, 3, tzinfo=datetime.UTC), first[1].pk],
        )
    # when
    result = audit_verify(full=True)
    # then
    assert not result.intact and result.code == "duplicate" and result.broken_sequence == first[1].sequence
    month = audit_verify(month=MONTHS[1])
    assert not month.intact and month.code == "duplicate"


@pytest.mark.django_db
def test_an_entry_dated_outside_the_created_months_goes_to_default_and_upkeep_gives_it_its_month():
    # given
    far = datetime.date(2035, 6, 1)
    entry = _write(far, 1)[0]
    assert _partition_of(entry) == DEFAULT_PARTITION
    assert default_partition_rows() == 1
    assert audit_verify(full=True).intact  # the chain does not care where a row is stored
    # when
    created = partitions_ensure()
    # then
    assert (partition_name(far), 1) in created
    assert _partition_of(entry) == partition_name(far)
    assert default_partition_rows() == 0
    assert missing_triggers() == []  # the new month and the new DEFAULT are protected
    assert audit_verify(full=True).intact and audit_verify(month=far).intact
    assert partitions_ensure() == []  # idempotent


@pytest.mark.django_db
def test_the_command_creates_months_ahead_and_lists_them(capsys):
    call_command("audit_partitions", "--months", "14")
    out = capsys.readouterr().out
    ahead = datetime.datetime.now(datetime.UTC).date().replace(day=1)
    for _ in range(14):
        ahead = (ahead.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    assert partition_name(ahead) in out and "DEFAULT" in out


@pytest.mark.django_db
@pytest.mark.parametrize("table", ["audit_auditentry", "partition"])
@pytest.mark.parametrize(
    "sql", ["UPDATE {t} SET reason = 'x' WHERE id = %s", "DELETE FROM {t} WHERE id = %s", "TRUNCATE {t}"]
)
def test_update_delete_and_truncate_are_refused_on_the_parent_and_on_a_partition(table, sql):
    _add_partitions(MONTHS[0])
    entry = _write(MONTHS[0], 2)[0]
    name = partition_name(MONTHS[0]) if table == "partition" else table
    statement = sql.format(t=name)
    with (
        pytest.raises(DatabaseError, match="audit protection"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute(statement, [entry.pk] if "%s" in statement else None)
    assert AuditEntry.objects.get(pk=entry.pk).reason == "partition test"


@pytest.mark.django_db
def test_redaction_blanks_entries_month_by_month_and_the_chain_still_verifies():
    # given: entries about one record in two months
    _add_partitions(*MONTHS[:2])
    _write(MONTHS[0], 2, record_id="77")
    _write(MONTHS[1], 2, record_id="77")
    # when
    with CaptureQueriesContext(connection) as queries:
        assert audit_redact(record_type="t.t", record_ids=["77"], actor=None, reason="disposal") == 4
    # then: one UPDATE per month, each bounded to its partition
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 2 and all('"occurred_at" >=' in sql for sql in updates)
    assert AuditEntry.objects.filter(record_id="77", redacted=True).count() == 4
    assert audit_verify(full=True).intact
    assert all(audit_verify(month=m).intact for m in MONTHS[:2])


@pytest.mark.django_db(transaction=True)
def test_the_migration_converts_a_filled_table_and_new_ids_continue(retention_rules):
    # given: the plain table of migration 0010, with entries
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0010_merge_20261130_1722")])
    with connection.cursor() as cur:
        cur.execute("SELECT relkind FROM pg_class WHERE oid = 'audit_auditentry'::regclass")
        assert cur.fetchone()[0] == "r"
    _write(datetime.date(2026, 1, 1), 3)
    _write(datetime.date(2026, 6, 1), 3)
    before = list(AuditEntry.objects.values_list("pk", flat=True))
    # when
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0011_partition_entries")])
    # then
    with connection.cursor() as cur:
        cur.execute("SELECT relkind FROM pg_class WHERE oid = 'audit_auditentry'::regclass")
        assert cur.fetchone()[0] == "p"
    assert sorted(AuditEntry.objects.values_list("pk", flat=True)) == sorted(before)
    assert {partition_name(datetime.date(2026, 1, 1)), partition_name(datetime.date(2026, 6, 1))} <= {
        p.name for p in partition_list()
    }
    after = audit_log(actor=None, action=AuditAction.OTHER, record_type="t.t", record_id="new")
    assert after.pk > max(before)
    assert missing_triggers() == []
    assert audit_verify(full=True).intact
    assert audit_verify(month=datetime.date(2026, 6, 1)).intact
