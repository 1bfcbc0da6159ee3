"""Know your client for the whole relationship: identity documents, the money-laundering risk
rating, periodic refresh, and what blocks the relationship (issue 15; seeds 002 §2.1.4, §2.2.3,
000 §2.4, §6.4). Services write; `relationship_blockers` is the read other apps ask.

Settings (defaults in brackets):
    KYC_DOCUMENT_EXPIRY_WARNING_DAYS [30]   warn this many days before an identity document expires
    KYC_REFRESH_YEARS [{"high": 1, "medium": 2, "low": 3}]   refresh cycle by money-laundering risk
    ONBOARDING_RISK_PROFILE_SELECTOR ["risk.selectors.client_risk_profile"]   how onboarding asks
        the risk app for the client's confirmed profile (clients cannot import risk: it sits below)
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from advisory.clock import now, today
from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.history import audited_save
from advisory.models import User, WarningKind
from advisory.notifications import notifications_resolve, notify
from advisory.texts import Reason, client_language, in_language, stored_reason, text
from advisory.warnings import WarningSpec
from audit.models import AuditAction
from audit.services import audit_log

from .identity import identity_hash, validate_document_number
from .kyc_models import (
    AmlRisk,
    HitStatus,
    IdentityDocument,
    IdentityDocumentType,
    KycProfile,
    KycRefresh,
    RefreshStatus,
    VerificationMethod,
)
from .models import AgreementStatus, Client, ClientStatus, DocumentKind, OnboardingCase
from .rules import can

DEFAULT_REFRESH_YEARS = {AmlRisk.HIGH: 1, AmlRisk.MEDIUM: 2, AmlRisk.LOW: 3}


def _require(user: User, perm: str, obj: Any = None, message: str | None = None) -> None:
    if not can(user, perm, obj):
        raise NotAllowed(message or _("You are not allowed to do this."))


def expiry_warning_days() -> int:
    return int(getattr(settings, "KYC_DOCUMENT_EXPIRY_WARNING_DAYS", 30))


def refresh_years(risk: str) -> int:
    table = {**DEFAULT_REFRESH_YEARS, **getattr(settings, "KYC_REFRESH_YEARS", {})}
    return int(table.get(risk or AmlRisk.MEDIUM, table[AmlRisk.MEDIUM]))


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# -- identity documents ---------------------------------------------------------------------------
def current_identity_documents(client: Client) -> list[IdentityDocument]:
    """The documents in force (not superseded), newest first. Uses a prefetch when present."""
    return [d for d in client.identity_documents.all() if d.superseded_at is None]


def identity_document_add(
    *,
    client: Client,
    actor: User,
    document_type: str,
    number: str,
    issued_on: datetime.date | None,
    verification_method: str,
    copy: UploadedFile | None,
    expires_on: datetime.date | None = None,
    issuing_country: str = "",
    note: str = "",
) -> IdentityDocument:
    """Record an identity document seen by the advisor: the number validated for its type, the
    dates, the copy (uploaded through the document upload and its checks), and who verified it
    and how. A newer document of the same type supersedes the older one."""
    from .services import document_upload

    _require(
        actor,
        "clients.record_identity_document",
        client,
        _("Only the responsible advisor records identity documents."),
    )
    if document_type not in IdentityDocumentType.values:
        raise DomainError(_("Choose the type of identity document."), field="document_type")
    if verification_method not in VerificationMethod.values:
        raise DomainError(_("Say how the document was verified."), field="verification_method")
    try:
        canonical = validate_document_number(document_type, number, issuing_country)
    except DomainError as exc:
        raise DomainError(exc.message, field="number") from None
    if document_type == IdentityDocumentType.PASSPORT and not (issuing_country or "").strip():
        raise DomainError(
            _("Give the issuing country of the passport (two letters)."), field="issuing_country"
        )
    current = today()
    if issued_on is None:
        raise DomainError(_("Enter the date of issue."), field="issued_on")
    if issued_on > current:
        raise DomainError(_("The date of issue cannot be in the future."), field="issued_on")
    if expires_on is not None and expires_on <= issued_on:
        raise DomainError(_("The expiry date must be after the date of issue."), field="expires_on")
    if expires_on is not None and expires_on < current:
        raise DomainError(
            _("This document expired on %(d)s: ask the client for a valid one.")
            % {"d": expires_on.isoformat()},
            field="expires_on",
        )
    if copy is None:
        raise DomainError(_("Upload the copy of the document you saw."), field="copy")
    digest = identity_hash(document_type, canonical)
    other = (
        IdentityDocument.objects.filter(number_hash=digest, superseded_at=None)
        .exclude(client=client)
        .values_list("client__file_number", flat=True)
        .first()
    )
    if other:
        raise Conflict(
            _("This document number is already on client file %(file)s.") % {"file": other}, field="number"
        )
    with transaction.atomic():
        stored_copy = document_upload(
            client=client,
            actor=actor,
            upload=copy,
            kind=DocumentKind.IDENTITY,
            # the client reads their documents' titles in the portal: written in their language
            title=in_language(client_language(client), IdentityDocumentType(document_type).label),
        )
        stamp = now()
        for old in IdentityDocument.objects.select_for_update().filter(
            client=client, document_type=document_type, superseded_at=None
        ):
            old.superseded_at = stamp
            audited_save(old, actor=actor, reason="superseded by a newer document")
        document = IdentityDocument(
            client=client,
            document_type=document_type,
            number=canonical,
            number_hash=digest,
            issuing_country=(issuing_country or "").upper()[:2],
            issued_on=issued_on,
            expires_on=expires_on,
            copy=stored_copy,
            verification_method=verification_method,
            verified_by=actor,
            verified_at=stamp,
            note=note.strip()[:300],
        )
        audited_save(
            document,
            actor=actor,
            reason=text(
                "audit.identity_document_verified_verification_method",
                verification_method=VerificationMethod(verification_method).label,
            ),
        )
    return document


# -- profile and risk rating ----------------------------------------------------------------------
def kyc_profile_get(client: Client) -> KycProfile | None:
    try:
        return client.kyc_profile
    except KycProfile.DoesNotExist:
        return None


def kyc_profile_rate(
    *, client: Client, actor: User | None, risk: str, reasons: str, refreshed_on: datetime.date | None = None
) -> KycProfile:
    """Set the money-laundering risk rating; the next refresh falls due by it (default: high
    yearly, medium every 2 years, low every 3 years)."""
    if risk not in AmlRisk.values:
        raise DomainError(_("Choose the money-laundering risk."), field="aml_risk")
    refreshed_on = refreshed_on or today()
    profile = KycProfile.objects.select_for_update().filter(client=client).first() or KycProfile(
        client=client
    )
    profile.aml_risk = risk
    profile.aml_risk_reasons = reasons.strip()
    profile.aml_rated_at, profile.aml_rated_by = now(), actor
    profile.last_refreshed_on = refreshed_on
    profile.next_refresh_due = _add_years(refreshed_on, refresh_years(risk))
    audited_save(
        profile, actor=actor, reason=text("audit.money_laundering_risk_risk", risk=AmlRisk(risk).label)
    )
    return profile


# -- periodic refresh -----------------------------------------------------------------------------
CONTACT_FIELDS = ("email", "phone", "address", "preferred_language", "contact_person")
FINANCIAL_FIELDS = (
    "monthly_income",
    "monthly_expenses",
    "liquid_reserves",
    "income_stability",
    "investment_years",
    "large_fund_movement_amount",
)
IDENTITY_FIELDS = ("name", "id_document_type", "id_number_hash")
ENCRYPTED = {"phone", "address"}


def _baseline(client: Client) -> dict[str, Any]:
    client = Client.objects.get(pk=client.pk)  # as stored (Decimal places, normalised values)
    values: dict[str, Any] = {}
    for field in CONTACT_FIELDS + FINANCIAL_FIELDS + IDENTITY_FIELDS:
        value = getattr(client, field)
        if field in ENCRYPTED:
            value = hashlib.sha256((value or "").encode()).hexdigest()
        values[field] = None if value is None else str(value)
    docs = sorted(d.pk for d in IdentityDocument.objects.filter(client=client, superseded_at=None))
    values["identity_documents"] = ",".join(map(str, docs))
    return values


def kyc_refresh_start(*, client: Client, actor: User) -> KycRefresh:
    """Open a refresh: what the file says now is kept as the baseline the changes are found against."""
    _require(
        actor, "clients.work_kyc_refresh", client, _("Only the responsible advisor refreshes this file.")
    )
    if client.status == ClientStatus.ENDED:
        raise Conflict(_("The relationship has ended; there is nothing to refresh."))
    profile = kyc_profile_get(client)
    refresh = KycRefresh(
        client=client,
        due_on=profile.next_refresh_due if profile else None,
        started_by=actor,
        started_at=now(),
        baseline=_baseline(client),
    )
    try:
        with transaction.atomic():
            audited_save(refresh, actor=actor, reason="KYC refresh started")
    except IntegrityError:
        raise Conflict(_("A refresh of this client is already in progress.")) from None
    return refresh


FIELD_LABELS = {
    "email": gettext_lazy("email"),
    "phone": gettext_lazy("phone"),
    "address": gettext_lazy("address"),
    "preferred_language": gettext_lazy("preferred language"),
    "contact_person": gettext_lazy("contact person"),
    "monthly_income": gettext_lazy("monthly income"),
    "monthly_expenses": gettext_lazy("monthly expenses"),
    "liquid_reserves": gettext_lazy("liquid reserves"),
    "income_stability": gettext_lazy("income stability"),
    "investment_years": gettext_lazy("years of investing"),
    "large_fund_movement_amount": gettext_lazy("largest expected fund movement"),
    "name": gettext_lazy("name"),
    "id_document_type": gettext_lazy("identity document"),
    "id_number_hash": gettext_lazy("identity number"),
    "identity_documents": gettext_lazy("identity documents"),
    "aml_risk": gettext_lazy("money-laundering risk"),
}


def kyc_refresh_changes(refresh: KycRefresh) -> list[dict[str, Any]]:
    """Fields that differ from the baseline: old → new for plain fields, only "changed" for
    encrypted ones and the identity number."""
    current = _baseline(refresh.client)
    changes = []
    for field, old in (refresh.baseline or {}).items():
        new = current.get(field)
        if new != old:
            hidden = field in ENCRYPTED or field == "id_number_hash"
            changes.append({"field": field, "old": None if hidden else old, "new": None if hidden else new})
    return changes


REFRESH_TRANSITIONS = {
    "submit": ((RefreshStatus.OPEN, RefreshStatus.RETURNED), "clients.work_kyc_refresh"),
    "approve": ((RefreshStatus.SUBMITTED,), "clients.review_kyc_refresh"),
    "return": ((RefreshStatus.SUBMITTED,), "clients.review_kyc_refresh"),
}


def kyc_refresh_submit(
    *,
    refresh: KycRefresh,
    actor: User,
    identity_confirmed: bool,
    contact_confirmed: bool,
    financial_confirmed: bool,
    aml_risk: str,
    note: str = "",
) -> KycRefresh:
    """The advisor re-confirms identity, contact data and financial situation. Without changes
    the refresh is complete; with changes (data or risk rating) it goes to a supervisor."""
    _require(
        actor, "clients.work_kyc_refresh", refresh, _("Only the responsible advisor refreshes this file.")
    )
    missing = {
        "identity_confirmed": identity_confirmed,
        "contact_confirmed": contact_confirmed,
        "financial_confirmed": financial_confirmed,
    }
    errors = {k: [_("Confirm this before submitting.")] for k, v in missing.items() if not v}
    if errors:
        raise DomainError(_("Re-confirm identity, contact data and financial situation."), fields=errors)
    if aml_risk not in AmlRisk.values:
        raise DomainError(_("Choose the money-laundering risk."), field="aml_risk")
    with transaction.atomic():
        refresh = KycRefresh.objects.select_for_update().select_related("client").get(pk=refresh.pk)
        if refresh.status not in REFRESH_TRANSITIONS["submit"][0]:
            raise Conflict(_("This refresh is not waiting for the advisor."))
        client = refresh.client
        on = today()
        docs = current_identity_documents(client)
        if not docs:
            raise DomainError(
                _("Record the identity document you saw before confirming identity."),
                field="identity_confirmed",
            )
        if all(d.expires_on is not None and d.expires_on < on for d in docs):
            raise DomainError(
                _("Every identity document on file has expired: record the new one first."),
                field="identity_confirmed",
            )
        changes = kyc_refresh_changes(refresh)
        profile = kyc_profile_get(client)
        if profile is None or profile.aml_risk != aml_risk:
            changes.append(
                {"field": "aml_risk", "old": profile.aml_risk if profile else None, "new": aml_risk}
            )
        refresh.identity_confirmed = refresh.contact_confirmed = refresh.financial_confirmed = True
        refresh.changed_fields = changes
        refresh.aml_risk = aml_risk
        refresh.advisor_note = note.strip()
        refresh.submitted_at = now()
        if changes:
            refresh.status = RefreshStatus.SUBMITTED
            audited_save(refresh, actor=actor, reason="KYC refresh submitted with changes")
            supervisor = getattr(client.advisor, "supervisor", None)
            if supervisor is not None:
                url = reverse("clients:kyc_refresh", args=[refresh.pk])
                notify(
                    recipients=[supervisor],
                    kind="clients.kyc_refresh_submitted",
                    subject=text("notify.clients_kyc_refresh_submitted", file=client.file_number),
                    body="",
                    url=url,
                    about=refresh,
                )
        else:
            _complete(refresh, actor=actor, reason="KYC refresh completed, nothing changed")
    return refresh


def _complete(refresh: KycRefresh, *, actor: User, reason: Reason) -> None:
    refresh.status = RefreshStatus.COMPLETED
    refresh.completed_at = now()
    audited_save(refresh, actor=actor, reason=reason)
    profile = kyc_profile_get(refresh.client)
    reasons = profile.aml_risk_reasons if profile and profile.aml_risk == refresh.aml_risk else ""
    kyc_profile_rate(
        client=refresh.client,
        actor=actor,
        risk=refresh.aml_risk,
        # a code, read in each reader's language (what the advisor noted is kept as written)
        reasons=reasons
        or refresh.advisor_note
        or stored_reason(text("audit.confirmed_at_the_periodic_refresh")),
        refreshed_on=today(),
    )


def kyc_refresh_review(*, refresh: KycRefresh, actor: User, action: str, note: str = "") -> KycRefresh:
    """A supervisor approves the changes found (the refresh completes, the next one falls due by
    the risk rating) or returns the refresh to the advisor with a reason."""
    if action not in ("approve", "return"):
        raise DomainError(_("Unknown action."), field="action")
    _require(actor, REFRESH_TRANSITIONS[action][1], refresh, _("Only a supervisor reviews a KYC refresh."))
    if action == "return" and not note.strip():
        raise DomainError(_("Give the reason."), field="note")
    with transaction.atomic():
        refresh = KycRefresh.objects.select_for_update().select_related("client").get(pk=refresh.pk)
        if refresh.status not in REFRESH_TRANSITIONS[action][0]:
            raise Conflict(_("This refresh is not waiting for review."))
        if refresh.started_by_id == actor.pk:
            raise NotAllowed(_("No one reviews a refresh they carried out."))
        refresh.reviewed_by, refresh.reviewed_at, refresh.review_note = actor, now(), note.strip()
        if action == "approve":
            _complete(
                refresh,
                actor=actor,
                reason=text("audit.kyc_refresh_approved_note", note=note.strip())
                if note.strip()
                else text("audit.kyc_refresh_approved"),
            )
        else:
            refresh.status = RefreshStatus.RETURNED
            audited_save(
                refresh, actor=actor, reason=text("audit.kyc_refresh_returned_note", note=note.strip())
            )
        notifications_resolve(about=refresh)  # the request to review it is done
    return refresh


# -- what blocks the relationship (read by onboarding and by planning) ----------------------------
@dataclass(frozen=True)
class Blocker:
    code: str
    message: str


def relationship_blockers(
    *, client: Client | int, on: datetime.date | None = None, documents: list[IdentityDocument] | None = None
) -> list[Blocker]:
    """Why new business with this client is blocked today: an expired identity document (when
    none of the client's documents in force is still valid), or a confirmed watch-list match.
    Two queries (one when the client's documents are passed in). Planning asks this before a
    proposal is drafted or submitted."""
    from .kyc_models import ScreeningHit

    client_id = getattr(client, "pk", client)
    on = on or today()
    blockers: list[Blocker] = []
    if documents is None:
        docs = list(
            IdentityDocument.objects.filter(client_id=client_id, superseded_at=None).values_list(
                "document_type", "expires_on"
            )
        )
    else:
        docs = [(d.document_type, d.expires_on) for d in documents if d.superseded_at is None]
    expired = [(t, d) for t, d in docs if d is not None and d < on]
    if docs and len(expired) == len(docs):
        kind, day = max(expired, key=lambda x: x[1])
        blockers.append(
            Blocker(
                "identity_expired",
                _("The client's %(doc)s expired on %(d)s: record a valid identity document first.")
                % {"doc": IdentityDocumentType(kind).label, "d": day.isoformat()},
            )
        )
    confirmed = (
        ScreeningHit.objects.filter(client_id=client_id, status=HitStatus.CONFIRMED)
        .values_list("entry__watch_list__name", flat=True)
        .first()
    )
    if confirmed:
        blockers.append(
            Blocker(
                "screening_confirmed",
                _(
                    "A watch-list match (%(list)s) is confirmed for this client: the relationship is "
                    "blocked. Ask compliance."
                )
                % {"list": confirmed},
            )
        )
    return blockers


def relationship_check(*, client: Client | int, on: datetime.date | None = None) -> None:
    """Raise Conflict naming every blocker (for services of other apps)."""
    blockers = relationship_blockers(client=client, on=on)
    if blockers:
        raise Conflict(" ".join(b.message for b in blockers))


def _risk_profile(client: Client):
    selector = import_string(
        getattr(settings, "ONBOARDING_RISK_PROFILE_SELECTOR", "risk.selectors.client_risk_profile")
    )
    return selector(client=client)


def onboarding_approval_missing(*, case: OnboardingCase) -> list[str]:
    """What the initial review cannot approve without (issue 15): a confirmed, current risk
    profile; a signed service agreement in force; complete customer due diligence, with the
    second reviewer's approval for high risk; screening done with every hit decided and none
    confirmed; no blocker on the relationship."""
    from .kyc_models import DueDiligence, EddStatus, ScreeningHit

    client = case.client
    missing: list[str] = []
    profile = _risk_profile(client)
    if profile is None:
        missing.append(_("a confirmed risk profile (risk questionnaire)"))
    elif profile.is_expired:
        missing.append(_("a current risk profile (the last one expired)"))
    if not client.agreements.filter(status=AgreementStatus.ACTIVE, signed_on__isnull=False).exists():
        missing.append(_("a signed service agreement"))
    cdd = DueDiligence.objects.filter(case=case).first()
    if cdd is None or not cdd.checklist_complete:
        missing.append(_("complete customer due diligence"))
    elif cdd.edd_status == EddStatus.PENDING:
        missing.append(_("the second reviewer's enhanced due diligence"))
    elif cdd.edd_status == EddStatus.REJECTED:
        missing.append(_("enhanced due diligence approved (the second reviewer rejected it)"))
    hits = set(ScreeningHit.objects.filter(client=client).values_list("status", flat=True))
    if HitStatus.OPEN in hits:
        missing.append(_("a decision on every watch-list hit"))
    missing.extend(b.message for b in relationship_blockers(client=client))
    return missing


def onboarding_check(*, case: OnboardingCase, action: str) -> None:
    """The onboarding steps' KYC conditions (called by clients.services.onboarding_transition):
    identity verification needs a document in force; approval needs everything in
    onboarding_approval_missing."""
    if action == "verify_identity":
        on = today()
        if not any(
            d.expires_on is None or d.expires_on >= on for d in current_identity_documents(case.client)
        ):
            raise DomainError(
                _(
                    "Record the identity document you saw (type, number, dates, copy, how it was "
                    "verified) before verifying identity; an expired one does not count."
                ),
                field="id_number",
            )
    elif action == "approve":
        missing = onboarding_approval_missing(case=case)
        if missing:
            raise Conflict(
                _("The case cannot be approved yet. Missing: %(items)s.")
                % {"items": "; ".join(str(m) for m in missing)}
            )


def onboarding_after(*, case: OnboardingCase, action: str, actor: User) -> None:
    """After a step: submission screens the client (with related parties) against the watch
    lists; approval copies the due diligence's rating to the KYC profile (refresh cycle starts)."""
    if action == "submit_for_review":
        from .screening import screening_run

        screening_run(client_ids=[case.client_id], actor=actor)
    elif action == "approve":
        cdd = case.due_diligence
        kyc_profile_rate(client=case.client, actor=actor, risk=cdd.ml_risk, reasons=cdd.ml_risk_reasons)


# -- warnings (SPEC §6 machinery) ------------------------------------------------------------------
def identity_expiry_specs(*, on: datetime.date | None = None) -> dict[tuple[str, str], WarningSpec]:
    """One warning per document in force that expires within the warning window (default 30
    days) or has expired, for clients whose relationship has not ended."""
    on = on or today()
    horizon = on + datetime.timedelta(days=expiry_warning_days())
    rows = (
        IdentityDocument.objects.filter(superseded_at=None, expires_on__lte=horizon)
        .exclude(client__status=ClientStatus.ENDED)
        .values_list(
            "pk", "document_type", "expires_on", "client_id", "client__advisor_id", "client__file_number"
        )
        .order_by("pk")
    )
    label = IdentityDocument._meta.label_lower
    url = reverse("clients:detail", args=[999999999]).replace("999999999", "{}")
    specs = {}
    for pk, kind, day, client_id, advisor_id, file_number in rows:
        expired = day < on
        specs[(label, str(pk))] = WarningSpec(
            message=text(
                "warning.identity_expired" if expired else "warning.identity_expiring",
                kind=IdentityDocumentType(kind).label if kind in IdentityDocumentType.values else kind,
                file=file_number,
                date=day,
            ),
            advisor=advisor_id,
            client_id=client_id,
            severity="critical" if expired else "warning",
            url=url.format(client_id) + "#kyc",
        )
    return specs


def refresh_overdue_specs(*, on: datetime.date | None = None) -> dict[tuple[str, str], WarningSpec]:
    """One warning per client whose periodic KYC refresh is past due."""
    on = on or today()
    rows = (
        KycProfile.objects.filter(next_refresh_due__lt=on)
        .exclude(client__status=ClientStatus.ENDED)
        .values_list("pk", "next_refresh_due", "client_id", "client__advisor_id", "client__file_number")
        .order_by("pk")
    )
    label = KycProfile._meta.label_lower
    url = reverse("clients:detail", args=[999999999]).replace("999999999", "{}")
    return {
        (label, str(pk)): WarningSpec(
            message=text("warning.kyc_refresh_overdue", file=file_number, date=due),
            advisor=advisor_id,
            client_id=client_id,
            url=url.format(client_id) + "#kyc",
        )
        for pk, due, client_id, advisor_id, file_number in rows
    }


def kyc_warning_specs() -> dict[str, dict[tuple[str, str], WarningSpec]]:
    return {
        WarningKind.IDENTITY_DOCUMENT_EXPIRING: identity_expiry_specs(),
        WarningKind.KYC_REFRESH_OVERDUE: refresh_overdue_specs(),
    }


def log_identity_reveal(*, document: IdentityDocument, actor: User) -> str:
    """Show an identity document number in clear: a logged event, like the client file's reveal."""
    _require(
        actor, "clients.reveal_client", document.client, _("You may not reveal this client's personal data.")
    )
    audit_log(actor=actor, action=AuditAction.REVEAL, obj=document, reason="revealed document number")
    return document.number or ""
