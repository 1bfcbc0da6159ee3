"""Edits that do not overwrite a colleague's change made while the form was open ("mid-air
collisions").

An edit form remembers what it showed (`GuardsEdits`: a signed hidden field with the value of
every field as shown). When it is saved, the service locks the row, reads it again, and asks the
form's `EditGuard` to compare three versions of each field: what the form showed, what the person
submitted, and what the row holds now.

- Fields the person did not touch are not written, so a colleague's change to them stands.
- Fields only the person changed are written.
- A field both changed (differently) is a conflict: nothing is saved, the form comes back with
  the colleague's current values in the untouched fields, the person's own entries in the rest,
  each conflicting field naming its current value, and who changed the record and when. Saving
  again is then a deliberate choice, made with the current record in view.

The API does the same with HTTP's own means: a record's `ETag` and an `If-Match` request header
(`IfMatch`; 412 Precondition Failed when the record changed since it was read).

Services take the guard as `edits=` and call `edits.merge(row, data)` right after locking the row
(see `clients.services.client_update`); a caller without a guard (a task, a command, the admin's
own locking in advisory.admin_locking) writes as before.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from .errors import Conflict
from .formats import local_datetime

SIGNING_SALT = "advisory.editing.shown"
SHOWN_FIELD = "shown_state"


def plain(value: Any) -> Any:
    """A form field's prepared value as JSON (str, bool or a list of str): equal values give equal
    results, whichever path they came by."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, (list, tuple, set, frozenset)) or (
        hasattr(value, "__iter__") and not isinstance(value, (str, bytes, Mapping))
    ):
        return sorted(str(plain(v)) for v in value)
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value.normalize())
    return same_line_ends(str(value))


def same_line_ends(text: Any) -> Any:
    """Browsers send a textarea's line breaks as CRLF; what the API or a service stored may have LF.
    Both are the same text."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if isinstance(text, str) else text


class EditConflict(Conflict):
    """A field the person changed was changed by someone else after their form was opened."""

    code = "edit_conflict"

    def __init__(
        self, message: str, *, fields: dict[str, list[str]], current: Mapping[str, Any] | None = None
    ):
        super().__init__(message, fields=fields)
        self.current = dict(current or {})  # every shown field's value now (plain), for the form


class PreconditionFailed(Conflict):
    """The API's If-Match named a version of the record that is no longer current."""

    status_code = 412
    code = "precondition_failed"


class Guard(Protocol):
    def merge(self, row: models.Model, data: Mapping[str, Any], *, actor: Any = None) -> dict[str, Any]: ...


def last_change(row: models.Model, *, viewer: Any = None) -> tuple[str | None, str]:
    """Who last changed the record (None: the `viewer` themself, e.g. in another tab) and when (firm
    time), from its history."""
    history = getattr(row, "history", None)
    entry = (
        history.order_by("-history_id").select_related("history_user").first()
        if history is not None
        else None
    )
    if entry is None:
        return _("someone"), "—"
    when = local_datetime(entry.history_date)
    if viewer is not None and entry.history_user_id is not None and entry.history_user_id == viewer.pk:
        return None, when
    return (str(entry.history_user) if entry.history_user_id else _("the system")), when


class EditGuard:
    """What one form showed and what its person changed; see the module's docstring."""

    def __init__(
        self,
        *,
        shown: Mapping[str, Any],
        posted_differs: Callable[[str, Any], bool],
        now_shown: Callable[[models.Model], dict],
        labels: Mapping[str, str],
        extras: Iterable[str] = (),
    ):
        self.extras = set(extras)
        self.shown = dict(shown)
        self.posted_differs = posted_differs
        self.mine = {name for name, value in self.shown.items() if posted_differs(name, value)}
        self.now_shown = now_shown
        self.labels = dict(labels)

    def merge(self, row: models.Model, data: Mapping[str, Any], *, actor: Any = None) -> dict[str, Any]:
        """Call while holding the row's lock. Returns `data` without the fields the person (`actor`)
        did not change; raises EditConflict when a field they changed was changed by someone else
        too (or by themselves in another window: the message says so)."""
        current = self.now_shown(row)
        theirs = {name for name, value in current.items() if name in self.shown and value != self.shown[name]}
        # Both changed it, and not to the same value.
        clash = [n for n in self.shown if n in self.mine & theirs and self.posted_differs(n, current[n])]
        if clash:
            who, when = last_change(row, viewer=actor)
            on_field = (
                _("Changed to “%(value)s” in your other window after this form was opened.")
                if who is None
                else _("Changed by %(who)s to “%(value)s” after you opened this form.")
            )
            fields = {  # on each field of the form (an extra, e.g. a formset, is named above only)
                name: [on_field % {"who": who, "value": _shown_text(current[name])}]
                for name in clash
                if name not in self.extras
            }
            names = ", ".join(str(self.labels.get(n, n)) for n in clash)
            if who is None:
                message = _(
                    "You changed this record in another window at %(when)s, after this form was "
                    "opened: %(fields)s. Nothing was saved. The form now shows the current record with "
                    "the changes made in this window; check them and save again to keep them."
                ) % {"when": when, "fields": names}
            else:
                message = _(
                    "%(who)s changed this record at %(when)s, after you opened this form: %(fields)s. "
                    "Nothing was saved. The form now shows the current record with your own changes; "
                    "check them and save again to keep yours."
                ) % {"who": who, "when": when, "fields": names}
            raise EditConflict(message, fields=fields, current=current)
        return {key: value for key, value in data.items() if key not in self.shown or key in self.mine}


def with_changes(
    row: models.Model, given: Mapping[str, Any], edits: Guard | None, *, actor: Any = None
) -> dict[str, Any]:
    """For a service taking each field as an argument: the values to write on `row` (locked).
    Without a guard, `given`; with one, the person's changes, and the row's current value for
    every field they did not change (so a colleague's change to it stands)."""
    if edits is None:
        return dict(given)
    kept = edits.merge(row, given, actor=actor)
    return {name: kept[name] if name in kept else getattr(row, name) for name in given}


def _shown_text(value: Any) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(value) or "—"
    return value or "—"


class GuardsEdits:
    """Mix into an edit form, before forms.Form or forms.ModelForm. The form edits `guarded=<row>`
    (a ModelForm: its saved `instance`, unless given) and knows how to show a row:
    `shown_initial(row) -> dict`, by default the model's values of the form's fields; the fields
    it gives a value for are the ones guarded. Hand `form.edits()` to the service as `edits=`."""

    # What the page shows besides the form's fields (a formset's rows): `shown_extra(row)` gives
    # their plain values per name, the view sets `posted_extra` to what was submitted for them,
    # and `extra_labels` names them in a conflict message.
    extra_labels: dict[str, Any] = {}
    posted_extra: dict[str, Any]

    def shown_extra(self, row: models.Model) -> dict[str, Any]:
        return {}

    def __init__(self, *args: Any, guarded: models.Model | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if guarded is None and instance is not None and instance.pk is not None:
            guarded = instance
        self.guarded = guarded
        self.fields[SHOWN_FIELD] = forms.CharField(widget=forms.HiddenInput, required=False)
        if guarded is not None and not self.is_bound:
            self.initial[SHOWN_FIELD] = signing.dumps(self._shown(guarded), salt=SIGNING_SALT, compress=True)

    def full_clean(self) -> None:
        super().full_clean()
        if hasattr(self, "cleaned_data"):  # the service gets the record's fields only
            self.cleaned_data.pop(SHOWN_FIELD, None)

    # -- what a row looks like on this form
    def shown_initial(self, row: models.Model) -> dict[str, Any]:
        return forms.models.model_to_dict(row, fields=self._guarded_names())

    def _guarded_names(self) -> list[str]:
        return [n for n in self.fields if n != SHOWN_FIELD]

    def _shown(self, row: models.Model) -> dict[str, Any]:
        initial = self.shown_initial(row)
        extra = {name: plain(value) for name, value in self.shown_extra(row).items()}
        return extra | {
            n: plain(self.fields[n].prepare_value(initial.get(n)))
            for n in self._guarded_names()
            if n in initial
        }

    # -- after a POST
    def _shown_when_opened(self) -> dict[str, Any] | None:
        token = self.data.get(self.add_prefix(SHOWN_FIELD), "")
        if not token:
            return None
        try:
            return signing.loads(token, salt=SIGNING_SALT)
        except signing.BadSignature:
            return None

    def _posted_differs(self, name: str, shown_value: Any) -> bool:
        """Whether what was posted in field `name` differs from `shown_value` (as `_shown` gives
        it), by the form field's own comparison (Django's `has_changed`); line ends do not count."""
        if name not in self.fields:  # an extra: unchanged unless the view says what was posted
            posted_extra = getattr(self, "posted_extra", {})
            return name in posted_extra and plain(posted_extra[name]) != shown_value
        field = self.fields[name]
        posted = same_line_ends(
            field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
        )
        try:
            value = (
                shown_value
                if isinstance(field, forms.ModelMultipleChoiceField)
                else field.to_python(shown_value)
            )
        except ValidationError:
            value = shown_value
        return field.has_changed(value, posted)

    def edits(self) -> EditGuard | None:
        """The guard to hand to the service, or None when the form did not come from an edit page
        that remembered what it showed (then the service writes as before)."""
        shown = self._shown_when_opened() if self.guarded is not None else None
        if shown is None:
            return None
        return EditGuard(
            shown=shown,
            posted_differs=self._posted_differs,
            now_shown=self._shown,
            labels={n: self.fields[n].label or n for n in shown if n in self.fields}
            | dict(self.extra_labels),
            extras=[n for n in shown if n not in self.fields],
        )

    def changed_by_person(self) -> set[str]:
        """The fields (and extras) the person changed from what the page showed them."""
        shown = self._shown_when_opened() or {}
        return {name for name, value in shown.items() if self._posted_differs(name, value)}

    def show_conflict(self, exc: EditConflict) -> None:
        """After a conflict: show the current record in the fields the person did not change, keep
        their own entries, and remember the current record as what this form now shows."""
        mine = self.changed_by_person()
        data = self.data.copy()
        for name, value in exc.current.items():
            if name in mine or name not in self.fields:
                continue
            key = self.add_prefix(name)
            if isinstance(value, list):
                data.setlist(key, value)
            elif isinstance(value, bool) and not isinstance(self.fields[name].widget, forms.CheckboxInput):
                data[key] = "true" if value else "false"  # a yes / no / unknown choice
            elif isinstance(value, bool):
                if value:
                    data[key] = "on"
                else:
                    data.pop(key, None)
            else:
                data[key] = value
        data[self.add_prefix(SHOWN_FIELD)] = signing.dumps(exc.current, salt=SIGNING_SALT, compress=True)
        self.data = data


# -- the API: ETag and If-Match ---------------------------------------------------------------------
def etag_of(values: Mapping[str, Any]) -> str:
    body = json.dumps({k: plain(v) for k, v in values.items()}, sort_keys=True, ensure_ascii=False)
    return f'"{hashlib.sha256(body.encode()).hexdigest()[:32]}"'


class IfMatch:
    """The API's guard: the request's If-Match must name the record's current ETag."""

    def __init__(self, *, etag: str, etag_of_row: Callable[[models.Model], str]):
        self.etag = etag
        self.etag_of_row = etag_of_row

    def merge(self, row: models.Model, data: Mapping[str, Any], *, actor: Any = None) -> dict[str, Any]:
        named = {tag.strip().removeprefix("W/") for tag in self.etag.split(",")}
        if "*" not in named and self.etag_of_row(row) not in named:
            who, when = last_change(row, viewer=actor)
            if who is None:
                message = _(
                    "You changed this record elsewhere at %(when)s, after this version was read; read it "
                    "again and repeat your change."
                ) % {"when": when}
            else:
                message = _(
                    "%(who)s changed this record at %(when)s, after you read it; read it again and repeat "
                    "your change."
                ) % {"who": who, "when": when}
            raise PreconditionFailed(message)
        return dict(data)
