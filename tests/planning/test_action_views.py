"""Planning form pages (through advisory.views_actions): saved and said, or the refusal on its field
and nothing saved."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from planning.models import Goal
from tests.planning.factories import ClientFactory

pytestmark = pytest.mark.django_db

GOAL = {
    "kind": "retirement",
    "name": "Retire at 60",
    "target_amount": "1000000",
    "priority": "2",
    "current_funding": "100000",
    "is_active": "on",
}


@pytest.fixture
def client_file(advisor):
    return ClientFactory(advisor=advisor, name="Carol File")


def test_goal_page_shows_the_form(web_as, advisor, client_file):
    assert web_as(advisor).get(reverse("planning:goal_create", args=[client_file.pk])).status_code == 200


def test_goal_saved_and_said(web_as, advisor, client_file):
    response = web_as(advisor).post(
        reverse("planning:goal_create", args=[client_file.pk]), {**GOAL, "target_date": "2060-01-01"}
    )

    assert response["Location"] == reverse("planning:client_plan", args=[client_file.pk])
    assert [str(m.message) for m in get_messages(response.wsgi_request)] == ["Goal saved."]
    assert Goal.objects.filter(client=client_file, name="Retire at 60").exists()


def test_goal_in_the_past_is_refused_on_its_field(web_as, advisor, client_file):
    response = web_as(advisor).post(
        reverse("planning:goal_create", args=[client_file.pk]), {**GOAL, "target_date": "2001-01-01"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["target_date"] == ["The target date cannot be in the past."]
    assert not Goal.objects.exists()


def test_a_colleague_cannot_add_a_goal(web_as, colleague, client_file):
    response = web_as(colleague).post(
        reverse("planning:goal_create", args=[client_file.pk]), {**GOAL, "target_date": "2060-01-01"}
    )

    assert response.status_code == 404  # outside their book: not even shown to exist
    assert not Goal.objects.exists()
