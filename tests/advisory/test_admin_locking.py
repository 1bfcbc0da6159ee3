"""An admin edit is applied to the row as it is now (advisory.admin_locking): what a sweep or a
service committed while the administrator had the form open is kept, and the admin's own checks
see the current row."""

import datetime

import pytest
import time_machine
from django.contrib import admin
from django.db import transaction
from django.test import RequestFactory

from advisory.errors import DomainError
from complaints.models import Complaint, EscalationLevel
from complaints.services import complaint_escalation_sweep
from risk.models import Product, QuestionnaireVersion, VersionStatus
from risk.services import (
    product_rating_approve,
    product_rating_submit,
    questionnaire_new_version,
    questionnaire_version_publish,
)
from tests.complaints.factories import make_client, make_complaint
from tests.planning.factories import ProductFactory
from tests.risk.factories import make_version

pytestmark = pytest.mark.django_db


def _form(model, obj, user, **changes):
    """The admin's change form for `obj` as the administrator submits it: every field as the page
    showed it, with `changes` typed in."""
    model_admin = admin.site._registry[model]
    request = RequestFactory().post("/")
    request.user = user
    form_class = model_admin.get_form(request, obj, change=True)
    initial = form_class(instance=obj)
    data = {}
    for name in initial.fields:
        value = initial[name].value()
        if value is None:
            continue
        data[name] = [str(v) for v in value] if isinstance(value, list | tuple) else value
    data.update(changes)
    form = form_class(data, instance=obj)
    assert form.is_valid(), form.errors
    return model_admin, request, form


def _save(model_admin, request, form):
    with transaction.atomic():  # as the admin's change view runs it
        obj = model_admin.save_form(request, form, change=True)
        model_admin.save_model(request, obj, form, change=True)
    return obj


def _page_data(page, **changes) -> dict:
    """What the admin change page posts when saved with `changes` typed in: the main form and every
    inline as shown."""
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(changes, _save="Save")
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        for bound in [formset.management_form, *formset.forms]:
            for name in bound.fields:
                value = bound[name].value()
                if value is not None:
                    data[bound.add_prefix(name)] = value
    return data


def test_a_ticket_edited_in_admin_keeps_the_escalation_the_sweep_made_meanwhile(advisor, administrator):
    # given an administrator opens a ticket's admin page
    with time_machine.travel(datetime.datetime(2026, 3, 9, 2, tzinfo=datetime.UTC), tick=False):
        ticket = make_complaint(client=make_client(advisor=advisor), priority="urgent")
    model_admin, request, form = _form(
        Complaint, Complaint.objects.get(pk=ticket.pk), administrator, subject="Fees charged twice in March"
    )
    # when the sweep escalates the ticket before the administrator saves
    complaint_escalation_sweep(at=ticket.resolve_due_at)
    _save(model_admin, request, form)
    # then the subject changed and the escalation stands, in the row and in its history row
    ticket.refresh_from_db()
    assert ticket.subject == "Fees charged twice in March"
    assert ticket.escalation_level == EscalationLevel.SUPERVISOR and ticket.resolution_breached
    last = ticket.history.order_by("-history_id").first()
    assert last.history_user == administrator
    assert (last.subject, last.escalation_level) == (
        "Fees charged twice in March",
        EscalationLevel.SUPERVISOR,
    )
    # and the next sweep goes on from there (no second escalation at a level already reached)
    assert complaint_escalation_sweep(at=ticket.compliance_at)["escalations"] == 1


def test_a_product_edited_in_admin_keeps_a_rating_approved_meanwhile(
    risk_reviewer, compliance_officer, administrator
):
    product = ProductFactory(risk_rating="R3")
    model_admin, request, form = _form(
        Product, Product.objects.get(pk=product.pk), administrator, name="Renamed fund"
    )
    assessment = product_rating_submit(
        product=product, actor=risk_reviewer, proposed_rating="R4", rationale="x", factors="x"
    )
    product_rating_approve(assessment=assessment, actor=compliance_officer)
    _save(model_admin, request, form)
    product.refresh_from_db()
    assert (product.name, product.risk_rating) == ("Renamed fund", "R4")
    assert product.rating_approved_at is not None


def test_a_draft_published_meanwhile_is_refused_as_frozen(compliance_officer, administrator):
    draft = questionnaire_new_version(version=make_version(), actor=compliance_officer)
    model_admin, request, form = _form(
        QuestionnaireVersion, QuestionnaireVersion.objects.get(pk=draft.pk), administrator, title="Edited"
    )
    questionnaire_version_publish(version=draft, actor=compliance_officer)
    with pytest.raises(DomainError, match="frozen"):
        _save(model_admin, request, form)
    draft.refresh_from_db()
    assert draft.status == VersionStatus.PUBLISHED and draft.title != "Edited"


def test_only_the_fields_the_administrator_changed_are_taken_from_the_form(advisor, administrator):
    ticket = make_complaint(client=make_client(advisor=advisor))
    model_admin, request, form = _form(
        Complaint, Complaint.objects.get(pk=ticket.pk), administrator, subject="New subject"
    )
    # another administrator changes the description meanwhile
    colleague = Complaint.objects.get(pk=ticket.pk)
    colleague.description = "Corrected by a colleague"
    colleague.save()
    _save(model_admin, request, form)
    ticket.refresh_from_db()
    assert (ticket.subject, ticket.description) == ("New subject", "Corrected by a colleague")


def test_the_admin_change_page_saves_through_the_locked_row(advisor, administrator, web_as):
    ticket = make_complaint(client=make_client(advisor=advisor))
    url = f"/admin/complaints/complaint/{ticket.pk}/change/"
    page = web_as(administrator).get(url)
    assert page.status_code == 200
    data = _page_data(page, subject="Edited on the admin page")
    response = web_as(administrator).post(url, data)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors,
        [f.formset.errors for f in response.context["inline_admin_formsets"]],
    )
    ticket.refresh_from_db()
    assert ticket.subject == "Edited on the admin page"
    assert ticket.history.order_by("-history_id").first().history_user == administrator


def test_no_registered_admin_replaces_the_locked_save():
    assert admin.ModelAdmin._advisory_locked_change
    overriding = [
        type(model_admin).__name__
        for model_admin in admin.site._registry.values()
        if type(model_admin).save_form is not admin.ModelAdmin.save_form
    ]
    assert overriding == []


def test_a_change_to_a_row_deleted_meanwhile_is_a_not_found(advisor, administrator):
    from django.http import Http404

    from advisory.admin_locking import current_row_with_changes

    ticket = make_complaint(client=make_client(advisor=advisor))
    stale = Complaint.objects.get(pk=ticket.pk)
    stale.pk = ticket.pk + 10_000
    with transaction.atomic(), pytest.raises(Http404):
        current_row_with_changes(stale, ["subject"])


def test_a_rule_refusing_an_admin_save_is_shown_as_a_message_and_changes_nothing(
    compliance_officer, administrator, web_as
):
    draft = questionnaire_new_version(version=make_version(), actor=compliance_officer)
    url = f"/admin/risk/questionnaireversion/{draft.pk}/change/"
    http = web_as(administrator)
    page = http.get(url)
    data = _page_data(page, title="Edited", score_bands='[{"level": "C1", "min": 0, "max": 10}]')
    response = http.post(url, data)
    # then the page comes back with the reason, and nothing was saved
    assert response.status_code == 302 and response["Location"] == url
    shown = [str(m) for m in http.get(url).context["messages"]]
    assert shown == ["Define exactly one score band per level, C1 to C5 in order."]
    draft.refresh_from_db()
    assert draft.title != "Edited" and len(draft.score_bands) == 5
