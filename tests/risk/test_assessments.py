import datetime
import json
import re

import pytest
import time_machine
from django.db import connection
from django.utils import translation

from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.models import Notification
from advisory.texts import render_stored
from risk.models import AssessmentChannel, AssessmentStatus, RiskAssessment
from risk.selectors import client_risk_profile
from risk.services import (
    assessment_add_note,
    assessment_answer,
    assessment_confirm,
    assessment_expiry_sweep,
    assessment_submit,
    capacity_level,
    reassessment_prompt,
    valid_until_for,
)

pytestmark = pytest.mark.django_db

GROWTH = {"horizon": "gt10y", "objective": "max_growth"}  # 10 → C5, capacity C5


def _at(y: int, m: int, d: int):
    return time_machine.travel(datetime.datetime(y, m, d, 10, tzinfo=datetime.UTC), tick=False)


def test_client_takes_questionnaire_in_portal_and_confirms(version, own_client, client_user):
    # when
    a = assessment_submit(client=own_client, actor=client_user, answers=GROWTH)
    # then
    assert a.status == AssessmentStatus.DRAFT and a.channel == AssessmentChannel.PORTAL
    assert (a.score, a.willingness_level, a.capacity_level, a.effective_level) == (10, "C5", "C5", "C5")
    assert a.answers["horizon"]["option"] == "gt10y" and a.version == version
    a = assessment_confirm(assessment=a, actor=client_user)
    assert a.status == AssessmentStatus.CONFIRMED and a.confirmed_by_client_at
    assert client_risk_profile(client=own_client).level == "C5"


def test_effective_level_is_lower_of_willingness_and_capacity(version, own_client, advisor):
    # short horizon (1–3y) caps capacity at C2; willingness 2+5=7 → C3
    a = assessment_submit(
        client=own_client, actor=advisor, answers={"horizon": "1to3y", "objective": "max_growth"}
    )
    assert (a.willingness_level, a.capacity_level, a.effective_level) == ("C3", "C2", "C2")


def test_capacity_from_client_financial_status(own_client):
    own_client.income_stability = "unstable"
    level, notes = capacity_level(client=own_client, horizon="gt10y")
    assert level == "C2"
    own_client.income_stability = "stable"
    own_client.liquid_reserves, own_client.monthly_expenses = 40000, 10000  # 4 months
    level, _notes = capacity_level(client=own_client, horizon="gt10y")
    assert level == "C4"


def test_missing_financial_fields_leave_capacity_unconstrained(own_client):
    # given a client file without financial status collected yet
    own_client.income_stability = ""
    own_client.liquid_reserves = own_client.monthly_expenses = None
    # when
    level, notes = capacity_level(client=own_client, horizon="gt10y")
    # then
    assert level == "C5"
    # stored as codes, read in the reader's language
    assert sum("not constrained" in render_stored(n, "risk") for n in notes) == 2


def test_income_answer_is_used_when_client_file_has_none(own_client):
    own_client.income_stability = ""
    level, notes = capacity_level(client=own_client, horizon="gt10y", answered_income_stability="variable")
    assert level == "C3" and any("questionnaire" in render_stored(n, "risk") for n in notes)


def test_contradiction_needs_advisor_note_before_confirmation(version, own_client, client_user, advisor):
    # given contradictory answers from the client
    a = assessment_submit(
        client=own_client, actor=client_user, answers={"horizon": "lt1y", "objective": "max_growth"}
    )
    assert a.contradictions
    assert Notification.objects.filter(recipient=advisor, kind="risk.contradiction").exists()
    # when / then
    with pytest.raises(Conflict, match="note"):
        assessment_confirm(assessment=a, actor=client_user)
    with pytest.raises(NotAllowed):
        assessment_add_note(assessment=a, actor=client_user, note="ok")
    assessment_add_note(assessment=a, actor=advisor, note="Discussed: money is for a flat deposit next year.")
    a = assessment_confirm(assessment=a, actor=client_user)
    assert a.status == AssessmentStatus.CONFIRMED


def test_advisor_must_record_client_confirmation(version, own_client, advisor):
    a = assessment_submit(client=own_client, actor=advisor, answers=GROWTH)
    with pytest.raises(DomainError):
        assessment_confirm(assessment=a, actor=advisor)
    a = assessment_confirm(assessment=a, actor=advisor, client_confirmed=True)
    assert a.confirmed_by == advisor and a.confirmed_by_client_at


def test_answers_locked_after_confirmation_and_new_assessment_supersedes(version, own_client, client_user):
    first = assessment_confirm(
        assessment=assessment_submit(client=own_client, actor=client_user, answers=GROWTH), actor=client_user
    )
    with pytest.raises(Conflict, match="locked"):
        assessment_answer(
            assessment=first, actor=client_user, answers={"horizon": "lt1y", "objective": "income"}
        )
    first.refresh_from_db()
    assert first.score == 10
    # a change is a new assessment; the previous one becomes superseded
    second = assessment_submit(
        client=own_client, actor=client_user, answers={"horizon": "3to5y", "objective": "balanced"}
    )
    assessment_confirm(assessment=second, actor=client_user)
    first.refresh_from_db()
    assert first.status == AssessmentStatus.SUPERSEDED
    assert client_risk_profile(client=own_client).assessment_id == second.pk


def test_draft_answers_can_change(version, own_client, advisor):
    a = assessment_submit(client=own_client, actor=advisor, answers=GROWTH)
    a = assessment_answer(assessment=a, actor=advisor, answers={"horizon": "lt1y", "objective": "preserve"})
    assert a.score == 2 and a.effective_level == "C1"


@pytest.mark.parametrize("user", ["colleague", "outsider_user", "supervisor", "compliance_officer"])
def test_others_cannot_answer_for_the_client(request, version, own_client, user):
    with pytest.raises(NotAllowed):
        assessment_submit(client=own_client, actor=request.getfixturevalue(user), answers=GROWTH)
    assert not RiskAssessment.objects.exists()


def test_valid_for_exactly_twelve_months():
    assert valid_until_for(datetime.date(2026, 3, 15)) == datetime.date(2027, 3, 14)
    assert valid_until_for(datetime.date(2024, 2, 29)) == datetime.date(2025, 2, 27)


def test_expiry_at_exactly_twelve_months_and_reminder_30_days_before(
    version, own_client, client_user, advisor
):
    # given an assessment confirmed on 2026-03-15: last valid day 2027-03-14
    with _at(2026, 3, 15):
        a = assessment_confirm(
            assessment=assessment_submit(client=own_client, actor=client_user, answers=GROWTH),
            actor=client_user,
        )
    assert a.valid_until == datetime.date(2027, 3, 14)
    # 31 days before: no reminder yet
    with _at(2027, 2, 11):
        assert assessment_expiry_sweep() == {"reminded": 0, "expired": 0}
    # 30 days before: reminder to advisor and client, exactly once even if the sweep runs twice
    with _at(2027, 2, 12):
        assert assessment_expiry_sweep() == {"reminded": 1, "expired": 0}
        assert assessment_expiry_sweep() == {"reminded": 0, "expired": 0}
    with _at(2027, 2, 20):
        assert assessment_expiry_sweep()["reminded"] == 0
    assert Notification.objects.filter(kind="risk.profile_expiring", recipient=advisor).count() == 1
    assert Notification.objects.filter(kind="risk.profile_expiring", recipient=client_user).count() == 1
    # the last valid day: still valid
    with _at(2027, 3, 14):
        assert assessment_expiry_sweep()["expired"] == 0
        assert not client_risk_profile(client=own_client).is_expired
    # twelve months after confirmation: expired, once
    with _at(2027, 3, 15):
        assert client_risk_profile(client=own_client).is_expired
        assert assessment_expiry_sweep()["expired"] == 1
        assert assessment_expiry_sweep()["expired"] == 0
    a.refresh_from_db()
    assert a.status == AssessmentStatus.EXPIRED and a.reminder_sent_at


def test_reassessment_prompt_flags_profile_and_notifies(version, own_client, client_user, advisor):
    a = assessment_confirm(
        assessment=assessment_submit(client=own_client, actor=client_user, answers=GROWTH), actor=client_user
    )
    from risk.signals import significant_change

    significant_change.send(sender=type(own_client), client=own_client, reason="Lost job")
    a.refresh_from_db()
    assert a.needs_reassessment and a.reassessment_reason == "Lost job"
    assert client_risk_profile(client=own_client).needs_reassessment
    assert Notification.objects.filter(recipient=advisor, kind="risk.reassessment").exists()
    assert reassessment_prompt(client=own_client, reason="again") == a


def test_significant_income_change_on_client_file_prompts_reassessment(version, own_client, advisor):
    from decimal import Decimal

    # given a client with a profile and a recorded income
    own_client.monthly_income = Decimal("20000")
    own_client.save()
    a = make_assessment_confirmed(own_client)
    # when a small change is saved nothing happens
    own_client.monthly_income = Decimal("21000")
    own_client.save()
    a.refresh_from_db()
    assert not a.needs_reassessment
    # when income falls by 30%
    own_client.monthly_income = Decimal("14700")
    own_client.save()
    # then
    a.refresh_from_db()
    assert a.needs_reassessment
    # stored as a code, read in each reader's language
    assert json.loads(a.reassessment_reason)["code"] == "audit.monthly_income_fell_by"
    assert a.reassessment_reason_text == "Monthly income fell by 30%"
    with translation.override("zh-hans"):
        assert a.reassessment_reason_text == "月收入下降30%"
    with translation.override("zh-hant"):
        assert a.reassessment_reason_text == "月收入下降30%"
    assert Notification.objects.filter(recipient=advisor, kind="risk.reassessment").count() == 1


def test_several_significant_changes_are_stored_as_one_code_and_read_in_chinese(version, own_client, advisor):
    from decimal import Decimal

    # given a client with a profile, a stable income and six months of reserves
    own_client.monthly_income = Decimal("20000")
    own_client.income_stability = "stable"
    own_client.monthly_expenses = Decimal("10000")
    own_client.liquid_reserves = Decimal("70000")
    own_client.save()
    a = make_assessment_confirmed(own_client)
    # when one save changes the stability, raises the income by 50% and drops the reserves below 3 months
    own_client.income_stability = "irregular"
    own_client.monthly_income = Decimal("30000")
    own_client.liquid_reserves = Decimal("20000")
    own_client.save()
    # then the reason is one code listing the three, with nothing in English for a Chinese reader
    a.refresh_from_db()
    stored = json.loads(a.reassessment_reason)
    assert stored["code"] == "audit.significant_changes"
    assert a.reassessment_reason_text == (
        "Significant changes: Income stability changed from Stable to Irregular; "
        "Monthly income rose by 50%; Emergency reserve crossed a capacity threshold (3 or 6 months)"
    )
    with translation.override("zh-hans"):
        chinese = a.reassessment_reason_text
    assert chinese.startswith("重大变化：") and not re.search(r"[A-Za-z]{2,}", chinese), chinese
    # and the profile that planning reads carries it as a text rendered per reader
    profile = client_risk_profile(client=own_client)
    with translation.override("zh-hant"):
        assert str(profile.reassessment_reason).startswith("重大變化：")


def test_a_typed_reassessment_reason_is_kept_as_typed_and_cut_to_the_column(version, own_client):
    a = make_assessment_confirmed(own_client)
    reassessment_prompt(client=own_client, reason="客户来电告知 " + "x" * 2000)
    a.refresh_from_db()
    assert a.reassessment_reason.startswith("客户来电告知 ") and len(a.reassessment_reason) == 1000
    assert a.reassessment_reason_text == a.reassessment_reason


def test_income_stability_change_is_significant():
    from types import SimpleNamespace

    from risk.services import significant_change_reasons

    before = SimpleNamespace(
        income_stability="stable", monthly_income=None, liquid_reserves=10, monthly_expenses=1
    )
    after = SimpleNamespace(
        income_stability="irregular", monthly_income=None, liquid_reserves=2, monthly_expenses=1
    )
    reasons = significant_change_reasons(before=before, after=after)
    assert len(reasons) == 2


def make_assessment_confirmed(client):
    from tests.risk.factories import make_assessment

    return make_assessment(client=client, level="C3")


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_creation_time_is_indexed_once_with_its_tie_breaker():
    """Migration 0009: the list's order is served by (created_at, id); the single-column index the
    shared time stamp field would add is not kept, on the assessments nor on their history."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT tablename, indexdef FROM pg_indexes"
            " WHERE tablename IN ('risk_riskassessment', 'risk_historicalriskassessment')"
            " AND indexdef LIKE %s",
            ["%(created_at%"],
        )
        found = cur.fetchall()
    assert [table for table, _ in found] == ["risk_riskassessment"], found
    assert found[0][1].endswith("(created_at, id)"), found
