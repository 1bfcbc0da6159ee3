"""Reads for the client screens and API, scoped to the user (SPEC §1: an advisor sees only
their book; oversight roles see all). A client outside the scope is simply not found (404)."""

from __future__ import annotations

import datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from advisory.clock import now
from advisory.models import User

from .identity import email_hash
from .models import (
    OPEN_STEPS,
    SENSITIVE_FIELDS,
    Client,
    ClientDocument,
    OnboardingCase,
    OnboardingStep,
    OnboardingStepLog,
    RelatedParty,
)

CLIENT_SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "file_number": ("file_number",),
    "-file_number": ("-file_number",),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "status": ("status", "name", "id"),
    "-status": ("-status", "name", "id"),
    "tier": ("wealth_tier", "name", "id"),
    "-tier": ("-wealth_tier", "name", "id"),
}


LIST_FIELDS = (
    "id",
    "file_number",
    "kind",
    "name",
    "status",
    "wealth_tier",
    "advisor_id",
    "created_at",
    "user_id",
)


def _scope(qs: QuerySet, user: User, path: str = "") -> QuerySet:
    if not (user and user.is_authenticated and user.is_active):
        return qs.none()
    if user.is_oversight:
        return qs
    if user.is_advisor:
        return qs.filter(**{f"{path}advisor": user})
    return qs.none()


def client_list(
    *,
    user: User,
    search: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    tier: str | None = None,
    advisor_id: int | str | None = None,
    sort: str | None = None,
) -> QuerySet[Client]:
    """The clients the user may see, filtered and sorted. Only the list columns are loaded (never
    the encrypted ones); other fields load on access."""
    qs = (
        _scope(Client.objects.all(), user)
        .select_related("advisor")
        .only(*LIST_FIELDS, "advisor__id", "advisor__full_name", "advisor__email")
    )
    if search:
        term = search.strip()
        if term.upper().startswith("CL-"):
            qs = qs.filter(file_number__startswith=term.upper())
        else:
            qs = qs.filter(Q(name__icontains=term) | Q(file_number__icontains=term))
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if tier:
        qs = qs.filter(wealth_tier=tier)
    if advisor_id and user.is_oversight:
        qs = qs.filter(advisor_id=advisor_id)
    return qs.order_by(*CLIENT_SORTS.get(sort or "name", CLIENT_SORTS["name"]))


def client_get(*, user: User, pk: int | str) -> Client:
    """One client the user may see, with everything the client page shows, in a fixed number of
    queries."""
    qs = (
        _scope(Client.objects.all(), user)
        .select_related("advisor", "user", "household", "kyc_profile")
        .prefetch_related(
            Prefetch("related_parties", queryset=RelatedParty.objects.select_related("related_client")),
            "agreements",
            "consents",
            Prefetch("documents", queryset=ClientDocument.objects.select_related("uploaded_by")),
            Prefetch(
                "onboarding_cases",
                queryset=OnboardingCase.objects.select_related("opened_by", "reviewed_by").order_by(
                    "-created_at", "-id"
                ),
            ),
            Prefetch(
                "household__members",
                queryset=Client.objects.defer(*SENSITIVE_FIELDS).only(
                    "id", "name", "file_number", "household_id"
                ),
            ),
        )
    )
    try:
        return qs.get(pk=pk)
    except (Client.DoesNotExist, ValueError):
        raise Http404("No such client")


def client_for_portal(*, user: User) -> Client | None:
    if not (user and user.is_authenticated and user.is_client):
        return None
    return (
        Client.objects.select_related("advisor")
        .prefetch_related("consents", "documents", "agreements")
        .filter(user=user)
        .first()
    )


def client_documents_for_portal(*, user: User, pk: int | str) -> ClientDocument:
    try:
        return ClientDocument.objects.select_related("client").get(pk=pk, client__user=user)
    except (ClientDocument.DoesNotExist, ValueError):
        raise Http404("No such document")


def document_get(*, user: User, pk: int | str) -> ClientDocument:
    qs = _scope(ClientDocument.objects.select_related("client"), user, "client__")
    try:
        return qs.get(pk=pk)
    except (ClientDocument.DoesNotExist, ValueError):
        raise Http404("No such document")


def advisors() -> QuerySet[User]:
    return User.objects.filter(role="advisor", is_active=True).order_by("full_name")


def advisor_choices() -> list[tuple[int, str]]:
    """(id, name) of the active advisors, for a filter: tuples, not model instances (a large firm
    has 1,600 advisors; instances cost ~15 µs each)."""
    return list(advisors().values_list("pk", "full_name"))


# -- onboarding -----------------------------------------------------------------------------------
def onboarding_case_list(
    *,
    user: User,
    step: str | None = None,
    overdue: bool | None = None,
    open_only: bool = False,
    search: str | None = None,
) -> QuerySet[OnboardingCase]:
    qs = (
        _scope(OnboardingCase.objects.all(), user, "client__")
        .select_related("client", "client__advisor")
        .only(
            *[f.attname for f in OnboardingCase._meta.concrete_fields],
            "client__id",
            "client__name",
            "client__file_number",
            "client__advisor_id",
            "client__advisor__id",
            "client__advisor__full_name",
        )
    )
    if step:
        qs = qs.filter(step=step)
    if open_only:
        qs = qs.filter(step__in=OPEN_STEPS)
    if overdue:
        qs = qs.filter(step=OnboardingStep.INITIAL_REVIEW, review_deadline__lt=now())
    if search:
        term = search.strip()
        qs = qs.filter(
            Q(acceptance_number__icontains=term)
            | Q(client__name__icontains=term)
            | Q(client__file_number__icontains=term)
        )
    return (
        qs.order_by("review_deadline", "-created_at", "-id") if step == OnboardingStep.INITIAL_REVIEW else qs
    )


def onboarding_case_get(*, user: User, pk: int | str) -> OnboardingCase:
    qs = (
        _scope(OnboardingCase.objects.all(), user, "client__")
        .select_related("client", "client__advisor", "opened_by", "reviewed_by")
        .prefetch_related(
            Prefetch(
                "step_log", queryset=OnboardingStepLog.objects.select_related("actor").order_by("at", "id")
            ),
            "client__consents",
        )
    )
    try:
        return qs.get(pk=pk)
    except (OnboardingCase.DoesNotExist, ValueError):
        raise Http404("No such onboarding case")


def onboarding_due_soon(
    *, user: User, within: datetime.timedelta = datetime.timedelta(days=2), limit: int = 8
) -> list:
    """Cases of the user's book waiting for review: overdue first, then those due soon."""
    qs = onboarding_case_list(user=user, step=OnboardingStep.INITIAL_REVIEW).filter(
        review_deadline__lt=now() + within
    )
    return list(qs.order_by("review_deadline")[:limit])


def onboarding_counts(*, user: User) -> dict[str, int]:
    qs = _scope(OnboardingCase.objects.all(), user, "client__")
    return qs.aggregate(
        open=Count("id", filter=Q(step__in=OPEN_STEPS)),
        overdue=Count("id", filter=Q(step=OnboardingStep.INITIAL_REVIEW, review_deadline__lt=now())),
    )


def client_by_email(*, email: str) -> Client | None:
    """The one current client file with this email address (complaints by email match their
    sender here). Several files with the same address, or none: None, and staff decide."""
    address = (email or "").strip().lower()
    if not address:
        return None
    matches = list(Client.objects.filter(email_hash=email_hash(address)).order_by("pk")[:2])
    return matches[0] if len(matches) == 1 else None
