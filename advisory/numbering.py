"""Human-facing record numbers: PREFIX-YEAR-NNNNNN (client files CL, onboarding cases ACC,
complaints CP, proposals PRP). One allocator for the whole product."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from .models import NumberSequence


def next_number(*, prefix: str, year: int) -> str:
    """Allocate the next number. The counter row is locked (SELECT FOR UPDATE on PostgreSQL;
    SQLite serialises writers) until the caller's transaction ends, so concurrent requests never
    get the same number. Numbers are never reused, even when the caller rolls back later."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                NumberSequence.objects.get_or_create(prefix=prefix, year=year)
        except IntegrityError:  # created by a concurrent request a moment ago
            pass
        seq = NumberSequence.objects.select_for_update().get(prefix=prefix, year=year)
        seq.last_value += 1
        seq.save(update_fields=["last_value"])
        return f"{prefix}-{year}-{seq.last_value:06d}"


def next_number_block(*, prefix: str, year: int, count: int) -> list[str]:
    """Allocate `count` consecutive numbers at once (bulk imports): one locked counter update
    instead of one per record, with the same guarantees as `next_number`."""
    if count <= 0:
        return []
    with transaction.atomic():
        try:
            with transaction.atomic():
                NumberSequence.objects.get_or_create(prefix=prefix, year=year)
        except IntegrityError:
            pass
        seq = NumberSequence.objects.select_for_update().get(prefix=prefix, year=year)
        first = seq.last_value + 1
        seq.last_value += count
        seq.save(update_fields=["last_value"])
    return [f"{prefix}-{year}-{n:06d}" for n in range(first, first + count)]
