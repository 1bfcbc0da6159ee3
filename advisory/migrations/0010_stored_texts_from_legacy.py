"""Existing warnings and notifications: the sentences written by earlier releases become codes
with parameters where they match a known template (in English, or in Chinese for notifications
that were written in the actor's language); the rest stay as legacy text and are shown as
they are. Forward only changes rows without a code, so it is safe to run again."""

from django.db import migrations

BATCH = 2000


def convert_warnings(apps, schema_editor):
    from advisory.texts import LEGACY_LANGUAGES, recognise

    warning = apps.get_model("advisory", "RiskWarning")
    changed = []
    for row in (
        warning.objects.filter(message_code="").exclude(message="").only("id", "message").iterator(BATCH)
    ):
        found = recognise(row.message, "warning", LEGACY_LANGUAGES)
        if found:
            row.message_code, row.message_params = found.code, found.params
            changed.append(row)
        if len(changed) >= BATCH:
            warning.objects.bulk_update(changed, ["message_code", "message_params"])
            changed = []
    if changed:
        warning.objects.bulk_update(changed, ["message_code", "message_params"])


def convert_notifications(apps, schema_editor):
    from advisory.texts import LEGACY_LANGUAGES, recognise

    notification = apps.get_model("advisory", "Notification")
    fields = ["subject_code", "subject_params", "subject", "body_code", "body_params", "body"]
    changed = []
    rows = notification.objects.filter(subject_code="").only("id", "subject", "body").iterator(BATCH)
    for row in rows:
        subject = recognise(row.subject, "notify", LEGACY_LANGUAGES)
        if not subject:
            continue
        row.subject_code, row.subject_params, row.subject = subject.code, subject.params, ""
        body = recognise(row.body, "notify", LEGACY_LANGUAGES) if row.body else None
        if body:
            row.body_code, row.body_params, row.body = body.code, body.params, ""
        changed.append(row)
        if len(changed) >= BATCH:
            notification.objects.bulk_update(changed, fields)
            changed = []
    if changed:
        notification.objects.bulk_update(changed, fields)


class Migration(migrations.Migration):
    dependencies = [("advisory", "0009_stored_texts_as_codes")]

    operations = [
        migrations.RunPython(convert_warnings, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(convert_notifications, migrations.RunPython.noop, elidable=True),
    ]
