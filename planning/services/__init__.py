"""Every change of state in planning (SPEC §3): snapshots and goals, model portfolio versions,
proposals with their checks and their workflow, documents, and periodic reviews.

One module per sub-area; every name is re-exported here, so callers keep
`planning.services.<name>`."""

from .checks import _risk_profile as _risk_profile
from .checks import proposal_run_checks
from .common import PCT, ZERO
from .document_requests import (
    DOC_ALLOCATION,
    DOC_FINANCIAL,
    DOC_PROPOSAL,
    DOC_RISK,
    DOCUMENT_KINDS,
    document_download_log,
    proposal_document_request,
)
from .goals import GOAL_FIELDS, GOAL_HORIZON_YEARS, goal_save
from .holdings import (
    CSV_COLUMNS,
    HoldingRow,
    ImportPreview,
    holdings_import,
    holdings_parse_csv,
    holdings_record,
    plan_allocation,
    plan_latest_holdings,
)
from .model_portfolios import (
    model_portfolio_create,
    model_portfolio_current,
    model_portfolio_guard_edit,
    model_portfolio_new_version,
    model_portfolio_publish,
    model_portfolios_install_defaults,
)
from .monitoring import (
    MONITORED,
    finding_text,
    on_suitability_inputs_changed,
    proposal_findings,
    proposal_monitor,
    proposal_monitor_sweep,
    proposals_recheck_for,
)
from .proposals import PROPOSAL_FIELDS, proposal_create, proposal_recheck, proposal_update
from .reviews import review_current_values_default, review_drift, review_record, review_schedule_sweep
from .snapshots import SNAPSHOT_FIELDS, SnapshotFigures, snapshot_create, snapshot_figures
from .warning_kinds import warnings_sync
from .workflow import (
    OPEN,
    RESTRICTED_TRANSITIONS,
    TRANSITIONS,
    S,
    Transition,
    allowed_actions,
    proposal_transition,
    restriction_notices,
)

__all__ = [
    "CSV_COLUMNS",
    "DOCUMENT_KINDS",
    "DOC_ALLOCATION",
    "DOC_FINANCIAL",
    "DOC_PROPOSAL",
    "DOC_RISK",
    "GOAL_FIELDS",
    "GOAL_HORIZON_YEARS",
    "HoldingRow",
    "ImportPreview",
    "MONITORED",
    "OPEN",
    "PCT",
    "PROPOSAL_FIELDS",
    "RESTRICTED_TRANSITIONS",
    "S",
    "SNAPSHOT_FIELDS",
    "SnapshotFigures",
    "TRANSITIONS",
    "Transition",
    "ZERO",
    "allowed_actions",
    "document_download_log",
    "finding_text",
    "goal_save",
    "holdings_import",
    "holdings_parse_csv",
    "holdings_record",
    "model_portfolio_create",
    "model_portfolio_current",
    "model_portfolio_guard_edit",
    "model_portfolio_new_version",
    "model_portfolio_publish",
    "model_portfolios_install_defaults",
    "on_suitability_inputs_changed",
    "plan_allocation",
    "plan_latest_holdings",
    "proposal_create",
    "proposal_document_request",
    "proposal_findings",
    "proposal_monitor",
    "proposal_monitor_sweep",
    "proposal_recheck",
    "proposal_run_checks",
    "proposal_transition",
    "proposal_update",
    "proposals_recheck_for",
    "restriction_notices",
    "review_current_values_default",
    "review_drift",
    "review_record",
    "review_schedule_sweep",
    "snapshot_create",
    "snapshot_figures",
    "warnings_sync",
]
