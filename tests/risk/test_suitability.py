import datetime

import pytest
import time_machine

from advisory.errors import Conflict, NotAllowed
from risk.models import AssessmentStatus, ExceptionStatus, ProfessionalInvestorClassification
from risk.selectors import approved_exception, client_risk_profile
from risk.services import (
    suitability_check,
    suitability_exception_approve,
    suitability_exception_client_confirm,
    suitability_exception_reject,
    suitability_exception_request,
)
from tests.risk.factories import ProductFactory, make_assessment

pytestmark = pytest.mark.django_db

PAIRS = [(c, r) for c in range(1, 6) for r in range(1, 6)]


@pytest.mark.parametrize(("c", "r"), PAIRS, ids=[f"C{c}-R{r}" for c, r in PAIRS])
def test_suitability_on_every_level_and_rating_pair(own_client, c, r):
    # given
    make_assessment(client=own_client, level=f"C{c}")
    product = ProductFactory(risk_rating=f"R{r}")
    # when
    result = suitability_check(client=own_client, product=product)
    # then
    assert result.suitable is (r <= c)
    assert result.client_level == f"C{c}"
    assert result.product_rating == f"R{r}"
    assert "R ≤ C" in str(result.reason)
    assert result.exception_possible is (r > c and c > 1)


def test_no_profile_is_not_suitable_and_no_exception(own_client):
    result = suitability_check(client=own_client, product=ProductFactory(risk_rating="R1"))
    assert not result.suitable
    assert not result.exception_possible
    assert "questionnaire" in str(result.reason)


def test_expired_profile_blocks_even_low_rated_products(own_client):
    # given a C5 profile whose last valid day was yesterday
    today = datetime.date.today()
    make_assessment(client=own_client, level="C5", valid_until=today - datetime.timedelta(days=1))
    # when
    result = suitability_check(client=own_client, product=ProductFactory(risk_rating="R1"))
    # then
    assert not result.suitable
    assert not result.exception_possible
    assert result.profile_expired
    assert "expired" in str(result.reason)


def test_profile_valid_on_its_last_day(own_client):
    today = datetime.date.today()
    make_assessment(client=own_client, level="C2", valid_until=today)
    assert suitability_check(client=own_client, product=ProductFactory(risk_rating="R2")).suitable


def test_professional_investor_may_take_every_rating(own_client, compliance_officer):
    # given a C1 client with a recorded professional classification
    make_assessment(client=own_client, level="C1")
    ProfessionalInvestorClassification.objects.create(
        client=own_client,
        evidence="Financial assets above 5m; 3 years of investment experience.",
        recorded_by=compliance_officer,
        valid_from=datetime.date.today() - datetime.timedelta(days=1),
    )
    # when / then
    for r in range(1, 6):
        result = suitability_check(client=own_client, product=ProductFactory(risk_rating=f"R{r}"))
        assert result.suitable and result.is_professional


def test_professional_classification_without_evidence_does_not_count(own_client, compliance_officer):
    make_assessment(client=own_client, level="C1")
    ProfessionalInvestorClassification.objects.create(
        client=own_client, evidence=" ", recorded_by=compliance_officer, valid_from=datetime.date.today()
    )
    assert not suitability_check(client=own_client, product=ProductFactory(risk_rating="R2")).suitable


def test_profile_selector_returns_current_confirmed(own_client):
    make_assessment(client=own_client, level="C2", status=AssessmentStatus.SUPERSEDED)
    current = make_assessment(client=own_client, level="C4")
    make_assessment(client=own_client, level="C5", status=AssessmentStatus.DRAFT)
    profile = client_risk_profile(client=own_client)
    assert profile.assessment_id == current.pk and profile.level == "C4" and not profile.is_expired


def test_c1_client_never_gets_an_exception(own_client, advisor):
    make_assessment(client=own_client, level="C1")
    with pytest.raises(Conflict, match="C1"):
        suitability_exception_request(
            max_amount=100000,
            client=own_client,
            product=ProductFactory(risk_rating="R2"),
            actor=advisor,
            client_reason="wants it",
        )


def test_expired_profile_gets_no_exception(own_client, advisor):
    make_assessment(
        client=own_client, level="C3", valid_until=datetime.date.today() - datetime.timedelta(days=3)
    )
    with pytest.raises(Conflict):
        suitability_exception_request(
            max_amount=100000,
            client=own_client,
            product=ProductFactory(risk_rating="R4"),
            actor=advisor,
            client_reason="x",
        )


def test_exception_flow_client_confirms_then_compliance_approves(
    own_client, advisor, client_user, compliance_officer
):
    # given
    make_assessment(client=own_client, level="C3")
    product = ProductFactory(risk_rating="R5")
    exc = suitability_exception_request(
        max_amount=100000,
        client=own_client,
        product=product,
        actor=advisor,
        client_reason="Client insists on the PE fund",
    )
    assert exc.status == ExceptionStatus.REQUESTED
    # compliance cannot approve before the client confirmed the warning
    with pytest.raises(Conflict):
        suitability_exception_approve(exception=exc, actor=compliance_officer)
    # when
    exc = suitability_exception_client_confirm(exception=exc, actor=client_user)
    exc = suitability_exception_approve(exception=exc, actor=compliance_officer, note="Documented")
    # then
    exc.refresh_from_db()
    assert (
        exc.status == ExceptionStatus.APPROVED
        and exc.client_confirmed_at
        and exc.decided_by == compliance_officer
    )
    assert approved_exception(client=own_client, product=product) == exc
    from audit.models import AuditEntry

    assert (
        AuditEntry.objects.filter(record_type="risk.suitabilityexception", action="transition").count() == 2
    )
    # the client's "please confirm" and compliance's "awaiting sign-off" are done (issue 13)
    assert client_user.notifications.get(kind="risk.exception_warning").done_at is not None
    assert compliance_officer.notifications.get(kind="risk.exception_pending").done_at is not None


@pytest.mark.parametrize("role", ["advisor", "risk_reviewer", "supervisor", "administrator", "client_user"])
def test_only_compliance_approves_exceptions(request, own_client, advisor, client_user, role):
    make_assessment(client=own_client, level="C3")
    exc = suitability_exception_request(
        max_amount=100000,
        client=own_client,
        product=ProductFactory(risk_rating="R4"),
        actor=advisor,
        client_reason="x",
    )
    suitability_exception_client_confirm(exception=exc, actor=client_user)
    with pytest.raises(NotAllowed):
        suitability_exception_approve(exception=exc, actor=request.getfixturevalue(role))
    exc.refresh_from_db()
    assert exc.status == ExceptionStatus.CLIENT_CONFIRMED


def test_colleague_cannot_request_and_other_client_cannot_confirm(
    own_client, advisor, colleague, outsider_user
):
    make_assessment(client=own_client, level="C3")
    product = ProductFactory(risk_rating="R4")
    with pytest.raises(NotAllowed):
        suitability_exception_request(
            max_amount=100000, client=own_client, product=product, actor=colleague, client_reason="x"
        )
    exc = suitability_exception_request(
        max_amount=100000, client=own_client, product=product, actor=advisor, client_reason="x"
    )
    with pytest.raises(NotAllowed):
        suitability_exception_client_confirm(exception=exc, actor=outsider_user)
    # the advisor may not confirm for a client who has a portal login
    with pytest.raises(NotAllowed):
        suitability_exception_client_confirm(exception=exc, actor=advisor)


def test_reject_needs_a_note(own_client, advisor, client_user, compliance_officer):
    make_assessment(client=own_client, level="C2")
    exc = suitability_exception_request(
        max_amount=100000,
        client=own_client,
        product=ProductFactory(risk_rating="R3"),
        actor=advisor,
        client_reason="x",
    )
    suitability_exception_client_confirm(exception=exc, actor=client_user)
    from advisory.errors import DomainError

    with pytest.raises(DomainError):
        suitability_exception_reject(exception=exc, actor=compliance_officer, note="")
    exc = suitability_exception_reject(
        exception=exc, actor=compliance_officer, note="Not in client's interest"
    )
    assert exc.status == ExceptionStatus.REJECTED


def test_suitability_check_on_a_given_day(own_client):
    with time_machine.travel(datetime.datetime(2026, 3, 1, 9, tzinfo=datetime.UTC), tick=False):
        make_assessment(client=own_client, level="C3", valid_until=datetime.date(2026, 6, 30))
        product = ProductFactory(risk_rating="R3")
        assert suitability_check(client=own_client, product=product).suitable
        assert not suitability_check(
            client=own_client, product=product, on=datetime.date(2026, 7, 1)
        ).suitable


def test_precomputed_profile_saves_queries(own_client, django_assert_num_queries):
    make_assessment(client=own_client, level="C3")
    products = [ProductFactory(risk_rating=f"R{r}") for r in range(1, 6)]
    profile = client_risk_profile(client=own_client)
    with django_assert_num_queries(0):
        results = [suitability_check(client=own_client, product=p, profile=profile) for p in products]
    assert [r.suitable for r in results] == [True, True, True, False, False]


@pytest.mark.parametrize(
    ("user_language", "file_language", "expected"),
    [
        ("", "zh-hans", "特别风险提示：产品成长私募股权基金的风险等级为R5，高于您的风险承受能力等级C3。"),
        ("", "zh-hant", "特別風險提示：產品成长私募股权基金的風險等級為R5，高於您的風險承受能力等級C3。"),
        (
            "",
            "en",
            "Special risk warning: the product 成长私募股权基金 is rated R5, above your risk level C3.",
        ),
        (
            "en",
            "zh-hans",
            "Special risk warning: the product 成长私募股权基金 is rated R5, above your risk level C3.",
        ),
    ],
)
def test_the_standard_warning_is_written_in_the_clients_language(
    own_client, advisor, client_user, user_language, file_language, expected
):
    # given: the advisor works in one language, the client reads another (their portal account's
    # choice first, else the preferred language on their file)
    from django.utils import translation

    client_user.language = user_language
    client_user.save(update_fields=["language"])
    own_client.preferred_language = file_language
    own_client.save(update_fields=["preferred_language"])
    make_assessment(client=own_client, level="C3")
    product = ProductFactory(name="成长私募股权基金", risk_rating="R5")
    # when: the advisor leaves the warning empty
    with translation.override("zh-hant" if file_language != "zh-hant" else "en"):
        exc = suitability_exception_request(
            max_amount=100000, client=own_client, product=product, actor=advisor, client_reason="x"
        )
    # then: the words the client is asked to confirm, and the notification that asks, are theirs
    exc.refresh_from_db()
    assert exc.warning_text.startswith(expected)
    assert client_user.notifications.get(kind="risk.exception_warning").body == exc.warning_text


def test_a_warning_the_advisor_wrote_is_kept_as_written(own_client, advisor):
    make_assessment(client=own_client, level="C3")
    exc = suitability_exception_request(
        max_amount=100000,
        client=own_client,
        product=ProductFactory(risk_rating="R5"),
        actor=advisor,
        client_reason="x",
        warning_text="  该产品五年内不能赎回。 ",
    )
    assert exc.warning_text == "该产品五年内不能赎回。"


def test_compliance_is_told_in_its_own_language_what_awaits_sign_off(
    own_client, advisor, client_user, compliance_officer
):
    make_assessment(client=own_client, level="C3")
    exc = suitability_exception_request(
        max_amount=100000,
        client=own_client,
        product=ProductFactory(name="成长私募股权基金", risk_rating="R5"),
        actor=advisor,
        client_reason="x",
    )
    suitability_exception_client_confirm(exception=exc, actor=client_user)
    note = compliance_officer.notifications.get(kind="risk.exception_pending")
    assert note.texts_in("en")[1] == (
        "Carol Chen (risk level C3) confirmed the special risk warning for 成长私募股权基金 (R5)."
    )
    assert note.texts_in("zh-hans") == (
        "适当性例外待签批",
        "Carol Chen（风险等级C3）已确认成长私募股权基金（R5）的特别风险提示。",
    )
