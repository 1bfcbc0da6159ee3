"""Legal holds and approved disposal with tombstones and a destruction certificate (SPEC §5)."""

import datetime

import pytest

from advisory.errors import DomainError, NotAllowed
from advisory.models import ArchivedDocument
from audit import registry
from audit.models import (
    AuditEntry,
    AuditExport,
    DisposalBatch,
    DisposalItem,
    DisposalStatus,
    HoldScope,
    ItemState,
    LegalHold,
)
from audit.services import (
    audit_verify,
    disposal_approve,
    disposal_propose,
    disposal_reject,
    hold_place,
    hold_release,
)
from audit.tasks import disposal_proposal_task

from .factories import AuditExportFactory

pytestmark = pytest.mark.django_db

OLD = datetime.datetime(2015, 5, 1, 9, tzinfo=datetime.UTC)


@pytest.fixture
def old_exports(compliance_officer):
    return [
        AuditExportFactory(completed_at=OLD, client_id=1, requested_by=compliance_officer),
        AuditExportFactory(completed_at=OLD, client_id=2, requested_by=compliance_officer),
    ]


def test_proposal_takes_records_past_retention_only_and_is_idempotent(old_exports):
    # given
    young = AuditExportFactory()
    not_started = AuditExportFactory(completed_at=None)
    # when
    first = disposal_proposal_task()
    second = disposal_proposal_task()
    # then
    assert first == 2 and second == 0
    batch = DisposalBatch.objects.get()
    assert batch.status == DisposalStatus.PENDING and batch.proposed_by is None
    ids = set(batch.items.values_list("record_id", flat=True))
    assert ids == {str(e.pk) for e in old_exports}
    assert str(young.pk) not in ids and str(not_started.pk) not in ids
    item = batch.items.first()
    assert item.rule.record_type == "service_record"
    assert item.retained_until == datetime.date(2018, 5, 1)


def test_nothing_is_disposed_without_approval(old_exports):
    disposal_propose()
    assert AuditExport.objects.filter(pk__in=[e.pk for e in old_exports]).count() == 2


def test_held_records_are_not_proposed(old_exports, compliance_officer):
    hold_place(actor=compliance_officer, scope=HoldScope.CLIENT, client_id=1, reason="Inquiry")
    hold_place(
        actor=compliance_officer,
        scope=HoldScope.RECORDS,
        record_type="audit.auditexport",
        record_ids=[str(old_exports[1].pk)],
        reason="Subpoena",
    )
    assert disposal_propose() == []


def test_hold_placed_after_proposal_blocks_disposal(
    old_exports, compliance_officer, administrator, django_capture_on_commit_callbacks
):
    # given
    batch = disposal_propose()[0]
    hold_place(actor=compliance_officer, scope=HoldScope.CLIENT, client_id=1, reason="Late inquiry")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        disposal_approve(batch=batch, actor=administrator)
    # then
    held = DisposalItem.objects.get(record_id=str(old_exports[0].pk))
    assert held.state == ItemState.SKIPPED
    # the note is stored as a text code and read in each reader's language
    from advisory.texts import render_reason

    assert render_reason(held.note, "en") == "On legal hold: Late inquiry"
    assert render_reason(held.note, "zh-hans") == "法律保全中：Late inquiry"
    assert AuditExport.objects.get(pk=old_exports[0].pk).filters != {}


def test_approval_purges_personal_data_and_leaves_tombstone_and_certificate(
    old_exports, compliance_officer, administrator, django_capture_on_commit_callbacks
):
    # given
    batch = disposal_propose()[0]
    target = old_exports[0]
    assert AuditEntry.objects.filter(record_type="audit.auditexport", record_id=str(target.pk)).exists()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        disposal_approve(batch=batch, actor=compliance_officer, note="Reviewed")
    # then: personal data blanked in the record, its history and the trail
    target.refresh_from_db()
    assert target.filters == {}
    assert all(h.filters == {} for h in target.history.all())
    entries = AuditEntry.objects.filter(record_type="audit.auditexport", record_id=str(target.pk))
    assert all(e.redacted and e.changes == {} for e in entries.exclude(action="redaction"))
    assert "Example" not in str(list(entries.values_list("changes", flat=True)))
    # tombstone
    item = DisposalItem.objects.get(record_id=str(target.pk))
    assert item.state == ItemState.DISPOSED and item.method == "anonymised"
    assert len(item.content_hash) == 64
    # certificate archived (rendered eagerly in tests) with its hash
    batch.refresh_from_db()
    assert batch.status == DisposalStatus.APPROVED and batch.reviewed_by == compliance_officer
    assert len(batch.manifest_hash) == 64
    doc = ArchivedDocument.objects.get(pk=batch.certificate_id)
    assert doc.kind == "audit.destruction_certificate"
    # the chain still verifies after redaction
    assert audit_verify().intact


def test_certificate_pdf_lists_records_and_rule(
    old_exports, compliance_officer, django_capture_on_commit_callbacks
):
    from pypdf import PdfReader

    from advisory.documents import document_render

    batch = disposal_propose()[0]
    with django_capture_on_commit_callbacks(execute=True):
        disposal_approve(batch=batch, actor=compliance_officer)
    batch.refresh_from_db()
    doc = batch.certificate
    document_render(document_id=doc.pk)
    doc.refresh_from_db()
    assert doc.status == "ready" and len(doc.sha256) == 64
    text = "".join(p.extract_text() for p in PdfReader(doc.file.path).pages)
    flat = text.replace("\n", "")
    assert "audit.auditexport" not in flat  # the record by its kind and number, not its code
    kind = str(AuditExport._meta.verbose_name).capitalize()
    assert kind.replace(" ", "") in "".join(text.split())
    assert "Service" in text and "record" in text


def test_default_disposal_deletes_the_record_and_its_history(
    old_exports, compliance_officer, django_capture_on_commit_callbacks
):
    # given: a registration without personal_fields → delete after retention
    previous = registry.lookup("audit.auditexport")
    registry.register(
        AuditExport, client_field="client_id", retention="service_record", retention_trigger="completed_at"
    )
    try:
        batch = disposal_propose()[0]
        with django_capture_on_commit_callbacks(execute=True):
            disposal_approve(batch=batch, actor=compliance_officer)
    finally:
        registry.register(
            AuditExport,
            client_field=previous.client_field,
            retention=previous.retention,
            retention_trigger=previous.retention_trigger,
            personal_fields=previous.personal_fields,
        )
    assert not AuditExport.objects.filter(pk__in=[e.pk for e in old_exports]).exists()
    assert not AuditExport.history.filter(id=old_exports[0].pk).exists()
    assert set(DisposalItem.objects.values_list("method", flat=True)) == {"deleted"}
    assert audit_verify().intact


def test_four_eyes_proposer_cannot_review(old_exports, compliance_officer):
    batch = disposal_propose(actor=compliance_officer)[0]
    with pytest.raises(NotAllowed):
        disposal_approve(batch=batch, actor=compliance_officer)
    with pytest.raises(NotAllowed):
        disposal_reject(batch=batch, actor=compliance_officer, note="no")


def test_only_compliance_or_admin_may_review(old_exports, supervisor, advisor):
    batch = disposal_propose()[0]
    for user in (supervisor, advisor):
        with pytest.raises(NotAllowed):
            disposal_approve(batch=batch, actor=user)
    assert DisposalBatch.objects.get(pk=batch.pk).status == DisposalStatus.PENDING


def test_reject_releases_records_which_may_be_proposed_again(old_exports, compliance_officer):
    batch = disposal_propose()[0]
    with pytest.raises(DomainError):
        disposal_reject(batch=batch, actor=compliance_officer, note="")
    disposal_reject(batch=batch, actor=compliance_officer, note="Still needed for an audit")
    assert set(batch.items.values_list("state", flat=True)) == {ItemState.RELEASED}
    assert AuditExport.objects.filter(pk=old_exports[0].pk).exists()
    assert len(disposal_propose()) == 1


def test_approved_batch_cannot_be_approved_twice(old_exports, compliance_officer, administrator):
    from advisory.errors import Conflict

    batch = disposal_propose()[0]
    disposal_approve(batch=batch, actor=compliance_officer)
    with pytest.raises(Conflict):
        disposal_approve(batch=batch, actor=administrator)


def test_hold_release_is_recorded(compliance_officer):
    hold = hold_place(actor=compliance_officer, scope=HoldScope.CLIENT, client_id=5, reason="Inquiry")
    hold_release(hold=hold, actor=compliance_officer, reason="Inquiry closed")
    hold = LegalHold.objects.get(pk=hold.pk)
    assert hold.released_by == compliance_officer and hold.release_reason == "Inquiry closed"
    entries = AuditEntry.objects.filter(record_type="audit.legalhold", record_id=str(hold.pk), action="hold")
    assert entries.count() == 2
    assert entries.filter(reason="Inquiry closed").exists()


def test_hold_needs_a_reason_and_a_target(compliance_officer, advisor):
    with pytest.raises(DomainError):
        hold_place(actor=compliance_officer, scope=HoldScope.CLIENT, client_id=5, reason=" ")
    with pytest.raises(DomainError):
        hold_place(
            actor=compliance_officer,
            scope=HoldScope.RECORDS,
            record_type="nope.nope",
            record_ids=["1"],
            reason="x",
        )
    with pytest.raises(NotAllowed):
        hold_place(actor=advisor, scope=HoldScope.CLIENT, client_id=5, reason="x")


def test_batch_screen_shows_progress_while_the_worker_disposes(
    old_exports, compliance_officer, administrator, web_as, monkeypatch
):
    from django.urls import reverse

    from audit import tasks
    from audit.services import disposal_execute

    # given: an approved batch the worker has not picked up yet
    monkeypatch.setattr(tasks.disposal_execute_task, "delay", lambda batch_id: None)
    batch = disposal_propose()[0]
    disposal_approve(batch=batch, actor=administrator, note="ok")
    http = web_as(compliance_officer)
    # when / then: the page polls its progress bar
    page = http.get(reverse("audit:batch_detail", args=[batch.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in page and "0 of 2 records processed" in page
    # when: the worker has done one record, then the rest
    disposal_execute(batch_id=batch.pk, limit=1)
    part = http.get(reverse("audit:batch_progress", args=[batch.pk])).content.decode()
    assert "1 of 2 records processed" in part and "every 2s" in part
    disposal_execute(batch_id=batch.pk)
    part = http.get(reverse("audit:batch_progress", args=[batch.pk])).content.decode()
    # then: done, polling stops, the batch is closed with its certificate
    assert "2 of 2 records processed (2 disposed, 0 skipped)" in part and "every 2s" not in part
    batch.refresh_from_db()
    assert batch.status == DisposalStatus.APPROVED and batch.certificate_id


def test_batch_progress_is_for_compliance_only(old_exports, advisor, web_as):
    from django.urls import reverse

    batch = disposal_propose()[0]
    assert web_as(advisor).get(reverse("audit:batch_progress", args=[batch.pk])).status_code == 403


def test_why_a_record_was_skipped_is_written_in_the_certificates_language(
    old_exports, administrator, monkeypatch, django_capture_on_commit_callbacks
):
    from django.utils import translation
    from django.utils.translation import gettext

    from advisory.errors import Conflict
    from audit import retention

    # given a record the worker may not dispose of (a refusal worded in the active language)
    def refuse(item, actor, reason):
        raise Conflict(gettext("You are not allowed to do this."))

    monkeypatch.setattr(retention, "_dispose_one", refuse)
    batch = disposal_propose()[0]
    # when the approver chose Traditional Chinese for the certificate and the worker runs in English
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        disposal_approve(batch=batch, actor=administrator, language="zh-hant")
    # then the batch page and the certificate read why, in that language
    with translation.override("zh-hant"):
        expected = gettext("You are not allowed to do this.")
    notes = set(DisposalItem.objects.filter(batch=batch).values_list("note", flat=True))
    assert notes == {expected} and expected != "You are not allowed to do this."
