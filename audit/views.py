"""Compliance screens for the audit archive (SPEC §5). Thin: parse input, call a selector or a
service, render. Only compliance officers and administrators (403 for everyone else)."""

from __future__ import annotations

import datetime
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from advisory.documents import document_language
from advisory.errors import DomainError, NotFound
from advisory.files import file_response
from advisory.models import ArchivedDocument
from advisory.rules import can
from advisory.views_actions import form_page, post_action

from . import selectors, services
from .forms import AsOfForm, EntryFilterForm, HoldForm, ReasonForm, RetentionRuleForm, ReviewForm
from .models import AuditExport, RetentionRule
from .pdf import diff_in_words, disposal_methods


def compliance_required(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        if not can(request.user, "audit.use_archive"):
            raise PermissionDenied(
                _("Only compliance officers and administrators can use the audit archive.")
            )
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc

    return wrapper


def _before(request: HttpRequest) -> int | None:
    try:
        return int(request.GET["before"])
    except (KeyError, ValueError):
        return None


@compliance_required
def browser(request: HttpRequest) -> HttpResponse:
    # unfiltered, the trail opens on a recent window (partition pruning), shown in the form
    form = EntryFilterForm(request.GET or None, initial={"date_from": selectors.default_date_from()})
    page = None
    filters = selectors.EntryFilters(date_from=form.initial["date_from"])
    if form.is_bound and form.is_valid():
        filters = form.to_filters()
    if not form.is_bound or form.is_valid():
        qs = selectors.audit_entry_list(user=request.user, filters=filters)
        page = selectors.keyset_page(qs, before=_before(request))
    return render(
        request,
        "audit/browser.html",
        {
            "form": form,
            "page": page,
            "filters": filters.as_params(),
            "last_verify": selectors.last_verification(),
        },
    )


@compliance_required
def entry_detail(request: HttpRequest, sequence: int) -> HttpResponse:
    entry = selectors.audit_entry_get(user=request.user, sequence=sequence)
    diff = diff_in_words(entry.record_type, selectors.entry_diff(entry))
    return render(request, "audit/entry_detail.html", {"entry": entry, "diff": diff})


@compliance_required
def client_timeline(request: HttpRequest, client_id: int) -> HttpResponse:
    filters = selectors.EntryFilters(client_id=client_id)
    qs = selectors.audit_entry_list(user=request.user, filters=filters)
    page = selectors.keyset_page(qs, before=_before(request))
    return render(
        request,
        "audit/client_timeline.html",
        {"client_id": client_id, "page": page, "filters": filters.as_params()},
    )


@compliance_required
def as_of(request: HttpRequest) -> HttpResponse:
    form = AsOfForm(request.GET or None)
    result = None
    if form.is_bound and form.is_valid():
        try:
            result = selectors.record_as_of(
                user=request.user,
                record_type=form.cleaned_data["record_type"],
                record_id=form.cleaned_data["record_id"],
                at=form.cleaned_data["at"],
            )
        except NotFound as exc:
            form.add_error(None, exc.message)
    return render(request, "audit/as_of.html", {"form": form, "result": result})


@compliance_required
@require_POST
def as_of_reveal(request: HttpRequest) -> HttpResponse:
    """Reveal one encrypted value of the record as it stood then (htmx fragment; logged)."""
    at = parse_at(request.POST.get("at"))
    if at is None:
        return HttpResponse(_("Give the point in time."), status=400)
    try:
        value = services.as_of_reveal(
            user=request.user,
            record_type=request.POST.get("record_type", ""),
            record_id=request.POST.get("record_id", ""),
            at=at,
            field=request.POST.get("field", ""),
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        if exc.status_code == 403:
            raise PermissionDenied(exc.message) from exc
        return HttpResponse(exc.message, status=400)
    return render(request, "audit/_revealed.html", {"value": value})


@compliance_required
def verify(request: HttpRequest) -> HttpResponse:
    result = None
    if request.method == "POST":
        full = request.POST.get("kind") != "incremental"
        result = services.audit_verify_and_record(actor=request.user, full=full)
        if result.intact:
            messages.success(request, _("The audit trail is intact (%(n)s entries).") % {"n": result.checked})
        else:
            messages.error(request, _("The audit trail failed verification."))
    return render(
        request,
        "audit/verify.html",
        {
            "result": result,
            "last": selectors.last_verification(),
            "runs": selectors.verification_list(user=request.user),
            "checkpoints": selectors.checkpoint_list(user=request.user),
        },
    )


@compliance_required
def export_csv(request: HttpRequest) -> HttpResponse:
    form = EntryFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        messages.error(request, _("Check the filters before exporting."))
        return redirect(reverse("audit:browser"))
    from advisory.exports.views import run_export

    return run_export(request, "audit.trail", "csv")  # the shared, audited export (docs/exports.md)


@compliance_required
@require_POST
def export_pdf(request: HttpRequest) -> HttpResponse:
    form = EntryFilterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the filters before exporting."))
        return redirect(reverse("audit:browser"))
    export = services.audit_export_pdf(
        actor=request.user,
        filters=form.to_filters(),
        language=document_language(request.POST.get("pdf_language"), default=request.LANGUAGE_CODE),
    )
    return redirect(reverse("audit:export_detail", args=[export.pk]))


@compliance_required
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    export = AuditExport.objects.select_related("document", "requested_by").filter(pk=pk).first()
    if export is None:
        raise Http404
    template = "audit/_export_status.html" if request.htmx else "audit/export_detail.html"
    return render(request, template, {"export": export, "doc": export.document})


@compliance_required
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    export = AuditExport.objects.select_related("document").filter(pk=pk).first()
    doc: ArchivedDocument | None = export.document if export else None
    if doc is None or not doc.file:
        raise Http404
    services.audit_log(
        actor=request.user,
        action="download",
        obj=doc,
        client_id=doc.client_id,
        reason="Audit export downloaded",
    )
    return file_response(doc.file, filename=doc.download_name)


@compliance_required
def retention(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "audit/retention.html",
        {
            "rules": selectors.retention_rule_list(user=request.user),
            "holds": selectors.hold_list(user=request.user, active=True)[:100],
            "released": selectors.hold_list(user=request.user, active=False)[:20],
            "batches": selectors.disposal_batch_list(user=request.user)[:50],
            "hold_form": HoldForm(),
        },
    )


@compliance_required
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = RetentionRule.objects.filter(pk=pk).first()
    if rule is None:
        raise Http404
    form = RetentionRuleForm(request.POST or None, instance=rule)
    return form_page(
        request,
        form=form,
        perform=lambda d: services.retention_rule_update(
            rule=rule,
            actor=request.user,
            years=d["years"],
            name=d["name"],
            trigger=d["trigger"],
            description=d["description"],
            edits=form.edits(),
        ),
        success=_("Retention rule saved."),
        then="audit:retention",
        template="audit/rule_edit.html",
        context={"rule": rule},
    )


@compliance_required
def hold_create(request: HttpRequest) -> HttpResponse:
    form = HoldForm(request.POST or None)
    return form_page(
        request,
        form=form,
        perform=lambda d: services.hold_place(
            actor=request.user,
            scope=d["scope"],
            reason=d["reason"],
            client_id=d.get("client_id"),
            record_type=d.get("record_type") or "",
            record_ids=form.ids(),
        ),
        success=_("Legal hold placed."),
        then="audit:retention",
        template="audit/hold_form.html",
    )


@compliance_required
@require_POST
def hold_release(request: HttpRequest, pk: int) -> HttpResponse:
    hold = selectors.hold_list(user=request.user).filter(pk=pk).first()
    if hold is None:
        raise Http404
    return post_action(
        request,
        form=ReasonForm(request.POST),
        perform=lambda d: services.hold_release(hold=hold, actor=request.user, reason=d["reason"]),
        success=_("Legal hold released."),
        invalid=_("Give the reason for releasing the hold."),
        back="audit:retention",
    )


@compliance_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.disposal_batch_get(user=request.user, pk=pk)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "approve":
                services.disposal_approve(
                    batch=batch,
                    actor=request.user,
                    note=form.cleaned_data["note"],
                    language=document_language(
                        request.POST.get("pdf_language"), default=request.LANGUAGE_CODE
                    ),
                )
                messages.success(
                    request, _("Batch approved: the records are being disposed of; progress is shown below.")
                )
            else:
                services.disposal_reject(batch=batch, actor=request.user, note=form.cleaned_data["note"])
                messages.success(request, _("Batch rejected."))
            return redirect("audit:batch_detail", pk=batch.pk)
        except DomainError as exc:
            messages.error(request, exc.message)
    items = list(batch.items.select_related("rule").order_by("record_type", "pk")[:500])
    methods = disposal_methods()
    for item in items:  # how each record was disposed of, in the reader's language
        item.method_label = methods.get(item.method, item.method)
    progress = services.disposal_progress(batch)
    return render(
        request,
        "audit/batch_detail.html",
        {"batch": batch, "items": items, "form": form, "progress": progress},
    )


@compliance_required
def batch_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar of a batch being disposed of (polled with htmx every 2 s)."""
    batch = selectors.disposal_batch_get(user=request.user, pk=pk)
    return render(
        request, "audit/_batch_progress.html", {"batch": batch, "progress": services.disposal_progress(batch)}
    )


@compliance_required
@require_POST
def batch_propose(request: HttpRequest) -> HttpResponse:
    try:
        batches = services.disposal_propose(actor=request.user)
        if batches:
            messages.success(request, _("%(n)s disposal batch(es) proposed.") % {"n": len(batches)})
        else:
            messages.info(request, _("No records are past retention and free of holds."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("audit:retention")


def parse_at(value: str | None) -> datetime.datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = datetime.datetime.combine(datetime.date.fromisoformat(value), datetime.time.max)
        except ValueError:
            return None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed
