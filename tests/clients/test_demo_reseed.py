"""Seeding the demo again (`make run` a second time) after someone tried the demo."""

import pytest

from advisory import demo as advisory_demo
from advisory.clock import today
from clients import demo as clients_demo
from clients import services
from clients.models import Client

pytestmark = pytest.mark.django_db


def _seed() -> dict:
    ctx: dict = {"today": today()}
    advisory_demo.seed(ctx)
    clients_demo.seed(ctx)
    return ctx


def test_seeding_again_after_a_demo_clients_email_was_changed_opens_no_second_file():
    # given the demo's client files, and one client's email changed while trying the demo
    ctx = _seed()
    files = Client.objects.count()
    first = ctx["clients"][0]
    services.client_update(client=first, actor=first.advisor, data={"email": "tried-the-demo@example.cn"})
    # when the demo is seeded again
    _seed()
    # then the person is recognised by their identity number: no second file, no refusal
    assert Client.objects.count() == files
    assert Client.objects.get(pk=first.pk).email == "tried-the-demo@example.cn"
