"""`make test` runs every test it collects: no two tests share a node id. pytest-xdist's
`--dist loadfile` keys its work by node id, so tests sharing one would run once and the others
would vanish from the run without a failure (the API fuzzing ran 1 of its 251 operations that
way)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import _unique_node_ids

ROOT = Path(__file__).resolve().parents[2]
METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "trace"}


def test_each_api_operation_is_collected_as_a_test_with_an_id_of_its_own():
    from tests.hostile.test_schemathesis import _raw

    operations = sum(1 for path_item in _raw["paths"].values() for method in path_item if method in METHODS)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_XDIST", "PYTEST_CURRENT"))}
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "tests/hostile/test_schemathesis.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    ids = [line for line in out.stdout.splitlines() if "::" in line]
    assert operations > 200
    assert len(ids) == operations
    assert len(set(ids)) == operations
    assert "tests/hostile/test_schemathesis.py::test_api_conforms_to_schema[GET /api/v1/]" in ids


def test_tests_sharing_a_node_id_stop_the_run_instead_of_vanishing():
    items = [SimpleNamespace(nodeid="tests/x.py::test_a"), SimpleNamespace(nodeid="tests/x.py::test_a")]
    with pytest.raises(pytest.UsageError, match="tests/x.py::test_a"):
        _unique_node_ids(items)
    _unique_node_ids(
        [SimpleNamespace(nodeid="tests/x.py::test_a"), SimpleNamespace(nodeid="tests/x.py::test_b")]
    )
