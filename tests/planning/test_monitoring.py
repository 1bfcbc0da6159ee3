"""Issue 14: re-checks at issue and acceptance, monitoring of issued and accepted proposals with
warnings that open and close, holdings (entered or imported) and drift against the plan."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.models import RiskWarning, WarningKind
from audit.managers import allow_bulk_writes
from planning import services
from planning.models import Holding, ProposalStatus, Review
from risk.models import ExceptionStatus
from risk.services import life_event_record, product_rating_approve, product_rating_submit
from tests.planning.factories import (
    ClientFactory,
    ProductFactory,
    approve_exception,
    balanced_lines,
    make_profile,
    make_ready_proposal,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_file(advisor, client_user):
    client = ClientFactory(advisor=advisor, user=client_user, name="陈女士")
    make_profile(client=client)
    return client


def _approved(proposal, advisor, risk_reviewer, compliance_officer):
    for action, actor in (
        ("submit", advisor),
        ("risk_approve", risk_reviewer),
        ("compliance_approve", compliance_officer),
    ):
        proposal = services.proposal_transition(proposal=proposal, action=action, actor=actor, reason="ok")
    return proposal


def _issued(proposal, advisor, risk_reviewer, compliance_officer):
    proposal = _approved(proposal, advisor, risk_reviewer, compliance_officer)
    return services.proposal_transition(proposal=proposal, action="issue", actor=advisor)


def _open(kind, proposal):
    return RiskWarning.objects.filter(
        kind=kind, subject_type="planning.proposal", subject_id=str(proposal.pk), is_open=True
    )


# --- checks again at issue and acceptance ------------------------------------------------------------


def test_issue_blocked_when_profile_expired_since_approval(
    client_file, advisor, risk_reviewer, compliance_officer
):
    proposal = _approved(
        make_ready_proposal(client=client_file, advisor=advisor), advisor, risk_reviewer, compliance_officer
    )
    with allow_bulk_writes():
        client_file.risk_assessments.update(valid_until=datetime.date(2020, 1, 1))
    with pytest.raises(Conflict) as err:
        services.proposal_transition(proposal=proposal, action="issue", actor=advisor)
    assert "expired" in err.value.message
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.COMPLIANCE_APPROVED


def test_accept_blocked_after_life_event_flags_profile(
    client_file, advisor, risk_reviewer, compliance_officer, client_user
):
    proposal = _issued(
        make_ready_proposal(client=client_file, advisor=advisor), advisor, risk_reviewer, compliance_officer
    )
    life_event_record(
        client=client_file, actor=advisor, kind="retirement", occurred_on=datetime.date(2026, 6, 1)
    )
    with pytest.raises(Conflict) as err:
        services.proposal_transition(
            proposal=proposal, action="accept", actor=client_user, disclosure_acknowledged=True
        )
    assert "re-assessment" in err.value.message


def test_accept_blocked_when_exception_lapsed(
    client_file, advisor, risk_reviewer, compliance_officer, client_user
):
    # given an issued proposal whose R4 line relies on an approved exception
    risky = ProductFactory(asset_class="alternatives", risk_rating="R4")
    exc = approve_exception(client=client_file, product=risky, actor=compliance_officer)
    lines = balanced_lines()[:-1] + [(risky, Decimal("50000"))]
    proposal = _issued(
        make_ready_proposal(client=client_file, advisor=advisor, lines=lines),
        advisor,
        risk_reviewer,
        compliance_officer,
    )
    # when the exception lapses (expired)
    exc.expires_on = datetime.date(2020, 1, 1)
    exc.save()
    # then the client cannot accept, and the reason names the product
    with pytest.raises(Conflict) as err:
        services.proposal_transition(
            proposal=proposal, action="accept", actor=client_user, disclosure_acknowledged=True
        )
    assert risky.code in err.value.message


def test_accept_blocked_when_product_rerated(
    client_file, advisor, risk_reviewer, compliance_officer, client_user
):
    proposal = _issued(
        make_ready_proposal(client=client_file, advisor=advisor), advisor, risk_reviewer, compliance_officer
    )
    product = proposal.lines.first().product
    a = product_rating_submit(
        product=product, actor=risk_reviewer, proposed_rating="R3", rationale="x", factors="x"
    )
    product_rating_approve(assessment=a, actor=compliance_officer)
    with pytest.raises(Conflict) as err:
        services.proposal_transition(
            proposal=proposal, action="accept", actor=client_user, disclosure_acknowledged=True
        )
    assert "re-rated" in err.value.message


def test_new_proposal_blocked_while_profile_needs_reassessment(client_file, advisor):
    life_event_record(
        client=client_file, actor=advisor, kind="divorce", occurred_on=datetime.date(2026, 2, 1)
    )
    services.model_portfolios_install_defaults()
    with pytest.raises(Conflict) as err:
        services.proposal_create(client=client_file, actor=advisor, title="t", lines=balanced_lines())
    assert "re-assess" in err.value.message


def test_product_without_approved_rating_cannot_be_offered(client_file, advisor):
    unrated = ProductFactory(rating_approved_at=None, rating_review_due=None)
    services.model_portfolios_install_defaults()
    with pytest.raises(DomainError) as err:
        services.proposal_create(
            client=client_file, actor=advisor, title="t", lines=[(unrated, Decimal("1000"))]
        )
    assert "lines" in err.value.fields


# --- monitoring and warnings --------------------------------------------------------------------------


def test_concentration_breach_warning_fires_and_closes(
    settings, client_file, advisor, risk_reviewer, compliance_officer
):
    # given an issued proposal whose largest product is 20 % (within the 30 % limit)
    proposal = _issued(
        make_ready_proposal(client=client_file, advisor=advisor), advisor, risk_reviewer, compliance_officer
    )
    services.proposal_monitor_sweep()
    assert not _open(WarningKind.CONCENTRATION_BREACH, proposal).exists()
    # when the firm lowers the concentration limit to 15 %
    settings.PLANNING_CONCENTRATION_LIMIT = Decimal("0.15")
    counts = services.proposal_monitor_sweep()
    # then the nightly re-check opens one warning for the proposal, for its advisor
    warning = _open(WarningKind.CONCENTRATION_BREACH, proposal).get()
    assert warning.advisor_id == advisor.pk and proposal.number in warning.text
    assert counts["flagged"] == 1
    services.proposal_monitor_sweep()
    assert RiskWarning.objects.filter(kind=WarningKind.CONCENTRATION_BREACH).count() == 1  # deduplicated
    # and closes when the breach is resolved
    settings.PLANNING_CONCENTRATION_LIMIT = Decimal("0.30")
    services.proposal_monitor_sweep()
    assert not _open(WarningKind.CONCENTRATION_BREACH, proposal).exists()


def test_concentration_warning_through_the_oversight_sweep(
    settings, client_file, advisor, risk_reviewer, compliance_officer
):
    from advisory.oversight.services import risk_warning_sweep

    proposal = _issued(
        make_ready_proposal(client=client_file, advisor=advisor), advisor, risk_reviewer, compliance_officer
    )
    settings.PLANNING_CONCENTRATION_LIMIT = Decimal("0.15")
    services.proposal_monitor(proposal=proposal)
    risk_warning_sweep()
    assert _open(WarningKind.CONCENTRATION_BREACH, proposal).exists()


def test_rerating_raises_suitability_warning_on_accepted_plan(
    client_file, advisor, risk_reviewer, compliance_officer, client_user
):
    # given an accepted plan
    proposal = _issued(
        make_ready_proposal(client=client_file, advisor=advisor), advisor, risk_reviewer, compliance_officer
    )
    proposal = services.proposal_transition(
        proposal=proposal, action="accept", actor=client_user, disclosure_acknowledged=True
    )
    product = proposal.lines.order_by("position").last().product  # an R3 alternatives fund
    # when the product is re-rated above the client's level (the on-change re-check runs after commit)
    a = product_rating_submit(
        product=product, actor=risk_reviewer, proposed_rating="R5", rationale="x", factors="x"
    )
    product_rating_approve(assessment=a, actor=compliance_officer)
    services.proposals_recheck_for(product_ids=[product.pk])
    # then a suitability warning is open for the advisor; the approved checks stay as approved
    warning = _open(WarningKind.SUITABILITY_EXCEPTION, proposal).get()
    assert warning.advisor_id == advisor.pk and product.code in warning.text
    proposal.refresh_from_db()
    assert proposal.checks_ok and proposal.status == ProposalStatus.ACCEPTED
    assert {f["code"] for f in proposal.monitor["suitability"]} == {"rerated", "above_level"}


def test_profile_warning_opens_on_life_event_and_closes_on_reassessment(
    client_file, advisor, risk_reviewer, compliance_officer
):
    proposal = _issued(
        make_ready_proposal(client=client_file, advisor=advisor), advisor, risk_reviewer, compliance_officer
    )
    life_event_record(
        client=client_file, actor=advisor, kind="bereavement", occurred_on=datetime.date(2026, 6, 1)
    )
    services.proposals_recheck_for(client_ids=[client_file.pk])
    assert _open(WarningKind.PROFILE_EXPIRED, proposal).exists()
    make_profile(client=client_file)  # a new confirmed assessment
    with allow_bulk_writes():
        client_file.risk_assessments.exclude(
            pk=client_file.risk_assessments.order_by("-id").first().pk
        ).update(status="superseded")
    services.proposal_monitor_sweep()
    assert not _open(WarningKind.PROFILE_EXPIRED, proposal).exists()


def test_planning_sync_keeps_risk_warnings_of_shared_kinds(client_file, advisor, compliance_officer):
    from advisory.oversight.services import risk_warning_sweep

    other = ClientFactory(advisor=advisor)
    make_profile(client=other, level="C3", valid_until=datetime.date(2020, 1, 1))
    risk_warning_sweep()
    before = RiskWarning.objects.filter(kind=WarningKind.PROFILE_EXPIRED, is_open=True).count()
    services.warnings_sync()
    assert RiskWarning.objects.filter(kind=WarningKind.PROFILE_EXPIRED, is_open=True).count() == before == 1


def test_draft_rechecks_when_product_rerated(client_file, advisor, risk_reviewer, compliance_officer):
    proposal = make_ready_proposal(client=client_file, advisor=advisor)
    assert proposal.checks_ok
    product = proposal.lines.order_by("position").last().product
    a = product_rating_submit(
        product=product, actor=risk_reviewer, proposed_rating="R5", rationale="x", factors="x"
    )
    product_rating_approve(assessment=a, actor=compliance_officer)
    services.proposals_recheck_for(product_ids=[product.pk])
    proposal.refresh_from_db()
    assert not proposal.checks_ok


def _trail(proposal):
    """The proposal's history rows and audit entries, oldest first."""
    from audit.models import AuditEntry

    return (
        list(proposal.history.order_by("history_id").values_list("history_change_reason", flat=True)),
        list(
            AuditEntry.objects.filter(record_type="planning.proposal", record_id=str(proposal.pk))
            .order_by("sequence")
            .values_list("action", flat=True)
        ),
    )


def test_draft_recheck_that_changes_nothing_writes_no_history(client_file, advisor):
    # given a draft whose checks pass, and a re-check queued for its client (a new assessment, say)
    proposal = make_ready_proposal(client=client_file, advisor=advisor)
    history, audit = _trail(proposal)
    checked = proposal.checked_at
    # when the re-check finds the same outcome
    later = checked + datetime.timedelta(hours=1)
    with time_machine.travel(later, tick=False):
        assert services.proposals_recheck_for(client_ids=[client_file.pk]) == {"drafts": 1, "monitored": 0}
    # then only the time of the check moved: no history row, no audit entry
    proposal.refresh_from_db()
    assert proposal.checks_ok
    assert proposal.checked_at == later
    assert proposal.checks["computed_at"] == later.isoformat()
    assert _trail(proposal) == (history, audit)


def test_draft_recheck_that_changes_the_outcome_is_recorded(
    client_file, advisor, risk_reviewer, compliance_officer
):
    from advisory.texts import render_reason

    proposal = make_ready_proposal(client=client_file, advisor=advisor)
    history, audit = _trail(proposal)
    product = proposal.lines.order_by("position").last().product
    a = product_rating_submit(
        product=product, actor=risk_reviewer, proposed_rating="R5", rationale="x", factors="x"
    )
    product_rating_approve(assessment=a, actor=compliance_officer)
    services.proposals_recheck_for(product_ids=[product.pk])
    # one history row and one audit entry more, by the system, saying why
    new_history, new_audit = _trail(proposal)
    assert new_history[:-1] == history and len(new_audit) == len(audit) + 1
    assert render_reason(new_history[-1], "en") == "Checks run again"
    row = proposal.history.order_by("-history_id").first()
    assert row.history_user is None and not row.checks_ok


def test_draft_recheck_keeps_an_edit_saved_meanwhile(client_file, advisor):
    # given the re-check holds an older copy of the draft, and the advisor then renames it
    proposal = make_ready_proposal(client=client_file, advisor=advisor)
    stale = type(proposal).objects.get(pk=proposal.pk)
    services.proposal_update(proposal=proposal, actor=advisor, title="Renamed by the advisor")
    heavy = [(ProductFactory(), Decimal("1000"))]
    services.proposal_update(proposal=proposal, actor=advisor, lines=heavy)
    # when the re-check runs from the older copy
    rechecked = services.proposal_recheck(proposal=stale, actor=None)
    # then the advisor's edit stands and the checks are those of the saved lines
    proposal.refresh_from_db()
    assert proposal.title == rechecked.title == "Renamed by the advisor"
    assert proposal.total_amount == Decimal("1000.00") and not proposal.checks_ok


def test_proposal_submitted_meanwhile_keeps_its_checks(
    client_file, advisor, risk_reviewer, compliance_officer
):
    # given a re-check holding the proposal as a draft, which is submitted before the re-check runs
    proposal = make_ready_proposal(client=client_file, advisor=advisor)
    stale = type(proposal).objects.get(pk=proposal.pk)
    services.proposal_transition(proposal=proposal, action="submit", actor=advisor)
    submitted = type(proposal).objects.get(pk=proposal.pk)
    history, audit = _trail(proposal)
    product = proposal.lines.order_by("position").last().product
    a = product_rating_submit(
        product=product, actor=risk_reviewer, proposed_rating="R5", rationale="x", factors="x"
    )
    product_rating_approve(assessment=a, actor=compliance_officer)
    # when the re-check runs from its copy
    services.proposal_recheck(proposal=stale, actor=None)
    # then the submitted proposal is untouched: same checks, same time, nothing recorded
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED
    assert (proposal.checks, proposal.checks_ok, proposal.checked_at) == (
        submitted.checks,
        True,
        submitted.checked_at,
    )
    assert _trail(proposal) == (history, audit)


def test_rerating_notifies_advisor_once(client_file, advisor, risk_reviewer, compliance_officer):
    from advisory.models import Notification

    proposal = _issued(
        make_ready_proposal(client=client_file, advisor=advisor), advisor, risk_reviewer, compliance_officer
    )
    product = proposal.lines.order_by("position").last().product
    a = product_rating_submit(
        product=product, actor=risk_reviewer, proposed_rating="R5", rationale="x", factors="x"
    )
    product_rating_approve(assessment=a, actor=compliance_officer)
    services.proposals_recheck_for(product_ids=[product.pk])
    services.proposal_monitor_sweep()
    assert Notification.objects.filter(recipient=advisor, kind="planning.proposal.recheck").count() == 1


def test_on_change_recheck_runs_after_commit(
    django_capture_on_commit_callbacks, client_file, advisor, risk_reviewer, compliance_officer
):
    proposal = _issued(
        make_ready_proposal(client=client_file, advisor=advisor), advisor, risk_reviewer, compliance_officer
    )
    with django_capture_on_commit_callbacks(execute=True):
        life_event_record(
            client=client_file, actor=advisor, kind="job_loss", occurred_on=datetime.date(2026, 6, 1)
        )
    assert _open(WarningKind.PROFILE_EXPIRED, proposal).exists()


def test_lapsed_rating_review_flags_accepted_plan_nightly(
    client_file, advisor, risk_reviewer, compliance_officer, client_user
):
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC), tick=False):
        proposal = _issued(
            make_ready_proposal(client=client_file, advisor=advisor),
            advisor,
            risk_reviewer,
            compliance_officer,
        )
        product = proposal.lines.first().product
        product.rating_review_due = datetime.date(2026, 4, 30)
        product.save()
        services.proposal_monitor_sweep()
        assert not _open(WarningKind.SUITABILITY_EXCEPTION, proposal).exists()
    with time_machine.travel(datetime.datetime(2026, 5, 1, 9, tzinfo=datetime.UTC), tick=False):
        services.proposal_monitor_sweep()
        assert _open(WarningKind.SUITABILITY_EXCEPTION, proposal).exists()


# --- holdings and drift --------------------------------------------------------------------------------


@pytest.fixture
def plan(client_file, advisor, risk_reviewer, compliance_officer, client_user):
    proposal = _issued(
        make_ready_proposal(client=client_file, advisor=advisor), advisor, risk_reviewer, compliance_officer
    )
    return services.proposal_transition(
        proposal=proposal, action="accept", actor=client_user, disclosure_acknowledged=True
    )


CSV_OK = "as_of,product_code,asset_class,market_value,currency\n2026-06-30,,cash,100000,CNY\n2026-06-30,,bonds,400000,CNY\n2026-06-30,,equities,410000,CNY\n2026-06-30,,real_estate,90000,CNY\n"


def test_import_dry_run_writes_nothing_and_confirm_writes_all(plan, advisor):
    preview = services.holdings_import(plan=plan, actor=advisor, content=CSV_OK.replace("CNY", plan.currency))
    assert preview.ok and len(preview.rows) == 4
    assert not Holding.objects.exists()
    services.holdings_import(
        plan=plan, actor=advisor, content=CSV_OK.replace("CNY", plan.currency), dry_run=False
    )
    assert Holding.objects.filter(plan=plan).count() == 4


def test_import_preview_lists_each_rows_errors_and_refuses_to_write(plan, advisor):
    bad = (
        "as_of,product_code,asset_class,market_value,currency\n"
        f"2026-13-01,,cash,100,{plan.currency}\n"
        f"2026-06-30,NOPE,,100,{plan.currency}\n"
        f"2026-06-30,,gold,-5,{plan.currency}\n"
        f"2026-06-30,,cash,100,{plan.currency}\n"
    )
    preview = services.holdings_import(plan=plan, actor=advisor, content=bad)
    assert not preview.ok and preview.error_count == 3
    assert [bool(r.errors) for r in preview.rows] == [True, True, True, False]
    assert any("as_of" in e for e in preview.rows[0].errors)
    assert any("product_code" in e for e in preview.rows[1].errors)
    assert any("market_value" in e for e in preview.rows[2].errors) and any(
        "asset_class" in e for e in preview.rows[2].errors
    )
    with pytest.raises(DomainError):
        services.holdings_import(plan=plan, actor=advisor, content=bad, dry_run=False)
    assert not Holding.objects.exists()


def test_import_needs_the_header(plan, advisor):
    preview = services.holdings_import(plan=plan, actor=advisor, content="a,b\n1,2\n")
    assert not preview.ok and preview.errors


def test_holdings_permissions(plan, colleague, client_user, compliance_officer):
    for user in (colleague, client_user, compliance_officer):
        with pytest.raises(NotAllowed):
            services.holdings_import(plan=plan, actor=user, content=CSV_OK)


def test_review_drift_against_plan_allocation_from_holdings(plan, advisor):
    # given holdings: equities 41 % where the plan holds 35 %
    services.holdings_import(
        plan=plan, actor=advisor, content=CSV_OK.replace("CNY", plan.currency), dry_run=False
    )
    review = Review.objects.create(
        client=plan.client, proposal=plan, sequence=1, level="C3", due_date=datetime.date(2026, 7, 1)
    )
    values = services.review_current_values_default(review=review)
    assert values["equities"] == Decimal("410000")
    review = services.review_record(review=review, actor=advisor, current_values=values, outcome="调整")
    assert review.drift["equities"]["target"] == "0.3500"
    assert review.max_drift == Decimal("0.0600") and review.rebalance_proposed


def test_review_target_is_the_plans_own_allocation_not_the_model(plan, advisor):
    from planning.services.holdings import plan_allocation

    with allow_bulk_writes():
        plan.lines.filter(position=0).update(amount=Decimal("300000"))  # the plan deviates from the model
    alloc = plan_allocation(plan=plan)
    assert alloc["cash"] == (Decimal("300000") / Decimal("1200000")).quantize(Decimal("0.0001"))


def test_manual_holdings_entry_validates(plan, advisor):
    with pytest.raises(DomainError) as err:
        services.holdings_record(
            plan=plan, actor=advisor, as_of=datetime.date(2026, 6, 30), values={"cash": Decimal("-1")}
        )
    assert "cash" in err.value.fields
    made = services.holdings_record(
        plan=plan,
        actor=advisor,
        as_of=datetime.date(2026, 6, 30),
        values={"cash": Decimal("5"), "bonds": Decimal("0")},
    )
    assert len(made) == 1


def test_exception_lapse_reason_visible(client_file):
    assert ExceptionStatus.LAPSED.label


def test_new_model_portfolio_rechecks_drafts(django_capture_on_commit_callbacks, client_file, advisor):
    # given a draft that matches the C3 model exactly
    proposal = make_ready_proposal(client=client_file, advisor=advisor)
    assert proposal.checks_ok
    # when a new C3 model portfolio with 30 points more equities is published
    weights = {"cash": ("0.05", "0.02", "0.005"), "bonds": ("0.20", "0.035", "0.05"),
               "equities": ("0.65", "0.07", "0.18"), "real_estate": ("0.05", "0.05", "0.12"),
               "alternatives": ("0.05", "0.06", "0.15")}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        services.model_portfolio_create(
            level="C3", name="Equity tilt", weights=weights, actor=None, publish=True
        )
    # then the draft's checks ran again and now fail on deviation
    proposal.refresh_from_db()
    assert not proposal.checks_ok
    assert any(f["check"] == "deviation" for f in proposal.checks["failures"])


def test_rerating_through_the_signal_queues_the_recheck(
    django_capture_on_commit_callbacks, client_file, advisor, risk_reviewer, compliance_officer
):
    proposal = _issued(
        make_ready_proposal(client=client_file, advisor=advisor), advisor, risk_reviewer, compliance_officer
    )
    product = proposal.lines.order_by("position").last().product
    a = product_rating_submit(
        product=product, actor=risk_reviewer, proposed_rating="R5", rationale="x", factors="x"
    )
    with django_capture_on_commit_callbacks(execute=True):
        product_rating_approve(assessment=a, actor=compliance_officer)
    assert _open(WarningKind.SUITABILITY_EXCEPTION, proposal).exists()
