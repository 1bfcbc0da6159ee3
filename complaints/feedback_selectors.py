"""Reads for return visits, surveys and suggestions, scoped to the user."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from advisory.errors import NotFound
from advisory.rules import can

from .models import ReturnVisit, SatisfactionSurvey, Suggestion


def return_visit_list(
    *, user, status: str | None = None, trigger: str | None = None, search: str | None = None
) -> QuerySet[ReturnVisit]:
    """Oversight roles see every visit; anyone else only the visits assigned to them (never the
    visits about their own clients: the call is an independent check)."""
    qs = ReturnVisit.objects.select_related("client", "assignee")
    if not user.is_oversight:
        qs = qs.filter(assignee=user) if user.is_workspace_user else qs.none()
    if status:
        qs = qs.filter(status=status)
    if trigger:
        qs = qs.filter(trigger=trigger)
    if search:
        qs = qs.filter(Q(client__name__icontains=search) | Q(client__file_number__iexact=search))
    return qs.order_by("status", "due_on", "id")


def return_visit_get(*, user, pk: int) -> ReturnVisit:
    visit = return_visit_list(user=user).select_related("client__advisor").filter(pk=pk).first()
    if visit is None:
        raise NotFound(_("No such return visit."))
    return visit


def survey_list(
    *, user, trigger: str | None = None, answered: str | None = None
) -> QuerySet[SatisfactionSurvey]:
    """A client sees their own surveys; supervisors, compliance and administrators all."""
    qs = SatisfactionSurvey.objects.select_related("client", "complaint")
    if user.is_client:
        qs = qs.filter(client__user=user)
    elif not can(user, "complaints.view_survey_results"):
        qs = qs.none()
    if trigger:
        qs = qs.filter(trigger=trigger)
    if answered == "yes":
        qs = qs.filter(answered_at__isnull=False)
    elif answered == "no":
        qs = qs.filter(answered_at__isnull=True)
    return qs.order_by("-sent_at", "-id")


def survey_get(*, user, pk: int) -> SatisfactionSurvey:
    survey = survey_list(user=user).filter(pk=pk).first()
    if survey is None:
        raise NotFound(_("No such survey."))
    return survey


def suggestion_list(*, user, status: str | None = None, search: str | None = None) -> QuerySet[Suggestion]:
    qs = Suggestion.objects.select_related("client", "answered_by")
    if user.is_client:
        qs = qs.filter(client__user=user)
    elif user.is_advisor:
        qs = qs.filter(client__advisor=user)
    elif not user.is_oversight:
        qs = qs.none()
    if status:
        qs = qs.filter(status=status)
    if search:
        qs = qs.filter(Q(subject__icontains=search) | Q(client__name__icontains=search))
    return qs.order_by("-created_at", "-id")


def suggestion_get(*, user, pk: int) -> Suggestion:
    suggestion = suggestion_list(user=user).filter(pk=pk).first()
    if suggestion is None:
        raise NotFound(_("No such suggestion."))
    return suggestion
