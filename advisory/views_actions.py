"""The one shape of a view that performs an action (CONVENTIONS, "Views that perform an action").

Bind a form, call one service, turn a refusal (advisory.errors.DomainError) into a form error or a
message, redirect. A view states only its form, its service call and its success message:

    form = ReassignForm(request.POST, staff=selectors.assignable_staff())
    return post_action(
        request,
        form=form,
        perform=lambda d: services.complaint_reassign(complaint=c, actor=request.user, **d),
        success=_("Reassigned."),
        back=reverse("complaints:detail", args=[c.pk]),
    )

Permission checks stay in the view, before the helper, as `advisory.rules.can` questions: the
helper never decides who may act; the service refuses again on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render

from .editing import EditConflict, GuardsEdits
from .errors import DomainError
from .forms import form_add_domain_error

T = TypeVar("T")

# A success message: fixed text, or text built from what the service returned (None: say nothing).
Message = str | Callable[[Any], str] | None
# Where to go after success: a URL (or URL name), or one built from what the service returned.
Target = str | Callable[[Any], str | HttpResponse]


def form_errors_as_messages(request: HttpRequest, form: forms.BaseForm) -> None:
    """A posted action form did not validate: say which field and why, change nothing."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def _say(request: HttpRequest, success: Message, result: Any) -> None:
    text = success(result) if callable(success) else success
    if text:
        messages.success(request, text)


def _go(target: Target, result: Any) -> HttpResponse:
    destination = target(result) if callable(target) else target
    return destination if isinstance(destination, HttpResponse) else redirect(destination)


def _refuse(exc: DomainError, refusal_403: bool) -> None:
    """With refusal_403, a refusal for the person's role (NotAllowed) is a 403 page naming the
    rule; every other refusal is shown where the person acted."""
    if refusal_403 and exc.status_code == 403:
        raise PermissionDenied(exc.message) from exc


def form_submit(
    form: forms.BaseForm, perform: Callable[[dict[str, Any]], T], *, refusal_403: bool = False
) -> tuple[bool, T | None]:
    """The core step, for pages with several forms: validate `form` and call
    `perform(cleaned_data)`; a refusal lands on the form. (True, result) when it succeeded."""
    if not form.is_valid():
        return False, None
    try:
        return True, perform(form.cleaned_data)
    except DomainError as exc:
        _refuse(exc, refusal_403)
        form_show_refusal(form, exc)
        return False, None


def form_show_refusal(form: forms.BaseForm, exc: DomainError) -> None:
    """A refusal on the form it answers. A colleague's change to a field this person changed too
    (advisory.editing) is said above the form and on each such field, and the form then shows the
    current record with the person's own entries."""
    if isinstance(exc, EditConflict):
        form.add_error(None, exc.message)
        for field, messages in exc.fields.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
        if isinstance(form, GuardsEdits):
            form.show_conflict(exc)
        return
    form_add_domain_error(form, exc)


def form_page(
    request: HttpRequest,
    *,
    form: forms.BaseForm,
    perform: Callable[[dict[str, Any]], T],
    then: Target,
    template: str,
    context: Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None = None,
    success: Message = None,
    refusal_403: bool = False,
    error_status: int = 200,
) -> HttpResponse:
    """A page with a form: GET shows it; a valid POST calls `perform(cleaned_data)`, says
    `success` and redirects to `then`. A refusal lands on the form (each message on its field),
    nothing is changed, and the page is shown again with `error_status`. `context` may be a
    function, so a page that costs queries is built only when it is shown."""
    if request.method == "POST":
        ok, result = form_submit(form, perform, refusal_403=refusal_403)
        if ok:
            _say(request, success, result)
            return _go(then, result)
    status = error_status if request.method == "POST" else 200
    extra = context() if callable(context) else context
    return render(request, template, {"form": form, **(extra or {})}, status=status)


def post_action(
    request: HttpRequest,
    *,
    perform: Callable[[dict[str, Any]], T],
    back: str,
    form: forms.BaseForm | None = None,
    success: Message = None,
    then: Target | None = None,
    invalid: str | None = None,
    refusal_403: bool = False,
) -> HttpResponse:
    """A button that posts (no page of its own): validate `form` if there is one, call
    `perform(cleaned_data)`, say `success` and redirect to `then` (default: `back`). Invalid
    input (`invalid` as one message, else each field's error) or a refusal becomes an error
    message, nothing is changed, and the person goes `back` to where they acted."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if form is not None and not form.is_valid():
        if invalid is not None:
            messages.error(request, invalid)
        else:
            form_errors_as_messages(request, form)
        return redirect(back)
    try:
        result = perform(form.cleaned_data if form is not None else {})
    except DomainError as exc:
        _refuse(exc, refusal_403)
        messages.error(request, exc.message)
        return redirect(back)
    _say(request, success, result)
    return _go(then, result) if then is not None else redirect(back)
