"""`{% load planning_tags %}`: names of the proposal checks in the reader's language."""

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

CHECK_LABELS = {
    "profile": _("Risk profile"),
    "lines": _("Product lines"),
    "suitability": _("Suitability"),
    "concentration": _("Concentration"),
    "deviation": _("Deviation from the model portfolio"),
    "liquidity": _("Liquidity"),
    "stress": _("Stress test"),
}


@register.filter
def check_label(code: str) -> str:
    """`suitability` → 适当性; an unknown code is shown with its first letter capitalised."""
    return CHECK_LABELS.get(code) or str(code).capitalize()


# The default stress scenarios (planning/conf.py), by code: the stored name is the English one.
STRESS_LABELS = {
    "equities_-30": _("Equities −30%"),
    "rates_+200bp": _("Rates +200 bp"),
    "2008_like": _("2008-like crisis"),
}


@register.filter
def stress_label(row: dict) -> str:
    """A stress-test row's scenario name in the reader's language (a scenario the firm added
    itself keeps the name it was given)."""
    return STRESS_LABELS.get(row.get("code", "")) or row.get("name", "")


@register.filter
def asset_class_label(code: str) -> str:
    """`real_estate` → 不动产 (the label of risk.AssetClass in the reader's language)."""
    from risk.models import AssetClass

    try:
        return AssetClass(code).label
    except ValueError:
        return code


@register.filter
def proposal_status_label(code: str) -> str:
    """`risk_approved` → its label in the reader's language (audit changes hold the code)."""
    from planning.models import ProposalStatus

    try:
        return ProposalStatus(code).label
    except ValueError:
        return code
