"""The covering index of an advisor's book exists on PostgreSQL only (SQLite has no INCLUDE and
its system check warns about it): (advisor_id, id) INCLUDE (name, file_number) lets the client
search and the onboarding list read a book from the index alone."""

from django.db import migrations

SQL = (
    "CREATE INDEX IF NOT EXISTS clients_client_book_idx "
    "ON clients_client (advisor_id, id) INCLUDE (name, file_number)"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SQL)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS clients_client_book_idx")


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0006_client_book_covering_index"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="client", name="clients_client_book_idx"),
        migrations.RunPython(create, drop),
    ]
