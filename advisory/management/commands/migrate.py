"""`migrate` runs as the database owner role when a `migrate` alias is configured
(MIGRATE_DATABASE_URL, docs/operations.md): the application's own role owns nothing and cannot
change the schema or disable the audit triggers. Without that alias it is Django's `migrate`."""

from django.conf import settings
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import DEFAULT_DB_ALIAS


class Command(DjangoMigrate):
    def handle(self, *args, **options):
        if options.get("database") == DEFAULT_DB_ALIAS and "migrate" in settings.DATABASES:
            options["database"] = "migrate"
        return super().handle(*args, **options)
