"""Capacity reasoning and contradictions stored on risk assessments by earlier releases: each
sentence that matches a known template (advisory.texts, family "risk") becomes a code with
parameters; the rest stay as stored. Safe to run again."""

from django.db import migrations


def forwards(apps, schema_editor):
    from advisory.texts import stored_item_from_legacy

    assessment = apps.get_model("risk", "RiskAssessment")
    batch = []
    rows = assessment.objects.only("id", "capacity_notes", "contradictions").iterator(500)
    for row in rows:
        notes = [stored_item_from_legacy(n, ("risk",)) for n in row.capacity_notes or []]
        found = [stored_item_from_legacy(c, ("risk",)) for c in row.contradictions or []]
        if notes != (row.capacity_notes or []) or found != (row.contradictions or []):
            row.capacity_notes, row.contradictions = notes, found
            batch.append(row)
        if len(batch) >= 500:
            assessment.objects.bulk_update(batch, ["capacity_notes", "contradictions"])
            batch = []
    if batch:
        assessment.objects.bulk_update(batch, ["capacity_notes", "contradictions"])


class Migration(migrations.Migration):
    dependencies = [("risk", "0005_merge_0003_plain_text_names_0004_merge_20261130_1426")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
