"""Escalation timers in a table of their own (complaints/timers.py): the table, the timers of the
tickets whose clock runs today, the tickets table's fillfactor, and the old sweep index dropped.
The triggers that keep the timers are installed after `migrate` (post_migrate), like every trigger
that SQLite would lose when a later migration rebuilds the table."""

import django.db.models.deletion
from django.db import migrations, models

RUNNING = ("received", "acknowledged", "investigating")  # CLOCK_RUNNING_STATES when this was written


def fill_timers(apps, schema_editor):
    Complaint = apps.get_model("complaints", "Complaint")
    EscalationTimer = apps.get_model("complaints", "EscalationTimer")
    with schema_editor.connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {EscalationTimer._meta.db_table} (complaint_id, due_at)"  # noqa: S608
            f" SELECT id, next_escalation_at FROM {Complaint._meta.db_table}"
            " WHERE next_escalation_at IS NOT NULL AND state IN (%s, %s, %s)",
            list(RUNNING),
        )


def set_fillfactor(apps, schema_editor):
    """Room on each page for a ticket's next version (HOT updates). Applies to pages written from
    now on; existing pages get it when the table is rewritten (VACUUM FULL, pg_repack)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE complaints_complaint SET (fillfactor = 90)")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE complaints_complaint RESET (fillfactor)")


class Migration(migrations.Migration):

    dependencies = [
        ('complaints', '0001_squashed'),
    ]

    operations = [
        migrations.CreateModel(
            name='EscalationTimer',
            fields=[
                ('complaint', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='escalation_timer', serialize=False, to='complaints.complaint', verbose_name='complaint')),
                ('due_at', models.DateTimeField(db_index=True, verbose_name='next escalation')),
            ],
            options={
                'verbose_name': 'escalation timer',
                'verbose_name_plural': 'escalation timers',
            },
        ),
        migrations.RunPython(fill_timers, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(set_fillfactor, reset_fillfactor),
        migrations.RemoveIndex(
            model_name='complaint',
            name='complaint_escalation_due',
        ),
    ]
