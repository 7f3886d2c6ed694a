#!/usr/bin/env bash
# `make test`: lint, then the whole suite on SQLite, then the database and browser tests
# again on a throwaway PostgreSQL cluster. Exits non-zero if any part fails.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
start=$(date +%s)
status=0
echo "== ruff"
$BIN/ruff check src tests bench scripts || status=1
echo "== pytest on SQLite"
# The fault tests (tests/chaos) are slow and have their own target: `make chaos`.
$BIN/pytest -m "not postgres and not chaos" -p no:cacheprovider || status=1
echo "== pytest on PostgreSQL"
OBSERVATORY_EXPECT_POSTGRES=1 bash scripts/with-postgres.sh \
  $BIN/pytest tests/apps tests/browser -p no:cacheprovider || status=1
echo "== make test took $(( $(date +%s) - start ))s; exit $status"
exit $status
