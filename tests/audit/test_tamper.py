"""PostgreSQL-only: tamper evidence that holds against a superuser (issue 12).

The attacks are run the way they would be: as the application role (refused by triggers and
privileges), or as a database superuser who switches the triggers off (then verification names
what changed: the entry, the history row by record and date, or the signed checkpoint)."""

import uuid

import psycopg2
import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from advisory.history import audited_save
from audit.checkpoints import checkpoint_create, key_generate
from audit.models import AuditAction, AuditChainHead, AuditEntry, AuditVerification, RetentionRule
from audit.protection import (
    expected_triggers,
    grant_app_role,
    history_tables,
    install_protection,
    missing_triggers,
)
from audit.services import audit_log, audit_redact, audit_verify, audit_verify_and_record
from tests.audit.tamper import triggers_off

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _entries(n: int, tag: str = "t") -> list[AuditEntry]:
    return [
        audit_log(
            actor=None,
            action=AuditAction.OTHER,
            record_type="t.t",
            record_id=f"{tag}{i}",
            record_label=f"thing {tag}{i}",
            reason=f"r{i}",
            changes={"i": i},
        )
        for i in range(n)
    ]


def _rule(code: str) -> RetentionRule:
    """A record with history: its history rows are mirrored into the chain."""
    rule = RetentionRule(record_type=code, name=f"Rule {code}", years=3, trigger="closed")
    audited_save(rule, actor=None, reason="created for the test")
    rule.years = 4
    audited_save(rule, actor=None, reason="lengthened")
    return rule


def _sql(sql: str, params: list | None = None):
    with connection.cursor() as cur:
        cur.execute(sql, params or [])
        return cur.fetchall() if cur.description else None


def _refused(sql: str, params: list | None = None) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        _sql(sql, params)


# --- triggers -------------------------------------------------------------------------------------


def test_every_audit_and_history_table_is_protected_and_truncate_is_refused():
    # given: the protection installed by migrate
    tables = {t for t, _name in expected_triggers()}
    assert "audit_auditentry" in tables and "audit_auditchainhead" in tables
    assert {h.table for h in history_tables()} <= tables
    assert "clients_historicalclient" in tables
    assert missing_triggers() == []
    _entries(2)
    # when / then: TRUNCATE is refused on every one of them
    for table in sorted(tables):
        with pytest.raises(DatabaseError, match="audit protection"), transaction.atomic():
            _sql(f'TRUNCATE "{table}" CASCADE')
    assert AuditEntry.objects.count() >= 2


def test_installing_the_protection_skips_a_history_table_an_app_migrated_back_has_dropped():
    # given the protection installed, and one app's history table gone (`migrate <app> zero`
    # drops it; the post-migrate hook then runs over the installed apps' models)
    installed = install_protection()
    _sql('DROP TABLE "planning_historicalreview" CASCADE')
    # when the hook installs the protection again
    again = install_protection()
    # then it does not fail on the missing table, and protects every table that exists
    assert again == installed - 2
    assert {table for table, _name in missing_triggers()} == {"planning_historicalreview"}


def test_chain_head_only_moves_forward_onto_appended_entries():
    made = _entries(3)
    head = AuditChainHead.objects.get()
    # rewind, jump ahead, change the hash, insert a second head: all refused
    _refused("UPDATE audit_auditchainhead SET sequence = sequence - 2, last_hash = %s", [made[0].hash])
    _refused("UPDATE audit_auditchainhead SET sequence = sequence + 1")
    _refused("UPDATE audit_auditchainhead SET last_hash = %s", ["f" * 64])
    _refused("INSERT INTO audit_auditchainhead (id, sequence, last_hash) VALUES (2, 0, %s)", ["0" * 64])
    assert AuditChainHead.objects.get().sequence == head.sequence
    # the append path still advances it
    audit_log(actor=None, action=AuditAction.OTHER, record_type="t.t", record_id="next")
    assert AuditChainHead.objects.get().sequence == head.sequence + 1


def test_audit_entry_update_is_refused_except_blanking_a_redacted_entry():
    made = _entries(2)
    _refused("UPDATE audit_auditentry SET redacted = true WHERE sequence = %s", [made[0].sequence])
    _refused(
        "UPDATE audit_auditentry SET redacted = true, record_label = '', changes = '{}', reason = 'x'"
        " WHERE sequence = %s",
        [made[0].sequence],
    )
    # the one shape disposal needs passes without any switch
    assert audit_redact(record_type="t.t", record_ids=["t0"], actor=None, reason="disposal") == 1
    assert audit_verify().intact


def test_a_disabled_protection_trigger_fails_verification():
    _entries(1)
    _sql("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_protect_delete")
    result = audit_verify()
    assert not result.intact
    assert result.code == "protection_off"
    assert result.params == {"table": "audit_auditentry", "trigger": "audit_protect_delete"}


# --- shortened or emptied trail -----------------------------------------------------------------


def test_cut_tail_and_rewound_head_never_verify_as_intact(settings, tmp_path):
    # given: a record with history and a signed checkpoint
    key_generate()
    _rule("cut")
    _entries(3)
    cp = checkpoint_create(email=False)
    last = AuditEntry.objects.order_by("-sequence").first()
    # when: a superuser cuts the last two entries and rewinds the head onto the one before
    keep = last.sequence - 2
    kept_hash = AuditEntry.objects.get(sequence=keep).hash
    with triggers_off():
        _sql("DELETE FROM audit_auditentry WHERE sequence > %s", [keep])
        _sql("UPDATE audit_auditchainhead SET sequence = %s, last_hash = %s", [keep, kept_hash])
    # then
    result = audit_verify()
    assert not result.intact
    assert result.code == "checkpoint_entries_missing"
    assert result.params["file"] == cp.file_name and result.params["sequence"] == cp.sequence


def test_cutting_entries_of_history_rows_leaves_the_rows_unchained():
    # given: no checkpoint yet, the last entries mirror history rows
    _entries(2)
    rule = _rule("tail")
    first = AuditEntry.objects.filter(record_type="audit.retentionrule", record_id=str(rule.pk)).order_by(
        "sequence"
    )[0]
    # when: cut from the rule's first entry on, head rewound
    with triggers_off():
        prev = AuditEntry.objects.get(sequence=first.sequence - 1)
        _sql("DELETE FROM audit_auditentry WHERE sequence >= %s", [first.sequence])
        _sql("UPDATE audit_auditchainhead SET sequence = %s, last_hash = %s", [prev.sequence, prev.hash])
    # then
    result = audit_verify()
    assert not result.intact and result.code == "history_unchained"
    assert result.params["record_type"] == "audit.retentionrule" and result.params["record_id"] == str(
        rule.pk
    )


def test_an_emptied_trail_is_not_intact_when_records_exist():
    # given
    _rule("empty")
    # when: a superuser empties both tables
    with triggers_off():
        _sql("TRUNCATE audit_auditentry, audit_auditchainhead")
    # then: the records' history rows are no longer in any chain
    result = audit_verify()
    assert not result.intact and result.code == "history_unchained"


def test_an_emptied_trail_is_not_intact_when_checkpoints_exist():
    key_generate()
    _entries(2)
    checkpoint_create(email=False)
    with triggers_off():
        _sql("TRUNCATE audit_auditentry, audit_auditchainhead")
    result = audit_verify()
    assert not result.intact and result.code == "checkpoint_entries_missing"


# --- history rows -------------------------------------------------------------------------------


def test_history_rows_cannot_be_changed_or_deleted_until_their_entries_are_redacted():
    # given
    rule = _rule("hist")
    table = RetentionRule.history.model._meta.db_table
    # when / then: refused while the entries stand
    _refused(f"UPDATE {table} SET name = 'forged' WHERE id = %s", [rule.pk])
    _refused(f"DELETE FROM {table} WHERE id = %s", [rule.pk])
    # the disposal path: redact the entries, then the rows may be blanked or deleted
    audit_redact(record_type="audit.retentionrule", record_ids=[str(rule.pk)], actor=None, reason="disposal")
    _sql(f"UPDATE {table} SET name = '' WHERE id = %s", [rule.pk])
    _sql(f"DELETE FROM {table} WHERE id = %s", [rule.pk])
    assert not RetentionRule.history.filter(id=rule.pk).exists()
    assert audit_verify().intact


def test_redaction_switch_is_honoured_for_the_owner_only_inside_a_transaction():
    rule = _rule("hatch")
    table = RetentionRule.history.model._meta.db_table
    with transaction.atomic():
        _sql("SET LOCAL audit.redaction = 'on'")
        _sql(f"UPDATE {table} SET description = 'maintenance' WHERE id = %s", [rule.pk])
    # (the test connects as a superuser; the application role is refused: see the role test)
    assert RetentionRule.history.filter(id=rule.pk, description="maintenance").count() == 2


@pytest.mark.parametrize("tamper", ["edit", "delete"])
def test_an_edited_or_deleted_history_row_is_reported_by_record_and_date(tamper):
    # given
    rule = _rule(f"x{tamper}")
    row = RetentionRule.history.filter(id=rule.pk).order_by("history_id").first()
    table = RetentionRule.history.model._meta.db_table
    # when: a superuser changes the row the point-in-time view is rebuilt from
    with triggers_off():
        if tamper == "edit":
            _sql(f"UPDATE {table} SET years = 1 WHERE history_id = %s", [row.history_id])
        else:
            _sql(f"DELETE FROM {table} WHERE history_id = %s", [row.history_id])
    # then
    result = audit_verify()
    assert not result.intact
    assert result.code == ("history_changed" if tamper == "edit" else "history_deleted")
    assert result.params["record_type"] == "audit.retentionrule"
    assert result.params["record_id"] == str(rule.pk)
    assert result.params["history_id"] == row.history_id
    assert result.params["date"].startswith(row.history_date.date().isoformat())
    entry = AuditEntry.objects.get(history_id=row.history_id, record_type="audit.retentionrule")
    assert result.broken_sequence == entry.sequence


def test_a_history_row_inserted_outside_the_chain_is_reported():
    rule = _rule("ins")
    table = RetentionRule.history.model._meta.db_table
    _sql(
        f"INSERT INTO {table} (id, record_type, name, years, trigger, description, history_date, history_type,"
        " history_change_reason) SELECT id, record_type, 'Backdated', 1, trigger, description,"
        " now() - interval '1 year', '~', 'forged' FROM audit_retentionrule WHERE id = %s",
        [rule.pk],
    )
    result = audit_verify()
    assert not result.intact and result.code == "history_unchained"
    assert result.params["record_id"] == str(rule.pk)


def test_bulk_written_history_rows_are_sealed_in_the_chain():
    from audit.bulk import bulk_create_audited, bulk_update_audited

    rules = bulk_create_audited(
        [RetentionRule(record_type=f"b{i}", name=f"B{i}", years=2, trigger="t") for i in range(3)],
        actor=None,
        reason="import",
    )
    for r in rules:
        r.years = 6
    bulk_update_audited(rules, ["years"], actor=None, reason="lengthen")
    sealed = AuditEntry.objects.filter(
        record_type="audit.retentionrule", record_id__in=[str(r.pk) for r in rules]
    )
    assert sealed.count() == 6
    assert all(e.history_id and e.history_hash for e in sealed)
    assert audit_verify().intact


# --- signed checkpoints -------------------------------------------------------------------------


def test_rewriting_history_and_recomputing_every_hash_by_sql_names_the_first_broken_checkpoint():
    # given: entries, checkpoint A, more entries, checkpoint B, more entries
    key_generate()
    _entries(3, "a")
    cp_a = checkpoint_create(email=False)
    _entries(3, "b")
    cp_b = checkpoint_create(email=False)
    _entries(2, "c")
    assert audit_verify().intact
    target = cp_a.sequence + 1  # an entry covered by checkpoint B only
    # when: a superuser rewrites an entry and recomputes every hash after it, in SQL
    with triggers_off():
        _sql("UPDATE audit_auditentry SET reason = 'nothing happened' WHERE sequence = %s", [target])
        _sql(
            """
            DO $$
            DECLARE r record; prev text := NULL;
            BEGIN
              FOR r IN SELECT * FROM audit_auditentry WHERE sequence >= %s ORDER BY sequence LOOP
                IF prev IS NULL THEN prev := r.prev_hash; END IF;
                UPDATE audit_auditentry SET prev_hash = prev, hash = encode(sha256(convert_to(concat_ws(chr(31),
                    prev, r.sequence::text,
                    to_char(r.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
                    coalesce(r.actor_id::text, ''), r.actor_label, r.action, r.record_type, r.record_id,
                    coalesce(r.client_id::text, ''), r.reason, coalesce(host(r.ip_address), ''), r.user_agent,
                    coalesce(r.history_id::text, ''), r.content_hash)
                    || CASE WHEN r.history_hash = '' THEN '' ELSE chr(31) || r.history_hash END, 'UTF8')), 'hex')
                 WHERE id = r.id RETURNING hash INTO prev;
              END LOOP;
              UPDATE audit_auditchainhead SET last_hash = prev;
            END $$;
            """.replace("%s", str(target))
        )
    # then: the chain itself recomputes cleanly, but checkpoint B no longer matches
    result = audit_verify()
    assert not result.intact
    assert result.code == "checkpoint_mismatch"
    assert result.params["file"] == cp_b.file_name
    assert result.broken_sequence == cp_b.sequence
    assert cp_b.file_name in result.problem


def test_incremental_verification_starts_at_the_last_good_checkpoint():
    # given: a full intact run that confirmed a checkpoint
    key_generate()
    _entries(5, "a")
    cp = checkpoint_create(email=False)
    first = audit_verify_and_record(actor=None, full=True)
    assert first.intact and first.kind == "full" and first.last_checkpoint == cp.file_name
    _entries(3, "b")
    # when
    result = audit_verify_and_record(actor=None, full=False)
    # then: only the entries after the checkpoint were recomputed
    assert result.intact, result
    assert result.kind == "incremental"
    assert result.from_sequence == cp.sequence and result.start_checkpoint == cp.file_name
    assert result.checked == 3
    run = AuditVerification.objects.order_by("-id").first()
    assert run.kind == "incremental" and run.from_sequence == cp.sequence and run.intact
    # a change after the checkpoint is caught by the incremental run
    with triggers_off():
        _sql("UPDATE audit_auditentry SET reason = 'x' WHERE sequence = %s", [cp.sequence + 2])
    late = audit_verify_and_record(actor=None, full=False)
    assert not late.intact and late.broken_sequence == cp.sequence + 2 and late.kind == "incremental"


def test_incremental_without_a_good_checkpoint_runs_in_full():
    _entries(2)
    result = audit_verify_and_record(actor=None, full=False)
    assert result.intact and result.kind == "full" and result.from_sequence == 0


# --- least privilege ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_application_role_cannot_disable_triggers_truncate_update_or_delete():
    """The key proof: connected as the application role (owns nothing, granted as in production),
    every way to rewrite the trail or the history is refused by PostgreSQL itself."""
    # given: the role, granted after migrate exactly as in production
    role = f"advisory_app_test_{uuid.uuid4().hex[:8]}"
    _sql(f"CREATE ROLE {role} LOGIN")
    rule = _rule("role")
    made = _entries(2)
    grant_app_role(role=role)
    db = settings.DATABASES["default"]
    app = psycopg2.connect(
        dbname=connection.settings_dict["NAME"],
        user=role,
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
    )
    history_table = RetentionRule.history.model._meta.db_table
    attacks = [
        "ALTER TABLE audit_auditentry DISABLE TRIGGER ALL",
        "ALTER TABLE audit_auditentry DISABLE TRIGGER audit_protect_update",
        f"ALTER TABLE {history_table} DISABLE TRIGGER USER",
        "SET session_replication_role = replica",
        "TRUNCATE audit_auditentry",
        "TRUNCATE audit_auditchainhead",
        f"TRUNCATE {history_table}",
        f"UPDATE audit_auditentry SET reason = 'x' WHERE sequence = {made[0].sequence}",
        f"DELETE FROM audit_auditentry WHERE sequence = {made[-1].sequence}",
        f"UPDATE audit_auditchainhead SET sequence = {made[0].sequence}, last_hash = '{made[0].hash}'",
        "DELETE FROM audit_auditchainhead",
        f"UPDATE {history_table} SET name = 'forged' WHERE id = {rule.pk}",
        f"DELETE FROM {history_table} WHERE id = {rule.pk}",
        "DROP TRIGGER audit_protect_delete ON audit_auditentry",
        "DROP FUNCTION audit_refuse() CASCADE",
        f"BEGIN; SET LOCAL audit.redaction = 'on'; UPDATE {history_table} SET name = 'x' WHERE id = {rule.pk}",
    ]
    try:
        refused = []
        with app.cursor() as cur:
            cur.execute("SELECT count(*) FROM audit_auditentry")  # it may read
            assert cur.fetchone()[0] >= 2
            app.rollback()
            for sql in attacks:
                try:
                    cur.execute(sql)
                except psycopg2.Error:
                    refused.append(sql)
                app.rollback()
        # then
        assert refused == attacks
        assert AuditEntry.objects.filter(reason="x").count() == 0
        assert RetentionRule.history.filter(id=rule.pk, name="forged").count() == 0
        assert audit_verify().intact
    finally:
        app.close()
        _sql(f"DROP OWNED BY {role}")
        _sql(f"DROP ROLE {role}")
