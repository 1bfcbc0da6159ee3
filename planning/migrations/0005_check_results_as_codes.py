"""Check results stored on proposals by earlier releases: each summary message and each line's
suitability reason that matches a known template (advisory.texts, families "check" and
"suitability", in English or Chinese) becomes a code with parameters; the rest keep their
sentence and are shown as stored. Only `checks` changes (no history row: the content means the
same). Safe to run again."""

from django.db import migrations


def _convert(checks: dict) -> bool:
    from advisory.texts import stored_item_from_legacy

    changed = False
    for row in checks.get("summary") or []:
        if isinstance(row, dict) and "code" not in row and row.get("message"):
            item = stored_item_from_legacy(row["message"], ("check",))
            if isinstance(item, dict):
                row.update(item)
                row.pop("message")
                changed = True
    for line in checks.get("lines") or []:
        suit = line.get("suitability") if isinstance(line, dict) else None
        if isinstance(suit, dict) and "code" not in suit and suit.get("reason"):
            item = stored_item_from_legacy(suit["reason"], ("check", "suitability"))
            if isinstance(item, dict):
                suit.update(item)
                suit.pop("reason")
                changed = True
    return changed


def forwards(apps, schema_editor):
    proposal = apps.get_model("planning", "Proposal")
    batch = []
    for row in proposal.objects.exclude(checks={}).only("id", "checks").iterator(500):
        if _convert(row.checks or {}):
            batch.append(row)
        if len(batch) >= 500:
            proposal.objects.bulk_update(batch, ["checks"])
            batch = []
    if batch:
        proposal.objects.bulk_update(batch, ["checks"])


class Migration(migrations.Migration):
    dependencies = [("planning", "0004_merge_0002_plain_text_names_0003_merge_20261130_1426")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
