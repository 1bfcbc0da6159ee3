"""Browser smoke test: each role signs in through the real login page in headless Chromium,
lands on its home page, and a screenshot is saved under test-artifacts/."""

from pathlib import Path

import pytest

from advisory.roles import Role
from tests.factories import UserFactory

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ROLES = [
    (Role.ADVISOR, "/app/"),
    (Role.RISK_REVIEWER, "/app/"),
    (Role.COMPLIANCE, "/app/"),
    (Role.SUPERVISOR, "/app/"),
    (Role.ADMINISTRATOR, "/app/"),
    (Role.CLIENT, "/portal/"),
]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role,home", ROLES)
def test_each_role_signs_in_and_lands_on_its_home(browser, live_server, role, home):
    # given a person with this role
    user = UserFactory(
        role=role, full_name=f"Smoke {role}", email=f"{role}@smoke.test", is_staff=role == Role.ADMINISTRATOR
    )
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        # when they sign in through the login form
        page.goto(f"{live_server.url}/account/login/")
        page.fill("input[name=username]", user.email)
        page.fill("input[name=password]", "pass-word-123")
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        # then they are on their role's home page, with their name shown
        assert page.url == f"{live_server.url}{home}"
        assert user.full_name in page.content()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"home-{role}.png"), full_page=True)
    finally:
        page.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_advisor_reaches_new_proposal_from_the_client_page_by_clicks(browser, live_server):
    from tests.clients.factories import ClientFactory

    # given an advisor with a new client
    advisor = UserFactory(role=Role.ADVISOR, full_name="Click Advisor", email="click@smoke.test")
    client = ClientFactory(advisor=advisor, name="点击测试客户")
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(f"{live_server.url}/account/login/")
        page.fill("input[name=username]", advisor.email)
        page.fill("input[name=password]", "pass-word-123")
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        # when they open the client list, the client, and click "New proposal"
        page.goto(f"{live_server.url}/app/clients/")
        page.click(f"text={client.name}")
        page.wait_for_load_state("networkidle")
        page.click("a:has-text('New proposal')")
        page.wait_for_load_state("networkidle")
        # then they are on the proposal form for that client
        assert page.url == f"{live_server.url}/app/planning/proposals/new/{client.pk}/"
        assert client.name in page.content()
    finally:
        page.close()
