"""Warnings this app is responsible for, for the global risk-warning sweep (SPEC §6).

`active_warnings()` returns {kind: {subject: WarningSpec}}; the caller passes each to
`advisory.warnings.warning_sync(kind=kind, active=subjects)`.
"""

from __future__ import annotations

from advisory.models import WarningKind
from advisory.warnings import WarningSpec

from .kyc import kyc_warning_specs
from .service_record import follow_up_overdue_specs
from .services import onboarding_overdue_specs


def active_warnings() -> dict[str, dict[tuple[str, str], WarningSpec]]:
    return {
        WarningKind.ONBOARDING_OVERDUE: onboarding_overdue_specs(),
        WarningKind.FOLLOW_UP_OVERDUE: follow_up_overdue_specs(),
        **kyc_warning_specs(),
    }
