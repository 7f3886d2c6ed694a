#!/usr/bin/env bash
# `make bench`: every benchmark in bench/, each printing its figures and ratios.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
for script in bench/bench_*.py; do
  echo "== $script"
  .venv/bin/python "$script" || status=1
done
exit $status
