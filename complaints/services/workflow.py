"""The complaint state machine (SPEC §4): the table of transitions and the one function that moves."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from advisory.clock import now
from advisory.errors import Conflict, NotAllowed
from advisory.history import audited_save
from advisory.models import User
from advisory.notifications import notifications_resolve, notify
from advisory.texts import Text, text
from audit.models import AuditAction
from audit.services import audit_log

from .. import sla
from ..models import Complaint, EventKind, SatisfactionSurvey, State
from .common import _can_act, _event, _portal_url

# The state machine: one table, one function (CONVENTIONS: state machines are explicit).
# (from, to) -> action name. "reopen" goes back to investigating from resolved or closed.
TRANSITIONS: dict[tuple[str, str], str] = {
    (State.RECEIVED, State.ACKNOWLEDGED): "acknowledge",
    (State.ACKNOWLEDGED, State.INVESTIGATING): "investigate",
    (State.INVESTIGATING, State.WAITING_ON_CLIENT): "wait_on_client",
    (State.WAITING_ON_CLIENT, State.INVESTIGATING): "resume",
    (State.INVESTIGATING, State.RESOLVED): "resolve",
    (State.RESOLVED, State.CLOSED): "close",
    (State.RESOLVED, State.INVESTIGATING): "reopen",
    (State.CLOSED, State.INVESTIGATING): "reopen",
}


ACTION_TARGET = {action: to for (_from, to), action in TRANSITIONS.items()}

# The actions by name, in the reader's language (the buttons that move a ticket, audit reasons).
ACTION_LABELS = {
    "acknowledge": gettext_lazy("Acknowledge"),
    "investigate": gettext_lazy("Start investigating"),
    "wait_on_client": gettext_lazy("Wait for the client"),
    "resume": gettext_lazy("Resume"),
    "resolve": gettext_lazy("Resolve"),
    "close": gettext_lazy("Close"),
    "reopen": gettext_lazy("Reopen"),
}


# What a client may do on their own ticket (confirm the resolution; a reply resumes the clock).
CLIENT_ACTIONS = {"close", "resume"}


def allowed_actions(complaint: Complaint) -> list[str]:
    return [action for (frm, _to), action in TRANSITIONS.items() if frm == complaint.state]


def complaint_transition(
    *, complaint: Complaint, actor: User | None, to_state: str, note: str | Text = "", internal: bool = False
) -> Complaint:
    """Move a ticket along the state machine (SPEC §4). Records who, when and a note, keeps the
    SLA clock (pause on waiting, resume with the paused span added back) and audits it. The note
    is what a person wrote, or a `text("event.…")` the platform adds (e.g. "The client replied.")."""
    with transaction.atomic():
        locked = Complaint.objects.select_for_update().select_related("policy").get(pk=complaint.pk)
        from_state = locked.state
        action = TRANSITIONS.get((from_state, to_state))
        if action is None:
            raise Conflict(
                _("A ticket that is %(from)s cannot be moved to %(to)s.")
                % {
                    "from": State(from_state).label,
                    "to": State(to_state).label if to_state in State.values else to_state,
                }
            )
        if actor is not None:
            if actor.is_client:
                if action not in CLIENT_ACTIONS or locked.client.user_id != actor.pk:
                    raise NotAllowed(_("Only the firm's staff can do this."))
                internal = False
            elif not _can_act(actor, locked):
                raise NotAllowed(_("You may view this ticket but not act on it."))
        if action == "resolve" and not locked.resolution_answer.strip():
            raise Conflict(_("Record the resolution (root cause, remedy and answer) before resolving."))
        stamp = now()
        cal_changed = False
        if from_state == State.WAITING_ON_CLIENT and locked.paused_at:
            locked.paused_seconds += sla.paused_span(locked.paused_at, stamp)
            locked.paused_clock_seconds += int((stamp - locked.paused_at).total_seconds())
            locked.paused_at = None
            cal_changed = True
        if action == "acknowledge":
            locked.acknowledged_at = stamp
            locked.ack_breached = stamp > locked.ack_due_at
            if locked.first_response_at is None and not internal:
                locked.first_response_at = stamp
        elif action == "wait_on_client":
            locked.paused_at = stamp
        elif action == "resolve":
            locked.resolved_at = stamp
            locked.resolution_breached = locked.resolution_breached or stamp > locked.resolve_due_at
        elif action == "close":
            locked.closed_at = stamp
            if actor is not None and actor.is_client:
                locked.client_confirmed_at = stamp
        elif action == "reopen":
            # The span between resolution and reopening does not count against the firm.
            if locked.resolved_at:
                locked.paused_seconds += sla.paused_span(locked.resolved_at, stamp)
                locked.paused_clock_seconds += int((stamp - locked.resolved_at).total_seconds())
            locked.reopened_count += 1
            locked.resolved_at = None
            locked.closed_at = None
            locked.client_confirmed_at = None
            cal_changed = True
        locked.state = to_state
        if cal_changed:
            sla.apply_deadlines(locked)
        else:
            sla.refresh_next_escalation(locked)
        label = ACTION_LABELS.get(action, action)
        step = text("audit.complaint_action", action=label)
        audited_save(
            locked,
            actor=actor,
            # the history keeps the first 250 characters of a long note; the timeline keeps it all
            reason=text(
                "audit.complaint_action_note",
                action=label,
                note=note[:250] if isinstance(note, str) else note,
            )
            if note
            else step,
        )
        notifications_resolve(about=locked)  # e.g. escalations once the ticket is resolved or closed
        _event(
            locked,
            kind=EventKind.TRANSITION,
            actor=actor,
            body=note,
            internal=internal,
            from_state=from_state,
            to_state=to_state,
            at=stamp,
        )
        audit_log(
            actor=actor,
            action=AuditAction.TRANSITION,
            obj=locked,
            reason=note or step,
            changes={"state": [from_state, to_state]},
        )
        if action == "close":
            _send_survey(locked, stamp)
        if not internal and locked.client.user_id and actor is not None and not actor.is_client:
            notify(
                recipients=[locked.client.user],
                kind="complaint.update",
                subject=text("notify.complaint_update", n=locked.number, s=State(to_state).label),
                body=note,
                url=_portal_url(locked),
            )
    complaint.refresh_from_db()
    return locked


def complaint_act(
    *, complaint: Complaint, actor: User, action: str, note: str = "", internal: bool = False
) -> Complaint:
    """Perform a named action ("acknowledge", "reopen", ...) from the ticket's current state."""
    target = next(
        (to for (frm, to), a in TRANSITIONS.items() if a == action and frm == complaint.state), None
    )
    if target is None:
        raise Conflict(
            _("“%(action)s” is not possible while the ticket is %(state)s.")
            % {"action": action.replace("_", " "), "state": complaint.get_state_display()}
        )
    return complaint_transition(
        complaint=complaint, actor=actor, to_state=target, note=note, internal=internal
    )


def _send_survey(complaint: Complaint, stamp: datetime.datetime) -> None:
    import secrets

    survey, created = SatisfactionSurvey.objects.get_or_create(
        complaint=complaint,
        defaults={
            "client": complaint.client,
            "sent_at": stamp,
            "source_ref": f"complaints.complaint:{complaint.pk}",
            "token_nonce": secrets.token_hex(8),
        },
    )
    if created and complaint.client.email:
        # also by email, with the signed single-use link (complaints/feedback.py)
        from ..feedback import survey_email

        survey_email(
            survey, subject=lambda: _("How did we handle complaint %(n)s?") % {"n": complaint.number}
        )
    if created and complaint.client.user_id:
        notify(
            recipients=[complaint.client.user],
            kind="complaint.survey",
            subject=text("notify.complaint_survey", n=complaint.number),
            body=text("notify.complaint_survey_body"),
            url=_portal_url(complaint),
        )
