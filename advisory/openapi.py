"""OpenAPI schema post-processing: every operation documents the project's one error shape
(advisory.api.exception_handler) for the refusals it can answer with, so that a client generated
from the schema knows every status code it may receive."""

from __future__ import annotations

from typing import Any

ERROR_COMPONENT = "Error"

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The one error body of the API.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}

# Refusals any operation may answer with, whatever its own documented outcomes.
ERROR_STATUSES: dict[str, str] = {
    "400": "Invalid input: the fields say what is wrong.",
    "401": "Not signed in.",
    "403": "Signed in, but the rules do not allow this.",
    "404": "No such record, or not one the user may see.",
    "405": "Method not allowed.",
    "406": "The requested representation is not available.",
    "409": "The record's state does not allow the action.",
    "413": "The request body is too large.",
    "415": "Unsupported media type.",
    "429": "Too many requests; retry later.",
}


def add_error_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular post-processing hook."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    ref = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "put", "patch", "post", "delete", "head", "options"}:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_STATUSES.items():
                responses.setdefault(
                    status, {"description": description, "content": {"application/json": {"schema": ref}}}
                )
    return result
