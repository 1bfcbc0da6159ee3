import pytest

from clients import services
from clients.models import ConsentKind
from tests.clients.factories import ClientFactory
from tests.clients.kyc_helpers import add_identity_document

VALID_PRC_ID = "11010519491231002X"


@pytest.fixture
def own_client(advisor):
    """A client in `advisor`'s book with a valid identity and complete financial status."""
    return services.client_create(
        actor=advisor,
        data={
            "name": "Zhang San 张三",
            "email": "zhang@example.test",
            "phone": "13812345678",
            "address": "北京市朝阳区建国路88号",
            "bank_account_number": "6222020012345678",
            "id_document_type": "prc_id",
            "id_number": VALID_PRC_ID,
            "monthly_income": 20000,
            "monthly_expenses": 8000,
            "liquid_reserves": 100000,
            "income_stability": "stable",
        },
    )


@pytest.fixture
def ready_case(own_client, advisor):
    """An onboarding case at information collection with everything needed to submit."""
    for kind in (ConsentKind.PRIVACY, ConsentKind.RISK_DISCLOSURE):
        services.consent_record(client=own_client, actor=advisor, kind=kind, channel="paper")
    add_identity_document(own_client, advisor)
    case = services.onboarding_start(client=own_client, actor=advisor)
    case = services.onboarding_transition(case=case, action="verify_identity", actor=advisor)
    return services.onboarding_transition(
        case=case, action="choose_business_type", actor=advisor, business_type="investment_advice"
    )


@pytest.fixture
def other_client(colleague):
    return ClientFactory(advisor=colleague, name="Colleague's Client")


from tests.audit.conftest import retention_rules  # noqa: E402,F401  (the default rules, for retention tests)
