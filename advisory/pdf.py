"""HTML templates to PDF with WeasyPrint. Fonts are local (Noto CJK for Chinese text)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string


@lru_cache(maxsize=1)
def _font_config():
    """One font configuration per process: building it (fontconfig scan) is the slow part of a
    first render, and a worker renders many documents."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # imported lazily: heavy, and only workers need it

    context = {"firm_name": settings.FIRM_NAME, **context}
    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(font_config=_font_config(), cache={})
