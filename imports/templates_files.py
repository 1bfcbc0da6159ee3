"""Downloadable template files: the documented column names in the first row and one example
row, as CSV or .xlsx (identity-number columns formatted as text, so Excel keeps every digit)."""

from __future__ import annotations

import csv
import io

from .kinds import KINDS


def template_csv(kind: str) -> bytes:
    spec = KINDS[kind]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(spec.names)
    writer.writerow([c.example for c in spec.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(kind: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    spec = KINDS[kind]
    book = Workbook()
    sheet = book.active
    sheet.title = kind
    sheet.append(spec.names)
    sheet.append([c.example for c in spec.columns])
    for index, column in enumerate(spec.columns, start=1):
        sheet.cell(row=1, column=index).font = Font(bold=True)
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(14, len(column.name) + 2)
        if column.name.endswith("id_number") or column.name.endswith("file_number"):
            for row in range(2, 1002):
                sheet.cell(row=row, column=index).number_format = "@"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
