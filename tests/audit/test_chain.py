"""The hash chain: one trail, tamper evidence, append-only rule in the ORM, bulk writes."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models

from advisory import request_context
from advisory.history import audited_save
from audit.bulk import bulk_create_audited, bulk_update_audited
from audit.managers import UnauditedBulkWrite
from audit.models import AuditAction, AuditChainHead, AuditEntry, AuditTrailImmutable, RetentionRule
from audit.services import MASK, audit_log, audit_verify

pytestmark = pytest.mark.django_db


def _entries(n: int, actor=None) -> list[AuditEntry]:
    return [
        audit_log(
            actor=actor,
            action=AuditAction.OTHER,
            record_type="tests.thing",
            record_id=str(i),
            record_label=f"thing {i}",
            client_id=i % 3,
            reason=f"reason {i}",
            changes={"n": [i, i + 1]},
        )
        for i in range(n)
    ]


def _raw(sql: str, params: list) -> None:
    """Tamper with raw SQL: on SQLite this bypasses the ORM guard; on PostgreSQL the test also
    switches the protection triggers off for this statement, as a superuser could."""
    from tests.audit.tamper import triggers_off

    with triggers_off(), connection.cursor() as cur:
        cur.execute(sql, params)


def test_entries_form_a_gap_free_chain_that_verifies(compliance_officer):
    # given
    before = AuditEntry.objects.count()
    # when
    made = _entries(5, actor=compliance_officer)
    # then
    seqs = list(AuditEntry.objects.order_by("sequence").values_list("sequence", flat=True))
    assert seqs == list(range(1, before + 6))
    assert made[1].prev_hash == made[0].hash
    result = audit_verify()
    assert result.intact, result
    assert result.checked == before + 5
    head = AuditChainHead.objects.get()
    assert head.sequence == made[-1].sequence and head.last_hash == made[-1].hash


def test_entry_records_who_when_where_what_why(compliance_officer):
    token = request_context.set_current(
        request_context.RequestInfo(ip_address="10.1.2.3", user_agent="pytest-UA")
    )
    try:
        entry = audit_log(
            actor=compliance_officer,
            action=AuditAction.REVEAL,
            record_type="x.y",
            record_id="9",
            reason="check ID",
        )
    finally:
        request_context.reset(token)
    entry.refresh_from_db()
    assert entry.actor_id == compliance_officer.pk
    assert entry.actor_label == compliance_officer.email
    assert entry.ip_address == "10.1.2.3" and entry.user_agent == "pytest-UA"
    assert entry.reason == "check ID" and entry.occurred_at is not None


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("reason", "'innocent'", "hash"),
        ("changes", "'{\"n\": [0, 999]}'", "content"),
        ("record_label", "'someone else'", "content"),
        ("actor_label", "'nobody@example.test'", "hash"),
        ("client_id", "99", "hash"),
        ("hash", "'" + "f" * 64 + "'", "hash"),
        ("prev_hash", "'" + "0" * 64 + "'", "previous-hash"),
    ],
)
def test_raw_sql_change_is_detected_at_the_right_entry(column, value, problem):
    # given
    made = _entries(6)
    target = made[3]
    # when: raw SQL bypasses the ORM guard (on SQLite there is no trigger)
    _raw(f"UPDATE audit_auditentry SET {column} = {value} WHERE sequence = %s", [target.sequence])
    # then
    result = audit_verify()
    assert not result.intact
    assert result.broken_sequence == target.sequence
    assert problem in result.problem


def test_deleted_row_is_detected_as_a_gap():
    made = _entries(5)
    _raw("DELETE FROM audit_auditentry WHERE sequence = %s", [made[2].sequence])
    result = audit_verify()
    assert not result.intact
    assert result.broken_sequence == made[2].sequence
    assert "gap" in result.problem


def test_deleted_tail_is_detected_against_the_chain_head():
    made = _entries(4)
    _raw("DELETE FROM audit_auditentry WHERE sequence = %s", [made[-1].sequence])
    result = audit_verify()
    assert not result.intact
    assert result.broken_sequence == made[-1].sequence


def test_redaction_flag_without_redaction_record_is_detected():
    made = _entries(3)
    _raw(
        "UPDATE audit_auditentry SET redacted = %s, changes = '{}' WHERE sequence = %s",
        [True, made[1].sequence],
    )
    result = audit_verify()
    assert not result.intact and result.broken_sequence == made[1].sequence


def test_orm_refuses_to_change_or_delete_entries():
    entry = _entries(1)[0]
    entry.reason = "changed"
    with pytest.raises(AuditTrailImmutable):
        entry.save()
    with pytest.raises(AuditTrailImmutable):
        entry.delete()
    with pytest.raises(AuditTrailImmutable):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="x")
    with pytest.raises(AuditTrailImmutable):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AuditTrailImmutable):
        AuditChainHead.objects.get().delete()
    assert audit_verify().intact


def test_audit_verify_command_reports_intact_and_broken(capsys):
    made = _entries(3)
    call_command("audit_verify")
    assert "intact" in capsys.readouterr().out
    _raw("UPDATE audit_auditentry SET reason = 'x' WHERE sequence = %s", [made[1].sequence])
    with pytest.raises(CommandError, match=f"sequence {made[1].sequence}"):
        call_command("audit_verify")


def test_history_is_mirrored_with_user_and_reason(compliance_officer):
    # given
    rule = RetentionRule(record_type="mifid", name="MiFID", years=5, trigger="closure")
    audited_save(rule, actor=compliance_officer, reason="new rule")
    # when
    rule.years = 7
    audited_save(rule, actor=compliance_officer, reason="Regulator asked for 7 years")
    # then
    entry = AuditEntry.objects.filter(record_type="audit.retentionrule", record_id=str(rule.pk)).first()
    assert entry.action == AuditAction.UPDATE
    assert entry.actor_id == compliance_officer.pk
    assert entry.reason == "Regulator asked for 7 years"
    assert entry.changes == {"years": [5, 7]}
    assert entry.history_id is not None


class _SecretThing(models.Model):
    from encrypted_fields.fields import EncryptedCharField

    name = models.CharField(max_length=20)
    id_number = EncryptedCharField(max_length=40)

    class Meta:
        app_label = "audit"
        managed = False


def test_encrypted_field_values_never_enter_the_trail():
    thing = _SecretThing(pk=5, name="Ann", id_number="110101199001011234")
    entry = audit_log(
        actor=None,
        action=AuditAction.UPDATE,
        obj=thing,
        changes={"name": ["Ann", "Anna"], "id_number": ["110101199001011234", "110101199001019999"]},
    )
    entry.refresh_from_db()
    assert entry.changes["id_number"] == [MASK, MASK]
    assert entry.changes["name"] == ["Ann", "Anna"]
    assert "1101011990" not in str(entry.changes)


def test_unaudited_bulk_writes_raise():
    with pytest.raises(UnauditedBulkWrite):
        RetentionRule.objects.filter(record_type="complaint").update(years=9)
    with pytest.raises(UnauditedBulkWrite):
        RetentionRule.objects.bulk_create([RetentionRule(record_type="x", name="x", years=1, trigger="t")])
    rule = RetentionRule.objects.get(record_type="complaint")
    with pytest.raises(UnauditedBulkWrite):
        RetentionRule.objects.bulk_update([rule], ["years"])
    assert RetentionRule.objects.get(record_type="complaint").years == 5


def test_bulk_helpers_write_history_and_one_audit_entry_per_row(compliance_officer):
    # when
    created = bulk_create_audited(
        [RetentionRule(record_type=f"bulk_{i}", name=f"Bulk {i}", years=2, trigger="t") for i in range(3)],
        actor=compliance_officer,
        reason="import",
    )
    for r in created:
        r.years = 4
    bulk_update_audited(created, ["years"], actor=compliance_officer, reason="extend")
    # then
    for r in created:
        assert r.history.count() == 2
        entries = AuditEntry.objects.filter(record_type="audit.retentionrule", record_id=str(r.pk))
        assert sorted(entries.values_list("action", flat=True)) == ["create", "update"]
        assert entries.get(action="update").changes == {"years": [2, 4]}
        assert entries.get(action="update").reason == "extend"
    assert audit_verify().intact


def test_login_and_failed_login_are_audited(client, compliance_officer):
    client.post("/account/login/", {"username": compliance_officer.email, "password": "wrong-password"})
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).exists()
