"""One clock, one format: an instant reads the same on a page, in a PDF, a CSV export, a warning,
a notification, an email and an audit record label — the firm's time zone, `YYYY-MM-DD HH:MM`."""

import csv
import datetime
import io
import subprocess

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import translation

from advisory.models import ArchivedDocument, RiskWarning, WarningKind
from advisory.notifications import notification_emails_send, notify
from advisory.pdf import render_pdf
from advisory.texts import text
from advisory.warnings import WarningSpec, warning_sync
from audit.models import AuditAction
from audit.services import audit_log

INSTANT = datetime.datetime(2026, 11, 30, 3, 52, tzinfo=datetime.UTC)
SHOWN = "2026-11-30 11:52"  # Asia/Shanghai, the firm's default time zone
UTC_READING = "03:52"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_one_instant_reads_the_same_in_every_output(
    language, advisor, compliance_officer, web_as, django_capture_on_commit_callbacks
):
    # given: a notification, a warning and an audit entry, all at the same instant
    with time_machine.travel(INSTANT, tick=False):
        (note,) = notify(
            recipients=[advisor],
            kind="complaint.acknowledged",
            subject=text("notify.complaint_acknowledged", n="CP-2026-0001"),
            body=text(
                "notify.complaint_acknowledged_body", n="CP-2026-0001", received=INSTANT, due=INSTANT.date()
            ),
        )
        warning_sync(
            kind=WarningKind.COMPLAINT_OVERDUE,
            active={
                ("complaints.complaint", "1"): WarningSpec(
                    message=text("warning.complaint_overdue", number="CP-2026-0001", due=INSTANT),
                    advisor=advisor,
                )
            },
        )
        audit_log(actor=compliance_officer, action=AuditAction.REVEAL, record_type="t.t", record_id="1")
    outputs: dict[str, str] = {}
    with translation.override(language):
        # a page
        http = web_as(advisor)
        http.cookies.load({"django_language": language})
        outputs["page"] = http.get(reverse("notifications")).content.decode()
        # a notification and a warning, as read
        outputs["notification"] = note.body_text
        outputs["warning"] = RiskWarning.objects.get().text
        # a PDF's text
        pdf = render_pdf(
            "pdf/base.html",
            {"document": ArchivedDocument(title="T", version=1, created_at=INSTANT, language=language)},
        )
        outputs["pdf"] = subprocess.run(
            ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        # an audit record label (a record whose name carries a time)
        from complaints.models import OutboundEmail

        outputs["record label"] = str(OutboundEmail(kind="reply", sent_at=INSTANT))
    # an email, sent by a worker (no request, no active language)
    assert notification_emails_send(notification_ids=[note.pk]) == 1
    outputs["email"] = mail.outbox[-1].body
    # a CSV export of the audit trail
    response = web_as(compliance_officer).get(reverse("audit:export_csv"))
    content = b"".join(response.streaming_content) if response.streaming else response.content
    header, *rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    # the export (advisory.exports) shows the entry's time on the firm's clock in its "Time" column
    time_column, type_column = header.index("Time"), header.index("Record type")
    outputs["csv"] = next(r for r in rows if r[type_column] == "t.t")[time_column]

    # then: the same reading everywhere, and never the UTC one
    for where, shown in outputs.items():
        assert SHOWN in shown, f"{where}: {shown[:300]}"
    for where in ("notification", "warning", "email", "record label", "csv"):
        assert UTC_READING not in outputs[where], where
