# The review queues (submitted, risk approved) are ordered by (updated_at, id) descending: the queue
# index carries the tie-breaker, so a page reads 25 entries and stops (docs/benchmarks/load.md).
# Built CONCURRENTLY on PostgreSQL; the new index serves every query the old one did.

from django.db import migrations, models

from advisory.migration_operations import AddIndexOnline, RemoveIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("planning", "0001_squashed"),
    ]

    operations = [
        AddIndexOnline(
            model_name="proposal",
            index=models.Index(fields=["status", "updated_at", "id"], name="proposal_status_updated"),
        ),
        RemoveIndexOnline(model_name="proposal", name="planning_pr_status_17ea52_idx"),
    ]
