"""Audit reasons and history change reasons the system writes are stored as a code with parameters
(advisory.texts.stored_reason) and read in the reader's language (render_reason)."""

import ast
import json
import os
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import translation

from advisory.history import audited_save
from advisory.texts import (
    LEGACY_LANGUAGES,
    REGISTRY,
    Text,
    recognise,
    render_reason,
    stored_reason,
    text,
)
from audit.models import AuditAction, AuditEntry
from audit.services import audit_log, audit_verify
from tests.clients.factories import ClientFactory

ROOT = Path(__file__).resolve().parents[2]
APPS = ["advisory", "audit", "clients", "risk", "planning", "complaints", "imports", "control"]


def _stored(value: str) -> dict | None:
    if not value.startswith('{"code":'):
        return None
    return json.loads(value)


# -- stored_reason / render_reason ---------------------------------------------------------------


def test_a_text_is_stored_as_compact_canonical_json():
    stored = stored_reason(text("audit.relationship_ended_reason", reason="moved abroad"))
    assert stored == '{"code":"audit.relationship_ended_reason","params":{"reason":"moved abroad"}}'
    assert stored_reason(stored) == stored  # already stored: kept as it is


def test_a_registered_english_sentence_is_stored_as_its_code_with_choice_values_by_label():
    stored = stored_reason("money-laundering risk high")
    assert json.loads(stored) == {
        "code": "audit.money_laundering_risk_risk",
        "params": {"risk": {"$t": ["High"]}},
    }
    with translation.override("zh-hans"):
        assert render_reason(stored) == "洗钱风险：高"
    with translation.override("en"):
        assert render_reason(stored) == "money-laundering risk High"


def test_a_reason_a_person_typed_stays_as_typed():
    assert stored_reason("the client asked by phone") == "the client asked by phone"
    assert stored_reason("客户来电要求") == "客户来电要求"
    assert stored_reason("") == "" and stored_reason(None) == ""
    with translation.override("zh-hans"):
        assert render_reason("the client asked by phone") == "the client asked by phone"


def test_a_stored_code_reads_in_each_language_from_the_same_value():
    stored = stored_reason(text("audit.legal_hold_placed_reason", reason="Inquiry 7"))
    with translation.override("en"):
        assert render_reason(stored) == "Legal hold placed: Inquiry 7"
    assert render_reason(stored, language="zh-hans") == "已设置法律保全：Inquiry 7"
    assert render_reason(stored, language="zh-hant") == "已設置法律保全：Inquiry 7"


def test_an_english_sentence_of_an_earlier_release_is_still_translated_when_shown():
    with translation.override("zh-hans"):
        assert render_reason("KYC refresh completed, nothing changed") == "客户信息更新已完成，无变更"


def test_an_unknown_code_shows_the_stored_value_and_bad_json_is_shown_as_written():
    unknown = '{"code":"audit.no_such_reason","params":{}}'
    assert render_reason(unknown) == unknown
    broken = '{"code":"audit.signed_in","params":'
    assert render_reason(broken) == broken
    assert stored_reason(broken) == broken  # not a registered sentence: kept
    not_ours = '{"code": "x", "other": 1}'
    assert render_reason(not_ours) == not_ours


def test_recognition_is_cached_per_distinct_sentence():
    from advisory.texts import _reason_recognised

    stored_reason("signed in")
    before = _reason_recognised.cache_info().hits
    for _ in range(1000):
        stored_reason("signed in")
    assert _reason_recognised.cache_info().hits - before == 1000


def test_the_template_filters_read_both_forms():
    from advisory.templatetags.advisory_tags import system_text
    from audit.templatetags.audit_tags import audit_reason

    stored = stored_reason(text("audit.signed_in"))
    with translation.override("zh-hans"):
        assert system_text(stored) == audit_reason(stored) == "已登录"
        assert system_text("signed in") == "已登录"


# -- every reason literal in the code is a registered template -----------------------------------

# calls whose `reason` keyword is not an audit reason (a token for a recompute signal)
NOT_AUDIT_REASONS = {"_inputs_changed"}


def _literals(node: ast.AST):
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node
    elif isinstance(node, ast.IfExp):
        yield from _literals(node.body)
        yield from _literals(node.orelse)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from _literals(value)


def _reason_literals():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                values = []
                if isinstance(node, ast.Call):
                    name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                    for kw in node.keywords:
                        if kw.arg in ("reason", "default_change_reason") and name not in NOT_AUDIT_REASONS:
                            values.append(kw.value)
                        elif kw.arg == "event" and name == "security_event_record":
                            values.append(kw.value)  # written to the trail as the reason
                elif isinstance(node, ast.Assign) and any(
                    getattr(t, "attr", None) == "_change_reason" for t in node.targets
                ):
                    values.append(node.value)
                for value in values:
                    for lit in _literals(value):
                        yield f"{path.relative_to(ROOT)}:{lit.lineno}", lit.value


def test_every_english_reason_literal_in_the_code_is_a_registered_template():
    # given every `reason="…"` (and `_change_reason = "…"`, security events) in the code
    found = list(_reason_literals())
    assert len(found) > 100
    # then each English one reads in every language: a new system reason needs a template in
    # advisory/texts_audit.py (a sentence in Chinese is text a person typed in the demo data)
    missing = [
        f"{where}: {value!r}"
        for where, value in found
        if value and value.isascii() and not recognise(value, "audit")
    ]
    assert not missing, "register these in advisory/texts_audit.py:\n" + "\n".join(missing)


def test_no_reason_is_built_with_an_f_string():
    offenders = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.keyword)
                    and node.arg in ("reason", "default_change_reason")
                    and any(isinstance(sub, ast.JoinedStr) for sub in ast.walk(node.value))
                ):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.value.lineno}")
    assert not offenders, "write text('audit.…', …) instead of an f-string: " + ", ".join(offenders)


# -- what the services write ------------------------------------------------------------------------


@pytest.mark.django_db
def test_history_rows_and_audit_entries_store_codes_and_the_chain_still_verifies(advisor):
    # given a record saved by a service, an entry logged with a text, one with a registered
    # sentence and one with a reason a person typed
    client = ClientFactory(advisor=advisor)
    client.notes = "x"
    audited_save(client, actor=advisor, reason=text("audit.re_assigned_reason", reason="Advisor on leave"))
    typed = audit_log(actor=advisor, action=AuditAction.OTHER, obj=client, reason="asked on the phone")
    sentence = audit_log(actor=advisor, action=AuditAction.OTHER, obj=client, reason="consent withdrawn")
    # then
    row = client.history.order_by("-history_id").first()
    assert _stored(row.history_change_reason) == {
        "code": "audit.re_assigned_reason",
        "params": {"reason": "Advisor on leave"},
    }
    mirrored = AuditEntry.objects.get(record_type="clients.client", history_id=row.history_id)
    assert mirrored.reason == row.history_change_reason
    assert AuditEntry.objects.get(pk=typed.pk).reason == "asked on the phone"
    assert _stored(AuditEntry.objects.get(pk=sentence.pk).reason) == {
        "code": "audit.consent_withdrawn",
        "params": {},
    }
    with translation.override("zh-hans"):
        assert mirrored.reason_text == "已重新分配：Advisor on leave"
    assert audit_verify().intact


@pytest.mark.django_db
def test_bulk_history_rows_store_their_reason_as_a_code(advisor):
    from audit.bulk import bulk_create_audited
    from clients.models import RelatedParty

    client = ClientFactory(advisor=advisor)
    made = bulk_create_audited(
        [RelatedParty(client=client, name="Li Ming", relationship="spouse")],
        actor=advisor,
        reason="related party added",
    )
    row = RelatedParty.history.get(id=made[0].pk)
    assert _stored(row.history_change_reason) == {"code": "audit.related_party_added", "params": {}}
    entry = AuditEntry.objects.filter(record_type="clients.relatedparty", record_id=str(made[0].pk)).get()
    assert entry.reason == row.history_change_reason and entry.history_id == row.history_id


# -- the demo firm: every reason the system wrote is a code --------------------------------------


def _history_models():
    return [
        m
        for m in apps.get_models()
        if m.__name__.startswith("Historical") and hasattr(m, "history_change_reason")
    ]


def _demo_literals() -> set[str]:
    """Every string written in a demo module: what the demo's people "type" (notes, reasons)."""
    found: set[str] = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*demo*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    found.add(node.value.strip())
    return found


@pytest.mark.django_db
def test_after_seeding_the_demo_every_system_reason_is_stored_as_a_code_and_reads_in_chinese():
    # given the demo firm, written through the services
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115, PTH123
    reasons: list[tuple[str, str]] = [
        (f"audit #{pk}", reason)
        for pk, reason in AuditEntry.objects.exclude(reason="").values_list("pk", "reason")
    ]
    for model in _history_models():
        reasons += [
            (f"{model._meta.label} #{pk}", reason)
            for pk, reason in model.objects.exclude(history_change_reason__isnull=True)
            .exclude(history_change_reason="")
            .values_list("pk", "history_change_reason")
        ]
    assert len(reasons) > 500
    # then no reason is left as a sentence of a template (in any language), an English reason
    # left as written is a note a demo persona typed (a string of a demo module), and every
    # other reason is a stored code that reads in Chinese
    coded = [(where, value) for where, value in reasons if _stored(value)]
    sentences = [
        (where, value)
        for where, value in reasons
        if not _stored(value) and recognise(value, "audit", LEGACY_LANGUAGES)
    ]
    assert not sentences, f"system reasons stored as sentences: {sentences[:10]}"
    typed = _demo_literals()
    english = sorted({v for _w, v in reasons if not _stored(v) and v.isascii() and v not in typed})
    assert not english, f"English reasons not stored as codes (register a template): {english[:20]}"
    assert len(coded) > 500
    unknown = sorted({json.loads(v)["code"] for _w, v in coded if json.loads(v)["code"] not in REGISTRY})
    assert not unknown
    with translation.override("zh-hans"):
        for _where, value in coded:
            shown = render_reason(value)
            assert shown != value and "%(" not in shown
            english_template = str(REGISTRY[json.loads(value)["code"]]._args[-1])
            if "%(" not in english_template:
                assert shown != english_template, value  # a fixed sentence reads in Chinese


def test_the_escalation_history_reason_is_a_code():
    from complaints.services.escalation import HISTORY_REASON

    assert json.loads(HISTORY_REASON) == {"code": "audit.sla_escalation_sweep", "params": {}}
    assert isinstance(text("audit.sla_escalation_sweep"), Text)
