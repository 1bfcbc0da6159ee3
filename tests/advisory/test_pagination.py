"""The capped paginator: exact below the cap, "more than N" above it, every page reachable."""

import pytest
from django.core.paginator import EmptyPage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from advisory.models import User
from advisory.pagination import CappedPaginator
from advisory.roles import Role
from tests.factories import UserFactory


@pytest.fixture
def twelve_people(db):
    for n in range(12):
        UserFactory(email=f"paged{n:02d}@example.test", role=Role.CLIENT)
    return User.objects.filter(email__startswith="paged").order_by("email")


def emails(page) -> list[str]:
    return [u.email[:7] for u in page.object_list]


def test_count_is_exact_at_or_below_the_cap(twelve_people):
    paginator = CappedPaginator(twelve_people, 5, cap=12)

    assert paginator.count == 12
    assert not paginator.capped
    assert paginator.num_pages == 3
    last = paginator.page(3)
    assert emails(last) == ["paged10", "paged11"]
    assert not last.has_next()
    assert (last.start_index(), last.end_index()) == (11, 12)


def test_count_stops_one_past_the_cap(twelve_people):
    paginator = CappedPaginator(twelve_people, 5, cap=7)

    assert paginator.count == 8  # cap + 1: "more than 7"
    assert paginator.capped
    assert paginator.cap_label == "7"


def test_count_is_one_limited_query(twelve_people):
    paginator = CappedPaginator(twelve_people, 5, cap=7)

    with CaptureQueriesContext(connection) as queries:
        paginator.count  # noqa: B018

    assert len(queries) == 1
    sql = queries[0]["sql"].upper()
    assert "COUNT(" in sql and "LIMIT 8" in sql
    assert "ORDER BY" not in sql  # the order does not change a count


def test_capped_list_pages_past_the_counted_pages(twelve_people):
    # given a cap that only counts the first two pages' worth
    paginator = CappedPaginator(twelve_people, 5, cap=7)

    # when paging on to the third page, beyond what was counted
    second, third = paginator.page(2), paginator.page(3)

    # then every row is reachable and "next" is known from the rows themselves
    assert emails(paginator.page(1)) == [f"paged{n:02d}" for n in range(5)]
    assert second.has_next() and second.next_page_number() == 3
    assert emails(third) == ["paged10", "paged11"]
    assert not third.has_next()
    assert third.has_previous() and third.previous_page_number() == 2
    assert (third.start_index(), third.end_index()) == (11, 12)


def test_capped_list_page_past_the_end_falls_back_to_the_last_counted_page(twelve_people):
    paginator = CappedPaginator(twelve_people, 5, cap=7)

    with pytest.raises(EmptyPage):
        paginator.page(9)
    assert paginator.get_page(9).number == paginator.num_pages == 2
    assert paginator.get_page("not a number").number == 1
    assert paginator.get_page(3).number == 3


def test_uncapped_list_behaves_like_djangos_paginator(twelve_people):
    paginator = CappedPaginator(twelve_people, 5, cap=100)

    assert paginator.get_page(9).number == 3  # past the end: the last page
    with pytest.raises(EmptyPage):
        paginator.page(4)


def test_a_plain_list_is_counted_as_before():
    paginator = CappedPaginator(list(range(23)), 10, cap=5)

    assert paginator.count == 23
    assert paginator.num_pages == 3
