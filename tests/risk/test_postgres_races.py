"""PostgreSQL-only: writes racing a sweep (real concurrency, two connections). The write must see
what the sweep committed while it waited (an expiry, a claimed reminder), not save back the copy
it read before."""

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


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_rating_approved_while_the_review_reminder_is_claimed_keeps_the_reminder():
    from django.utils import timezone

    from risk.models import ProductRatingAssessment, RatingAssessmentStatus
    from risk.services import product_rating_approve, product_rating_submit
    from risk.services.ratings import _claim_rating_reminder
    from tests.planning.factories import ProductFactory

    reviewer, compliance = UserFactory(role=Role.RISK_REVIEWER), UserFactory(role=Role.COMPLIANCE)
    product = ProductFactory(risk_rating="R3")
    first = product_rating_submit(
        product=product, actor=reviewer, proposed_rating="R3", rationale="x", factors="x"
    )
    product_rating_approve(assessment=first, actor=compliance)
    second = product_rating_submit(
        product=product, actor=reviewer, proposed_rating="R4", rationale="y", factors="y"
    )
    stamp = timezone.now()
    # when the review sweep claims the first assessment's reminder while the second is approved
    race(
        lambda: _claim_rating_reminder(first.pk, stamp),
        lambda: product_rating_approve(assessment=second, actor=compliance),
    )
    # then the first is superseded and its reminder stays recorded (not sent twice)
    first = ProductRatingAssessment.objects.get(pk=first.pk)
    assert first.status == RatingAssessmentStatus.SUPERSEDED
    assert first.review_reminder_sent_at == stamp
