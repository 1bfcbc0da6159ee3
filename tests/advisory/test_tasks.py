"""Every periodic task retries transient errors with back-off, a bounded number of times."""

import pytest
from celery import current_app
from django.db.utils import OperationalError

from advisory.schedules import PERIODIC_TASKS


def test_every_scheduled_task_is_installed_and_retries_transient_errors():
    current_app.loader.import_default_modules()
    for name, spec in PERIODIC_TASKS.items():
        task = current_app.tasks.get(spec["task"])
        assert task is not None, f"{name}: {spec['task']} is not a registered task"
        assert task.acks_late, name
        assert OperationalError in (task.autoretry_for or ()), name
        assert task.max_retries and task.max_retries <= 5, name
        assert task.soft_time_limit and task.time_limit, name


@pytest.mark.django_db
@pytest.mark.parametrize(
    "error,retried",
    [(OperationalError("server closed the connection unexpectedly"), True), (ValueError("a bug"), False)],
)
def test_a_sweep_retries_only_transient_errors(monkeypatch, error, retried):
    from celery.exceptions import Retry

    from complaints import services
    from complaints.tasks import complaint_escalation_sweep_task

    def failing_sweep(**kwargs):
        raise error

    monkeypatch.setattr(services, "complaint_escalation_sweep", failing_sweep)
    # eagerly run tasks report the retry they ask for instead of sleeping through it
    with pytest.raises(Retry if retried else ValueError):
        complaint_escalation_sweep_task.apply(throw=True)
