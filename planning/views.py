"""Workspace and portal screens for plans and proposals (thin: parse, call a service or selector,
render)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from advisory.documents import document_language
from advisory.editing import EditConflict
from advisory.errors import DomainError
from advisory.files import file_response
from advisory.forms import form_add_domain_error
from advisory.models import DocumentStatus
from advisory.pagination import paginate
from advisory.rules import can
from advisory.views_actions import form_page, form_show_refusal, post_action

from . import selectors, services
from .documents import REPORT_TITLES, proposal_context
from .forms import (
    DecisionForm,
    GoalForm,
    HoldingsEntryForm,
    HoldingsImportForm,
    LineFormSet,
    ProposalForm,
    ReasonForm,
    ReviewForm,
    SnapshotForm,
    lines_state,
)
from .models import ASSET_CLASS_CHOICES, ProposalStatus

PAGE_SIZE = 25


def _require(request: HttpRequest, perm: str, obj=None) -> None:
    if not can(request.user, perm, obj):
        raise PermissionDenied(_("You may not do this."))


# --- proposals --------------------------------------------------------------------------------

TAB_LABELS = {
    "mine": gettext_lazy("My proposals"),
    "returned": gettext_lazy("Returned to me"),
    "awaiting_review": gettext_lazy("Awaiting my review"),
    "awaiting_compliance": gettext_lazy("Awaiting compliance"),
    "issued": gettext_lazy("Approved / issued"),
    "closed": gettext_lazy("Closed"),
    "all": gettext_lazy("All"),
}


def _tabs_for(user) -> list[str]:
    if user.is_advisor:
        return ["mine", "returned", "issued", "closed", "all"]
    if user.role == "risk_reviewer":
        return ["awaiting_review", "awaiting_compliance", "issued", "all"]
    if user.role == "compliance":
        return ["awaiting_compliance", "awaiting_review", "issued", "closed", "all"]
    return ["awaiting_review", "awaiting_compliance", "issued", "closed", "all"]


def proposal_rows(*, user, params):
    """The proposal list as its query string filters it (tab, search, status, sort): the page and
    its export read the same rows."""
    return selectors.proposal_list(
        user=user,
        tab=params.get("tab") or selectors.default_tab(user),
        search=(params.get("q") or "").strip(),
        sort=params.get("sort") or "",
        status=params.get("status") or "",
    )


def proposal_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    tab = request.GET.get("tab") or selectors.default_tab(user)
    qs = proposal_rows(user=user, params=request.GET)
    page = paginate(request, qs, PAGE_SIZE)
    return render(
        request,
        "planning/proposal_list.html",
        {
            "page": page,
            "tab": tab,
            "tabs": [(t, TAB_LABELS[t]) for t in _tabs_for(user)],
            "statuses": ProposalStatus.choices,
            "can_add": can(user, "planning.add_proposal"),
        },
    )


def _lines_from_formset(formset) -> list[tuple]:
    return [
        (f.cleaned_data["product"], f.cleaned_data["amount"])
        for f in formset.forms
        if f.cleaned_data and f.cleaned_data.get("product") and not f.cleaned_data.get("DELETE")
    ]


def proposal_create(request: HttpRequest, client_id: int) -> HttpResponse:
    client = selectors.client_get(user=request.user, pk=client_id)
    _require(request, "planning.change_plan", client)
    form = ProposalForm(request.POST if request.method == "POST" else None, client=client)
    formset = LineFormSet(request.POST if request.method == "POST" else None, prefix="lines")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "goals"}
        try:
            proposal = services.proposal_create(
                client=client,
                actor=request.user,
                lines=_lines_from_formset(formset),
                goals=form.cleaned_data["goals"],
                **data,
            )
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Proposal %(n)s saved; checks ran.") % {"n": proposal.number})
            return redirect("planning:proposal_detail", pk=proposal.pk)
    rows = [(f, None) for f in formset.forms]
    # Say up front when the client may not get a new proposal, instead of after the form is filled.
    profile = services._risk_profile(client)
    blocked = None
    if profile is not None and profile.needs_reassessment:
        blocked = {
            "message": _(
                "The client's risk profile needs re-assessment (%(r)s): new proposals are blocked until "
                "the client is re-assessed."
            )
            % {"r": profile.reassessment_reason or _("significant change")},
            "can_reassess": can(request.user, "risk.administer_assessment", client),
        }
    return render(
        request,
        "planning/proposal_form.html",
        {
            "form": form,
            "formset": formset,
            "client": client,
            "proposal": None,
            "rows": rows,
            "blocked": blocked,
        },
    )


def _line_initial(proposal) -> list[dict]:
    return [
        {"product": line.product, "amount": line.amount}
        for line in selectors.proposal_lines(proposal=proposal)
    ]


def proposal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_get(user=request.user, pk=pk)
    _require(request, "planning.change_proposal", proposal)
    initial_lines = _line_initial(proposal)
    form = ProposalForm(
        request.POST if request.method == "POST" else None, instance=proposal, client=proposal.client
    )
    formset = LineFormSet(
        request.POST if request.method == "POST" else None, prefix="lines", initial=initial_lines
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "goals"}
        lines = _lines_from_formset(formset)
        form.posted_extra = {"lines": lines_state(lines)}
        try:
            services.proposal_update(
                proposal=proposal,
                actor=request.user,
                lines=lines,
                goals=form.cleaned_data["goals"],
                edits=form.edits(),
                **data,
            )
        except EditConflict as exc:
            lines_kept = "lines" in form.changed_by_person()  # before the form shows the current record
            form_show_refusal(form, exc)
            if not lines_kept:  # the lines as they are now, not the page's older ones
                formset = LineFormSet(prefix="lines", initial=_line_initial(proposal))
        except DomainError as exc:
            form_show_refusal(form, exc)
        else:
            messages.success(request, _("Saved; checks ran again."))
            return redirect("planning:proposal_detail", pk=proposal.pk)
    checks = proposal.checks or {}
    line_checks = checks.get("lines", [])
    rows = [(f, line_checks[i] if i < len(line_checks) else None) for i, f in enumerate(formset.forms)]
    context = proposal_context(proposal)
    context.update({"form": form, "formset": formset, "client": proposal.client, "rows": rows})
    return render(request, "planning/proposal_form.html", context)


RECHECK_LABELS = {
    "profile": gettext_lazy("Risk profile"),
    "suitability": gettext_lazy("Suitability"),
    "concentration": gettext_lazy("Concentration"),
}


def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_get(user=request.user, pk=pk)
    context = proposal_context(proposal)
    context.update(
        {
            "actions": services.allowed_actions(proposal=proposal, user=request.user),
            "restriction_notices": services.restriction_notices(proposal=proposal, user=request.user),
            "timeline": selectors.proposal_timeline(proposal=proposal),
            "documents": list(selectors.document_list(user=request.user, subject=proposal)[:20]),
            "document_kinds": REPORT_TITLES.items(),
            "can_edit": can(request.user, "planning.change_proposal", proposal),
            "recheck": [
                (RECHECK_LABELS.get(kind, kind), [services.finding_text(f) for f in rows])
                for kind, rows in (proposal.monitor or {}).items()
                if rows
            ],
        }
    )
    return render(request, "planning/proposal_detail.html", context)


def proposal_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    proposal = selectors.proposal_get(user=request.user, pk=pk)
    transition = services.TRANSITIONS.get(action)
    if transition is None or action in ("accept", "decline"):
        raise Http404
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_transition(
                proposal=proposal, action=action, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            if exc.status_code == 403:
                raise PermissionDenied(exc.message) from exc
            form_add_domain_error(form, exc)
            status = exc.status_code
            return render(
                request,
                "planning/transition_form.html",
                {"form": form, "proposal": proposal, "transition": transition},
                status=status,
            )
        messages.success(request, _("%(p)s: %(a)s done.") % {"p": proposal.number, "a": transition.label})
        return redirect("planning:proposal_detail", pk=proposal.pk)
    return render(
        request,
        "planning/transition_form.html",
        {"form": form, "proposal": proposal, "transition": transition},
    )


@require_POST
def proposal_document_request(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_get(user=request.user, pk=pk)
    return post_action(
        request,
        perform=lambda d: services.proposal_document_request(
            proposal=proposal,
            kind=request.POST.get("kind", ""),
            actor=request.user,
            language=document_language(
                request.POST.get("pdf_language"), default=proposal.client.preferred_language
            ),
        ),
        success=_("The report is being generated."),
        back=reverse("planning:proposal_detail", args=[proposal.pk]),
    )


def document_status(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx partial polled every second until the document is ready or failed."""
    document = selectors.document_get(user=request.user, pk=pk)
    portal = request.user.is_client
    # Polled by htmx: once ready, the hash cell of the row is swapped in too (out of band).
    return render(
        request, "planning/_document_status.html", {"doc": document, "portal": portal, "oob": request.htmx}
    )


def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_get(user=request.user, pk=pk)
    if document.status != DocumentStatus.READY or not document.file:
        raise Http404
    services.document_download_log(document=document, actor=request.user)
    return file_response(document.file, filename=document.download_name, content_type="application/pdf")


# --- client plan: snapshots and goals ---------------------------------------------------------


def client_plan(request: HttpRequest, client_id: int) -> HttpResponse:
    client = selectors.client_get(user=request.user, pk=client_id)
    _require(request, "planning.view_plan", client)
    snapshots = list(selectors.snapshot_list(client=client)[:12])
    latest = snapshots[0] if snapshots else None
    return render(
        request,
        "planning/client_plan.html",
        {
            "client": client,
            "snapshots": snapshots,
            "latest": latest,
            "figures": services.snapshot_figures(snapshot=latest) if latest else None,
            "goals": list(selectors.goal_list(client=client)),
            "proposals": list(selectors.proposal_list(user=request.user, client_id=client.pk)[:20]),
            "can_edit": can(request.user, "planning.change_plan", client),
        },
    )


def snapshot_create(request: HttpRequest, client_id: int) -> HttpResponse:
    client = selectors.client_get(user=request.user, pk=client_id)
    _require(request, "planning.change_plan", client)
    latest = selectors.snapshot_list(client=client).first()
    initial = (
        {f: getattr(latest, f) for f in services.SNAPSHOT_FIELDS if f not in ("as_of", "notes")}
        if latest
        else {}
    )
    return form_page(
        request,
        form=SnapshotForm(request.POST if request.method == "POST" else None, initial=initial),
        perform=lambda d: services.snapshot_create(client=client, actor=request.user, data=d),
        success=_("Snapshot recorded."),
        then=reverse("planning:client_plan", kwargs={"client_id": client.pk}),
        template="planning/simple_form.html",
        context={"client": client, "title": _("New financial snapshot")},
    )


def goal_edit(request: HttpRequest, client_id: int, pk: int | None = None) -> HttpResponse:
    client = selectors.client_get(user=request.user, pk=client_id)
    _require(request, "planning.change_plan", client)
    goal = None
    if pk is not None:
        goal = selectors.goal_list(client=client).filter(pk=pk).first()
        if goal is None:
            raise Http404
    form = GoalForm(request.POST if request.method == "POST" else None, instance=goal)
    return form_page(
        request,
        form=form,
        perform=lambda d: services.goal_save(
            client=client, actor=request.user, data=d, goal=goal, edits=form.edits()
        ),
        success=_("Goal saved."),
        then=reverse("planning:client_plan", kwargs={"client_id": client.pk}),
        template="planning/simple_form.html",
        context={"client": client, "title": _("Goal") if goal else _("New goal")},
    )


def model_portfolio_list(request: HttpRequest) -> HttpResponse:
    _require(request, "planning.view_model_portfolio")
    return render(
        request, "planning/model_portfolio_list.html", {"portfolios": list(selectors.model_portfolio_list())}
    )


# --- reviews ----------------------------------------------------------------------------------


def review_rows(*, user, params):
    """The periodic reviews as the list's query string filters them (the page and its export)."""
    return selectors.review_list(
        user=user,
        status=params.get("status") or "",
        due=params.get("due") or "",
        search=(params.get("q") or "").strip(),
    )


def review_list(request: HttpRequest) -> HttpResponse:
    qs = review_rows(user=request.user, params=request.GET)
    page = paginate(request, qs, PAGE_SIZE)
    from advisory.clock import today

    return render(request, "planning/review_list.html", {"page": page, "today": today()})


def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.review_get(user=request.user, pk=pk)
    can_record = review.status == "open" and can(request.user, "planning.record_review", review.client)
    initial = services.review_current_values_default(review=review) if review.status == "open" else {}
    form = (
        ReviewForm(request.POST if request.method == "POST" else None, initial_values=initial)
        if can_record
        else None
    )
    preview = None
    if form is not None:
        if request.method == "POST" and form.is_valid():
            try:
                services.review_record(
                    review=review,
                    actor=request.user,
                    current_values=form.current_values(),
                    outcome=form.cleaned_data["outcome"],
                )
            except DomainError as exc:
                form_add_domain_error(form, exc)
            else:
                messages.success(request, _("Review recorded."))
                return redirect("planning:review_detail", pk=review.pk)
        drift, largest, rebalance = services.review_drift(review=review, current_values=initial)
        preview = {"drift": drift, "max_drift": largest, "rebalance": rebalance}
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request, "planning/review_detail.html", {"review": review, "form": form, "preview": preview}
    )


# --- portal -----------------------------------------------------------------------------------


def portal_proposal_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.proposal_list(user=request.user, sort=request.GET.get("sort", ""))
    page = paginate(request, qs, PAGE_SIZE)
    return render(request, "planning/portal/proposal_list.html", {"page": page})


def portal_proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_get(user=request.user, pk=pk)
    _require(request, "planning.view_proposal", proposal)
    action = request.POST.get("action")
    if request.method == "POST" and action not in ("accept", "decline"):
        raise Http404

    def page() -> dict:
        from .documents import RISK_DISCLOSURE

        return proposal_context(proposal) | {
            "can_decide": can(request.user, "planning.decide_proposal", proposal),
            "documents": list(selectors.document_list(user=request.user, subject=proposal)[:10]),
            "document_kinds": REPORT_TITLES.items(),
            "risk_disclosure": RISK_DISCLOSURE,
        }

    return form_page(
        request,
        form=DecisionForm(request.POST if request.method == "POST" else None),
        perform=lambda d: services.proposal_transition(
            proposal=proposal,
            action=action,
            actor=request.user,
            reason=d["reason"],
            disclosure_acknowledged=d["disclosure_acknowledged"],
        ),
        success=_("Thank you: your decision is recorded."),
        then=reverse("planning_portal:proposal_detail", args=[proposal.pk]),
        template="planning/portal/proposal_detail.html",
        context=page,
        refusal_403=True,
    )


@require_POST
def portal_document_request(request: HttpRequest, pk: int) -> HttpResponse:
    """A client asks for a report of one of their own issued or decided proposals; the page then
    shows its progress until the download is ready."""
    proposal = selectors.proposal_get(user=request.user, pk=pk)
    return post_action(
        request,
        perform=lambda d: services.proposal_document_request(
            proposal=proposal,
            kind=request.POST.get("kind", ""),
            actor=request.user,
            language=document_language(
                request.POST.get("pdf_language"), default=proposal.client.preferred_language
            ),
        ),
        success=_("Your report is being prepared; it will be ready to download in a moment."),
        back=reverse("planning_portal:proposal_detail", args=[proposal.pk]),
    )


def portal_documents(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.document_list(user=request.user), PAGE_SIZE)
    return render(request, "planning/portal/documents.html", {"page": page})


# --- holdings (issue 14) -------------------------------------------------------------------------


def plan_holdings(request: HttpRequest, pk: int) -> HttpResponse:
    """The accepted plan's holdings: entered by asset class, or imported from a custodian CSV with
    a dry-run preview that lists each row's errors; nothing is written until confirmed."""
    from advisory.clock import today

    plan = selectors.proposal_get(user=request.user, pk=pk)
    _require(request, "planning.view_holdings", plan.client)
    can_record = can(request.user, "planning.record_holdings", plan.client) and plan.status == "accepted"
    entry = HoldingsEntryForm(
        request.POST if request.method == "POST" and "entry" in request.POST else None,
        initial={"as_of": today()},
    )
    upload = HoldingsImportForm(
        request.POST if request.method == "POST" and "import" in request.POST else None,
        request.FILES or None,
    )
    preview = confirm_form = None
    if request.method == "POST":
        if not can_record:
            raise PermissionDenied(_("You may not do this."))
        if "entry" in request.POST and entry.is_valid():
            try:
                services.holdings_record(
                    plan=plan, actor=request.user, as_of=entry.cleaned_data["as_of"], values=entry.values()
                )
            except DomainError as exc:
                form_add_domain_error(entry, exc)
            else:
                messages.success(request, _("Holdings recorded."))
                return redirect("planning:plan_holdings", pk=plan.pk)
        elif "import" in request.POST and upload.is_valid():
            confirm = bool(upload.cleaned_data.get("confirm"))
            try:
                preview = services.holdings_import(
                    plan=plan, actor=request.user, content=upload.cleaned_data["content"], dry_run=not confirm
                )
            except DomainError as exc:
                form_add_domain_error(upload, exc)
            else:
                if confirm:
                    messages.success(request, _("%(n)s holdings imported.") % {"n": len(preview.rows)})
                    return redirect("planning:plan_holdings", pk=plan.pk)
                if preview.ok:
                    confirm_form = HoldingsImportForm(
                        initial={"content": upload.cleaned_data["content"], "confirm": True}
                    )
                upload = HoldingsImportForm()
    page = paginate(request, selectors.holding_list(user=request.user, plan=plan), PAGE_SIZE)
    as_of, latest = services.plan_latest_holdings(plan=plan)
    allocation = services.plan_allocation(plan=plan)
    return render(
        request,
        "planning/holdings.html",
        {
            "plan": plan,
            "page": page,
            "entry": entry,
            "upload": upload,
            "preview": preview,
            "confirm_form": confirm_form,
            "can_record": can_record,
            "latest_as_of": as_of,
            "latest": [
                (code, label, latest.get(code), allocation.get(code)) for code, label in ASSET_CLASS_CHOICES
            ],
            "columns": services.CSV_COLUMNS,
        },
    )
