"""Money is Decimal with a currency code; floats only inside numerical projections."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")


class Currency(models.TextChoices):
    CNY = "CNY", "CNY"
    HKD = "HKD", "HKD"
    TWD = "TWD", "TWD"
    USD = "USD", "USD"
    EUR = "EUR", "EUR"


def default_currency() -> str:
    return settings.FIRM_CURRENCY


def to_money(value: float | int | str | Decimal) -> Decimal:
    """Round a number to cents (half up) as Decimal."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def MoneyField(**kwargs) -> models.DecimalField:  # noqa: N802 - reads like a field class
    kwargs.setdefault("max_digits", 16)
    kwargs.setdefault("decimal_places", 2)
    kwargs.setdefault("default", Decimal("0"))
    return models.DecimalField(**kwargs)


def CurrencyField(**kwargs) -> models.CharField:  # noqa: N802
    kwargs.setdefault("max_length", 3)
    kwargs.setdefault("choices", Currency.choices)
    kwargs.setdefault("default", default_currency)
    kwargs.setdefault("verbose_name", _("currency"))
    return models.CharField(**kwargs)


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return format_money(self.amount, self.currency)


def format_money(amount: Decimal | None, currency: str | None = None) -> str:
    if amount is None:
        return "—"
    currency = currency or default_currency()
    return f"{currency} {to_money(amount):,.2f}"
