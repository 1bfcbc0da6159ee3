"""Suitability exceptions (SPEC §2, issue 14): request, confirm, decide, and lapse."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from advisory.clock import now, today
from advisory.errors import Conflict, DomainError
from advisory.history import audited_save
from advisory.notifications import notifications_resolve, notify
from advisory.texts import Joined, Reason, client_language, in_language, text
from audit.models import AuditAction
from audit.services import audit_log

from ..models import ExceptionScope, ExceptionStatus, LapseReason, Product, SuitabilityException, level_number
from .common import _inputs_changed, _require, _url
from .suitability import suitability_check

EXCEPTION_TRANSITIONS: dict[str, set[str]] = {
    ExceptionStatus.REQUESTED: {
        ExceptionStatus.CLIENT_CONFIRMED,
        ExceptionStatus.WITHDRAWN,
        ExceptionStatus.LAPSED,
    },
    ExceptionStatus.CLIENT_CONFIRMED: {
        ExceptionStatus.APPROVED,
        ExceptionStatus.REJECTED,
        ExceptionStatus.WITHDRAWN,
        ExceptionStatus.LAPSED,
    },
    ExceptionStatus.APPROVED: {ExceptionStatus.LAPSED},
    ExceptionStatus.REJECTED: set(),
    ExceptionStatus.LAPSED: set(),
    ExceptionStatus.WITHDRAWN: set(),
}


def _exception_transition(exc: SuitabilityException, *, to: str, actor, reason: Reason) -> None:
    old = exc.status
    if to not in EXCEPTION_TRANSITIONS[old]:
        raise Conflict(
            _("This exception is %(s)s and cannot move to %(t)s.")
            % {"s": exc.get_status_display(), "t": ExceptionStatus(to).label}
        )
    exc.status = to
    audited_save(exc, actor=actor, reason=reason)
    notifications_resolve(about=exc)  # "please confirm", "awaiting sign-off" once that is done
    audit_log(
        actor=actor, action=AuditAction.TRANSITION, obj=exc, reason=reason, changes={"status": [old, to]}
    )


DEFAULT_WARNING_TEXT = gettext_lazy(
    "Special risk warning: the product %(product)s is rated %(rating)s, above your risk level %(level)s. "
    "It may lose more value, more quickly, than products suited to your level, and you could lose "
    "part or all of the amount invested. You are buying it on your own initiative, against the "
    "firm's suitability assessment."
)


def default_warning_text(*, client, product, level: str) -> str:
    """The standard special risk warning, written in the client's language. It is stored as the
    words the client is asked to confirm, so it never changes language afterwards."""
    return in_language(
        client_language(client),
        DEFAULT_WARNING_TEXT,
        product=product.name,
        rating=product.risk_rating,
        level=level,
    )


def suitability_exception_request(
    *,
    client,
    product: Product,
    actor,
    client_reason: str,
    warning_text: str = "",
    scope: str = ExceptionScope.AMOUNT,
    max_amount: Decimal | None = None,
    proposal_number: str = "",
    expires_on: datetime.date | None = None,
) -> SuitabilityException:
    """SPEC §2: a client-initiated purchase above the level needs a special risk warning the client
    confirms and compliance sign-off — never for C1 clients, never without a valid profile.

    Issue 14: the exception records the client level and product rating it is granted for, a
    scope (one proposal, or a maximum amount) and an expiry (default and at most: the profile's
    last valid day)."""
    from ..selectors import client_risk_profile

    _require(
        actor, "risk.request_exception", client, _("Only the client's advisor may request an exception.")
    )
    if not client_reason.strip():
        raise DomainError(_("Record why the client wants this product."), field="client_reason")
    result = suitability_check(client=client, product=product)
    if result.suitable:
        raise Conflict(_("The product is already suitable for this client; no exception is needed."))
    if not result.exception_possible:
        raise Conflict(str(result.reason))
    if scope not in ExceptionScope.values:
        raise DomainError(_("Choose what the exception covers."), field="scope")
    if scope == ExceptionScope.AMOUNT and (max_amount is None or Decimal(str(max_amount)) <= 0):
        raise DomainError(_("Give the maximum amount the exception covers."), field="max_amount")
    if scope == ExceptionScope.PROPOSAL and not proposal_number.strip():
        raise DomainError(_("Give the number of the proposal the exception covers."), field="proposal_number")
    profile = client_risk_profile(client=client)
    if profile is not None and profile.needs_reassessment:
        raise Conflict(
            _(
                "The client's risk profile needs re-assessment (%(r)s); re-assess before asking for an exception."
            )
            % {"r": profile.reassessment_reason or _("significant change")}
        )
    if profile is not None and profile.valid_until is not None:
        if expires_on is None:
            expires_on = profile.valid_until
        elif expires_on > profile.valid_until:
            raise DomainError(
                _("An exception cannot outlive the risk profile (valid until %(d)s).")
                % {"d": profile.valid_until},
                field="expires_on",
            )
    if expires_on is not None and expires_on < today():
        raise DomainError(_("The expiry date is in the past."), field="expires_on")
    with transaction.atomic():
        open_one = SuitabilityException.objects.filter(
            client=client,
            product=product,
            status__in=[ExceptionStatus.REQUESTED, ExceptionStatus.CLIENT_CONFIRMED],
        ).exists()
        if open_one:
            raise Conflict(_("An exception for this client and product is already in progress."))
        exc = SuitabilityException(
            client=client,
            product=product,
            client_level=result.client_level,
            product_rating=product.risk_rating,
            client_reason=client_reason.strip(),
            scope=scope,
            max_amount=Decimal(str(max_amount)) if scope == ExceptionScope.AMOUNT else None,
            proposal_number=proposal_number.strip() if scope == ExceptionScope.PROPOSAL else "",
            expires_on=expires_on,
            warning_text=warning_text.strip()
            or default_warning_text(client=client, product=product, level=result.client_level),
            requested_by=actor,
        )
        audited_save(exc, actor=actor, reason="Suitability exception requested")
        recipients = [client.user] if client.user_id else []
        if recipients:
            notify(
                recipients=recipients,
                kind="risk.exception_warning",
                subject=text("notify.risk_exception_warning"),
                body=exc.warning_text,
                url=_url("risk_portal:exception_confirm", exc.pk),
                about=exc,
            )
    return exc


def suitability_exception_client_confirm(*, exception: SuitabilityException, actor) -> SuitabilityException:
    """The client confirms the special risk warning (logged). An advisor may record it only for a
    client without a portal login (confirmed on paper)."""
    _require(actor, "risk.confirm_exception", exception, _("Only the client may confirm this warning."))
    with transaction.atomic():
        exc = SuitabilityException.objects.select_for_update().get(pk=exception.pk)
        exc.client_confirmed_at = now()
        exc.client_confirmed_by = actor
        _exception_transition(
            exc,
            to=ExceptionStatus.CLIENT_CONFIRMED,
            actor=actor,
            reason=text(
                "audit.client_confirmed_the_special_risk_warning"
                if actor.is_client
                else "audit.client_confirmed_the_special_risk_warning_recorded"
            ),
        )
        from advisory.models import User
        from advisory.roles import Role

        notify(
            recipients=list(User.objects.filter(role=Role.COMPLIANCE, is_active=True)),
            kind="risk.exception_pending",
            subject=text("notify.risk_exception_pending"),
            body=text(
                "notify.risk_exception_pending_body",
                client=exc.client.name,
                level=exc.client_level,
                product=exc.product.name,
                rating=exc.product_rating,
            ),
            url=_url("risk:exception_detail", exc.pk),
            about=exc,
        )
    return exc


def _exception_decide(*, exception, actor, to: str, note: str) -> SuitabilityException:
    _require(actor, "risk.approve_exception", exception, _("Only compliance may sign off exceptions."))
    with transaction.atomic():
        exc = SuitabilityException.objects.select_for_update().select_related("client").get(pk=exception.pk)
        if to == ExceptionStatus.APPROVED and level_number(exc.client_level) <= 1:
            raise Conflict(_("C1 clients never get a suitability exception."))
        if to == ExceptionStatus.APPROVED and exc.client_confirmed_at is None:
            raise Conflict(_("The client has not confirmed the special risk warning yet."))
        if to == ExceptionStatus.APPROVED:
            from ..selectors import client_risk_profile

            profile = client_risk_profile(client=exc.client)
            if profile is None or profile.is_expired or profile.level != exc.client_level:
                raise Conflict(
                    _("The client's risk profile changed since the request; the exception no longer applies.")
                )
            if exc.product.risk_rating != exc.product_rating:
                raise Conflict(
                    _("The product was re-rated since the request; the exception no longer applies.")
                )
        if to == ExceptionStatus.REJECTED and not note.strip():
            raise DomainError(_("Give the reason for the rejection."), field="note")
        exc.decided_at = now()
        exc.decided_by = actor
        exc.decision_note = note.strip()
        decided = (
            text("audit.exception_decided_note", status=ExceptionStatus(to).label, note=note.strip())
            if note.strip()
            else text("audit.exception_decided", status=ExceptionStatus(to).label)
        )
        _exception_transition(exc, to=to, actor=actor, reason=decided)
        notify(
            recipients=[exc.requested_by],
            kind="risk.exception_decided",
            subject=text("notify.risk_exception_decided", s=ExceptionStatus(exc.status).label),
            body=note,
            url=_url("risk:exception_detail", exc.pk),
        )
    return exc


def suitability_exception_approve(
    *, exception: SuitabilityException, actor, note: str = ""
) -> SuitabilityException:
    return _exception_decide(exception=exception, actor=actor, to=ExceptionStatus.APPROVED, note=note)


def suitability_exception_reject(
    *, exception: SuitabilityException, actor, note: str
) -> SuitabilityException:
    return _exception_decide(exception=exception, actor=actor, to=ExceptionStatus.REJECTED, note=note)


def suitability_exception_withdraw(*, exception: SuitabilityException, actor) -> SuitabilityException:
    _require(
        actor, "risk.request_exception", exception.client, _("Only the client's advisor may withdraw it.")
    )
    with transaction.atomic():
        exc = SuitabilityException.objects.select_for_update().get(pk=exception.pk)
        _exception_transition(exc, to=ExceptionStatus.WITHDRAWN, actor=actor, reason="Withdrawn")
    return exc


def exception_covers(
    exc: SuitabilityException,
    *,
    client_level: str | None,
    product_rating: str,
    on: datetime.date,
    amount: Decimal | None = None,
    proposal_number: str = "",
) -> bool:
    """Issue 14: an approved exception holds only for the client level and product rating it was
    granted for, within its scope and before its expiry — and never for a C1 client."""
    if exc.status != ExceptionStatus.APPROVED or not client_level:
        return False
    if level_number(client_level) <= 1 or exc.client_level != client_level:
        return False
    if exc.product_rating != product_rating:
        return False
    if exc.expires_on is not None and exc.expires_on < on:
        return False
    if exc.scope == ExceptionScope.PROPOSAL:
        return bool(proposal_number) and exc.proposal_number == proposal_number
    return not (exc.max_amount is not None and amount is not None and amount > exc.max_amount)


def suitability_exceptions_lapse(
    *,
    reason: str,
    actor=None,
    client_id: int | None = None,
    product_id: int | None = None,
    on: datetime.date | None = None,
) -> int:
    """Issue 14: exceptions lapse when the client is re-assessed, the product re-rated, or they
    expire. Approved and still-pending exceptions of the client (or product) move to LAPSED, each
    with history and an audit TRANSITION; the advisor is told. Call inside the caller's transaction."""
    qs = SuitabilityException.objects.select_for_update().filter(
        status__in=[ExceptionStatus.REQUESTED, ExceptionStatus.CLIENT_CONFIRMED, ExceptionStatus.APPROVED]
    )
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    if product_id is not None:
        qs = qs.filter(product_id=product_id)
    if reason == LapseReason.EXPIRED:
        qs = qs.filter(expires_on__lt=on or today())
    stamp = now()
    count = 0
    for exc in qs.select_related("client", "product", "requested_by").order_by("pk"):
        exc.lapsed_at = stamp
        exc.lapse_reason = reason
        _exception_transition(
            exc,
            to=ExceptionStatus.LAPSED,
            actor=actor,
            reason=text("audit.lapsed_lapsereason_reason", lapsereason_reason=LapseReason(reason).label),
        )
        notify(
            recipients=[exc.client.advisor],
            kind="risk.exception_lapsed",
            subject=text("notify.risk_exception_lapsed", p=exc.product.code, c=exc.client.name),
            body=text("text.list", items=Joined([LapseReason(reason).label])),
            url=_url("risk:exception_detail", exc.pk),
        )
        count += 1
    return count


def exception_expiry_sweep(*, on: datetime.date | None = None) -> int:
    """Nightly: exceptions past their expiry lapse (planning ignores them already by date; this
    makes the status say so). Safe to run twice: a lapsed exception is not selected again."""
    on = on or today()
    with transaction.atomic():
        ids = list(
            SuitabilityException.objects.filter(
                status=ExceptionStatus.APPROVED, expires_on__lt=on
            ).values_list("client_id", flat=True)
        )
        count = suitability_exceptions_lapse(reason=LapseReason.EXPIRED, on=on)
        if count:
            _inputs_changed(client_ids=sorted(set(ids)), reason="exception_expired")
    return count
