import datetime

import pytest

from advisory.errors import DomainError, NotAllowed
from advisory.texts import render_reason
from risk.models import Risk
from risk.selectors import register_heat_counts, risk_register_list
from risk.services import risk_create, risk_level_for, risk_matrix_levels, risk_reviewed, risk_update

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("p", "i", "level"),
    [
        (1, 1, "low"),
        (2, 2, "low"),  # 4: top edge of low
        (1, 4, "low"),
        (1, 5, "medium"),  # 5: bottom edge of medium
        (3, 3, "medium"),  # 9: top edge of medium
        (2, 5, "high"),  # 10: bottom edge of high
        (4, 4, "high"),  # 16: top edge of high
        (4, 5, "critical"),  # 20: bottom edge of critical
        (5, 5, "critical"),
    ],
)
def test_heat_map_level_rules_at_edges(p, i, level):
    assert risk_level_for(probability=p, impact=i) == level


def test_matrix_is_configurable(settings):
    settings.RISK_REGISTER_MATRIX = [(6, "low"), (12, "medium"), (19, "high"), (25, "critical")]
    assert risk_level_for(probability=2, impact=3) == "low"
    assert risk_level_for(probability=4, impact=4) == "high"


def test_matrix_is_symmetric_and_complete():
    levels = risk_matrix_levels()
    assert len(levels) == 25
    assert all(levels[(p, i)] == levels[(i, p)] for p in range(1, 6) for i in range(1, 6))


@pytest.mark.parametrize(("p", "i"), [(0, 3), (6, 1), (3, 0)])
def test_out_of_range_probability_or_impact_refused(p, i):
    with pytest.raises(DomainError):
        risk_level_for(probability=p, impact=i)


def _fields(owner, **extra):
    return {
        "title": "Data breach",
        "category": "operational",
        "probability": 2,
        "impact": 5,
        "owner": owner,
        "response": "mitigate",
        "review_date": datetime.date.today() + datetime.timedelta(days=30),
    } | extra


def test_create_and_update_recompute_level_with_history(risk_reviewer):
    risk = risk_create(actor=risk_reviewer, **_fields(risk_reviewer))
    assert risk.reference == "RSK-0001" and risk.level == "high"
    risk = risk_update(risk=risk, actor=risk_reviewer, probability=4, reason="Incident at a peer")
    assert risk.level == "critical"
    assert risk.history.count() == 2
    assert risk.history.first().history_change_reason == "Incident at a peer"


def test_overdue_reviews_flagged_and_review_clears(risk_reviewer):
    today = datetime.date.today()
    late = risk_create(
        actor=risk_reviewer, **_fields(risk_reviewer, review_date=today - datetime.timedelta(days=1))
    )
    risk_create(actor=risk_reviewer, **_fields(risk_reviewer, title="Other"))
    risk_create(
        actor=risk_reviewer,
        **_fields(
            risk_reviewer, title="Closed", status="closed", review_date=today - datetime.timedelta(days=9)
        ),
    )
    assert list(risk_register_list(overdue=True)) == [late]
    risk_reviewed(risk=late, actor=risk_reviewer, next_review=today + datetime.timedelta(days=90))
    assert not risk_register_list(overdue=True).exists()


def test_heat_counts(risk_reviewer):
    risk_create(actor=risk_reviewer, **_fields(risk_reviewer))
    risk_create(actor=risk_reviewer, **_fields(risk_reviewer, title="B"))
    risk_create(actor=risk_reviewer, **_fields(risk_reviewer, title="C", probability=1, impact=1))
    assert register_heat_counts(Risk.objects.all()) == {(2, 5): 2, (1, 1): 1}


@pytest.mark.parametrize("user", ["advisor", "client_user"])
def test_advisors_and_clients_cannot_change_register(request, user, risk_reviewer):
    with pytest.raises(NotAllowed):
        risk_create(actor=request.getfixturevalue(user), **_fields(risk_reviewer))
    assert not Risk.objects.exists()


def test_review_is_recorded_on_the_register_page(web_as, risk_reviewer, advisor):
    from django.urls import reverse

    # given an overdue register entry
    today = datetime.date.today()
    risk = risk_create(
        actor=risk_reviewer, **_fields(risk_reviewer, review_date=today - datetime.timedelta(days=1))
    )
    http = web_as(risk_reviewer)
    url = reverse("risk:register_review", args=[risk.pk])
    assert "Record a review" in http.get(reverse("risk:register_detail", args=[risk.pk])).content.decode()
    # a date in the past is refused with the reason, nothing changes
    past = http.post(url, {"next_review": today.isoformat(), "note": "x"}, follow=True)
    assert "must be in the future" in past.content.decode()
    risk.refresh_from_db()
    assert risk.review_date < today
    # when the reviewer records the review
    http.post(
        url, {"next_review": (today + datetime.timedelta(days=90)).isoformat(), "note": "controls tested"}
    )
    # then the next review moves on, with who and why in the history; an advisor may not do it
    risk.refresh_from_db()
    assert risk.review_date == today + datetime.timedelta(days=90)
    assert (
        render_reason(risk.history.first().history_change_reason, language="en")
        == "Reviewed. controls tested"
    )
    assert web_as(advisor).post(url, {"next_review": "2030-01-01"}).status_code == 403
