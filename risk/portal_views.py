"""Portal screens: the client takes the current questionnaire, sees the result and confirms it,
and confirms special risk warnings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from advisory.errors import DomainError
from advisory.views_actions import post_action

from . import selectors, services
from .forms import AnswersForm
from .models import AssessmentStatus, ExceptionStatus


def _own_client(request: HttpRequest):
    client = selectors.visible_clients(user=request.user).select_related("advisor").first()
    if client is None:
        raise Http404(_("No client file is linked to your login."))
    return client


# The special risk warnings listed on the client's risk page, newest first: a client has a few in
# a lifetime; the list is capped so the page never grows without bound.
PORTAL_WARNINGS = 20


@login_required
def questionnaire(request: HttpRequest) -> HttpResponse:
    client = _own_client(request)
    profile = selectors.client_risk_profile(client=client)
    pending = selectors.assessment_list(user=request.user, status=AssessmentStatus.DRAFT).first()
    version = selectors.current_published_version()
    form = None
    if version is not None:
        version = selectors.version_with_questions(pk=version.pk)
        form = AnswersForm(request.POST or None, version=version)
        if request.method == "POST" and form.is_valid():
            try:
                assessment = services.assessment_submit(
                    client=client, actor=request.user, answers=form.answers(), version=version
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("risk_portal:result", pk=assessment.pk)
    warnings = list(selectors.exception_list(user=request.user).filter(client=client)[:PORTAL_WARNINGS])
    return render(
        request,
        "risk/portal_questionnaire.html",
        {
            "client": client,
            "profile": profile,
            "pending": pending,
            "version": version,
            "form": form,
            "warnings": warnings,
        },
    )


@login_required
def result(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_get(user=request.user, pk=pk)
    if request.method == "POST":
        return post_action(
            request,
            perform=lambda d: services.assessment_confirm(assessment=assessment, actor=request.user),
            success=_("Thank you: your risk profile is confirmed."),
            back=reverse("risk_portal:result", args=[pk]),
        )
    return render(request, "risk/portal_result.html", {"assessment": assessment})


@login_required
def exception_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    exc = get_object_or_404(selectors.exception_list(user=request.user), pk=pk)
    if request.method == "POST":
        if not request.POST.get("understood"):
            messages.error(request, _("Tick the box to confirm you have read and understood the warning."))
            return redirect("risk_portal:exception_confirm", pk=pk)
        return post_action(
            request,
            perform=lambda d: services.suitability_exception_client_confirm(
                exception=exc, actor=request.user
            ),
            success=_("Your confirmation has been recorded."),
            back=reverse("risk_portal:exception_confirm", args=[pk]),
        )
    return render(
        request,
        "risk/portal_exception.html",
        {"exc": exc, "can_confirm": exc.status == ExceptionStatus.REQUESTED},
    )
