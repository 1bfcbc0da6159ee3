"""PostgreSQL: drop the `varchar_pattern_ops` index Django adds beside the unique index of a
CharField. It serves only case-sensitive `LIKE 'prefix%'` lookups on the ticket number, and none is
made: the staff search and the API search use `icontains` (UPPER(…) LIKE '%…%', which no btree
index serves), the exact number uses the unique index. Every ticket insert, and every escalation
that is not an in-place (HOT) update, no longer writes an entry into it."""

from django.db import migrations

NAME = "complaints_complaint_number_0bd00cd2_like"


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON complaints_complaint (number varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0018_escalation_timers")]

    operations = [migrations.RunPython(drop, create)]
