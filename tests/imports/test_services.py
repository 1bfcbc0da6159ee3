"""Imports from the legacy system (issue 19): dry run, every error kind in words, confirm with
history + audit + SHA-256, CSV and .xlsx, the same file twice, who may and who may not."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from advisory.errors import Conflict, DomainError, NotAllowed
from audit.models import AuditEntry
from clients.identity import identity_hash
from clients.models import Client, RelatedParty
from imports import services
from imports.errors import describe
from imports.models import ImportBatch, ImportState
from risk.models import Product, ProductRatingAssessment
from tests.clients.factories import ClientFactory
from tests.imports.helpers import bad_check_digit, client_row, prc_id, to_csv, to_xlsx
from tests.planning.test_holdings_screens import plan  # noqa: F401  (an accepted plan)

pytestmark = pytest.mark.django_db


def _business_entries() -> int:
    return AuditEntry.objects.exclude(record_type="imports.importbatch").count()


def _upload(actor, rows, *, kind="clients", fmt="csv", name=None):
    data = to_csv(rows) if fmt == "csv" else to_xlsx(rows)
    return services.batch_upload(actor=actor, kind=kind, name=name or f"legacy.{fmt}", data=data)


def _confirm_and_run(batch, actor, django_capture_on_commit_callbacks, **kw):
    with django_capture_on_commit_callbacks(execute=True):
        services.batch_confirm(batch=batch, actor=actor, **kw)
    batch.refresh_from_db()
    return batch


def _messages(batch) -> list[str]:
    return [describe(e) for r in batch.row_errors for e in r["errors"]]


# -- dry run ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_dry_run_checks_every_row_and_writes_nothing(compliance_officer, advisor, fmt):
    # given
    rows = [client_row(i, advisor.email) for i in range(1, 6)]
    clients_before, entries_before = Client.objects.count(), _business_entries()
    # when
    batch = _upload(compliance_officer, rows, fmt=fmt)
    # then
    assert batch.state == ImportState.PREVIEWED
    assert batch.row_count == 5 and batch.error_row_count == 0 and not batch.has_errors
    assert batch.file_format == fmt
    assert Client.objects.count() == clients_before
    assert _business_entries() == entries_before  # only the batch's own trail entries


def test_sha256_is_of_the_uploaded_bytes(compliance_officer, advisor):
    data = to_csv([client_row(1, advisor.email)])
    batch = services.batch_upload(actor=compliance_officer, kind="clients", name="a.csv", data=data)
    assert batch.sha256 == hashlib.sha256(data).hexdigest()


def test_each_error_kind_is_put_into_words(compliance_officer, advisor):
    # given: a client already on file with the identity number of row 4
    existing = ClientFactory(
        advisor=advisor,
        id_document_type="prc_id",
        id_number=prc_id(40),
        id_number_hash=identity_hash("prc_id", prc_id(40)),
    )
    rows = [
        client_row(1, advisor.email, id_number=bad_check_digit(prc_id(1))),  # line 2: check digit
        client_row(2, advisor.email),  # line 3
        client_row(3, advisor.email, id_number=prc_id(2)),  # line 4: same ID as line 3
        client_row(40, advisor.email),  # line 5: already on file
        client_row(5, "nobody@example.test"),  # line 6: unknown advisor
        client_row(6, advisor.email, relationship_started_on="31/02/2020"),  # line 7: bad date
        client_row(7, advisor.email, monthly_income="lots"),  # line 8: bad amount
        client_row(8, advisor.email, name=""),  # line 9: missing required
    ]
    # when
    batch = _upload(compliance_officer, rows)
    # then
    by_line = {r["line"]: [describe(e) for e in r["errors"]] for r in batch.row_errors}
    assert batch.error_row_count == 7 and 3 not in by_line
    assert "check digit" in by_line[2][0] and "PRC resident identity card" in by_line[2][0]
    assert "already on row 3" in by_line[4][0]
    assert existing.file_number in by_line[5][0]
    assert "no active advisor" in by_line[6][0]
    assert "is not a date" in by_line[7][0]
    assert "not an amount" in by_line[8][0]
    assert by_line[9] == ["name: a value is required."]
    # the identity number is never stored in clear in the errors
    assert bad_check_digit(prc_id(1)) not in str(batch.row_errors)


def test_errors_are_shown_in_the_readers_language(compliance_officer, advisor):
    from django.utils import translation

    batch = _upload(compliance_officer, [client_row(1, advisor.email, name="")])
    with translation.override("zh-hans"):
        text = describe(batch.row_errors[0]["errors"][0])
    assert text.startswith("name") and text != "name: a value is required."


def test_missing_columns_are_a_file_error(compliance_officer, advisor):
    batch = services.batch_upload(
        actor=compliance_officer, kind="clients", name="x.csv", data=b"name,phone\nA,1\n"
    )
    assert batch.has_errors and batch.row_count == 0
    assert "advisor_email" in describe(batch.file_errors[0])


def test_unreadable_xlsx_is_a_file_error(compliance_officer):
    batch = services.batch_upload(actor=compliance_officer, kind="clients", name="x.xlsx", data=b"not a zip")
    assert "could not be read" in describe(batch.file_errors[0])


def test_gb18030_csv_from_a_legacy_system_is_read(compliance_officer, advisor):
    data = to_csv([client_row(1, advisor.email)]).decode().encode("gb18030")
    batch = services.batch_upload(actor=compliance_officer, kind="clients", name="old.csv", data=data)
    assert batch.error_row_count == 0 and batch.row_count == 1


# -- confirm ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_confirm_writes_clients_with_history_audit_and_sha256(
    compliance_officer, advisor, django_capture_on_commit_callbacks, fmt
):
    # given
    rows = [client_row(i, advisor.email) for i in range(1, 6)]
    batch = _upload(compliance_officer, rows, fmt=fmt)
    # when
    batch = _confirm_and_run(batch, compliance_officer, django_capture_on_commit_callbacks)
    # then
    assert batch.state == ImportState.COMPLETED and batch.rows_done == 5
    assert batch.result["created"] == {"clients.client": 5}
    clients = list(Client.objects.order_by("file_number"))
    assert len(clients) == 5 and all(c.advisor_id == advisor.pk and c.status == "prospect" for c in clients)
    first = Client.objects.get(id_number_hash=identity_hash("prc_id", prc_id(1)))
    assert first.id_number == prc_id(1) and first.email == "c1@example.test" and first.email_hash
    assert first.wealth_tier == "middle"  # classified like the service does
    with connection.cursor() as cur:  # stored encrypted
        cur.execute("SELECT email, id_number FROM clients_client WHERE id = %s", [first.pk])
        raw_email, raw_id = cur.fetchone()
    assert "example.test" not in raw_email and prc_id(1) not in raw_id
    assert first.history.count() == 1
    assert first.history.first().history_user_id == compliance_officer.pk
    entries = AuditEntry.objects.filter(record_type="clients.client", record_id=str(first.pk))
    assert entries.count() == 1 and entries.get().history_id is not None
    assert entries.get().changes["id_number"] == [None, "[encrypted]"]
    summary = AuditEntry.objects.get(
        record_type="imports.importbatch",
        record_id=str(batch.pk),
        action="create",
        reason__startswith='{"code":"audit.legacy_import_completed"',
    )
    assert summary.actor_id == compliance_officer.pk
    assert summary.changes["sha256"] == batch.sha256 and summary.changes["rows"] == 5
    assert summary.changes["kind"] == "clients"


def test_a_batch_is_found_by_its_sha256(compliance_officer, advisor):
    from imports.selectors import batch_list

    batch = _upload(compliance_officer, [client_row(1, advisor.email)])
    _upload(compliance_officer, [client_row(2, advisor.email)])
    assert list(batch_list(user=compliance_officer, search=batch.sha256)) == [batch]
    assert list(batch_list(user=compliance_officer, search=batch.sha256[:10])) == [batch]


def test_confirm_is_refused_while_rows_have_errors(compliance_officer, advisor):
    batch = _upload(compliance_officer, [client_row(1, advisor.email, name="")])
    with pytest.raises(DomainError, match="row"):
        services.batch_confirm(batch=batch, actor=compliance_officer)
    assert ImportBatch.objects.get(pk=batch.pk).state == ImportState.PREVIEWED


def test_confirming_twice_imports_once(compliance_officer, advisor, django_capture_on_commit_callbacks):
    batch = _upload(compliance_officer, [client_row(i, advisor.email) for i in range(1, 4)])
    _confirm_and_run(batch, compliance_officer, django_capture_on_commit_callbacks)
    with pytest.raises(Conflict):
        services.batch_confirm(batch=batch, actor=compliance_officer)
    services.batch_run(batch_id=batch.pk)  # a redelivered task changes nothing
    assert Client.objects.count() == 3


def test_rows_changed_since_preview_stop_the_import(
    compliance_officer, advisor, django_capture_on_commit_callbacks
):
    # given: checked, then someone opens a client with the identity number of row 2
    batch = _upload(compliance_officer, [client_row(1, advisor.email), client_row(2, advisor.email)])
    ClientFactory(
        advisor=advisor, id_document_type="prc_id", id_number_hash=identity_hash("prc_id", prc_id(2))
    )
    # when
    batch = _confirm_and_run(batch, compliance_officer, django_capture_on_commit_callbacks)
    # then
    assert batch.state == ImportState.FAILED and batch.failure == "changed_since_preview"
    assert Client.objects.count() == 1  # only the one made above
    assert "already on client file" in _messages(batch)[0]


def test_same_file_again_needs_override_and_reason(
    compliance_officer, advisor, django_capture_on_commit_callbacks
):
    # given: related parties imported once
    owner = ClientFactory(advisor=advisor, file_number="CL-2026-900001")
    rows = [{"client_file_number": owner.file_number, "relationship": "spouse", "name": "李华"}]
    first = _upload(compliance_officer, rows, kind="related_parties")
    _confirm_and_run(first, compliance_officer, django_capture_on_commit_callbacks)
    # when: the same bytes are uploaded again
    again = _upload(compliance_officer, rows, kind="related_parties")
    # then
    assert again.duplicate_of_id == first.pk and again.sha256 == first.sha256
    with pytest.raises(Conflict, match="already imported"):
        services.batch_confirm(batch=again, actor=compliance_officer)
    with pytest.raises(DomainError, match="Say why"):
        services.batch_confirm(batch=again, actor=compliance_officer, override=True)
    again = _confirm_and_run(
        again,
        compliance_officer,
        django_capture_on_commit_callbacks,
        override=True,
        reason="legacy file re-sent after fix",
    )
    assert again.state == ImportState.COMPLETED and again.override_reason
    assert RelatedParty.objects.filter(client=owner).count() == 2


def test_imported_related_parties_of_active_clients_are_screened_against_the_watch_list(
    compliance_officer, advisor, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from clients import screening
    from clients.kyc_models import HitSubject, ScreeningHit

    # given a watch list naming 王大明, an active client and a prospect
    body = "name,aliases,date_of_birth,id_numbers,list_name\n王大明,Wang Daming,,,制裁名单\n"
    staged = screening.watchlist_stage(
        actor=compliance_officer,
        upload=SimpleUploadedFile("list.csv", body.encode(), content_type="text/csv"),
    )
    screening.watchlist_import(actor=compliance_officer, token=staged["token"])
    active = ClientFactory(advisor=advisor, status="active", file_number="CL-2026-900101")
    prospect = ClientFactory(advisor=advisor, status="prospect", file_number="CL-2026-900102")
    ended = ClientFactory(advisor=advisor, status="ended", file_number="CL-2026-900103")
    rows = [
        {"client_file_number": active.file_number, "relationship": "beneficial_owner", "name": "王大明"},
        {"client_file_number": prospect.file_number, "relationship": "spouse", "name": "王大明"},
        {"client_file_number": ended.file_number, "relationship": "spouse", "name": "王大明"},
    ]
    # when the related parties are imported (the screening task runs after the import's commit)
    batch = _confirm_and_run(
        _upload(compliance_officer, rows, kind="related_parties"),
        compliance_officer,
        django_capture_on_commit_callbacks,
    )
    # then the active client's beneficial owner is a hit, the prospect waits for its onboarding,
    # the ended relationship is neither screened nor counted as waiting
    assert batch.state == ImportState.COMPLETED
    hit = ScreeningHit.objects.get()
    assert (hit.client_id, hit.subject_kind, hit.subject_name) == (
        active.pk,
        HitSubject.BENEFICIAL_OWNER,
        "王大明",
    )
    screened = batch.result["screening"]
    assert (screened["clients"], screened["prospects_later"], screened["new_hits"]) == (1, 1, 1)
    trail = AuditEntry.objects.filter(record_type="imports.importbatch", record_id=str(batch.pk)).order_by(
        "id"
    )
    assert json.loads(trail.last().reason)["code"] == "audit.import_screened"
    # and running it again changes nothing
    again = services.batch_screen(batch_id=batch.pk)
    assert again.result["screening"] == screened and ScreeningHit.objects.count() == 1


def test_the_batch_page_shows_the_screening_result(
    web_as, compliance_officer, advisor, django_capture_on_commit_callbacks
):
    owner = ClientFactory(advisor=advisor, status="active", file_number="CL-2026-900103")
    rows = [{"client_file_number": owner.file_number, "relationship": "spouse", "name": "李华"}]
    batch = _confirm_and_run(
        _upload(compliance_officer, rows, kind="related_parties"),
        compliance_officer,
        django_capture_on_commit_callbacks,
    )
    page = web_as(compliance_officer).get(f"/app/imports/{batch.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert "监控名单筛查：已筛查 1 名客户及其全部关联方；新增命中：0 条。" in page.content.decode()


def test_cancel_writes_nothing(compliance_officer, advisor):
    batch = _upload(compliance_officer, [client_row(1, advisor.email)])
    services.batch_cancel(batch=batch, actor=compliance_officer)
    assert ImportBatch.objects.get(pk=batch.pk).state == ImportState.CANCELLED
    with pytest.raises(Conflict):
        services.batch_confirm(batch=batch, actor=compliance_officer)


# -- other kinds -------------------------------------------------------------------------------------------
def test_related_parties_by_identity_number_and_unknown_client(compliance_officer, advisor):
    owner = ClientFactory(
        advisor=advisor, id_document_type="prc_id", id_number_hash=identity_hash("prc_id", prc_id(7))
    )
    rows = [
        {
            "client_id_type": "prc_id",
            "client_id_number": prc_id(7),
            "relationship": "child",
            "name": "小明",
            "client_file_number": "",
        },
        {
            "client_id_type": "",
            "client_id_number": "",
            "relationship": "child",
            "name": "小红",
            "client_file_number": "CL-1999-000001",
        },
        {
            "client_id_type": "",
            "client_id_number": "",
            "relationship": "cousin",
            "name": "小刚",
            "client_file_number": "",
        },
    ]
    batch = _upload(compliance_officer, rows, kind="related_parties")
    by_line = {r["line"]: [describe(e) for e in r["errors"]] for r in batch.row_errors}
    assert 2 not in by_line
    assert "no client file matches CL-1999-000001" in by_line[3][0]
    assert any("Name the client" in m for m in by_line[4]) and any("cousin" in m for m in by_line[4])
    assert owner.pk


def test_products_keep_the_legacy_rating_pending_a_second_person(
    compliance_officer, risk_reviewer, advisor, django_capture_on_commit_callbacks
):
    # given
    rows = [
        {
            "code": "LEG-1",
            "name": "Legacy Bond",
            "kind": "bond fund",
            "asset_class": "bonds",
            "risk_rating": "R2",
            "rating_rationale": "Investment grade",
            "rating_factors": "credit; liquidity",
        },
        {
            "code": "LEG-2",
            "name": "Legacy Equity",
            "kind": "equity fund",
            "asset_class": "equities",
            "risk_rating": "R4",
            "rating_rationale": "Equity market risk",
            "rating_factors": "volatility",
        },
    ]
    batch = _upload(compliance_officer, rows, kind="products")
    # when
    batch = _confirm_and_run(batch, compliance_officer, django_capture_on_commit_callbacks)
    # then
    product = Product.objects.get(code="LEG-1")
    assert (
        product.risk_rating == "R2" and product.rating_approved_at is None and not product.is_offerable(None)
    )
    assessment = ProductRatingAssessment.objects.get(product=product)
    assert assessment.status == "pending" and assessment.assessor_id == compliance_officer.pk
    assert assessment.factor_list == ["credit", "liquidity"]
    assert batch.result["created"] == {"risk.product": 2, "risk.productratingassessment": 2}
    # the approvers are told, in their own language (the notification keeps codes, not sentences)
    from advisory.models import Notification

    note = Notification.objects.get(recipient=risk_reviewer, kind="imports.ratings_pending")
    assert note.subject_code == "notify.imports_ratings_pending" and note.subject_params == {"n": 2}
    assert note.body_params == {"number": batch.number}
    assert note.subject_text == "2 imported product ratings await approval"
    with translation.override("zh-hant"):
        assert "2" in note.subject_text and not re.search(r"[A-Za-z]{2,}", note.subject_text)
    assert not Notification.objects.filter(
        recipient=compliance_officer, kind="imports.ratings_pending"
    ).exists()
    # the importer cannot approve their own imported rating; a second person can
    from risk.services import product_rating_approve

    with pytest.raises(NotAllowed):
        product_rating_approve(assessment=assessment, actor=compliance_officer)
    product_rating_approve(assessment=assessment, actor=risk_reviewer)
    product.refresh_from_db()
    assert product.rating_approved_at is not None


def test_products_duplicate_codes(compliance_officer):
    Product.objects.create(code="OLD-1", name="Old", kind="fund", risk_rating="R1", asset_class="cash")
    base = {
        "name": "X",
        "kind": "fund",
        "asset_class": "cash",
        "risk_rating": "R1",
        "rating_rationale": "r",
        "rating_factors": "f",
    }
    rows = [{"code": "OLD-1", **base}, {"code": "NEW-1", **base}, {"code": "new-1", **base}]
    batch = _upload(compliance_officer, rows, kind="products")
    msgs = _messages(batch)
    assert any("OLD-1 is already on file" in m for m in msgs)
    assert any("NEW-1 is already on row 3" in m for m in msgs)


def test_holdings_unknown_product_and_no_plan(compliance_officer, advisor):
    client = ClientFactory(advisor=advisor, file_number="CL-2026-900002")
    rows = [
        {
            "client_file_number": client.file_number,
            "as_of": "2026-01-31",
            "product_code": "NOPE",
            "asset_class": "",
            "market_value": "100",
            "currency": "",
        },
        {
            "client_file_number": client.file_number,
            "as_of": "2026-01-31",
            "product_code": "",
            "asset_class": "cash",
            "market_value": "-5",
            "currency": "",
        },
    ]
    batch = _upload(compliance_officer, rows, kind="holdings")
    by_line = {r["line"]: [describe(e) for e in r["errors"]] for r in batch.row_errors}
    assert any("no product has the code NOPE" in m for m in by_line[2])
    assert any("no accepted plan" in m for m in by_line[2])
    assert any("not an amount" in m for m in by_line[3])


# -- who may --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["advisor", "risk_reviewer", "supervisor", "client_user"])
def test_only_compliance_and_administrators_import(request, role, advisor):
    actor = request.getfixturevalue(role)
    with pytest.raises(NotAllowed):
        services.batch_upload(
            actor=actor, kind="clients", name="a.csv", data=to_csv([client_row(1, advisor.email)])
        )


def test_administrator_may_import(administrator, advisor):
    batch = _upload(administrator, [client_row(1, advisor.email)])
    assert batch.state == ImportState.PREVIEWED


@pytest.mark.parametrize("role", ["advisor", "risk_reviewer", "supervisor", "client_user"])
def test_others_cannot_confirm(request, role, compliance_officer, advisor):
    batch = _upload(compliance_officer, [client_row(1, advisor.email)])
    with pytest.raises(NotAllowed):
        services.batch_confirm(batch=batch, actor=request.getfixturevalue(role))


# -- Celery, progress ----------------------------------------------------------------------------------------
def test_large_file_checked_and_imported_in_celery_with_progress(
    settings, compliance_officer, advisor, django_capture_on_commit_callbacks
):
    # given: files above 10 bytes are checked in Celery (eager in tests), via the outbox
    settings.IMPORTS_INLINE_MAX_BYTES = 10
    rows = [client_row(i, advisor.email) for i in range(1, 8)]
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.batch_upload(
            actor=compliance_officer, kind="clients", name="big.csv", data=to_csv(rows)
        )
    batch.refresh_from_db()
    assert batch.state == ImportState.PREVIEWED and batch.progress == 100 and batch.rows_done == 7
    # when
    batch = _confirm_and_run(batch, compliance_officer, django_capture_on_commit_callbacks)
    # then: four chunks of two, progress at the end
    assert batch.state == ImportState.COMPLETED
    assert batch.rows_done == 7 and batch.phase_total == 7 and batch.progress == 100
    assert Client.objects.count() == 7


def test_a_retried_run_continues_after_the_last_chunk(
    compliance_officer, advisor, django_capture_on_commit_callbacks
):
    # given: a run that committed the first chunk (2 rows) and then died
    from imports.kinds import KINDS, Context

    batch = _upload(compliance_officer, [client_row(i, advisor.email) for i in range(1, 6)])
    with django_capture_on_commit_callbacks(execute=False):
        services.batch_confirm(batch=batch, actor=compliance_officer)
    batch = ImportBatch.objects.get(pk=batch.pk)
    services.batch_transition(
        batch=batch, to=ImportState.IMPORTING, actor=compliance_officer, reason="started"
    )
    _errors, rows = services._parse(batch, services._read(batch))
    KINDS["clients"].validate(
        rows[:2], Context(actor=compliance_officer, today=batch.created_at.date(), batch=batch)
    )
    KINDS["clients"].write(
        rows[:2], Context(actor=compliance_officer, today=batch.created_at.date(), batch=batch)
    )
    services._set_progress(batch.pk, done=2, total=5)
    # when
    batch = services.batch_run(batch_id=batch.pk)
    # then
    assert batch.state == ImportState.COMPLETED and Client.objects.count() == 5


def test_validation_queries_do_not_grow_with_rows(compliance_officer, advisor):
    def count(n: int) -> int:
        data = to_csv([client_row(i, advisor.email) for i in range(1, n + 1)])
        with CaptureQueriesContext(connection) as ctx:
            services.batch_upload(actor=compliance_officer, kind="clients", name=f"{n}.csv", data=data)
        return len(ctx.captured_queries)

    count(1)  # warm up (content types, sequences)
    assert count(5) == count(40)


def test_holdings_attach_to_the_accepted_plan(compliance_officer, plan, django_capture_on_commit_callbacks):  # noqa: F811
    # given: a custodian file naming the client by identity number would need one on file; here by file number
    from planning.models import Holding
    from tests.planning.factories import ProductFactory

    product = ProductFactory(code="HLD-1", asset_class="bonds")
    rows = [
        {
            "client_file_number": plan.client.file_number,
            "as_of": "2026-06-30",
            "product_code": "HLD-1",
            "asset_class": "",
            "market_value": "150,000.50",
            "currency": "",
        },
        {
            "client_file_number": plan.client.file_number,
            "as_of": "2026-06-30",
            "product_code": "",
            "asset_class": "cash",
            "market_value": "20000",
            "currency": plan.currency,
        },
    ]
    batch = _upload(compliance_officer, rows, kind="holdings")
    assert batch.error_row_count == 0, batch.row_errors
    # when
    batch = _confirm_and_run(batch, compliance_officer, django_capture_on_commit_callbacks)
    # then
    holdings = Holding.objects.filter(plan=plan).order_by("asset_class")
    assert [(h.asset_class, str(h.market_value), h.source) for h in holdings] == [
        ("bonds", "150000.50", "import"),
        ("cash", "20000.00", "import"),
    ]
    assert holdings[0].product_id == product.pk and holdings[0].import_reference == batch.number


def test_an_xlsx_that_unpacks_to_gigabytes_is_refused_unread(compliance_officer):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (50 * 1024 * 1024))
    batch = services.batch_upload(
        actor=compliance_officer, kind="clients", name="bomb.xlsx", data=buffer.getvalue()
    )
    assert batch.has_errors and "could not be read" in describe(batch.file_errors[0])


def test_semicolon_csv_with_commas_in_addresses(compliance_officer, advisor):
    row = client_row(1, advisor.email)
    header = [*row, "address"]
    lines = [";".join(header), ";".join([*row.values(), "北京市朝阳区, 建国路1号"])]
    batch = services.batch_upload(
        actor=compliance_officer, kind="clients", name="semi.csv", data="\n".join(lines).encode()
    )
    assert batch.row_count == 1 and batch.error_row_count == 0, batch.row_errors


@pytest.mark.postgres
def test_the_trail_still_verifies_after_an_import(
    compliance_officer, advisor, django_capture_on_commit_callbacks
):
    """Every client's history row is chained to its audit entry; the batch's own history (with its
    progress counters left out) verifies too."""
    from audit.services import audit_verify

    batch = _upload(compliance_officer, [client_row(i, advisor.email) for i in range(1, 6)])
    batch = _confirm_and_run(batch, compliance_officer, django_capture_on_commit_callbacks)
    assert batch.state == ImportState.COMPLETED
    result = audit_verify()
    assert result.intact, result.problem
    assert result.history_checked >= 5
