#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL 15 cluster, started here and removed after.
# The server refuses to run as root, so the cluster is owned by the 'postgres' user.
# Usage: scripts/with-postgres.sh COMMAND [ARGS...]   (DATABASE_URL is set for COMMAND)
set -euo pipefail
PGBIN=$(dirname "$(readlink -f "$(command -v initdb || echo /usr/lib/postgresql/15/bin/initdb)")")
dir=$(mktemp -d /tmp/observatory-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
cleanup() {
  as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM
[ "$(id -u)" = 0 ] && chown postgres "$dir"
as_pg "$PGBIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
# Test-only settings: no durability needed for a cluster that is thrown away.
options="-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "$options" start >/dev/null
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (throwaway)" >&2
export OBSERVATORY_EXPECT_POSTGRES=1
# For the fault tests (tests/chaos), which stop and start this cluster mid-run.
export OBSERVATORY_PG_BIN="$PGBIN" OBSERVATORY_PG_DATA="$dir/data" OBSERVATORY_PG_LOG="$dir/log" \
  OBSERVATORY_PG_OPTIONS="$options"
export DATABASE_URL="postgres://postgres@127.0.0.1:$port/observatory"
as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U postgres observatory 2>/dev/null \
  || psql -h 127.0.0.1 -p "$port" -U postgres -c "create database observatory" >/dev/null
"$@"
