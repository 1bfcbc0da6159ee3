"""Periodic tasks, declared in code and installed into django-celery-beat by
`manage.py setup_periodic_tasks` (administrators can then edit them in the admin)."""

# name -> (task path, crontab fields or interval seconds)
PERIODIC_TASKS: dict[str, dict] = {
    "Outbox dispatcher and stalled jobs": {"task": "advisory.tasks.outbox_dispatch_task", "every": 30},
    "Onboarding SLA sweep": {"task": "clients.tasks.onboarding_overdue_sweep_task", "every": 300},
    "Risk profile expiry reminders": {
        "task": "risk.tasks.assessment_expiry_sweep_task",
        "crontab": {"minute": "0", "hour": "7"},
    },
    "Product rating reviews and exception expiry": {
        "task": "risk.tasks.rating_review_sweep_task",
        "crontab": {"minute": "5", "hour": "7"},
    },
    "Suitability re-check of issued and accepted proposals": {
        "task": "planning.tasks.proposal_monitor_sweep_task",
        "crontab": {"minute": "30", "hour": "1"},
    },
    "Periodic review scheduler": {
        "task": "planning.tasks.review_schedule_sweep_task",
        "crontab": {"minute": "15", "hour": "6"},
    },
    "Complaint SLA escalation sweep": {
        "task": "complaints.tasks.complaint_escalation_sweep_task",
        "every": 60,
    },
    "Complaint mailboxes": {"task": "complaints.tasks.mailbox_poll_task", "every": 60},
    "Complaint auto-close": {
        "task": "complaints.tasks.complaint_autoclose_sweep_task",
        "crontab": {"minute": "30", "hour": "*"},
    },
    "Return visits and surveys after events": {
        "task": "complaints.tasks.service_event_sweep_task",
        "crontab": {"minute": "20", "hour": "*"},
    },
    "Quarterly return-visit sample": {
        "task": "complaints.tasks.return_visit_sampling_task",
        "crontab": {"minute": "40", "hour": "6"},
    },
    "Yearly satisfaction surveys": {
        "task": "complaints.tasks.survey_annual_task",
        "crontab": {"minute": "50", "hour": "9"},
    },
    "Risk warnings sweep": {"task": "advisory.oversight.tasks.risk_warning_sweep_task", "every": 900},
    "Quality indicator rollup": {"task": "advisory.oversight.tasks.indicator_rollup_task", "every": 900},
    "Retention disposal proposals": {
        "task": "audit.tasks.disposal_proposal_task",
        "crontab": {"minute": "0", "hour": "2"},
    },
    "Audit chain sequencer": {"task": "audit.tasks.audit_chain_task", "every": 30},
    "Audit chain verification": {
        "task": "audit.tasks.audit_verify_task",
        "crontab": {"minute": "30", "hour": "3"},
    },
    "Audit chain full verification": {
        "task": "audit.tasks.audit_verify_full_task",
        "crontab": {"minute": "30", "hour": "4", "day_of_week": "0"},
    },
    "Audit trail monthly partitions": {
        "task": "audit.tasks.audit_partitions_task",
        "crontab": {"minute": "45", "hour": "0"},
    },
    "Audit chain signed checkpoint": {
        "task": "audit.tasks.audit_checkpoint_task",
        "crontab": {"minute": "5", "hour": "*"},
    },
    "Monthly quality report": {
        "task": "advisory.oversight.tasks.monthly_quality_report_task",
        "crontab": {"minute": "0", "hour": "5", "day_of_month": "1"},
    },
    "Training plan shortfall warnings": {
        "task": "advisory.staff.tasks.training_shortfall_sweep_task",
        "crontab": {"minute": "0", "hour": "8", "day_of_month": "1"},
    },
    "Conflict-of-interest declaration reminders": {
        "task": "advisory.staff.tasks.declaration_due_sweep_task",
        "crontab": {"minute": "10", "hour": "8", "day_of_month": "2"},
    },
    "Suspension end notices": {
        "task": "advisory.staff.tasks.restriction_end_sweep_task",
        "crontab": {"minute": "5", "hour": "0"},
    },
    "Internal audit findings overdue": {
        "task": "advisory.staff.tasks.findings_overdue_sweep_task",
        "crontab": {"minute": "20", "hour": "7"},
    },
    "Rectification measures overdue": {
        "task": "complaints.tasks.measures_overdue_sweep_task",
        "crontab": {"minute": "25", "hour": "7"},
    },
    "Conduct digest of closed violation cases": {
        "task": "complaints.tasks.conduct_digest_task",
        "crontab": {"minute": "30", "hour": "6", "day_of_month": "1"},
    },
}
