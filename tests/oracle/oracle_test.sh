#!/usr/bin/env bash
# The transparency log checked by an independent implementation (see
# log_oracle.js): seeds a demo world, starts `comity serve` on a free
# loopback port, and runs the oracle against it.
# Usage: oracle_test.sh COMITY_BINARY SOURCE_DIR
set -euo pipefail
BIN=$1
SRC=$2
source "$(dirname "$0")/../test_lib.sh"

"$BIN" demo seed --db "$TMP/o.db" --pack "$SRC/rules" > "$TMP/tokens"
token() { awk -v who="$1" '$1 == who { getline; print $1 }' "$TMP/tokens"; }
start_server "$TMP/o.db" --pack "$SRC/rules" --orders unsigned
node "$SRC/tests/oracle/log_oracle.js" "$URL" "$(token officer)" "$(token provider)" \
  "$(token admin)" "$SRC/examples/s01-eu-subscriber-prosecutor.json"
