#!/usr/bin/env bash
# `make run`: set up the database (migrate, reference data, demo corpus when empty, first
# administrator), start the background workers and the scheduler, and serve the app on 127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
$BIN/observatory setup
$BIN/observatory worker &
worker=$!
# Embeddings (semantic search) have their own worker, so they never delay ingestion.
OBSERVATORY_EMBED_THREADS=1 $BIN/observatory worker --queue embeddings &
embed_worker=$!
# Periodic work (retention, expiry) and taking back the jobs of a worker that died.
$BIN/observatory scheduler &
scheduler=$!
trap 'kill $worker $embed_worker $scheduler 2>/dev/null || true' EXIT INT TERM
echo "Serving on http://127.0.0.1:${PORT:-8000}/ (Ctrl+C to stop)"
$BIN/observatory serve --host 127.0.0.1 --port "${PORT:-8000}"
