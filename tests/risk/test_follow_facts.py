"""Issue 14: exceptions that lapse, life events, product rating governance, configuration."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.checks import Error
from django.utils import translation

from advisory.errors import DomainError, NotAllowed
from audit.models import AuditAction, AuditEntry
from risk import conf
from risk.models import (
    AssessmentStatus,
    ExceptionStatus,
    LapseReason,
    LifeEvent,
    Product,
    ProductRatingAssessment,
    RatingAssessmentStatus,
)
from risk.selectors import approved_exception, client_risk_profile
from risk.services import (
    assessment_confirm,
    assessment_submit,
    exception_expiry_sweep,
    life_event_record,
    product_rating_approve,
    product_rating_reject,
    product_rating_submit,
    rating_review_sweep,
    suitability_exception_approve,
    suitability_exception_client_confirm,
    suitability_exception_request,
)
from tests.risk.factories import ProductFactory, make_assessment

pytestmark = pytest.mark.django_db


def _frozen(y, m, d):
    return time_machine.travel(datetime.datetime(y, m, d, 10, tzinfo=datetime.UTC), tick=False)


def _approved(client, product, advisor, client_user, compliance_officer, **scope):
    scope = scope or {"max_amount": Decimal("100000")}
    exc = suitability_exception_request(
        client=client, product=product, actor=advisor, client_reason="insists", **scope
    )
    suitability_exception_client_confirm(exception=exc, actor=client_user)
    return suitability_exception_approve(exception=exc, actor=compliance_officer, note="ok")


# --- exceptions -------------------------------------------------------------------------------------


def test_exception_records_level_rating_scope_and_expiry_defaults_to_profile(
    own_client, advisor, client_user, compliance_officer
):
    # given
    profile = make_assessment(client=own_client, level="C3")
    product = ProductFactory(risk_rating="R4")
    # when
    exc = _approved(own_client, product, advisor, client_user, compliance_officer)
    # then
    assert (exc.client_level, exc.product_rating) == ("C3", "R4")
    assert exc.max_amount == Decimal("100000")
    assert exc.expires_on == profile.valid_until


def test_exception_scope_needs_an_amount_or_a_proposal(own_client, advisor):
    make_assessment(client=own_client, level="C3")
    product = ProductFactory(risk_rating="R4")
    with pytest.raises(DomainError) as err:
        suitability_exception_request(client=own_client, product=product, actor=advisor, client_reason="x")
    assert "max_amount" in err.value.fields
    with pytest.raises(DomainError) as err:
        suitability_exception_request(
            client=own_client, product=product, actor=advisor, client_reason="x", scope="proposal"
        )
    assert "proposal_number" in err.value.fields


def test_exception_cannot_outlive_the_profile(own_client, advisor):
    profile = make_assessment(client=own_client, level="C3")
    product = ProductFactory(risk_rating="R4")
    with pytest.raises(DomainError) as err:
        suitability_exception_request(
            client=own_client,
            product=product,
            actor=advisor,
            client_reason="x",
            max_amount=1000,
            expires_on=profile.valid_until + datetime.timedelta(days=1),
        )
    assert "expires_on" in err.value.fields


def test_exception_covers_only_its_amount_and_scope(own_client, advisor, client_user, compliance_officer):
    make_assessment(client=own_client, level="C3")
    product = ProductFactory(risk_rating="R4")
    exc = _approved(
        own_client, product, advisor, client_user, compliance_officer, max_amount=Decimal("50000")
    )
    assert approved_exception(client=own_client, product=product, amount=Decimal("50000")) == exc
    assert approved_exception(client=own_client, product=product, amount=Decimal("50000.01")) is None
    other = ProductFactory(risk_rating="R4")
    one = _approved(own_client, other, advisor, client_user, compliance_officer, scope="proposal",
                    proposal_number="PRP-2026-000007")  # fmt: skip
    assert approved_exception(client=own_client, product=other, proposal_number="PRP-2026-000007") == one
    assert approved_exception(client=own_client, product=other, proposal_number="PRP-2026-000008") is None


def test_reassessment_lapses_exceptions_and_c1_never_passes_through_old_one(
    own_client, advisor, client_user, compliance_officer, version
):
    # given a C3 client with an approved exception for an R4 product
    make_assessment(client=own_client, level="C3", version=version)
    product = ProductFactory(risk_rating="R4")
    exc = _approved(own_client, product, advisor, client_user, compliance_officer)
    # when the client is re-assessed and falls to C1
    draft = assessment_submit(
        client=own_client, actor=client_user, answers={"horizon": "1to3y", "objective": "preserve"}
    )
    assert draft.effective_level == "C1"
    assessment_confirm(assessment=draft, actor=client_user)
    # then the exception lapsed, with an audit entry, and nothing covers the product
    exc.refresh_from_db()
    assert exc.status == ExceptionStatus.LAPSED and exc.lapse_reason == LapseReason.REASSESSED
    entries = AuditEntry.objects.filter(
        action=AuditAction.TRANSITION, record_id=str(exc.pk), record_type="risk.suitabilityexception"
    )
    assert any(e.changes.get("status") == ["approved", "lapsed"] for e in entries)
    assert approved_exception(client=own_client, product=product) is None


def test_c1_is_never_covered_even_by_a_matching_approved_row(own_client, advisor, compliance_officer):
    from tests.planning.factories import approve_exception

    make_assessment(client=own_client, level="C1")
    product = ProductFactory(risk_rating="R2")
    approve_exception(client=own_client, product=product, actor=compliance_officer)  # forced into the DB
    assert approved_exception(client=own_client, product=product) is None


def test_exception_for_another_level_does_not_cover(own_client, advisor, compliance_officer):
    from tests.planning.factories import approve_exception

    make_assessment(client=own_client, level="C3")
    product = ProductFactory(risk_rating="R4")
    exc = approve_exception(client=own_client, product=product, actor=compliance_officer)
    exc.client_level = "C4"
    exc.save()
    assert approved_exception(client=own_client, product=product) is None


def test_expired_exception_does_not_cover_and_sweep_lapses_it(
    own_client, advisor, client_user, compliance_officer
):
    with _frozen(2026, 3, 2):
        make_assessment(client=own_client, level="C3", valid_until=datetime.date(2027, 3, 1))
        product = ProductFactory(risk_rating="R4")
        exc = _approved(own_client, product, advisor, client_user, compliance_officer,
                        max_amount=Decimal("1000"), expires_on=datetime.date(2026, 3, 31))  # fmt: skip
    with _frozen(2026, 3, 31):  # last day: still covered
        assert approved_exception(client=own_client, product=product) == exc
        assert exception_expiry_sweep() == 0
    with _frozen(2026, 4, 1):
        assert approved_exception(client=own_client, product=product) is None
        assert exception_expiry_sweep() == 1
        assert exception_expiry_sweep() == 0  # idempotent
    exc.refresh_from_db()
    assert exc.status == ExceptionStatus.LAPSED and exc.lapse_reason == LapseReason.EXPIRED


# --- life events --------------------------------------------------------------------------------------


def test_significant_life_event_flags_profile(own_client, advisor):
    make_assessment(client=own_client, level="C4")
    event = life_event_record(
        client=own_client, actor=advisor, kind="job_loss", occurred_on=datetime.date(2026, 1, 5), note="裁员"
    )
    assert event.is_significant
    profile = client_risk_profile(client=own_client)
    assert profile.needs_reassessment and "Job loss" in str(profile.reassessment_reason)
    # the reason is a code: the profile's reader sees it in their language
    with translation.override("zh-hans"):
        assert "Job loss" not in str(profile.reassessment_reason)


def test_insignificant_life_event_does_not_flag(own_client, advisor):
    make_assessment(client=own_client, level="C4")
    life_event_record(
        client=own_client, actor=advisor, kind="marriage", occurred_on=datetime.date(2026, 1, 5),
        is_significant=False,
    )  # fmt: skip
    assert not client_risk_profile(client=own_client).needs_reassessment


def test_life_event_permissions(
    own_client, advisor, colleague, client_user, outsider_user, compliance_officer
):
    make_assessment(client=own_client)
    on = datetime.date(2026, 1, 5)
    for outsider in (colleague, outsider_user, compliance_officer):
        with pytest.raises(NotAllowed):
            life_event_record(client=own_client, actor=outsider, kind="retirement", occurred_on=on)
    life_event_record(client=own_client, actor=client_user, kind="retirement", occurred_on=on)
    assert LifeEvent.objects.filter(client=own_client).count() == 1


def test_life_event_bad_input_gives_field_errors(own_client, advisor):
    with pytest.raises(DomainError) as err:
        life_event_record(
            client=own_client, actor=advisor, kind="lottery", occurred_on=datetime.date(2026, 1, 1)
        )
    assert "kind" in err.value.fields
    with pytest.raises(DomainError) as err:
        life_event_record(
            client=own_client, actor=advisor, kind="other", occurred_on=datetime.date(2026, 1, 1)
        )
    assert "note" in err.value.fields


def test_new_confirmed_assessment_clears_the_flag(own_client, advisor, client_user, version):
    make_assessment(client=own_client, level="C3", version=version)
    life_event_record(
        client=own_client, actor=advisor, kind="inheritance", occurred_on=datetime.date(2026, 1, 5)
    )
    draft = assessment_submit(
        client=own_client, actor=client_user, answers={"horizon": "5to10y", "objective": "growth"}
    )
    assessment_confirm(assessment=draft, actor=client_user)
    assert not client_risk_profile(client=own_client).needs_reassessment


# --- product governance -------------------------------------------------------------------------------


def test_new_product_cannot_be_offered_until_second_person_approves(risk_reviewer, compliance_officer):
    # given a product without an approved rating
    product = Product.objects.create(
        code="NEW1", name="新基金", kind="fund", risk_rating="R3", asset_class="equities"
    )
    assert not product.is_offerable(datetime.date(2026, 1, 1))
    # when the risk reviewer writes the assessment
    a = product_rating_submit(product=product, actor=risk_reviewer, proposed_rating="R3",
                              rationale="波动率中等", factors="volatility\nliquidity")  # fmt: skip
    # then the assessor may not approve it, compliance may
    with pytest.raises(NotAllowed):
        product_rating_approve(assessment=a, actor=risk_reviewer)
    with _frozen(2026, 5, 10):
        product_rating_approve(assessment=a, actor=compliance_officer, note="同意")
        product.refresh_from_db()
        assert product.is_offerable(datetime.date(2026, 5, 10))
        assert product.rating_review_due == datetime.date(2027, 5, 10)  # yearly by default


def test_rating_assessment_needs_rationale_and_factors(risk_reviewer):
    product = ProductFactory()
    with pytest.raises(DomainError) as err:
        product_rating_submit(
            product=product, actor=risk_reviewer, proposed_rating="R9", rationale=" ", factors=""
        )
    assert set(err.value.fields) == {"proposed_rating", "rationale", "factors"}


def test_advisor_cannot_assess_or_approve_ratings(advisor, risk_reviewer):
    product = ProductFactory()
    with pytest.raises(NotAllowed):
        product_rating_submit(
            product=product, actor=advisor, proposed_rating="R3", rationale="x", factors="x"
        )
    a = product_rating_submit(
        product=product, actor=risk_reviewer, proposed_rating="R3", rationale="x", factors="x"
    )
    with pytest.raises(NotAllowed):
        product_rating_approve(assessment=a, actor=advisor)


def test_rejection_needs_a_reason_and_changes_nothing(risk_reviewer, compliance_officer):
    product = ProductFactory(risk_rating="R3")
    a = product_rating_submit(
        product=product, actor=risk_reviewer, proposed_rating="R5", rationale="x", factors="x"
    )
    with pytest.raises(DomainError):
        product_rating_reject(assessment=a, actor=compliance_officer, note="")
    product_rating_reject(assessment=a, actor=compliance_officer, note="证据不足")
    product.refresh_from_db()
    assert product.risk_rating == "R3"


def test_rerating_lapses_the_products_exceptions(
    own_client, advisor, client_user, compliance_officer, risk_reviewer
):
    make_assessment(client=own_client, level="C3")
    product = ProductFactory(risk_rating="R4")
    exc = _approved(own_client, product, advisor, client_user, compliance_officer)
    a = product_rating_submit(
        product=product, actor=risk_reviewer, proposed_rating="R5", rationale="杠杆", factors="leverage"
    )
    product_rating_approve(assessment=a, actor=compliance_officer)
    exc.refresh_from_db()
    product.refresh_from_db()
    assert product.risk_rating == "R5"
    assert exc.status == ExceptionStatus.LAPSED and exc.lapse_reason == LapseReason.RERATED


def test_confirming_the_same_rating_keeps_exceptions(
    own_client, advisor, client_user, compliance_officer, risk_reviewer
):
    make_assessment(client=own_client, level="C3")
    product = ProductFactory(risk_rating="R4")
    exc = _approved(own_client, product, advisor, client_user, compliance_officer)
    a = product_rating_submit(
        product=product, actor=risk_reviewer, proposed_rating="R4", rationale="复核", factors="x"
    )
    product_rating_approve(assessment=a, actor=compliance_officer)
    exc.refresh_from_db()
    assert exc.status == ExceptionStatus.APPROVED
    assert ProductRatingAssessment.objects.get(pk=a.pk).status == RatingAssessmentStatus.APPROVED


def test_rating_review_warning_before_it_lapses_once(risk_reviewer, compliance_officer):
    from advisory.models import Notification

    with _frozen(2026, 1, 10):
        product = Product.objects.create(
            code="RV1", name="复核基金", kind="fund", risk_rating="R2", asset_class="bonds"
        )
        a = product_rating_submit(
            product=product, actor=risk_reviewer, proposed_rating="R2", rationale="x", factors="x"
        )
        product_rating_approve(assessment=a, actor=compliance_officer)
    with _frozen(2026, 12, 10):  # 31 days before 2027-01-10: nothing yet
        assert rating_review_sweep()["warned"] == 0
    with _frozen(2026, 12, 11):  # 30 days before
        assert rating_review_sweep()["warned"] == 1
        assert rating_review_sweep()["warned"] == 0
    assert (
        Notification.objects.filter(kind="risk.rating_review_due", recipient=compliance_officer).count() == 1
    )
    product.refresh_from_db()
    assert product.is_offerable(datetime.date(2027, 1, 10))
    assert not product.is_offerable(datetime.date(2027, 1, 11))


# --- configuration ------------------------------------------------------------------------------------


def test_configured_validity_is_used(settings, own_client, client_user, version):
    settings.RISK_PROFILE_VALIDITY_MONTHS = 6
    with _frozen(2026, 3, 2):
        draft = assessment_submit(
            client=own_client, actor=client_user, answers={"horizon": "3to5y", "objective": "balanced"}
        )
        a = assessment_confirm(assessment=draft, actor=client_user)
    assert a.valid_until == datetime.date(2026, 9, 1)
    assert a.status == AssessmentStatus.CONFIRMED


def test_configuration_defaults_are_valid():
    assert conf.validate() == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RISK_PROFILE_VALIDITY_MONTHS", 0),
        ("RISK_PROFILE_REMINDER_DAYS", "thirty"),
        ("RISK_SIGNIFICANT_INCOME_CHANGE", Decimal("5")),
        ("RISK_CONTRADICTION_RULES", [("horizon", {"lt1y"}, "nonsense", {"x"}, "m")]),
        ("RISK_SIGNIFICANT_LIFE_EVENTS", ["lottery"]),
        ("QUALIFICATION_WARNING_DAYS", -1),
        ("RISK_RATING_REVIEW_MONTHS", 100),
    ],
)
def test_nonsense_configuration_fails_the_system_check(settings, name, value):
    setattr(settings, name, value)
    errors = conf.check_configuration()
    assert errors and all(isinstance(e, Error) for e in errors)
    assert name in errors[0].msg


def test_configured_income_threshold(settings):
    from types import SimpleNamespace

    from risk.services import significant_change_reasons

    before, after = (
        SimpleNamespace(monthly_income=Decimal("10000")),
        SimpleNamespace(monthly_income=Decimal("8800")),
    )
    assert significant_change_reasons(before=before, after=after) == []
    settings.RISK_SIGNIFICANT_INCOME_CHANGE = Decimal("0.10")
    assert significant_change_reasons(before=before, after=after)
