"""Packaging (issue 11.7): pyproject declares the runtime dependencies with lower bounds,
requirements.txt pins them, the lock files pin every package with hashes, benchmark-only
tools are dev dependencies, and `pip install .` in a clean venv gives a working
`observatory` (scripts/check-install.sh, slow)."""

from __future__ import annotations

import importlib.metadata as md
import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*(==|>=)\s*([^\s;,\\]+)")
NOT_LOCKED = {"pip", "setuptools", "wheel", "case-review-observatory"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = NAME.match(line.split(" #")[0].strip())
        if match:
            out[_norm(match.group(1))] = match.group(3)
    return out


def _lock(path: Path) -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) from a `pip-compile --generate-hashes` file."""
    entries: dict[str, tuple[str, int]] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        match = NAME.match(line)
        if match:
            current = _norm(match.group(1))
            entries[current] = (match.group(3), 0)
        elif current and "--hash=sha256:" in line:
            version, hashes = entries[current]
            entries[current] = (version, hashes + 1)
    return entries


def test_pyproject_declares_each_runtime_requirement_with_its_pin_as_lower_bound():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {}
    for spec in project["dependencies"]:
        match = NAME.match(spec)
        assert match and match.group(2) == ">=", f"{spec}: give a lower bound (>=)"
        declared[_norm(match.group(1))] = match.group(3)
    assert declared == _pins(ROOT / "requirements.txt")


@pytest.mark.parametrize(("lock", "requirements"), [
    ("requirements.lock", "requirements.txt"), ("requirements-dev.lock", "requirements-dev.txt")])
def test_lock_pins_every_requirement_with_hashes(lock, requirements):
    locked = _lock(ROOT / lock)
    wanted = _pins(ROOT / "requirements.txt") | _pins(ROOT / requirements)
    stale = {n: v for n, v in wanted.items() if locked.get(n, ("",))[0] != v}
    assert not stale, f"{lock} is stale for {stale}: run scripts/lock.sh"
    unhashed = [n for n, (_, hashes) in locked.items() if hashes == 0]
    assert not unhashed, f"{lock}: no hashes for {unhashed}"


def test_every_installed_package_is_locked_at_its_installed_version():
    """The environment the tests run in is exactly the dev lock (nothing installed by hand
    and forgotten). After adding a dependency, run scripts/lock.sh."""
    locked = _lock(ROOT / "requirements-dev.lock")
    installed = {_norm(d.metadata["Name"]): d.version for d in md.distributions()}
    wrong = {n: v for n, v in installed.items()
             if n not in NOT_LOCKED and locked.get(n, ("",))[0] != v}
    assert not wrong, f"installed but not pinned in requirements-dev.lock: {wrong}"


def test_runtime_requirements_hold_no_benchmark_or_test_tools():
    runtime = _pins(ROOT / "requirements.txt")
    for tool in ("ocrmypdf", "lxml", "pytest", "hypothesis", "ruff", "playwright"):
        assert tool not in runtime, f"{tool} is for tests or benchmarks: requirements-dev.txt"
    assert "ocrmypdf" in _pins(ROOT / "requirements-dev.txt")


@pytest.mark.slow
def test_pip_install_in_a_clean_venv_gives_a_working_observatory():
    """Builds the wheel and installs it with the locked runtime packages into a fresh venv
    (no shared site-packages), offline from the wheel cache; see scripts/check-install.sh."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(["bash", "scripts/check-install.sh"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=1800)
    output = done.stdout + done.stderr
    if done.returncode != 0 and "download" in output.lower() and "could not" in output.lower() \
            and os.environ.get("CI", "").lower() != "true":
        pytest.skip("the wheel cache is empty and PyPI cannot be reached")
    assert done.returncode == 0, output[-4000:]
    assert "clean install OK" in done.stdout
