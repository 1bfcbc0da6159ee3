"""Staff and conduct screens: conduct overview, a member's training/appraisals/restrictions,
one's own conduct page, training plans, conflict-of-interest declarations and the internal audit.
Thin: parse input, call one service, render."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from advisory.clock import today
from advisory.models import User
from advisory.pagination import paginate
from advisory.roles import WORKSPACE_ROLES, Role
from advisory.rules import can
from advisory.views_actions import form_submit

from . import selectors, services
from .forms import (
    AppraisalForm,
    AuditTransitionForm,
    DeclarationForm,
    DeclarationReviewForm,
    EvaluationForm,
    FindingFollowUpForm,
    FindingForm,
    InternalAuditForm,
    LiftForm,
    RemediationForm,
    TrainingPlanForm,
)
from .models import (
    AuditArea,
    AuditFinding,
    AuditStatus,
    ConflictDeclaration,
    DeclarationStatus,
    FindingSeverity,
    InternalAudit,
    PermissionRestriction,
)
from .services import AUDIT_TRANSITIONS

PAGE_SIZE = 50


def _need(request: HttpRequest, perm: str, obj=None) -> None:
    if not can(request.user, perm, obj):
        raise PermissionDenied


def _page(request: HttpRequest, qs):
    return paginate(request, qs, PAGE_SIZE)


def _year(request: HttpRequest) -> int:
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else today().year


def form_action(
    request: HttpRequest,
    form: forms.Form,
    call: Callable[[dict], object],
    success: str,
) -> bool:
    """The shape of every action view (advisory.views_actions): a bound, valid form → one service
    call; a refused action becomes a form error. True when the action succeeded (the caller
    redirects)."""
    if request.method != "POST":
        return False
    ok, _result = form_submit(form, call)
    if ok:
        messages.success(request, success)
    return ok


def _form_page(
    request: HttpRequest, form: forms.Form, title: str, back: str, status: int = 200
) -> HttpResponse:
    code = 400 if request.method == "POST" and form.errors else status
    return render(request, "staff/form.html", {"form": form, "title": title, "back": back}, status=code)


# --- conduct overview and members ------------------------------------------------------------


@login_required
def conduct_list(request: HttpRequest) -> HttpResponse:
    _need(request, "staff.view_conduct")
    year = _year(request)
    qs = selectors.staff_conduct_list(
        year=year, search=request.GET.get("q", "").strip(), role=request.GET.get("role", "")
    )
    sort = request.GET.get("sort", "")
    if sort in ("hours_done", "-hours_done"):
        qs = qs.order_by(sort, "full_name")
    page = _page(request, qs)
    plans = selectors.training_plans(year=year)
    rows = [selectors.training_row(u, plans.get(u.role), on=today()) for u in page.object_list]
    return render(
        request,
        "staff/conduct_list.html",
        {
            "page": page,
            "rows": rows,
            "year": year,
            "roles": [c for c in Role.choices if c[0] in WORKSPACE_ROLES],
            "figures": selectors.dashboard_figures(),
        },
    )


def _member(pk: int) -> User:
    return get_object_or_404(User, pk=pk, role__in=WORKSPACE_ROLES)


@login_required
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "staff.view_conduct")
    member = _member(pk)
    year = _year(request)
    context = {
        "member": member,
        "year": year,
        **selectors.member_conduct(member=member, year=year),
        "can_appraise": can(request.user, "staff.appraise") and member.pk != request.user.pk,
        "can_lift": can(request.user, "staff.lift_restriction"),
    }
    return render(request, "staff/member_detail.html", context)


@login_required
def my_conduct(request: HttpRequest) -> HttpResponse:
    _need(request, "staff.declare_conflict")
    year = _year(request)
    context = {
        "member": request.user,
        "year": year,
        "own_page": True,
        **selectors.member_conduct(member=request.user, year=year),
    }
    return render(request, "staff/member_detail.html", context)


@login_required
def appraisal_add(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "staff.appraise")
    member = _member(pk)
    form = AppraisalForm(request.POST or None)
    if form_action(
        request,
        form,
        lambda d: services.appraisal_record(actor=request.user, staff_member=member, **d),
        _("Appraisal recorded."),
    ):
        return redirect("staff:member", pk=member.pk)
    return _form_page(request, form, _("Record appraisal") + f" — {member}", back=f"/app/staff/{member.pk}/")


@login_required
def restriction_lift(request: HttpRequest, pk: int) -> HttpResponse:
    restriction = get_object_or_404(PermissionRestriction.objects.select_related("staff_member"), pk=pk)
    _need(request, "staff.lift_restriction", restriction)
    form = LiftForm(request.POST or None)
    if form_action(
        request,
        form,
        lambda d: services.restriction_lift(actor=request.user, restriction=restriction, reason=d["reason"]),
        _("Restriction lifted."),
    ):
        return redirect("staff:member", pk=restriction.staff_member_id)
    return _form_page(
        request,
        form,
        _("Lift restriction") + f" — {restriction.staff_member}",
        back=f"/app/staff/{restriction.staff_member_id}/",
    )


# --- training plans ---------------------------------------------------------------------------


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    _need(request, "staff.view_conduct")
    year = _year(request)
    form = TrainingPlanForm(request.POST or None, initial={"year": year})
    if can(request.user, "staff.manage_training_plan") and form_action(
        request,
        form,
        lambda d: services.training_plan_set(actor=request.user, **d),
        _("Training plan saved."),
    ):
        return redirect(f"{request.path}?year={form.cleaned_data['year']}")
    if request.method == "POST" and not can(request.user, "staff.manage_training_plan"):
        raise PermissionDenied
    plans = selectors.training_plans(year=year)
    return render(
        request,
        "staff/plan_list.html",
        {
            "year": year,
            "plans": sorted(plans.values(), key=lambda p: p.role),
            "form": form,
            "can_manage": can(request.user, "staff.manage_training_plan"),
        },
        status=400 if form.errors else 200,
    )


# --- conflict-of-interest declarations --------------------------------------------------------


@login_required
def declaration_list(request: HttpRequest) -> HttpResponse:
    _need(request, "staff.declare_conflict")
    status = request.GET.get("status", "")
    qs = selectors.declaration_list(user=request.user, status=status, search=request.GET.get("q", "").strip())
    return render(
        request,
        "staff/declaration_list.html",
        {"page": _page(request, qs), "statuses": DeclarationStatus.choices, "status": status},
    )


@login_required
def declaration_add(request: HttpRequest) -> HttpResponse:
    _need(request, "staff.declare_conflict")
    form = DeclarationForm(request.POST or None)
    if form_action(
        request,
        form,
        lambda d: services.declaration_submit(actor=request.user, **d),
        _("Declaration submitted to compliance."),
    ):
        return redirect("staff:my_conduct")
    return _form_page(request, form, _("Declare conflicts of interest"), back="/app/staff/me/")


@login_required
def declaration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = get_object_or_404(
        ConflictDeclaration.objects.select_related("staff_member", "reviewed_by"), pk=pk
    )
    _need(request, "staff.view_declaration", declaration)
    can_review = (
        can(request.user, "staff.review_declaration", declaration)
        and declaration.status == DeclarationStatus.SUBMITTED
        and declaration.staff_member_id != request.user.pk
    )
    form = DeclarationReviewForm(request.POST or None)
    if request.method == "POST":
        _need(request, "staff.review_declaration", declaration)
        if form_action(
            request,
            form,
            lambda d: services.declaration_review(actor=request.user, declaration=declaration, **d),
            _("Review recorded."),
        ):
            return redirect("staff:declaration_detail", pk=pk)
    return render(
        request,
        "staff/declaration_detail.html",
        {"declaration": declaration, "form": form, "can_review": can_review},
        status=400 if form.errors else 200,
    )


# --- internal audit ---------------------------------------------------------------------------


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    _need(request, "staff.view_internal_audit")
    qs = selectors.internal_audit_list(
        user=request.user, status=request.GET.get("status", ""), area=request.GET.get("area", "")
    )
    return render(
        request,
        "staff/audit_list.html",
        {
            "page": _page(request, qs),
            "statuses": AuditStatus.choices,
            "areas": AuditArea.choices,
            "can_plan": can(request.user, "staff.plan_internal_audit"),
            "evaluations": selectors.evaluation_list(user=request.user)[:10],
            "can_evaluate": can(request.user, "staff.record_evaluation"),
        },
    )


@login_required
def audit_add(request: HttpRequest) -> HttpResponse:
    _need(request, "staff.plan_internal_audit")
    form = InternalAuditForm(request.POST or None)
    if form_action(
        request,
        form,
        lambda d: services.internal_audit_plan(actor=request.user, **d),
        _("Audit added to the plan."),
    ):
        return redirect("staff:audit_list")
    return _form_page(request, form, _("Plan an internal audit"), back="/app/staff/audits/")


def _audit_step_button(current: str, target: str) -> str:
    """A button names the action, not the stage it leads to (issue 13)."""
    if current == AuditStatus.REPORTED and target == AuditStatus.FIELDWORK:
        return _("Back to fieldwork")
    buttons = {
        AuditStatus.FIELDWORK: _("Start fieldwork"),
        AuditStatus.REPORTED: _("Report the results"),
        AuditStatus.CLOSED: _("Close the audit"),
    }
    return buttons.get(target, AuditStatus(target).label)


@login_required
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    audit = get_object_or_404(InternalAudit.objects.select_related("auditor"), pk=pk)
    if not (can(request.user, "staff.view_internal_audit") or audit.auditor_id == request.user.pk):
        raise PermissionDenied
    can_work = can(request.user, "staff.work_internal_audit", audit)
    finding_form = FindingForm(request.POST if request.POST.get("op") == "finding" else None)
    transition_form = AuditTransitionForm(request.POST if request.POST.get("op") == "transition" else None)
    if request.method == "POST":
        _need(request, "staff.work_internal_audit", audit)
        if request.POST.get("op") == "finding" and form_action(
            request,
            finding_form,
            lambda d: services.finding_add(actor=request.user, audit=audit, **d),
            _("Finding recorded."),
        ):
            return redirect("staff:audit_detail", pk=pk)
        if request.POST.get("op") == "transition" and form_action(
            request,
            transition_form,
            lambda d: services.internal_audit_transition(
                actor=request.user, audit=audit, to=request.POST.get("to", ""), conclusion=d["conclusion"]
            ),
            _("Audit status changed."),
        ):
            return redirect("staff:audit_detail", pk=pk)
    findings = audit.findings.select_related("owner", "improvement_action")
    return render(
        request,
        "staff/audit_detail.html",
        {
            "audit": audit,
            "findings": findings,
            "finding_form": finding_form,
            "transition_form": transition_form,
            "next_statuses": [
                (s, _audit_step_button(audit.status, s)) for s in sorted(AUDIT_TRANSITIONS[audit.status])
            ],
            "can_work": can_work,
            "today": today(),
        },
        status=400 if (finding_form.errors or transition_form.errors) else 200,
    )


@login_required
def finding_list(request: HttpRequest) -> HttpResponse:
    if not (can(request.user, "staff.view_internal_audit") or request.user.is_workspace_user):
        raise PermissionDenied
    qs = selectors.finding_list(
        user=request.user,
        open_only=request.GET.get("open", "1") == "1",
        severity=request.GET.get("severity", ""),
    )
    return render(
        request,
        "staff/finding_list.html",
        {"page": _page(request, qs), "severities": FindingSeverity.choices, "today": today()},
    )


@login_required
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_object_or_404(
        AuditFinding.objects.select_related("audit__auditor", "owner", "improvement_action"), pk=pk
    )
    _need(request, "staff.view_finding", finding)
    remediation_form = RemediationForm(request.POST if request.POST.get("op") == "remediate" else None)
    follow_form = FindingFollowUpForm(request.POST if request.POST.get("op") == "follow_up" else None)
    if request.method == "POST":
        op = request.POST.get("op")
        if op == "remediate":
            _need(request, "staff.remediate_finding", finding)
            if form_action(
                request,
                remediation_form,
                lambda d: services.finding_report_remediation(actor=request.user, finding=finding, **d),
                _("Remediation reported."),
            ):
                return redirect("staff:finding_detail", pk=pk)
        elif op == "follow_up":
            _need(request, "staff.close_finding", finding)
            if form_action(
                request,
                follow_form,
                lambda d: services.finding_close(actor=request.user, finding=finding, **d),
                _("Follow-up recorded."),
            ):
                return redirect("staff:finding_detail", pk=pk)
    return render(
        request,
        "staff/finding_detail.html",
        {
            "finding": finding,
            "remediation_form": remediation_form,
            "follow_form": follow_form,
            "can_remediate": can(request.user, "staff.remediate_finding", finding),
            "can_close": can(request.user, "staff.close_finding", finding),
            "today": today(),
        },
        status=400 if (remediation_form.errors or follow_form.errors) else 200,
    )


@login_required
def evaluation_add(request: HttpRequest) -> HttpResponse:
    _need(request, "staff.record_evaluation")
    form = EvaluationForm(request.POST or None)
    if form_action(
        request,
        form,
        lambda d: services.evaluation_record(actor=request.user, **d),
        _("Evaluation recorded."),
    ):
        return redirect("staff:audit_list")
    return _form_page(request, form, _("Record an external evaluation"), back="/app/staff/audits/")
