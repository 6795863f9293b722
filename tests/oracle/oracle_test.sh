#!/usr/bin/env bash
# The transparency log checked by an independent implementation (see
# log_oracle.js): seeds a demo world, starts `comity serve` on a free
# loopback port, and runs the oracle against it.
# Usage: oracle_test.sh COMITY_BINARY SOURCE_DIR
set -euo pipefail
BIN=$1
SRC=$2
TMP=$(mktemp -d)
SERVER=
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

"$BIN" demo seed --db "$TMP/o.db" --pack "$SRC/rules" > "$TMP/tokens"
token() { awk -v who="$1" '$1 == who { getline; print $1 }' "$TMP/tokens"; }
"$BIN" serve --db "$TMP/o.db" --listen 127.0.0.1:0 --pack "$SRC/rules" --orders unsigned > "$TMP/out" 2> "$TMP/err" &
SERVER=$!
for _ in $(seq 1 200); do grep -q "listening on" "$TMP/out" 2>/dev/null && break; sleep 0.05; done
PORT=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$TMP/out")
[ -n "$PORT" ] || { echo "the server did not start"; cat "$TMP/err"; exit 1; }
node "$SRC/tests/oracle/log_oracle.js" "http://127.0.0.1:$PORT" "$(token officer)" "$(token provider)" \
  "$(token admin)" "$SRC/examples/s01-eu-subscriber-prosecutor.json"
