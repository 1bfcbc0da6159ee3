"""Risk form pages (through advisory.views_actions): recorded and said, or the refusal on its
field and nothing recorded."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from risk.models import ProfessionalInvestorClassification

pytestmark = pytest.mark.django_db


def test_professional_classification_recorded_and_said(web_as, advisor, own_client):
    url = reverse("risk:professional_new", args=[own_client.pk])
    http = web_as(advisor)
    assert http.get(url).status_code == 200

    response = http.post(url, {"evidence": "Assets over 5m, statement seen", "valid_from": "2026-01-01"})

    assert response["Location"] == reverse("risk:assessment_list")
    assert [str(m.message) for m in get_messages(response.wsgi_request)] == [
        "Professional investor classification recorded."
    ]
    assert ProfessionalInvestorClassification.objects.filter(client=own_client).count() == 1


def test_professional_classification_ending_before_it_starts_is_refused_on_its_field(
    web_as, advisor, own_client
):
    response = web_as(advisor).post(
        reverse("risk:professional_new", args=[own_client.pk]),
        {"evidence": "Statement", "valid_from": "2026-06-01", "valid_until": "2026-01-01"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["valid_until"] == ["The end date is before the start date."]
    assert not ProfessionalInvestorClassification.objects.exists()


def test_a_colleague_cannot_record_a_classification(web_as, colleague, own_client):
    response = web_as(colleague).post(
        reverse("risk:professional_new", args=[own_client.pk]),
        {"evidence": "Statement", "valid_from": "2026-01-01"},
    )

    assert response.status_code == 404
    assert not ProfessionalInvestorClassification.objects.exists()
