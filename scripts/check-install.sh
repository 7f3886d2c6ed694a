#!/usr/bin/env bash
# Does `pip install .` give a working `observatory` in a clean virtualenv? Builds the wheel,
# makes a fresh venv (no system or shared site-packages), installs exactly the locked
# runtime packages (requirements.lock, hashes checked) and then the wheel, letting pip check
# that pyproject's dependencies are met; then, from outside the checkout, runs
# `observatory --help`, reads a file through the ingest pipeline (its rule files are package
# data) and runs Django's system checks (templates, static files, migrations shipped).
#
# Offline once the wheel cache exists: WHEELHOUSE (default var/wheelhouse) is filled from
# PyPI with `pip download` the first time (~230 MB) and reused after.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PYTHON:-python3}
WHEELHOUSE=${WHEELHOUSE:-$ROOT/var/wheelhouse}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$WHEELHOUSE"
pip_q=(--quiet --disable-pip-version-check)
# Inside the fresh venv pip ignores this machine's pip configuration and PIP_* variables:
# only the wheel cache is used.
iso=(--isolated --quiet --no-index --find-links "$WHEELHOUSE")
# The lock's wheels (hash-checked) and the build backend, fetched once.
"$PY" -m pip download "${pip_q[@]}" --only-binary=:all: --require-hashes --no-deps \
  -r requirements.lock -d "$WHEELHOUSE" >/dev/null
ls "$WHEELHOUSE"/setuptools-*.whl >/dev/null 2>&1 || \
  "$PY" -m pip download "${pip_q[@]}" --only-binary=:all: "setuptools>=77" -d "$WHEELHOUSE" >/dev/null

# Build the wheel offline from the cache, as `pip install .` would (isolated build).
"$PY" -m venv "$work/venv"
venv="$work/venv/bin"
"$venv/pip" wheel "${iso[@]}" --no-deps . -w "$work/dist"
"$venv/pip" install "${iso[@]}" --require-hashes -r requirements.lock
"$venv/pip" install "${iso[@]}" "$work"/dist/*.whl  # pip checks pyproject's dependencies
"$venv/pip" check --isolated >/dev/null

cd "$work"  # nothing of the checkout is importable from here
unset PYTHONPATH
"$venv/observatory" --help >/dev/null
"$venv/python" - <<'PY'
from observatory_core.ingest import extract
result = extract(b"Recommendations\n\n1. The LSCB should review its training.\n", "r.txt",
                 skip=("flag_personal_data_model",))
assert result.recommendations, "no recommendation found: rule files missing from the wheel?"
from observatory_demo.corpus import THEMES
assert THEMES, "demo word banks missing from the wheel"
PY
OBSERVATORY_DATA="$work/data" DJANGO_SETTINGS_MODULE=observatory.settings \
  "$venv/python" -m django check >/dev/null
echo "clean install OK: $(ls "$work"/dist)"
