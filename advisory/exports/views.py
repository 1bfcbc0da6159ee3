"""Export screens: the download behind every list's "Export CSV / Export Excel" buttons, the
progress page of a background export (polled with htmx) and the list of one's own exports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from advisory.errors import DomainError, NotAllowed, NotFound
from advisory.files import file_response
from advisory.models import ExportFormat
from advisory.pagination import paginate

from . import registry, services


def export_response(job, lines) -> HttpResponse:
    """The file of a small export, written now: CSV streamed row by row, .xlsx built in memory
    (at most EXPORT_BACKGROUND_THRESHOLD rows reach here)."""
    filename = services.export_filename(job)
    if job.format == ExportFormat.CSV:
        response = StreamingHttpResponse(
            services.csv_stream(lines), content_type=services.CONTENT_TYPES["csv"]
        )
    else:
        spec = registry.get(job.list_name)
        body = services.xlsx_bytes(lines, title=str(spec.title if spec else job.list_name))
        response = HttpResponse(body, content_type=services.CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Export-Rows"] = str(job.row_count)
    return response


def run_export(request: HttpRequest, name: str, fmt: str, params=None) -> HttpResponse:
    """Export list `name` with the request's query string (or `params`): the file, or a redirect
    to the progress page of a background export. Used by the generic URL and by lists that keep
    an older URL of their own (audit trail, quality dashboard)."""
    try:
        job, lines = services.export_start(
            user=request.user, name=name, fmt=fmt, params=params if params is not None else request.GET
        )
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(request.META.get("HTTP_REFERER") or "exports:jobs")
    if lines is None:
        messages.info(
            request,
            _("%(n)s rows: the export runs in the background; download it here when it is ready.")
            % {"n": job.total_rows},
        )
        return redirect("exports:job_detail", pk=job.pk)
    return export_response(job, lines)


@login_required
def download(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    return run_export(request, name, fmt)


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    if not services.can(request.user, "advisory.use_workspace"):
        raise PermissionDenied(_("Exports are for staff."))
    page = paginate(request, services.export_job_list(user=request.user), 50)
    titles = {name: spec.title for name, spec in registry.registered().items()}
    for job in page.object_list:
        job.title = titles.get(job.list_name, job.list_name)
    return render(request, "exports/job_list.html", {"page": page, "jobs": page.object_list})


def _job(request: HttpRequest, pk: int):
    try:
        job = services.export_job_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    spec = registry.get(job.list_name)
    job.title = spec.title if spec else job.list_name
    job.filters_in_words = spec.filters_in_words(job.params) if spec else []
    return job


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    template = "exports/_job_status.html" if request.htmx else "exports/job_detail.html"
    return render(request, template, {"job": job})


@login_required
def job_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    try:
        services.export_job_download(user=request.user, job=job)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("exports:job_detail", pk=job.pk)
    return file_response(
        job.file, filename=services.export_filename(job), content_type=services.CONTENT_TYPES[job.format]
    )
