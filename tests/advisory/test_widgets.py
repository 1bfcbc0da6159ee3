"""Long choice lists (advisory.widgets): options written in Python, people read as values."""

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext

from advisory.models import User
from advisory.roles import Role
from advisory.widgets import PersonChoiceField, QuickSelect, options_html
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class _Form(forms.Form):
    owner = PersonChoiceField(label="Owner", queryset=User.objects.none())

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff


def _staff():
    return User.objects.filter(role=Role.ADVISOR, is_active=True).order_by("full_name", "email")


def test_options_are_escaped_and_the_current_value_is_selected():
    html = options_html([(1, "Ann"), (2, "<b>Bo</b> & co")], selected="2")
    assert html == (
        '<option value="1">Ann</option><option value="2" selected>&lt;b&gt;Bo&lt;/b&gt; &amp; co</option>'
    )


def test_people_are_listed_by_name_or_email_in_the_querysets_order():
    # given three advisors, one without a name, and one person of another role
    b = UserFactory(full_name="Bo Brand")
    a = UserFactory(full_name="Ann Ash")
    nameless = UserFactory(full_name="", email="nameless@example.test")
    UserFactory(full_name="Cleo Compliance", role=Role.COMPLIANCE)
    # when the field lists its options
    choices = list(_Form(staff=_staff()).fields["owner"].choices)
    # then: the empty choice, then each advisor as `User.__str__` shows them, in order
    assert choices == [("", "---------"), (nameless.pk, str(nameless)), (a.pk, "Ann Ash"), (b.pk, "Bo Brand")]
    assert str(nameless) == "nameless@example.test"


def test_the_select_is_rendered_in_one_query_however_many_people_it_lists():
    UserFactory.create_batch(3)
    with CaptureQueriesContext(connection) as few:
        html_few = str(_Form(staff=_staff())["owner"])
    UserFactory.create_batch(30)
    with CaptureQueriesContext(connection) as many:
        html_many = str(_Form(staff=_staff())["owner"])
    # one SELECT of three columns each time: no COUNT, no whole user rows
    assert len(few) == len(many) == 1
    assert '"advisory_user"."password"' not in many[0]["sql"]
    assert html_few.count("<option") == 4 and html_many.count("<option") == 34
    assert isinstance(_Form.base_fields["owner"].widget, QuickSelect)


def test_the_current_person_is_selected():
    a, b = UserFactory(full_name="Ann Ash"), UserFactory(full_name="Bo Brand")
    html = str(_Form(staff=_staff(), initial={"owner": b.pk})["owner"])
    assert f'<option value="{b.pk}" selected>Bo Brand</option>' in html
    assert f'<option value="{a.pk}">Ann Ash</option>' in html


def test_a_submitted_person_is_looked_up_and_one_outside_the_list_is_refused():
    advisor = UserFactory(full_name="Ann Ash")
    outsider = UserFactory(full_name="Cleo Compliance", role=Role.COMPLIANCE)
    form = _Form({"owner": str(advisor.pk)}, staff=_staff())
    assert form.is_valid() and form.cleaned_data["owner"] == advisor
    form = _Form({"owner": str(outsider.pk)}, staff=_staff())
    assert not form.is_valid() and "owner" in form.errors
