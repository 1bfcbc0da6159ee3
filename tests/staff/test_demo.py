"""The staff demo data loads, in Chinese, and a second run changes nothing."""

import pytest

from advisory.clock import today
from advisory.roles import Role
from advisory.staff import demo
from advisory.staff.models import (
    Appraisal,
    ConflictDeclaration,
    InternalAudit,
    PermissionRestriction,
    TrainingPlan,
)

pytestmark = pytest.mark.django_db


def test_staff_demo_seed_is_idempotent(advisor, colleague, supervisor, compliance_officer, administrator):
    ctx = {
        "today": today(),
        "advisor": advisor,
        "advisor2": colleague,
        "users": {
            Role.SUPERVISOR: supervisor,
            Role.COMPLIANCE: compliance_officer,
            Role.ADMINISTRATOR: administrator,
        },
    }
    demo.seed(ctx)
    counts = [m.objects.count() for m in (TrainingPlan, Appraisal, ConflictDeclaration, InternalAudit)]
    demo.seed(ctx)
    assert [
        m.objects.count() for m in (TrainingPlan, Appraisal, ConflictDeclaration, InternalAudit)
    ] == counts
    assert counts[0] == 4
    if counts[1]:  # not on 1 January (no closed period yet)
        assert Appraisal.objects.filter(staff_member=colleague, passed=False).exists()
        assert PermissionRestriction.objects.filter(staff_member=colleague).exists()
    assert InternalAudit.objects.filter(title="投诉处理流程内部审计").exists()
