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
    "Periodic review scheduler": {
        "task": "planning.tasks.review_schedule_sweep_task",
        "crontab": {"minute": "15", "hour": "6"},
    },
    "Complaint SLA escalation sweep": {
        "task": "complaints.tasks.complaint_escalation_sweep_task",
        "every": 60,
    },
    "Complaint auto-close": {
        "task": "complaints.tasks.complaint_autoclose_sweep_task",
        "crontab": {"minute": "30", "hour": "*"},
    },
    "Risk warnings sweep": {"task": "advisory.oversight.tasks.risk_warning_sweep_task", "every": 900},
    "Quality indicator rollup": {"task": "advisory.oversight.tasks.indicator_rollup_task", "every": 900},
    "Retention disposal proposals": {
        "task": "audit.tasks.disposal_proposal_task",
        "crontab": {"minute": "0", "hour": "2"},
    },
    "Audit chain verification": {
        "task": "audit.tasks.audit_verify_task",
        "crontab": {"minute": "30", "hour": "3"},
    },
    "Monthly quality report": {
        "task": "advisory.oversight.tasks.monthly_quality_report_task",
        "crontab": {"minute": "0", "hour": "5", "day_of_month": "1"},
    },
}
