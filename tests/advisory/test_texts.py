"""Stored system text (advisory.texts): codes with parameters, rendered per reader."""

import datetime
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.core import mail
from django.utils import translation

from advisory.models import Notification, RiskWarning, WarningKind
from advisory.notifications import notification_emails_send, notify
from advisory.texts import (
    REGISTRY,
    Joined,
    Money,
    Percent,
    Text,
    decode,
    encode,
    recognise,
    render,
    render_legacy,
    text,
)
from advisory.warnings import WarningSpec, warning_sync

INSTANT = datetime.datetime(2026, 11, 30, 3, 52, tzinfo=datetime.UTC)
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _english(code: str) -> str:
    return REGISTRY[code]._args[-1]


def _sample_params(code: str) -> dict:
    return {name: f"<{name}>" for name in PLACEHOLDER.findall(_english(code))}


@pytest.mark.parametrize("language", ["en", "zh-hans", "zh-hant"])
@pytest.mark.parametrize("code", sorted(REGISTRY))
def test_every_code_renders_in_every_language(code, language):
    params = _sample_params(code)
    out = render(code, params, language=language)
    assert out and "%(" not in out
    for value in params.values():  # every parameter appears in the translation too
        assert value in out, (code, language, out)
    if language != "en" and PLACEHOLDER.sub("", _english(code)).strip(" :;.#()"):
        assert out != render(code, params, language="en"), f"{code} is not translated to {language}"


@pytest.mark.parametrize("code", sorted(REGISTRY))
def test_missing_parameters_render_a_dash_and_never_raise(code):
    out = render(code, {}, language="zh-hans")
    assert "%(" not in out
    if PLACEHOLDER.search(_english(code)):
        assert "—" in out


def test_unknown_code_falls_back_to_the_stored_legacy_text():
    assert render("warning.no_such_code", {"a": 1}, fallback="Legacy sentence") == "Legacy sentence"
    assert render("", None, fallback="Typed by a person") == "Typed by a person"


def test_an_unregistered_code_fails_loudly_when_written():
    with pytest.raises(KeyError):
        text("warning.no_such_code")


def test_parameters_are_rendered_for_the_reader():
    t = text(
        "warning.complaint_overdue",
        number="C-2026-0001",
        due=INSTANT,
    )
    assert t.params["due"] == {"$dt": "2026-11-30T03:52:00+00:00"}
    assert render(t.code, t.params, language="en") == (
        "Complaint C-2026-0001 is past its resolution deadline (2026-11-30 11:52)."
    )
    assert (
        render(t.code, t.params, language="zh-hans")
        == "投诉 C-2026-0001 已超过处理时限（2026-11-30 11:52）。"
    )
    assert (
        decode(text("warning.review_overdue", date=datetime.date(2026, 1, 5)).params["date"]) == "2026-01-05"
    )
    assert decode(encode(Percent(Decimal("0.1234")))) == "12.3%"
    assert decode({"$money": "1234.5", "currency": "CNY"}) == "CNY 1,234.50"
    assert decode({"$dec": "oops"}) == "—"


def test_a_choice_label_is_stored_by_its_msgid_and_shown_translated():
    t = text("warning.qualification_expiring", kind=WarningKind.PROFILE_EXPIRED.label, days=3)
    assert t.params["kind"] == {"$t": ["Risk profile expired"]}
    assert "Risk profile expired" not in render(t.code, t.params, language="zh-hans")


def test_nested_texts_are_rendered_each_in_the_reader_language():
    findings = Joined([Text("finding.profile_missing", {}), text("finding.rating_unapproved", product="F1")])
    t = text("warning.proposal_findings", number="P-1", findings=findings)
    en = render(t.code, t.params, language="en")
    assert en == "P-1: The client has no confirmed risk profile.; F1 has no approved rating assessment."
    zh = render(t.code, t.params, language="zh-hans")
    assert zh.startswith("P-1：") and "F1" in zh and "The client" not in zh


def test_english_sentences_of_earlier_releases_are_recognised():
    found = recognise("Complaint C-9 is past its resolution deadline (2026-01-01 10:00).", "warning")
    assert found == Text("warning.complaint_overdue", {"number": "C-9", "due": "2026-01-01 10:00"})
    found = recognise(
        "P-7: The client has no confirmed risk profile.; F2 is 30.0% of the proposal, above the 25% limit.",
        "warning",
    )
    assert found.code == "warning.proposal_findings"
    assert "F2" in render(found.code, found.params, language="zh-hant")
    assert "The client" not in render(found.code, found.params, language="zh-hant")
    assert recognise("Something a person typed", "warning") is None
    assert render_legacy("Something a person typed", "warning") == "Something a person typed"


@pytest.mark.django_db
def test_the_data_migration_converts_known_rows_and_keeps_the_rest(advisor):
    import importlib

    migration = importlib.import_module("advisory.migrations.0010_stored_texts_from_legacy")
    # given: rows as an earlier release wrote them
    known = RiskWarning.objects.create(
        kind=WarningKind.REVIEW_OVERDUE,
        subject_type="planning.review",
        subject_id="1",
        message="Periodic review of Li Lei was due on 2026-10-01.",
        opened_at=INSTANT,
    )
    unknown = RiskWarning.objects.create(
        kind=WarningKind.REVIEW_OVERDUE,
        subject_type="planning.review",
        subject_id="2",
        message="Some sentence no template wrote",
        opened_at=INSTANT,
    )
    with translation.override("zh-hans"):
        # written in the actor's language by an earlier release
        chinese_subject = translation.gettext("Internal audit assigned to you: %(t)s") % {"t": "年度审计"}
    assert chinese_subject.startswith("分配给您")
    legacy_note = Notification.objects.create(
        recipient=advisor, kind="staff.audit_planned", subject=chinese_subject, body="a typed note"
    )
    other = Notification.objects.create(recipient=advisor, kind="x", subject="Hand-written")
    # when
    migration.convert_warnings(apps, None)
    migration.convert_notifications(apps, None)
    migration.convert_warnings(apps, None)  # safe to run again
    # then
    known.refresh_from_db()
    unknown.refresh_from_db()
    legacy_note.refresh_from_db()
    other.refresh_from_db()
    assert known.message_code == "warning.review_overdue"
    assert known.message_params == {"client": "Li Lei", "date": "2026-10-01"}
    with translation.override("zh-hans"):
        assert known.text == "Li Lei 的定期检视已于 2026-10-01 到期。"
    assert unknown.message_code == "" and unknown.text == "Some sentence no template wrote"
    assert legacy_note.subject_code == "notify.staff_audit_planned"
    assert legacy_note.subject_params == {"t": "年度审计"}
    assert legacy_note.body == "a typed note" and legacy_note.body_code == ""
    with translation.override("en"):
        assert legacy_note.subject_text == "Internal audit assigned to you: 年度审计"
    assert other.subject_code == "" and other.subject_text == "Hand-written"


@pytest.mark.django_db
def test_a_warning_raised_in_english_reads_in_chinese_for_a_chinese_reader(
    advisor, web_as, compliance_officer
):
    # given: the sweep runs without a request (English)
    with translation.override("en"):
        warning_sync(
            kind=WarningKind.COMPLAINT_OVERDUE,
            active={
                ("complaints.complaint", "1"): WarningSpec(
                    message=text("warning.complaint_overdue", number="C-2026-0042", due=INSTANT),
                    advisor=advisor,
                )
            },
        )
    warning = RiskWarning.objects.get()
    assert warning.message_code == "warning.complaint_overdue" and warning.message == ""
    # then: each reader sees it in their language, on the firm's clock
    with translation.override("zh-hans"):
        assert str(warning) == "投诉 C-2026-0042 已超过处理时限（2026-11-30 11:52）。"
    with translation.override("zh-hant"):
        assert str(warning) == "投訴 C-2026-0042 已超過處理時限（2026-11-30 11:52）。"
    with translation.override("en"):
        assert str(warning) == "Complaint C-2026-0042 is past its resolution deadline (2026-11-30 11:52)."


@pytest.mark.django_db
def test_a_notification_reads_in_the_reader_language_and_mails_in_the_recipient_language(advisor, supervisor):
    # given: one recipient reads Traditional Chinese, the other has no preference (firm default)
    advisor.language = "zh-hant"
    advisor.save(update_fields=["language"])
    with translation.override("en"):
        rows = notify(
            recipients=[advisor, supervisor],
            kind="staff.finding",
            subject=text("notify.staff_finding", d=datetime.date(2026, 12, 31), t="KYC files"),
            body="typed by the auditor",
        )
    # then: stored as a code; shown in each reader's language
    first = Notification.objects.get(pk=rows[0].pk)
    assert first.subject_code == "notify.staff_finding" and first.subject == ""
    with translation.override("zh-hans"):
        assert "2026-12-31" in first.subject_text and "Audit finding" not in first.subject_text
    # when: the emails go out from a worker (no request, English active)
    with translation.override("en"):
        assert notification_emails_send(notification_ids=[r.pk for r in rows]) == 2
    by_address = {m.to[0]: m for m in mail.outbox}
    zh = by_address[advisor.email]
    assert "Audit finding" not in zh.subject and "2026-12-31" in zh.subject and "KYC files" in zh.subject
    assert zh.body == "typed by the auditor"
    assert by_address[supervisor.email].subject == "Audit finding to remediate by 2026-12-31: KYC files"


def test_money_and_percent_parameters():
    t = text("warning.portfolio_drift", client="Wang", drift=Percent(Decimal("0.0751")))
    assert render(t.code, t.params, language="en") == "Wang: portfolio drift 7.5% at the last review."
    assert Money(Decimal("1"), "CNY")  # the wrapper is importable for callers


def test_system_audit_reasons_read_in_the_reader_language_and_typed_ones_as_typed():
    from audit.templatetags.audit_tags import audit_reason, record_type_label

    with translation.override("zh-hans"):
        assert audit_reason("KYC refresh completed, nothing changed") == "客户信息更新已完成，无变更"
        # a stored choice value inside the reason is shown by its label
        assert audit_reason("money-laundering risk high") == "洗钱风险：高"
        assert audit_reason("the client asked by phone") == "the client asked by phone"
        assert record_type_label("advisory.user") == "用户"
        assert record_type_label("not.a_model") == "not.a_model"
    with translation.override("en"):
        assert audit_reason("onboarding CA-2026-0001 opened") == "onboarding CA-2026-0001 opened"
        assert record_type_label("advisory.user") == "User"


def test_stored_check_results_and_capacity_reasoning_convert_to_codes():
    import importlib

    from advisory.texts import render_stored, stored_item_from_legacy

    convert = importlib.import_module("planning.migrations.0005_check_results_as_codes")._convert
    with translation.override("zh-hans"):  # a proposal checked by a Chinese-speaking advisor
        chinese = translation.gettext("Add at least one product line.")
    checks = {
        "summary": [
            {"check": "profile", "status": "pass", "message": "Risk profile C3 valid until 2027-01-31."},
            {"check": "lines", "status": "fail", "message": chinese},
            {"check": "stress", "status": "info", "message": "A sentence no template wrote"},
        ],
        "lines": [
            {
                "suitability": {
                    "status": "fail",
                    "reason": "The product's risk rating has no approved written assessment.",
                }
            }
        ],
    }
    assert convert(checks) is True
    first, second, third = checks["summary"]
    assert first["code"] == "check.profile_ok" and first["params"]["d"] == "2027-01-31"
    assert "message" not in first and first["status"] == "pass"
    assert second["code"] == "check.lines_missing" and "message" not in second
    assert third["message"] == "A sentence no template wrote" and "code" not in third
    assert checks["lines"][0]["suitability"]["code"] == "check.line_rating_unapproved"
    assert convert(checks) is False  # nothing left to do
    with translation.override("zh-hant"):
        assert "C3" in render(first["code"], first["params"]) and "valid" not in render(
            first["code"], first["params"]
        )
    # capacity reasoning of a risk assessment
    note = stored_item_from_legacy("Horizon 3to5y: up to C3.", ("risk",))
    assert note == {
        "code": "risk.capacity_horizon",
        "params": {"horizon": {"$t": ["3 to 5 years"]}, "cap": "3"},
    }
    with translation.override("zh-hans"):
        assert render_stored(note, "risk") == "投资期限3 至 5 年：最高 C3。"
    with translation.override("zh-hans"):
        assert render_stored("Horizon 3to5y: up to C3.", "risk") == "投资期限3 至 5 年：最高 C3。"
        assert render_stored("a note typed by the advisor", "risk") == "a note typed by the advisor"


@pytest.mark.django_db
def test_switching_language_keeps_it_for_later_emails(web_as, advisor):
    from django.urls import reverse

    web_as(advisor).post(reverse("set_language"), {"language": "zh-hant", "next": "/app/"})
    advisor.refresh_from_db()
    assert advisor.language == "zh-hant"


def test_a_registered_value_label_is_stored_once_encoded_and_read_in_the_readers_language():
    """`value_label` already returns the encoded label: encoding it again must keep it (it was
    once stored as the text "{'$t': [...]}" and shown raw on Chinese pages)."""
    from django.utils import translation

    from advisory.texts import value_label

    t = text("risk.capacity_income", stability=value_label("irregular"), limit=2)
    assert t.params["stability"] == {"$t": ["Irregular"]}
    with translation.override("zh-hans"):
        shown = render(t.code, t.params)
    assert "$t" not in shown and "Irregular" not in shown and "C2" in shown


def test_a_reason_is_stored_within_its_column_and_a_code_is_never_cut():
    from advisory.texts import stored_reason_within, text

    code = text("audit.life_event_label_occurred_on", label="退休", occurred_on=datetime.date(2026, 3, 1))
    # a code that fits is stored as its JSON
    stored = stored_reason_within(code, 200)
    assert stored.startswith('{"code":"audit.life_event_label_occurred_on"') and len(stored) <= 200
    # one that does not fit falls back to its words, cut to the column
    with translation.override("en"):
        assert stored_reason_within(code, 30) == str(code)[:30]
    # a typed reason is cut to the column
    assert stored_reason_within("客户来电" * 20, 10) == "客户来电客户来电客户"
