"""Know-your-client records kept for the whole relationship (issue 15; seeds 002 §2.1.4, §2.2.3,
§4.2–4.3; 000 §2.4, §6.4). Imported by clients/models.py so Django registers them in this app.

- IdentityDocument   a document seen: type, number (encrypted, hashed), issue and expiry dates,
                     the copy (a ClientDocument), who verified it and how.
- KycProfile         one per client: the anti-money-laundering risk rating and the refresh cycle.
- KycRefresh         a periodic re-confirmation of contact, financial and identity data, with
                     the changes found and the supervisor's review.
- DueDiligence       customer due diligence recorded on the onboarding review, with the
                     enhanced review (second reviewer) for high risk.
- WatchList, WatchListUpload, WatchListEntry   the lists compliance uploads.
- ScreeningHit       a possible match of a client, related party or beneficial owner against a
                     list entry, with its disposition.

The rules are in clients/kyc.py, clients/due_diligence.py and clients/screening.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedCharField
from simple_history.models import HistoricalRecords

from advisory.formats import local_date
from advisory.models import TimeStampedModel
from audit.managers import AuditedManager


class IdentityDocumentType(models.TextChoices):
    PRC_ID = "prc_id", _("PRC resident identity card")
    PASSPORT = "passport", _("Passport")
    HK_MACAU_PERMIT = "hkm_permit", _("Mainland travel permit for Hong Kong and Macau residents")
    TW_PERMIT = "tw_permit", _("Mainland travel permit for Taiwan residents")
    HK_ID = "hk_id", _("Hong Kong identity card")
    TW_ID = "tw_id", _("Taiwan identity card")
    USCC = "uscc", _("Business licence (unified social credit code)")


class VerificationMethod(models.TextChoices):
    IN_PERSON = "in_person", _("In person, original seen")
    VIDEO = "video", _("Video call")
    ONLINE_CHECK = "online_check", _("Online check with the issuing authority")


class AmlRisk(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class IdentityDocument(TimeStampedModel):
    """An identity document seen for a client. A newer document of the same type supersedes
    the older one (`superseded_at`); rows are kept with the client file."""

    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.PROTECT,
        related_name="identity_documents",
        verbose_name=_("client"),
    )
    document_type = models.CharField(_("document type"), max_length=12, choices=IdentityDocumentType.choices)
    number = EncryptedCharField(_("document number"), max_length=40)
    number_hash = models.CharField(_("number lookup hash"), max_length=64, db_index=True)
    issuing_country = models.CharField(_("issuing country"), max_length=2, blank=True)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(
        _("expires on"), null=True, blank=True, help_text=_("Leave empty for a document valid for life.")
    )
    copy = models.ForeignKey(
        "clients.ClientDocument",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("copy seen"),
    )
    verification_method = models.CharField(
        _("verified how"), max_length=14, choices=VerificationMethod.choices
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("verified by")
    )
    verified_at = models.DateTimeField(_("verified at"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["client", "-verified_at", "-id"]
        indexes = [
            models.Index(
                fields=["expires_on"], condition=models.Q(superseded_at=None), name="iddoc_current_expiry"
            )
        ]
        verbose_name = _("identity document")
        verbose_name_plural = _("identity documents")

    def __str__(self) -> str:
        return f"{self.get_document_type_display()} ({self.client_id})"

    @property
    def masked_number(self) -> str:
        from .masking import mask_identity

        return mask_identity(self.number or "")


class KycProfile(TimeStampedModel):
    """The client's money-laundering risk rating and refresh cycle (one row per client)."""

    client = models.OneToOneField(
        "clients.Client", on_delete=models.PROTECT, related_name="kyc_profile", verbose_name=_("client")
    )
    aml_risk = models.CharField(_("money-laundering risk"), max_length=8, choices=AmlRisk.choices, blank=True)
    aml_risk_reasons = models.TextField(_("reasons for the rating"), blank=True)
    aml_rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    aml_rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("rated by"),
    )
    last_refreshed_on = models.DateField(_("last refreshed"), null=True, blank=True)
    next_refresh_due = models.DateField(_("next refresh due"), null=True, blank=True, db_index=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("KYC profile")
        verbose_name_plural = _("KYC profiles")

    def __str__(self) -> str:
        return f"KYC {self.client_id}"


class RefreshStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    SUBMITTED = "submitted", _("Waiting for supervisor review")
    RETURNED = "returned", _("Returned to the advisor")
    COMPLETED = "completed", _("Completed")


class KycRefresh(TimeStampedModel):
    """A periodic re-confirmation of the client's information (identity, contact, financial
    situation) by the advisor; changes found are reviewed by a supervisor."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="kyc_refreshes", verbose_name=_("client")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RefreshStatus.choices, default=RefreshStatus.OPEN, db_index=True
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("started by")
    )
    started_at = models.DateTimeField(_("started"))
    # What the file looked like when the refresh started: plain values for ordinary fields, a
    # SHA-256 for encrypted ones (so the snapshot never holds personal data in clear).
    baseline = models.JSONField(_("values at start"), default=dict, blank=True)
    identity_confirmed = models.BooleanField(_("identity re-confirmed"), default=False)
    contact_confirmed = models.BooleanField(_("contact data re-confirmed"), default=False)
    financial_confirmed = models.BooleanField(_("financial situation re-confirmed"), default=False)
    changed_fields = models.JSONField(_("changes found"), default=list, blank=True)
    aml_risk = models.CharField(_("money-laundering risk"), max_length=8, choices=AmlRisk.choices, blank=True)
    advisor_note = models.TextField(_("advisor's note"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"],
                condition=~models.Q(status="completed"),
                name="uniq_open_kyc_refresh",
            )
        ]
        verbose_name = _("KYC refresh")
        verbose_name_plural = _("KYC refreshes")

    def __str__(self) -> str:
        return gettext("KYC refresh %(client)s %(date)s") % {
            "client": self.client_id,
            "date": local_date(self.started_at),
        }


class EddStatus(models.TextChoices):
    NOT_REQUIRED = "not_required", _("Not required")
    PENDING = "pending", _("Waiting for the second reviewer")
    APPROVED = "approved", _("Approved by the second reviewer")
    REJECTED = "rejected", _("Rejected by the second reviewer")


class DueDiligence(TimeStampedModel):
    """Customer due diligence on an onboarding case's initial review (seed 002 §2.1.4, §4.2)."""

    case = models.OneToOneField(
        "clients.OnboardingCase",
        on_delete=models.PROTECT,
        related_name="due_diligence",
        verbose_name=_("onboarding case"),
    )
    identity_verified = models.BooleanField(_("identity verified"), default=False)
    beneficial_owner_required = models.BooleanField(_("beneficial owner to identify"), default=False)
    beneficial_owner_identified = models.BooleanField(_("beneficial owner identified"), default=False)
    beneficial_owner_verified = models.BooleanField(_("beneficial owner verified"), default=False)
    source_of_funds = models.TextField(_("source of funds"))
    purpose = models.TextField(_("purpose of the relationship"))
    ml_risk = models.CharField(_("money-laundering risk"), max_length=8, choices=AmlRisk.choices)
    ml_risk_reasons = models.TextField(_("reasons for the rating"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    edd_status = models.CharField(
        _("enhanced due diligence"), max_length=12, choices=EddStatus.choices, default=EddStatus.NOT_REQUIRED
    )
    edd_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("second reviewer"),
    )
    edd_reviewed_at = models.DateTimeField(_("second review at"), null=True, blank=True)
    edd_note = models.TextField(_("second reviewer's note"), blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("customer due diligence")
        verbose_name_plural = _("customer due diligence records")

    def __str__(self) -> str:
        return f"CDD {self.case_id}"

    @property
    def checklist_complete(self) -> bool:
        owner_ok = not self.beneficial_owner_required or (
            self.beneficial_owner_identified and self.beneficial_owner_verified
        )
        return bool(
            self.identity_verified
            and owner_ok
            and (self.source_of_funds or "").strip()
            and (self.purpose or "").strip()
            and self.ml_risk
            and (self.ml_risk_reasons or "").strip()
        )


class WatchList(TimeStampedModel):
    """A named watch list (sanctions, politically exposed persons, the firm's own list...)."""

    name = models.CharField(_("list name"), max_length=120, unique=True)
    entry_count = models.PositiveIntegerField(_("entries"), default=0)
    last_upload = models.ForeignKey(
        "clients.WatchListUpload",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("last upload"),
    )
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("watch list")
        verbose_name_plural = _("watch lists")

    def __str__(self) -> str:
        return self.name


def _watchlist_path(instance: WatchListUpload, filename: str) -> str:
    return f"watchlists/{instance.sha256[:16]}.csv"


class WatchListUpload(TimeStampedModel):
    """One CSV file compliance uploaded. The file is kept: with the entries' `upload` and
    `removed_by` it reproduces every list as it stood at any date."""

    file = models.FileField(_("file"), upload_to=_watchlist_path, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    row_count = models.PositiveIntegerField(_("rows"))
    added = models.PositiveIntegerField(_("entries added"), default=0)
    removed = models.PositiveIntegerField(_("entries removed"), default=0)
    list_names = models.JSONField(_("lists"), default=list)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    screened_at = models.DateTimeField(_("re-screening finished"), null=True, blank=True)
    screening_result = models.JSONField(_("re-screening result"), default=dict, blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("watch-list upload")
        verbose_name_plural = _("watch-list uploads")

    def __str__(self) -> str:
        return f"{self.original_name} ({local_date(self.created_at)})"


class WatchListEntry(models.Model):
    """One listed person. Immutable reference data: an entry is added by an upload and, when a
    later upload of its list no longer contains it, marked removed by that upload (never edited,
    so the upload record and its stored file are its history)."""

    watch_list = models.ForeignKey(
        WatchList, on_delete=models.PROTECT, related_name="entries", verbose_name=_("watch list")
    )
    name = models.CharField(_("name"), max_length=200)
    aliases = models.JSONField(_("aliases"), default=list, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    id_numbers = models.JSONField(_("identity numbers"), default=list, blank=True)
    # Precomputed for screening: normalised name variants (clients.matching.name_keys) and keyed
    # hashes of the identity numbers (clients.identity.identity_hash for every document type).
    name_keys = models.JSONField(default=list, blank=True)
    id_hashes = models.JSONField(default=list, blank=True)
    fingerprint = models.CharField(max_length=64)
    upload = models.ForeignKey(
        WatchListUpload, on_delete=models.PROTECT, related_name="entries", verbose_name=_("added by upload")
    )
    removed_by = models.ForeignKey(
        WatchListUpload,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="removed_entries",
        verbose_name=_("removed by upload"),
    )
    is_active = models.BooleanField(_("on the list"), default=True)

    class Meta:
        ordering = ["watch_list", "name", "id"]
        indexes = [models.Index(fields=["watch_list", "is_active", "fingerprint"])]
        verbose_name = _("watch-list entry")
        verbose_name_plural = _("watch-list entries")

    def __str__(self) -> str:
        return self.name


class HitStatus(models.TextChoices):
    OPEN = "open", _("To review")
    FALSE_POSITIVE = "false_positive", _("False positive")
    CONFIRMED = "confirmed", _("Confirmed match")


class HitSubject(models.TextChoices):
    CLIENT = "client", _("Client")
    RELATED_PARTY = "related_party", _("Related party")
    BENEFICIAL_OWNER = "beneficial_owner", _("Beneficial owner")


class ScreeningHit(TimeStampedModel):
    """A possible match between a person on a client file and a watch-list entry. Every hit
    gets a disposition with a reason and a reviewer; a confirmed one blocks the relationship."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="screening_hits", verbose_name=_("client")
    )
    related_party = models.ForeignKey(
        "clients.RelatedParty",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="screening_hits",
        verbose_name=_("related party"),
    )
    subject_kind = models.CharField(_("who matched"), max_length=16, choices=HitSubject.choices)
    subject_key = models.CharField(max_length=24)  # "c:<client id>" or "p:<related party id>"
    subject_name = models.CharField(_("name screened"), max_length=200)
    entry = models.ForeignKey(
        WatchListEntry, on_delete=models.PROTECT, related_name="hits", verbose_name=_("list entry")
    )
    score = models.PositiveSmallIntegerField(_("score"))
    matched_on = models.CharField(_("matched on"), max_length=12)  # "name" | "id_number"
    status = models.CharField(
        _("status"), max_length=16, choices=HitStatus.choices, default=HitStatus.OPEN, db_index=True
    )
    reason = models.TextField(_("reason for the disposition"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-score", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["subject_key", "entry"], name="uniq_screening_hit"),
        ]
        indexes = [models.Index(fields=["client", "status"]), models.Index(fields=["status", "-created_at"])]
        verbose_name = _("screening hit")
        verbose_name_plural = _("screening hits")

    def __str__(self) -> str:
        return f"{self.subject_name} ~ {self.entry_id} ({self.score})"
