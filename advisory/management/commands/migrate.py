"""`migrate` runs as the database owner role when MIGRATE_DATABASE_URL is set (the `migrate` alias,
docs/operations.md "Database roles"): the application's own role owns nothing and cannot change the
schema or disable the audit triggers. The `default` connection is pointed at the owner credentials
for the whole command, so data migrations and post-migrate hooks (which use `default`) run as the
owner too; the application role (the original `default` user) is then granted its rights by the
audit app's post-migrate hook. Without that alias this is Django's `migrate`."""

from django.conf import settings
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import DEFAULT_DB_ALIAS, connections

_CREDENTIALS = ("NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")


class Command(DjangoMigrate):
    def handle(self, *args, **options):
        owner = settings.DATABASES.get("migrate")
        if options.get("database") != DEFAULT_DB_ALIAS or not owner:
            return super().handle(*args, **options)
        default = connections[DEFAULT_DB_ALIAS]
        if not getattr(settings, "DATABASE_APP_ROLE", ""):
            settings.DATABASE_APP_ROLE = default.settings_dict.get("USER") or ""
        saved = {k: default.settings_dict.get(k) for k in _CREDENTIALS}
        default.close()
        default.settings_dict.update({k: owner[k] for k in _CREDENTIALS if k in owner})
        try:
            return super().handle(*args, **options)
        finally:
            default.close()
            default.settings_dict.update(saved)
