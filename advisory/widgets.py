"""Form widgets for long lists of choices.

Django renders every <option> of a `Select` through the template engine: ~0.1 ms an option, so
a "who did it" filter over 2,000 staff members costs ~200 ms a page. `options_html` writes the
options in Python (escaped the same way) and `QuickSelect` uses it for a plain, ungrouped
single choice; the oversight templates call it through the `{% options %}` tag.
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
        choices = list(self.choices)
        if any(isinstance(label, (list, tuple)) for _value, label in choices):
            return super().render(name, value, attrs, renderer)  # option groups: Django's way
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        current = self.format_value(value)  # a list of strings, as Django's Select has it
        options = options_html(choices, current[0] if current else "")
        return mark_safe(f"<select{flatatt(final)}>{options}</select>")  # noqa: S308 - escaped parts
