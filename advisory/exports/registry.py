"""Which lists can be exported, and how: each list declares its columns once.

An app describes its list in its own `exports.py`:

    register(ExportList(
        name="clients.clients", title=_("Clients"), perm="clients.list_clients",
        list_url="clients:list", rows=client_rows,
        columns=[Column(_("File number"), "file_number"), Column(_("Status"), "status",
                 choices=ClientStatus.choices), Column(_("Opened"), "created_at")],
        filters=[Filter("status", _("Status"), ClientStatus.choices), Filter("q", _("Search"))],
    ))

`rows(user=…, params=<QueryDict>)` is the same function the list view calls to get its filtered,
sorted, permission-scoped queryset (or a list, for computed lists such as the dashboard): what
the page shows is what the file holds. Columns read an attribute path ("client.name") or call a
function with the row; values are turned into text for people here (choice labels, firm time zone,
Yes/No), so the two formats never disagree.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from advisory.formats import local_date, local_datetime

_REGISTRY: dict[str, ExportList] = {}


@dataclass(frozen=True)
class Column:
    """One column: its header (translated when written) and how to read it from a row."""

    label: Any
    value: str | Callable[[Any], Any]
    choices: Sequence[tuple[Any, Any]] | None = None

    def read(self, row: Any) -> Any:
        if callable(self.value):
            return self.value(row)
        value = row
        for part in self.value.split("."):
            if value is None:
                return None
            value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
        return value


@dataclass(frozen=True)
class Filter:
    """A query parameter of the list, for the "filters in words" of the audit event and screens."""

    param: str
    label: Any
    choices: Sequence[tuple[Any, Any]] | Callable[[], Iterable[tuple[Any, Any]]] | None = None


@dataclass(frozen=True)
class ExportList:
    name: str
    title: Any
    perm: str
    list_url: str
    rows: Callable[..., Any]
    columns: Sequence[Column]
    filters: Sequence[Filter] = field(default_factory=tuple)
    # Parameters the list reads that are not filters (sorting, tabs): kept with the job.
    extra_params: Sequence[str] = ("sort",)
    # Columns that depend on the filters (the dashboard's twelve months): params → more columns.
    more_columns: Callable[[Any], Sequence[Column]] | None = None

    def columns_for(self, params: Any = None) -> list[Column]:
        extra = list(self.more_columns(params or {})) if self.more_columns else []
        return list(self.columns) + extra

    def header(self, params: Any = None) -> list[str]:
        return [str(c.label) for c in self.columns_for(params)]

    def row_values(self, params: Any = None) -> Callable[[Any], list]:
        """A function row → list of cell values, with choice labels resolved once (in the active
        language) rather than once per cell."""
        columns = self.columns_for(params)
        labels = [{k: str(v) for k, v in c.choices} if c.choices else None for c in columns]

        def values(row: Any) -> list:
            out = []
            for column, choice_labels in zip(columns, labels, strict=True):
                value = column.read(row)
                if choice_labels is not None and value not in (None, ""):
                    value = choice_labels.get(value, value)
                out.append(cell_text(value))
            return out

        return values

    def lines(self, rows: Iterable[Any], params: Any = None) -> Iterator[list]:
        """Header, then one list of values per row."""
        yield self.header(params)
        values = self.row_values(params)
        for row in rows:
            yield values(row)

    def params_kept(self, params: Any) -> dict[str, str]:
        """The query parameters that shape this list (filters, sort): what a job re-runs with."""
        names = [f.param for f in self.filters] + list(self.extra_params)
        return {n: params.get(n) for n in names if params.get(n) not in (None, "")}

    def filters_in_words(self, params: dict[str, str]) -> list[str]:
        """["Status: Active", "Search: wang"] in the active language; [] when unfiltered."""
        out = []
        for f in self.filters:
            raw = params.get(f.param)
            if raw in (None, ""):
                continue
            choices = f.choices() if callable(f.choices) else f.choices
            shown = {str(k): str(v) for k, v in choices}.get(str(raw), raw) if choices else raw
            out.append(f"{f.label}: {shown}")
        if params.get("sort"):
            out.append(f"{_('Sorted by')}: {params['sort']}")
        return out


def cell_text(value: Any) -> Any:
    """A value as a person reads it: dates in the firm's time zone, Yes/No, labels as text.
    Numbers stay numbers (a spreadsheet sums them)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.datetime):
        return local_datetime(value, default="")
    if isinstance(value, datetime.date):
        return local_date(value, default="")
    if isinstance(value, int | float | decimal.Decimal):
        return value
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(cell_text(v)) for v in value)
    return str(value)


def register(export_list: ExportList) -> ExportList:
    if export_list.name in _REGISTRY and _REGISTRY[export_list.name] is not export_list:
        raise ValueError(f"export list {export_list.name!r} registered twice")
    if not export_list.columns:
        raise ValueError(f"export list {export_list.name!r} has no columns")
    _REGISTRY[export_list.name] = export_list
    return export_list


def get(name: str) -> ExportList | None:
    autodiscover()
    return _REGISTRY.get(name)


def registered() -> dict[str, ExportList]:
    autodiscover()
    return dict(_REGISTRY)


_discovered = False


def autodiscover() -> None:
    """Import every installed app's `exports` module once (on first use: the lists import their
    apps' selectors and views, which the core must not import at start-up)."""
    global _discovered
    if _discovered:
        return
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("exports")
    _discovered = True
