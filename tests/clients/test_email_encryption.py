"""The client's email is encrypted at rest (client and history tables), found by a keyed hash,
and never written in plaintext to the audit trail."""

import importlib

import pytest
from django.apps import apps as global_apps
from django.db import connection

from audit.models import AuditEntry
from clients import services
from clients.identity import email_hash
from clients.models import Client

pytestmark = pytest.mark.django_db

EMAIL = "Zhang.San@Example.TEST"


def _raw(table: str, column: str, where: str, value) -> list:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {where} = %s", [value])  # noqa: S608
        return [r[0] for r in cursor.fetchall()]


def test_email_is_encrypted_in_the_client_and_history_tables_and_found_by_hash(advisor):
    client = services.client_create(actor=advisor, data={"name": "Zhang San", "email": EMAIL})
    services.client_update(client=client, actor=advisor, data={"email": "new@example.test"}, reason="moved")
    # the model reads it back, normalised
    client.refresh_from_db()
    assert client.email == "new@example.test"
    # the database holds no plaintext, in the row or in any history row
    raw_rows = _raw("clients_client", "email", "id", client.pk)
    raw_history = _raw("clients_historicalclient", "email", "id", client.pk)
    assert raw_rows and raw_history
    for raw in raw_rows + raw_history:
        assert raw and "@" not in raw and "example" not in raw.lower()
    # the keyed hash finds the client without decrypting
    assert Client.objects.get(email_hash=email_hash(" NEW@example.test ")) == client
    assert email_hash("new@example.test") != email_hash("other@example.test")


def test_audit_trail_holds_no_plaintext_email(advisor):
    client = services.client_create(actor=advisor, data={"name": "Zhang San", "email": EMAIL})
    services.client_update(client=client, actor=advisor, data={"email": "new@example.test"}, reason="moved")
    texts = [
        str(e.changes) + e.reason + e.record_label
        for e in AuditEntry.objects.filter(record_type="clients.client", record_id=str(client.pk))
    ]
    assert len(texts) == 2  # opened, then updated
    assert not any("example.test" in t.lower() for t in texts)


def test_data_migration_encrypts_existing_plaintext_emails(advisor):
    # given a row written before the change: plaintext email, no hash
    client = services.client_create(actor=advisor, data={"name": "Li Si"})
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE clients_client SET email = %s, email_hash = '' WHERE id = %s",
            ["Li.Si@Example.test", client.pk],
        )
    # when the data migration runs
    migration = importlib.import_module("clients.migrations.0011_encrypted_client_email")
    migration.encrypt_existing_emails(global_apps, None)
    # then the row is encrypted and hashed
    raw = _raw("clients_client", "email", "id", client.pk)[0]
    assert "@" not in raw
    client.refresh_from_db()
    assert client.email == "li.si@example.test" and client.email_hash == email_hash("li.si@example.test")
