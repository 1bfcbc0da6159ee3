"""Spreadsheets out (issue 19): every staff list exports what it shows, as CSV or .xlsx.

- `cells`: formula-safe writing (`safe_cell`, `csv_writer`, `csv_lines`, `xlsx_write`).
- `registry`: each list declares its columns once (`ExportList`, `Column`) in its app's
  `exports.py`, reusing the list view's own filtered queryset; `autodiscover` imports them.
- `services`: one export = one audit event; small exports stream, large ones become an
  `ExportJob` run in Celery through the outbox, with progress and an audited download.
- `views`, `api`, `urls`, `tasks`: the screens, the API twins and the task.

The core imports no business app: lists register themselves (docs/exports.md).
"""

from .cells import FORMULA_TRIGGERS, SafeCsvWriter, csv_lines, csv_writer, safe_cell, xlsx_cell, xlsx_write

__all__ = [
    "FORMULA_TRIGGERS",
    "SafeCsvWriter",
    "csv_lines",
    "csv_writer",
    "safe_cell",
    "xlsx_cell",
    "xlsx_write",
]
