"""Reads for the know-your-client screens and API, scoped to the user.

Identity documents and refreshes: as the client (the advisor's book; oversight roles all).
Screening hits: the responsible advisor for their book, compliance officers and supervisors all;
risk reviewers, administrators and clients none (screening is not shown to the client)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from advisory.models import User
from advisory.roles import Role

from .kyc_models import (
    DueDiligence,
    HitStatus,
    IdentityDocument,
    KycRefresh,
    ScreeningHit,
    WatchList,
    WatchListUpload,
)
from .selectors import _scope


def identity_document_list(*, user: User, client_id: int | None = None) -> QuerySet[IdentityDocument]:
    qs = _scope(IdentityDocument.objects.all(), user, "client__").select_related(
        "client", "verified_by", "copy"
    )
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    return qs.order_by("client_id", "-verified_at", "-id")


def kyc_refresh_list(
    *, user: User, client_id: int | None = None, status: str | None = None
) -> QuerySet[KycRefresh]:
    qs = _scope(KycRefresh.objects.all(), user, "client__").select_related(
        "client", "client__advisor", "started_by", "reviewed_by"
    )
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-started_at", "-id")


def kyc_refresh_get(*, user: User, pk: int | str) -> KycRefresh:
    try:
        return kyc_refresh_list(user=user).get(pk=pk)
    except (KycRefresh.DoesNotExist, ValueError):
        raise Http404("No such refresh")


def due_diligence_for_case(*, case) -> DueDiligence | None:
    return DueDiligence.objects.select_related("recorded_by", "edd_reviewer").filter(case=case).first()


def _hit_scope(qs: QuerySet, user: User) -> QuerySet:
    if not (user and user.is_authenticated and user.is_active):
        return qs.none()
    if user.role in (Role.COMPLIANCE, Role.SUPERVISOR):
        return qs
    if user.is_advisor:
        return qs.filter(client__advisor=user)
    return qs.none()


HIT_SORTS = {
    "score": ("score", "id"),
    "-score": ("-score", "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "name": ("subject_name", "id"),
    "-name": ("-subject_name", "-id"),
}


def screening_hit_list(
    *,
    user: User,
    search: str | None = None,
    status: str | None = None,
    watch_list_id: int | str | None = None,
    subject_kind: str | None = None,
    min_score: int | str | None = None,
    client_id: int | None = None,
    sort: str | None = None,
) -> QuerySet[ScreeningHit]:
    """The screening queue: open hits first by default, highest score first."""
    qs = _hit_scope(ScreeningHit.objects.all(), user).select_related(
        "client", "client__advisor", "entry", "entry__watch_list", "reviewed_by", "related_party"
    )
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    if search:
        term = search.strip()
        qs = qs.filter(
            Q(subject_name__icontains=term)
            | Q(client__file_number__icontains=term)
            | Q(entry__name__icontains=term)
        )
    if status in HitStatus.values:
        qs = qs.filter(status=status)
    if watch_list_id and str(watch_list_id).isdigit():
        qs = qs.filter(entry__watch_list_id=int(watch_list_id))
    if subject_kind:
        qs = qs.filter(subject_kind=subject_kind)
    if min_score and str(min_score).isdigit():
        qs = qs.filter(score__gte=int(min_score))
    return qs.order_by(*HIT_SORTS.get(sort or "", ("-score", "-created_at", "-id")))


def screening_hit_get(*, user: User, pk: int | str) -> ScreeningHit:
    try:
        return screening_hit_list(user=user).get(pk=pk)
    except (ScreeningHit.DoesNotExist, ValueError):
        raise Http404("No such hit")


def screening_counts(*, user: User) -> dict[str, int]:
    rows = _hit_scope(ScreeningHit.objects.all(), user).values("status").annotate(n=Count("id"))
    return {r["status"]: r["n"] for r in rows}


def watch_list_list() -> QuerySet[WatchList]:
    return WatchList.objects.select_related("last_upload", "last_upload__uploaded_by").annotate(
        open_hits=Count("entries__hits", filter=Q(entries__hits__status=HitStatus.OPEN))
    )


def watch_list_upload_list() -> QuerySet[WatchListUpload]:
    return WatchListUpload.objects.select_related("uploaded_by").order_by("-created_at", "-id")
