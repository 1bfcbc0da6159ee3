"""HTML templates to PDF with WeasyPrint. Fonts are local (Noto CJK for Chinese text)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # imported lazily: heavy, and only workers need it

    context = {"firm_name": settings.FIRM_NAME, **context}
    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
