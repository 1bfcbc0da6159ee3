"""Helpers the risk services share: levels, links, the permission check, the change signal."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from advisory.errors import NotAllowed
from advisory.rules import can

from ..models import Product, RiskLevel

# Seeds' defaults; the values in force come from risk.conf (settings RISK_*).
VALIDITY_MONTHS = 12


REMINDER_DAYS = 30


LEVELS = [RiskLevel.C1, RiskLevel.C2, RiskLevel.C3, RiskLevel.C4, RiskLevel.C5]


def _url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _level(n: int) -> str:
    return LEVELS[max(1, min(5, n)) - 1].value


def _allowed(user, perm: str, obj=None) -> bool:
    """The rule itself, without Django's superuser bypass: roles decide (compliance signs off, not
    an administrator who happens to be a superuser)."""
    return can(user, perm, obj)


def _require(user, perm: str, obj=None, message: str | None = None) -> None:
    if not _allowed(user, perm, obj):
        raise NotAllowed(message or _("You are not allowed to do this."))


def _inputs_changed(
    *, client_ids: list[int] | None = None, product_ids: list[int] | None = None, reason: str
) -> None:
    """Tell the apps that rely on suitability (planning) that a client's profile or a product's
    rating changed, once the transaction commits (risk.signals.suitability_inputs_changed)."""
    from ..signals import suitability_inputs_changed

    client_ids, product_ids = list(client_ids or []), list(product_ids or [])
    transaction.on_commit(
        lambda: suitability_inputs_changed.send(
            sender=Product, client_ids=client_ids, product_ids=product_ids, reason=reason
        )
    )
