"""Risk levels and the product catalogue (SPEC §2). The risk-profiling issue adds
questionnaires, assessments and the register."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from advisory.models import TimeStampedModel


class RiskLevel(models.TextChoices):
    """Investor levels, C1 most conservative (SPEC §2)."""

    C1 = "C1", _("C1 Conservative")
    C2 = "C2", _("C2 Moderately conservative")
    C3 = "C3", _("C3 Balanced")
    C4 = "C4", _("C4 Moderately aggressive")
    C5 = "C5", _("C5 Aggressive")


class ProductRiskRating(models.TextChoices):
    R1 = "R1", _("R1 Low")
    R2 = "R2", _("R2 Medium-low")
    R3 = "R3", _("R3 Medium")
    R4 = "R4", _("R4 Medium-high")
    R5 = "R5", _("R5 High")


class AssetClass(models.TextChoices):
    CASH = "cash", _("Cash")
    BONDS = "bonds", _("Bonds")
    EQUITIES = "equities", _("Equities")
    REAL_ESTATE = "real_estate", _("Real estate")
    ALTERNATIVES = "alternatives", _("Alternatives")


def level_number(level: str) -> int:
    """C3 -> 3, R4 -> 4."""
    return int(level[1:])


class Product(TimeStampedModel):
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("type"), max_length=40)  # deposit, bond fund, equity fund, ...
    risk_rating = models.CharField(_("risk rating"), max_length=2, choices=ProductRiskRating.choices)
    asset_class = models.CharField(_("asset class"), max_length=20, choices=AssetClass.choices)
    liquidity_days = models.PositiveIntegerField(_("days to cash"), default=1)
    is_active = models.BooleanField(_("on sale"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.name} ({self.risk_rating})"
