"""OpenAPI schema post-processing: every operation documents the project's one error shape
(advisory.api.exception_handler) for the refusals it can answer with, so that a client generated
from the schema knows every status code it may receive."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

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
            if any(
                p.get("in") == "header" and p.get("name") == "If-Match"
                for p in operation.get("parameters", [])
            ):
                responses.setdefault(
                    "412",
                    {
                        "description": "The record changed since the version If-Match names; nothing was changed.",
                        "content": {"application/json": {"schema": ref}},
                    },
                )
    return result


class AutoSchema(SpectacularAutoSchema):
    """The project's schema class: the schema says what the API really answers.

    - A read-only choice field whose model field may be blank or null is documented so (DRF drops
      `allow_blank` from read-only fields, and the schema then promised a value never blank).
    - A view whose `list` answers an object (keyset pages, `{"results": [...]}`) sets
      `list_returns_object = True` and documents its body; it is not wrapped in an array.
    """

    _naming = False

    def get_operation_id(self) -> str:
        self._naming = True  # the operation is still named "..._list"
        try:
            return super().get_operation_id()
        finally:
            self._naming = False

    def _is_list_view(self, serializer=None) -> bool:
        if getattr(self.view, "list_returns_object", False) and not self._naming:
            return False
        return super()._is_list_view(serializer)

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if isinstance(field, serializers.ChoiceField) and field.read_only:
            model_field = _model_field_of(field)
            if model_field is not None:
                field.allow_blank = field.allow_blank or bool(model_field.blank)
                field.allow_null = field.allow_null or bool(model_field.null)
        return super()._map_serializer_field(field, direction, bypass_extensions)


def _model_field_of(field):
    parent = getattr(field, "parent", None)
    model = getattr(getattr(parent, "Meta", None), "model", None)
    source = getattr(field, "source", "") or ""
    if model is None or not source or "." in source or source == "*":
        return None
    try:
        return model._meta.get_field(source)
    except Exception:  # not a model field (a property or method)
        return None


def results_of(name: str, serializer_class) -> serializers.Serializer:
    """Schema of a `{"results": [...]}` list body."""
    return inline_serializer(name=name, fields={"results": serializer_class(many=True)})
