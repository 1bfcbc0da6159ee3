import pytest


@pytest.mark.django_db(transaction=True)
def test_health_reports_database_cache_and_broker(client):
    response = client.get("/health/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    body = response.json()
    names = " ".join(body.keys()).lower()
    assert "database" in names and "cache" in names and "broker" in names


@pytest.mark.django_db(transaction=True)
def test_health_page_for_a_browser_is_this_projects_page_in_the_readers_language(client):
    response = client.get("/health/", HTTP_ACCEPT="text/html", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    page = response.content.decode()
    assert "服务健康状况" in page and "所有依赖服务均正常响应。" in page
    assert "Database" in page or "database" in page.lower()
