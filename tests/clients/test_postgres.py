"""PostgreSQL-only: number allocation under real concurrency, and the trigram search indexes."""

import threading

import pytest
from django.db import connection, connections

from advisory.numbering import next_number


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_file_numbers_are_unique_under_concurrency():
    # given eight threads allocating numbers at the same time
    results: list[str] = []
    lock = threading.Lock()

    def allocate():
        try:
            got = [next_number(prefix="CL", year=2031) for _ in range(10)]
            with lock:
                results.extend(got)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=allocate) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then every number was handed out exactly once, without gaps
    assert len(results) == 80 and len(set(results)) == 80
    assert sorted(results)[-1] == "CL-2031-000080"


@pytest.mark.postgres
@pytest.mark.django_db
def test_trigram_indexes_exist_for_client_search():
    with connection.cursor() as cur:
        cur.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'clients_client'")
        names = {row[0] for row in cur.fetchall()}
    assert {"clients_client_name_trgm", "clients_client_fileno_trgm", "clients_client_book_idx"} <= names
