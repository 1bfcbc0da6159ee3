"""A JSON value stored as canonical text (sorted keys, no spaces, UTF-8), so the exact bytes the
hash chain covers are in the table and PostgreSQL can recompute every hash itself."""

from __future__ import annotations

import json
from typing import Any

from django.db import models


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))


class CanonicalJSONField(models.TextField):
    def from_db_value(self, value, expression, connection):
        return None if value is None else json.loads(value)

    def to_python(self, value):
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    def get_prep_value(self, value):
        if value is None:
            return None
        return canonical_json(value)

    def value_to_string(self, obj) -> str:
        return canonical_json(self.value_from_object(obj))
