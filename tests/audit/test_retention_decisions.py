"""Every record has a retention decision; floors cannot be lowered (SPEC §5)."""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from advisory.errors import DomainError
from audit.models import RetentionRule
from audit.registry import EXEMPT, lookup, retention_decision
from audit.services import retention_rule_update


def _product_models():
    """Every model of every installed app (ours, Django's and third-party), Historical* included;
    not the throw-away models some tests define."""
    return [m for m in apps.get_models() if not m.__module__.startswith("tests.")]


def test_every_concrete_model_has_a_retention_decision():
    missing = sorted(m._meta.label_lower for m in _product_models() if retention_decision(m) is None)
    assert missing == [], "register a retention rule and trigger, or add to audit.registry.EXEMPT"


def test_history_models_are_covered_and_counted():
    labels = {m._meta.label_lower for m in _product_models()}
    assert "clients.historicalclient" in labels and "planning.historicalproposalline" in labels


def test_exempt_list_names_only_existing_models_without_a_rule():
    labels = {m._meta.label_lower for m in apps.get_models()}
    assert set(EXEMPT) <= labels
    for label in EXEMPT:
        reg = lookup(label)
        assert reg is None or not reg.retention, f"{label} has a rule and is listed as exempt"
        assert EXEMPT[label].strip()


@pytest.mark.parametrize(
    ("label", "rule", "trigger"),
    [
        ("planning.proposalline", "service_record", "proposal.closed_at"),
        ("complaints.rectificationmeasure", "complaint", "case.closed_at"),
        ("complaints.complaintevent", "complaint", "complaint.closed_at"),
        ("advisory.archiveddocument", "service_record", "completed_at"),
        ("planning.financialsnapshot", "client_file", "client.relationship_ended_on"),
        ("planning.goal", "client_file", "client.relationship_ended_on"),
    ],
)
def test_records_that_had_no_rule_or_no_trigger_have_both(label, rule, trigger):
    reg = lookup(label)
    assert reg is not None and reg.retention == rule and reg.retention_trigger == trigger


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("record_type", "floor"), [("client_file", 5), ("service_record", 3), ("complaint", 5)]
)
def test_rule_cannot_be_set_below_its_floor(record_type, floor, compliance_officer, retention_rules):
    rule = RetentionRule.objects.get(record_type=record_type)
    # service
    with pytest.raises(DomainError) as exc:
        retention_rule_update(rule=rule, actor=compliance_officer, years=floor - 1)
    assert "years" in exc.value.fields and str(floor) in exc.value.message
    with pytest.raises(DomainError):
        retention_rule_update(rule=rule, actor=compliance_officer, years=0)
    # model validation (admin and forms run it)
    rule.refresh_from_db()
    rule.years = floor - 1
    with pytest.raises(ValidationError) as verr:
        rule.full_clean()
    assert "years" in verr.value.message_dict
    # lengthening is allowed
    rule.refresh_from_db()
    assert retention_rule_update(rule=rule, actor=compliance_officer, years=floor + 2).years == floor + 2
    assert RetentionRule.objects.get(pk=rule.pk).years == floor + 2


@pytest.mark.django_db
def test_api_and_admin_refuse_a_rule_below_its_floor(
    api_as, web_as, compliance_officer, administrator, retention_rules
):
    rule = RetentionRule.objects.get(record_type="client_file")
    api = api_as(compliance_officer)
    response = api.patch(f"/api/v1/audit/retention-rules/{rule.pk}/", {"years": 0}, format="json")
    assert response.status_code == 400
    assert "5" in str(response.json())
    response = web_as(administrator).post(
        f"/admin/audit/retentionrule/{rule.pk}/change/",
        {
            "record_type": rule.record_type,
            "name": rule.name,
            "years": 0,
            "trigger": rule.trigger,
            "description": "",
        },
    )
    assert response.status_code == 200  # form redisplayed with the error
    assert "At least 5 years" in response.content.decode()
    assert RetentionRule.objects.get(pk=rule.pk).years == 5


@pytest.mark.django_db
def test_lines_of_a_draft_may_be_replaced_but_not_those_of_a_submitted_proposal(advisor):
    from audit.retention import RetentionConflict
    from planning.models import ProposalStatus
    from tests.clients.factories import ClientFactory
    from tests.planning.factories import make_ready_proposal

    proposal = make_ready_proposal(client=ClientFactory(advisor=advisor), advisor=advisor)
    line = proposal.lines.first()
    line.delete()  # a draft: replaced while edited
    proposal.status = ProposalStatus.SUBMITTED
    proposal.save()
    with pytest.raises(RetentionConflict, match="Retained indefinitely under the 3-year service-record rule"):
        proposal.lines.first().delete()
