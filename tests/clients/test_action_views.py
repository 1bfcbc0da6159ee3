"""Client-file action views (through advisory.views_actions): done and said, or refused with the
reason and nothing changed; a refusal for the role is a 403."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from clients.models import Consent, RelatedParty

pytestmark = pytest.mark.django_db


def _said(response) -> list[str]:
    return [str(m.message) for m in get_messages(response.wsgi_request)]


def test_related_party_added(web_as, advisor, own_client):
    response = web_as(advisor).post(
        reverse("clients:related_party_add", args=[own_client.pk]),
        {"relationship": "beneficial_owner", "name": "王大明"},
    )

    assert response["Location"] == reverse("clients:detail", args=[own_client.pk])
    assert _said(response) == ["Related party added."]
    assert RelatedParty.objects.filter(client=own_client, name="王大明").exists()


def test_related_party_with_an_unknown_file_number_is_refused(web_as, advisor, own_client):
    response = web_as(advisor).post(
        reverse("clients:related_party_add", args=[own_client.pk]),
        {"relationship": "beneficial_owner", "name": "王大明", "related_file_number": "cl-nope"},
    )

    assert response["Location"] == reverse("clients:detail", args=[own_client.pk])
    assert _said(response) == ["No client file CL-NOPE in your book."]
    assert not RelatedParty.objects.exists()


def test_related_party_form_without_a_name_says_what_is_missing(web_as, advisor, own_client):
    response = web_as(advisor).post(
        reverse("clients:related_party_add", args=[own_client.pk]), {"relationship": "beneficial_owner"}
    )

    assert _said(response) == ["Enter the relationship and name."]
    assert not RelatedParty.objects.exists()


def test_a_read_only_role_is_refused_with_a_403(web_as, risk_reviewer, own_client):
    response = web_as(risk_reviewer).post(
        reverse("clients:related_party_add", args=[own_client.pk]),
        {"relationship": "beneficial_owner", "name": "王大明"},
    )

    assert response.status_code == 403
    assert not RelatedParty.objects.exists()


def test_consent_form_without_a_choice_changes_nothing(web_as, advisor, own_client):
    before = Consent.objects.filter(client=own_client).count()

    response = web_as(advisor).post(reverse("clients:consent", args=[own_client.pk]), {})

    assert _said(response) == ["Choose the consent and how it was given."]
    assert Consent.objects.filter(client=own_client).count() == before


def test_agreement_page_shows_the_form_and_keeps_invalid_input_on_it(web_as, advisor, own_client):
    http = web_as(advisor)
    url = reverse("clients:agreement", args=[own_client.pk])

    assert http.get(url).status_code == 200
    response = http.post(url, {"scope": "Advice"})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not own_client.agreements.exists()
