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
# Two processes (pytest-xdist, one per core here) for everything but the browser tests;
# those drive one Chromium each and run after, in one process. TEST_WORKERS=0 runs serially.
WORKERS=${TEST_WORKERS:-2}
PARALLEL=(-n "$WORKERS" --dist loadfile)
[ "$WORKERS" = 0 ] && PARALLEL=()
echo "== pytest on SQLite"
# The fault tests (tests/chaos) are slow and have their own target: `make chaos`.
$BIN/pytest -m "not postgres and not chaos" --ignore=tests/browser "${PARALLEL[@]}" \
  -p no:cacheprovider || status=1
$BIN/pytest tests/browser -m "not postgres and not chaos" -p no:cacheprovider || status=1
echo "== pytest on PostgreSQL"
OBSERVATORY_EXPECT_POSTGRES=1 bash scripts/with-postgres.sh bash -c "
  $BIN/pytest tests/apps ${PARALLEL[*]} -p no:cacheprovider; a=\$?
  $BIN/pytest tests/browser -p no:cacheprovider; b=\$?
  exit \$(( a || b ))" || status=1
echo "== make test took $(( $(date +%s) - start ))s; exit $status"
exit $status
