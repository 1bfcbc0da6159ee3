import pytest


@pytest.mark.django_db(transaction=True)
def test_health_reports_database_cache_and_broker(client):
    response = client.get("/health/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    body = response.json()
    names = " ".join(body.keys()).lower()
    assert "database" in names and "cache" in names and "broker" in names
