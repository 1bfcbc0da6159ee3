"""A client file edited in two places at once (advisory.editing): a save never silently undoes a
colleague's change made after the form was opened."""

from decimal import Decimal

from django.urls import reverse
from django.utils import translation

from audit.managers import allow_bulk_writes
from clients import services
from clients.models import Client
from tests.browser_forms import posted


def _open_form(http, client):
    page = http.get(reverse("clients:edit", args=[client.pk]))
    assert page.status_code == 200
    return page.text


def _meanwhile(client, actor, **data):
    """Someone else saves the same file after the form was opened."""
    services.client_update(client=client, actor=actor, data=data)


def test_a_colleagues_change_to_another_field_is_kept(web_as, advisor, own_client):
    # given: the form is open, and meanwhile the income is updated elsewhere
    http = web_as(advisor)
    page = _open_form(http, own_client)
    _meanwhile(own_client, advisor, monthly_income=Decimal("50000"))
    # when: the form is saved with only the email changed
    response = http.post(
        reverse("clients:edit", args=[own_client.pk]), posted(page, email="new@example.test")
    )
    # then: both changes stand (before, the form wrote back the income it had shown: 20000)
    assert response.status_code == 302
    client = Client.objects.get(pk=own_client.pk)
    assert client.email == "new@example.test"
    assert client.monthly_income == Decimal("50000")


def test_the_same_field_changed_by_both_is_refused_and_shown_then_saved_on_purpose(
    web_as, advisor, own_client
):
    http = web_as(advisor)
    page = _open_form(http, own_client)
    _meanwhile(own_client, advisor, email="theirs@example.test", monthly_expenses=Decimal("9000"))
    history_rows = own_client.history.count()

    # the save is refused, and nothing changes
    response = http.post(
        reverse("clients:edit", args=[own_client.pk]), posted(page, email="mine@example.test")
    )
    assert response.status_code == 200
    client = Client.objects.get(pk=own_client.pk)
    assert client.email == "theirs@example.test" and client.history.count() == history_rows
    # the page says who (here: the same advisor, in another window), which field, and what it
    # holds now
    text = response.content.decode()
    assert "You changed this record in another window" in text and "Nothing was saved" in text
    assert "in your other window" in text and "theirs@example.test" in text
    # the person's own entry is kept; the untouched field now shows the colleague's value
    again = posted(text)
    assert again["email"] == ["mine@example.test"]
    assert Decimal(again["monthly_expenses"][0]) == Decimal("9000")

    # saving the page as shown is a deliberate choice: theirs is replaced, the rest is kept
    assert http.post(reverse("clients:edit", args=[own_client.pk]), again).status_code == 302
    client = Client.objects.get(pk=own_client.pk)
    assert client.email == "mine@example.test" and client.monthly_expenses == Decimal("9000")


def test_both_changing_a_field_to_the_same_value_is_no_conflict(web_as, advisor, own_client):
    http = web_as(advisor)
    page = _open_form(http, own_client)
    _meanwhile(own_client, advisor, email="same@example.test")
    response = http.post(
        reverse("clients:edit", args=[own_client.pk]), posted(page, email="same@example.test")
    )
    assert response.status_code == 302


def test_multiple_choices_are_compared_as_sets(web_as, advisor, own_client):
    http = web_as(advisor)
    page = _open_form(http, own_client)
    _meanwhile(own_client, advisor, planning_needs=["education", "retirement"])
    # the form's other field changes; the colleague's ticks stay
    response = http.post(reverse("clients:edit", args=[own_client.pk]), posted(page, name="Zhang San 张三丰"))
    assert response.status_code == 302
    client = Client.objects.get(pk=own_client.pk)
    assert client.name == "Zhang San 张三丰" and client.planning_needs == ["education", "retirement"]


def test_a_form_without_its_shown_state_writes_as_before(web_as, advisor, own_client):
    http = web_as(advisor)
    page = _open_form(http, own_client)
    data = posted(page, email="plain@example.test", shown_state=None)
    _meanwhile(own_client, advisor, monthly_income=Decimal("50000"))
    assert http.post(reverse("clients:edit", args=[own_client.pk]), data).status_code == 302
    client = Client.objects.get(pk=own_client.pk)
    assert client.email == "plain@example.test" and client.monthly_income == Decimal("20000")


def test_a_tampered_shown_state_is_ignored(web_as, advisor, own_client):
    http = web_as(advisor)
    page = _open_form(http, own_client)
    data = posted(page, email="x@example.test", shown_state="forged")
    assert http.post(reverse("clients:edit", args=[own_client.pk]), data).status_code == 302
    assert Client.objects.get(pk=own_client.pk).email == "x@example.test"


def test_the_conflict_is_explained_in_the_persons_language(web_as, advisor, own_client):
    advisor.language = "zh-hans"
    advisor.save(update_fields=["language"])
    http = web_as(advisor)
    with translation.override("zh-hans"):
        page = _open_form(http, own_client)
        _meanwhile(own_client, advisor, email="theirs@example.test")
        response = http.post(
            reverse("clients:edit", args=[own_client.pk]),
            posted(page, email="mine@example.test"),
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    text = response.content.decode()
    assert response.status_code == 200 and "未保存任何内容" in text and "Nothing was saved" not in text


# -- the API: ETag and If-Match ----------------------------------------------------------------------
def test_api_update_with_a_stale_etag_is_refused_with_412(api_as, advisor, own_client):
    api = api_as(advisor)
    url = f"/api/v1/clients/{own_client.pk}/"
    read = api.get(url)
    etag = read["ETag"]
    assert read.status_code == 200 and etag.startswith('"')
    _meanwhile(own_client, advisor, email="theirs@example.test")

    stale = api.patch(url, {"email": "mine@example.test"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "precondition_failed"
    assert stale.json()["error"]["message"].startswith("You changed this record elsewhere")
    assert Client.objects.get(pk=own_client.pk).email == "theirs@example.test"

    fresh = api.get(url)["ETag"]
    assert fresh != etag
    done = api.patch(url, {"email": "mine@example.test"}, format="json", HTTP_IF_MATCH=fresh)
    assert done.status_code == 200 and done["ETag"] not in {etag, fresh}
    assert done["ETag"] == api.get(url)["ETag"]
    assert Client.objects.get(pk=own_client.pk).email == "mine@example.test"


def test_api_update_without_if_match_writes_as_before(api_as, advisor, own_client):
    api = api_as(advisor)
    url = f"/api/v1/clients/{own_client.pk}/"
    assert api.patch(url, {"email": "plain@example.test"}, format="json").status_code == 200
    assert Client.objects.get(pk=own_client.pk).email == "plain@example.test"


def test_the_etag_does_not_change_when_nothing_a_caller_may_write_changed(api_as, advisor, own_client):
    api = api_as(advisor)
    url = f"/api/v1/clients/{own_client.pk}/"
    before = api.get(url)["ETag"]
    with allow_bulk_writes():
        Client.objects.filter(pk=own_client.pk).update(financial_status_updated_at=None)
    assert api.get(url)["ETag"] == before


def test_the_schema_documents_if_match_on_updates_only():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)  # with the project's hooks
    operations = schema["paths"]["/api/v1/clients/{id}/"]

    def headers(method):
        return [p["name"] for p in operations[method].get("parameters", []) if p["in"] == "header"]

    assert headers("patch") == ["If-Match"] and headers("put") == ["If-Match"]
    assert "412" in operations["patch"]["responses"] and "412" not in operations["get"]["responses"]
    assert headers("get") == []
    assert "If-Match" not in schema["paths"]["/api/v1/clients/"]["get"].get("description", "")
