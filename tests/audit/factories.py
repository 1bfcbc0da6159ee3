import datetime

import factory
from django.utils import timezone

from audit.models import AuditExport
from tests.factories import UserFactory


class AuditExportFactory(factory.django.DjangoModelFactory):
    """A record type with retention (service_record: completion + 3 years) owned by the audit app."""

    class Meta:
        model = AuditExport

    format = "csv"
    filters = factory.LazyFunction(lambda: {"client_id": "7", "note": "Mrs Example's file"})
    client_id = 7
    requested_by = factory.SubFactory(UserFactory, role="compliance")
    created_at = factory.LazyFunction(timezone.now)
    completed_at = factory.LazyFunction(timezone.now)


def years_ago(years: int, days: int = 0) -> datetime.datetime:
    now = timezone.now()
    return now.replace(year=now.year - years) - datetime.timedelta(days=days)
