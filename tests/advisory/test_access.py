"""Areas: staff in /app/, clients in /portal/, administrators in /admin/ — never crossed."""

import pytest
from django.urls import reverse

STAFF_FIXTURES = ["advisor", "risk_reviewer", "compliance_officer", "supervisor", "administrator"]


@pytest.mark.parametrize("role_fixture", STAFF_FIXTURES)
def test_staff_land_on_the_workspace_home(request, web_as, role_fixture):
    user = request.getfixturevalue(role_fixture)
    http = web_as(user)
    response = http.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("workspace:home")
    page = http.get(reverse("workspace:home"))
    assert page.status_code == 200
    assert user.full_name in page.content.decode()


@pytest.mark.parametrize("role_fixture", STAFF_FIXTURES)
def test_staff_cannot_open_the_client_portal(request, web_as, role_fixture):
    http = web_as(request.getfixturevalue(role_fixture))
    assert http.get(reverse("portal:home")).status_code == 403


def test_client_lands_on_the_portal(web_as, client_user):
    http = web_as(client_user)
    response = http.get(reverse("home"))
    assert response["Location"] == reverse("portal:home")
    assert http.get(reverse("portal:home")).status_code == 200


def test_client_cannot_open_any_staff_page(web_as, client_user):
    http = web_as(client_user)
    assert http.get(reverse("workspace:home")).status_code == 403
    assert http.get("/app/clients/").status_code == 403
    assert http.get("/admin/").status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("workspace:home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_only_administrators_reach_the_admin_site(web_as, advisor, administrator):
    assert web_as(administrator).get("/admin/").status_code == 200
    assert web_as(advisor).get("/admin/").status_code == 302  # Django admin sends non-staff to its login


def test_navigation_is_by_role(web_as, advisor, client_user):
    staff_page = web_as(advisor).get(reverse("workspace:home")).content.decode()
    portal_page = web_as(client_user).get(reverse("portal:home")).content.decode()
    assert 'href="/app/"' in staff_page and 'href="/portal/"' not in staff_page
    assert 'href="/portal/"' in portal_page and 'href="/app/"' not in portal_page


def test_only_the_most_specific_menu_entry_is_highlighted(compliance_officer):
    from django.test import RequestFactory

    from advisory.oversight.navigation import navigation_for

    request = RequestFactory().get("/app/complaints/intake/")
    request.user = compliance_officer
    active = [i["label"] for i in navigation_for(request) if i["active"]]
    assert [str(label) for label in active] == ["Email intake"]


def test_follow_ups_highlight_the_service_record_entry_not_clients(advisor):
    from django.test import RequestFactory
    from django.urls import reverse

    from advisory.oversight.navigation import navigation_for

    request = RequestFactory().get(reverse("clients:follow_up_list"))
    request.user = advisor
    active = [str(i["label"]) for i in navigation_for(request) if i["active"]]
    assert active == ["Service record"]
