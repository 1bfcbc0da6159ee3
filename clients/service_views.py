"""Screens of the service record: activity log, follow-up tasks, the merged client timeline
and the calendar feed (thin: parse, call a service or selector, render)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from advisory.errors import NotFound
from advisory.pagination import paginate
from advisory.texts import recipient_language
from advisory.views_actions import form_page, post_action

from . import selectors, service_record, service_selectors
from .calendar_feed import calendar_feed_ics
from .rules import can
from .service_forms import (
    ActivityCancelForm,
    ActivityCompleteForm,
    ActivityFilterForm,
    ActivityForm,
    AttachmentForm,
    FollowUpActionForm,
    FollowUpFilterForm,
    FollowUpForm,
)
from .timeline import client_timeline, timeline_kinds

PAGE_SIZE = 25


def _client(request: HttpRequest, pk: int, perm: str = "clients.view_service_record"):
    client = selectors.client_list(user=request.user).filter(pk=pk).first()
    if client is None:
        raise Http404(_("No such client."))
    if not can(request.user, perm, client):
        raise PermissionDenied(_("You do not have access to this page."))
    return client


def _get(fn, **kwargs):
    try:
        return fn(**kwargs)
    except NotFound as exc:
        raise Http404(exc.message) from exc


# -- activities --------------------------------------------------------------------------------
def activity_rows(*, user, params, form: ActivityFilterForm | None = None):
    """The service record as its query string filters and sorts it (the page and its export)."""
    form = form or ActivityFilterForm(params or None)
    data = form.cleaned_data if form.is_valid() else {}
    return service_selectors.activity_list(
        user=user,
        kind=data.get("kind") or None,
        status=data.get("status") or None,
        search=(data.get("q") or "").strip() or None,
        sort=params.get("sort"),
    )


@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    if not request.user.is_workspace_user:
        raise PermissionDenied
    form = ActivityFilterForm(request.GET or None)
    qs = activity_rows(user=request.user, params=request.GET, form=form)
    page = paginate(request, qs, PAGE_SIZE)
    return render(request, "clients/activity_list.html", {"form": form, "page": page})


@login_required
def activity_create(request: HttpRequest, pk: int) -> HttpResponse:
    client = _client(request, pk, "clients.log_activity")
    form = ActivityForm(request.POST or None, request.FILES or None)
    if request.method == "GET":
        form.initial["starts_at"] = timezone.localtime().replace(second=0, microsecond=0)
    return form_page(
        request,
        form=form,
        perform=lambda d: service_record.activity_log(
            client=client,
            actor=request.user,
            attachments=request.FILES.getlist("attachment"),
            **{k: v for k, v in d.items() if k != "attachment"},
        ),
        success=_("Activity recorded."),
        then=lambda activity: reverse("clients:activity_detail", args=[activity.pk]),
        template="clients/activity_form.html",
        context={"client": client},
    )


@login_required
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _get(service_selectors.activity_get, user=request.user, pk=pk)
    can_change = can(request.user, "clients.change_activity", activity)
    ctx = {
        "activity": activity,
        "client": activity.client,
        "attachments": service_selectors.activity_attachments(activity=activity),
        "follow_ups": list(activity.follow_ups.select_related("assignee").order_by("due_on")),
        "can_change": can_change,
        "complete_form": ActivityCompleteForm() if can_change and activity.status == "planned" else None,
        "cancel_form": ActivityCancelForm() if can_change and activity.status == "planned" else None,
        "attach_form": AttachmentForm() if can_change else None,
    }
    return render(request, "clients/activity_detail.html", ctx)


@login_required
@require_POST
def activity_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    activity = _get(service_selectors.activity_get, user=request.user, pk=pk)
    return post_action(
        request,
        form=(ActivityCompleteForm if action == "complete" else ActivityCancelForm)(request.POST),
        perform=lambda d: service_record.activity_transition(
            activity=activity, actor=request.user, action=action, **d
        ),
        success=_("Activity updated."),
        back=reverse("clients:activity_detail", args=[activity.pk]),
    )


@login_required
@require_POST
def activity_attach(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _get(service_selectors.activity_get, user=request.user, pk=pk)
    return post_action(
        request,
        form=AttachmentForm(request.POST, request.FILES),
        perform=lambda d: service_record.activity_attach(
            activity=activity, actor=request.user, upload=d["attachment"]
        ),
        success=_("File attached."),
        back=reverse("clients:activity_detail", args=[activity.pk]),
    )


# -- follow-ups --------------------------------------------------------------------------------
@login_required
def follow_up_list(request: HttpRequest) -> HttpResponse:
    if not request.user.is_workspace_user:
        raise PermissionDenied
    form = FollowUpFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = service_selectors.follow_up_list(
        user=request.user,
        state=data.get("state") or "open",
        mine=bool(data.get("mine")),
        search=(data.get("q") or "").strip() or None,
        sort=request.GET.get("sort"),
    )
    page = paginate(request, qs, PAGE_SIZE)
    from advisory.clock import today

    return render(request, "clients/follow_up_list.html", {"form": form, "page": page, "today": today()})


@login_required
@require_POST
def follow_up_create(request: HttpRequest, pk: int) -> HttpResponse:
    client = _client(request, pk, "clients.log_activity")
    return post_action(
        request,
        form=FollowUpForm(request.POST),
        perform=lambda d: service_record.follow_up_create(client=client, actor=request.user, **d),
        success=_("Follow-up planned."),
        back=reverse("clients:detail", args=[client.pk]) + "#service-record",
    )


@login_required
@require_POST
def follow_up_transition(request: HttpRequest, pk: int) -> HttpResponse:
    task = _get(service_selectors.follow_up_get, user=request.user, pk=pk)
    return post_action(
        request,
        form=FollowUpActionForm(request.POST),
        perform=lambda d: service_record.follow_up_transition(task=task, actor=request.user, **d),
        success=_("Follow-up updated."),
        back=request.POST.get("next") or reverse("clients:follow_up_list"),
    )


# -- timeline ----------------------------------------------------------------------------------
@login_required
def timeline(request: HttpRequest, pk: int) -> HttpResponse:
    client = _client(request, pk)
    kinds = timeline_kinds()
    chosen = {k for k in request.GET.getlist("kind") if k in kinds}
    limit = 10 if request.GET.get("limit") == "10" else 200
    events = client_timeline(client=client, user=request.user, kinds=chosen or None, limit=limit)
    ctx = {"client": client, "events": events, "kinds": kinds, "chosen": chosen}
    # the client page loads the ten newest events as a fragment (htmx)
    template = "clients/_timeline.html" if request.htmx else "clients/timeline.html"
    return render(request, template, ctx)


# -- calendar feed -----------------------------------------------------------------------------
@login_required
def calendar_settings(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "clients.use_calendar_feed"):
        raise PermissionDenied
    url = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            service_record.calendar_feed_revoke(user=request.user)
            messages.success(
                request, _("The calendar address is revoked; calendars using it get no more updates.")
            )
            return redirect("clients:calendar_settings")
        token = service_record.calendar_feed_issue(user=request.user)
        url = request.build_absolute_uri(reverse("calendar_feed", args=[token]))
        messages.success(request, _("New calendar address issued. Copy it now: it is shown only once."))
    feed = service_record.calendar_feed_active(user=request.user)
    return render(request, "clients/calendar_settings.html", {"feed": feed, "url": url})


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The secret iCalendar URL (no sign-in: the token is the key; revoked tokens are 404)."""
    user = service_record.calendar_feed_user(token=token)
    if user is None:
        raise Http404
    # the calendar app asks without the person's session or a useful Accept-Language: the feed
    # is written in the owner's own language
    with translation.override(recipient_language(user)):
        body = calendar_feed_ics(user=user, base_url=request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
