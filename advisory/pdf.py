"""HTML templates to PDF with WeasyPrint. Fonts are local (Noto CJK for Chinese text).

A document is rendered in the language chosen for it (advisory.documents runs the renderer and
this function inside `translation.override(document.language)`): the running header and footer
are built here from translated strings, so no code or template text reaches the page margins.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

# The CJK face per written form: with only lang="zh" fontconfig picks the Japanese one.
_FONT = {"zh-hant": "Noto Sans CJK TC", "zh-hans": "Noto Sans CJK SC"}


@lru_cache(maxsize=1)
def _font_config():
    """One font configuration per process: building it (fontconfig scan) is the slow part of a
    first render, and a worker renders many documents."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def css_string(value: Any) -> SafeString:
    """`value` as a CSS string literal for `content:` in @page margins. The text sits in a <style>
    element, where HTML escaping does not apply (an `&#x27;` would be printed as is): quotes and
    backslashes are escaped the CSS way, and `<` so that no text can close the element."""
    text = str(value)
    for raw, escaped in (("\\", "\\\\"), ('"', '\\"'), ("<", "\\3C "), ("\n", " "), ("\r", " ")):
        text = text.replace(raw, escaped)
    return mark_safe(f'"{text}"')


def page_margins(*, running_title: str, version: int | None = None) -> dict[str, SafeString]:
    """The texts of the page margins in the active language, ready for CSS `content:`."""
    pattern = _("Page %(page)s / %(pages)s")
    before, _sep, rest = pattern.partition("%(page)s")
    middle, _sep, after = rest.partition("%(pages)s")
    footer = _("Confidential")
    if version is not None:
        footer = _("Confidential · version %(version)s") % {"version": version}
    return {
        "firm": css_string(settings.FIRM_NAME),
        "title": css_string(running_title),
        "footer": css_string(footer),
        "page": mark_safe(
            f"{css_string(before)} counter(page) {css_string(middle)} counter(pages) {css_string(after)}"
        ),
    }


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # imported lazily: heavy, and only workers need it

    language = get_language() or settings.LANGUAGE_CODE
    document = context.get("document")
    running_title = context.get("running_title") or getattr(document, "title", "") or ""
    context = {
        "firm_name": settings.FIRM_NAME,
        "pdf_lang": to_locale(language).replace("_", "-"),
        "pdf_font": _FONT.get(language, "Noto Sans CJK SC"),
        "margins": page_margins(running_title=running_title, version=getattr(document, "version", None)),
        **context,
    }
    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(font_config=_font_config(), cache={})
