"""What an audit entry calls its record, in the reader's language.

An entry records a short label of its record (`AuditEntry.record_label`: "PRC resident identity
card (1)", "Privacy consent 2026-11-30 11:52"). Many labels are built from translatable words (a
document type, a consent kind, a fee structure), and the entry is hashed and never rewritten, so a
label written in one language would stay in it: a task writing in the firm's default language, an
advisor working in English, would leave English labels in a trail Chinese compliance staff read.

So the label is written once per language the platform speaks, when the entry is written:

* a label that reads the same in every language (a client's name and file number, a complaint's
  number and subject, a file name) is stored as it is;
* otherwise it is stored as compact JSON, `{"label":{"en":"…","zh-hans":"…","zh-hant":"…"}}`,
  within the column's 200 characters, and shown in the reader's language (`label_in`).

The chain hashes the stored string like any other; verification, disposal (which blanks the
label) and the client search (a name reads the same in every language, so it is stored plainly)
are unchanged. Entries written before hold a plain label, shown as stored.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.utils import translation

LIMIT = 200
_PREFIX = '{"label":{'


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _packed(texts: dict[str, str]) -> str:
    return json.dumps({"label": texts}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def record_label_of(obj: Any, limit: int = LIMIT) -> str:
    """`str(obj)` in every language: plain when they agree, else the packed form, cut to `limit`
    characters (the longest wording is shortened first, so every language keeps its start)."""
    texts: dict[str, str] = {}
    for language in _languages():
        with translation.override(language):
            texts[language] = str(obj)
    if len(set(texts.values())) == 1:
        return next(iter(texts.values()))[:limit]
    packed = _packed(texts)
    while len(packed) > limit:
        longest = max(texts, key=lambda code: len(texts[code]))
        if not texts[longest]:
            return str(texts.get(settings.LANGUAGE_CODE, ""))[:limit]
        texts[longest] = texts[longest][: max(0, len(texts[longest]) - (len(packed) - limit))]
        packed = _packed(texts)
    return packed


def label_in(stored: str | None, language: str | None = None) -> str:
    """A stored record label in `language` (default: the reader's, i.e. the active language): the
    packed form's wording for it (else the firm's default language's, else any), a plain label as
    stored."""
    stored = stored or ""
    if not stored.startswith(_PREFIX):
        return stored
    try:
        texts = json.loads(stored)["label"]
    except (ValueError, KeyError, TypeError):
        return stored
    if not isinstance(texts, dict) or not texts:
        return stored
    language = (language or translation.get_language() or settings.LANGUAGE_CODE).lower()
    for code in (language, language.split("-")[0], settings.LANGUAGE_CODE):
        if isinstance(texts.get(code), str):
            return texts[code]
    return str(next(iter(texts.values())))
