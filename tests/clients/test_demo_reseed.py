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


@pytest.mark.postgres  # seed_demo needs PostgreSQL (JSON `contains` lookups)
def test_the_whole_demo_seeds_in_the_evening_utc_with_a_service_record_and_feedback():
    """At 20:30 UTC it is already the next day in the firm's time zone (Asia/Shanghai): the demo's
    dates are the firm's. And the later demos see the clients the onboarding demo made active."""
    import datetime
    import os

    import time_machine
    from django.core.management import call_command

    from clients.service_models import Activity, ActivityStatus, FollowUpTask
    from complaints.feedback_models import ReturnVisit

    # when the demo is seeded on an evening, UTC
    with time_machine.travel(datetime.datetime(2026, 12, 1, 20, 30, tzinfo=datetime.UTC), tick=True):
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115, PTH123
        # then the service record and the return visits have their demo records
        assert Activity.objects.filter(status=ActivityStatus.COMPLETED).count() >= 3
        assert FollowUpTask.objects.filter(due_on__lt=today()).exists()  # one overdue, by the firm's date
        assert ReturnVisit.objects.exists()
