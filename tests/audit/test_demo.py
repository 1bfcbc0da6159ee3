import pytest

from advisory.roles import Role
from audit import demo
from audit.models import DisposalBatch, DisposalStatus, LegalHold

pytestmark = pytest.mark.django_db


class _FakeClient:
    pk = 4242


def test_demo_seed_is_idempotent(compliance_officer, administrator, advisor):
    ctx = {
        "users": {Role.COMPLIANCE: compliance_officer, Role.ADMINISTRATOR: administrator},
        "advisor": advisor,
        "clients": [_FakeClient()],
    }
    demo.seed(ctx)
    demo.seed(ctx)
    assert LegalHold.objects.filter(client_id=4242).count() == 1
    assert DisposalBatch.objects.filter(status=DisposalStatus.PENDING).count() == 1
    assert DisposalBatch.objects.get().items.count() == 3
