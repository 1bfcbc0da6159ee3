"""An admin edit changes only what the administrator changed, on the row as it is now.

Django admin builds the edited object from the row it read when the request began, and its save
writes every column back. A sweep or a service that committed in between (the escalation sweep
moving a ticket's level, a product's rating approved, a questionnaire version published) would be
silently undone, readonly fields included. So every ModelAdmin's `save_form` is wrapped: on a
change it locks the row (`SELECT … FOR UPDATE`, inside the transaction the admin's change view
already runs in), reads it again, and copies onto it only the fields the form changed. What the
admin's `save_model` then checks and saves is that current row: a version published meanwhile is
seen as frozen, and the history row records what is really stored.

A rule that refuses the save (`DomainError`: a frozen version, score bands that do not cover the
scores) rolls the whole change back and is shown on the page as a message, not a server error.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import Http404, HttpResponseRedirect
from django.utils.translation import gettext as _

from .errors import DomainError


def current_row_with_changes(obj: models.Model, changed: list[str]) -> models.Model:
    """The row of `obj` as stored now, locked until the transaction ends, with the values of the
    `changed` model fields taken from `obj` (many-to-many fields are saved by the form itself)."""
    model = type(obj)
    current = model._base_manager.select_for_update().filter(pk=obj.pk).first()
    if current is None:
        raise Http404(_("This record no longer exists."))
    for name in changed:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue  # a form field of its own, not a column
        if field.concrete and not field.many_to_many:
            setattr(current, field.attname, getattr(obj, field.attname))
    return current


def _lock_every_admin_change() -> None:
    """Wrap ModelAdmin.save_form once, for this project's admins and every other app's alike."""
    base = admin.ModelAdmin
    if getattr(base, "_advisory_locked_change", False):
        return
    save_form = base.save_form

    def locked_save_form(self, request, form, change):
        obj = save_form(self, request, form, change)
        if not change or obj.pk is None:
            return obj
        return current_row_with_changes(obj, form.changed_data)

    changeform_view = base.changeform_view

    def refusal_shown_changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:  # the view's own transaction has rolled back when a rule refuses
            return changeform_view(self, request, object_id, form_url, extra_context)
        except DomainError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    base.save_form = locked_save_form
    base.changeform_view = refusal_shown_changeform_view
    base._advisory_locked_change = True


_lock_every_admin_change()
