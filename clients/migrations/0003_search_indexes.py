"""Trigram indexes for the client search (name and file number, case-insensitive `icontains`).

PostgreSQL only (pg_trgm + GIN over UPPER(...), matching what Django emits for icontains);
on SQLite this migration does nothing.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "clients_client_name_trgm": 'UPPER("name"::text) gin_trgm_ops',
    "clients_client_fileno_trgm": 'UPPER("file_number"::text) gin_trgm_ops',
}


class PostgresOnly:
    """Mixin: run the wrapped operation only on PostgreSQL."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class TrigramExtensionIfPostgres(PostgresOnly, TrigramExtension):
    pass


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, expression in INDEXES.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS {name} ON clients_client USING gin ({expression})')


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("clients", "0002_client_files_onboarding")]

    operations = [
        TrigramExtensionIfPostgres(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
