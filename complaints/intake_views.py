"""Screens of the email intake (supervisors and compliance): messages waiting for a client to be
linked, quarantined ones, and everything read from the mailboxes."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from advisory.files import file_response
from advisory.pagination import paginate
from advisory.rules import can
from advisory.views_actions import form_page

from . import mailbox, selectors
from .models import InboundEmail, InboundStatus, Mailbox

PAGE_SIZE = 25
STATUS_TABS = [("open", gettext_lazy("To handle")), *InboundStatus.choices, ("", gettext_lazy("All"))]


class LinkForm(forms.Form):
    file_number = forms.CharField(label=gettext_lazy("Client file number"), max_length=40)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_file_number(self):
        from clients.models import Client

        number = self.cleaned_data["file_number"].strip()
        client = Client.objects.filter(file_number__iexact=number).first()
        if client is None:
            raise forms.ValidationError(_("No client file has the number %(n)s.") % {"n": number})
        self.client = client
        return number


class DismissForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why it is set aside"), max_length=500)


def _require(request: HttpRequest) -> None:
    if not can(request.user, "complaints.manage_intake"):
        raise PermissionDenied(_("Only supervisors and compliance officers handle the email intake."))


def _inbound(request: HttpRequest, pk: int) -> InboundEmail:
    _require(request)
    try:
        return selectors.inbound_get(user=request.user, pk=pk)
    except InboundEmail.DoesNotExist as exc:
        raise Http404 from exc


@login_required
def intake_list(request: HttpRequest) -> HttpResponse:
    _require(request)
    status = request.GET.get("status", "open")
    if status not in {key for key, _label in STATUS_TABS}:
        status = "open"
    qs = selectors.inbound_list(user=request.user, status=status, search=request.GET.get("q", ""))
    page = paginate(request, qs, PAGE_SIZE)
    return render(
        request,
        "complaints/intake_list.html",
        {
            "page": page,
            "status": status,
            "tabs": STATUS_TABS,
            "q": request.GET.get("q", ""),
            "mailboxes": list(Mailbox.objects.order_by("name")),
        },
    )


@login_required
def intake_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inbound = _inbound(request, pk)
    return render(
        request,
        "complaints/intake_detail.html",
        {"inbound": inbound, "link_form": LinkForm(), "dismiss_form": DismissForm()},
    )


@login_required
@require_POST
def intake_link(request: HttpRequest, pk: int) -> HttpResponse:
    inbound = _inbound(request, pk)
    form = LinkForm(request.POST, user=request.user)
    return form_page(
        request,
        form=form,
        perform=lambda d: mailbox.inbound_link(inbound=inbound, client=form.client, actor=request.user),
        success=lambda complaint: _("Filed as complaint %(n)s.") % {"n": complaint.number},
        then=lambda complaint: reverse("complaints:detail", args=[complaint.pk]),
        template="complaints/intake_detail.html",
        context={"inbound": inbound, "link_form": form, "dismiss_form": DismissForm()},
    )


@login_required
@require_POST
def intake_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    inbound = _inbound(request, pk)
    form = DismissForm(request.POST)
    return form_page(
        request,
        form=form,
        perform=lambda d: mailbox.inbound_dismiss(inbound=inbound, actor=request.user, reason=d["reason"]),
        success=_("The message was set aside."),
        then="complaints:intake_list",
        template="complaints/intake_detail.html",
        context={"inbound": inbound, "link_form": LinkForm(), "dismiss_form": form},
    )


@login_required
def intake_original(request: HttpRequest, pk: int) -> HttpResponse:
    """The original message (.eml) as evidence; every opening is in the audit trail."""
    inbound = _inbound(request, pk)
    response = file_response(
        inbound.raw, filename=f"{inbound.ticket_number or inbound.pk}.eml", content_type="message/rfc822"
    )
    mailbox.mailbox_audit_download(inbound=inbound, actor=request.user)
    return response
