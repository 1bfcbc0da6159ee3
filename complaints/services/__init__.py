"""Every change to complaints (SPEC §4): intake, the state machine, SLA clock, escalation
sweep, resolution, surveys and violation cases. Views, API and tasks call these only.

One module per sub-area; every name is re-exported here, so callers keep
`complaints.services.<name>`."""

from .assignment import complaint_change_sla, complaint_reassign, sla_policy_apply
from .attachments import ALLOWED_UPLOAD_TYPES, MAGIC, attachment_download_log, validate_attachment
from .attachments import _store_attachments as _store_attachments
from .closure import complaint_autoclose_sweep, complaint_purge_personal
from .common import _event as _event
from .common import default_policy, routing_settings
from .escalation import (
    LEVEL_TEXT,
    NEXT_THRESHOLD_FIELD,
    SWEEP_FIELDS,
    complaint_escalation_sweep,
    notification_emails_send,
)
from .intake import complaint_acknowledge_in_portal, complaint_create, complaint_file
from .replies import complaint_reply, notify_client_reply
from .resolution import complaint_resolve, survey_answer
from .violation_cases import (
    VIOLATION_FLOW,
    VIOLATION_REQUIRED,
    measure_add,
    measure_set_status,
    violation_advance,
    violation_open,
    violation_update,
)
from .workflow import (
    ACTION_LABELS,
    ACTION_TARGET,
    CLIENT_ACTIONS,
    TRANSITIONS,
    allowed_actions,
    complaint_act,
    complaint_transition,
)
from .workflow import _send_survey as _send_survey

__all__ = [
    "ACTION_LABELS",
    "ACTION_TARGET",
    "ALLOWED_UPLOAD_TYPES",
    "CLIENT_ACTIONS",
    "LEVEL_TEXT",
    "MAGIC",
    "NEXT_THRESHOLD_FIELD",
    "SWEEP_FIELDS",
    "TRANSITIONS",
    "VIOLATION_FLOW",
    "VIOLATION_REQUIRED",
    "allowed_actions",
    "attachment_download_log",
    "complaint_acknowledge_in_portal",
    "complaint_act",
    "complaint_autoclose_sweep",
    "complaint_change_sla",
    "complaint_create",
    "complaint_escalation_sweep",
    "complaint_file",
    "complaint_purge_personal",
    "complaint_reassign",
    "complaint_reply",
    "complaint_resolve",
    "complaint_transition",
    "default_policy",
    "measure_add",
    "measure_set_status",
    "notification_emails_send",
    "notify_client_reply",
    "routing_settings",
    "sla_policy_apply",
    "survey_answer",
    "validate_attachment",
    "violation_advance",
    "violation_open",
    "violation_update",
]
