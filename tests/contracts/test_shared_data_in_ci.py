"""Real-document tests never skip silently under CI (issue 11, item 6): with CI=true a
missing ../shared/corpus or ../shared/seeds fails the run; outside CI it skips with the
reason. Each case runs one real test in a child pytest with the folder pointed elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CASES = [  # (test that needs the folder, the variable that locates it)
    ("tests/core/coding/test_refi.py::test_real_samples_import", "OBSERVATORY_CORPUS"),
    ("tests/core/ingest/test_golden.py::test_seed_gold_set", "OBSERVATORY_SEEDS"),
]


def _run(test: str, variable: str, missing_dir: Path, ci: str) -> subprocess.CompletedProcess:
    env = {**os.environ, variable: str(missing_dir), "CI": ci,
           "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           test], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize(("test", "variable"), CASES)
def test_missing_shared_folder_fails_under_ci(tmp_path, test, variable):
    done = _run(test, variable, tmp_path / "absent", "true")
    assert "skipped" not in done.stdout, done.stdout + done.stderr
    assert done.returncode != 0 and "passed" not in done.stdout  # failed or errored
    assert "must run, not skip" in done.stdout


def test_missing_corpus_skips_outside_ci(tmp_path):
    test, variable = CASES[0]
    done = _run(test, variable, tmp_path / "absent", "false")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 skipped" in done.stdout and "not found" in done.stdout + done.stderr
