"""Array literals for bulk statements: what goes in comes back unchanged (PostgreSQL)."""

import datetime

import pytest
from django.db import connection

from advisory.pgarrays import pg_array

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _roundtrip(values, sql_type):
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT x FROM unnest(%s::{sql_type}[]) WITH ORDINALITY AS t(x, i) ORDER BY i",
            [pg_array(values)],
        )
        return [row[0] for row in cur.fetchall()]


def test_text_with_every_character_the_literal_syntax_uses_comes_back_unchanged():
    values = [
        'a "quoted" word',
        "back\\slash",
        "{braces}",
        "a, b",
        "NULL",
        "",
        " spaced ",
        "line\nbreak",
        "投诉 ✓",
        None,
    ]
    assert _roundtrip(values, "text") == values


def test_numbers_booleans_and_aware_datetimes_keep_their_values():
    at = datetime.datetime(2026, 11, 30, 9, 30, 15, 123456, tzinfo=datetime.UTC)
    assert _roundtrip([1, None, 2**40], "bigint") == [1, None, 2**40]
    assert _roundtrip([True, False, None], "boolean") == [True, False, None]
    assert _roundtrip([at, None], "timestamptz") == [at, None]
    assert _roundtrip([datetime.date(2026, 2, 28)], "date") == [datetime.date(2026, 2, 28)]


def test_an_empty_list_is_an_empty_array():
    assert pg_array([]) == "{}"
    assert _roundtrip([], "text") == []


def test_integers_go_unquoted_and_other_types_by_their_text():
    from django.utils.safestring import mark_safe

    # a str subclass and a bool are not taken for a plain str or int
    assert pg_array([-5, 0, True, mark_safe('a"b')]) == '{-5,0,t,"a\\"b"}'
    assert _roundtrip([-5, 0, 2**62], "bigint") == [-5, 0, 2**62]
    assert _roundtrip([mark_safe('say "hi"\\')], "text") == ['say "hi"\\']


def test_a_column_of_plain_strings_or_integers_takes_the_joined_way_with_the_same_result():
    texts = ['a "quoted" word', "back\\slash", "{braces}", "a, b", "NULL", "", "line\nbreak", "投诉"]
    # the same literal as element by element (a mixed column: one non-str element at the end)
    assert pg_array(texts) + "|" == pg_array([*texts, 1])[:-3] + "}|"
    assert _roundtrip(texts, "text") == texts
    assert _roundtrip(("plain", "words"), "text") == ["plain", "words"]  # a tuple
    assert _roundtrip((str(n) for n in range(3)), "text") == ["0", "1", "2"]  # any iterable
    assert pg_array([3, -2, 2**40]) == "{3,-2,1099511627776}"
