"""Every read the risk screens, the API and other apps need, scoped to the user (SPEC §2, §6)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from advisory.clock import today
from advisory.roles import OVERSIGHT_ROLES
from advisory.texts import Text, reason_text

from .models import (
    AssessmentStatus,
    ExceptionStatus,
    Product,
    ProfessionalInvestorClassification,
    Questionnaire,
    QuestionnaireVersion,
    Risk,
    RiskAssessment,
    SuitabilityException,
    VersionStatus,
)


@dataclass(frozen=True)
class RiskProfile:
    """The client's current confirmed risk profile."""

    level: str
    valid_until: datetime.date | None
    is_expired: bool
    is_professional: bool
    assessment_id: int
    needs_reassessment: bool = False
    # why, rendered per reader (a stored code as a `Text`; a typed reason as typed)
    reassessment_reason: Text | str = ""


def _current_assessment(client) -> RiskAssessment | None:
    """The latest confirmed (or expired) assessment: the one that defines the profile."""
    return (
        RiskAssessment.objects.filter(
            client=client, status__in=[AssessmentStatus.CONFIRMED, AssessmentStatus.EXPIRED]
        )
        .order_by("-confirmed_at", "-id")
        .first()
    )


def is_professional_investor(*, client, on: datetime.date | None = None) -> bool:
    on = on or today()
    return (
        ProfessionalInvestorClassification.objects.filter(
            client=client, revoked_at__isnull=True, valid_from__lte=on
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .exclude(evidence__regex=r"^\s*$")
        .exists()
    )


def client_risk_profile(*, client, on: datetime.date | None = None) -> RiskProfile | None:
    """The client's current confirmed assessment as a RiskProfile, or None if never confirmed.

    Expired means the day is after `valid_until` (or the sweep already marked it expired)."""
    on = on or today()
    assessment = _current_assessment(client)
    if assessment is None:
        return None
    expired = assessment.status == AssessmentStatus.EXPIRED or (
        assessment.valid_until is not None and on > assessment.valid_until
    )
    return RiskProfile(
        level=assessment.effective_level,
        valid_until=assessment.valid_until,
        is_expired=expired,
        is_professional=is_professional_investor(client=client, on=on),
        assessment_id=assessment.pk,
        needs_reassessment=assessment.needs_reassessment,
        reassessment_reason=reason_text(assessment.reassessment_reason),
    )


def approved_exception(
    *,
    client,
    product,
    on: datetime.date | None = None,
    amount=None,
    proposal_number: str = "",
    client_level: str | None = None,
) -> SuitabilityException | None:
    """The approved suitability exception that covers (client, product) now, if any (used by
    planning). Issue 14: it must match the client's current level and the product's current
    rating, be within its scope (this proposal, or up to its maximum amount) and not expired; a
    C1 client is never covered. `client_level` defaults to the client's current profile."""
    from .services import exception_covers

    on = on or today()
    client_id = getattr(client, "pk", client)
    if not hasattr(product, "risk_rating"):
        product = Product.objects.get(pk=product)
    if client_level is None:
        profile = client_risk_profile(client=client, on=on) if hasattr(client, "pk") else None
        if profile is None or profile.is_expired:
            return None
        client_level = profile.level
    candidates = SuitabilityException.objects.filter(
        client_id=client_id, product_id=product.pk, status=ExceptionStatus.APPROVED
    ).order_by("-decided_at", "-id")
    for exc in candidates:
        if exception_covers(
            exc,
            client_level=client_level,
            product_rating=product.risk_rating,
            on=on,
            amount=amount,
            proposal_number=proposal_number,
        ):
            return exc
    return None


# --- scoping ---------------------------------------------------------------------------------------


def _client_scope_q(user, prefix: str = "client__") -> Q | None:
    """Q limiting rows to the clients `user` may see; None = everything; Q(pk__in=[]) = nothing."""
    if not (user and user.is_authenticated and user.is_active):
        return Q(pk__in=[])
    if user.role in OVERSIGHT_ROLES:
        return None
    if user.is_advisor:
        return Q(**{f"{prefix}advisor": user})
    if user.is_client:
        return Q(**{f"{prefix}user": user})
    return Q(pk__in=[])


def visible_clients(*, user) -> QuerySet:
    from clients.models import Client

    q = _client_scope_q(user, prefix="")
    qs = Client.objects.all()
    return qs if q is None else qs.filter(q)


def assessment_list(
    *, user, client=None, status: str | None = None, level: str | None = None, search: str | None = None
) -> QuerySet[RiskAssessment]:
    qs = RiskAssessment.objects.select_related("client", "version", "administered_by", "client__advisor")
    q = _client_scope_q(user)
    if q is not None:
        qs = qs.filter(q)
    if client is not None:
        qs = qs.filter(client=client)
    if status:
        qs = qs.filter(status=status)
    if level:
        qs = qs.filter(effective_level=level)
    if search:
        qs = qs.filter(Q(client__name__icontains=search) | Q(client__file_number__icontains=search))
    return qs.order_by("-created_at", "-id")


def assessment_get(*, user, pk: int) -> RiskAssessment:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(assessment_list(user=user).select_related("confirmed_by"), pk=pk)


def client_assessment_history(*, client) -> list[RiskAssessment]:
    return list(
        RiskAssessment.objects.filter(client=client)
        .select_related("version", "administered_by")
        .order_by("-created_at", "-id")
    )


def current_published_version(*, code: str | None = None) -> QuestionnaireVersion | None:
    qs = QuestionnaireVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related("questionnaire")
    if code:
        qs = qs.filter(questionnaire__code=code)
    return qs.order_by("-published_at", "-id").first()


def version_with_questions(*, pk: int) -> QuestionnaireVersion:
    from django.db.models import Prefetch
    from django.shortcuts import get_object_or_404

    from .models import Question

    return get_object_or_404(
        QuestionnaireVersion.objects.select_related("questionnaire", "published_by").prefetch_related(
            Prefetch("questions", queryset=Question.objects.prefetch_related("options").order_by("order"))
        ),
        pk=pk,
    )


def questionnaire_list() -> QuerySet[Questionnaire]:
    return Questionnaire.objects.prefetch_related("versions").order_by("code")


def version_list() -> QuerySet[QuestionnaireVersion]:
    return QuestionnaireVersion.objects.select_related("questionnaire", "published_by").order_by(
        "questionnaire__code", "-number"
    )


def product_list(
    *,
    search: str | None = None,
    rating: str | None = None,
    asset_class: str | None = None,
    kind: str | None = None,
    active_only: bool = False,
) -> QuerySet[Product]:
    qs = Product.objects.all()
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(code__icontains=search))
    if rating:
        qs = qs.filter(risk_rating=rating)
    if asset_class:
        qs = qs.filter(asset_class=asset_class)
    if kind:
        qs = qs.filter(kind=kind)
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("risk_rating", "code")


def exception_list(*, user, status: str | None = None) -> QuerySet[SuitabilityException]:
    qs = SuitabilityException.objects.select_related(
        "client", "client__advisor", "product", "requested_by", "decided_by"
    )
    q = _client_scope_q(user)
    if q is not None:
        qs = qs.filter(q)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def pending_exceptions() -> QuerySet[SuitabilityException]:
    return SuitabilityException.objects.filter(
        status__in=[ExceptionStatus.REQUESTED, ExceptionStatus.CLIENT_CONFIRMED]
    ).select_related("client", "product")


def risk_register_list(
    *,
    category: str | None = None,
    level: str | None = None,
    status: str | None = None,
    owner_id: int | None = None,
    overdue: bool = False,
    search: str | None = None,
    on: datetime.date | None = None,
) -> QuerySet[Risk]:
    qs = Risk.objects.select_related("owner")
    if category:
        qs = qs.filter(category=category)
    if level:
        qs = qs.filter(level=level)
    if status:
        qs = qs.filter(status=status)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if overdue:
        qs = register_overdue_filter(qs, on=on)
    if search:
        qs = qs.filter(Q(title__icontains=search) | Q(reference__icontains=search))
    return qs.order_by("reference")


def register_overdue_filter(qs: QuerySet[Risk], *, on: datetime.date | None = None) -> QuerySet[Risk]:
    from .models import RiskStatus

    return qs.filter(review_date__lt=on or today()).exclude(status=RiskStatus.CLOSED)


def register_heat_counts(qs: QuerySet[Risk]) -> dict[tuple[int, int], int]:
    """Counts per (probability, impact) cell, computed in the database."""
    from django.db.models import Count

    rows = qs.order_by().values("probability", "impact").annotate(n=Count("id"))
    return {(r["probability"], r["impact"]): r["n"] for r in rows}


# --- life events and product governance (issue 14) -------------------------------------------------


def life_event_list(*, user, client=None, kind: str | None = None) -> QuerySet:
    from .models import LifeEvent

    qs = LifeEvent.objects.select_related("client", "recorded_by")
    q = _client_scope_q(user)
    if q is not None:
        qs = qs.filter(q)
    if client is not None:
        qs = qs.filter(client=client)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-occurred_on", "-id")


def rating_assessment_list(*, status: str | None = None, product=None, search: str | None = None) -> QuerySet:
    from .models import ProductRatingAssessment

    qs = ProductRatingAssessment.objects.select_related("product", "assessor", "decided_by")
    if status:
        qs = qs.filter(status=status)
    if product is not None:
        qs = qs.filter(product=product)
    if search:
        qs = qs.filter(Q(product__code__icontains=search) | Q(product__name__icontains=search))
    return qs.order_by("-created_at", "-id")


def product_governance_list(
    *, on: datetime.date | None = None, state: str | None = None
) -> QuerySet[Product]:
    """Products with their governance state: `unrated` (no approved assessment), `lapsed`
    (review overdue), `due` (review within the warning window), `current`."""
    from . import conf

    on = on or today()
    soon = on + datetime.timedelta(days=int(conf.get("RATING_REVIEW_WARNING_DAYS")))
    qs = Product.objects.all()
    if state == "unrated":
        qs = qs.filter(rating_approved_at__isnull=True)
    elif state == "lapsed":
        qs = qs.filter(rating_approved_at__isnull=False, rating_review_due__lt=on)
    elif state == "due":
        qs = qs.filter(rating_review_due__gte=on, rating_review_due__lte=soon)
    elif state == "current":
        qs = qs.filter(rating_approved_at__isnull=False).filter(
            Q(rating_review_due__isnull=True) | Q(rating_review_due__gte=on)
        )
    return qs.order_by("code")
