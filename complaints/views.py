"""Workspace and portal screens for complaints (thin: parse, call a service or selector, render)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from advisory.clock import now, today
from advisory.editing import EditConflict
from advisory.errors import DomainError, NotFound
from advisory.files import file_response
from advisory.formats import local_datetime
from advisory.models import ArchivedDocument
from advisory.pagination import CappedPaginator, paginate
from advisory.roles import Role
from advisory.rules import can
from advisory.texts import text
from advisory.views_actions import form_page, form_show_refusal, post_action

from . import selectors, services, violations
from .forms import (
    ClientReplyForm,
    FeedbackForm,
    MeasureForm,
    MeasureStatusForm,
    PortalComplaintForm,
    PriorityForm,
    QueueFilterForm,
    ReassignForm,
    RegulatorReportForm,
    ReplyForm,
    ResolutionForm,
    SanctionForm,
    SeverityForm,
    StaffComplaintForm,
    SurveyForm,
    TransitionForm,
    ViolationOpenForm,
    ViolationUpdateForm,
)
from .models import OPEN_STATES, Channel, Priority, RectificationMeasure, State

PAGE_SIZE = 25


# The buttons that move a ticket name the action, in the reader's language.
ACTION_LABELS = services.ACTION_LABELS


def _forbid(perm: str, request: HttpRequest, obj=None) -> None:
    if not can(request.user, perm, obj):
        raise PermissionDenied(_("You do not have access to this page."))


def _get_or_404(fn, **kwargs):
    from django.http import Http404

    try:
        return fn(**kwargs)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _attachment_response(request: HttpRequest, complaint, attachment_pk: int, *, include_internal: bool):
    from django.http import Http404

    attachment = (
        selectors.complaint_attachments(complaint=complaint, include_internal=include_internal)
        .filter(pk=attachment_pk)
        .first()
    )
    if attachment is None:
        raise Http404
    services.attachment_download_log(attachment=attachment, actor=request.user)
    ext = attachment.file.name.rsplit(".", 1)[-1] if "." in attachment.file.name else "bin"
    return file_response(
        attachment.file,
        filename=f"{complaint.number}-{attachment.pk}.{ext}",
        content_type=attachment.content_type,
    )


@login_required
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    complaint = _get_or_404(selectors.complaint_get_for_staff, user=request.user, pk=pk)
    _forbid("complaints.view_complaint", request, complaint)
    return _attachment_response(request, complaint, attachment_pk, include_internal=True)


@login_required
def portal_attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    complaint = _get_or_404(selectors.complaint_get_for_client, user=request.user, pk=pk)
    return _attachment_response(request, complaint, attachment_pk, include_internal=False)


def _files(request: HttpRequest) -> list:
    return request.FILES.getlist("attachment")


def _client_choices(user):
    from clients.models import Client

    qs = Client.objects.order_by("name")
    if user.is_advisor:
        qs = qs.filter(advisor=user)
    return qs


# -- staff queue ---------------------------------------------------------------------------
def complaint_rows(*, user, params, form: QueueFilterForm | None = None):
    """The complaint queue as its query string filters and sorts it: the page and its export read
    the same rows."""
    form = form or QueueFilterForm(params or None)
    data = form.cleaned_data if form.is_valid() else {}
    state = data.get("state") or ""
    return selectors.complaint_queue(
        user=user,
        state=state if state not in ("", "all") else None,
        open_only=state == "",
        priority=data.get("priority"),
        channel=data.get("channel"),
        category=data.get("category"),
        assignee=data.get("assignee"),
        overdue=bool(data.get("overdue")),
        search=data.get("q"),
        sort=params.get("sort") or ("due" if state in ("", *OPEN_STATES) else "-received"),
    )


@login_required
def complaint_list(request: HttpRequest) -> HttpResponse:
    _forbid("complaints.view_queue", request)
    form = QueueFilterForm(request.GET or None)
    qs = complaint_rows(user=request.user, params=request.GET, form=form)
    paginator = CappedPaginator(qs, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    ctx = {
        "form": form,
        "page": page,
        "rows": _queue_rows(page.object_list),
        "capped": paginator.capped,
        "cap": paginator.cap_label,
    }
    return render(request, "complaints/list.html", ctx)


def _queue_rows(complaints) -> list[dict]:
    """Rows for the queue with labels resolved once per page (not per cell in the template)."""
    labels = {
        "state": {v: str(label) for v, label in State.choices},
        "priority": {v: str(label) for v, label in Priority.choices},
        "channel": {v: str(label) for v, label in Channel.choices},
    }
    at = now()
    url = reverse("complaints:detail", args=[987654321])
    rows = []
    for c in complaints:
        sla = c.sla_status(at)
        rows.append(
            {
                "url": url.replace("987654321", str(c.pk)),
                "number": c.number,
                "client": c.client.name,
                "subject": c.subject if len(c.subject) <= 60 else c.subject[:59] + "…",
                "channel": labels["channel"].get(c.channel, c.channel),
                "priority": c.priority,
                "priority_label": labels["priority"].get(c.priority, c.priority),
                "state": c.state,
                "state_label": labels["state"].get(c.state, c.state),
                "assignee": c.assignee.full_name if c.assignee_id else "—",
                "received": local_datetime(c.received_at),
                "due": local_datetime(c.resolve_due_at),
                "tone": sla["tone"],
                "sla": str(sla["label"]),
            }
        )
    return rows


@login_required
def complaint_create(request: HttpRequest) -> HttpResponse:
    _forbid("complaints.view_queue", request)
    if request.user.role == Role.RISK_REVIEWER:
        raise PermissionDenied(_("Risk reviewers have read-only access to complaints."))
    clients = _client_choices(request.user)
    form = StaffComplaintForm(
        request.POST or None,
        request.FILES or None,
        clients=clients,
        initial={"client": request.GET.get("client")},
    )
    return form_page(
        request,
        form=form,
        perform=lambda d: services.complaint_file(
            actor=request.user,
            client=d["client"],
            channel=d["channel"],
            category=d["category"],
            priority=d["priority"],
            subject=d["subject"],
            description=d["description"],
            received_at=d.get("received_at"),
            attachments=_files(request),
        ),
        success=lambda complaint: _("Complaint %(n)s logged.") % {"n": complaint.number},
        then=lambda complaint: reverse("complaints:detail", args=[complaint.pk]),
        template="complaints/create.html",
    )


@login_required
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _get_or_404(selectors.complaint_get_for_staff, user=request.user, pk=pk)
    _forbid("complaints.view_complaint", request, complaint)
    can_act = can(request.user, "complaints.act_on_complaint", complaint)
    staff = selectors.assignable_staff()
    ctx = {
        "complaint": complaint,
        "sla": complaint.sla_status(),
        "timeline": selectors.complaint_timeline(complaint=complaint, include_internal=True),
        "attachments": selectors.complaint_attachments(complaint=complaint, include_internal=True),
        "escalations": complaint.escalations.all(),
        "sms_messages": list(complaint.sent_sms.order_by("created_at", "id")),
        "can_act": can_act,
        "actions": [
            (a, ACTION_LABELS.get(a, a)) for a in services.allowed_actions(complaint) if a != "resolve"
        ]
        if can_act
        else [],
        "can_resolve": can_act and complaint.state == State.INVESTIGATING,
        "reply_form": ReplyForm(),
        "reassign_form": ReassignForm(staff=staff, initial={"assignee": complaint.assignee_id}),
        "priority_form": PriorityForm(initial={"priority": complaint.priority}),
        "resolution_form": ResolutionForm(
            initial={
                "compensation_currency": complaint.compensation_currency,
                "root_cause": complaint.root_cause,
            }
        ),
        "can_violate": can(request.user, "complaints.manage_violation"),
        "violation_form": ViolationOpenForm(
            staff=staff, initial={"staff_member": complaint.client.advisor_id}
        ),
        "violations": complaint.violation_cases.all()
        if can(request.user, "complaints.view_violation")
        else [],
        "survey": getattr(complaint, "survey", None) if hasattr(complaint, "survey") else None,
    }
    return render(request, "complaints/detail.html", ctx)


def _staff_post(request: HttpRequest, pk: int):
    complaint = _get_or_404(selectors.complaint_get_for_staff, user=request.user, pk=pk)
    return complaint


@login_required
@require_POST
def complaint_action(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _staff_post(request, pk)
    return post_action(
        request,
        form=TransitionForm(request.POST),
        perform=lambda d: services.complaint_act(
            complaint=complaint,
            actor=request.user,
            action=d["action"],
            note=d["note"],
            internal=d["internal"],
        ),
        success=_("Done."),
        back=reverse("complaints:detail", args=[pk]),
    )


@login_required
@require_POST
def complaint_reply_view(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _staff_post(request, pk)
    return post_action(
        request,
        form=ReplyForm(request.POST, request.FILES),
        perform=lambda d: services.complaint_reply(
            complaint=complaint,
            actor=request.user,
            body=d["body"],
            internal=d["internal"],
            attachments=_files(request),
        ),
        success=_("Saved."),
        invalid=_("Write a message."),
        back=reverse("complaints:detail", args=[pk]),
    )


@login_required
@require_POST
def complaint_reassign_view(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _staff_post(request, pk)
    return post_action(
        request,
        form=ReassignForm(request.POST, staff=selectors.assignable_staff()),
        perform=lambda d: services.complaint_reassign(
            complaint=complaint, actor=request.user, assignee=d["assignee"], note=d["note"]
        ),
        success=_("Reassigned."),
        back=reverse("complaints:detail", args=[pk]),
    )


@login_required
@require_POST
def complaint_priority_view(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _staff_post(request, pk)
    return post_action(
        request,
        form=PriorityForm(request.POST),
        perform=lambda d: services.complaint_change_sla(
            complaint=complaint, actor=request.user, priority=d["priority"], note=d["note"]
        ),
        success=_("Priority changed; deadlines recomputed."),
        back=reverse("complaints:detail", args=[pk]),
    )


@login_required
@require_POST
def complaint_resolve_view(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _staff_post(request, pk)
    return post_action(
        request,
        form=ResolutionForm(request.POST),
        perform=lambda d: services.complaint_resolve(
            complaint=complaint,
            actor=request.user,
            root_cause=d["root_cause"],
            resolution_answer=d["resolution_answer"],
            remedy_apology=d["remedy_apology"],
            compensation_amount=d.get("compensation_amount"),
            compensation_currency=d["compensation_currency"],
        ),
        success=_("Resolved; the answer was sent to the client."),
        invalid=_("Fill in the root cause and the answer to the client."),
        back=reverse("complaints:detail", args=[pk]),
    )


# -- violation cases -----------------------------------------------------------------------
def violation_rows(*, user, params):
    """The violation cases as the list's query string filters them (the page and its export)."""
    return selectors.violation_cases(user=user, stage=params.get("stage") or None)


@login_required
def violation_list(request: HttpRequest) -> HttpResponse:
    _forbid("complaints.view_violation", request)
    qs = violation_rows(user=request.user, params=request.GET)
    page = paginate(request, qs, PAGE_SIZE)
    return render(request, "complaints/violation_list.html", {"page": page})


@login_required
@require_POST
def violation_open_view(request: HttpRequest, pk: int) -> HttpResponse:
    _forbid("complaints.manage_violation", request)
    complaint = _staff_post(request, pk)
    return post_action(
        request,
        form=ViolationOpenForm(request.POST, staff=selectors.assignable_staff()),
        perform=lambda d: services.violation_open(
            complaint=complaint, actor=request.user, staff_member=d["staff_member"], summary=d["summary"]
        ),
        invalid=_("Choose the staff member and describe the misconduct."),
        back=reverse("complaints:detail", args=[pk]),
        then=lambda case: reverse("complaints:violation_detail", args=[case.pk]),
    )


@login_required
def violation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _forbid("complaints.view_violation", request)
    case = _get_or_404(selectors.violation_get, user=request.user, pk=pk)
    staff = selectors.assignable_staff()
    if request.method == "POST":
        op = request.POST.get("op")
        try:
            if op == "update":
                form = ViolationUpdateForm(request.POST, guarded=case)
                if form.is_valid():
                    fields = {k: v for k, v in form.cleaned_data.items() if v not in ("", None)}
                    try:
                        services.violation_update(case=case, actor=request.user, edits=form.edits(), **fields)
                    except EditConflict as exc:  # the page again, with the colleague's notes beside
                        form_show_refusal(form, exc)
                        case = _get_or_404(selectors.violation_get, user=request.user, pk=pk)
                        return _violation_page(request, case, staff, update_form=form)
            elif op == "advance":
                services.violation_advance(case=case, actor=request.user, note=request.POST.get("note", ""))
            elif op == "measure":
                form = MeasureForm(request.POST, staff=staff)
                if form.is_valid():
                    services.measure_add(case=case, actor=request.user, **form.cleaned_data)
                else:
                    messages.error(request, _("A measure needs a description, an owner and a due date."))
            elif op == "measure_status":
                measure = RectificationMeasure.objects.filter(
                    case=case, pk=request.POST.get("measure")
                ).first()
                form = MeasureStatusForm(request.POST)
                if measure and form.is_valid():
                    services.measure_set_status(
                        measure=measure, actor=request.user, status=form.cleaned_data["status"]
                    )
            elif op in CONDUCT_OPS:
                form = CONDUCT_OPS[op][0](request.POST)
                if not form.is_valid():
                    raise DomainError(
                        "; ".join(
                            f"{form.fields[f].label if f in form.fields else ''}: {e[0]}"
                            for f, e in form.errors.items()
                        )
                    )
                CONDUCT_OPS[op][1](case=case, actor=request.user, **form.cleaned_data)
            messages.success(request, _("Saved."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("complaints:violation_detail", pk=pk)
    return _violation_page(request, case, staff)


def _violation_page(request: HttpRequest, case, staff, update_form=None) -> HttpResponse:
    ctx = {
        "case": case,
        "measures": case.measures.select_related("owner"),
        "update_form": update_form
        or ViolationUpdateForm(
            initial={f: getattr(case, f) for f in ViolationUpdateForm.base_fields}, guarded=case
        ),
        "measure_form": MeasureForm(staff=staff),
        "measure_statuses": MeasureStatusForm.base_fields["status"].choices,
        "sanctions": case.sanctions.select_related("decided_by", "restriction"),
        "sanction_form": SanctionForm(),
        "severity_form": SeverityForm(initial={"severity": case.severity}),
        "regulator_form": RegulatorReportForm(
            initial={"reported_on": case.regulator_reported_on, "reference": case.regulator_reference}
        ),
        "feedback_form": FeedbackForm(
            initial={"message": case.client_feedback_text, "language": case.client.preferred_language}
        ),
        "letters": ArchivedDocument.objects.filter(
            kind=violations.LETTER_KIND, subject_type="complaints.violationcase", subject_id=str(case.pk)
        ).order_by("-version")[:5],
        "today": today(),
    }
    return render(request, "complaints/violation_detail.html", ctx)


# op -> (form, service) for the accountability, regulator and feedback forms of a violation case.
CONDUCT_OPS = {
    "sanction": (SanctionForm, violations.sanction_add),
    "severity": (SeverityForm, violations.violation_set_severity),
    "regulator": (RegulatorReportForm, violations.regulator_report_record),
    "feedback": (FeedbackForm, violations.violation_feedback_send),
}


@login_required
def digest_list(request: HttpRequest) -> HttpResponse:
    _forbid("complaints.view_digest", request)
    page = paginate(request, violations.digest_list(user=request.user), PAGE_SIZE)
    return render(request, "complaints/digest_list.html", {"page": page})


@login_required
def digest_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _forbid("complaints.view_digest", request)
    digest = get_object_or_404(violations.digest_list(user=request.user), pk=pk)
    if request.method == "POST":
        violations.digest_mark_read(digest=digest, reader=request.user)
        messages.success(request, _("Thank you: your reading is recorded."))
        return redirect("complaints:digest_detail", pk=pk)
    readers = unread = None
    if can(request.user, "complaints.view_digest_readers"):
        readers, unread = violations.digest_readers(digest=digest)
    return render(
        request,
        "complaints/digest_detail.html",
        {"digest": digest, "readers": readers, "unread": unread, "has_read": digest.read_by_me > 0},
    )


# -- portal ----------------------------------------------------------------------------------
@login_required
def portal_list(request: HttpRequest) -> HttpResponse:
    _forbid("complaints.create_portal_complaint", request)
    page = paginate(request, selectors.complaint_list_for_client(user=request.user), PAGE_SIZE)
    rows = [(c, c.sla_status()) for c in page.object_list]
    return render(request, "complaints/portal_list.html", {"page": page, "rows": rows})


@login_required
def portal_create(request: HttpRequest) -> HttpResponse:
    _forbid("complaints.create_portal_complaint", request)
    client = getattr(request.user, "client_file", None)
    form = PortalComplaintForm(request.POST or None, request.FILES or None)
    if client is None:
        messages.error(request, _("Your client file is not set up yet; please call your advisor."))
        return render(request, "complaints/portal_create.html", {"form": form})
    return form_page(
        request,
        form=form,
        perform=lambda d: services.complaint_file(
            actor=request.user,
            client=client,
            channel="portal",
            category=d["category"],
            subject=d["subject"],
            description=d["description"],
            attachments=_files(request),
        ),
        success=lambda complaint: (
            _("Thank you. Your complaint %(n)s was received.") % {"n": complaint.number}
        ),
        then=lambda complaint: reverse("complaints_portal:detail", args=[complaint.pk]),
        template="complaints/portal_create.html",
    )


@login_required
def portal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _get_or_404(selectors.complaint_get_for_client, user=request.user, pk=pk)
    survey = getattr(complaint, "survey", None) if hasattr(complaint, "survey") else None
    ctx = {
        "complaint": complaint,
        "sla": complaint.sla_status(),
        "timeline": selectors.complaint_timeline(complaint=complaint, include_internal=False),
        "attachments": selectors.complaint_attachments(complaint=complaint, include_internal=False),
        "reply_form": ClientReplyForm(),
        "can_reply": complaint.state != State.CLOSED,
        "can_confirm": complaint.state == State.RESOLVED,
        "survey": survey,
        "survey_form": SurveyForm() if survey and not survey.answered_at else None,
        "letters": violations.outcome_letters(complaint=complaint),
    }
    return render(request, "complaints/portal_detail.html", ctx)


@login_required
def portal_letter_download(request: HttpRequest, pk: int, document_id: int) -> HttpResponse:
    """The client downloads the outcome letter of their own complaint (a 404 for anyone else)."""
    from django.http import FileResponse

    complaint = _get_or_404(selectors.complaint_get_for_client, user=request.user, pk=pk)
    document = get_object_or_404(violations.outcome_letters(complaint=complaint), pk=document_id)
    violations.outcome_letter_download_log(document=document, actor=request.user)
    return FileResponse(
        document.file.open("rb"), as_attachment=True, filename=document.file.name.rsplit("/", 1)[-1]
    )


@login_required
@require_POST
def portal_reply(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _get_or_404(selectors.complaint_get_for_client, user=request.user, pk=pk)
    return post_action(
        request,
        form=ClientReplyForm(request.POST, request.FILES),
        perform=lambda d: services.complaint_reply(
            complaint=complaint, actor=request.user, body=d["body"], attachments=_files(request)
        ),
        success=_("Your reply was sent."),
        invalid=_("Write a message."),
        back=reverse("complaints_portal:detail", args=[pk]),
    )


@login_required
@require_POST
def portal_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _get_or_404(selectors.complaint_get_for_client, user=request.user, pk=pk)
    return post_action(
        request,
        perform=lambda d: services.complaint_transition(
            complaint=complaint,
            actor=request.user,
            to_state=State.CLOSED,
            note=text("event.client_confirmed_resolution"),
        ),
        success=_("Thank you for confirming. Please tell us how we did."),
        back=reverse("complaints_portal:detail", args=[pk]),
    )


@login_required
@require_POST
def portal_survey(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _get_or_404(selectors.complaint_get_for_client, user=request.user, pk=pk)
    survey = getattr(complaint, "survey", None) if hasattr(complaint, "survey") else None
    if survey is None:
        messages.error(request, _("There is no survey for this complaint yet."))
        return redirect("complaints_portal:detail", pk=pk)
    return post_action(
        request,
        form=SurveyForm(request.POST),
        perform=lambda d: services.survey_answer(survey=survey, actor=request.user, **d),
        success=_("Thank you for your feedback."),
        invalid=_("Choose both scores."),
        back=reverse("complaints_portal:detail", args=[pk]),
    )
