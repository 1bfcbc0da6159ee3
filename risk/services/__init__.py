"""Every change of state in risk profiling, suitability and the firm risk register (SPEC §2, §6).

Hooks for other apps
--------------------
* ``suitability_check(client=..., product=...)`` is THE suitability rule; planning calls it on
  every proposal save and looks up an approved exception with
  ``risk.selectors.approved_exception(client=..., product=...)``.
* Significant change in a client's situation (SPEC §2: income, horizon, life event): call
  ``reassessment_prompt(client=client, reason="Income changed", actor=user)`` — or send the
  signal ``risk.signals.significant_change.send(sender=Client, client=client, reason="...")``
  (connected to ``reassessment_prompt`` in ``RiskConfig.ready``). It flags the client's current
  profile as needing re-assessment and notifies the advisor (and the client if they have a
  portal login). It never changes the level itself.
* Capacity reads ``clients.models.Client.income_stability`` (stable / variable / irregular) and
  ``emergency_reserve_months`` (liquid_reserves / monthly_expenses). An empty value falls back
  to the questionnaire's income answer (stability) or leaves capacity unconstrained by that
  input (reserves); the assessment's ``capacity_notes`` say which.

One module per sub-area; every name is re-exported here, so callers keep
`risk.services.<name>`."""

from .assessments import (
    SIGNIFICANT_INCOME_CHANGE,
    assessment_add_note,
    assessment_answer,
    assessment_confirm,
    assessment_expiry_sweep,
    assessment_submit,
    client_financial_change_check,
    reassessment_prompt,
    significant_change_reasons,
    valid_until_for,
)
from .common import LEVELS, REMINDER_DAYS, VALIDITY_MONTHS
from .life_events import life_event_record
from .professional import professional_classification_record, professional_evidence_download_log
from .questionnaires import (
    question_delete,
    question_save,
    questionnaire_new_version,
    questionnaire_version_publish,
    questionnaire_version_update,
    validate_score_bands,
)
from .ratings import product_rating_approve, product_rating_reject, product_rating_submit, rating_review_sweep
from .register import (
    DEFAULT_RISK_MATRIX,
    RISK_FIELDS,
    risk_create,
    risk_level_for,
    risk_matrix,
    risk_matrix_levels,
    risk_reviewed,
    risk_update,
)
from .register import _next_reference as _next_reference
from .scoring import CONTRADICTION_RULES, HORIZON_CAPACITY, ScoreResult, capacity_level, score_answers
from .suitability import SuitabilityResult, suitability_check
from .suitability_exceptions import (
    DEFAULT_WARNING_TEXT,
    EXCEPTION_TRANSITIONS,
    default_warning_text,
    exception_covers,
    exception_expiry_sweep,
    suitability_exception_approve,
    suitability_exception_client_confirm,
    suitability_exception_reject,
    suitability_exception_request,
    suitability_exception_withdraw,
    suitability_exceptions_lapse,
)

__all__ = [
    "CONTRADICTION_RULES",
    "DEFAULT_RISK_MATRIX",
    "DEFAULT_WARNING_TEXT",
    "default_warning_text",
    "EXCEPTION_TRANSITIONS",
    "HORIZON_CAPACITY",
    "LEVELS",
    "REMINDER_DAYS",
    "RISK_FIELDS",
    "SIGNIFICANT_INCOME_CHANGE",
    "ScoreResult",
    "SuitabilityResult",
    "VALIDITY_MONTHS",
    "assessment_add_note",
    "assessment_answer",
    "assessment_confirm",
    "assessment_expiry_sweep",
    "assessment_submit",
    "capacity_level",
    "client_financial_change_check",
    "exception_covers",
    "exception_expiry_sweep",
    "life_event_record",
    "product_rating_approve",
    "product_rating_reject",
    "product_rating_submit",
    "professional_classification_record",
    "professional_evidence_download_log",
    "question_delete",
    "question_save",
    "questionnaire_new_version",
    "questionnaire_version_publish",
    "questionnaire_version_update",
    "rating_review_sweep",
    "reassessment_prompt",
    "risk_create",
    "risk_level_for",
    "risk_matrix",
    "risk_matrix_levels",
    "risk_reviewed",
    "risk_update",
    "score_answers",
    "significant_change_reasons",
    "suitability_check",
    "suitability_exception_approve",
    "suitability_exception_client_confirm",
    "suitability_exception_reject",
    "suitability_exception_request",
    "suitability_exception_withdraw",
    "suitability_exceptions_lapse",
    "valid_until_for",
    "validate_score_bands",
]
