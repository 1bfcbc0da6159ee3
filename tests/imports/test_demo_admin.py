"""Demo data (one completed import) and the read-only admin of import batches."""

import pytest

from advisory.roles import Role
from clients.models import Client
from imports import demo
from imports.models import ImportBatch, ImportState
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_demo_seed_makes_one_completed_import_and_is_idempotent(django_capture_on_commit_callbacks):
    # given: the demo compliance officer and advisor
    UserFactory(role=Role.COMPLIANCE, email="compliance@demo.advisory")
    UserFactory(role=Role.ADVISOR, email="advisor@demo.advisory")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed({})
    demo.seed({})
    # then
    batch = ImportBatch.objects.get()
    assert batch.state == ImportState.COMPLETED and batch.result["created"] == {"clients.client": 2}
    assert Client.objects.filter(advisor__email="advisor@demo.advisory").count() == 2


def test_admin_lists_batches_read_only(web_as, administrator, compliance_officer, advisor):
    from imports import services
    from tests.imports.helpers import client_row, to_csv

    batch = services.batch_upload(
        actor=compliance_officer, kind="clients", name="a.csv", data=to_csv([client_row(1, advisor.email)])
    )
    http = web_as(administrator)
    page = http.get("/admin/imports/importbatch/")
    assert page.status_code == 200 and batch.number in page.content.decode()
    assert http.get(f"/admin/imports/importbatch/{batch.pk}/change/").status_code == 200
    assert http.get("/admin/imports/importbatch/add/").status_code == 403
    assert http.post(f"/admin/imports/importbatch/{batch.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ImportBatch.objects.filter(pk=batch.pk).exists()
