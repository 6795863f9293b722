#!/usr/bin/env bash
# make run-postgres: a local PostgreSQL 15 cluster of its own (Unix socket
# only, no TCP), two `comity serve` processes over one database on two
# ports, the demo world; prints both URLs. Ctrl-C stops the servers and the
# cluster. docs/scale-out.md says what is shared and what is per process.
#
# Usage: run_postgres.sh COMITY_BINARY DIR PORT1 PORT2
set -euo pipefail
comity=$(realpath "$1")
dir=$(realpath -m "$2")
port1=$3
port2=$4
root=$(pwd)
bin=/usr/lib/postgresql/15/bin

# PostgreSQL never runs as root: as root, the cluster runs as `postgres`.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ -f "$dir/data/postmaster.pid" ]; then as_pg "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true; fi
rm -rf "$dir"
mkdir -p "$dir"
if [ "$(id -u)" = 0 ]; then
  chown postgres "$dir"
  if ! runuser -u postgres -- test -w "$dir"; then
    # The checkout is where `postgres` cannot reach (e.g. under /root): the
    # cluster goes to a scratch directory; the node's files stay in $dir.
    pgdir=$(mktemp -d /tmp/comity-run-pg-XXXXXX)
    chown postgres "$pgdir"
    echo "note: the postgres user cannot reach $dir; the cluster runs in $pgdir"
  fi
fi
pgdir=${pgdir:-$dir}
as_pg "$bin/initdb" -D "$pgdir/data" -A trust -U postgres -E UTF8 --locale=C >"$dir/initdb.log"
as_pg "$bin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w -o "-c listen_addresses='' -k $pgdir" start >/dev/null
pids=()
stop() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  as_pg "$bin/pg_ctl" -D "$pgdir/data" -m fast stop >/dev/null 2>&1 || true
}
trap stop EXIT
trap 'exit 0' INT TERM
as_pg "$bin/createdb" -h "$pgdir" -U postgres comity
uri="postgresql:///comity?host=$pgdir&user=postgres"

# The node's files (log key, evidence vault, demo signing keys) sit beside
# the database's name, in $dir: every process of the node uses the same ones.
cd "$dir"
"$comity" demo seed --db "$uri" --pack "$root/rules"
echo
"$comity" serve --db "$uri" --pack "$root/rules" --listen "127.0.0.1:$port1" >"$dir/serve-1.out" 2>"$dir/serve-1.log" &
pids+=($!)
"$comity" serve --db "$uri" --pack "$root/rules" --listen "127.0.0.1:$port2" >"$dir/serve-2.out" 2>"$dir/serve-2.log" &
pids+=($!)
for port in "$port1" "$port2"; do
  for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then break; fi
    sleep 0.1
  done
done
echo "Comity on PostgreSQL, two processes over one database ($uri):"
echo "  process 1:  http://127.0.0.1:$port1/"
echo "  process 2:  http://127.0.0.1:$port2/"
echo "  Log in on either as a demo user above; a case opened on one is served by the other."
echo "  Logs: $dir/serve-1.log, $dir/serve-2.log; the database: psql '$uri'"
echo "Stop with Ctrl-C."
wait -n "${pids[@]}"
