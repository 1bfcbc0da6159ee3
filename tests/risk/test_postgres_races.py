"""PostgreSQL-only: a re-assessment prompt racing the expiry sweep (real concurrency, two
connections). The prompt must flag the profile as it is once the sweep commits, not write back the
copy it read before."""

import pytest

from advisory.history import audited_save
from advisory.roles import Role
from risk.models import AssessmentStatus, RiskAssessment
from risk.services import reassessment_prompt
from tests.concurrency import race
from tests.factories import UserFactory
from tests.planning.factories import ClientFactory, make_profile


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_prompt_while_the_expiry_sweep_holds_the_profile_keeps_the_expiry():
    # given a client with a confirmed profile
    advisor = UserFactory(role=Role.ADVISOR)
    client = ClientFactory(advisor=advisor)
    profile = make_profile(client=client)

    def expiry_sweep():  # what assessment_expiry_sweep does to one profile
        locked = RiskAssessment.objects.select_for_update().get(pk=profile.pk)
        locked.status = AssessmentStatus.EXPIRED
        audited_save(locked, actor=None, reason="Expired after 12 months")

    # when a prompt comes while the sweep has not yet committed
    race(expiry_sweep, lambda: reassessment_prompt(client=client, reason="income fell by half"))
    # then the profile is expired (the sweep's change stands) and flagged for re-assessment
    profile.refresh_from_db()
    assert profile.status == AssessmentStatus.EXPIRED
    assert profile.needs_reassessment
    assert profile.history.order_by("-history_id").first().status == AssessmentStatus.EXPIRED
