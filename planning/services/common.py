"""Helpers the planning services share: rounding, asset-class labels, the plan-editor check."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from advisory.errors import NotAllowed
from advisory.models import User
from advisory.rules import can

from ..models import ASSET_CLASS_CHOICES

ZERO = Decimal("0")


PCT = Decimal("0.0001")


def _q4(value: Decimal) -> Decimal:
    return value.quantize(PCT, rounding=ROUND_HALF_UP)


def _class_label(code: str) -> str:
    return str(dict(ASSET_CLASS_CHOICES).get(code, code))


def _require_plan_editor(actor: User, client) -> None:
    if not can(actor, "planning.change_plan", client):
        raise NotAllowed(_("Only the client's responsible advisor may change the client's plan."))
