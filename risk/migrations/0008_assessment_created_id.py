# The assessments list is ordered by (created_at, id) descending: an index on both lets a page read
# its 25 entries and stop, however many assessments share a moment (docs/benchmarks/load.md). Built
# CONCURRENTLY on PostgreSQL: a large firm has millions of assessments.

from django.db import migrations, models

from advisory.migration_operations import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("risk", "0001_squashed"),
    ]

    operations = [
        AddIndexOnline(
            model_name="riskassessment",
            index=models.Index(fields=["created_at", "id"], name="assessment_created_id"),
        ),
    ]
