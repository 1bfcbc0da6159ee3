"""Row and file errors of an import, stored as a code with parameters and put into words in the
reader's language when shown (CONVENTIONS: stored text is a code plus parameters)."""

from __future__ import annotations

import contextlib
from typing import Any

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    # the file as a whole
    "unreadable": _(
        "The file could not be read: save it as a CSV (UTF-8 or GB18030) or an Excel .xlsx file."
    ),
    "unknown_format": _("Upload a .csv or .xlsx file."),
    "too_large": _("The file is larger than %(limit)s MB."),
    "empty": _("The file is empty."),
    "no_rows": _("The file has a header but no rows."),
    "too_many_rows": _("The file has more than %(limit)s rows; split it into several files."),
    "missing_columns": _("The header lacks the required column(s): %(columns)s."),
    "unknown_columns": _("The header has columns this import does not know: %(columns)s."),
    # one cell
    "required": _("%(column)s: a value is required."),
    "choice": _("%(column)s: “%(value)s” is not one of %(choices)s."),
    "date": _("%(column)s: “%(value)s” is not a date; write it as YYYY-MM-DD."),
    "future_date": _("%(column)s: the date %(value)s is in the future."),
    "amount": _("%(column)s: “%(value)s” is not an amount of zero or more."),
    "integer": _("%(column)s: “%(value)s” is not a whole number of zero or more."),
    "too_long": _("%(column)s: at most %(limit)s characters."),
    "text": _("%(column)s: use letters, digits and ordinary punctuation only."),
    "email": _("%(column)s: “%(value)s” is not an email address."),
    "invalid_id": _(
        "%(column)s: %(value)s is not a valid %(document)s number (check the date of birth and the check digit)."
    ),
    "invalid_id_format": _("%(column)s: %(value)s is not a valid %(document)s number."),
    "duplicate_id_in_file": _(
        "%(column)s: the same identity number is already on row %(line)s of this file."
    ),
    "duplicate_id_on_file": _("%(column)s: this identity number is already on client file %(file)s."),
    "unknown_advisor": _("%(column)s: no active advisor has the email %(value)s."),
    "advisor_restricted": _(
        "%(column)s: %(value)s may not be assigned clients now (a restriction is in force)."
    ),
    "unknown_client": _("%(column)s: no client file matches %(value)s."),
    "client_key": _("Name the client by client_file_number, or by client_id_type and client_id_number."),
    "unknown_product": _("%(column)s: no product has the code %(value)s."),
    "duplicate_code_in_file": _("%(column)s: product %(value)s is already on row %(line)s of this file."),
    "duplicate_code_on_file": _("%(column)s: product %(value)s is already on file."),
    "asset_class_mismatch": _("asset_class: %(value)s is a product of the class %(expected)s."),
    "asset_class_needed": _("Give the asset class or a product code."),
    "no_accepted_plan": _("Client %(file)s has no accepted plan to hold these positions."),
    "currency_mismatch": _("currency: the client's plan is in %(expected)s."),
    "self_related": _("%(column)s: a client cannot be related to itself."),
    "factors": _("%(column)s: list the factors considered, separated by semicolons."),
    "changed_since_preview": _("The records on file changed since the preview: check the file again."),
}


def error(code: str, column: str = "", **params: Any) -> dict:
    if code not in MESSAGES:  # fail loudly: a code without words would reach a person as a code
        raise KeyError(f"unknown import error code {code!r}")
    return {"code": code, "column": column, "params": {k: str(v) for k, v in params.items()}}


def _param_words(params: dict) -> dict:
    """Parameters that are themselves codes (a document type) shown by their label."""
    from clients.models import IdDocumentType

    words = dict(params)
    if "document" in words:
        with contextlib.suppress(ValueError):
            words["document"] = str(IdDocumentType(words["document"]).label)
    return words


def describe(err: dict) -> str:
    """One error in the reader's language."""
    params = {"column": err.get("column", ""), **_param_words(err.get("params") or {})}
    template = MESSAGES.get(err.get("code", ""))
    if template is None:
        return str(err.get("code", ""))
    try:
        return str(template) % params
    except (KeyError, ValueError, TypeError):
        return str(template)
