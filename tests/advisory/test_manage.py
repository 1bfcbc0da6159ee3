"""manage.py: Django's set-up runs without the cyclic garbage collector, which is back on (with the
set-up's objects frozen) before the command runs."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_commands_run_with_the_collector_on_and_the_set_up_frozen(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "advisory.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
    }
    code = "import gc; print('collector', gc.isenabled(), gc.get_freeze_count())"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    _, enabled, frozen = result.stdout.split()[-3:]
    assert enabled == "True"
    assert int(frozen) > 50_000  # the apps, models and modules of the set-up
