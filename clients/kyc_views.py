"""Screens for know your client: identity documents, KYC refresh, due diligence on the
onboarding review, the compliance screening queue and watch-list uploads (thin: parse, call one
service, render)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from advisory.pagination import paginate
from advisory.views_actions import form_page, form_submit, post_action

from . import due_diligence, kyc, kyc_selectors, screening, selectors
from .kyc_forms import (
    DueDiligenceForm,
    EddReviewForm,
    HitDispositionForm,
    IdentityDocumentForm,
    RefreshSubmitForm,
    ReviewForm,
    WatchListImportForm,
    WatchListUploadForm,
)
from .kyc_models import HitStatus, HitSubject, RefreshStatus, WatchList
from .rules import can

PAGE_SIZE = 50


def _check(request: HttpRequest, perm: str, obj: Any = None) -> None:
    if not can(request.user, perm, obj):
        raise PermissionDenied(_("You are not allowed to do this."))


def _submit(form, call: Callable[[dict], Any]) -> tuple[bool, Any]:
    """Bind → service → form error (advisory.views_actions). Here a refusal for the role is
    always a 403; any other refusal becomes a form error."""
    return form_submit(form, call, refusal_403=True)


# -- identity documents ----------------------------------------------------------------------------
@login_required
def identity_document_add(request: HttpRequest, pk: int) -> HttpResponse:
    client = selectors.client_get(user=request.user, pk=pk)
    _check(request, "clients.record_identity_document", client)
    return form_page(
        request,
        form=IdentityDocumentForm(request.POST or None, request.FILES or None),
        perform=lambda d: kyc.identity_document_add(client=client, actor=request.user, **d),
        success=_("Identity document recorded."),
        then=reverse("clients:detail", args=[client.pk]) + "#kyc",
        template="clients/form.html",
        context={"title": _("Identity document: %(c)s") % {"c": client}, "client": client, "multipart": True},
        refusal_403=True,
        error_status=400,
    )


# -- KYC refresh -----------------------------------------------------------------------------------
@login_required
@require_POST
def kyc_refresh_start(request: HttpRequest, pk: int) -> HttpResponse:
    client = selectors.client_get(user=request.user, pk=pk)
    _check(request, "clients.work_kyc_refresh", client)
    return post_action(
        request,
        perform=lambda d: kyc.kyc_refresh_start(client=client, actor=request.user),
        back=reverse("clients:detail", args=[client.pk]) + "#kyc",
        then=lambda refresh: reverse("clients:kyc_refresh", args=[refresh.pk]),
    )


def _render_refresh(
    request: HttpRequest, refresh, submit_form, review_form, status: int = 200
) -> HttpResponse:
    user = request.user
    open_ = refresh.status in (RefreshStatus.OPEN, RefreshStatus.RETURNED)
    changes = kyc.kyc_refresh_changes(refresh) if open_ else refresh.changed_fields
    labels = {k: str(v) for k, v in kyc.FIELD_LABELS.items()}
    return render(
        request,
        "clients/kyc_refresh.html",
        {
            "refresh": refresh,
            "client": refresh.client,
            "changes": [{**c, "label": labels.get(c["field"], c["field"])} for c in changes],
            "can_submit": open_ and can(user, "clients.work_kyc_refresh", refresh),
            "can_review": refresh.status == RefreshStatus.SUBMITTED
            and can(user, "clients.review_kyc_refresh", refresh)
            and refresh.started_by_id != user.pk,
            "submit_form": submit_form,
            "review_form": review_form,
        },
        status=status,
    )


@login_required
def kyc_refresh_detail(request: HttpRequest, pk: int) -> HttpResponse:
    refresh = kyc_selectors.kyc_refresh_get(user=request.user, pk=pk)
    profile = kyc.kyc_profile_get(refresh.client)
    initial = {"aml_risk": refresh.aml_risk or (profile.aml_risk if profile else "")}
    return _render_refresh(request, refresh, RefreshSubmitForm(initial=initial), ReviewForm())


@login_required
@require_POST
def kyc_refresh_submit(request: HttpRequest, pk: int) -> HttpResponse:
    refresh = kyc_selectors.kyc_refresh_get(user=request.user, pk=pk)
    form = RefreshSubmitForm(request.POST)
    ok, done = _submit(form, lambda d: kyc.kyc_refresh_submit(refresh=refresh, actor=request.user, **d))
    if not ok:
        return _render_refresh(request, refresh, form, ReviewForm(), status=400)
    messages.success(
        request,
        _("Refresh completed.")
        if done.status == RefreshStatus.COMPLETED
        else _("Sent to the supervisor for review."),
    )
    return redirect("clients:kyc_refresh", pk=refresh.pk)


@login_required
@require_POST
def kyc_refresh_review(request: HttpRequest, pk: int) -> HttpResponse:
    refresh = kyc_selectors.kyc_refresh_get(user=request.user, pk=pk)
    form = ReviewForm(request.POST)
    ok, _done = _submit(form, lambda d: kyc.kyc_refresh_review(refresh=refresh, actor=request.user, **d))
    if not ok:
        return _render_refresh(request, refresh, RefreshSubmitForm(), form, status=400)
    messages.success(request, _("Review recorded."))
    return redirect("clients:kyc_refresh", pk=refresh.pk)


# -- due diligence on the onboarding review -------------------------------------------------------
@login_required
def onboarding_due_diligence(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.onboarding_case_get(user=request.user, pk=pk)
    _check(request, "clients.record_due_diligence", case)
    cdd = kyc_selectors.due_diligence_for_case(case=case)
    initial = {}
    if cdd:
        initial = {f: getattr(cdd, f) for f in DueDiligenceForm.base_fields}
    return form_page(
        request,
        form=DueDiligenceForm(request.POST or None, initial=initial),
        perform=lambda d: due_diligence.due_diligence_record(case=case, actor=request.user, data=d),
        success=_("Due diligence recorded."),
        then=reverse("clients:onboarding_detail", args=[case.pk]),
        template="clients/kyc_due_diligence.html",
        context=lambda: {
            "case": case,
            "client": case.client,
            "owner_required": due_diligence.beneficial_owner_required(case),
        },
        refusal_403=True,
        error_status=400,
    )


@login_required
@require_POST
def onboarding_edd_review(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.onboarding_case_get(user=request.user, pk=pk)
    cdd = kyc_selectors.due_diligence_for_case(case=case)
    if cdd is None:
        messages.error(request, _("No due diligence has been recorded."))
        return redirect("clients:onboarding_detail", pk=case.pk)
    form = EddReviewForm(request.POST)
    ok, _r = _submit(form, lambda d: due_diligence.due_diligence_edd_review(cdd=cdd, actor=request.user, **d))
    if ok:
        messages.success(request, _("Enhanced due diligence decided."))
    else:
        for error in form.errors.values():
            messages.error(request, " ".join(error))
    return redirect("clients:onboarding_detail", pk=case.pk)


# -- screening queue ------------------------------------------------------------------------------
def screening_rows(*, user, params):
    """The screening queue as its query string filters it (the page and its export)."""
    return kyc_selectors.screening_hit_list(
        user=user,
        search=params.get("q"),
        status=params.get("status", HitStatus.OPEN) or None,
        watch_list_id=params.get("list"),
        subject_kind=params.get("subject"),
        min_score=params.get("min_score"),
        sort=params.get("sort"),
    )


@login_required
def screening_queue(request: HttpRequest) -> HttpResponse:
    _check(request, "clients.screening_queue")
    g = request.GET
    status = g.get("status", HitStatus.OPEN)
    qs = screening_rows(user=request.user, params=g)
    page = paginate(request, qs, PAGE_SIZE)
    hits = list(page.object_list)
    counts = kyc_selectors.screening_counts(user=request.user)
    labels = {
        "status": {k: str(v) for k, v in HitStatus.choices},
        "subject": {k: str(v) for k, v in HitSubject.choices},
    }
    for hit in hits:
        hit.status_label = labels["status"][hit.status]
        hit.subject_label = labels["subject"][hit.subject_kind]
    return render(
        request,
        "clients/screening_queue.html",
        {
            "page": page,
            "hits": hits,
            "status": status,
            "statuses": HitStatus.choices,
            "subjects": HitSubject.choices,
            "lists": list(WatchList.objects.order_by("name").values_list("pk", "name")),
            "status_counts": [(v, label, counts.get(v, 0)) for v, label in HitStatus.choices],
            "filtered": any(g.get(k) for k in ("q", "list", "subject", "min_score")),
            "can_upload": can(request.user, "clients.manage_watch_lists"),
        },
    )


@login_required
def screening_hit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    hit = kyc_selectors.screening_hit_get(user=request.user, pk=pk)
    if request.method == "POST":
        _check(request, "clients.dispose_screening_hit", hit)
    return form_page(
        request,
        form=HitDispositionForm(request.POST or None),
        perform=lambda d: screening.screening_hit_dispose(hit=hit, actor=request.user, **d),
        success=_("Decision recorded."),
        then=reverse("clients:screening_hit", args=[hit.pk]),
        template="clients/screening_hit.html",
        context=lambda: {
            "hit": hit,
            "can_dispose": can(request.user, "clients.dispose_screening_hit", hit)
            and hit.status != HitStatus.CONFIRMED,
            "history": list(hit.history.select_related("history_user").order_by("-history_date")[:20]),
        },
        refusal_403=True,
        error_status=400,
    )


# -- watch lists -----------------------------------------------------------------------------------
@login_required
def watch_lists(request: HttpRequest) -> HttpResponse:
    _check(request, "clients.screening_queue")
    return _render_lists(request, WatchListUploadForm())


def _render_lists(request: HttpRequest, form, status: int = 200) -> HttpResponse:
    uploads = paginate(request, kyc_selectors.watch_list_upload_list(), 20)
    return render(
        request,
        "clients/watch_lists.html",
        {
            "lists": list(kyc_selectors.watch_list_list()),
            "page": uploads,
            "uploads": list(uploads.object_list),
            "form": form,
            "can_upload": can(request.user, "clients.manage_watch_lists"),
        },
        status=status,
    )


@login_required
@require_POST
def watch_list_upload(request: HttpRequest) -> HttpResponse:
    _check(request, "clients.manage_watch_lists")
    form = WatchListUploadForm(request.POST, request.FILES)
    ok, preview = _submit(form, lambda d: screening.watchlist_stage(actor=request.user, upload=d["file"]))
    if not ok:
        return _render_lists(request, form, status=400)
    return render(
        request,
        "clients/watch_list_preview.html",
        {
            "preview": preview,
            "form": WatchListImportForm(
                initial={"token": preview["token"], "original_name": preview["original_name"]}
            ),
        },
    )


@login_required
@require_POST
def watch_list_import(request: HttpRequest) -> HttpResponse:
    _check(request, "clients.manage_watch_lists")
    form = WatchListImportForm(request.POST)
    ok, upload = _submit(
        form,
        lambda d: screening.watchlist_import(
            actor=request.user, token=d["token"], original_name=d["original_name"] or "watchlist.csv"
        ),
    )
    if not ok:
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("clients:watch_lists")
    messages.success(
        request,
        _("Imported: %(a)s entries added, %(r)s removed. Every active client is being screened again.")
        % {"a": upload.added, "r": upload.removed},
    )
    return redirect("clients:watch_lists")
