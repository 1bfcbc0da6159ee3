"""Oversight screens (SPEC §6): quality dashboard, indicator drill-down, targets, warnings,
staff, improvement actions and the monthly quality report. Thin: parse, call, render."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from advisory.clock import today
from advisory.documents import document_language
from advisory.errors import DomainError
from advisory.files import file_response
from advisory.formats import local_datetime
from advisory.forms import form_add_domain_error
from advisory.models import (
    ArchivedDocument,
    DocumentStatus,
    StaffQualification,
    User,
    WarningKind,
    WarningSeverity,
)
from advisory.pagination import paginate
from advisory.roles import WORKSPACE_ROLES, Role
from advisory.rules import can
from advisory.staff import selectors as staff_selectors
from advisory.views_actions import form_page
from audit.models import AuditAction
from audit.services import audit_log

from . import selectors, services
from .forms import ActionEditForm, ActionForm, CheckForm, QualificationForm, TargetForm, TrainingForm
from .indicators import BY_CODE, INDICATORS, SPANS, Filters, add_months, month_start
from .models import ActionLink, ActionStatus, ImprovementAction, TrainingRecord
from .services import ACTION_TRANSITIONS, REPORT_KIND


def _need(request: HttpRequest, perm: str, obj=None) -> None:
    if not can(request.user, perm, obj):
        raise PermissionDenied


def _page(request: HttpRequest, qs, per_page: int = 50):
    return paginate(request, qs, per_page)


def _filter_context(request: HttpRequest, f: Filters) -> dict:
    return {
        "filters": f,
        "spans": SPANS,
        "choices": selectors.filter_choices(),
        "month_value": f.end_month.strftime("%Y-%m"),
        "query": request.GET.urlencode(),
    }


# --- dashboard --------------------------------------------------------------------------------


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    _need(request, "oversight.view_dashboard")
    f = Filters.parse(request.GET)
    rows, refreshed_at = selectors.dashboard_with_source(filters=f, live=request.GET.get("live") != "0")
    latest = (
        ArchivedDocument.objects.filter(kind=REPORT_KIND)
        .select_related("requested_by")
        .order_by("-created_at")
        .first()
    )
    context = {
        "rows": rows,
        "refreshed_at": refreshed_at,
        "warning_counts": selectors.warning_counts(user=request.user),
        "open_actions": selectors.action_list(user=request.user, open_only=True).count(),
        "latest_report": latest,
        "staff_figures": staff_selectors.dashboard_figures(),
        **_filter_context(request, f),
    }
    return render(request, "oversight/dashboard.html", context)


def dashboard_rows(*, user: User, params) -> list[dict]:
    """The dashboard's indicator rows for the query string (month, span, advisor, team, live): the
    page and its export (advisory.exports, list "oversight.dashboard") read the same figures."""
    f = Filters.parse(params)
    return selectors.dashboard(filters=f, chart=False, live=params.get("live") != "0")


@login_required
def dashboard_export(request: HttpRequest) -> HttpResponse:
    """The dashboard's CSV (kept at its old address): one row per indicator with its value,
    target, status and the 12 monthly values, through the shared export mechanism (audited)."""
    from advisory.exports.views import run_export

    _need(request, "oversight.view_dashboard")
    return run_export(request, "oversight.dashboard", request.GET.get("as", "csv"))


@login_required
def indicator_detail(request: HttpRequest, code: str) -> HttpResponse:
    """Drill-down: the indicator's value, trend and the records behind the period's number."""
    _need(request, "oversight.view_dashboard")
    ind = BY_CODE.get(code)
    if ind is None:
        raise Http404
    f = Filters.parse(request.GET)
    row = selectors.indicator_row(ind, f, selectors.targets_by_code())
    records = ind.records(f) if row["available"] else None
    page = _page(request, records.order_by("-pk")) if records is not None else None
    items = [_stamp(ind.describe(obj)) for obj in page] if page is not None else []
    return render(
        request,
        "oversight/indicator_detail.html",
        {"row": row, "page": page, "items": items, **_filter_context(request, f)},
    )


def _stamp(item: dict) -> dict:
    value = item.get("date")
    if isinstance(value, datetime.datetime):
        item["date"] = local_datetime(value)
    elif isinstance(value, datetime.date):
        item["date"] = value.isoformat()
    return item


@login_required
def targets(request: HttpRequest) -> HttpResponse:
    _need(request, "oversight.view_dashboard")
    current = selectors.targets_by_code()
    can_edit = can(request.user, "oversight.change_target")
    forms = {}
    if request.method == "POST":
        _need(request, "oversight.change_target")
        code = request.POST.get("indicator", "")
        if code not in BY_CODE:
            messages.error(request, _("Unknown indicator."))
            return redirect("oversight:targets")
        form = TargetForm(request.POST, prefix=code)
        if form.is_valid():
            try:
                services.target_set(actor=request.user, indicator=code, **form.cleaned_data)
            except DomainError as exc:
                form_add_domain_error(form, exc)
            else:
                messages.success(request, _("Target saved."))
                return redirect("oversight:targets")
        forms[code] = form
    rows = []
    for ind in INDICATORS:
        t = current[ind.code]
        form = forms.get(ind.code) or TargetForm(
            prefix=ind.code,
            initial={"target": t["target"], "direction": t["direction"], "amber_band": t["amber_band"]},
        )
        rows.append({"indicator": ind, "form": form, **t})
    return render(request, "oversight/targets.html", {"rows": rows, "can_edit": can_edit})


# --- warnings ---------------------------------------------------------------------------------


def warning_rows(*, user: User, params):
    """The warnings list as its query string filters it (the page and its export)."""
    try:
        advisor_id = int(params["advisor"]) if params.get("advisor") else None
    except ValueError:
        advisor_id = None
    return selectors.warning_list(
        user=user,
        kind=params.get("kind") or "",
        severity=params.get("severity") or "",
        state=params.get("state") or "open",
        advisor_id=advisor_id,
    )


@login_required
def warnings(request: HttpRequest) -> HttpResponse:
    _need(request, "oversight.list_warnings")
    state = request.GET.get("state", "open")
    qs = warning_rows(user=request.user, params=request.GET)
    page = _page(request, qs)
    for w in page:
        # Shown, never saved: the link only for readers who may open the page it points to.
        w.url = selectors.warning_url(user=request.user, url=w.url)
    return render(
        request,
        "oversight/warnings.html",
        {
            "page": page,
            "kinds": WarningKind.choices,
            "severities": WarningSeverity.choices,
            "state": state,
            "advisors": selectors.advisor_choices(active_only=False) if request.user.is_oversight else [],
        },
    )


# --- staff ------------------------------------------------------------------------------------


def staff_rows(*, user: User, params):
    """The staff list as its query string filters it (the page and its export)."""
    return selectors.staff_list(
        search=(params.get("q") or "").strip(), role=params.get("role") or "", team=params.get("team") or ""
    )


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    _need(request, "oversight.view_staff")
    qs = staff_rows(user=request.user, params=request.GET)
    return render(
        request,
        "oversight/staff_list.html",
        {
            "page": _page(request, qs),
            "roles": [c for c in Role.choices if c[0] in WORKSPACE_ROLES],
            "teams": selectors.team_choices(),
        },
    )


def _staff_member(pk: int) -> User:
    return get_object_or_404(User, pk=pk, role__in=WORKSPACE_ROLES)


@login_required
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "oversight.view_staff")
    member = _staff_member(pk)
    show_violations = can(request.user, "oversight.view_staff_violations")
    context = {
        "member": member,
        **selectors.staff_detail(user=member),
        "violations": selectors.staff_violations(user=member) if show_violations else None,
        "show_violations": show_violations,
        "can_manage": can(request.user, "oversight.manage_staff"),
        "actions": selectors.action_list(user=request.user, owner_id=member.pk)[:20],
    }
    return render(request, "oversight/staff_detail.html", context)


@login_required
def qualification_add(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "oversight.manage_staff")
    member = _staff_member(pk)
    return form_page(
        request,
        form=QualificationForm(request.POST or None),
        perform=lambda d: services.qualification_create(actor=request.user, user=member, **d),
        success=_("Qualification recorded."),
        then=reverse("oversight:staff_detail", args=[member.pk]),
        template="oversight/form.html",
        context={"title": _("Add qualification"), "member": member},
    )


@login_required
def qualification_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "oversight.manage_staff")
    q = get_object_or_404(StaffQualification.objects.select_related("user"), pk=pk)
    initial = {
        "kind": q.kind,
        "number": q.number,
        "issued_on": q.issued_on,
        "expires_on": q.expires_on,
        "qualifies_for_advice": q.qualifies_for_advice,
    }
    form = QualificationForm(request.POST or None, initial=initial, guarded=q)
    form.fields["kind"].disabled = True
    return form_page(
        request,
        form=form,
        perform=lambda d: services.qualification_update(
            actor=request.user,
            qualification=q,
            number=d["number"],
            issued_on=d["issued_on"],
            expires_on=d["expires_on"],
            qualifies_for_advice=d["qualifies_for_advice"],
            edits=form.edits(),
        ),
        success=_("Qualification updated."),
        then=reverse("oversight:staff_detail", args=[q.user_id]),
        template="oversight/form.html",
        context={"title": _("Edit qualification"), "member": q.user},
    )


@login_required
def training_add(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "oversight.manage_staff")
    member = _staff_member(pk)
    return form_page(
        request,
        form=TrainingForm(request.POST or None),
        perform=lambda d: services.training_create(actor=request.user, user=member, **d),
        success=_("Training recorded."),
        then=reverse("oversight:staff_detail", args=[member.pk]),
        template="oversight/form.html",
        context={"title": _("Add training"), "member": member},
    )


@login_required
def training_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "oversight.manage_staff")
    record = get_object_or_404(TrainingRecord.objects.select_related("user"), pk=pk)
    initial = {
        k: getattr(record, k)
        for k in ("title", "provider", "topic", "hours", "required", "due_on", "completed_on")
    }
    form = TrainingForm(request.POST or None, initial=initial, guarded=record)
    return form_page(
        request,
        form=form,
        perform=lambda d: services.training_update(
            actor=request.user, record=record, edits=form.edits(), **d
        ),
        success=_("Training updated."),
        then=reverse("oversight:staff_detail", args=[record.user_id]),
        template="oversight/form.html",
        context={"title": _("Edit training"), "member": record.user},
    )


# --- improvement actions ----------------------------------------------------------------------


def action_rows(*, user: User, params):
    """The improvement actions as the list's query string filters them (the page and its export)."""
    return selectors.action_list(
        user=user,
        status=params.get("status") or "",
        link_type=params.get("link_type") or "",
        open_only=params.get("open") == "1",
    )


@login_required
def action_list(request: HttpRequest) -> HttpResponse:
    _need(request, "oversight.list_actions")
    qs = action_rows(user=request.user, params=request.GET)
    page = _page(request, qs)
    for a in page:
        a.link_label = selectors.action_link_label(a)
    return render(
        request,
        "oversight/action_list.html",
        {
            "page": page,
            "statuses": ActionStatus.choices,
            "links": ActionLink.choices,
            "can_add": can(request.user, "oversight.add_action"),
        },
    )


@login_required
def action_add(request: HttpRequest) -> HttpResponse:
    _need(request, "oversight.add_action")
    initial = {k: request.GET[k] for k in ("link_type", "link_ref") if request.GET.get(k)}
    return form_page(
        request,
        form=ActionForm(request.POST or None, initial=initial),
        perform=lambda d: services.action_create(actor=request.user, **d),
        success=_("Improvement action planned."),
        then=lambda action: reverse("oversight:action_detail", args=[action.pk]),
        template="oversight/form.html",
        context={"title": _("New improvement action")},
    )


def _action(request: HttpRequest, pk: int) -> ImprovementAction:
    action = get_object_or_404(selectors.action_list(user=request.user), pk=pk)
    _need(request, "oversight.view_action", action)
    return action


def _step_button(current: str, target: str) -> str:
    """A button names the action that moves the plan on, not the stage it lands in (issue 13)."""
    back = {ActionStatus.DO: _("Back to doing"), ActionStatus.PLAN: _("Back to planning")}
    forward = {
        ActionStatus.DO: _("Start doing"),
        ActionStatus.CHECK: _("Send for checking"),
        ActionStatus.ACT: _("Act on the result"),
        ActionStatus.CLOSED: _("Close the action"),
    }
    order = list(ActionStatus.values)
    if order.index(target) < order.index(current):
        return back.get(target, ActionStatus(target).label)
    return forward.get(target, ActionStatus(target).label)


@login_required
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = _action(request, pk)
    check_form = CheckForm(request.POST or None) if request.method == "POST" else CheckForm()
    if request.method == "POST":
        try:
            if "to" in request.POST:
                services.action_transition(
                    actor=request.user,
                    action=action,
                    to=request.POST["to"],
                    note=request.POST.get("note", ""),
                )
                messages.success(request, _("Action moved on."))
                return redirect("oversight:action_detail", pk=action.pk)
            if check_form.is_valid():
                services.action_check(actor=request.user, action=action, **check_form.cleaned_data)
                messages.success(request, _("Effectiveness check recorded."))
                return redirect("oversight:action_detail", pk=action.pk)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("oversight:action_detail", pk=action.pk)
    next_steps = [
        (s, _step_button(action.status, s))
        for s in ActionStatus.values
        if s in ACTION_TRANSITIONS.get(action.status, set())
    ]
    return render(
        request,
        "oversight/action_detail.html",
        {
            "action": action,
            "link_label": selectors.action_link_label(action),
            "link_url": selectors.action_link_url(action),
            "next_steps": next_steps,
            "check_form": check_form,
            "can_change": can(request.user, "oversight.change_action", action),
            "can_check": can(request.user, "oversight.check_action", action),
            "history": action.history.select_related("history_user").order_by("-history_date")[:20],
        },
    )


@login_required
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    action = _action(request, pk)
    _need(request, "oversight.change_action", action)
    initial = {
        "title": action.title,
        "description": action.description,
        "owner": action.owner,
        "due_on": action.due_on,
    }
    form = ActionEditForm(request.POST or None, initial=initial, guarded=action)
    return form_page(
        request,
        form=form,
        perform=lambda d: services.action_update(actor=request.user, action=action, edits=form.edits(), **d),
        success=_("Action saved."),
        then=reverse("oversight:action_detail", args=[action.pk]),
        template="oversight/form.html",
        context={"title": _("Edit improvement action")},
    )


# --- monthly quality report -------------------------------------------------------------------


@login_required
@require_POST
def report_generate(request: HttpRequest) -> HttpResponse:
    _need(request, "oversight.generate_report")
    raw = request.POST.get("month", "")
    try:
        month = datetime.datetime.strptime(raw, "%Y-%m").date() if raw else None
    except ValueError:
        month = None
    if month is None:
        month = add_months(month_start(today()), -1)
    try:
        doc = services.quality_report_request(
            actor=request.user,
            month=month,
            language=document_language(request.POST.get("pdf_language"), default=request.LANGUAGE_CODE),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("oversight:dashboard")
    if request.htmx:
        return render(request, "oversight/_report_status.html", {"doc": doc})
    messages.success(request, _("The report is being generated."))
    return redirect("oversight:dashboard")


def _report_doc(request: HttpRequest, pk: int) -> ArchivedDocument:
    _need(request, "oversight.generate_report")
    return get_object_or_404(ArchivedDocument, pk=pk, kind=REPORT_KIND)


@login_required
def report_status(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx polling target: the progress bar until the PDF is ready, then the download link."""
    return render(request, "oversight/_report_status.html", {"doc": _report_doc(request, pk)})


@login_required
def report_download(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _report_doc(request, pk)
    if doc.status != DocumentStatus.READY or not doc.file:
        raise Http404
    audit_log(actor=request.user, action=AuditAction.DOWNLOAD, obj=doc, reason="quality report downloaded")
    return file_response(
        doc.file,
        filename=f"quality-report-{doc.subject_id}-v{doc.version}.pdf",
        content_type="application/pdf",
    )


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    _need(request, "oversight.generate_report")
    qs = (
        ArchivedDocument.objects.filter(kind=REPORT_KIND)
        .select_related("requested_by")
        .order_by("-created_at")
    )
    return render(
        request,
        "oversight/report_list.html",
        {"page": _page(request, qs), "dashboard_url": reverse("oversight:dashboard")},
    )
