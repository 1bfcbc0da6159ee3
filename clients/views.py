"""Workspace and portal screens for client files and onboarding (thin: parse, call, render)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from advisory.errors import DomainError, NotAllowed
from advisory.forms import form_add_domain_error
from advisory.pagination import paginate
from advisory.views_actions import form_page, post_action

from . import selectors, services
from .forms import (
    AgreementForm,
    BackdateDecisionForm,
    ClientForm,
    ConsentForm,
    DocumentForm,
    EndRelationshipForm,
    OnboardingStartForm,
    ReassignForm,
    RelatedPartyForm,
    SpecialFlagForm,
    TransitionForm,
)
from .models import (
    BusinessType,
    ClientKind,
    ClientStatus,
    ConsentKind,
    OnboardingStep,
    WealthTier,
)
from .rules import can
from .sections import client_sections

PAGE_SIZE = 50


def _check(request: HttpRequest, perm: str, obj=None) -> None:
    if not can(request.user, perm, obj):
        raise PermissionDenied(_("You are not allowed to do this."))


def _with_labels(clients: list) -> list:
    """Resolve choice labels once per page: get_FOO_display() rebuilds the lazy choice dict on
    every call, which dominated the render time of a 50-row page."""
    labels = {
        "kind": {k: str(v) for k, v in ClientKind.choices},
        "status": {k: str(v) for k, v in ClientStatus.choices},
        "wealth_tier": {k: str(v) for k, v in WealthTier.choices},
    }
    detail_url = reverse("clients:detail", args=[999999999]).replace("999999999", "{}")
    for client in clients:
        client.detail_url = detail_url.format(client.pk)
        client.kind_label = labels["kind"].get(client.kind, client.kind)
        client.status_label = labels["status"].get(client.status, client.status)
        client.tier_label = labels["wealth_tier"].get(client.wealth_tier, "")
    return clients


# -- clients --------------------------------------------------------------------------------------
def client_rows(*, user, params) -> QuerySet:
    """The client list as filtered and sorted by its query string (the page and its export)."""
    g = params
    return selectors.client_list(
        user=user,
        search=g.get("q"),
        status=g.get("status"),
        kind=g.get("kind"),
        tier=g.get("tier"),
        advisor_id=g.get("advisor") if (g.get("advisor") or "").isdigit() else None,
        sort=g.get("sort"),
    )


@login_required
def client_list(request: HttpRequest) -> HttpResponse:
    _check(request, "clients.list_clients")
    g = request.GET
    qs = client_rows(user=request.user, params=g)
    page = paginate(request, qs, PAGE_SIZE)
    clients = _with_labels(list(page.object_list))
    return render(
        request,
        "clients/list.html",
        {
            "page": page,
            "clients": clients,
            "statuses": ClientStatus.choices,
            "kinds": ClientKind.choices,
            "tiers": WealthTier.choices,
            "advisors": selectors.advisor_choices() if request.user.is_oversight else None,
            "can_add": can(request.user, "clients.add_client"),
            "filtered": any(g.get(k) for k in ("q", "status", "kind", "tier", "advisor")),
        },
    )


@login_required
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    client = selectors.client_get(user=request.user, pk=pk)
    user = request.user
    cases = list(client.onboarding_cases.all())
    return render(
        request,
        "clients/detail.html",
        {
            "client": client,
            "consents": services.current_consents(client),
            "consent_kinds": ConsentKind,
            "agreements": list(client.agreements.all()),
            "documents": list(client.documents.all()),
            "related_parties": list(client.related_parties.all()),
            "household_members": [m for m in client.household.members.all() if m.pk != client.pk]
            if client.household
            else [],
            "cases": cases,
            "current_case": cases[0] if cases else None,
            "sections": client_sections(client=client, user=user),
            "can_change": can(user, "clients.change_client", client),
            "can_reassign": can(user, "clients.reassign_client", client),
            "can_reveal": can(user, "clients.reveal_client", client),
            "can_decide_backdate": client.backdate_requested_on is not None
            and can(user, "clients.approve_backdate", client)
            and client.backdate_requested_by_id != user.pk,
            "backdate_form": BackdateDecisionForm(),
            "can_start": can(user, "clients.start_onboarding", client) and not any(c.is_open for c in cases),
            "revealable": services.REVEALABLE,
            "consent_form": ConsentForm(),
            "document_form": DocumentForm(),
            "party_form": RelatedPartyForm(),
        },
    )


@login_required
def client_create(request: HttpRequest) -> HttpResponse:
    _check(request, "clients.add_client")
    form = ClientForm(request.POST if request.method == "POST" else None)
    return form_page(
        request,
        form=form,
        perform=lambda d: services.client_create(actor=request.user, data=form.changes()),
        success=lambda client: _("Client file %(file)s opened.") % {"file": client.file_number},
        then=lambda client: reverse("clients:detail", args=[client.pk]),
        template="clients/form.html",
        context={"title": _("New client"), "multipart": False},
    )


@login_required
def client_edit(request: HttpRequest, pk: int) -> HttpResponse:
    client = selectors.client_get(user=request.user, pk=pk)
    _check(request, "clients.change_client", client)
    form = ClientForm(
        request.POST if request.method == "POST" else None,
        client=client,
        initial=ClientForm.initial_for(client),
    )
    return form_page(
        request,
        form=form,
        perform=lambda d: services.client_update(
            client=client, actor=request.user, data=form.changes(), edits=form.edits()
        ),
        success=_("Client file saved."),
        then=reverse("clients:detail", args=[client.pk]),
        template="clients/form.html",
        context={"title": _("Edit %(c)s") % {"c": client}, "client": client},
    )


@login_required
def client_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    client = selectors.client_get(user=request.user, pk=pk)
    _check(request, "clients.reassign_client", client)
    return form_page(
        request,
        form=ReassignForm(
            request.POST if request.method == "POST" else None,
            advisors=selectors.advisors().exclude(pk=client.advisor_id),
        ),
        perform=lambda d: services.client_reassign(
            client=client, actor=request.user, new_advisor=d["advisor"], reason=d["reason"]
        ),
        success=_("Client re-assigned."),
        then=reverse("clients:detail", args=[client.pk]),
        template="clients/form.html",
        context={"title": _("Re-assign %(c)s") % {"c": client}, "client": client},
    )


@login_required
@require_POST
def client_backdate_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Second person's decision on a backdated end of relationship (SPEC §5)."""
    client = selectors.client_get(user=request.user, pk=pk)
    form = BackdateDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision and give its reason."))
        return redirect("clients:detail", pk=client.pk)
    try:
        services.client_backdate_decide(
            client=client,
            actor=request.user,
            approve=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data["note"],
        )
    except DomainError as exc:
        if isinstance(exc, NotAllowed) and not can(request.user, "clients.approve_backdate", client):
            raise PermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Decision on the backdated end recorded."))
    return redirect("clients:detail", pk=client.pk)


@login_required
def client_end_relationship(request: HttpRequest, pk: int) -> HttpResponse:
    client = selectors.client_get(user=request.user, pk=pk)
    _check(request, "clients.change_client", client)
    return form_page(
        request,
        form=EndRelationshipForm(request.POST if request.method == "POST" else None),
        perform=lambda d: services.client_end_relationship(
            client=client, actor=request.user, reason=d["reason"], ended_on=d["ended_on"]
        ),
        success=_("The relationship has ended; the file is kept for its retention period."),
        then=reverse("clients:detail", args=[client.pk]),
        template="clients/form.html",
        context={"title": _("End the relationship: %(c)s") % {"c": client}, "client": client},
    )


@login_required
@require_POST
def onboarding_flag_special(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.onboarding_case_get(user=request.user, pk=pk)
    form = SpecialFlagForm(request.POST)
    if form.is_valid():
        try:
            services.onboarding_flag_special(
                case=case,
                actor=request.user,
                is_special=form.cleaned_data["is_special"],
                reason=form.cleaned_data["special_reason"],
            )
            messages.success(request, _("Saved."))
        except DomainError as exc:
            if exc.status_code == 403:
                raise PermissionDenied(exc.message)
            messages.error(request, exc.message)
    return redirect("clients:onboarding_detail", pk=case.pk)


@login_required
@require_POST
def client_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    client = selectors.client_get(user=request.user, pk=pk)
    field = request.POST.get("field", "")
    try:
        value = services.client_reveal(client=client, actor=request.user, field=field)
    except DomainError as exc:
        if exc.status_code == 403:
            raise PermissionDenied(exc.message)
        messages.error(request, exc.message)
        return redirect("clients:detail", pk=client.pk)
    context = {"client": client, "field": field, "label": services.REVEALABLE[field], "value": value}
    if getattr(request, "htmx", False):
        return render(request, "clients/_revealed.html", context)
    return render(request, "clients/revealed.html", context)


@login_required
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    client = selectors.client_get(user=request.user, pk=pk)
    _check(request, "clients.change_client", client)
    agreement = next(iter(client.agreements.all()), None)
    initial = {f: getattr(agreement, f) for f in AgreementForm.base_fields} if agreement else {}
    form = AgreementForm(
        request.POST if request.method == "POST" else None, initial=initial, guarded=agreement
    )
    return form_page(
        request,
        form=form,
        perform=lambda d: services.agreement_save(
            client=client, actor=request.user, data=d, agreement=agreement, edits=form.edits()
        ),
        success=_("Service agreement saved."),
        then=reverse("clients:detail", args=[client.pk]),
        template="clients/form.html",
        context={"title": _("Service agreement: %(c)s") % {"c": client}, "client": client},
    )


@login_required
@require_POST
def consent_record(request: HttpRequest, pk: int) -> HttpResponse:
    client = selectors.client_get(user=request.user, pk=pk)
    return post_action(
        request,
        form=ConsentForm(request.POST),
        perform=lambda d: services.consent_record(client=client, actor=request.user, **d),
        success=_("Consent recorded."),
        invalid=_("Choose the consent and how it was given."),
        back=reverse("clients:detail", args=[client.pk]),
        refusal_403=True,
    )


@login_required
@require_POST
def related_party_end(request: HttpRequest, pk: int, party_pk: int) -> HttpResponse:
    client = selectors.client_get(user=request.user, pk=pk)
    party = get_object_or_404(client.related_parties.all(), pk=party_pk)
    return post_action(
        request,
        perform=lambda d: services.related_party_end(
            party=party, actor=request.user, reason=request.POST.get("reason", "")
        ),
        success=_("The relationship is marked as ended."),
        back=reverse("clients:detail", args=[client.pk]),
        refusal_403=True,
    )


@login_required
@require_POST
def related_party_add(request: HttpRequest, pk: int) -> HttpResponse:
    client = selectors.client_get(user=request.user, pk=pk)

    def add(d: dict):
        related = None
        number = d["related_file_number"].strip().upper()
        if number:
            related = selectors.client_list(user=request.user).filter(file_number=number).first()
            if related is None:
                raise DomainError(_("No client file %(n)s in your book.") % {"n": number})
        return services.related_party_add(
            client=client,
            actor=request.user,
            relationship=d["relationship"],
            name=d["name"],
            related_client=related,
            notes=d["notes"],
        )

    return post_action(
        request,
        form=RelatedPartyForm(request.POST),
        perform=add,
        success=_("Related party added."),
        invalid=_("Enter the relationship and name."),
        back=reverse("clients:detail", args=[client.pk]),
        refusal_403=True,
    )


@login_required
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    client = selectors.client_get(user=request.user, pk=pk)
    _check(request, "clients.upload_document", client)
    return form_page(
        request,
        form=DocumentForm(request.POST if request.method == "POST" else None, request.FILES or None),
        perform=lambda d: services.document_upload(
            client=client, actor=request.user, upload=d["file"], kind=d["kind"], title=d["title"]
        ),
        success=_("Document uploaded."),
        then=reverse("clients:detail", args=[client.pk]),
        template="clients/form.html",
        context={"title": _("Upload a document: %(c)s") % {"c": client}, "client": client, "multipart": True},
        error_status=400,
    )


def _file_response(request: HttpRequest, document) -> FileResponse:
    try:
        handle = services.document_download(document=document, actor=request.user)
    except DomainError as exc:
        raise PermissionDenied(exc.message)
    except FileNotFoundError:
        raise Http404("The stored file is missing.")
    ext = document.content_type.rsplit("/", 1)[-1].replace("jpeg", "jpg")
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{document.client.file_number}-{document.pk}.{ext}",
        content_type=document.content_type,
    )


@login_required
def document_download(request: HttpRequest, pk: int) -> FileResponse:
    return _file_response(request, selectors.document_get(user=request.user, pk=pk))


# -- onboarding -----------------------------------------------------------------------------------
def onboarding_rows(*, user, params) -> QuerySet:
    """The onboarding queue as filtered by its query string (the page and its export)."""
    step = params.get("step") if params.get("step") in OnboardingStep.values else None
    qs = selectors.onboarding_case_list(
        user=user, step=step, overdue=params.get("overdue") == "1", open_only=not step, search=params.get("q")
    )
    if not step:
        qs = qs.order_by("review_deadline", "-created_at", "-id")
    return qs


@login_required
def onboarding_list(request: HttpRequest) -> HttpResponse:
    _check(request, "clients.list_clients")
    g = request.GET
    step = g.get("step") if g.get("step") in OnboardingStep.values else None
    qs = onboarding_rows(user=request.user, params=g)
    page = paginate(request, qs, PAGE_SIZE)
    step_labels = {k: str(v) for k, v in OnboardingStep.choices}
    case_url = reverse("clients:onboarding_detail", args=[999999999]).replace("999999999", "{}")
    client_url = reverse("clients:detail", args=[999999999]).replace("999999999", "{}")
    for case in page.object_list:
        case.step_label = step_labels.get(case.step, case.step)
        case.url, case.client_url = case_url.format(case.pk), client_url.format(case.client_id)
    return render(
        request,
        "clients/onboarding_list.html",
        {
            "page": page,
            "cases": page.object_list,
            "steps": OnboardingStep.choices,
            "step": step,
            "now": services.now(),
        },
    )


@login_required
def onboarding_start(request: HttpRequest, pk: int) -> HttpResponse:
    client = selectors.client_get(user=request.user, pk=pk)
    _check(request, "clients.start_onboarding", client)
    return form_page(
        request,
        form=OnboardingStartForm(request.POST if request.method == "POST" else None),
        perform=lambda d: services.onboarding_start(client=client, actor=request.user, **d),
        success=lambda case: _("Onboarding case %(n)s opened.") % {"n": case.acceptance_number},
        then=lambda case: reverse("clients:onboarding_detail", args=[case.pk]),
        template="clients/form.html",
        context={"title": _("Start onboarding: %(c)s") % {"c": client}, "client": client},
    )


STEP_ORDER = [
    OnboardingStep.IDENTITY_VERIFICATION,
    OnboardingStep.BUSINESS_TYPE,
    OnboardingStep.INFORMATION_COLLECTION,
    OnboardingStep.INITIAL_REVIEW,
    OnboardingStep.REGISTERED,
]


@login_required
def onboarding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.onboarding_case_get(user=request.user, pk=pk)
    return _render_case(request, case, TransitionForm())


def _render_case(request: HttpRequest, case, form: TransitionForm, status: int = 200) -> HttpResponse:
    current = STEP_ORDER.index(case.step) if case.step in STEP_ORDER else -1
    steps = [
        {"value": s.value, "label": s.label, "done": i < current, "current": i == current}
        for i, s in enumerate(STEP_ORDER)
    ]
    actions = [
        (a, services.ACTION_BUTTONS[a]) for a in services.allowed_actions(case=case, user=request.user)
    ]
    return render(
        request,
        "clients/onboarding_detail.html",
        {
            "case": case,
            "client": case.client,
            "steps": steps,
            "actions": actions,
            "form": form,
            "special_form": SpecialFlagForm(
                initial={"is_special": case.is_special, "special_reason": case.special_reason}
            ),
            "can_flag": can(request.user, "clients.work_onboarding", case)
            and case.step
            in (
                OnboardingStep.IDENTITY_VERIFICATION,
                OnboardingStep.BUSINESS_TYPE,
                OnboardingStep.INFORMATION_COLLECTION,
            ),
            "business_types": BusinessType.choices,
            "consents": services.current_consents(case.client),
            "now": services.now(),
            **_due_diligence_context(request, case),
        },
        status=status,
    )


def _due_diligence_context(request: HttpRequest, case) -> dict:
    from .kyc_forms import EddReviewForm
    from .kyc_models import EddStatus
    from .kyc_selectors import due_diligence_for_case

    cdd = due_diligence_for_case(case=case)
    user = request.user
    return {
        "cdd": cdd,
        "can_record_cdd": case.step == OnboardingStep.INITIAL_REVIEW
        and can(user, "clients.record_due_diligence", case)
        and case.opened_by_id != user.pk,
        "can_review_edd": cdd is not None
        and cdd.edd_status == EddStatus.PENDING
        and can(user, "clients.review_enhanced_due_diligence", case)
        and user.pk not in (cdd.recorded_by_id, case.opened_by_id),
        "edd_form": EddReviewForm(),
    }


@login_required
@require_POST
def onboarding_transition(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.onboarding_case_get(user=request.user, pk=pk)
    form = TransitionForm(request.POST)
    if form.is_valid():
        try:
            services.onboarding_transition(
                case=case,
                action=form.cleaned_data["action"],
                actor=request.user,
                note=form.cleaned_data["note"],
                business_type=form.cleaned_data["business_type"] or None,
            )
        except DomainError as exc:
            if exc.status_code == 403:
                raise PermissionDenied(exc.message)
            form_add_domain_error(form, exc)
            case = selectors.onboarding_case_get(user=request.user, pk=pk)
            return _render_case(request, case, form, status=400)
        messages.success(request, services.ACTION_LABELS.get(form.cleaned_data["action"], _("Saved.")))
    return redirect("clients:onboarding_detail", pk=case.pk)


# -- portal ---------------------------------------------------------------------------------------
@login_required
def portal_profile(request: HttpRequest) -> HttpResponse:
    _check(request, "clients.view_own_profile")
    client = selectors.client_for_portal(user=request.user)
    return render(
        request,
        "clients/portal_profile.html",
        {
            "client": client,
            "consents": services.current_consents(client) if client else {},
            "documents": list(client.documents.all()) if client else [],
            "agreement": next(iter(client.agreements.all()), None) if client else None,
            "consent_kinds": ConsentKind.choices,
        },
    )


@login_required
@require_POST
def portal_consent(request: HttpRequest) -> HttpResponse:
    client = selectors.client_for_portal(user=request.user)
    if client is None:
        raise Http404("No client file")
    kind = request.POST.get("kind", "")
    return post_action(
        request,
        perform=lambda d: services.consent_record(
            client=client, actor=request.user, kind=kind, channel="portal"
        ),
        success=_("Thank you. Your confirmation was recorded."),
        back="clients_portal:profile",
    )


@login_required
def portal_document_download(request: HttpRequest, pk: int) -> FileResponse:
    return _file_response(request, selectors.client_documents_for_portal(user=request.user, pk=pk))
