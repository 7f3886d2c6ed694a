#!/usr/bin/env bash
# Write the lock files: every package that requirements.txt (and requirements-dev.txt)
# installs, transitive ones included, pinned to one version with the hashes of its files.
# scripts/bootstrap.sh installs from them with --require-hashes, so an install is exactly
# the tested one. Run after changing a requirements file (needs network to PyPI).
#
# Versions already installed in .venv are kept (used as constraints), so regenerating the
# lock does not silently upgrade anything; to upgrade, change the pin in requirements*.txt.
# Uses uv (a dev dependency) - `uv pip compile --generate-hashes`, fast and reproducible.
set -euo pipefail
cd "$(dirname "$0")/.."
UV=${UV:-.venv/bin/uv}  # requirements-dev.txt installs it
constraints=$(mktemp)
trap 'rm -f "$constraints"' EXIT
if [ -x .venv/bin/pip ]; then
  # Installed versions as constraints; a wheel installed from a local file is named by version.
  .venv/bin/pip freeze --exclude-editable 2>/dev/null \
    | sed -E 's|^([A-Za-z0-9._-]+) @ file://.*/[A-Za-z0-9._]+-([0-9][^-]*)-.*\.whl.*$|\1==\2|' \
    | grep -E '^[A-Za-z0-9._-]+==' | grep -v -i '^case-review-observatory==' > "$constraints" || true
fi
common=(--generate-hashes --no-annotate --python-version 3.11 --python-platform x86_64-manylinux_2_28
        --no-header --quiet -c "$constraints")
"$UV" pip compile "${common[@]}" requirements.txt -o requirements.lock
"$UV" pip compile "${common[@]}" requirements-dev.txt -o requirements-dev.lock
echo "wrote requirements.lock ($(grep -c '==' requirements.lock) packages) and" \
     "requirements-dev.lock ($(grep -c '==' requirements-dev.lock) packages)"
