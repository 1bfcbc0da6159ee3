"""PostgreSQL-only: a re-assessment prompt racing the expiry sweep (real concurrency, two
connections). The prompt must flag the profile as it is once the sweep commits, not write back the
copy it read before."""

import threading

import pytest
from django.db import connections, transaction

from advisory.history import audited_save
from advisory.roles import Role
from risk.models import AssessmentStatus, RiskAssessment
from risk.services import reassessment_prompt
from tests.factories import UserFactory
from tests.planning.factories import ClientFactory, make_profile


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_prompt_while_the_expiry_sweep_holds_the_profile_keeps_the_expiry():
    # given a client with a confirmed profile
    advisor = UserFactory(role=Role.ADVISOR)
    client = ClientFactory(advisor=advisor)
    profile = make_profile(client=client)
    sweep_holds_the_row, prompt_started = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def expiry_sweep():  # what assessment_expiry_sweep does to one profile, held open a moment
        try:
            with transaction.atomic():
                locked = RiskAssessment.objects.select_for_update().get(pk=profile.pk)
                locked.status = AssessmentStatus.EXPIRED
                audited_save(locked, actor=None, reason="Expired after 12 months")
                sweep_holds_the_row.set()
                prompt_started.wait(5)
                threading.Event().wait(0.5)  # the prompt is now waiting on the row
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    def prompt():
        try:
            sweep_holds_the_row.wait(5)
            prompt_started.set()
            reassessment_prompt(client=client, reason="income fell by half")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=expiry_sweep), threading.Thread(target=prompt)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    # then the profile is expired (the sweep's change stands) and flagged for re-assessment
    profile.refresh_from_db()
    assert profile.status == AssessmentStatus.EXPIRED
    assert profile.needs_reassessment
    assert profile.history.order_by("-history_id").first().status == AssessmentStatus.EXPIRED
