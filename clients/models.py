"""Client files and onboarding (SPEC §1).

Fields other apps may read on `Client` (names are stable):

Identity and contact
    file_number           "CL-2026-000123", unique, allocated by clients.services (never reused)
    kind                  individual | institution
    name, email, preferred_language, advisor (responsible advisor), user (portal login), status
    id_document_type      prc_id | hk_id | tw_id | passport | uscc (institutions)
    id_number             ENCRYPTED (django-fernet-encrypted-fields); never show it raw, use
                          `masked_id_number` or clients.services.client_reveal
    id_number_hash        keyed HMAC-SHA256 (settings.LOOKUP_HASH_KEY) for duplicate lookups
    email                 ENCRYPTED; `email_hash` (keyed HMAC-SHA256) finds a client by email
    phone, address, bank_account_number   ENCRYPTED, shown masked

Financial status (collected at onboarding; the risk app reads these for the capacity level)
    currency              ISO code of the amounts below (defaults to settings.FIRM_CURRENCY)
    monthly_income        Decimal or None (None = not collected yet)
    monthly_expenses      Decimal or None
    liquid_reserves       Decimal or None: cash and assets convertible within a month
    income_stability      "" | stable | variable | irregular      (IncomeStability)
    investment_years      years of investing experience (int)
    investment_product_kinds   list of ProductKindExperience values the client has held
    asset_classes_of_interest  list of asset classes the client wants advice on
    planning_needs        list of PlanningNeed values (retirement, education, ...)
    large_fund_movement_amount  Decimal: the largest single movement expected at onboarding
    emergency_reserve_months    property: liquid_reserves / monthly_expenses (None if unknown)

Classification (computed by clients.services.client_classify, stored, recomputed on change)
    wealth_tier           "" | low | middle | high                 (WealthTier)
    investment_experience "" | beginner | intermediate | experienced (InvestmentExperience)
    service_need          "" | single_asset | multi_asset | comprehensive (ServiceNeed)
    classified_at

Encrypted fields stay encrypted in the history table too (the field class is copied), and the
audit trail records only that they changed ("[encrypted]"), never their values.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedCharField, EncryptedEmailField, EncryptedTextField
from simple_history.models import HistoricalRecords

from advisory.formats import local_datetime
from advisory.models import TimeStampedModel
from advisory.money import CurrencyField, MoneyField
from advisory.validators import validate_plain_text_name
from audit.managers import AuditedManager

from .masking import mask_identity, mask_text


class ClientKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    INSTITUTION = "institution", _("Institution")


class ClientStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ONBOARDING = "onboarding", _("Onboarding")
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Relationship ended")


class IdDocumentType(models.TextChoices):
    PRC_ID = "prc_id", _("PRC resident identity card")
    HK_ID = "hk_id", _("Hong Kong identity card")
    TW_ID = "tw_id", _("Taiwan identity card")
    PASSPORT = "passport", _("Passport")
    USCC = "uscc", _("Unified social credit code (institutions)")


class IncomeStability(models.TextChoices):
    STABLE = "stable", _("Stable")
    VARIABLE = "variable", _("Variable")
    IRREGULAR = "irregular", _("Irregular")


class ProductKindExperience(models.TextChoices):
    DEPOSITS = "deposits", _("Deposits and money-market funds")
    BONDS = "bonds", _("Bonds and bond funds")
    FUNDS = "funds", _("Mixed and equity funds")
    EQUITIES = "equities", _("Individual stocks")
    DERIVATIVES = "derivatives", _("Derivatives, structured products")
    ALTERNATIVES = "alternatives", _("Private equity, real estate, alternatives")


class AssetInterest(models.TextChoices):
    CASH = "cash", _("Cash")
    BONDS = "bonds", _("Bonds")
    EQUITIES = "equities", _("Equities")
    REAL_ESTATE = "real_estate", _("Real estate")
    ALTERNATIVES = "alternatives", _("Alternatives")


class PlanningNeed(models.TextChoices):
    RETIREMENT = "retirement", _("Retirement planning")
    EDUCATION = "education", _("Education funding")
    PROTECTION = "protection", _("Family protection and insurance")
    TAX = "tax", _("Tax planning")
    ESTATE = "estate", _("Estate and succession")


class WealthTier(models.TextChoices):
    LOW = "low", _("Low")
    MIDDLE = "middle", _("Middle")
    HIGH = "high", _("High")


class InvestmentExperience(models.TextChoices):
    BEGINNER = "beginner", _("Beginner")
    INTERMEDIATE = "intermediate", _("Intermediate")
    EXPERIENCED = "experienced", _("Experienced")


class ServiceNeed(models.TextChoices):
    SINGLE_ASSET = "single_asset", _("Single asset")
    MULTI_ASSET = "multi_asset", _("Multi-asset")
    COMPREHENSIVE = "comprehensive", _("Comprehensive wealth management")


class Household(TimeStampedModel):
    """A family or group of clients served together."""

    name = models.CharField(_("name"), max_length=200, validators=[validate_plain_text_name])
    notes = models.TextField(_("notes"), blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return self.name


SENSITIVE_FIELDS = ("id_number", "phone", "address", "bank_account_number")


class Client(TimeStampedModel):
    file_number = models.CharField(_("file number"), max_length=20, unique=True)  # CL-2026-000123
    kind = models.CharField(
        _("kind"), max_length=12, choices=ClientKind.choices, default=ClientKind.INDIVIDUAL
    )
    name = models.CharField(_("name"), max_length=200, db_index=True, validators=[validate_plain_text_name])
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="book",
        verbose_name=_("responsible advisor"),
        limit_choices_to={"role": "advisor"},
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="client_file",
        verbose_name=_("portal login"),
        limit_choices_to={"role": "client"},
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ClientStatus.choices, default=ClientStatus.PROSPECT, db_index=True
    )
    email = EncryptedEmailField(_("email"), blank=True, null=True)
    email_hash = models.CharField(_("email lookup hash"), max_length=64, blank=True, db_index=True)
    preferred_language = models.CharField(_("preferred language"), max_length=10, default="zh-hans")
    relationship_started_on = models.DateField(_("relationship started"), null=True, blank=True)
    relationship_ended_on = models.DateField(_("relationship ended"), null=True, blank=True)
    # SPEC §5: backdating the end needs a second person. Until approved, the retention clock
    # (relationship_ended_on) runs from the day the end was recorded; the asked-for date waits here.
    backdate_requested_on = models.DateField(_("backdated end asked for"), null=True, blank=True)
    backdate_reason = models.TextField(_("reason for backdating"), blank=True)
    backdate_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("backdating asked by"),
    )

    # -- identity (encrypted) ---------------------------------------------------------------
    id_document_type = models.CharField(
        _("identity document"), max_length=10, choices=IdDocumentType.choices, blank=True
    )
    id_issuing_country = models.CharField(
        _("issuing country"), max_length=2, blank=True, help_text=_("Two-letter code, for passports.")
    )
    id_number = EncryptedCharField(_("identity number"), max_length=40, blank=True, null=True)
    id_number_hash = models.CharField(_("identity lookup hash"), max_length=64, blank=True, db_index=True)
    identity_verified_at = models.DateTimeField(_("identity verified"), null=True, blank=True)

    # -- contact (encrypted where personal) ---------------------------------------------------
    phone = EncryptedCharField(_("phone"), max_length=40, blank=True, null=True)
    address = EncryptedTextField(_("address"), blank=True, null=True)
    contact_person = models.CharField(
        _("contact person"), max_length=200, blank=True, help_text=_("For institutions.")
    )
    bank_name = models.CharField(_("bank"), max_length=120, blank=True)
    bank_account_number = EncryptedCharField(_("bank account"), max_length=40, blank=True, null=True)
    household = models.ForeignKey(
        Household,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        verbose_name=_("household"),
    )

    # -- financial status (see module docstring) -------------------------------------------
    currency = CurrencyField()
    monthly_income = MoneyField(verbose_name=_("monthly income"), null=True, blank=True, default=None)
    monthly_expenses = MoneyField(verbose_name=_("monthly expenses"), null=True, blank=True, default=None)
    liquid_reserves = MoneyField(verbose_name=_("liquid reserves"), null=True, blank=True, default=None)
    income_stability = models.CharField(
        _("income stability"), max_length=10, choices=IncomeStability.choices, blank=True
    )
    investment_years = models.PositiveSmallIntegerField(_("years of investing"), default=0)
    investment_product_kinds = models.JSONField(_("products held before"), default=list, blank=True)
    asset_classes_of_interest = models.JSONField(_("asset classes of interest"), default=list, blank=True)
    planning_needs = models.JSONField(_("planning needs"), default=list, blank=True)
    large_fund_movement_amount = MoneyField(verbose_name=_("largest expected fund movement"))
    financial_status_updated_at = models.DateTimeField(_("financial status updated"), null=True, blank=True)

    # -- classification (computed) ----------------------------------------------------------
    wealth_tier = models.CharField(
        _("wealth tier"), max_length=10, choices=WealthTier.choices, blank=True, db_index=True
    )
    investment_experience = models.CharField(
        _("investment experience"), max_length=14, choices=InvestmentExperience.choices, blank=True
    )
    service_need = models.CharField(_("service need"), max_length=14, choices=ServiceNeed.choices, blank=True)
    classified_at = models.DateTimeField(_("classified"), null=True, blank=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["advisor", "status"]),
            models.Index(fields=["advisor", "name"]),
            # + on PostgreSQL a covering index (advisor_id, id) INCLUDE (name, file_number) for
            # index-only scans of a book: migration 0007 (SQLite has no INCLUDE)
        ]
        verbose_name = _("client")
        verbose_name_plural = _("clients")

    def save(self, *args, **kwargs) -> None:
        # The lookup hash is derived from the email itself: kept in step on every write.
        from .identity import email_hash

        self.email = (self.email or "").strip().lower() or None
        self.email_hash = email_hash(self.email)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "email" in update_fields:
            kwargs["update_fields"] = {*update_fields, "email_hash"}
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.name} ({self.file_number})"

    @property
    def preferred_language_label(self) -> str:
        """The language's name in the reader's language (never the code `zh-hans`)."""
        return dict(settings.LANGUAGES).get(self.preferred_language, self.preferred_language)

    # Masked values: what every screen shows by default.
    @property
    def masked_id_number(self) -> str:
        return mask_identity(self.id_number or "")

    @property
    def masked_phone(self) -> str:
        return mask_text(self.phone or "", keep_start=3, keep_end=4)

    @property
    def masked_address(self) -> str:
        return mask_text(self.address or "", keep_start=6, keep_end=0)

    @property
    def masked_bank_account_number(self) -> str:
        return mask_text(self.bank_account_number or "", keep_start=0, keep_end=4)

    @property
    def emergency_reserve_months(self) -> Decimal | None:
        if self.liquid_reserves is None or not self.monthly_expenses:
            return None
        return (self.liquid_reserves / self.monthly_expenses).quantize(Decimal("0.1"))

    @property
    def financial_status_complete(self) -> bool:
        return (
            self.monthly_income is not None
            and self.monthly_expenses is not None
            and self.liquid_reserves is not None
            and bool(self.income_stability)
        )


class RelationshipKind(models.TextChoices):
    SPOUSE = "spouse", _("Spouse or partner")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    BENEFICIAL_OWNER = "beneficial_owner", _("Beneficial owner")
    AUTHORISED_SIGNATORY = "signatory", _("Authorised signatory")
    GUARDIAN = "guardian", _("Guardian")
    OTHER = "other", _("Other")


class RelatedParty(TimeStampedModel):
    """A person or client related to a client: family member, beneficial owner, signatory."""

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="related_parties", verbose_name=_("client")
    )
    relationship = models.CharField(_("relationship"), max_length=20, choices=RelationshipKind.choices)
    name = models.CharField(_("name"), max_length=200, validators=[validate_plain_text_name])
    related_client = models.ForeignKey(
        Client,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("client file of the related party"),
    )
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    # A relationship that ends is marked, not deleted: the record is retained with the client file.
    ended_on = models.DateField(_("relationship ended"), null=True, blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["client", "relationship", "name"]
        verbose_name = _("related party")
        verbose_name_plural = _("related parties")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_relationship_display()})"


class FeeStructure(models.TextChoices):
    FIXED = "fixed", _("Fixed fee")
    AUM = "aum", _("Percentage of assets under advice")
    HOURLY = "hourly", _("Hourly")
    COMMISSION = "commission", _("Commission")
    MIXED = "mixed", _("Mixed")


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    TERMINATED = "terminated", _("Terminated")


class ServiceAgreement(TimeStampedModel):
    """The service agreement on the client file: scope, fees, term, termination conditions."""

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="agreements", verbose_name=_("client")
    )
    scope = models.TextField(_("scope of service"))
    fee_structure = models.CharField(_("fee structure"), max_length=12, choices=FeeStructure.choices)
    fee_details = models.CharField(_("fee details"), max_length=300, blank=True)
    starts_on = models.DateField(_("term starts"))
    ends_on = models.DateField(_("term ends"), null=True, blank=True)
    termination_notice_days = models.PositiveSmallIntegerField(_("notice period (days)"), default=30)
    termination_conditions = models.TextField(_("termination conditions"))
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=AgreementStatus.choices, default=AgreementStatus.ACTIVE
    )
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["client", "-starts_on", "-id"]
        verbose_name = _("service agreement")
        verbose_name_plural = _("service agreements")

    def __str__(self) -> str:
        return f"{self.client.file_number} {self.get_fee_structure_display()} {self.starts_on}"


class ConsentKind(models.TextChoices):
    PRIVACY = "privacy", _("Privacy consent")
    RISK_DISCLOSURE = "risk_disclosure", _("Risk disclosure acknowledged")


class ConsentChannel(models.TextChoices):
    PORTAL = "portal", _("Client portal")
    PAPER = "paper", _("Signed on paper")
    IN_PERSON = "in_person", _("In person")


class Consent(models.Model):
    """A consent or acknowledgement the client gave, with the time and the text version.
    Append-only: withdrawing records `withdrawn_at` on the row."""

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="consents", verbose_name=_("client")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ConsentKind.choices)
    version = models.CharField(_("text version"), max_length=20, default="2026-01")
    channel = models.CharField(_("channel"), max_length=12, choices=ConsentChannel.choices)
    given_at = models.DateTimeField(_("given at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["client", "kind", "-given_at"]
        indexes = [models.Index(fields=["client", "kind"])]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {local_datetime(self.given_at)}"


class DocumentKind(models.TextChoices):
    IDENTITY = "identity", _("Identity document copy")
    AGREEMENT = "agreement", _("Signed agreement")
    PROOF_OF_ADDRESS = "address", _("Proof of address")
    FINANCIAL = "financial", _("Financial statement")
    OTHER = "other", _("Other")


def _client_document_path(instance: ClientDocument, filename: str) -> str:
    from advisory.files import random_name

    return random_name("clients", filename)


class ClientDocument(TimeStampedModel):
    """An uploaded document on the client file (type- and size-checked by clients.services)."""

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="documents", verbose_name=_("client")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=DocumentKind.choices)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=_client_document_path, max_length=300)
    original_name = models.CharField(_("original file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=60)
    size_bytes = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["client", "-created_at", "-id"]
        verbose_name = _("client document")
        verbose_name_plural = _("client documents")

    def __str__(self) -> str:
        return self.title


class OnboardingStep(models.TextChoices):
    """SPEC §1: identity verification → business type → information collection → initial
    review → registered. The allowed moves are clients.services.ONBOARDING_TRANSITIONS."""

    IDENTITY_VERIFICATION = "identity_verification", _("Identity verification")
    BUSINESS_TYPE = "business_type", _("Business type")
    INFORMATION_COLLECTION = "information_collection", _("Information collection")
    INITIAL_REVIEW = "initial_review", _("Initial review")
    REGISTERED = "registered", _("Registered")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STEPS = (
    OnboardingStep.IDENTITY_VERIFICATION,
    OnboardingStep.BUSINESS_TYPE,
    OnboardingStep.INFORMATION_COLLECTION,
    OnboardingStep.INITIAL_REVIEW,
)


class BusinessType(models.TextChoices):
    INVESTMENT_ADVICE = "investment_advice", _("Investment advice")
    FINANCIAL_PLANNING = "financial_planning", _("Financial planning")
    WEALTH_MANAGEMENT = "wealth_management", _("Discretionary wealth management")
    INSURANCE_PLANNING = "insurance_planning", _("Insurance planning")


class OnboardingCase(TimeStampedModel):
    acceptance_number = models.CharField(
        _("acceptance number"), max_length=20, unique=True
    )  # ACC-2026-000045
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="onboarding_cases", verbose_name=_("client")
    )
    step = models.CharField(
        _("step"),
        max_length=24,
        choices=OnboardingStep.choices,
        default=OnboardingStep.IDENTITY_VERIFICATION,
        db_index=True,
    )
    business_type = models.CharField(
        _("business type"), max_length=24, choices=BusinessType.choices, blank=True
    )
    is_special = models.BooleanField(
        _("special case"),
        default=False,
        help_text=_("Complex cases get 5 business days for the initial review."),
    )
    special_reason = models.CharField(_("why special"), max_length=300, blank=True)
    involves_large_fund_movement = models.BooleanField(_("large fund movement"), default=False)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("opened by")
    )
    submitted_at = models.DateTimeField(_("submitted for review"), null=True, blank=True)
    review_days = models.PositiveSmallIntegerField(_("review time (business days)"), null=True, blank=True)
    review_deadline = models.DateTimeField(_("review due"), null=True, blank=True)
    is_overdue = models.BooleanField(_("overdue"), default=False)
    overdue_since = models.DateTimeField(_("marked overdue"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    return_reason = models.TextField(_("reason for return"), blank=True)
    times_returned = models.PositiveSmallIntegerField(_("times returned"), default=0)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["step", "review_deadline"]),
            models.Index(fields=["client", "step"]),
        ]
        verbose_name = _("onboarding case")
        verbose_name_plural = _("onboarding cases")

    def __str__(self) -> str:
        return self.acceptance_number

    @property
    def is_open(self) -> bool:
        return self.step in OPEN_STEPS


ONBOARDING_ACTION_LABELS = {
    "verify_identity": _("Identity verified"),
    "choose_business_type": _("Business type chosen"),
    "submit_for_review": _("Submitted for initial review"),
    "approve": _("Approved and registered"),
    "return": _("Returned"),
    "withdraw": _("Withdrawn"),
}


class OnboardingStepLog(models.Model):
    """One row per move of an onboarding case: who, when, from which step to which, why.
    Append-only (never edited); every row is also a TRANSITION entry in the audit trail."""

    case = models.ForeignKey(
        OnboardingCase, on_delete=models.PROTECT, related_name="step_log", verbose_name=_("case")
    )
    action = models.CharField(_("action"), max_length=30)
    from_step = models.CharField(_("from"), max_length=24, choices=OnboardingStep.choices, blank=True)
    to_step = models.CharField(_("to"), max_length=24, choices=OnboardingStep.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("who")
    )
    at = models.DateTimeField(_("when"))
    note = models.TextField(_("note"), blank=True)
    objects = AuditedManager()

    class Meta:
        ordering = ["case", "at", "id"]
        verbose_name = _("onboarding step")
        verbose_name_plural = _("onboarding steps")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.get_from_step_display() or '—'} → {self.get_to_step_display()}"

    @property
    def action_label(self) -> str:
        """The action in the reader's language (the stored value is a code such as `verify_identity`)."""
        return str(
            ONBOARDING_ACTION_LABELS.get(self.action, _("Opened") if self.action == "open" else self.action)
        )


# Know-your-client records (identity documents, refresh, due diligence, screening): a module of
# their own, loaded here so Django registers them with this app.
from .kyc_models import *  # noqa: E402, F403

# The service record lives in its own module; importing it here registers its models.
from .service_models import (  # noqa: E402, F401
    Activity,
    ActivityAttachment,
    ActivityChannel,
    ActivityKind,
    ActivityStatus,
    CalendarFeed,
    FollowUpStatus,
    FollowUpTask,
)
