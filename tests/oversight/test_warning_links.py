"""A warning links only to a page its reader may open: the qualification-expiry warning points at
the staff page, which only supervisors and compliance may open (risk reviewers and the holder see
the warning without a link, never a 403)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse

from advisory.oversight import services
from tests.factories import StaffQualificationFactory

from .factories import aware

NOW = aware(2026, 6, 15, 12)


@pytest.fixture
def staff_link(db, advisor):
    with time_machine.travel(NOW, tick=False):
        StaffQualificationFactory(user=advisor, kind="fund", expires_on=datetime.date(2026, 6, 25))
        services.risk_warning_sweep()
        yield reverse("oversight:staff_detail", args=[advisor.pk])


@pytest.mark.parametrize("who", ["supervisor", "compliance_officer"])
def test_staff_page_link_shown_to_who_may_open_it(request, web_as, api_as, staff_link, who):
    user = request.getfixturevalue(who)
    page = web_as(user).get(reverse("oversight:warnings")).content.decode()
    assert f'href="{staff_link}"' in page
    home = web_as(user).get(reverse("workspace:home")).content.decode()
    assert f'href="{staff_link}"' in home
    rows = api_as(user).get("/api/v1/oversight/warnings/").json()["results"]
    assert [r["url"] for r in rows if r["kind"] == "qualification_expiring"] == [staff_link]
    assert web_as(user).get(staff_link).status_code == 200


@pytest.mark.parametrize("who", ["risk_reviewer", "advisor"])
def test_staff_page_link_hidden_from_who_may_not_open_it(request, web_as, api_as, staff_link, who):
    user = request.getfixturevalue(who)
    # the page they would land on refuses them ...
    assert web_as(user).get(staff_link).status_code == 403
    # ... so the warning is listed, as text, without the link
    page = web_as(user).get(reverse("oversight:warnings")).content.decode()
    assert "expires on 2026-06-25" in page
    assert staff_link not in page
    home = web_as(user).get(reverse("workspace:home")).content.decode()
    assert staff_link not in home
    rows = api_as(user).get("/api/v1/oversight/warnings/").json()["results"]
    assert [r["url"] for r in rows if r["kind"] == "qualification_expiring"] == [""]
