"""Life events (issue 14, SPEC §2): recorded, and a significant one prompts re-assessment."""

from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils.translation import gettext as _

from advisory.clock import today
from advisory.errors import DomainError
from advisory.history import audited_save
from advisory.texts import text

from .. import conf
from ..models import LifeEvent, LifeEventKind
from .assessments import reassessment_prompt
from .common import _inputs_changed, _require


def life_event_record(
    *,
    client,
    actor,
    kind: str,
    occurred_on: datetime.date,
    note: str = "",
    is_significant: bool | None = None,
) -> LifeEvent:
    """Record a life event (retirement, marriage or divorce, death in the family, large
    inheritance, job loss, change of horizon…) with its date and note. A significant one
    (by default the kinds in RISK_SIGNIFICANT_LIFE_EVENTS) flags the current risk profile for
    re-assessment, which blocks new proposals until the client is re-assessed (SPEC §2)."""
    _require(
        actor, "risk.record_life_event", client, _("Only the client or the client's advisor may record this.")
    )
    if kind not in LifeEventKind.values:
        raise DomainError(_("Choose the kind of event."), field="kind")
    if occurred_on is None:
        raise DomainError(_("Give the date of the event."), field="occurred_on")
    if occurred_on > today() + relativedelta(years=2):
        raise DomainError(_("The date is too far in the future."), field="occurred_on")
    if kind == LifeEventKind.OTHER and not note.strip():
        raise DomainError(_("Describe the event."), field="note")
    significant = kind in conf.get("SIGNIFICANT_LIFE_EVENTS") if is_significant is None else is_significant
    event = LifeEvent(
        client=client,
        kind=kind,
        occurred_on=occurred_on,
        note=note.strip(),
        is_significant=significant,
        recorded_by=actor,
    )
    with transaction.atomic():
        audited_save(event, actor=actor, reason="Life event recorded")
        if significant:
            label = LifeEventKind(kind).label
            flagged = reassessment_prompt(
                client=client,
                reason=text("audit.life_event_label_occurred_on", label=label, occurred_on=occurred_on),
                actor=actor,
            )
            if flagged is not None:
                _inputs_changed(client_ids=[client.pk], reason="life_event")
    return event
