"""One clock: a fixed instant reads the same on a page, in a warning, in a record label and in the
helpers, all in the firm's time zone (Asia/Shanghai, UTC+8)."""

import datetime

import time_machine
from django.template import Context, Template

from advisory.formats import local_date, local_datetime
from clients.models import Consent
from complaints.warnings import active_warnings
from tests.complaints.factories import make_client, make_complaint

INSTANT = datetime.datetime(2026, 11, 30, 3, 52, tzinfo=datetime.UTC)  # 11:52 in Shanghai


def test_helpers_write_the_firms_local_time():
    assert local_datetime(INSTANT) == "2026-11-30 11:52"
    assert local_date(datetime.datetime(2026, 11, 30, 17, 0, tzinfo=datetime.UTC)) == "2026-12-01"
    assert local_datetime(None) == "—"


def test_helper_writes_the_minute_with_seconds_dropped_and_naive_times_as_given():
    assert (
        local_datetime(datetime.datetime(2026, 1, 2, 16, 5, 59, 999999, tzinfo=datetime.UTC))
        == "2026-01-03 00:05"
    )
    assert local_datetime(datetime.datetime(2026, 1, 2, 7, 0)) == "2026-01-02 07:00"  # naive: unchanged
    assert local_datetime(datetime.datetime(999, 1, 2, 7, 0)) == "0999-01-02 07:00"


def test_template_filter_and_helper_agree():
    rendered = Template('{{ t|date:"Y-m-d H:i" }}').render(Context({"t": INSTANT}))
    assert rendered == local_datetime(INSTANT) == "2026-11-30 11:52"


def test_record_labels_use_local_time(advisor):
    client = make_client(advisor=advisor)
    consent = Consent(client=client, kind="privacy", channel="paper", given_at=INSTANT, recorded_by=advisor)
    assert "2026-11-30 11:52" in str(consent)


def test_warning_text_uses_local_time(db, advisor):
    # given a ticket received on a Friday morning whose acknowledgement is now overdue
    client = make_client(advisor=advisor)
    received = datetime.datetime(2026, 11, 27, 1, 0, tzinfo=datetime.UTC)
    complaint = make_complaint(client=client, received_at=received)
    with time_machine.travel(complaint.ack_due_at + datetime.timedelta(minutes=5), tick=False):
        warnings = active_warnings()
    (spec,) = [w for ws in warnings.values() for w in ws.values()]
    # then the deadline in the text is the local one, as the ticket page shows it
    assert local_datetime(complaint.ack_due_at) in str(spec.message)
    assert f"{complaint.ack_due_at.astimezone(datetime.UTC):%Y-%m-%d %H:%M}" not in str(spec.message)
