"""Edit guards (advisory.editing) on every edit page and record API besides the client file (that
one: tests/clients/test_edit_conflicts.py).

A page is opened, a colleague saves the same record through its service, then the page is saved:
- a field only the colleague changed (A) keeps the colleague's value when the person changed
  another field (B);
- a field both changed (A) is refused ("Nothing was saved"), the page shows the current record,
  and saving that page again writes the person's value and keeps the colleague's B.
An API update naming a stale ETag in If-Match is refused with 412; the current ETag succeeds."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from advisory.oversight import services as oversight
from audit import retention
from audit.models import RetentionRule
from clients import services as clients
from planning import services as planning
from risk import services as risk
from tests.browser_forms import posted
from tests.clients.factories import ClientFactory
from tests.factories import StaffQualificationFactory
from tests.oversight.factories import TrainingRecordFactory
from tests.planning.factories import make_profile, make_ready_proposal

pytestmark = pytest.mark.django_db

FAR = datetime.date(2040, 1, 1)


def _now(row, names: tuple[str, ...], changes: dict) -> dict:
    """The row's current values of `names` (read again), with `changes`: for services that take
    every field."""
    row = type(row).objects.get(pk=row.pk)
    return {name: getattr(row, name) for name in names} | changes


def _stored(row, name: str) -> Any:
    return getattr(type(row).objects.get(pk=row.pk), name)


# -- the records, who edits them, and how a colleague changes them meanwhile --------------------------
def _goal(request):
    advisor = request.getfixturevalue("advisor")
    client = ClientFactory(advisor=advisor)
    data = {
        "kind": "retirement", "name": "Retire at 60", "target_amount": Decimal("1000000"), "target_date": FAR,
        "priority": 2, "current_funding": Decimal("100000"), "is_active": True,
    }  # fmt: skip
    return advisor, advisor, planning.goal_save(client=client, actor=advisor, data=data)


def _proposal(request):
    advisor = request.getfixturevalue("advisor")
    client = ClientFactory(advisor=advisor)
    make_profile(client=client)
    return advisor, advisor, make_ready_proposal(client=client, advisor=advisor, annual_contribution=0)


def _agreement(request):
    advisor = request.getfixturevalue("advisor")
    client = ClientFactory(advisor=advisor)
    data = {
        "scope": "Investment advice", "fee_structure": "fixed", "starts_on": datetime.date(2026, 1, 1),
        "termination_notice_days": 30, "termination_conditions": "30 days' written notice",
    }  # fmt: skip
    return advisor, advisor, clients.agreement_save(client=client, actor=advisor, data=data)


def _risk(request):
    reviewer = request.getfixturevalue("risk_reviewer")
    entry = risk.risk_create(
        actor=reviewer, title="Outage", category="operational", probability=3, impact=4, owner=reviewer,
        response="mitigate", controls="DR site", review_date=FAR,
    )  # fmt: skip
    return reviewer, request.getfixturevalue("compliance_officer"), entry


def _rule(request):
    rule = RetentionRule.objects.get(record_type="service_record")  # from the data migration
    return request.getfixturevalue("compliance_officer"), request.getfixturevalue("administrator"), rule


def _qualification(request):
    advisor = request.getfixturevalue("advisor")
    row = StaffQualificationFactory(
        user=advisor, kind="cfa", number="CFA-1", issued_on=datetime.date(2024, 1, 1), expires_on=FAR
    )
    return request.getfixturevalue("compliance_officer"), request.getfixturevalue("supervisor"), row


def _training(request):
    row = TrainingRecordFactory(user=request.getfixturevalue("advisor"), hours=Decimal("4"), due_on=FAR)
    return request.getfixturevalue("compliance_officer"), request.getfixturevalue("supervisor"), row


def _action(request):
    supervisor, advisor = request.getfixturevalue("supervisor"), request.getfixturevalue("advisor")
    row = oversight.action_create(
        actor=supervisor, title="Faster acknowledgements", link_type="indicator", link_ref="first_response",
        owner=advisor, due_on=FAR,
    )  # fmt: skip
    return supervisor, advisor, row  # the supervisor edits; the owner changes it meanwhile


QUALIFICATION = ("number", "issued_on", "expires_on", "qualifies_for_advice")
TRAINING = ("title", "due_on", "hours", "provider", "required", "completed_on", "topic")
ACTION = ("title", "description", "owner", "due_on")


@dataclass(frozen=True)
class Case:
    make: Callable  # request -> (person who edits, colleague, record)
    page: Callable  # record -> the edit page's URL
    save: Callable  # (colleague, record, **changes): the colleague's save, through the service
    a: tuple[str, Any, Any]  # a field both may change: (name, the colleague's value, the person's)
    b: tuple[str, Any]  # a field only one changes: (name, value)
    api: Callable | None = None  # record -> the record's API URL


CASES = {
    "goal": Case(
        make=_goal,
        page=lambda g: reverse("planning:goal_edit", args=[g.client_id, g.pk]),
        save=lambda who, g, **c: planning.goal_save(client=g.client, actor=who, data=c, goal=g),
        a=("target_amount", Decimal("2000000"), Decimal("3000000")),
        b=("name", "Retire at 55"),
        api=lambda g: f"/api/v1/planning/goals/{g.pk}/",
    ),
    "proposal": Case(
        make=_proposal,
        page=lambda p: reverse("planning:proposal_edit", args=[p.pk]),
        save=lambda who, p, **c: planning.proposal_update(proposal=p, actor=who, **c),
        a=("title", "Their plan", "My plan"),
        b=("annual_contribution", Decimal("12000")),
        api=lambda p: f"/api/v1/planning/proposals/{p.pk}/",
    ),
    "agreement": Case(
        make=_agreement,
        page=lambda a: reverse("clients:agreement", args=[a.client_id]),
        save=lambda who, a, **c: clients.agreement_save(client=a.client, actor=who, data=c, agreement=a),
        a=("termination_notice_days", 60, 90),
        b=("scope", "Investment advice and planning"),
    ),
    "risk": Case(
        make=_risk,
        page=lambda r: reverse("risk:register_edit", args=[r.pk]),
        save=lambda who, r, **c: risk.risk_update(risk=r, actor=who, **c),
        a=("impact", 5, 1),
        b=("title", "Data centre outage"),
        api=lambda r: f"/api/v1/risk/register/{r.pk}/",
    ),
    "retention_rule": Case(
        make=_rule,
        page=lambda r: reverse("audit:rule_edit", args=[r.pk]),
        save=lambda who, r, **c: retention.retention_rule_update(
            rule=r, actor=who, **{"years": r.years, **c}
        ),
        a=("years", 10, 12),
        b=("description", "Kept for the regulator's reviews"),
    ),
    "qualification": Case(
        make=_qualification,
        page=lambda q: reverse("oversight:qualification_edit", args=[q.pk]),
        save=lambda who, q, **c: oversight.qualification_update(
            actor=who, qualification=q, **_now(q, QUALIFICATION, c)
        ),
        a=("expires_on", datetime.date(2041, 6, 30), datetime.date(2042, 12, 31)),
        b=("number", "CFA-2"),
        api=lambda q: f"/api/v1/oversight/qualifications/{q.pk}/",
    ),
    "training": Case(
        make=_training,
        page=lambda t: reverse("oversight:training_edit", args=[t.pk]),
        save=lambda who, t, **c: oversight.training_update(actor=who, record=t, **_now(t, TRAINING, c)),
        a=("hours", Decimal("6"), Decimal("8.5")),
        b=("provider", "Compliance Academy"),
        api=lambda t: f"/api/v1/oversight/training/{t.pk}/",
    ),
    "action": Case(
        make=_action,
        page=lambda a: reverse("oversight:action_edit", args=[a.pk]),
        save=lambda who, a, **c: oversight.action_update(actor=who, action=a, **_now(a, ACTION, c)),
        a=("title", "Their title", "My title"),
        b=("due_on", datetime.date(2041, 3, 31)),
        api=lambda a: f"/api/v1/oversight/actions/{a.pk}/",
    ),
}
API_CASES = {name: case for name, case in CASES.items() if case.api is not None}


def _form(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime.date) else str(value)


def _json(value: Any) -> Any:
    return value if isinstance(value, int) else _form(value)


# -- the pages ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", CASES)
def test_a_colleagues_change_to_another_field_is_kept(request, web_as, name):
    case = CASES[name]
    (a, theirs, _mine), (b, value) = case.a, case.b
    # given: the page is open, and meanwhile a colleague changes A
    person, colleague, record = case.make(request)
    http = web_as(person)
    page = http.get(case.page(record))
    assert page.status_code == 200
    case.save(colleague, record, **{a: theirs})
    # when: the page is saved with only B changed
    response = http.post(case.page(record), posted(page.text, **{b: _form(value)}))
    # then: both changes stand (A is not written back as the page showed it)
    assert response.status_code == 302, response.text
    assert _stored(record, b) == value
    assert _stored(record, a) == theirs


@pytest.mark.parametrize("name", CASES)
def test_the_same_field_changed_by_both_is_refused_then_saved_on_purpose(request, web_as, name):
    case = CASES[name]
    (a, theirs, mine), (b, value) = case.a, case.b
    # given: the page is open, and meanwhile a colleague changes A and B
    person, colleague, record = case.make(request)
    http = web_as(person)
    page = http.get(case.page(record)).text
    case.save(colleague, record, **{a: theirs, b: value})
    # when: the page is saved with A changed too
    response = http.post(case.page(record), posted(page, **{a: _form(mine)}))
    # then: nothing is saved, and the page says so on the field
    assert response.status_code == 200
    assert "Nothing was saved" in response.text
    if colleague == person:  # only the record's own advisor edits it: their other window
        assert "in your other window" in response.text
    else:
        assert "Changed by" in response.text and str(colleague) in response.text
    assert _stored(record, a) == theirs
    # when: the page as shown again is saved
    again = http.post(case.page(record), posted(response.text))
    # then: the person's A is written, and the colleague's B (shown, untouched) stays
    assert again.status_code == 302, again.text
    assert _stored(record, a) == mine
    assert _stored(record, b) == value


# -- the APIs ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", API_CASES)
def test_api_update_with_a_stale_etag_is_refused_and_the_current_one_succeeds(request, api_as, name):
    case = API_CASES[name]
    (a, theirs, _mine), (b, value) = case.a, case.b
    # given: the record is read, then a colleague changes A
    person, colleague, record = case.make(request)
    api, url = api_as(person), case.api(record)
    stale = api.get(url)["ETag"]
    before = _stored(record, b)
    case.save(colleague, record, **{a: theirs})
    # when: B is changed with the ETag read before
    refused = api.patch(url, {b: _json(value)}, format="json", HTTP_IF_MATCH=stale)
    # then: 412, and nothing changed
    assert refused.status_code == 412, refused.content
    assert refused.json()["error"]["code"] == "precondition_failed"
    assert _stored(record, b) == before and _stored(record, a) == theirs
    # when: it is sent again with the current ETag
    current = api.get(url)["ETag"]
    done = api.patch(url, {b: _json(value)}, format="json", HTTP_IF_MATCH=current)
    # then: it is written, and the answer carries the record's new ETag
    assert done.status_code == 200, done.content
    assert _stored(record, b) == value and _stored(record, a) == theirs
    assert done["ETag"] not in {stale, current}
    assert done["ETag"] == api.get(url)["ETag"]


# -- line ends ----------------------------------------------------------------------------------------
def test_an_untouched_multi_line_field_sent_by_a_browser_is_not_a_change(
    web_as, risk_reviewer, compliance_officer
):
    # given: the register entry's controls hold two lines (written through the API or a service:
    # LF), the page is open, and meanwhile a colleague adds a third line
    entry = risk.risk_create(
        actor=compliance_officer, title="Outage", category="operational", probability=3, impact=4,
        owner=risk_reviewer, response="mitigate", controls="DR site\nBackups", review_date=FAR,
    )  # fmt: skip
    http, url = web_as(risk_reviewer), reverse("risk:register_edit", args=[entry.pk])
    page = http.get(url).text
    risk.risk_update(risk=entry, actor=compliance_officer, controls="DR site\nBackups\nFailover drill")
    # when: the page is sent as a browser sends it (the textarea's lines as CRLF: tests/browser_forms)
    # with only the title changed (and, if refused, sent again)
    response = http.post(url, posted(page, title="Data centre outage"))
    if response.status_code == 200:
        http.post(url, posted(response.text))
    # then: the colleague's controls stand, and the first save went through
    assert _stored(entry, "controls") == "DR site\nBackups\nFailover drill"
    assert response.status_code == 302 and _stored(entry, "title") == "Data centre outage"


# -- a proposal's lines (a formset beside the form, guarded as one value) ----------------------------
def _lines_now(proposal) -> list[tuple[int, Decimal]]:
    return [(line.product_id, line.amount) for line in proposal.lines.order_by("position", "id")]


def _colleague_moves_money(proposal, actor) -> list[tuple[int, Decimal]]:
    """The colleague moves 10,000 from the first line to the second (the total stays)."""
    lines = [(line.product, line.amount) for line in proposal.lines.order_by("position", "id")]
    lines[0] = (lines[0][0], lines[0][1] - 10000)
    lines[1] = (lines[1][0], lines[1][1] + 10000)
    planning.proposal_update(proposal=proposal, actor=actor, lines=lines)
    return _lines_now(proposal)


def test_a_colleagues_change_to_the_lines_is_kept_when_only_the_title_changed(request, web_as):
    # given: the edit page is open, and meanwhile the lines change elsewhere (another tab, the API)
    person, colleague, proposal = _proposal(request)
    http, url = web_as(person), reverse("planning:proposal_edit", args=[proposal.pk])
    page = http.get(url).text
    theirs = _colleague_moves_money(proposal, colleague)
    # when: the page is saved with only the title changed
    response = http.post(url, posted(page, title="Balanced plan 2027"))
    # then: the title is written and the colleague's lines stand (not the page's older ones)
    assert response.status_code == 302
    assert _stored(proposal, "title") == "Balanced plan 2027"
    assert _lines_now(proposal) == theirs


def test_lines_changed_by_both_are_refused_and_a_title_conflict_shows_the_current_lines(request, web_as):
    person, colleague, proposal = _proposal(request)
    http, url = web_as(person), reverse("planning:proposal_edit", args=[proposal.pk])
    page = http.get(url).text
    theirs = _colleague_moves_money(proposal, colleague)

    # both changed the lines: refused, the colleague's lines stand
    refused = http.post(url, posted(page, **{"lines-0-amount": "1"}))
    assert refused.status_code == 200 and "Nothing was saved" in refused.text
    assert "Products and amounts" in refused.text
    assert "in your other window" not in refused.text  # the lines' raw values are not shown as a field's
    assert _lines_now(proposal) == theirs

    # a conflict on the title alone: the page shows the colleague's lines, so saving it keeps them
    page = http.get(url).text
    planning.proposal_update(proposal=proposal, actor=colleague, title="Their title")
    theirs = _colleague_moves_money(proposal, colleague)
    response = http.post(url, posted(page, title="My title"))
    assert response.status_code == 200 and "Nothing was saved" in response.text
    assert http.post(url, posted(response.text)).status_code == 302
    assert _stored(proposal, "title") == "My title"
    assert _lines_now(proposal) == theirs
