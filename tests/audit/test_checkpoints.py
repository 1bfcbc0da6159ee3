"""Signed checkpoints of the chain head, the verification record and its screen (issue 12)."""

import json
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from advisory.schedules import PERIODIC_TASKS
from audit.checkpoints import checkpoint_create, checkpoint_load, key_generate
from audit.models import AuditAction, AuditChainHead, AuditCheckpoint, AuditVerification
from audit.services import audit_log, audit_verify, audit_verify_and_record
from audit.tasks import audit_checkpoint_task, audit_verify_full_task, audit_verify_task

pytestmark = pytest.mark.django_db


def _entries(n: int) -> None:
    for i in range(n):
        audit_log(actor=None, action=AuditAction.OTHER, record_type="t.t", record_id=str(i), reason=f"r{i}")


@pytest.fixture
def signing_key(settings):
    key_generate()
    return Path(settings.AUDIT_SIGNING_KEY_FILE)


def test_checkpoint_is_signed_written_outside_the_database_and_emailed(
    settings, signing_key, compliance_officer, django_capture_on_commit_callbacks
):
    # given
    _entries(3)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        row = checkpoint_create()
    # then: one JSON file in the configured folder, signature valid under the public key
    path = Path(settings.AUDIT_CHECKPOINT_DIR) / row.file_name
    payload = json.loads(path.read_text())
    head = AuditChainHead.objects.get()
    assert (
        payload["sequence"] == row.sequence == head.sequence and payload["hash"] == row.hash == head.last_hash
    )
    assert {"signature", "signed_at", "key_id", "format"} <= set(payload)
    (loaded,) = checkpoint_load()
    assert loaded.valid and loaded.sequence == head.sequence
    # a copy for compliance, attached
    (message,) = mail.outbox
    assert message.to == [compliance_officer.email]
    assert message.attachments[0][0] == row.file_name
    assert json.loads(message.attachments[0][1])["signature"] == payload["signature"]
    # the private key file is readable by its owner only
    assert signing_key.stat().st_mode & 0o077 == 0


def test_no_new_checkpoint_while_the_head_has_not_moved(signing_key):
    _entries(2)
    assert checkpoint_create(email=False) is not None
    assert checkpoint_create(email=False) is None
    _entries(1)
    assert checkpoint_create(email=False).sequence == 3
    assert AuditCheckpoint.objects.count() == 2


def test_checkpoint_needs_a_key_outside_the_database():
    from audit.checkpoints import CheckpointKeyMissing

    _entries(1)
    with pytest.raises(CheckpointKeyMissing, match="audit_keygen"):
        checkpoint_create(email=False)


def test_a_forged_checkpoint_file_fails_verification(settings, signing_key):
    # given
    _entries(2)
    row = checkpoint_create(email=False)
    path = Path(settings.AUDIT_CHECKPOINT_DIR) / row.file_name
    payload = json.loads(path.read_text())
    # when: someone edits the file to match a rewritten chain
    payload["hash"] = "a" * 64
    path.write_text(json.dumps(payload))
    # then
    result = audit_verify()
    assert not result.intact and result.code == "checkpoint_signature"
    assert result.params["file"] == row.file_name


def test_a_checkpoint_file_removed_from_the_folder_is_reported(settings, signing_key):
    _entries(2)
    row = checkpoint_create(email=False)
    (Path(settings.AUDIT_CHECKPOINT_DIR) / row.file_name).unlink()
    result = audit_verify()
    assert not result.intact and result.code == "checkpoint_file_missing"


def test_checkpoint_files_without_a_public_key_do_not_verify(settings, signing_key):
    _entries(1)
    checkpoint_create(email=False)
    Path(settings.AUDIT_PUBLIC_KEY_FILE).unlink()
    result = audit_verify()
    assert not result.intact and result.code == "checkpoint_no_key"


def test_keygen_command_refuses_to_overwrite_unless_asked(settings):
    call_command("audit_keygen")
    first = Path(settings.AUDIT_SIGNING_KEY_FILE).read_bytes()
    with pytest.raises(CommandError, match="--force"):
        call_command("audit_keygen")
    call_command("audit_keygen", "--if-missing")
    assert Path(settings.AUDIT_SIGNING_KEY_FILE).read_bytes() == first


def test_schedules_sign_hourly_verify_nightly_and_in_full_weekly(signing_key):
    tasks = {spec["task"]: spec for spec in PERIODIC_TASKS.values()}
    assert tasks["audit.tasks.audit_checkpoint_task"]["crontab"]["hour"] == "*"
    assert "audit.tasks.audit_verify_task" in tasks
    assert tasks["audit.tasks.audit_verify_full_task"]["crontab"]["day_of_week"] == "0"
    # the tasks themselves
    _entries(2)
    name = audit_checkpoint_task.apply().get()
    assert name.startswith("checkpoint-000000000002-")
    assert audit_verify_full_task.apply().get() is True
    assert audit_verify_task.apply().get() is True
    kinds = list(AuditVerification.objects.order_by("id").values_list("kind", "start_checkpoint"))
    assert kinds == [("full", ""), ("incremental", name)]


def test_audit_verify_command_runs_incremental_by_default_and_full_on_request(signing_key, capsys):
    _entries(2)
    checkpoint_create(email=False)
    call_command("audit_verify", "--full")
    assert "intact" in capsys.readouterr().out
    _entries(1)
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert "incremental from checkpoint-" in out and "1 entries" in out


def test_verify_screen_shows_the_kind_and_the_checkpoint(web_as, api_as, compliance_officer, signing_key):
    # given
    _entries(2)
    row = checkpoint_create(email=False)
    audit_verify_and_record(actor=compliance_officer, full=True)
    # when
    response = web_as(compliance_officer).post(reverse("audit:verify"), {"kind": "incremental"})
    # then
    assert response.status_code == 200
    result = response.context["result"]
    assert result.intact and result.kind == "incremental" and result.start_checkpoint == row.file_name
    html = response.content.decode()
    assert row.file_name in html and "incremental" in html
    runs = list(response.context["runs"])
    assert [r.kind for r in runs] == ["incremental", "full"]
    body = api_as(compliance_officer).post("/api/v1/audit/verify/", {"full": False}, format="json").json()
    assert body["kind"] == "incremental" and body["start_checkpoint"] == row.file_name


def test_verify_screen_lists_runs_in_a_fixed_number_of_queries(
    web_as, compliance_officer, signing_key, django_assert_max_num_queries
):
    _entries(2)
    for _ in range(5):
        checkpoint_create(email=False)
        audit_verify_and_record(actor=compliance_officer, full=True)
        _entries(1)
    http = web_as(compliance_officer)
    with django_assert_max_num_queries(12):
        response = http.get(reverse("audit:verify"))
    assert response.status_code == 200 and len(response.context["runs"]) == 5


def test_verify_screen_shows_a_broken_result_in_the_readers_words(web_as, compliance_officer):
    from audit.verification import VerifyResult

    result = VerifyResult(
        False,
        0,
        0,
        code="history_changed",
        params={
            "history_id": 9,
            "record_type": "clients.client",
            "record_id": "4",
            "date": "2026-01-31T09:00:00+00:00",
        },
        problem="x",
    )
    from audit.templatetags.audit_tags import verification_problem

    text = verification_problem(result.code, result.params, result.problem)
    assert "clients.client 4" in text and "2026-01-31 17:00" in text  # firm's zone (Asia/Shanghai)
