"""A whole client file can be disposed of (SPEC §5): after approval nothing of the client's
identity is left in the database (pg_dump) or in the media folder; the tombstone, the certificate
and an intact chain remain. Approval runs in the worker, record by record, and is resumable."""

from __future__ import annotations

import datetime
import os
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client as HttpClient

from advisory.history import audited_save
from advisory.models import ArchivedDocument, Notification, RiskWarning, User
from advisory.notifications import notify
from advisory.roles import Role
from audit.models import AuditEntry, DisposalBatch, DisposalItem, DisposalStatus, ItemState
from audit.services import audit_verify, disposal_approve, disposal_execute, disposal_propose
from clients import services as client_services
from clients.models import (
    Client,
    ClientDocument,
    Consent,
    Household,
    OnboardingStepLog,
    RelatedParty,
    ServiceAgreement,
)
from complaints.models import ComplaintAttachment, ComplaintEvent
from planning.models import FinancialSnapshot, Goal, Proposal, ProposalLine, Review
from planning.services import document_download_log, proposal_document_request
from risk.models import RiskAssessment
from tests.clients.factories import OnboardingCaseFactory
from tests.complaints.factories import make_complaint
from tests.factories import UserFactory
from tests.planning.factories import make_ready_proposal

T0 = datetime.datetime(2015, 3, 2, 10, tzinfo=datetime.UTC)
T_END = datetime.datetime(2016, 1, 11, 10, tzinfo=datetime.UTC)
T_NOW = datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC)

IDENTITY = {
    "name": "欧阳明珠",
    "id_number": "110101198003071239",
    "phone": "13912345678",
    "old_phone": "13800001111",
    "email": "ouyang.mingzhu@example.cn",
    "address": "北京市朝阳区建国路88号华贸中心",
    "bank_account_number": "6222020200112233445",
}
PDF = b"%PDF-1.4\n% " + "欧阳明珠 110101198003071239 13912345678".encode() + b"\n%%EOF\n"


def build_rich_client(advisor, compliance) -> Client:
    """A client with one of every kind of record, all of it in 2015, relationship ended 2016."""
    portal = UserFactory(role=Role.CLIENT, email=IDENTITY["email"], full_name=IDENTITY["name"], phone="")
    household = Household.objects.create(name=f"{IDENTITY['name']}家庭")
    client = client_services.client_create(
        actor=advisor,
        advisor=advisor,
        data={
            "name": IDENTITY["name"],
            "email": IDENTITY["email"],
            "phone": IDENTITY["old_phone"],
            "address": IDENTITY["address"],
            "bank_account_number": IDENTITY["bank_account_number"],
            "id_document_type": "prc_id",
            "id_number": IDENTITY["id_number"],
            "monthly_income": Decimal("60000"),
            "monthly_expenses": Decimal("20000"),
            "liquid_reserves": Decimal("500000"),
            "income_stability": "stable",
        },
    )
    client.user, client.household = portal, household
    audited_save(client, actor=advisor, reason="portal login linked")
    client_services.client_update(
        client=client, actor=advisor, data={"phone": IDENTITY["phone"]}, reason="new phone"
    )
    client_services.client_reveal(client=client, actor=compliance, field="phone", reason="inquiry")
    RelatedParty.objects.create(client=client, relationship="spouse", name="欧阳明珠之配偶")
    ServiceAgreement.objects.create(
        client=client,
        scope="全面财富管理",
        fee_structure="fixed",
        starts_on=T0.date(),
        termination_conditions="30天",
    )
    Consent.objects.create(client=client, kind="privacy", channel="paper", given_at=T0, recorded_by=advisor)
    client_services.document_upload(
        client=client,
        actor=advisor,
        upload=SimpleUploadedFile("欧阳明珠身份证.pdf", PDF, content_type="application/pdf"),
        kind="identity",
        title="身份证复印件",
    )
    case = OnboardingCaseFactory(client=client, step="registered")
    OnboardingStepLog.objects.create(case=case, action="register", to_step="registered", actor=advisor, at=T0)
    FinancialSnapshot.objects.create(
        client=client,
        as_of=T0.date(),
        monthly_income=Decimal("60000"),
        monthly_expenses=Decimal("20000"),
        assets_cash=Decimal("500000"),
        assets_bonds=0,
        assets_equities=0,
        assets_real_estate=0,
        assets_alternatives=0,
        liabilities=0,
        notes=f"{IDENTITY['name']}的资产",
    )
    goal = Goal.objects.create(
        client=client,
        kind="retirement",
        name="退休",
        target_amount=Decimal("3000000"),
        target_date=datetime.date(2035, 1, 1),
        current_funding=Decimal("500000"),
    )
    proposal = make_ready_proposal(client=client, advisor=advisor)
    proposal.goals.add(goal)
    # a generated report (rendered by the worker, eager here)
    doc = proposal_document_request(proposal=proposal, kind=next(iter(_kinds())), actor=advisor)
    doc.refresh_from_db()
    assert doc.file and Path(doc.file.path).exists()
    document_download_log(document=doc, actor=advisor)
    Review.objects.create(
        client=client,
        proposal=proposal,
        sequence=1,
        level="C3",
        due_date=T0.date(),
        completed_at=T0,
        completed_by=advisor,
        outcome="无需调整",
    )
    complaint = make_complaint(client=client, actor=advisor, subject=f"{IDENTITY['name']}投诉费用")
    attachment = ComplaintAttachment(
        complaint=complaint,
        uploaded_by=advisor,
        original_name="欧阳明珠投诉材料.pdf",
        content_type="application/pdf",
        size_bytes=len(PDF),
    )
    attachment.file.save("欧阳明珠投诉材料.pdf", ContentFile(PDF), save=False)
    attachment.save()
    notify(recipients=[advisor], kind="test", subject=f"客户{IDENTITY['name']}需要回访", body="")
    notify(recipients=[portal], kind="test", subject="您的报告已生成", body="")
    RiskWarning.objects.create(
        kind="review_overdue",
        subject_type="planning.review",
        subject_id="1",
        client_id=client.pk,
        advisor=advisor,
        message=f"{IDENTITY['name']}的定期检视已逾期",
        opened_at=T0,
    )
    # the portal login signs in, and someone mistypes its password
    portal.set_password("Portal-pass-2015")
    portal.save(update_fields=["password"])
    browser = HttpClient()
    browser.post("/account/login/", {"username": IDENTITY["email"], "password": "wrong-password"})
    browser.post("/account/login/", {"username": IDENTITY["email"], "password": "Portal-pass-2015"})
    assert AuditEntry.objects.filter(action="login", actor=portal).exists()
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    AccessLog.objects.create(
        username=IDENTITY["email"], ip_address="10.0.0.8", user_agent="x", attempt_time=T0
    )
    AccessFailureLog.objects.create(
        username=IDENTITY["email"], ip_address="10.0.0.8", user_agent="x", attempt_time=T0
    )
    AccessAttempt.objects.create(
        username=IDENTITY["email"],
        ip_address="10.0.0.8",
        user_agent="x",
        attempt_time=T0,
        failures_since_start=1,
    )
    # everything is completed in 2015 …
    for p in Proposal.objects.filter(client=client):
        p.status, p.closed_at = "closed", T0
        audited_save(p, actor=advisor, reason="closed")
    complaint.state, complaint.closed_at = "closed", T0
    audited_save(complaint, actor=advisor, reason="closed")
    return client


def _kinds():
    from planning.services import DOCUMENT_KINDS

    return DOCUMENT_KINDS


def _dump() -> str:
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    out = subprocess.run(
        [
            "/usr/bin/pg_dump",
            "--data-only",
            "-h",
            db.get("HOST") or "127.0.0.1",
            "-p",
            str(db.get("PORT") or 5432),
            "-U",
            db.get("USER") or "postgres",
            db["NAME"],
        ],
        capture_output=True,
        env=env,
        check=True,
    )
    return out.stdout.decode("utf-8", "replace")


def _media_bytes() -> list[tuple[Path, bytes]]:
    root = Path(settings.MEDIA_ROOT)
    return [(p, p.read_bytes()) for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_richest_client_file_is_disposed_of_without_a_trace(
    retention_rules, advisor, compliance_officer, administrator, django_capture_on_commit_callbacks
):
    # given: a client with every kind of record, relationship ended in January 2016
    with time_machine.travel(T0, tick=False):
        client = build_rich_client(advisor, compliance_officer)
    with time_machine.travel(T_END, tick=False):
        client_services.client_end_relationship(client=client, actor=advisor, reason="客户要求终止")
    files_before = [p for p, _ in _media_bytes()]
    assert any(IDENTITY["name"].encode() in b for _, b in _media_bytes())
    before = _dump()
    assert IDENTITY["name"] in before and IDENTITY["email"] in before

    # when: ten years later the file is proposed, and a second person approves it
    with time_machine.travel(T_NOW, tick=False):
        batches = disposal_propose(actor=compliance_officer)
        batch = DisposalBatch.objects.get(
            items__record_type="clients.client", items__record_id=str(client.pk)
        )
        assert batch in batches
        with django_capture_on_commit_callbacks(execute=True):
            disposal_approve(batch=batch, actor=administrator, note="到期销毁")

    # then: every item is processed and the client item says the whole file went
    batch.refresh_from_db()
    assert batch.status == DisposalStatus.APPROVED
    item = DisposalItem.objects.get(batch=batch, record_type="clients.client")
    assert item.state == ItemState.DISPOSED and item.method == "client file", item.note
    assert not DisposalItem.objects.filter(batch=batch, state=ItemState.PROPOSED).exists()
    assert batch.certificate_id and ArchivedDocument.objects.filter(pk=batch.certificate_id).exists()
    assert len(batch.manifest_hash) == 64 and len(item.content_hash) == 64

    # nothing attached is left, except the anonymised complaint
    for model in (RelatedParty, ServiceAgreement, Consent, ClientDocument, FinancialSnapshot, Goal, Review):
        assert not model.objects.filter(client_id=client.pk).exists(), model
    assert not Proposal.objects.filter(client_id=client.pk).exists()
    assert not ProposalLine.objects.filter(proposal__client_id=client.pk).exists()
    assert not RiskAssessment.objects.filter(client_id=client.pk).exists()
    assert not Notification.objects.filter(subject__contains=IDENTITY["name"]).exists()
    assert not RiskWarning.objects.filter(client_id=client.pk).exists()
    shell = Client.objects.get(pk=client.pk)
    assert shell.phone is None and shell.id_number is None and shell.user_id is None
    assert all(h.phone is None and h.id_number is None for h in Client.history.filter(id=client.pk))
    assert not ComplaintEvent.objects.filter(complaint__client_id=client.pk).exclude(body="").exists()
    portal = User.objects.get(pk=User.history.filter(history_type="+").order_by("history_id").last().id)
    assert not portal.is_active and portal.last_login is None and not portal.has_usable_password()

    # no trace in the database …
    dump = _dump()
    keys = ("name", "id_number", "phone", "old_phone", "email", "address", "bank_account_number")
    leaks = [line[:300] for line in dump.splitlines() if any(IDENTITY[k] in line for k in keys)]
    assert leaks == []
    assert IDENTITY["email"].split("@")[0] not in dump
    # (encrypted columns are unreadable in a dump anyway: check them decrypted, row and history)
    values = {
        getattr(c, f)
        for c in [*Client.objects.all(), *Client.history.all()]
        for f in ("phone", "id_number", "address", "bank_account_number")
    }
    assert not values & {
        IDENTITY[k] for k in ("phone", "old_phone", "id_number", "address", "bank_account_number")
    }
    # … nor in the media folder: the client's files are gone through the storage API
    after = _media_bytes()
    for _path, content in after:
        for key in ("name", "id_number", "phone", "email"):
            assert IDENTITY[key].encode() not in content
    assert not [p for p in files_before if p.exists() and "destruction" not in p.name]

    # the tombstone and the certificate remain, the trail verifies and records the redaction
    assert DisposalItem.objects.filter(record_type="clients.client", record_id=str(client.pk)).exists()
    assert AuditEntry.objects.filter(client_id=client.pk, redacted=True).exists()
    result = audit_verify()
    assert result.intact, result


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_disposal_killed_half_way_finishes_on_retry_without_double_work(
    retention_rules, advisor, compliance_officer, administrator, monkeypatch
):
    # given: three ended client files, past retention, approved
    with time_machine.travel(T0, tick=False):
        clients = [
            client_services.client_create(
                actor=advisor, advisor=advisor, data={"name": f"客户{n}", "phone": f"1390000000{n}"}
            )
            for n in range(3)
        ]
        for c in clients:
            FinancialSnapshot.objects.create(
                client=c,
                as_of=T0.date(),
                monthly_income=1,
                monthly_expenses=1,
                assets_cash=1,
                assets_bonds=0,
                assets_equities=0,
                assets_real_estate=0,
                assets_alternatives=0,
                liabilities=0,
            )
    with time_machine.travel(T_END, tick=False):
        for c in clients:
            client_services.client_end_relationship(client=c, actor=advisor, reason="ended")
    from audit import disposal as disposal_module
    from audit import tasks

    real = disposal_module.dispose_record
    calls: list[str] = []
    crashed: list[bool] = []

    def crashing(reg, obj, **kw):
        calls.append(f"{reg.label}:{obj.pk}")
        if reg.label == "clients.client" and obj.pk == clients[1].pk and not crashed:
            crashed.append(True)
            raise SystemExit("worker killed")  # not an error the loop handles: the worker dies
        return real(reg, obj, **kw)

    monkeypatch.setattr(disposal_module, "dispose_record", crashing)
    monkeypatch.setattr(tasks.disposal_execute_task, "delay", lambda batch_id: None)  # no worker yet
    with time_machine.travel(T_NOW, tick=False):
        batch = disposal_propose(actor=compliance_officer)[0]
        disposal_approve(batch=batch, actor=administrator)
        # when: the worker dies while disposing of the second client file
        with pytest.raises(SystemExit):
            disposal_execute(batch_id=batch.pk)
        # then: the first file is done, the second is untouched (its transaction rolled back)
        batch.refresh_from_db()
        assert batch.status == DisposalStatus.DISPOSING
        states = {i.record_id: i.state for i in batch.items.filter(record_type="clients.client")}
        assert states[str(clients[0].pk)] == ItemState.DISPOSED
        assert states[str(clients[1].pk)] == ItemState.PROPOSED
        second = Client.objects.get(pk=clients[1].pk)
        assert second.name == "客户1" and second.phone == "13900000001"
        assert FinancialSnapshot.objects.filter(client=second).exists()
        # when: the task is retried
        calls.clear()
        disposal_execute(batch_id=batch.pk)
        disposal_execute(batch_id=batch.pk)  # and once more: nothing left to do
    # then: everything is disposed, each record exactly once, and the batch is closed
    batch.refresh_from_db()
    assert batch.status == DisposalStatus.APPROVED and batch.certificate_id
    assert not batch.items.filter(state=ItemState.PROPOSED).exists()
    assert f"clients.client:{clients[0].pk}" not in calls  # no double work
    assert calls.count(f"clients.client:{clients[1].pk}") == 1
    assert all(Client.objects.get(pk=c.pk).phone is None for c in clients)
    assert audit_verify().intact
