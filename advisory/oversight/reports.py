"""The monthly quality report PDF (SPEC §6): indicators, trend charts and open actions."""

from __future__ import annotations

import datetime

from django.conf import settings

from advisory.models import ArchivedDocument

from .indicators import Filters
from .selectors import action_link_label, action_list_all_open, dashboard


def render_quality_report(document: ArchivedDocument) -> tuple[str, dict]:
    """Renderer for advisory.documents: the whole firm, the reported month and its 12-month trend."""
    month = datetime.date.fromisoformat(document.params.get("month"))
    f = Filters(end_month=month, span=1)
    actions = list(action_list_all_open())
    for a in actions:
        a.link_label = action_link_label(a)
    return "oversight/pdf_quality_report.html", {
        "firm_name": getattr(settings, "FIRM_NAME", ""),
        "month": month,
        "rows": dashboard(filters=f),
        "actions": actions,
    }
