"""Form widgets for long lists of choices.

Django renders every <option> of a `Select` through the template engine: ~0.1 ms an option, so
a "who did it" filter over 2,000 staff members costs ~200 ms a page. `options_html` writes the
options in Python (escaped the same way) and `QuickSelect` uses it for a plain, ungrouped
single choice; the oversight templates call it through the `{% options %}` tag.

`PersonChoiceField` is the model choice for staff members: its options are read as (id, name,
email) values instead of whole `User` objects — at 2,000 staff, building the objects cost ~10 ms
of every page with a "reassign to" or "owner" list (docs/benchmarks/load.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe


def options_html(choices: Iterable[tuple[Any, Any]], selected: Any = None) -> SafeString:
    """<option> elements for (value, label) pairs; the one whose value equals `selected` (compared
    as text) is selected."""
    chosen = "" if selected is None else str(selected)
    parts = []
    for value, label in choices:
        value = "" if value is None else str(value)
        mark = " selected" if value == chosen else ""
        parts.append(f'<option value="{escape(value)}"{mark}>{conditional_escape(label)}</option>')
    return mark_safe("".join(parts))  # noqa: S308 - every value and label escaped above


class QuickSelect(forms.Select):
    """A `Select` that writes its options in Python (see the module docstring)."""

    def render(self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None) -> SafeString:
        # iter() first: list() would ask a model choice iterator its length, a COUNT query
        choices = list(iter(self.choices))
        if any(isinstance(label, (list, tuple)) for _value, label in choices):
            return super().render(name, value, attrs, renderer)  # option groups: Django's way
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        current = self.format_value(value)  # a list of strings, as Django's Select has it
        options = options_html(choices, current[0] if current else "")
        return mark_safe(f"<select{flatatt(final)}>{options}</select>")  # noqa: S308 - escaped parts


class _PeopleIterator(forms.models.ModelChoiceIterator):
    """(pk, label) pairs from three columns, in the queryset's order; the label is the person's
    name, or the email for someone without one (as `User.__str__`)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for pk, name, email in self.queryset.values_list("pk", "full_name", "email"):
            yield (pk, name or email)


class PersonChoiceField(forms.ModelChoiceField):
    """A `ModelChoiceField` over users, shown with `QuickSelect`. Only the options are read
    lightly: a submitted value is still looked up in the queryset and returned as the `User`."""

    iterator = _PeopleIterator
    widget = QuickSelect
