"""The beat schedule names the oversight tasks by their exact dotted paths."""

import importlib

from advisory.schedules import PERIODIC_TASKS


def test_oversight_periodic_tasks_exist():
    paths = {
        spec["task"] for spec in PERIODIC_TASKS.values() if spec["task"].startswith("advisory.oversight.")
    }
    assert paths >= {
        "advisory.oversight.tasks.risk_warning_sweep_task",
        "advisory.oversight.tasks.monthly_quality_report_task",
        "advisory.oversight.tasks.indicator_rollup_task",
    }
    for path in paths:
        module, name = path.rsplit(".", 1)
        task = getattr(importlib.import_module(module), name)
        assert task.name == path


def test_rollup_task_runs(db):
    from advisory.oversight.models import IndicatorSnapshot
    from advisory.oversight.tasks import indicator_rollup_task

    assert indicator_rollup_task() == IndicatorSnapshot.objects.count() >= 12
