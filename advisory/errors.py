"""One hierarchy of domain errors. Services raise them; views turn them into form errors or
messages, the API into one error shape (advisory.api.exception_handler)."""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused the action. The message is written for the person who tried it."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = str(message)
        self.fields: dict[str, list[str]] = dict(fields or {})
        if field:
            self.fields.setdefault(field, []).append(self.message)


class NotAllowed(DomainError):
    """The actor may not do this (their role, or the four-eyes rule)."""

    status_code = 403
    code = "not_allowed"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    """The record's state does not allow the action (a forbidden transition, a retained record)."""

    status_code = 409
    code = "conflict"
