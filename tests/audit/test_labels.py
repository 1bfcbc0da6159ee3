"""Record labels in the reader's language (audit.labels): written once per language with the entry,
shown in the reader's, hashed and verified like any other stored value."""

import json

import pytest
from django.utils import timezone, translation

from audit.labels import LIMIT, label_in, record_label_of
from audit.models import AuditAction, AuditEntry
from audit.services import audit_log, audit_verify, content_digest
from clients.models import Consent, ConsentKind
from tests.complaints.factories import make_client

pytestmark = pytest.mark.django_db


def zh_hant(text):
    with translation.override("zh-hant"):
        return str(translation.gettext(text))


class Worded:
    """A record whose label is made of translatable words, as a consent's or a document's is."""

    def __init__(self, words):
        self.words = words

    def __str__(self):
        return self.words[translation.get_language()]


WORDS = {"en": "Privacy consent", "zh-hans": "隐私授权", "zh-hant": "私隱授權"}


def test_a_label_that_reads_the_same_everywhere_is_stored_as_it_is():
    assert record_label_of(Worded(dict.fromkeys(WORDS, "张三 (CL-2026-000001)"))) == "张三 (CL-2026-000001)"


def test_a_worded_label_is_stored_in_every_language_and_read_in_the_readers():
    stored = record_label_of(Worded(WORDS))
    assert json.loads(stored) == {"label": WORDS}
    assert label_in(stored, "zh-hant") == "私隱授權"
    with translation.override("zh-hans"):
        assert label_in(stored) == "隐私授权"
    with translation.override("en"):
        assert label_in(stored) == "Privacy consent"
    assert label_in(stored, "fr") == "Privacy consent"  # an unknown language: the firm's default


def test_a_long_label_is_cut_to_the_column_keeping_every_language():
    stored = record_label_of(Worded({"en": "E" * 300, "zh-hans": "简" * 90, "zh-hant": "繁" * 20}))
    texts = json.loads(stored)["label"]
    assert len(stored) <= LIMIT
    assert texts["zh-hant"] == "繁" * 20 and texts["en"].startswith("E") and texts["zh-hans"].startswith("简")


@pytest.mark.parametrize("stored", ["", "plain label", '{"label": broken', '{"label":{}}', '{"other":1}'])
def test_anything_else_is_shown_as_stored(stored):
    assert label_in(stored, "zh-hans") == stored


def _consent_logged_in_english(advisor) -> AuditEntry:
    """A consent (its label is "<kind> <time>") and its entry, written by someone working in English."""
    consent = Consent.objects.create(
        client=make_client(advisor=advisor),
        kind="privacy",
        channel="paper",
        recorded_by=advisor,
        given_at=timezone.now(),
    )
    with translation.override("en"):
        audit_log(actor=advisor, action=AuditAction.CREATE, obj=consent, reason="x")
    return AuditEntry.objects.filter(record_type="clients.consent").latest("id")


def test_an_entry_about_a_worded_record_reads_in_each_language_and_verifies(advisor):
    # given: a consent (its label is "<kind> <time>") logged while the writer works in English
    entry = _consent_logged_in_english(advisor)
    # then: each reader reads it in their own language, the stored value is what was hashed
    with translation.override("zh-hans"):
        chinese = entry.record_label_text
    with translation.override("en"):
        english = entry.record_label_text
    assert chinese.startswith("隐私授权 ") and english.startswith("Privacy consent ")
    assert entry.record_label.startswith('{"label":{')
    assert entry.content_hash == content_digest(entry.record_label, entry.changes)
    assert audit_verify().intact


def test_the_browser_the_entry_page_the_export_and_the_api_show_the_readers_words(
    web_as, api_as, advisor, compliance_officer
):
    from django.urls import reverse

    entry = _consent_logged_in_english(advisor)
    http = web_as(compliance_officer)
    browser = http.get(reverse("audit:browser"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "隐私授权 " in browser and '{"label"' not in browser and "&quot;label&quot;" not in browser
    entry.refresh_from_db()
    detail = http.get(reverse("audit:entry_detail", args=[entry.sequence]), HTTP_ACCEPT_LANGUAGE="zh-hant")
    assert zh_hant(str(ConsentKind.PRIVACY.label)) in detail.content.decode()
    rows = list(
        __import__("csv").reader(
            http.get(reverse("exports:download", args=["audit.trail", "csv"]), HTTP_ACCEPT_LANGUAGE="en")
            .getvalue()
            .decode("utf-8-sig")
            .splitlines()
        )
    )
    row = next(r for r in rows[1:] if r[rows[0].index("Record type")] == "clients.consent")
    assert row[rows[0].index("Record")].startswith("Privacy consent ")
    assert row[rows[0].index("Record as stored")] == entry.record_label  # what the chain hashes
    body = api_as(compliance_officer).get(
        f"/api/v1/audit/entries/{entry.sequence}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert body.json()["record_label_text"].startswith("隐私授权 ")
    assert body.json()["record_label"] == entry.record_label


def test_the_system_named_records_have_labels_in_every_language():
    from audit.models import DisposalBatch, HoldScope, LegalHold
    from risk.models import RiskAssessment

    stored = record_label_of(RiskAssessment(pk=5, effective_level="C3"))
    assert label_in(stored, "en") == "Risk assessment #5 (C3)"
    assert label_in(stored, "zh-hans") == "风险测评 #5（C3）"
    assert label_in(record_label_of(LegalHold(pk=2, scope=HoldScope.CLIENT, client_id=7)), "zh-hant") == (
        "法律保全 #2：客戶 7"
    )
    assert label_in(record_label_of(DisposalBatch(pk=3)), "zh-hans") == "销毁批次 #3"
