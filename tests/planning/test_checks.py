"""Every proposal check at its thresholds (SPEC §3)."""

from decimal import Decimal

import pytest

from planning import services
from tests.planning.factories import (
    ClientFactory,
    ProductFactory,
    approve_exception,
    balanced_lines,
    make_profile,
    make_ready_proposal,
    model_portfolios,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_file(advisor):
    client = ClientFactory(advisor=advisor)
    make_profile(client=client, level="C3")
    model_portfolios()
    return client


def _line_status(proposal, product, check):
    row = next(r for r in proposal.checks["lines"] if r["product_id"] == product.pk)
    return row[check]["status"]


def _class(proposal, code):
    return next(r for r in proposal.checks["classes"] if r["asset_class"] == code)


def test_balanced_proposal_passes_every_check(client_file, advisor):
    proposal = make_ready_proposal(client=client_file, advisor=advisor)
    assert proposal.checks_ok, proposal.checks["failures"]
    assert proposal.total_amount == Decimal("1000000.00")
    assert proposal.risk_level == "C3"
    assert proposal.model_portfolio.level == "C3"


def test_concentration_exactly_30_percent_passes(client_file, advisor):
    # given four products at 30 / 30 / 30 / 10 %
    products = [ProductFactory() for _ in range(4)]
    amounts = [Decimal("3000"), Decimal("3000"), Decimal("3000"), Decimal("1000")]
    # when
    proposal = services.proposal_create(
        client=client_file, actor=advisor, title="t", lines=list(zip(products, amounts, strict=True))
    )
    # then
    assert all(_line_status(proposal, p, "concentration") == "pass" for p in products)


def test_concentration_above_30_percent_fails(client_file, advisor):
    products = [ProductFactory() for _ in range(4)]
    amounts = [Decimal("3001"), Decimal("2333"), Decimal("2333"), Decimal("2333")]
    proposal = services.proposal_create(
        client=client_file, actor=advisor, title="t", lines=list(zip(products, amounts, strict=True))
    )
    assert _line_status(proposal, products[0], "concentration") == "fail"
    assert _line_status(proposal, products[1], "concentration") == "pass"
    assert not proposal.checks_ok
    assert any(f["check"] == "concentration" for f in proposal.checks["failures"])


def test_concentration_limit_is_configurable(client_file, advisor, settings):
    settings.PLANNING_CONCENTRATION_LIMIT = Decimal("0.25")
    products = [ProductFactory() for _ in range(4)]
    amounts = [Decimal("3000"), Decimal("3000"), Decimal("3000"), Decimal("1000")]
    proposal = services.proposal_create(
        client=client_file, actor=advisor, title="t", lines=list(zip(products, amounts, strict=True))
    )
    assert _line_status(proposal, products[0], "concentration") == "fail"


def _mix(eq: str, bonds: str):
    # C3 target: cash 10, bonds 40, equities 35, real estate 10, alternatives 5
    return [
        (ProductFactory(asset_class="cash", risk_rating="R1"), Decimal("100000")),
        (ProductFactory(asset_class="bonds"), Decimal(bonds)),
        (ProductFactory(asset_class="equities", risk_rating="R3"), Decimal(eq)),
        (ProductFactory(asset_class="real_estate", risk_rating="R3"), Decimal("100000")),
        (ProductFactory(asset_class="alternatives", risk_rating="R3"), Decimal("50000")),
    ]


def test_deviation_of_exactly_10_points_passes(client_file, advisor):
    proposal = services.proposal_create(
        client=client_file, actor=advisor, title="t", lines=_mix("450000", "300000")
    )
    assert _class(proposal, "equities")["deviation"] == "0.1000"
    assert _class(proposal, "equities")["status"] == "pass"
    assert _class(proposal, "bonds")["status"] == "pass"


def test_deviation_above_10_points_fails(client_file, advisor):
    proposal = services.proposal_create(
        client=client_file, actor=advisor, title="t", lines=_mix("450100", "299900")
    )
    assert _class(proposal, "equities")["status"] == "fail"
    assert _class(proposal, "bonds")["status"] == "fail"
    assert any(f["check"] == "deviation" for f in proposal.checks["failures"])


def test_liquidity_need_exactly_covered_passes_and_a_cent_more_fails(client_file, advisor):
    lines = balanced_lines()  # cash line 100,000 at 1 day; bonds and equities at 3 days
    ok = services.proposal_create(
        client=client_file,
        actor=advisor,
        title="t",
        lines=lines,
        liquidity_need_amount=Decimal("100000.00"),
        liquidity_need_days=1,
    )
    short = services.proposal_create(
        client=client_file,
        actor=advisor,
        title="t",
        lines=lines,
        liquidity_need_amount=Decimal("100000.01"),
        liquidity_need_days=1,
    )
    assert ok.checks["liquidity"]["status"] == "pass"
    assert short.checks["liquidity"]["status"] == "fail"
    assert short.checks["liquidity"]["available"] == "100000.00"
    assert not short.checks_ok


def test_liquidity_counts_products_within_the_horizon(client_file, advisor):
    proposal = services.proposal_create(
        client=client_file,
        actor=advisor,
        title="t",
        lines=balanced_lines(),
        liquidity_need_amount=Decimal("600000"),
        liquidity_need_days=3,
    )
    # cash 100k + bonds 400k + equities 350k are available within 3 days
    assert proposal.checks["liquidity"]["available"] == "850000.00"
    assert proposal.checks["liquidity"]["status"] == "pass"


def test_stress_losses_match_hand_computation(client_file, advisor):
    # given equities 500,000, bonds 300,000, cash 200,000
    lines = [
        (ProductFactory(asset_class="equities", risk_rating="R3"), Decimal("500000")),
        (ProductFactory(asset_class="bonds"), Decimal("300000")),
        (ProductFactory(asset_class="cash", risk_rating="R1"), Decimal("200000")),
    ]
    # when
    proposal = services.proposal_create(client=client_file, actor=advisor, title="t", lines=lines)
    stress = {row["code"]: row for row in proposal.checks["stress"]}
    # then: equities −30% → 150,000 (15%)
    assert stress["equities_-30"]["loss"] == "150000.00"
    assert stress["equities_-30"]["loss_pct"] == "0.1500"
    # rates +200 bp: bonds duration 6 → 12% of 300,000 = 36,000; cash duration 0.25 → 0.5% of 200,000 = 1,000
    assert stress["rates_+200bp"]["loss"] == "37000.00"
    assert stress["rates_+200bp"]["loss_pct"] == "0.0370"
    # 2008-like: equities −40% = 200,000; bonds −2% + 6% (rates −100 bp) = gain 12,000; cash gain 500
    assert stress["2008_like"]["loss"] == "187500.00"
    assert stress["2008_like"]["loss_pct"] == "0.1875"


def test_product_above_level_fails_suitability(client_file, advisor):
    risky = ProductFactory(asset_class="equities", risk_rating="R4")
    lines = balanced_lines()[:-1] + [(risky, Decimal("50000"))]
    proposal = services.proposal_create(client=client_file, actor=advisor, title="t", lines=lines)
    assert _line_status(proposal, risky, "suitability") == "fail"
    assert not proposal.checks_ok


def test_approved_exception_turns_failure_into_acknowledged_exception(
    client_file, advisor, compliance_officer
):
    # given an approved suitability exception for the R4 product
    risky = ProductFactory(asset_class="alternatives", risk_rating="R4")
    approve_exception(client=client_file, product=risky, actor=compliance_officer)
    lines = balanced_lines()[:-1] + [(risky, Decimal("50000"))]
    # when
    proposal = services.proposal_create(client=client_file, actor=advisor, title="t", lines=lines)
    # then
    assert _line_status(proposal, risky, "suitability") == "exception"
    assert proposal.checks_ok


def test_missing_profile_fails_checks(advisor):
    client = ClientFactory(advisor=advisor)
    model_portfolios()
    proposal = services.proposal_create(client=client, actor=advisor, title="t", lines=balanced_lines())
    assert not proposal.checks_ok
    assert any(f["check"] == "profile" for f in proposal.checks["failures"])


def test_checks_run_again_on_every_save(client_file, advisor):
    proposal = make_ready_proposal(client=client_file, advisor=advisor)
    heavy = [(ProductFactory(), Decimal("1000"))]
    proposal = services.proposal_update(proposal=proposal, actor=advisor, lines=heavy)
    assert not proposal.checks_ok
    assert proposal.total_amount == Decimal("1000.00")


def test_snapshot_figures_and_remarks(advisor):
    client = ClientFactory(advisor=advisor)
    snapshot = services.snapshot_create(
        client=client,
        actor=advisor,
        data={
            "monthly_income": Decimal("20000"),
            "monthly_expenses": Decimal("10000"),
            "assets_cash": Decimal("25000"),
            "assets_equities": Decimal("175000"),
            "liabilities": Decimal("50000"),
        },
    )
    figures = services.snapshot_figures(snapshot=snapshot)
    assert figures.net_worth == Decimal("150000")
    assert figures.savings_rate == Decimal("0.5000")
    assert figures.debt_to_asset == Decimal("0.2500")
    assert figures.reserve_months == Decimal("2.5")
    assert any("below 3 months" in r for r in figures.remarks)


def test_new_snapshot_keeps_the_earlier_one(advisor):
    client = ClientFactory(advisor=advisor)
    services.snapshot_create(client=client, actor=advisor, data={"monthly_income": Decimal("1")})
    services.snapshot_create(client=client, actor=advisor, data={"monthly_income": Decimal("2")})
    assert client.snapshots.count() == 2


def test_colleague_cannot_record_snapshot(advisor, colleague):
    from advisory.errors import NotAllowed

    client = ClientFactory(advisor=advisor)
    with pytest.raises(NotAllowed):
        services.snapshot_create(client=client, actor=colleague, data={})
    assert client.snapshots.count() == 0


def test_published_model_portfolio_is_frozen_and_new_version_copies(administrator):
    from advisory.errors import Conflict

    portfolios = model_portfolios()
    c3 = next(p for p in portfolios if p.level == "C3")
    with pytest.raises(Conflict):
        services.model_portfolio_guard_edit(portfolio=c3)
    draft = services.model_portfolio_new_version(portfolio=c3, actor=administrator)
    assert draft.version == 2 and draft.status == "draft"
    services.model_portfolio_publish(portfolio=draft, actor=administrator)
    c3.refresh_from_db()
    assert c3.status == "retired"
    assert services.model_portfolio_current(level="C3") == draft
