# The advisor's complaint queue and the quality dashboard's monthly groupings read from indexes
# (docs/benchmarks/load.md, "List pages at 1M after pagination/index changes"). Built
# CONCURRENTLY on PostgreSQL: the complaints table has millions of rows at a large firm.

from django.conf import settings
from django.db import migrations, models

from advisory.migration_operations import AddIndexOnline, RemoveIndexOnline

OPEN_STATES = ["received", "acknowledged", "investigating", "waiting_on_client"]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("clients", "0013_merge_20261130_1435"),
        ("complaints", "0014_field_labels_recipient_opening_words"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexOnline(
            model_name="complaint",
            index=models.Index(
                condition=models.Q(("state__in", OPEN_STATES)),
                fields=["client", "assignee"],
                name="complaint_open_client",
            ),
        ),
        AddIndexOnline(
            model_name="complaint",
            index=models.Index(
                fields=["received_at"],
                include=(
                    "id",
                    "client",
                    "state",
                    "resolved_at",
                    "resolve_due_at",
                    "ack_breached",
                    "resolution_breached",
                ),
                name="complaint_received_cover",
            ),
        ),
        # the covering index above serves every query the plain one did
        RemoveIndexOnline(model_name="complaint", name="complaint_received"),
        AddIndexOnline(
            model_name="complaint",
            index=models.Index(
                condition=models.Q(("first_response_at__isnull", False)),
                fields=["first_response_at"],
                include=("id", "client", "received_at"),
                name="complaint_first_response",
            ),
        ),
        AddIndexOnline(
            model_name="complaint",
            index=models.Index(
                condition=models.Q(("resolved_at__isnull", False)),
                fields=["resolved_at"],
                include=("id", "client", "received_at"),
                name="complaint_resolved",
            ),
        ),
    ]
