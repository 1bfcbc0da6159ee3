"""Planning's warning kinds synced with what is found, merged with the kinds risk shares."""

from __future__ import annotations

from django.db import transaction


def warnings_sync() -> dict[str, int]:
    """Sync planning's warning kinds. Kinds planning shares with risk (suitability, profile) are
    synced with risk's subjects merged in, so this never closes a warning risk raised."""
    from advisory.warnings import warning_sync
    from risk.warnings import active_warnings as risk_warnings

    from ..warnings import active_warnings

    mine = active_warnings()
    shared = {k: v for k, v in risk_warnings().items() if k in mine}
    counts = {}
    for kind, active in mine.items():
        merged = {**shared.get(kind, {}), **active}
        with transaction.atomic():
            counts[kind] = warning_sync(kind=kind, active=merged)["open"]
    return counts
