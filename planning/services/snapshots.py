"""Financial snapshots (SPEC §3): the derived figures in one place, and a snapshot recorded."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from advisory.clock import today
from advisory.errors import DomainError
from advisory.history import audited_save
from advisory.models import User

from .. import conf
from ..models import FinancialSnapshot
from .common import ZERO, _q4, _require_plan_editor


@dataclass(frozen=True)
class SnapshotFigures:
    total_assets: Decimal
    liquid_assets: Decimal
    net_worth: Decimal
    monthly_savings: Decimal
    savings_rate: Decimal | None  # fraction of income
    debt_to_asset: Decimal | None  # fraction
    reserve_months: Decimal | None
    remarks: list[str]


def snapshot_figures(*, snapshot: FinancialSnapshot) -> SnapshotFigures:
    """SPEC §3 derived figures, all in one place: net worth, savings rate, debt-to-asset ratio and
    months of emergency reserve (cash and deposits ÷ monthly expenses), with plain-language remarks."""
    assets = snapshot.assets_by_class()
    total = sum(assets.values(), ZERO)
    liquid = assets["cash"]
    income, expenses = snapshot.monthly_income, snapshot.monthly_expenses
    savings = income - expenses
    savings_rate = _q4(savings / income) if income > 0 else None
    debt_ratio = _q4(snapshot.liabilities / total) if total > 0 else None
    reserve = (liquid / expenses).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if expenses > 0 else None
    remarks: list[str] = []
    minimum = conf.get("RESERVE_MONTHS_MIN")
    if reserve is not None and reserve < minimum:
        remarks.append(_("Emergency reserve below %(n)s months of expenses.") % {"n": minimum})
    if income > 0 and savings < 0:
        remarks.append(_("Expenses exceed income: the client is drawing down savings."))
    elif savings_rate is not None and savings_rate < Decimal("0.10"):
        # xgettext:no-python-format
        remarks.append(_("Savings rate below 10% of income."))
    if debt_ratio is not None and debt_ratio > Decimal("0.50"):
        remarks.append(_("Debts exceed half of total assets."))
    if total > 0 and snapshot.liabilities > total:
        remarks.append(_("Net worth is negative."))
    if not remarks:
        remarks.append(_("No concerns in this snapshot."))
    return SnapshotFigures(
        total_assets=total,
        liquid_assets=liquid,
        net_worth=total - snapshot.liabilities,
        monthly_savings=savings,
        savings_rate=savings_rate,
        debt_to_asset=debt_ratio,
        reserve_months=reserve,
        remarks=remarks,
    )


SNAPSHOT_FIELDS = [
    "as_of",
    "currency",
    "monthly_income",
    "monthly_expenses",
    "assets_cash",
    "assets_bonds",
    "assets_equities",
    "assets_real_estate",
    "assets_alternatives",
    "liabilities",
    "notes",
]


def snapshot_create(*, client, actor: User, data: dict[str, Any]) -> FinancialSnapshot:
    """A new dated snapshot; earlier snapshots stay as they were (history)."""
    _require_plan_editor(actor, client)
    values = {k: v for k, v in data.items() if k in SNAPSHOT_FIELDS and v is not None}
    for key, value in values.items():
        if key.startswith(("monthly_", "assets_", "liabilities")) and Decimal(value) < 0:
            raise DomainError(_("Amounts cannot be negative."), field=key)
    values.setdefault("as_of", today())
    snapshot = FinancialSnapshot(client=client, created_by=actor, **values)
    with transaction.atomic():
        audited_save(snapshot, actor=actor, reason="Financial snapshot recorded")
    return snapshot
