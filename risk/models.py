"""Risk levels and the product catalogue (SPEC §2). The risk-profiling issue adds
questionnaires, assessments and the register."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from advisory.models import TimeStampedModel
from advisory.money import MoneyField
from advisory.validators import validate_plain_text_name
from audit.managers import AuditedManager


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
    name = models.CharField(_("name"), max_length=200, validators=[validate_plain_text_name])
    kind = models.CharField(_("type"), max_length=40)  # deposit, bond fund, equity fund, ...
    risk_rating = models.CharField(_("risk rating"), max_length=2, choices=ProductRiskRating.choices)
    asset_class = models.CharField(_("asset class"), max_length=20, choices=AssetClass.choices)
    liquidity_days = models.PositiveIntegerField(_("days to cash"), default=1)
    is_active = models.BooleanField(_("on sale"), default=True)
    # Product governance (issue 14, seed 002 §3.3, seed 003 §8.2.1): set only by
    # risk.services.product_rating_approve from an approved ProductRatingAssessment.
    rating_approved_at = models.DateTimeField(_("rating approved"), null=True, blank=True)
    rating_review_due = models.DateField(_("rating review due"), null=True, blank=True, db_index=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.name} ({self.risk_rating})"

    def rating_is_current(self, on) -> bool:
        """The rating has an approved written assessment and its scheduled review is not overdue."""
        return self.rating_approved_at is not None and (
            self.rating_review_due is None or self.rating_review_due >= on
        )

    def is_offerable(self, on) -> bool:
        return self.is_active and self.rating_is_current(on)


# --- Questionnaires (SPEC §2) -------------------------------------------------------------------


class RiskCategory(models.TextChoices):
    """The three seed categories the five levels group into (SPEC §2)."""

    CONSERVATIVE = "conservative", _("Conservative")
    BALANCED = "balanced", _("Balanced")
    AGGRESSIVE = "aggressive", _("Aggressive")


def level_category(level: str) -> str:
    """C1–C2 conservative, C3 balanced, C4–C5 aggressive."""
    n = level_number(level)
    if n <= 2:
        return RiskCategory.CONSERVATIVE
    if n == 3:
        return RiskCategory.BALANCED
    return RiskCategory.AGGRESSIVE


class Questionnaire(TimeStampedModel):
    """A questionnaire family (e.g. "Individual investor risk tolerance"); its content lives in
    numbered versions."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200, validators=[validate_plain_text_name])
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")

    def __str__(self) -> str:
        return self.name


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class QuestionnaireVersion(TimeStampedModel):
    """One version of a questionnaire. Published versions are frozen (risk.services refuses edits);
    a change makes a new draft version with copied questions.

    `score_bands` maps total scores to levels: a list of {"level": "C1", "min": 0, "max": 15},
    contiguous and ascending, C1 first."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="versions", verbose_name=_("questionnaire")
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT, db_index=True
    )
    title = models.CharField(_("title"), max_length=200)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200, blank=True)
    introduction = models.TextField(_("introduction"), blank=True)
    introduction_zh = models.TextField(_("introduction (Chinese)"), blank=True)
    score_bands = models.JSONField(_("score bands"), default=list, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("published by"),
    )
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["questionnaire", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "number"], name="uniq_questionnaire_version"),
        ]
        verbose_name = _("questionnaire version")
        verbose_name_plural = _("questionnaire versions")

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"

    @property
    def is_frozen(self) -> bool:
        return self.status != VersionStatus.DRAFT

    def level_for_score(self, score: int) -> str | None:
        for band in self.score_bands:
            if int(band["min"]) <= score <= int(band["max"]):
                return band["level"]
        return None

    def max_score(self) -> int:
        return sum(max((o.score for o in q.options.all()), default=0) for q in self.questions.all())


class QuestionRole(models.TextChoices):
    """What a question measures, so contradictions and capacity can be read from the answers."""

    HORIZON = "horizon", _("Investment horizon")
    OBJECTIVE = "objective", _("Investment objective")
    LOSS_TOLERANCE = "loss_tolerance", _("Loss tolerance")
    EXPERIENCE = "experience", _("Investment experience")
    KNOWLEDGE = "knowledge", _("Financial knowledge")
    INCOME = "income", _("Income and stability")
    INVESTABLE_SHARE = "investable_share", _("Share of assets invested")
    AGE = "age", _("Age")
    REACTION = "reaction", _("Reaction to a fall")
    OTHER = "other", _("Other")


class Question(models.Model):
    version = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.CASCADE, related_name="questions", verbose_name=_("version")
    )
    order = models.PositiveSmallIntegerField(_("order"))
    code = models.SlugField(_("code"), max_length=40)
    role = models.CharField(
        _("role"), max_length=20, choices=QuestionRole.choices, default=QuestionRole.OTHER
    )
    text = models.CharField(_("question"), max_length=400)
    text_zh = models.CharField(_("question (Chinese)"), max_length=400, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["version", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="uniq_question_code"),
        ]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return f"{self.order}. {self.text}"


class QuestionOption(models.Model):
    """An answer option with its score. `meaning` is a machine tag used by the contradiction and
    capacity rules: for horizon questions lt1y / 1to3y / 3to5y / 5to10y / gt10y; for objectives
    preserve / income / balanced / growth / max_growth; for loss tolerance none / low / medium / high."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="options", verbose_name=_("question")
    )
    order = models.PositiveSmallIntegerField(_("order"))
    code = models.SlugField(_("code"), max_length=40)
    text = models.CharField(_("answer"), max_length=300)
    text_zh = models.CharField(_("answer (Chinese)"), max_length=300, blank=True)
    score = models.SmallIntegerField(_("score"))
    meaning = models.CharField(_("meaning tag"), max_length=30, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["question", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["question", "code"], name="uniq_option_code"),
        ]
        verbose_name = _("answer option")
        verbose_name_plural = _("answer options")

    def __str__(self) -> str:
        return f"{self.text} ({self.score})"


# --- Assessments ---------------------------------------------------------------------------------


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Awaiting confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    EXPIRED = "expired", _("Expired")
    SUPERSEDED = "superseded", _("Superseded")


class AssessmentChannel(models.TextChoices):
    PORTAL = "portal", _("Client portal")
    WORKSPACE = "workspace", _("Administered by advisor")


class RiskAssessment(TimeStampedModel):
    """A client's answers to one questionnaire version and the levels derived from them (SPEC §2).

    Answers are locked once confirmed; a change is a new assessment and the previous confirmed
    one becomes superseded. Valid 12 months: `valid_until` is the last valid day."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="risk_assessments", verbose_name=_("client")
    )
    version = models.ForeignKey(
        QuestionnaireVersion,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("questionnaire version"),
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=AssessmentChannel.choices, default=AssessmentChannel.WORKSPACE
    )
    # {question_code: {"option": option_code, "score": n, "role": ..., "meaning": ...}}
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    score = models.IntegerField(_("score"), default=0)
    willingness_level = models.CharField(
        _("willingness level"), max_length=2, choices=RiskLevel.choices, blank=True
    )
    capacity_level = models.CharField(
        _("capacity level"), max_length=2, choices=RiskLevel.choices, blank=True
    )
    capacity_notes = models.JSONField(_("capacity reasoning"), default=list, blank=True)
    effective_level = models.CharField(
        _("effective level"), max_length=2, choices=RiskLevel.choices, blank=True, db_index=True
    )
    contradictions = models.JSONField(_("contradictions"), default=list, blank=True)
    advisor_note = models.TextField(_("advisor note"), blank=True)
    administered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("administered by"),
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=AssessmentStatus.choices,
        default=AssessmentStatus.DRAFT,
        db_index=True,
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_by_client_at = models.DateTimeField(_("client confirmed"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True, db_index=True)
    reminder_sent_at = models.DateTimeField(_("expiry reminder sent"), null=True, blank=True)
    needs_reassessment = models.BooleanField(_("needs re-assessment"), default=False)
    # stored as a text code with parameters (advisory.texts.stored_reason), or as a person typed it
    reassessment_reason = models.CharField(_("re-assessment reason"), max_length=1000, blank=True)
    # no index of its own: "assessment_created_id" (created_at, id) below serves every read by the
    # creation time, and a second index would only be written to (3,000,000 rows at firm scale)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["client", "status"]),
            models.Index(fields=["status", "valid_until"]),
            # the list's order with its tie-breaker: a page reads 25 index entries, however many
            # assessments share a moment (an import, a batch)
            models.Index(fields=["created_at", "id"], name="assessment_created_id"),
        ]
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")

    def __str__(self) -> str:
        return _("Risk assessment #%(pk)s (%(level)s)") % {
            "pk": self.pk,
            "level": self.effective_level or "—",
        }

    @property
    def is_locked(self) -> bool:
        return self.status != AssessmentStatus.DRAFT

    @property
    def category(self) -> str:
        return level_category(self.effective_level) if self.effective_level else ""

    @property
    def category_label(self) -> str:
        return RiskCategory(self.category).label if self.category else ""

    @property
    def reassessment_reason_text(self) -> str:
        """Why a re-assessment is needed, in the reader's language."""
        from advisory.texts import render_reason

        return render_reason(self.reassessment_reason)

    @property
    def unresolved_contradictions(self) -> bool:
        return bool(self.contradictions) and not self.advisor_note.strip()


def _evidence_path(instance: ProfessionalInvestorClassification, filename: str) -> str:
    from advisory.files import random_name

    return random_name("risk/professional", filename)


class ProfessionalInvestorClassification(TimeStampedModel):
    """A recorded classification as professional investor, with its evidence (SPEC §2)."""

    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.PROTECT,
        related_name="professional_classifications",
        verbose_name=_("client"),
    )
    evidence = models.TextField(_("evidence"))
    evidence_document = models.FileField(_("evidence document"), upload_to=_evidence_path, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-valid_from", "-id"]
        verbose_name = _("professional investor classification")
        verbose_name_plural = _("professional investor classifications")

    def __str__(self) -> str:
        return _("Professional investor since %(date)s") % {"date": self.valid_from}

    def is_current(self, on) -> bool:
        return (
            self.revoked_at is None
            and bool(self.evidence.strip())
            and self.valid_from <= on
            and (self.valid_until is None or self.valid_until >= on)
        )


class ExceptionStatus(models.TextChoices):
    REQUESTED = "requested", _("Awaiting client confirmation")
    CLIENT_CONFIRMED = "client_confirmed", _("Awaiting compliance sign-off")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    LAPSED = "lapsed", _("Lapsed")


class ExceptionScope(models.TextChoices):
    PROPOSAL = "proposal", _("One proposal")
    AMOUNT = "amount", _("Up to a maximum amount")


class LapseReason(models.TextChoices):
    REASSESSED = "reassessed", _("The client was re-assessed")
    RERATED = "rerated", _("The product was re-rated")
    EXPIRED = "expired", _("The exception expired")


class SuitabilityException(TimeStampedModel):
    """A client-initiated purchase above the client's level: special risk warning confirmed by the
    client, then compliance sign-off. Never for C1 clients (SPEC §2)."""

    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.PROTECT,
        related_name="suitability_exceptions",
        verbose_name=_("client"),
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="suitability_exceptions", verbose_name=_("product")
    )
    client_level = models.CharField(_("client level"), max_length=2, choices=RiskLevel.choices)
    product_rating = models.CharField(_("product rating"), max_length=2, choices=ProductRiskRating.choices)
    client_reason = models.TextField(_("client's reason"))
    warning_text = models.TextField(_("special risk warning"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ExceptionStatus.choices,
        default=ExceptionStatus.REQUESTED,
        db_index=True,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    client_confirmed_at = models.DateTimeField(_("warning confirmed"), null=True, blank=True)
    client_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("confirmation recorded by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision_note = models.TextField(_("decision note"), blank=True)
    # Issue 14: what the exception covers and until when. It is valid only for the client level
    # and product rating above, within its scope and expiry; it lapses on re-assessment,
    # re-rating or expiry (risk.services.suitability_exceptions_lapse).
    scope = models.CharField(
        _("scope"), max_length=10, choices=ExceptionScope.choices, default=ExceptionScope.AMOUNT
    )
    proposal_number = models.CharField(_("proposal"), max_length=20, blank=True)
    max_amount = MoneyField(verbose_name=_("maximum amount"), null=True, blank=True, default=None)
    expires_on = models.DateField(_("expires"), null=True, blank=True, db_index=True)
    lapsed_at = models.DateTimeField(_("lapsed"), null=True, blank=True)
    lapse_reason = models.CharField(_("lapse reason"), max_length=12, choices=LapseReason.choices, blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["client", "product", "status"])]
        verbose_name = _("suitability exception")
        verbose_name_plural = _("suitability exceptions")

    def __str__(self) -> str:
        return _("Exception %(product)s for client #%(client)s") % {
            "product": self.product.code if self.product_id else "",
            "client": self.client_id,
        }


# --- Firm risk register (issue 7) ---------------------------------------------------------------


class RiskRegisterCategory(models.TextChoices):
    MARKET = "market", _("Market")
    CREDIT = "credit", _("Credit")
    OPERATIONAL = "operational", _("Operational")
    LIQUIDITY = "liquidity", pgettext_lazy("risk category", "Liquidity")
    COMPLIANCE = "compliance", _("Compliance")


class RiskResponse(models.TextChoices):
    AVOID = "avoid", _("Avoid")
    TRANSFER = "transfer", _("Transfer")
    MITIGATE = "mitigate", _("Mitigate")
    ACCEPT = "accept", _("Accept")


class RiskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MONITORING = "monitoring", _("Monitoring")
    CLOSED = "closed", _("Closed")


class RiskGrade(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Risk(TimeStampedModel):
    """An entry of the firm's risk register (SPEC §6). `level` is stored so lists can filter on
    it; risk.services computes it from probability × impact with the configured matrix."""

    reference = models.CharField(_("reference"), max_length=20, unique=True)  # RSK-0001
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=12, choices=RiskRegisterCategory.choices)
    probability = models.PositiveSmallIntegerField(_("probability (1–5)"))
    impact = models.PositiveSmallIntegerField(_("impact (1–5)"))
    level = models.CharField(_("level"), max_length=10, choices=RiskGrade.choices, db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_risks",
        verbose_name=_("owner"),
    )
    response = models.CharField(_("response"), max_length=10, choices=RiskResponse.choices)
    controls = models.TextField(_("controls"), blank=True)
    review_date = models.DateField(_("next review"), db_index=True)
    status = models.CharField(
        _("status"), max_length=12, choices=RiskStatus.choices, default=RiskStatus.OPEN, db_index=True
    )
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["reference"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(probability__gte=1, probability__lte=5), name="risk_probability_1_5"
            ),
            models.CheckConstraint(condition=models.Q(impact__gte=1, impact__lte=5), name="risk_impact_1_5"),
        ]
        verbose_name = _("register risk")
        verbose_name_plural = _("risk register")

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def score(self) -> int:
        return self.probability * self.impact


# --- Life events (issue 14, SPEC §2) -------------------------------------------------------------


class LifeEventKind(models.TextChoices):
    RETIREMENT = "retirement", _("Retirement")
    MARRIAGE = "marriage", _("Marriage")
    DIVORCE = "divorce", _("Divorce")
    BEREAVEMENT = "bereavement", _("Death in the family")
    INHERITANCE = "inheritance", _("Large inheritance")
    JOB_LOSS = "job_loss", _("Job loss")
    HORIZON_CHANGE = "horizon_change", _("Change of investment horizon")
    OTHER = "other", _("Other")


class LifeEvent(TimeStampedModel):
    """A change in the client's life recorded by the advisor or the client (SPEC §2). A
    significant one flags the current risk profile for re-assessment, which blocks new proposals."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="life_events", verbose_name=_("client")
    )
    kind = models.CharField(_("event"), max_length=20, choices=LifeEventKind.choices)
    occurred_on = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True)
    is_significant = models.BooleanField(_("significant"), default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["client", "-occurred_on"])]
        verbose_name = _("life event")
        verbose_name_plural = _("life events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on}"


# --- Product governance (issue 14; seed 002 §3.3, seed 003 §8.2.1) -------------------------------


class RatingAssessmentStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting second approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SUPERSEDED = "superseded", _("Superseded")


class ProductRatingAssessment(TimeStampedModel):
    """The written assessment behind a product's risk rating: rationale, factors and assessor,
    approved by a second person (risk reviewer or compliance). The approved one in force sets
    the product's rating and its next review date."""

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="rating_assessments", verbose_name=_("product")
    )
    previous_rating = models.CharField(
        _("previous rating"), max_length=2, choices=ProductRiskRating.choices, blank=True
    )
    proposed_rating = models.CharField(_("proposed rating"), max_length=2, choices=ProductRiskRating.choices)
    rationale = models.TextField(_("rationale"))
    factors = models.TextField(
        _("factors"), help_text=_("One factor per line: volatility, leverage, liquidity, credit, complexity…")
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("assessor")
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=RatingAssessmentStatus.choices,
        default=RatingAssessmentStatus.PENDING,
        db_index=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    review_due = models.DateField(_("review due"), null=True, blank=True)
    review_reminder_sent_at = models.DateTimeField(_("review reminder sent"), null=True, blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["product", "status"])]
        verbose_name = _("product rating assessment")
        verbose_name_plural = _("product rating assessments")

    def __str__(self) -> str:
        return f"{self.product.code if self.product_id else ''} {self.proposed_rating}"

    @property
    def factor_list(self) -> list[str]:
        return [line.strip() for line in self.factors.splitlines() if line.strip()]
