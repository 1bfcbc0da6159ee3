from django.db import migrations

DEFAULT_RULES = [
    ("client_file", "Client file", 5, "End of the client relationship"),
    ("service_record", "Service record", 3, "Completion of the service"),
    ("complaint", "Complaint", 5, "Closure of the complaint"),
]


def add_rules(apps, schema_editor):
    RetentionRule = apps.get_model("audit", "RetentionRule")
    for record_type, name, years, trigger in DEFAULT_RULES:
        RetentionRule.objects.get_or_create(
            record_type=record_type, defaults={"name": name, "years": years, "trigger": trigger}
        )


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_archive")]
    operations = [migrations.RunPython(add_rules, migrations.RunPython.noop)]
