"""PostgreSQL array literals for bulk statements (`INSERT … SELECT … FROM unnest(%s::bigint[], …)`).

psycopg2 adapts a Python list to an `ARRAY[…]` constructor with one SQL expression per element,
which the server parses and plans element by element: for 1,000 rows × 19 columns that parse cost
more than the insert itself. A list passed as one array literal (`'{1,2,3}'`) is a single string
parameter that the server reads with `array_in`, like COPY reads its rows, and the statement still
goes through the cursor (statement counting, metrics, RETURNING).

    cur.execute("… FROM unnest(%s::bigint[], %s::text[])", [pg_array(ids), pg_array(names)])
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any


def _quoted(text: str) -> str:
    if "\\" in text or '"' in text:
        text = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text + '"'


def _element(value: Any) -> str:
    if value is None:
        return "NULL"  # unquoted: SQL NULL (a quoted "NULL" is the four letters)
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return _quoted(value.isoformat())
    return _quoted(str(value))


def pg_array(values: Iterable[Any]) -> str:
    """The text form of a one-dimensional PostgreSQL array of `values` (cast it in the SQL:
    `%s::text[]`, `%s::timestamptz[]`, …). Every element but an integer is quoted, so commas,
    braces, quotes, backslashes, spaces and newlines inside strings arrive unchanged; None becomes
    NULL. Datetimes must be aware (ISO 8601 with their offset).

    Strings and integers, nearly every element a bulk statement sends, take the short way here: a
    column of only plain strings (or only integers) is joined in one call, the escaping checked
    once over the whole column; a mixed column goes element by element. A sweep's audit entries
    are 19 columns of 1,000 values each."""
    if not isinstance(values, (list, tuple)):
        values = list(values)
    if not values:
        return "{}"
    kinds = set(map(type, values))
    if kinds == _STR:
        if "\\" in (whole := "".join(values)) or '"' in whole:
            values = [v.replace("\\", "\\\\").replace('"', '\\"') for v in values]
        return '{"' + '","'.join(values) + '"}'
    if kinds == _INT:
        return "{" + ",".join(map(str, values)) + "}"  # digits and a sign need no quotes
    parts = []
    append = parts.append
    for value in values:
        kind = type(value)
        if kind is str:
            append(_quoted(value))
        elif kind is int:
            append(str(value))
        else:
            append(_element(value))
    return "{" + ",".join(parts) + "}"


_STR, _INT = {str}, {int}
