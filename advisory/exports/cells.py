"""CSV (and any spreadsheet) exports, safe against formula injection.

A text cell starting with = + - @, a tab or a carriage return is read by Excel, LibreOffice and
Google Sheets as a formula (`=HYPERLINK(...)`, `@SUM(...)`, DDE). Every export writes through
`csv_writer`, which prefixes such cells with a single quote so they are shown as text. Numbers
are written as they are (a negative amount stays a number).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class SafeCsvWriter:
    """csv.writer with every text cell passed through `safe_cell`."""

    def __init__(self, fileobj: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(fileobj, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(fileobj: Any, **kwargs: Any) -> SafeCsvWriter:
    return SafeCsvWriter(fileobj, **kwargs)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The rows as CSV text lines, for a StreamingHttpResponse."""
    writer = csv_writer(_Echo())
    for row in rows:
        yield writer.writerow(row)


def xlsx_cell(value: Any) -> Any:
    """A value for an .xlsx cell: text that would be read as a formula is prefixed like in CSV
    and stays a string (openpyxl would store a text starting with `=` as a formula)."""
    if isinstance(value, str):
        return safe_cell(value)
    return value


def xlsx_write(fileobj: Any, rows: Iterable[Iterable[Any]], *, title: str = "Export") -> int:
    """Write the rows (header first) into a one-sheet workbook, streaming (write-only mode, so
    memory stays flat); every text cell is written as text, never as a formula. Returns the number
    of rows written after the header."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    bold = Font(bold=True)
    written = -1
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=xlsx_cell(value))
            if isinstance(value, str):
                cell.data_type = "s"
            if written < 0:
                cell.font = bold
            cells.append(cell)
        sheet.append(cells)
        written += 1
    workbook.save(fileobj)
    return max(written, 0)


def _sheet_title(title: str) -> str:
    """Sheet names: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(title)).strip()
    return (cleaned or "Export")[:31]
