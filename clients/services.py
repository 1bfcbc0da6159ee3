"""Every change to client files and onboarding cases (SPEC §1). One function per action.

Settings read here (all optional, defaults in brackets):
    CLIENT_WEALTH_TIER_MIDDLE_FROM [5000]   monthly income from which a client is "middle"
    CLIENT_WEALTH_TIER_HIGH_ABOVE [50000]   monthly income above which a client is "high"
    CLIENT_EXPERIENCE_INTERMEDIATE_YEARS [2], CLIENT_EXPERIENCE_EXPERIENCED_YEARS [5]
    ONBOARDING_REVIEW_DAYS [2], ONBOARDING_SPECIAL_REVIEW_DAYS [5], ONBOARDING_LARGE_FUND_REVIEW_DAYS [1]
    ONBOARDING_LARGE_FUND_MOVEMENT_THRESHOLD [500000]  (firm currency)
    UPLOAD_ALLOWED_EXTENSIONS, UPLOAD_MAX_BYTES (base settings)
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from advisory.calendar import firm_calendar
from advisory.clock import now, today
from advisory.editing import Guard
from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.history import audited_save
from advisory.models import User, WarningKind
from advisory.notifications import notify
from advisory.numbering import next_number
from advisory.roles import Role
from advisory.texts import text
from advisory.warnings import WarningSpec, warning_sync
from audit.managers import allow_bulk_writes
from audit.models import AuditAction
from audit.services import audit_bulk_rows, audit_log, audit_redact

from .identity import identity_hash, validate_identity
from .kyc import onboarding_after, onboarding_check
from .models import (
    ONBOARDING_ACTION_LABELS,
    OPEN_STEPS,
    Client,
    ClientDocument,
    ClientKind,
    ClientStatus,
    Consent,
    ConsentChannel,
    ConsentKind,
    Household,
    InvestmentExperience,
    OnboardingCase,
    OnboardingStep,
    OnboardingStepLog,
    RelatedParty,
    ServiceAgreement,
    ServiceNeed,
    WealthTier,
)
from .rules import can
from .screening import screening_run

logger = logging.getLogger(__name__)


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def _require(user: User, perm: str, obj: Any = None, message: str | None = None) -> None:
    if not can(user, perm, obj):
        raise NotAllowed(message or _("You are not allowed to do this."))


def _refuse_if_restricted(advisor: User, *, actor: User) -> None:
    """A suspended advisor takes on no clients (seed 001 §六): refused with the reason."""
    from advisory.staff.models import RestrictedAction
    from advisory.staff.rules import restriction_refusal

    refusal = restriction_refusal(advisor, RestrictedAction.TAKE_CLIENTS)
    if refusal is None:
        return
    if advisor.pk == actor.pk:
        raise NotAllowed(refusal)
    raise DomainError(
        _("%(name)s may not be assigned clients now: %(reason)s") % {"name": advisor, "reason": refusal},
        field="advisor",
    )


# -- classification (SPEC §1, [000 §2.2]) ----------------------------------------------------------
def classify_wealth_tier(monthly_income: Decimal | None) -> str:
    """low < 5,000 ≤ middle ≤ 50,000 < high (thresholds configurable)."""
    if monthly_income is None:
        return ""
    middle_from = Decimal(str(_setting("CLIENT_WEALTH_TIER_MIDDLE_FROM", 5000)))
    high_above = Decimal(str(_setting("CLIENT_WEALTH_TIER_HIGH_ABOVE", 50000)))
    if monthly_income < middle_from:
        return WealthTier.LOW
    if monthly_income > high_above:
        return WealthTier.HIGH
    return WealthTier.MIDDLE


def classify_investment_experience(years: int, product_kinds: list[str]) -> str:
    """experienced: ≥ 5 years and ≥ 3 kinds of products; intermediate: ≥ 2 years or ≥ 2 kinds;
    otherwise beginner."""
    kinds = len(set(product_kinds or []))
    if years >= _setting("CLIENT_EXPERIENCE_EXPERIENCED_YEARS", 5) and kinds >= 3:
        return InvestmentExperience.EXPERIENCED
    if years >= _setting("CLIENT_EXPERIENCE_INTERMEDIATE_YEARS", 2) or kinds >= 2:
        return InvestmentExperience.INTERMEDIATE
    return InvestmentExperience.BEGINNER


def classify_service_need(asset_classes: list[str], planning_needs: list[str]) -> str:
    """comprehensive: any planning need beyond investing (retirement, education, protection, tax,
    estate); multi-asset: two or more asset classes; otherwise single-asset."""
    if planning_needs:
        return ServiceNeed.COMPREHENSIVE
    if len(set(asset_classes or [])) >= 2:
        return ServiceNeed.MULTI_ASSET
    return ServiceNeed.SINGLE_ASSET


def client_classify(*, client: Client) -> bool:
    """Recompute the stored classification from the inputs. Returns True if anything changed
    (the caller saves)."""
    new = {
        "wealth_tier": classify_wealth_tier(client.monthly_income),
        "investment_experience": classify_investment_experience(
            client.investment_years, client.investment_product_kinds
        ),
        "service_need": classify_service_need(client.asset_classes_of_interest, client.planning_needs),
    }
    changed = any(getattr(client, k) != v for k, v in new.items())
    for key, value in new.items():
        setattr(client, key, value)
    if changed or client.classified_at is None:
        client.classified_at = now()
    return changed


CLASSIFICATION_INPUTS = {
    "monthly_income",
    "investment_years",
    "investment_product_kinds",
    "asset_classes_of_interest",
    "planning_needs",
}
FINANCIAL_FIELDS = CLASSIFICATION_INPUTS | {
    "monthly_expenses",
    "liquid_reserves",
    "income_stability",
    "large_fund_movement_amount",
    "currency",
}
PROFILE_FIELDS = {
    "kind",
    "name",
    "email",
    "preferred_language",
    "phone",
    "address",
    "contact_person",
    "bank_name",
    "bank_account_number",
    "household",
    "id_document_type",
    "id_number",
    "id_issuing_country",
}
EDITABLE_FIELDS = PROFILE_FIELDS | FINANCIAL_FIELDS


# -- identity -------------------------------------------------------------------------------------
class DuplicateIdentityElsewhere(Conflict):
    """The identity number is on a client file the actor may not see: the refusal must not say
    which file (or leak its number); compliance is told instead."""

    def __init__(self, message: str, *, existing: Client):
        super().__init__(message, field="id_number")
        self.existing = existing


def _apply_identity(
    client: Client, *, document_type: str, number: str, country: str, actor: User | None = None
) -> None:
    """Validate the number, store it canonical and encrypted, with its lookup hash, and refuse a
    number already on another client file (SPEC §1 duplicates, found via the keyed hash). The file
    number is named only to someone who may see that file."""
    if not document_type and not number:
        client.id_document_type, client.id_number, client.id_number_hash = "", None, ""
        client.identity_verified_at = None
        return
    canonical = validate_identity(document_type, number, country)
    digest = identity_hash(document_type, canonical)
    duplicate = (
        Client.objects.filter(id_number_hash=digest).exclude(pk=client.pk).select_related("advisor").first()
    )
    if duplicate and actor is not None and not can(actor, "clients.view_client", duplicate):
        raise DuplicateIdentityElsewhere(
            _(
                "This person is already a client of the firm. Compliance has been told and will put you "
                "in touch with the responsible advisor; do not open a second file."
            ),
            existing=duplicate,
        )
    if duplicate:
        raise Conflict(
            _(
                "This identity number is already on client file %(file)s. Ask the responsible advisor "
                "or compliance instead of opening a second file."
            )
            % {"file": duplicate.file_number},
            field="id_number",
        )
    if digest != client.id_number_hash:
        client.identity_verified_at = None
    client.id_document_type = document_type
    client.id_issuing_country = (country or "").upper()
    client.id_number = canonical
    client.id_number_hash = digest


def _apply(client: Client, data: dict[str, Any], actor: User | None = None) -> set[str]:
    changed = set()
    identity_keys = {"id_document_type", "id_number", "id_issuing_country"}
    for key, value in data.items():
        if key not in EDITABLE_FIELDS or key in identity_keys:
            continue
        if key in {"investment_product_kinds", "asset_classes_of_interest", "planning_needs"}:
            value = sorted(set(value or []))
        if key in {"phone", "address", "bank_account_number"}:
            value = (value or "").strip() or None
        if getattr(client, key) != value:
            setattr(client, key, value)
            changed.add(key)
    if identity_keys & data.keys():
        doc_type = data.get("id_document_type", client.id_document_type) or ""
        number = data.get("id_number", client.id_number) or ""
        country = data.get("id_issuing_country", client.id_issuing_country) or ""
        if (doc_type, number, country) != (
            client.id_document_type,
            client.id_number or "",
            client.id_issuing_country,
        ):
            _apply_identity(client, document_type=doc_type, number=number, country=country, actor=actor)
            changed.add("id_number")
    for key in ("monthly_income", "monthly_expenses", "liquid_reserves", "large_fund_movement_amount"):
        value = getattr(client, key)
        if value is not None and value < 0:
            raise DomainError(_("Amounts cannot be negative."), field=key)
    if not (client.name or "").strip():
        raise DomainError(_("Enter the client's name."), field="name")
    return changed


# -- client files ---------------------------------------------------------------------------------
def client_create(*, actor: User, data: dict[str, Any], advisor: User | None = None) -> Client:
    """Open a client file in the actor's book with the next CL-YYYY-NNNNNN number."""
    _require(actor, "clients.add_client", message=_("Only advisors open client files."))
    advisor = advisor or actor
    if advisor.role != Role.ADVISOR:
        raise DomainError(_("The responsible person must be an advisor."), field="advisor")
    _refuse_if_restricted(advisor, actor=actor)
    try:
        with transaction.atomic():
            client = Client(
                advisor=advisor, status=ClientStatus.PROSPECT, kind=data.get("kind", ClientKind.INDIVIDUAL)
            )
            changed = _apply(client, data, actor=actor)
            if changed & FINANCIAL_FIELDS:
                client.financial_status_updated_at = now()
            client_classify(client=client)
            client.file_number = next_number(prefix="CL", year=now().year)
            audited_save(client, actor=actor, reason="client file opened")
    except DuplicateIdentityElsewhere as exc:
        _duplicate_identity_report(actor=actor, existing=exc.existing, attempted_on=None)
        raise
    return client


def _duplicate_identity_report(*, actor: User, existing: Client, attempted_on: Client | None) -> None:
    """Tell compliance (and the audit trail) that an advisor entered the identity number of a
    client file outside their book. Runs after the refused change was rolled back."""
    # lazy: kept by its msgid in the notification and read in each compliance officer's language
    where = attempted_on.file_number if attempted_on is not None else gettext_lazy("a new client file")
    with transaction.atomic():
        audit_log(
            actor=actor,
            action=AuditAction.OTHER,
            obj=existing,
            reason="identity number of this client entered by an advisor outside the book; refused",
            changes={"attempted_on": [None, attempted_on.file_number if attempted_on else "new file"]},
        )
        notify(
            recipients=User.objects.filter(role=Role.COMPLIANCE, is_active=True).order_by("pk"),
            kind="clients.duplicate_identity",
            subject=text("notify.clients_duplicate_identity", file=existing.file_number),
            body=text(
                "notify.clients_duplicate_identity_body",
                actor=actor.full_name or actor.email,
                file=existing.file_number,
                advisor=existing.advisor.full_name if existing.advisor else "-",
                where=where,
            ),
            url=reverse("clients:detail", args=[existing.pk]),
        )


def client_update(
    *, client: Client, actor: User, data: dict[str, Any], reason: str = "", edits: Guard | None = None
) -> Client:
    """Change profile, identity, contact or financial data; the classification follows. With
    `edits` (the form's or the API's guard, advisory.editing), a colleague's change made since the
    person opened the record is kept, or the save is refused when both changed the same field."""
    _require(
        actor, "clients.change_client", client, _("Only the responsible advisor may change this client.")
    )
    try:
        with transaction.atomic():
            client = Client.objects.select_for_update().get(pk=client.pk)
            if edits is not None:
                data = edits.merge(client, data, actor=actor)
            changed = _apply(client, data, actor=actor)
            if not changed:
                return client
            if changed & FINANCIAL_FIELDS:
                client.financial_status_updated_at = now()
            if changed & CLASSIFICATION_INPUTS:
                client_classify(client=client)
            why = reason or text("audit.client_file_updated")
            audited_save(client, actor=actor, reason=why)
    except DuplicateIdentityElsewhere as exc:
        _duplicate_identity_report(actor=actor, existing=exc.existing, attempted_on=client)
        raise
    return client


def client_reassign(*, client: Client, actor: User, new_advisor: User, reason: str) -> Client:
    """Hand a client to another advisor: a recorded action (history with reason + audit entry)."""
    _require(actor, "clients.reassign_client", client, _("Only supervisors re-assign clients."))
    if not reason.strip():
        raise DomainError(_("Give a reason for the re-assignment."), field="reason")
    if new_advisor.role != Role.ADVISOR or not new_advisor.is_active:
        raise DomainError(_("Choose an active advisor."), field="advisor")
    _refuse_if_restricted(new_advisor, actor=actor)
    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=client.pk)
        old = client.advisor
        if old.pk == new_advisor.pk:
            raise DomainError(_("The client is already in this advisor's book."), field="advisor")
        client.advisor = new_advisor
        audited_save(client, actor=actor, reason=text("audit.re_assigned_reason", reason=reason))
        audit_log(
            actor=actor,
            action=AuditAction.OTHER,
            obj=client,
            reason=text("audit.re_assigned_to_another_advisor_reason", reason=reason),
            changes={"advisor": [old.email, new_advisor.email]},
        )
        notify(
            recipients=[old, new_advisor],
            kind="clients.reassigned",
            subject=text("notify.clients_reassigned", file=client.file_number, name=str(new_advisor)),
            body=reason,
            url=reverse("clients:detail", args=[client.pk]),
        )
    return client


def client_end_relationship(
    *, client: Client, actor: User, reason: str, ended_on: datetime.date | None = None
) -> Client:
    """End the relationship: the client file's retention clock starts (SPEC §5: end of
    relationship + 5 years). Open onboarding cases must be withdrawn first."""
    _require(actor, "clients.change_client", client, _("Only the responsible advisor ends a relationship."))
    if not reason.strip():
        raise DomainError(_("Give the reason the relationship ends."), field="reason")
    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=client.pk)
        if client.status == ClientStatus.ENDED:
            raise Conflict(_("The relationship has already ended."))
        if client.onboarding_cases.filter(step__in=OPEN_STEPS).exists():
            raise Conflict(_("Withdraw the open onboarding case first."))
        recorded = today()
        ended_on = ended_on or recorded
        if ended_on > recorded:
            raise DomainError(_("The end date cannot be in the future."), field="ended_on")
        if client.relationship_started_on and ended_on < client.relationship_started_on:
            raise DomainError(_("The end date is before the relationship started."), field="ended_on")
        client.status = ClientStatus.ENDED
        # The retention clock runs from the day the end is recorded; an earlier date waits for a
        # second person (client_backdate_decide).
        client.relationship_ended_on = recorded
        if ended_on < recorded:
            client.backdate_requested_on = ended_on
            client.backdate_reason = reason.strip()
            client.backdate_requested_by = actor
        audited_save(
            client, actor=actor, reason=text("audit.relationship_ended_reason", reason=reason.strip())
        )
        if ended_on < recorded:
            audit_log(
                actor=actor,
                action=AuditAction.OTHER,
                obj=client,
                reason=text(
                    "audit.backdating_of_the_end_of_relationship_asked_for_reason", reason=reason.strip()
                ),
                changes={"backdate_requested_on": [None, ended_on.isoformat()]},
            )
    return client


def client_backdate_decide(*, client: Client, actor: User, approve: bool, note: str) -> Client:
    """Four eyes on a backdated end of relationship (SPEC §5): a supervisor, compliance officer or
    administrator other than the person who asked approves it — the retention clock then runs
    from the earlier date — or rejects it, and the clock keeps running from the recorded date."""
    _require(
        actor,
        "clients.approve_backdate",
        client,
        _("Only a supervisor, compliance officer or administrator decides on a backdated end."),
    )
    if not (note or "").strip():
        raise DomainError(_("Give the reason for your decision."), field="note")
    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=client.pk)
        if client.backdate_requested_on is None:
            raise Conflict(_("No backdated end of relationship is waiting for a decision."))
        if client.backdate_requested_by_id == actor.pk:
            raise NotAllowed(_("Four-eyes rule: someone other than the person who asked must decide."))
        asked = client.backdate_requested_on
        before = client.relationship_ended_on
        if approve:
            client.relationship_ended_on = asked
        client.backdate_requested_on = None
        client.backdate_requested_by = None
        client.backdate_reason = ""
        decided = text(
            "audit.backdated_end_approved_note" if approve else "audit.backdated_end_rejected_note",
            note=note.strip(),
        )
        audited_save(client, actor=actor, reason=decided)
        audit_log(
            actor=actor,
            action=AuditAction.OTHER,
            obj=client,
            reason=decided,
            changes={
                "relationship_ended_on": [
                    before.isoformat() if before else None,
                    client.relationship_ended_on.isoformat(),
                ],
                "asked_for": asked.isoformat(),
            },
        )
    return client


REVEALABLE = {
    "id_number": gettext_lazy("identity number"),
    "phone": gettext_lazy("phone"),
    "address": gettext_lazy("address"),
    "bank_account_number": gettext_lazy("bank account"),
}


def client_reveal(*, client: Client, actor: User, field: str, reason: str = "") -> str:
    """Show one masked value in clear. A logged event (AuditAction.REVEAL) compliance can see."""
    if field not in REVEALABLE:
        raise DomainError(_("This field cannot be revealed."), field="field")
    _require(actor, "clients.reveal_client", client, _("You may not reveal this client's personal data."))
    audit_log(
        actor=actor,
        action=AuditAction.REVEAL,
        obj=client,
        reason=reason or text("audit.revealed_field", field=Client._meta.get_field(field).verbose_name),
        changes={"field": field},
    )
    return getattr(client, field) or ""


# -- related parties, agreements, consents ----------------------------------------------------------
def related_party_add(
    *,
    client: Client,
    actor: User,
    relationship: str,
    name: str,
    related_client: Client | None = None,
    notes: str = "",
) -> RelatedParty:
    _require(actor, "clients.change_client", client)
    if not name.strip():
        raise DomainError(_("Enter the related party's name."), field="name")
    if related_client is not None and related_client.pk == client.pk:
        raise DomainError(_("A client cannot be related to itself."), field="related_client")
    party = RelatedParty(
        client=client,
        relationship=relationship,
        name=name.strip(),
        related_client=related_client,
        notes=notes,
    )
    audited_save(party, actor=actor, reason="related party added")
    if client.status != ClientStatus.PROSPECT:
        screening_run(client_ids=[client.pk], actor=actor)
    return party


def related_party_end(*, party: RelatedParty, actor: User, reason: str) -> RelatedParty:
    """A related party no longer related (divorce, signatory replaced…). The row stays: it is part
    of the retained client file; its history shows who ended it and why."""
    _require(actor, "clients.change_client", party.client)
    if not reason.strip():
        raise DomainError(_("Say why the relationship ended."), field="reason")
    with transaction.atomic():  # as it is now: a second submit finds it ended and says when
        party = RelatedParty.objects.select_for_update().get(pk=party.pk)
        if party.ended_on is not None:
            raise Conflict(_("This relationship already ended on %(d)s.") % {"d": party.ended_on.isoformat()})
        party.ended_on = today()
        audited_save(
            party, actor=actor, reason=text("audit.related_party_ended_reason", reason=reason.strip())
        )
    return party


def agreement_save(
    *,
    client: Client,
    actor: User,
    data: dict[str, Any],
    agreement: ServiceAgreement | None = None,
    edits: Guard | None = None,
) -> ServiceAgreement:
    """Record the service agreement (scope, fee structure, term, termination conditions). A change
    locks the agreement and reads it again (with `edits`: a colleague's change since the form was
    opened is kept, or the save refused when both changed the same field; advisory.editing)."""
    _require(actor, "clients.change_client", client)
    with transaction.atomic():
        if agreement is None:
            agreement = ServiceAgreement(client=client)
        else:
            agreement = ServiceAgreement.objects.select_for_update().get(pk=agreement.pk, client=client)
            if edits is not None:
                data = edits.merge(agreement, data, actor=actor)
        return _agreement_write(agreement, actor=actor, data=data)


def _agreement_write(agreement: ServiceAgreement, *, actor: User, data: dict[str, Any]) -> ServiceAgreement:
    for key in (
        "scope",
        "fee_structure",
        "fee_details",
        "starts_on",
        "ends_on",
        "termination_notice_days",
        "termination_conditions",
        "signed_on",
        "status",
    ):
        if key in data:
            setattr(agreement, key, data[key])
    if agreement.ends_on and agreement.starts_on and agreement.ends_on < agreement.starts_on:
        raise DomainError(_("The term must end after it starts."), field="ends_on")
    if not (agreement.scope or "").strip():
        raise DomainError(_("Describe the scope of service."), field="scope")
    if not (agreement.termination_conditions or "").strip():
        raise DomainError(_("State the termination conditions."), field="termination_conditions")
    audited_save(agreement, actor=actor, reason="service agreement saved")
    return agreement


def consent_record(
    *,
    client: Client,
    actor: User,
    kind: str,
    channel: str,
    version: str = "2026-01",
    given_at: datetime.datetime | None = None,
) -> Consent:
    """Record a privacy consent or risk-disclosure acknowledgement with its timestamp. Given by
    the client in the portal, or recorded by the advisor from a signed paper form."""
    if actor.is_client:
        _require(actor, "clients.give_consent", client)
    else:
        _require(actor, "clients.record_consent", client)
    if kind not in ConsentKind.values:
        raise DomainError(_("Unknown kind of consent."), field="kind")
    consent = Consent(
        client=client,
        kind=kind,
        channel=channel,
        version=version,
        given_at=given_at or now(),
        recorded_by=actor,
    )
    given = text(
        "audit.kind_given_via_channel",
        kind=ConsentKind(kind).label,
        channel=ConsentChannel(channel).label if channel in ConsentChannel.values else channel,
    )
    audited_save(consent, actor=actor, reason=given)
    return consent


def consent_withdraw(*, consent: Consent, actor: User) -> Consent:
    if actor.is_client:
        _require(actor, "clients.give_consent", consent.client)
    else:
        _require(actor, "clients.record_consent", consent.client)
    with transaction.atomic():  # as it is now: a second submit leaves the first withdrawal as it was
        consent = Consent.objects.select_for_update().get(pk=consent.pk)
        if consent.withdrawn_at:
            return consent
        consent.withdrawn_at = now()
        audited_save(consent, actor=actor, reason="consent withdrawn")
    return consent


def current_consents(client: Client) -> dict[str, Consent | None]:
    """The consent in force per kind: the newest one, unless it was withdrawn."""
    latest: dict[str, Consent | None] = dict.fromkeys(ConsentKind.values)
    seen: set[str] = set()
    for consent in sorted(client.consents.all(), key=lambda c: (c.given_at, c.pk), reverse=True):
        if consent.kind not in seen:
            seen.add(consent.kind)
            latest[consent.kind] = None if consent.withdrawn_at else consent
    return latest


# -- documents -----------------------------------------------------------------------------------
MAGIC = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
}
CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg"}


def document_check(*, name: str, size: int, head: bytes) -> str:
    """Refuse files of a type or size the firm does not accept; returns the extension.
    The extension must be allowed AND the first bytes must match it (content sniffing)."""
    allowed = [e.lower() for e in _setting("UPLOAD_ALLOWED_EXTENSIONS", ["pdf", "png", "jpg", "jpeg"])]
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in allowed:
        raise DomainError(
            _("Files of this type are not accepted. Upload one of: %(types)s.")
            % {"types": ", ".join(allowed)},
            field="file",
        )
    limit = int(_setting("UPLOAD_MAX_BYTES", 10 * 1024 * 1024))
    if size > limit:
        raise DomainError(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": f"{size / 1048576:.1f}", "limit": f"{limit / 1048576:.1f}"},
            field="file",
        )
    if size == 0:
        raise DomainError(_("The file is empty."), field="file")
    if not any(head.startswith(m) for m in MAGIC.get(ext, ())):
        raise DomainError(
            _("The file's content is not a %(type)s file. Upload the original document.")
            % {"type": ext.upper()},
            field="file",
        )
    return ext


def document_upload(
    *, client: Client, actor: User, upload: UploadedFile, kind: str, title: str = ""
) -> ClientDocument:
    _require(actor, "clients.upload_document", client, _("Only the responsible advisor uploads documents."))
    name = upload.name or "upload"
    upload.seek(0)
    head = upload.read(16)
    ext = document_check(name=name, size=upload.size or 0, head=head)
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    document = ClientDocument(
        client=client,
        kind=kind,
        title=(title or name)[:200],
        original_name=name[:200],
        content_type=CONTENT_TYPES.get(ext, "application/octet-stream"),
        size_bytes=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    safe_name = f"document.{ext}"
    document.file.save(safe_name, upload, save=False)
    audited_save(document, actor=actor, reason="document uploaded")
    return document


def document_download(*, document: ClientDocument, actor: User):
    """Open a stored document for download; an audited DOWNLOAD event."""
    _require(actor, "clients.view_document", document)
    audit_log(actor=actor, action=AuditAction.DOWNLOAD, obj=document, reason="document downloaded")
    return document.file.open("rb")


# -- onboarding (SPEC §1) ---------------------------------------------------------------------------
S = OnboardingStep
# action -> (allowed from steps, to step, permission)
ONBOARDING_TRANSITIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "verify_identity": ((S.IDENTITY_VERIFICATION,), S.BUSINESS_TYPE, "clients.work_onboarding"),
    "choose_business_type": ((S.BUSINESS_TYPE,), S.INFORMATION_COLLECTION, "clients.work_onboarding"),
    "submit_for_review": ((S.INFORMATION_COLLECTION,), S.INITIAL_REVIEW, "clients.work_onboarding"),
    "approve": ((S.INITIAL_REVIEW,), S.REGISTERED, "clients.review_onboarding"),
    "return": ((S.INITIAL_REVIEW,), S.INFORMATION_COLLECTION, "clients.review_onboarding"),
    "withdraw": (
        (S.IDENTITY_VERIFICATION, S.BUSINESS_TYPE, S.INFORMATION_COLLECTION, S.INITIAL_REVIEW),
        S.WITHDRAWN,
        "clients.work_onboarding",
    ),
}
ACTION_LABELS = ONBOARDING_ACTION_LABELS
# What the buttons say: the action, not the state it leads to (issue 13). Lazy: read per request.
ACTION_BUTTONS = {
    "verify_identity": gettext_lazy("Confirm identity verified"),
    "choose_business_type": gettext_lazy("Confirm business type"),
    "submit_for_review": gettext_lazy("Submit for initial review"),
    "approve": gettext_lazy("Approve and register"),
    "return": gettext_lazy("Return"),
    "withdraw": gettext_lazy("Withdraw"),
}


def allowed_actions(*, case: OnboardingCase, user: User) -> list[str]:
    return [
        action
        for action, (sources, _to, perm) in ONBOARDING_TRANSITIONS.items()
        if case.step in sources and can(user, perm, case)
    ]


def onboarding_review_days(*, case: OnboardingCase) -> int:
    """SPEC §1 timeliness: 1 business day with a large fund movement (the strictest rule wins),
    5 for cases flagged special, otherwise 2."""
    if case.involves_large_fund_movement:
        return int(_setting("ONBOARDING_LARGE_FUND_REVIEW_DAYS", 1))
    if case.is_special:
        return int(_setting("ONBOARDING_SPECIAL_REVIEW_DAYS", 5))
    return int(_setting("ONBOARDING_REVIEW_DAYS", 2))


def is_large_fund_movement(client: Client) -> bool:
    threshold = Decimal(str(_setting("ONBOARDING_LARGE_FUND_MOVEMENT_THRESHOLD", 500000)))
    return (client.large_fund_movement_amount or Decimal(0)) >= threshold


def onboarding_start(
    *, client: Client, actor: User, is_special: bool = False, special_reason: str = ""
) -> OnboardingCase:
    """Open an onboarding case (ACC-YYYY-NNNNNN). One open case per client."""
    _require(
        actor, "clients.start_onboarding", client, _("Only the responsible advisor onboards this client.")
    )
    if is_special and not special_reason.strip():
        raise DomainError(_("Say why the case is special."), field="special_reason")
    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=client.pk)
        if client.onboarding_cases.filter(step__in=OPEN_STEPS).exists():
            raise Conflict(_("This client already has an open onboarding case."))
        if client.status == ClientStatus.ENDED:
            raise Conflict(_("The relationship with this client has ended; open a new client file."))
        case = OnboardingCase(
            acceptance_number=next_number(prefix="ACC", year=now().year),
            client=client,
            is_special=is_special,
            special_reason=special_reason.strip(),
            opened_by=actor,
        )
        audited_save(case, actor=actor, reason="onboarding case opened")
        _log_step(case, action="open", from_step="", to_step=case.step, actor=actor, note="")
        if client.status == ClientStatus.PROSPECT:
            client.status = ClientStatus.ONBOARDING
            audited_save(
                client,
                actor=actor,
                reason=text(
                    "audit.onboarding_acceptance_number_opened", acceptance_number=case.acceptance_number
                ),
            )
    return case


def onboarding_flag_special(
    *, case: OnboardingCase, actor: User, is_special: bool, reason: str = ""
) -> OnboardingCase:
    if is_special and not reason.strip():
        raise DomainError(_("Say why the case is special."), field="special_reason")
    with transaction.atomic():
        # the case as it is now: a submission or withdrawal saved meanwhile is neither undone nor
        # flagged after the fact
        case = OnboardingCase.objects.select_for_update().select_related("client").get(pk=case.pk)
        _require(actor, "clients.work_onboarding", case)
        if case.step not in (S.IDENTITY_VERIFICATION, S.BUSINESS_TYPE, S.INFORMATION_COLLECTION):
            raise Conflict(_("A case can be flagged special only before it is submitted for review."))
        case.is_special, case.special_reason = is_special, reason.strip() if is_special else ""
        audited_save(
            case,
            actor=actor,
            reason=text("audit.flagged_special" if is_special else "audit.special_flag_removed"),
        )
    return case


def _step_label(action: str) -> Any:
    """An onboarding action by its label (for audit reasons, stored as a code)."""
    return ONBOARDING_ACTION_LABELS.get(action) or (gettext_lazy("Opened") if action == "open" else action)


def _log_step(
    case: OnboardingCase, *, action: str, from_step: str, to_step: str, actor: User | None, note: str
) -> None:
    OnboardingStepLog.objects.create(
        case=case, action=action, from_step=from_step, to_step=to_step, actor=actor, at=now(), note=note
    )
    audit_log(
        actor=actor,
        action=AuditAction.TRANSITION,
        obj=case,
        reason=note or text("audit.onboarding_step", action=_step_label(action)),
        changes={"step": [from_step, to_step]},
    )


def _check_step(case: OnboardingCase, action: str, *, business_type: str | None) -> None:
    client = case.client
    if action == "verify_identity":
        if not client.id_number or not client.id_number_hash:
            raise DomainError(
                _("Record a valid identity document on the client file before verifying identity."),
                field="id_number",
            )
    elif action == "choose_business_type":
        from .models import BusinessType

        if business_type not in BusinessType.values:
            raise DomainError(_("Choose the business type."), field="business_type")
    elif action == "submit_for_review":
        missing = []
        if not client.financial_status_complete:
            missing.append(_("financial status (income, expenses, reserves, income stability)"))
        if not (client.phone or client.email):
            missing.append(_("a phone number or email"))
        consents = current_consents(client)
        if consents.get(ConsentKind.PRIVACY) is None:
            missing.append(_("privacy consent"))
        if consents.get(ConsentKind.RISK_DISCLOSURE) is None:
            missing.append(_("risk-disclosure acknowledgement"))
        if missing:
            raise DomainError(
                _("Before review the file needs: %(items)s.") % {"items": "; ".join(str(m) for m in missing)}
            )
    onboarding_check(case=case, action=action)  # KYC: identity document in force; approval conditions


def onboarding_transition(
    *, case: OnboardingCase, action: str, actor: User, note: str = "", business_type: str | None = None
) -> OnboardingCase:
    """The one function that moves an onboarding case (table ONBOARDING_TRANSITIONS).

    Submission stores the review deadline from the firm's business calendar; a return needs a
    reason and sends the case back to information collection; approval registers the client."""
    if action not in ONBOARDING_TRANSITIONS:
        raise DomainError(_("Unknown action."), field="action")
    sources, target, perm = ONBOARDING_TRANSITIONS[action]
    _require(actor, perm, case, _("You may not do this step of the onboarding case."))
    if action in ("return", "withdraw") and not note.strip():
        raise DomainError(_("Give the reason."), field="note")
    with transaction.atomic():
        case = OnboardingCase.objects.select_for_update().select_related("client").get(pk=case.pk)
        if case.step not in sources:
            raise Conflict(
                _("The case is at “%(step)s”; this action is not possible now.")
                % {"step": case.get_step_display()}
            )
        if action in ("approve", "return") and case.opened_by_id == actor.pk:
            raise NotAllowed(_("No one reviews a case they opened."))
        client = Client.objects.select_for_update().get(pk=case.client_id)
        case.client = client
        _check_step(case, action, business_type=business_type)
        stamp = now()
        from_step = case.step
        case.step = target
        if action == "verify_identity":
            client.identity_verified_at = stamp
            audited_save(
                client,
                actor=actor,
                reason=text(
                    "audit.identity_verified_acceptance_number", acceptance_number=case.acceptance_number
                ),
            )
        elif action == "choose_business_type":
            case.business_type = business_type
        elif action == "submit_for_review":
            case.involves_large_fund_movement = is_large_fund_movement(client)
            case.submitted_at = stamp
            case.review_days = onboarding_review_days(case=case)
            case.review_deadline = firm_calendar().business_day_deadline(stamp, case.review_days)
            case.is_overdue, case.overdue_since = False, None
        elif action == "return":
            case.return_reason = note.strip()
            case.times_returned += 1
            case.reviewed_at, case.reviewed_by = stamp, actor
        elif action == "approve":
            case.reviewed_at, case.reviewed_by, case.completed_at = stamp, actor, stamp
            client.status = ClientStatus.ACTIVE
            client.relationship_started_on = client.relationship_started_on or stamp.date()
            audited_save(
                client,
                actor=actor,
                reason=text("audit.registered_acceptance_number", acceptance_number=case.acceptance_number),
            )
        elif action == "withdraw":
            case.completed_at = stamp
            if client.status == ClientStatus.ONBOARDING:
                client.status = ClientStatus.PROSPECT
                audited_save(
                    client,
                    actor=actor,
                    reason=text(
                        "audit.onboarding_acceptance_number_withdrawn",
                        acceptance_number=case.acceptance_number,
                    ),
                )
        step = (
            text("audit.onboarding_step_note", action=_step_label(action), note=note.strip())
            if note.strip()
            else text("audit.onboarding_step", action=_step_label(action))
        )
        audited_save(case, actor=actor, reason=step)
        _log_step(case, action=action, from_step=from_step, to_step=target, actor=actor, note=note.strip())
        onboarding_after(case=case, action=action, actor=actor)  # screening, AML rating
        if action in ("approve", "return"):
            notify(
                recipients=[client.advisor],
                kind=f"clients.onboarding_{action}",
                subject=text(
                    "notify.clients_onboarding_action",
                    number=case.acceptance_number,
                    what=ACTION_LABELS[action],
                ),
                body=note,
                url=reverse("clients:onboarding_detail", args=[case.pk]),
            )
    return case


# -- overdue sweep --------------------------------------------------------------------------------
def onboarding_overdue_specs(*, at: datetime.datetime | None = None) -> dict[tuple[str, str], WarningSpec]:
    """One warning per case waiting for its initial review past the stored deadline."""
    at = at or now()
    rows = (
        OnboardingCase.objects.filter(step=S.INITIAL_REVIEW, review_deadline__lt=at)
        .values_list("pk", "acceptance_number", "client_id", "client__advisor_id", "review_deadline")
        .order_by("pk")
    )
    label = OnboardingCase._meta.label_lower
    url = reverse("clients:onboarding_detail", args=[999999999]).replace("999999999", "{}")  # reverse once
    return {
        (label, str(pk)): WarningSpec(
            message=text("warning.onboarding_overdue", number=number, due=deadline),
            advisor=advisor_id,
            client_id=client_id,
            url=url.format(pk),
        )
        for pk, number, client_id, advisor_id, deadline in rows
    }


def onboarding_overdue_sweep(*, at: datetime.datetime | None = None) -> dict[str, int]:
    """Mark cases overdue (once) and keep the ONBOARDING_OVERDUE warnings in step with them.

    Idempotent and safe to run concurrently: rows are claimed with SELECT FOR UPDATE SKIP
    LOCKED ordered by pk, and only rows not yet marked are changed."""
    at = at or now()
    with transaction.atomic():
        claimed = list(
            OnboardingCase.objects.select_for_update(skip_locked=True)
            .filter(step=S.INITIAL_REVIEW, review_deadline__lt=at, is_overdue=False)
            .order_by("pk")
        )
        for case in claimed:
            case.is_overdue, case.overdue_since = True, at
        if claimed:
            # Every claimed row gets the same values: one UPDATE instead of bulk_update's CASE
            # expression, then one history row and one chained audit entry per case, as
            # audit.bulk does.
            reason = text("audit.review_deadline_passed")
            with allow_bulk_writes():
                OnboardingCase.objects.filter(pk__in=[c.pk for c in claimed]).update(
                    is_overdue=True, overdue_since=at
                )
            OnboardingCase.history.bulk_history_create(claimed, update=True, default_change_reason=reason)
            audit_bulk_rows(
                objs=claimed,
                actor=None,
                action=AuditAction.UPDATE,
                reason=reason,
                changes_for={
                    c.pk: {"is_overdue": [False, True], "overdue_since": [None, at]} for c in claimed
                },
            )
    result = warning_sync(kind=WarningKind.ONBOARDING_OVERDUE, active=onboarding_overdue_specs(at=at))
    result["marked"] = len(claimed)
    logger.info("onboarding overdue sweep: %s", result)
    return result


# -- retention disposal (SPEC §5) ------------------------------------------------------------------
# The client row stays as an anonymised shell (file number, status, dates) so that records kept
# longer than the file (anonymised complaints) keep a valid reference; every personal field is
# blanked in the row and in its history rows (audit.disposal blanks the history).
CLIENT_PERSONAL_FIELDS = (
    "name",
    "email",
    "id_number",
    "id_number_hash",
    "id_issuing_country",
    "phone",
    "address",
    "contact_person",
    "bank_name",
    "bank_account_number",
    "monthly_income",
    "monthly_expenses",
    "liquid_reserves",
    "income_stability",
    "investment_product_kinds",
    "asset_classes_of_interest",
    "planning_needs",
    "household",
    "user",
)


def client_purge_personal(client: Client) -> None:
    """Retention disposal (audit app) of the client row: blank its personal data, anonymise the
    portal login and its sign-in traces, and blank a household left without members."""
    from audit.disposal import DISPOSED, blank_history, blank_value

    reason = text("audit.retention_disposal_personal_data_blanked")
    user, household = client.user, client.household
    for name in CLIENT_PERSONAL_FIELDS:
        field = Client._meta.get_field(name)
        setattr(client, field.attname, blank_value(field))
    client.name = DISPOSED
    audited_save(client, actor=None, reason=reason)
    if user is not None:
        portal_user_purge(user)
    if household is not None and not household.members.exists():
        household.name, household.notes = DISPOSED, ""
        audited_save(household, actor=None, reason=reason)
        # Redact first: a history row may be blanked only once its entry is (audit.protection).
        audit_redact(
            record_type="clients.household", record_ids=[str(household.pk)], actor=None, reason=reason
        )
        blank_history(Household, household.pk, {"name": DISPOSED, "notes": ""})


def portal_user_purge(user: User) -> None:
    """Anonymise a client's portal login: it can no longer sign in; its name, email and phone are
    blanked in the row and its history; its sign-in logs (django-axes) are deleted and its
    entries in the trail redacted (hashes kept)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    from advisory.models import ApiToken
    from audit.disposal import blank_history, redact_user_sign_ins

    old_email = user.email
    user.email = f"disposed-{user.pk}@invalid"
    user.full_name, user.first_name, user.last_name, user.phone = "[disposed]", "", "", ""
    user.is_active = False
    user.last_login = None
    user.set_unusable_password()
    audited_save(user, actor=None, reason="retention disposal: portal login anonymised")
    # Redact first: a history row may be blanked only once its chained entry is (audit.protection).
    redact_user_sign_ins(
        user_id=user.pk, usernames=[old_email, old_email.lower()], actor=None, reason="retention disposal"
    )
    blank_history(
        type(user),
        user.pk,
        {"email": user.email, "full_name": user.full_name, "first_name": "", "last_name": "", "phone": ""},
    )
    for model in (AccessLog, AccessAttempt, AccessFailureLog):
        model.objects.filter(username__iexact=old_email).delete()
    ApiToken.objects.filter(user=user).delete()
