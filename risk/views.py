"""Workspace screens: questionnaires, assessments, products, suitability exceptions, risk register."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from advisory.charts import heat_map
from advisory.clock import today
from advisory.errors import DomainError
from advisory.files import file_response
from advisory.forms import form_add_domain_error
from advisory.pagination import paginate
from advisory.rules import can
from advisory.texts import client_language
from advisory.views_actions import form_page, post_action

from . import conf, selectors, services
from .forms import (
    AdvisorAnswersForm,
    AdvisorConfirmForm,
    DecisionForm,
    ExceptionRequestForm,
    GovernanceFilterForm,
    LifeEventForm,
    NoteForm,
    ProductFilterForm,
    ProfessionalForm,
    QuestionForm,
    RatingAssessmentForm,
    RegisterFilterForm,
    RiskForm,
    RiskReviewForm,
)
from .models import (
    AssessmentStatus,
    ExceptionStatus,
    Product,
    ProfessionalInvestorClassification,
    RatingAssessmentStatus,
    RiskGrade,
    RiskLevel,
    SuitabilityException,
)


def _check(request: HttpRequest, perm: str, obj=None) -> None:
    if not can(request.user, perm, obj):
        raise PermissionDenied


def _page(request: HttpRequest, qs, per_page: int = 50):
    return paginate(request, qs, per_page)


# --- Questionnaires ---------------------------------------------------------------------------------


@login_required
def questionnaire_list(request: HttpRequest) -> HttpResponse:
    _check(request, "risk.view_questionnaires")
    versions = selectors.version_list()
    return render(request, "risk/questionnaire_list.html", {"versions": versions})


@login_required
def questionnaire_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _check(request, "risk.view_questionnaires")
    version = selectors.version_with_questions(pk=pk)
    return render(
        request, "risk/questionnaire_detail.html", {"version": version, "bands": version.score_bands}
    )


@login_required
def question_edit(request: HttpRequest, pk: int, code: str | None = None) -> HttpResponse:
    """Add a question to a draft version, or replace one (published versions are frozen)."""
    _check(request, "risk.manage_questionnaires")
    version = selectors.version_with_questions(pk=pk)
    question = next((q for q in version.questions.all() if q.code == code), None) if code else None
    if code and question is None:
        raise Http404
    initial = {"order": len(version.questions.all()) + 1}
    if question is not None:
        initial = {
            "code": question.code, "order": question.order, "role": question.role, "text": question.text,
            "text_zh": question.text_zh,
            "options": "\n".join(f"{o.code} | {o.score} | {o.text} | {o.text_zh}" for o in question.options.all()),
        }  # fmt: skip
    return form_page(
        request,
        form=QuestionForm(request.POST or None, initial=initial),
        perform=lambda d: services.question_save(version=version, actor=request.user, **d),
        success=_("Question saved."),
        then=reverse("risk:questionnaire_detail", args=[version.pk]),
        template="risk/question_form.html",
        context={"version": version, "question": question},
    )


@login_required
@require_POST
def question_remove(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    _check(request, "risk.manage_questionnaires")
    version = selectors.version_with_questions(pk=pk)
    question = next((q for q in version.questions.all() if q.code == code), None)
    if question is None:
        raise Http404
    return post_action(
        request,
        perform=lambda d: services.question_delete(question=question, actor=request.user),
        success=_("Question removed."),
        back=reverse("risk:questionnaire_detail", args=[version.pk]),
    )


@login_required
@require_POST
def questionnaire_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    _check(request, "risk.manage_questionnaires")
    version = selectors.version_with_questions(pk=pk)
    return post_action(
        request,
        perform=lambda d: services.questionnaire_new_version(version=version, actor=request.user),
        success=lambda new: (
            _("Draft version %(n)s created; edit its questions, then publish.") % {"n": new.number}
        ),
        back=reverse("risk:questionnaire_detail", args=[pk]),
        then=lambda new: reverse("risk:questionnaire_detail", args=[new.pk]),
    )


@login_required
@require_POST
def questionnaire_publish(request: HttpRequest, pk: int) -> HttpResponse:
    _check(request, "risk.manage_questionnaires")
    version = selectors.version_with_questions(pk=pk)
    return post_action(
        request,
        perform=lambda d: services.questionnaire_version_publish(version=version, actor=request.user),
        success=_("Version published; it is now frozen."),
        back=reverse("risk:questionnaire_detail", args=[pk]),
    )


# --- Assessments ------------------------------------------------------------------------------------


@login_required
def assessment_list(request: HttpRequest) -> HttpResponse:
    _check(request, "risk.list_assessments")
    qs = selectors.assessment_list(
        user=request.user,
        status=request.GET.get("status") or None,
        level=request.GET.get("level") or None,
        search=request.GET.get("q") or None,
    )
    return render(
        request,
        "risk/assessment_list.html",
        {"page": _page(request, qs), "statuses": AssessmentStatus.choices, "levels": RiskLevel.choices},
    )


@login_required
def assessment_new(request: HttpRequest, client_pk: int) -> HttpResponse:
    client = get_object_or_404(selectors.visible_clients(user=request.user), pk=client_pk)
    _check(request, "risk.administer_assessment", client)
    version = selectors.current_published_version()
    if version is None:
        messages.error(request, _("No questionnaire is published yet."))
        return redirect("risk:assessment_list")
    version = selectors.version_with_questions(pk=version.pk)
    form = AdvisorAnswersForm(request.POST or None, version=version)
    return form_page(
        request,
        form=form,
        perform=lambda d: services.assessment_submit(
            client=client,
            actor=request.user,
            answers=form.answers(),
            version=version,
            advisor_note=d.get("advisor_note", ""),
        ),
        then=lambda assessment: reverse("risk:assessment_detail", args=[assessment.pk]),
        template="risk/assessment_form.html",
        context={"client": client, "version": version},
    )


@login_required
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_get(user=request.user, pk=pk)
    _check(request, "risk.view_assessment", assessment)
    note_form = NoteForm(initial={"advisor_note": assessment.advisor_note})
    confirm_form = AdvisorConfirmForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "note":
                note_form = NoteForm(request.POST)
                if note_form.is_valid():
                    services.assessment_add_note(
                        assessment=assessment, actor=request.user, note=note_form.cleaned_data["advisor_note"]
                    )
                    messages.success(request, _("Note saved."))
                    return redirect("risk:assessment_detail", pk=pk)
            elif action == "confirm":
                confirm_form = AdvisorConfirmForm(request.POST)
                if confirm_form.is_valid():
                    services.assessment_confirm(
                        assessment=assessment, actor=request.user, client_confirmed=True
                    )
                    messages.success(request, _("Assessment confirmed; answers are now locked."))
                    return redirect("risk:assessment_detail", pk=pk)
            else:
                raise PermissionDenied
        except DomainError as exc:
            if exc.status_code == 403:
                raise PermissionDenied from exc
            messages.error(request, exc.message)
    history = selectors.client_assessment_history(client=assessment.client)
    return render(
        request,
        "risk/assessment_detail.html",
        {
            "assessment": assessment,
            "note_form": note_form,
            "confirm_form": confirm_form,
            "can_act": can(request.user, "risk.note_assessment", assessment),
            "history": history,
        },
    )


# --- Products ---------------------------------------------------------------------------------------


def product_rows(*, user, params, form: ProductFilterForm | None = None):
    """The product list as its query string filters it (the page and its export)."""
    form = form or ProductFilterForm(params or None)
    data = form.cleaned_data if form.is_valid() else {}
    return selectors.product_list(
        search=data.get("q") or None,
        rating=data.get("rating") or None,
        asset_class=data.get("asset_class") or None,
        kind=data.get("kind") or None,
    )


@login_required
def product_list(request: HttpRequest) -> HttpResponse:
    _check(request, "risk.view_products")
    form = ProductFilterForm(request.GET or None)
    qs = product_rows(user=request.user, params=request.GET, form=form)
    return render(request, "risk/product_list.html", {"form": form, "page": _page(request, qs)})


# --- Suitability exceptions -------------------------------------------------------------------------


@login_required
def exception_list(request: HttpRequest) -> HttpResponse:
    _check(request, "risk.list_assessments")
    qs = selectors.exception_list(user=request.user, status=request.GET.get("status") or None)
    return render(
        request, "risk/exception_list.html", {"page": _page(request, qs), "statuses": ExceptionStatus.choices}
    )


@login_required
def exception_new(request: HttpRequest, client_pk: int) -> HttpResponse:
    client = get_object_or_404(selectors.visible_clients(user=request.user), pk=client_pk)
    _check(request, "risk.request_exception", client)
    form = ExceptionRequestForm(request.POST or None, initial={"product": request.GET.get("product")})
    language = dict(settings.LANGUAGES).get(client_language(client), "")
    form.fields["warning_text"].help_text = _(
        "Leave empty to use the standard wording, written in the client's language (%(language)s)."
    ) % {"language": language}
    return form_page(
        request,
        form=form,
        perform=lambda d: services.suitability_exception_request(
            client=client,
            product=d["product"],
            actor=request.user,
            client_reason=d["client_reason"],
            warning_text=d["warning_text"],
            scope=d["scope"],
            max_amount=d["max_amount"],
            proposal_number=d["proposal_number"],
            expires_on=d["expires_on"],
        ),
        success=_("Exception requested; the client must now confirm the warning."),
        then=lambda exc: reverse("risk:exception_detail", args=[exc.pk]),
        template="risk/exception_form.html",
        context={"client": client},
    )


@login_required
def exception_detail(request: HttpRequest, pk: int) -> HttpResponse:
    exc: SuitabilityException = get_object_or_404(selectors.exception_list(user=request.user), pk=pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "decide" and form.is_valid():
                if form.cleaned_data["decision"] == "approve":
                    services.suitability_exception_approve(
                        exception=exc, actor=request.user, note=form.cleaned_data["note"]
                    )
                else:
                    services.suitability_exception_reject(
                        exception=exc, actor=request.user, note=form.cleaned_data["note"]
                    )
                return redirect("risk:exception_detail", pk=pk)
            if action == "confirm_paper":
                services.suitability_exception_client_confirm(exception=exc, actor=request.user)
                return redirect("risk:exception_detail", pk=pk)
            if action == "withdraw":
                services.suitability_exception_withdraw(exception=exc, actor=request.user)
                return redirect("risk:exception_detail", pk=pk)
        except DomainError as err:
            if err.status_code == 403:
                raise PermissionDenied from err
            messages.error(request, err.message)
    user = request.user
    return render(
        request,
        "risk/exception_detail.html",
        {
            "exc": exc,
            "form": form,
            "can_decide": can(user, "risk.approve_exception", exc)
            and exc.status == ExceptionStatus.CLIENT_CONFIRMED,
            "can_confirm_paper": can(user, "risk.confirm_exception", exc)
            and exc.status == ExceptionStatus.REQUESTED,
            "can_withdraw": can(user, "risk.request_exception", exc.client)
            and exc.status in (ExceptionStatus.REQUESTED, ExceptionStatus.CLIENT_CONFIRMED),
        },
    )


@login_required
def professional_new(request: HttpRequest, client_pk: int) -> HttpResponse:
    client = get_object_or_404(selectors.visible_clients(user=request.user), pk=client_pk)
    _check(request, "risk.record_professional", client)
    return form_page(
        request,
        form=ProfessionalForm(request.POST or None, request.FILES or None, initial={"valid_from": today()}),
        perform=lambda d: services.professional_classification_record(
            client=client,
            actor=request.user,
            evidence=d["evidence"],
            valid_from=d["valid_from"],
            valid_until=d["valid_until"],
            document=d["evidence_document"],
        ),
        success=_("Professional investor classification recorded."),
        then="risk:assessment_list",
        template="risk/professional_form.html",
        context={"client": client},
    )


@login_required
def professional_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """The evidence document of a professional classification: clients the user sees, audited."""
    classification = get_object_or_404(
        ProfessionalInvestorClassification.objects.select_related("client").filter(
            client__in=selectors.visible_clients(user=request.user)
        ),
        pk=pk,
    )
    if not classification.evidence_document:
        raise Http404
    _check(request, "risk.view_assessment", classification.client)
    services.professional_evidence_download_log(classification=classification, actor=request.user)
    ext = classification.evidence_document.name.rsplit(".", 1)[-1]
    return file_response(
        classification.evidence_document, filename=f"{classification.client.file_number}-evidence-{pk}.{ext}"
    )


# --- Risk register ----------------------------------------------------------------------------------


def register_rows(*, user, params, form: RegisterFilterForm | None = None):
    """The risk register as its query string filters it (the page and its export)."""
    form = form or RegisterFilterForm(params or None)
    data = form.cleaned_data if form.is_valid() else {}
    return selectors.risk_register_list(
        category=data.get("category") or None,
        level=data.get("level") or None,
        status=data.get("status") or None,
        overdue=bool(data.get("overdue")),
        search=data.get("q") or None,
    )


@login_required
def register(request: HttpRequest) -> HttpResponse:
    _check(request, "risk.view_register")
    form = RegisterFilterForm(request.GET or None)
    qs = register_rows(user=request.user, params=request.GET, form=form)
    counts = selectors.register_heat_counts(qs)
    levels = services.risk_matrix_levels()
    chart = heat_map(counts, levels)
    level_counts = [
        (grade.value, grade.label, sum(n for cell, n in counts.items() if levels.get(cell) == grade.value))
        for grade in RiskGrade
    ]
    return render(
        request,
        "risk/register.html",
        {
            "form": form,
            "page": _page(request, qs),
            "heat_map": chart,
            "level_counts": level_counts,
            "today": today(),
            "matrix": [(upper, RiskGrade(level).label) for upper, level in services.risk_matrix()],
            "grades": RiskGrade,
            "can_change": can(request.user, "risk.change_register"),
            "review_form": RiskReviewForm(),
        },
    )


@login_required
@require_POST
def register_review(request: HttpRequest, pk: int) -> HttpResponse:
    _check(request, "risk.change_register")
    risk = get_object_or_404(selectors.risk_register_list(), pk=pk)
    return post_action(
        request,
        form=RiskReviewForm(request.POST),
        perform=lambda d: services.risk_reviewed(
            risk=risk, actor=request.user, next_review=d["next_review"], note=d["note"]
        ),
        success=_("Review recorded."),
        invalid=_("Choose the date of the next review."),
        back=reverse("risk:register_detail", args=[pk]),
    )


@login_required
def register_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _check(request, "risk.view_register")
    risk = get_object_or_404(selectors.risk_register_list(), pk=pk)
    history = risk.history.select_related("history_user").order_by("-history_date")[:50]
    return render(
        request,
        "risk/register_detail.html",
        {
            "risk": risk,
            "history": history,
            "today": today(),
            "can_change": can(request.user, "risk.change_register"),
        },
    )


@login_required
def register_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _check(request, "risk.change_register")
    risk = get_object_or_404(selectors.risk_register_list(), pk=pk) if pk else None
    initial = (
        {f: getattr(risk, f) for f in services.RISK_FIELDS if f != "owner"} | {"owner": risk.owner_id}
        if risk
        else {"owner": request.user.pk}
    )
    form = RiskForm(request.POST or None, initial=initial, guarded=risk)
    return form_page(
        request,
        form=form,
        perform=lambda d: (
            services.risk_update(risk=risk, actor=request.user, edits=form.edits(), **d)
            if risk
            else services.risk_create(actor=request.user, **d)
        ),
        then=lambda saved: reverse("risk:register_detail", args=[saved.pk]),
        template="risk/register_form.html",
        context={"risk": risk},
    )


# --- Life events (issue 14) ---------------------------------------------------------------------------


@login_required
def life_event_new(request: HttpRequest, client_pk: int) -> HttpResponse:
    client = get_object_or_404(selectors.visible_clients(user=request.user), pk=client_pk)
    _check(request, "risk.record_life_event", client)
    form = LifeEventForm(request.POST or None, initial={"occurred_on": today()})
    if request.method == "POST" and form.is_valid():
        try:
            event = services.life_event_record(
                client=client,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                occurred_on=form.cleaned_data["occurred_on"],
                note=form.cleaned_data["note"],
                is_significant=form.significant(),
            )
        except DomainError as err:
            form_add_domain_error(form, err)
        else:
            if event.is_significant:
                messages.warning(
                    request,
                    _("Life event recorded. The risk profile must be re-assessed before new proposals."),
                )
            else:
                messages.success(request, _("Life event recorded."))
            return redirect("clients:detail", pk=client.pk)
    return render(request, "risk/life_event_form.html", {"form": form, "client": client})


# --- Product governance (issue 14) ---------------------------------------------------------------------


@login_required
def rating_list(request: HttpRequest) -> HttpResponse:
    """Products with their rating governance state, and the assessments awaiting approval."""
    _check(request, "risk.view_ratings")
    form = GovernanceFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.product_governance_list(state=data.get("state") or None)
    if data.get("q"):
        qs = qs.filter(Q(code__icontains=data["q"]) | Q(name__icontains=data["q"]))
    pending = selectors.rating_assessment_list(status=RatingAssessmentStatus.PENDING)[:50]
    return render(
        request,
        "risk/rating_list.html",
        {
            "form": form,
            "page": _page(request, qs),
            "pending": pending,
            "today": today(),
            "soon": today() + datetime.timedelta(days=int(conf.get("RATING_REVIEW_WARNING_DAYS"))),
            "can_assess": can(request.user, "risk.assess_product"),
        },
    )


@login_required
def rating_new(request: HttpRequest, product_pk: int) -> HttpResponse:
    product = get_object_or_404(Product, pk=product_pk)
    _check(request, "risk.assess_product", product)
    return form_page(
        request,
        form=RatingAssessmentForm(request.POST or None, initial={"proposed_rating": product.risk_rating}),
        perform=lambda d: services.product_rating_submit(product=product, actor=request.user, **d),
        success=_("Assessment recorded; a second person must approve it."),
        then=lambda assessment: reverse("risk:rating_detail", args=[assessment.pk]),
        template="risk/rating_form.html",
        context={"product": product, "history": selectors.rating_assessment_list(product=product)[:20]},
    )


@login_required
def rating_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _check(request, "risk.view_ratings")
    assessment = get_object_or_404(selectors.rating_assessment_list(), pk=pk)
    can_decide = (
        can(request.user, "risk.approve_rating", assessment)
        and assessment.status == RatingAssessmentStatus.PENDING
        and assessment.assessor_id != request.user.pk
    )
    if request.method == "POST" and not can(request.user, "risk.approve_rating", assessment):
        raise PermissionDenied
    return form_page(
        request,
        form=DecisionForm(request.POST or None),
        perform=lambda d: (
            services.product_rating_approve if d["decision"] == "approve" else services.product_rating_reject
        )(assessment=assessment, actor=request.user, note=d["note"]),
        success=_("Decision recorded."),
        then=reverse("risk:rating_detail", args=[assessment.pk]),
        template="risk/rating_detail.html",
        context={"a": assessment, "can_decide": can_decide},
    )
