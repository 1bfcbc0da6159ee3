"""Screens for return visits, surveys and suggestions (staff and portal), and the public
survey link (thin: parse, call a service or selector, render)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from advisory.errors import DomainError, NotFound
from advisory.forms import form_add_domain_error
from advisory.models import User
from advisory.pagination import paginate
from advisory.rules import can
from advisory.views_actions import form_page
from audit.models import AuditAction
from audit.services import audit_log

from . import feedback, feedback_selectors
from .feedback_forms import (
    GeneralSurveyForm,
    ReasonForm,
    ReturnVisitFilterForm,
    ReturnVisitReassignForm,
    ReturnVisitRecordForm,
    SuggestionAnswerForm,
    SuggestionCloseForm,
    SuggestionFilterForm,
    SuggestionForm,
    SurveyFilterForm,
)

PAGE_SIZE = 25


def _get(fn, **kwargs):
    try:
        return fn(**kwargs)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _forbid(request: HttpRequest, perm: str, obj=None) -> None:
    if not can(request.user, perm, obj):
        raise PermissionDenied(_("You do not have access to this page."))


# -- return visits (staff) -----------------------------------------------------------------------
def return_visit_rows(*, user, params, form: ReturnVisitFilterForm | None = None):
    """The return visits as the list's query string filters them (the page and its export)."""
    form = form or ReturnVisitFilterForm(params or None)
    data = form.cleaned_data if form.is_valid() else {}
    return feedback_selectors.return_visit_list(
        user=user,
        status=data.get("status") or None,
        trigger=data.get("trigger") or None,
        search=(data.get("q") or "").strip() or None,
    )


@login_required
def return_visit_list(request: HttpRequest) -> HttpResponse:
    _forbid(request, "complaints.list_return_visits")
    form = ReturnVisitFilterForm(request.GET or None)
    qs = return_visit_rows(user=request.user, params=request.GET, form=form)
    page = paginate(request, qs, PAGE_SIZE)
    return render(request, "complaints/return_visit_list.html", {"form": form, "page": page})


@login_required
def return_visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _get(feedback_selectors.return_visit_get, user=request.user, pk=pk)
    _forbid(request, "complaints.view_return_visit", visit)
    can_record = can(request.user, "complaints.record_return_visit", visit) and visit.status == "assigned"
    form = ReturnVisitRecordForm(request.POST or None, questions=visit.questions)
    if request.method == "POST":
        if not can_record:
            raise PermissionDenied(_("Only the assigned caller records this visit."))
        if form.is_valid():
            try:
                feedback.return_visit_record(
                    visit=visit,
                    actor=request.user,
                    reached=form.cleaned_data["reached"],
                    answers=form.answers(),
                    outcome=form.cleaned_data["outcome"],
                    issues_found=form.cleaned_data["issues_found"],
                )
            except DomainError as exc:
                form_add_domain_error(form, exc)
            else:
                messages.success(request, _("Return visit recorded."))
                return redirect("complaints:return_visit_detail", pk=visit.pk)
    phone = ""
    if can_record:
        # The caller needs the number to call; showing it is an audited reveal.
        phone = visit.client.phone or ""
        if phone and request.method == "GET":
            audit_log(
                actor=request.user,
                action=AuditAction.REVEAL,
                obj=visit.client,
                reason="phone shown to the return-visit caller",
            )
    manage = can(request.user, "complaints.manage_return_visits", visit) and visit.status == "assigned"
    callers = (
        list(
            User.objects.filter(is_active=True, role__in=feedback.CALLER_ROLES)
            .exclude(pk=visit.client.advisor_id)
            .order_by("full_name")
        )
        if manage
        else []
    )
    ctx = {
        "visit": visit,
        "qa": list(zip(visit.questions, visit.answers or [""] * len(visit.questions), strict=False)),
        "form": form if can_record else None,
        "phone": phone,
        "manage": manage,
        "callers": callers,
    }
    return render(request, "complaints/return_visit_detail.html", ctx)


@login_required
@require_POST
def return_visit_manage(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    visit = _get(feedback_selectors.return_visit_get, user=request.user, pk=pk)
    try:
        if action == "reassign":
            form = ReturnVisitReassignForm(request.POST)
            if not form.is_valid():
                raise DomainError(_("Choose the new caller and give a reason."))
            assignee = User.objects.filter(pk=form.cleaned_data["assignee"]).first()
            if assignee is None:
                raise DomainError(_("Choose the new caller."))
            feedback.return_visit_reassign(
                visit=visit, actor=request.user, assignee=assignee, reason=form.cleaned_data["reason"]
            )
        else:
            form = ReasonForm(request.POST)
            feedback.return_visit_cancel(visit=visit, actor=request.user, reason=form.data.get("reason", ""))
        messages.success(request, _("Return visit updated."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("complaints:return_visit_detail", pk=visit.pk)


# -- surveys (staff results) -------------------------------------------------------------------------
@login_required
def survey_results(request: HttpRequest) -> HttpResponse:
    _forbid(request, "complaints.view_survey_results")
    form = SurveyFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = feedback_selectors.survey_list(
        user=request.user, trigger=data.get("trigger") or None, answered=data.get("answered") or None
    )
    page = paginate(request, qs, PAGE_SIZE)
    return render(request, "complaints/survey_results.html", {"form": form, "page": page})


# -- suggestions (staff) -------------------------------------------------------------------------
def suggestion_rows(*, user, params, form: SuggestionFilterForm | None = None):
    """The suggestions as the list's query string filters them (the page and its export)."""
    form = form or SuggestionFilterForm(params or None)
    data = form.cleaned_data if form.is_valid() else {}
    return feedback_selectors.suggestion_list(
        user=user, status=data.get("status") or None, search=(data.get("q") or "").strip() or None
    )


@login_required
def suggestion_list(request: HttpRequest) -> HttpResponse:
    _forbid(request, "complaints.list_suggestions")
    form = SuggestionFilterForm(request.GET or None)
    qs = suggestion_rows(user=request.user, params=request.GET, form=form)
    page = paginate(request, qs, PAGE_SIZE)
    return render(request, "complaints/suggestion_list.html", {"form": form, "page": page})


@login_required
def suggestion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = _get(feedback_selectors.suggestion_get, user=request.user, pk=pk)
    can_answer = (
        can(request.user, "complaints.answer_suggestion", suggestion) and suggestion.status != "closed"
    )
    answer_form = SuggestionAnswerForm(request.POST if request.POST.get("action") == "answer" else None)
    close_form = SuggestionCloseForm(request.POST if request.POST.get("action") == "close" else None)
    if request.method == "POST":
        if not can_answer:
            raise PermissionDenied(_("Only the client's advisor or a supervisor answers."))
        action = request.POST.get("action")
        form = answer_form if action == "answer" else close_form
        if form.is_valid():
            try:
                feedback.suggestion_transition(
                    suggestion=suggestion,
                    actor=request.user,
                    action="answer" if action == "answer" else "close",
                    text=form.cleaned_data.get("answer") or form.cleaned_data.get("note") or "",
                )
            except DomainError as exc:
                form_add_domain_error(form, exc)
            else:
                messages.success(request, _("Suggestion updated."))
                return redirect("complaints:suggestion_detail", pk=suggestion.pk)
    ctx = {
        "suggestion": suggestion,
        "answer_form": answer_form if can_answer else None,
        "close_form": close_form if can_answer else None,
    }
    return render(request, "complaints/suggestion_detail.html", ctx)


# -- portal ------------------------------------------------------------------------------------
@login_required
def portal_survey_list(request: HttpRequest) -> HttpResponse:
    qs = feedback_selectors.survey_list(user=request.user)
    page = paginate(request, qs, PAGE_SIZE)
    return render(request, "complaints/portal_survey_list.html", {"page": page})


@login_required
def portal_survey_answer(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _get(feedback_selectors.survey_get, user=request.user, pk=pk)
    return form_page(
        request,
        form=GeneralSurveyForm(request.POST or None),
        perform=lambda d: feedback.survey_answer_portal(survey=survey, actor=request.user, **d),
        success=_("Thank you for your answers."),
        then="complaints_portal:survey_list",
        template="complaints/survey_answer.html",
        context={"survey": survey, "portal": True},
    )


@login_required
def portal_suggestion_list(request: HttpRequest) -> HttpResponse:
    qs = feedback_selectors.suggestion_list(user=request.user)
    page = paginate(request, qs, PAGE_SIZE)
    return render(request, "complaints/portal_suggestion_list.html", {"page": page})


@login_required
def portal_suggestion_create(request: HttpRequest) -> HttpResponse:
    return form_page(
        request,
        form=SuggestionForm(request.POST or None),
        perform=lambda d: feedback.suggestion_submit(actor=request.user, **d),
        success=_("Thank you. We will answer your suggestion here."),
        then=lambda suggestion: reverse("complaints_portal:suggestion_detail", args=[suggestion.pk]),
        template="complaints/portal_suggestion_form.html",
    )


@login_required
def portal_suggestion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = _get(feedback_selectors.suggestion_get, user=request.user, pk=pk)
    return render(request, "complaints/portal_suggestion_detail.html", {"suggestion": suggestion})


# -- the email link (no sign-in: the signed token is the key, and works once) -------------------------
def survey_link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        survey = feedback.survey_from_token(token=token)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        return render(request, "complaints/survey_answer.html", {"closed": exc.message}, status=410)
    form = GeneralSurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            feedback.survey_answer_by_token(token=token, **form.cleaned_data)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            return render(request, "complaints/survey_answer.html", {"thanks": True})
    return render(request, "complaints/survey_answer.html", {"survey": survey, "form": form})
