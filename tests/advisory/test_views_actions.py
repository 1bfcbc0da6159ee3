"""The action-view helper (advisory.views_actions): bind, call one service, refusal → form error or
message, redirect."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.models import Notification
from advisory.views_actions import form_page, form_submit, post_action
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class SubjectForm(forms.Form):
    subject = forms.CharField(label="Subject", max_length=50)


def notification_create(*, actor, subject: str) -> Notification:
    """A stand-in service: refuses some subjects, otherwise writes one row."""
    if subject == "taken":
        raise DomainError("That subject is taken.", field="subject")
    if subject == "locked":
        raise Conflict("The inbox is locked.")
    if subject == "forbidden":
        raise NotAllowed("Only the owner may write here.")
    return Notification.objects.create(recipient=actor, kind="test", subject=subject)


@pytest.fixture
def page_template(settings, tmp_path):
    (tmp_path / "form.html").write_text(
        "{% for e in form.non_field_errors %}<{{ e }}>{% endfor %}"
        "{% for e in form.subject.errors %}[{{ e }}]{% endfor %}{{ title }}"
    )
    settings.TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [tmp_path]}]
    return "form.html"


def _request(method: str, data: dict | None = None):
    factory = RequestFactory()
    request = factory.post("/x/", data or {}) if method == "POST" else factory.get("/x/")
    request.user = UserFactory()
    request._messages = CookieStorage(request)
    return request


def _page(request, **kwargs):
    return form_page(
        request,
        form=SubjectForm(request.POST or None),
        perform=lambda d: notification_create(actor=request.user, **d),
        success=lambda n: f"Saved {n.subject}.",
        then=lambda n: f"/done/{n.pk}/",
        template="form.html",
        context={"title": "New"},
        **kwargs,
    )


def _texts(request) -> list[str]:
    return [m.message for m in get_messages(request)]


def test_form_page_get_shows_the_form_and_calls_nothing(page_template):
    request = _request("GET")

    response = _page(request)

    assert response.status_code == 200
    assert response.content.decode() == "New"
    assert Notification.objects.count() == 0


def test_form_page_success_calls_the_service_says_so_and_redirects(page_template):
    request = _request("POST", {"subject": "hello"})

    response = _page(request)

    note = Notification.objects.get()
    assert note.subject == "hello"
    assert response.status_code == 302
    assert response["Location"] == f"/done/{note.pk}/"
    assert _texts(request) == ["Saved hello."]


def test_form_page_refusal_lands_on_its_field_and_changes_nothing(page_template):
    # given: a subject the service refuses
    request = _request("POST", {"subject": "taken"})

    # when
    response = _page(request, error_status=400)

    # then: the page again, the message on the field, no row, no success message
    assert response.status_code == 400
    assert response.content.decode() == "[That subject is taken.]New"
    assert Notification.objects.count() == 0
    assert _texts(request) == []


def test_form_page_invalid_input_never_reaches_the_service(page_template):
    request = _request("POST", {"subject": ""})

    response = _page(request)

    assert response.status_code == 200
    assert "required" in response.content.decode()
    assert Notification.objects.count() == 0


def test_form_page_role_refusal_is_a_403_when_asked(page_template):
    request = _request("POST", {"subject": "forbidden"})

    with pytest.raises(PermissionDenied, match="Only the owner may write here."):
        _page(request, refusal_403=True)
    assert Notification.objects.count() == 0


def test_form_page_role_refusal_is_a_form_error_by_default(page_template):
    request = _request("POST", {"subject": "forbidden"})

    response = _page(request)

    assert response.status_code == 200
    assert response.content.decode() == "<Only the owner may write here.>New"
    assert Notification.objects.count() == 0


def _action(request, **kwargs):
    return post_action(
        request,
        form=SubjectForm(request.POST),
        perform=lambda d: notification_create(actor=request.user, **d),
        back="/back/",
        **kwargs,
    )


def test_post_action_success_says_so_and_goes_back():
    request = _request("POST", {"subject": "hello"})

    response = _action(request, success="Saved.")

    assert response.status_code == 302
    assert response["Location"] == "/back/"
    assert Notification.objects.filter(subject="hello").count() == 1
    assert _texts(request) == ["Saved."]


def test_post_action_success_can_go_to_what_the_service_made():
    request = _request("POST", {"subject": "hello"})

    response = _action(request, then=lambda n: f"/done/{n.pk}/")

    assert response["Location"] == f"/done/{Notification.objects.get().pk}/"
    assert _texts(request) == []


def test_post_action_refusal_is_an_error_message_and_changes_nothing():
    request = _request("POST", {"subject": "locked"})

    response = _action(request, success="Saved.", then=lambda n: "/never/")

    assert response.status_code == 302
    assert response["Location"] == "/back/"
    assert Notification.objects.count() == 0
    assert _texts(request) == ["The inbox is locked."]


def test_post_action_role_refusal_is_a_403_when_asked():
    request = _request("POST", {"subject": "forbidden"})

    with pytest.raises(PermissionDenied):
        _action(request, success="Saved.", refusal_403=True)
    assert Notification.objects.count() == 0
    assert _texts(request) == []


def test_post_action_invalid_form_names_the_field_or_says_the_given_message():
    request = _request("POST", {"subject": ""})
    response = _action(request, success="Saved.")
    assert response["Location"] == "/back/"
    assert _texts(request) == ["Subject: This field is required."]

    request = _request("POST", {"subject": ""})
    _action(request, success="Saved.", invalid="Write a subject.")
    assert _texts(request) == ["Write a subject."]
    assert Notification.objects.count() == 0


def test_post_action_without_a_form_passes_nothing():
    request = _request("POST")
    seen = []

    post_action(request, perform=seen.append, back="/back/", success="Done.")

    assert seen == [{}]
    assert _texts(request) == ["Done."]


def test_post_action_refuses_a_get():
    request = _request("GET")

    response = _action(request, success="Saved.")

    assert response.status_code == 405
    assert Notification.objects.count() == 0


def test_form_submit_is_the_core_step_for_pages_with_several_forms():
    user = UserFactory()
    call = lambda d: notification_create(actor=user, **d)  # noqa: E731

    ok, note = form_submit(SubjectForm({"subject": "hello"}), call)
    assert ok and note.subject == "hello"

    refused = SubjectForm({"subject": "taken"})
    assert form_submit(refused, call) == (False, None)
    assert refused.errors == {"subject": ["That subject is taken."]}

    with pytest.raises(PermissionDenied):
        form_submit(SubjectForm({"subject": "forbidden"}), call, refusal_403=True)
    assert Notification.objects.count() == 1
