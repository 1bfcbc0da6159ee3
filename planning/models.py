"""Financial plans and portfolio proposals (SPEC §3): snapshots, goals, model portfolios,
proposals with their lines, and periodic reviews."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from advisory.models import TimeStampedModel
from advisory.money import CurrencyField, MoneyField
from advisory.validators import validate_plain_text_name
from audit.managers import AuditedManager

ASSET_CLASS_CHOICES = [
    ("cash", _("Cash")),
    ("bonds", _("Bonds")),
    ("equities", _("Equities")),
    ("real_estate", _("Real estate")),
    ("alternatives", _("Alternatives")),
]
ASSET_CLASSES = [code for code, _label in ASSET_CLASS_CHOICES]


class FinancialSnapshot(TimeStampedModel):
    """The client's finances on a date. A new snapshot is a new row: the history is kept."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="snapshots", verbose_name=_("client")
    )
    as_of = models.DateField(_("as of"))
    currency = CurrencyField()
    monthly_income = MoneyField(verbose_name=_("monthly income"))
    monthly_expenses = MoneyField(verbose_name=_("monthly expenses"))
    assets_cash = MoneyField(verbose_name=_("cash and deposits"))
    assets_bonds = MoneyField(verbose_name=_("bonds"))
    assets_equities = MoneyField(verbose_name=_("equities"))
    assets_real_estate = MoneyField(verbose_name=_("real estate"))
    assets_alternatives = MoneyField(verbose_name=_("alternatives"))
    liabilities = MoneyField(verbose_name=_("liabilities"))
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-as_of", "-id"]
        indexes = [models.Index(fields=["client", "-as_of"])]
        verbose_name = _("financial snapshot")
        verbose_name_plural = _("financial snapshots")

    def __str__(self) -> str:
        return f"{self.client_id} @ {self.as_of}"

    def assets_by_class(self) -> dict[str, Decimal]:
        return {code: getattr(self, f"assets_{code}") or Decimal("0") for code in ASSET_CLASSES}


class GoalKind(models.TextChoices):
    SAVINGS = "savings", _("Savings")
    INVESTMENT = "investment", _("Investment")
    RETIREMENT = "retirement", _("Retirement")
    FAMILY_PROTECTION = "family_protection", _("Family protection")
    EDUCATION = "education", _("Education")


class GoalPriority(models.IntegerChoices):
    HIGH = 1, _("High")
    MEDIUM = 2, _("Medium")
    LOW = 3, _("Low")


class Goal(TimeStampedModel):
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="goals", verbose_name=_("client")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=GoalKind.choices)
    name = models.CharField(_("name"), max_length=120, validators=[validate_plain_text_name])
    target_amount = MoneyField(verbose_name=_("target amount"))
    target_date = models.DateField(_("target date"))
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=GoalPriority.choices, default=GoalPriority.MEDIUM
    )
    current_funding = MoneyField(verbose_name=_("current funding"))
    is_active = models.BooleanField(_("active"), default=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["priority", "target_date", "id"]
        indexes = [models.Index(fields=["client", "is_active"])]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")

    def __str__(self) -> str:
        return self.name

    @property
    def funded_ratio(self) -> Decimal:
        if not self.target_amount:
            return Decimal("0")
        return self.current_funding / self.target_amount


class ModelPortfolioStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class ModelPortfolio(TimeStampedModel):
    """Target weights per asset class for one investor level. Versioned like questionnaires: a
    published version is frozen; a change is a new version (SPEC §2, §3)."""

    level = models.CharField(_("investor level"), max_length=2, db_index=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=120, validators=[validate_plain_text_name])
    status = models.CharField(
        _("status"), max_length=10, choices=ModelPortfolioStatus.choices, default=ModelPortfolioStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["level", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["level", "version"], name="uniq_model_portfolio_version"),
            models.UniqueConstraint(
                fields=["level"],
                condition=models.Q(status="published"),
                name="uniq_published_model_portfolio",
            ),
        ]
        verbose_name = _("model portfolio")
        verbose_name_plural = _("model portfolios")

    def __str__(self) -> str:
        return f"{self.level} v{self.version} {self.name}"

    @property
    def is_frozen(self) -> bool:
        return self.status != ModelPortfolioStatus.DRAFT


class ModelPortfolioWeight(models.Model):
    portfolio = models.ForeignKey(ModelPortfolio, on_delete=models.CASCADE, related_name="weights")
    asset_class = models.CharField(_("asset class"), max_length=20, choices=ASSET_CLASS_CHOICES)
    target_weight = models.DecimalField(
        _("target weight"), max_digits=5, decimal_places=4, help_text=_("0.3000 = 30 %")
    )
    expected_return = models.DecimalField(
        _("expected return p.a."), max_digits=5, decimal_places=4, default=Decimal("0")
    )
    volatility = models.DecimalField(
        _("volatility p.a."), max_digits=5, decimal_places=4, default=Decimal("0")
    )
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["portfolio", "asset_class"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "asset_class"], name="uniq_model_weight_class"),
        ]
        verbose_name = _("model portfolio weight")
        verbose_name_plural = _("model portfolio weights")

    def __str__(self) -> str:
        return f"{self.asset_class} {self.target_weight}"


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", pgettext_lazy("proposal state", "Submitted")
    RISK_APPROVED = "risk_approved", _("Risk approved")
    COMPLIANCE_APPROVED = "compliance_approved", _("Compliance approved")
    ISSUED = "issued", _("Issued to client")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Proposal(TimeStampedModel):
    number = models.CharField(_("number"), max_length=20, unique=True)  # PRP-2026-000001
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="proposals", verbose_name=_("client")
    )
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="proposals",
        verbose_name=_("advisor"),
    )
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ProposalStatus.choices,
        default=ProposalStatus.DRAFT,
        db_index=True,
    )
    currency = CurrencyField()
    total_amount = MoneyField(verbose_name=_("total"))
    liquidity_need_amount = MoneyField(
        verbose_name=_("liquidity need"),
        help_text=_("Money the client needs available at short notice."),
    )
    liquidity_need_days = models.PositiveIntegerField(
        _("liquidity horizon (days)"),
        default=30,
        help_text=_("Within how many days the money must be available."),
    )
    annual_contribution = MoneyField(verbose_name=_("annual contribution"))
    goals = models.ManyToManyField(Goal, blank=True, related_name="proposals", verbose_name=_("goals"))
    risk_level = models.CharField(_("client level at last check"), max_length=2, blank=True)
    model_portfolio = models.ForeignKey(
        ModelPortfolio, null=True, blank=True, on_delete=models.PROTECT, related_name="proposals"
    )
    checks = models.JSONField(_("check results"), default=dict, blank=True)
    checks_ok = models.BooleanField(_("checks pass"), default=False)
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    projection_seed = models.BigIntegerField(_("projection seed"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    risk_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    risk_approved_at = models.DateTimeField(_("risk approved"), null=True, blank=True)
    compliance_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    compliance_approved_at = models.DateTimeField(_("compliance approved"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided by client"), null=True, blank=True)
    disclosure_acknowledged_at = models.DateTimeField(
        _("risk disclosure acknowledged"), null=True, blank=True
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason returned"), blank=True)
    # Issue 14: issued and accepted proposals are re-checked nightly and whenever a client's
    # profile, a product's rating or the model portfolio changes. `checks` keeps what was approved;
    # `monitor` holds the latest findings ({"profile": [...], "suitability": [...],
    # "concentration": [...]}, each finding a code with parameters).
    monitor = models.JSONField(_("latest re-check"), default=dict, blank=True)
    monitored_at = models.DateTimeField(_("re-checked"), null=True, blank=True)
    objects = AuditedManager()
    history = HistoricalRecords(excluded_fields=["checks", "monitor"], m2m_fields=["goals"])

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["advisor", "status"]),
            models.Index(fields=["client", "status"]),
            # a queue (submitted, risk approved) in the list's order, tie-breaker included
            models.Index(fields=["status", "updated_at", "id"], name="proposal_status_updated"),
        ]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class ProposalLine(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "risk.Product", on_delete=models.PROTECT, related_name="proposal_lines", verbose_name=_("product")
    )
    amount = MoneyField(verbose_name=_("amount"))
    position = models.PositiveSmallIntegerField(default=0)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["proposal", "position", "id"]
        verbose_name = _("proposal line")
        verbose_name_plural = _("proposal lines")

    def __str__(self) -> str:
        return f"{self.product_id}: {self.amount}"


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("Open")
    COMPLETED = "completed", _("Completed")


class Review(TimeStampedModel):
    """A periodic review of an accepted plan (SPEC §3, [000 §3.4])."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="reviews", verbose_name=_("client")
    )
    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("plan")
    )
    sequence = models.PositiveIntegerField(_("review number"))
    level = models.CharField(_("investor level"), max_length=2)
    due_date = models.DateField(_("due"), db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN, db_index=True
    )
    current_values = models.JSONField(_("current values by asset class"), default=dict, blank=True)
    drift = models.JSONField(_("drift by asset class"), default=dict, blank=True)
    max_drift = models.DecimalField(_("largest drift"), max_digits=6, decimal_places=4, null=True, blank=True)
    rebalance_proposed = models.BooleanField(_("rebalancing proposed"), default=False)
    outcome = models.TextField(_("outcome"), blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "due_date"], name="uniq_review_plan_due"),
            models.UniqueConstraint(fields=["proposal", "sequence"], name="uniq_review_plan_sequence"),
        ]
        indexes = [models.Index(fields=["status", "due_date"])]
        verbose_name = _("periodic review")
        verbose_name_plural = _("periodic reviews")

    def __str__(self) -> str:
        return gettext("Review %(n)s of proposal %(p)s due %(d)s") % {
            "n": self.sequence,
            "p": self.proposal_id,
            "d": self.due_date,
        }


class HoldingSource(models.TextChoices):
    MANUAL = "manual", _("Entered by the advisor")
    IMPORT = "import", _("Imported from the custodian")


class Holding(TimeStampedModel):
    """A position the client holds under an accepted plan on a date, entered or imported from a
    custodian statement (issue 14). Reviews measure drift from the latest holdings against the
    plan's own allocation."""

    plan = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, related_name="holdings", verbose_name=_("plan")
    )
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="holdings", verbose_name=_("client")
    )
    as_of = models.DateField(_("as of"), db_index=True)
    product = models.ForeignKey(
        "risk.Product",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="holdings",
        verbose_name=_("product"),
    )
    asset_class = models.CharField(_("asset class"), max_length=20, choices=ASSET_CLASS_CHOICES)
    market_value = MoneyField(verbose_name=_("market value"))
    currency = CurrencyField()
    source = models.CharField(
        _("source"), max_length=10, choices=HoldingSource.choices, default=HoldingSource.MANUAL
    )
    import_reference = models.CharField(_("import reference"), max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-as_of", "asset_class", "id"]
        indexes = [models.Index(fields=["plan", "-as_of"])]
        verbose_name = _("holding")
        verbose_name_plural = _("holdings")

    def __str__(self) -> str:
        return f"{self.asset_class} {self.market_value} @ {self.as_of}"
