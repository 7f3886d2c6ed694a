#!/usr/bin/env bash
# Install everything the project needs on a fresh Debian machine: system packages (only
# those missing), the virtualenv with pinned Python packages, and the npm front-end
# packages. Safe to run again. Usage: scripts/bootstrap.sh [--dev]
set -euo pipefail
cd "$(dirname "$0")/.."
DEV=0
[ "${1:-}" = "--dev" ] && DEV=1

# System packages. Runtime: node/npm (GOV.UK Frontend). Tests: chromium for browser
# tests, poppler-utils to look at PDFs, postgresql for the throwaway test cluster.
need=()
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
# OCR of scanned PDFs (runtime: `make run` must OCR): Tesseract and its English data.
command -v tesseract >/dev/null 2>&1 || need+=(tesseract-ocr)
[ -f /usr/share/tesseract-ocr/5/tessdata/eng.traineddata ] || \
  ls /usr/share/tesseract-ocr/*/tessdata/eng.traineddata >/dev/null 2>&1 || need+=(tesseract-ocr-eng)
# PDF reports (runtime): WeasyPrint lays out text with Pango, and needs a font.
ldconfig -p 2>/dev/null | grep libpangoft2-1.0.so.0 >/dev/null || need+=(libpango-1.0-0 libpangoft2-1.0-0)
fc-list 2>/dev/null | grep -i dejavu >/dev/null || need+=(fonts-dejavu-core)
# File type by content (runtime, python-magic): libmagic and its compiled database.
ldconfig -p 2>/dev/null | grep libmagic.so.1 >/dev/null || need+=(libmagic1)
[ -f /usr/share/misc/magic.mgc ] || [ -f /usr/lib/file/magic.mgc ] || need+=(libmagic-mgc)
if [ "$DEV" = 1 ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
  command -v initdb >/dev/null 2>&1 || [ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql)
  command -v gs >/dev/null 2>&1 || need+=(ghostscript)  # ocrmypdf, in bench/bench_ocr.py
fi
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "Missing system packages: ${need[*]} (run as root, or install them with apt-get)" >&2
    exit 1
  fi
  echo "Installing system packages: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# Python virtualenv with pinned dependencies.
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
# The lock files pin every package (transitive ones too) with hashes (scripts/lock.sh).
req=requirements.lock
[ "$DEV" = 1 ] && req=requirements-dev.lock
.venv/bin/pip install -q --require-hashes -r "$req" 2>&1 | grep -v -i "warning" || true
.venv/bin/pip install -q --no-deps -e . 2>&1 | grep -v -i "warning\|deprecat\|^ *!!\|^ *\*\|^$\|See https\|By 20\|Please use\|corresp" || true
.venv/bin/python -c "import django, click, observatory_core" || { echo "Python install failed" >&2; exit 1; }

# Front-end packages, exactly as locked.
if [ ! -d node_modules/govuk-frontend ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
