"""Sections other apps add to the client page, without the clients app importing them.

The client page cannot import risk, planning or complaints (they depend on clients). Instead each
of those apps may provide a module named in SECTION_MODULES with

    def client_sections(*, client, user) -> list[dict]:
        return [{"title": "Risk profile", "template": "risk/_client_section.html",
                 "context": {...}}]

The client page renders every section as
    {% include section.template with ctx=section.context %}
so a section template reads its data from `ctx`. A module that is not installed is skipped; a
module that is installed but has no provider, or a section without a template that exists, raises
ImproperlyConfigured: a section must never vanish from the page without a word. Keep each section
to a fixed, small number of queries.
"""

from __future__ import annotations

import importlib
import logging

from django.core.exceptions import ImproperlyConfigured
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

logger = logging.getLogger(__name__)

SECTION_MODULES = [
    "clients.kyc_sections",
    "clients.service_sections",
    "risk.client_sections",
    "planning.client_sections",
    "complaints.client_sections",
]


def client_sections(*, client, user) -> list[dict]:
    sections: list[dict] = []
    for name in SECTION_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue
            raise
        provider = getattr(module, "client_sections", None)
        if provider is None:
            raise ImproperlyConfigured(f"{name} has no client_sections(*, client, user) function.")
        for section in provider(client=client, user=user) or []:
            template = section.get("template")
            if not template:
                raise ImproperlyConfigured(
                    f"A client-page section from {name} names no template: {section!r}"
                )
            try:
                get_template(template)
            except TemplateDoesNotExist as exc:
                raise ImproperlyConfigured(
                    f"The client-page section template {template} does not exist."
                ) from exc
            sections.append(
                {
                    "title": section.get("title", ""),
                    "template": template,
                    "context": section.get("context", {}),
                }
            )
    return sections
