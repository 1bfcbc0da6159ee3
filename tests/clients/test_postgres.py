"""PostgreSQL-only: number allocation under real concurrency, and the trigram search indexes."""

import threading

import pytest
from django.db import connection, connections

from advisory.numbering import next_number
from tests.concurrency import race


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


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_re_recording_due_diligence_while_the_second_reviewer_decides_keeps_the_decision(
    ready_case, advisor, supervisor, compliance_officer
):
    from clients import due_diligence
    from clients.kyc_models import DueDiligence, EddStatus
    from clients.services import onboarding_transition
    from tests.clients.kyc_helpers import CDD_LOW, make_approvable

    # given a high-risk case waiting for the second reviewer
    high = {**CDD_LOW, "ml_risk": "high", "ml_risk_reasons": "资金来源复杂"}
    case = onboarding_transition(case=ready_case, action="submit_for_review", actor=advisor)
    make_approvable(case, supervisor, cdd=high)
    cdd = DueDiligence.objects.get(case=case)
    # when the second reviewer approves, and the first re-records the same facts (a corrected typo
    # elsewhere, say) while the approval is not yet committed
    race(
        lambda: due_diligence.due_diligence_edd_review(
            cdd=cdd, actor=compliance_officer, decision="approve", note="资金来源已核实"
        ),
        lambda: due_diligence.due_diligence_record(case=case, actor=supervisor, data=high),
    )
    # then the approval stands: same facts, no new review needed
    cdd.refresh_from_db()
    assert (cdd.edd_status, cdd.edd_reviewer) == (EddStatus.APPROVED, compliance_officer)
