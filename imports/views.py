"""Import screens (thin: parse, call one service or selector, render). Compliance officers and
administrators only; everyone else gets a 403 that says why."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from advisory.errors import DomainError
from advisory.forms import form_add_domain_error
from advisory.pagination import paginate

from . import selectors, services
from .errors import describe
from .forms import BatchFilterForm, ConfirmForm, UploadForm
from .kinds import KINDS
from .models import ImportKind, ImportState
from .rules import can
from .templates_files import template_csv, template_xlsx

PAGE_SIZE = 25
ERROR_PAGE_SIZE = 50


def _check(request: HttpRequest, perm: str, obj=None) -> None:
    if not can(request.user, perm, obj):
        raise PermissionDenied(
            _("Only compliance officers and administrators import from the legacy system.")
        )


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    _check(request, "imports.view_batch")
    form = BatchFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.batch_list(
        user=request.user,
        search=data.get("q"),
        kind=data.get("kind"),
        state=data.get("state"),
        sort=request.GET.get("sort"),
    )
    page = paginate(request, qs, PAGE_SIZE)
    filtered = any(data.get(k) for k in ("q", "kind", "state"))
    return render(
        request,
        "imports/list.html",
        {"form": form, "page": page, "filtered": filtered, "can_upload": can(request.user, "imports.upload")},
    )


def _column_help() -> list[dict]:
    return [
        {"kind": label, "code": code, "columns": KINDS[code].columns} for code, label in ImportKind.choices
    ]


@login_required
def batch_upload(request: HttpRequest) -> HttpResponse:
    _check(request, "imports.upload")
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.batch_upload(
                actor=request.user, kind=form.cleaned_data["kind"], name=upload.name, data=upload.read()
            )
        except DomainError as exc:
            if exc.status_code == 403:
                raise PermissionDenied(exc.message)
            form_add_domain_error(form, exc)
        else:
            return redirect("imports:detail", pk=batch.pk)
    return render(request, "imports/upload.html", {"form": form, "kinds": _column_help()})


@login_required
def template_download(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    _check(request, "imports.upload")
    if kind not in KINDS or fmt not in ("csv", "xlsx"):
        raise Http404
    if fmt == "csv":
        response = HttpResponse(template_csv(kind), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            template_xlsx(kind),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="import-{kind}-template.{fmt}"'
    return response


def _detail_context(request: HttpRequest, batch) -> dict:
    rows = paginate(request, batch.row_errors or [], ERROR_PAGE_SIZE)
    described = [
        {"line": r["line"], "messages": [describe(e) for e in r["errors"]]} for r in rows.object_list
    ]
    created = [
        {"label": _record_label(key), "count": count}
        for key, count in sorted((batch.result or {}).get("created", {}).items())
    ]
    return {
        "batch": batch,
        "file_errors": [describe(e) for e in batch.file_errors or []],
        "error_page": rows,
        "error_rows": described,
        "created": created,
        # related parties: their clients go through the watch list after the import (batch_screen)
        "screening": (batch.result or {}).get("screening"),
        "screening_pending": services.awaits_screening(batch),
        "can_see_hits": can(request.user, "clients.screening_queue"),
        "can_confirm": can(request.user, "imports.confirm", batch) and batch.state == ImportState.PREVIEWED,
        "same_file": services.same_file_imported(batch) if batch.state == ImportState.PREVIEWED else None,
    }


def _record_label(key: str) -> str:
    from django.apps import apps

    try:
        return str(apps.get_model(key)._meta.verbose_name_plural)
    except (LookupError, ValueError):
        return key


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _check(request, "imports.view_batch")
    batch = selectors.batch_get(user=request.user, pk=pk)
    ctx = _detail_context(request, batch)
    ctx["confirm_form"] = ConfirmForm()
    return render(request, "imports/detail.html", ctx)


@login_required
def batch_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx polling target while the batch is being checked or imported; once it is done the
    whole page is reloaded to show the preview or the result."""
    _check(request, "imports.view_batch")
    batch = selectors.batch_get(user=request.user, pk=pk)
    response = render(request, "imports/_progress.html", {"batch": batch})
    if not batch.is_running and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def batch_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    _check(request, "imports.confirm")
    batch = selectors.batch_get(user=request.user, pk=pk)
    form = ConfirmForm(request.POST)
    if form.is_valid():
        try:
            services.batch_confirm(
                batch=batch,
                actor=request.user,
                override=form.cleaned_data["override"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            if exc.status_code == 403:
                raise PermissionDenied(exc.message)
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Import confirmed; it runs now and this page shows its progress."))
            return redirect("imports:detail", pk=batch.pk)
    batch.refresh_from_db()
    ctx = _detail_context(request, batch)
    ctx["confirm_form"] = form
    return render(request, "imports/detail.html", ctx, status=400)


@login_required
@require_POST
def batch_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    _check(request, "imports.confirm")
    batch = selectors.batch_get(user=request.user, pk=pk)
    try:
        services.batch_cancel(batch=batch, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Import cancelled; nothing was imported."))
    return redirect("imports:detail", pk=batch.pk)
