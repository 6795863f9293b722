#!/usr/bin/env bash
# `comity provider statement import` against a real node on loopback: the
# demo provider signs a new version of its statement and imports it; the
# node commits it to its log and serves it; the same version again is
# answered as replayed; a changed text under a used version, another
# party's token, no token, a file that is not a statement and a node that
# does not answer are each refused with the error kind's exit code, and
# write nothing.
# Usage: statement_import_test.sh COMITY_BINARY SOURCE_DIR
set -uo pipefail
BIN=$1
SRC=$2
source "$(dirname "$0")/../test_lib.sh"

"$BIN" demo seed --db "$TMP/d.db" --pack "$SRC/rules" > "$TMP/tokens" || { echo "demo seed failed"; exit 1; }
token() { awk -v who="$1" '$1 == who { getline; print $1 }' "$TMP/tokens"; }
PROVIDER=$(token provider)
OFFICER=$(token officer)
K=$TMP/d.db.keys
start_server "$TMP/d.db" --pack "$SRC/rules"
current_version() { curl -s "$URL/api/v1/providers/NL-MAILCO/statement" | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])'; }
log_size() { python3 -c 'import sqlite3,sys; print(sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True).execute("SELECT count(*) FROM log_leaves").fetchone()[0])' "$TMP/d.db"; }

# Version 2 of the demo statement (the seed published version 1).
python3 - "$SRC/examples/statements/nl-mailco.json" "$TMP/v2.json" "$TMP/v2-changed.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["version"] = 2
json.dump(s, open(sys.argv[2], "w"))
s["acceptance"][0]["text"] += " Orders in German are accepted too."
json.dump(s, open(sys.argv[3], "w"))
PY
expect sign 0 "$BIN" provider statement sign "$TMP/v2.json" "$TMP/v2.signed.json" --keys "$K/provider" --pack "$SRC/rules"
expect sign-changed 0 "$BIN" provider statement sign "$TMP/v2-changed.json" "$TMP/v2-changed.signed.json" \
  --keys "$K/provider" --pack "$SRC/rules"
[ "$(current_version)" = 1 ] && ok || fail "the seed published version 1"
SIZE=$(log_size)

expect import 0 env COMITY_TOKEN="$PROVIDER" "$BIN" provider statement import "$TMP/v2.signed.json" --url "$URL"
contains import out '"version": 2'
contains import out '"replayed": false'
contains import out '"log_index": '"$SIZE"
[ "$(current_version)" = 2 ] && ok || fail "the node serves version 2"
[ "$(log_size)" = $((SIZE + 1)) ] && ok || fail "one log leaf commits to the new version"

expect replay 0 "$BIN" provider statement import "$TMP/v2.signed.json" --url "$URL" --token "$PROVIDER"
contains replay out '"replayed": true'
[ "$(log_size)" = $((SIZE + 1)) ] && ok || fail "the same version again adds no leaf"

# Refusals: each exits with its kind's code (docs/errors.md) and writes nothing.
expect changed 1 "$BIN" provider statement import "$TMP/v2-changed.signed.json" --url "$URL" --token "$PROVIDER"
contains changed err "the node refused the statement: HTTP 409"
expect officer 2 "$BIN" provider statement import "$TMP/v2.signed.json" --url "$URL" --token "$OFFICER"
contains officer err "HTTP 403"
expect no-token 2 env -u COMITY_TOKEN "$BIN" provider statement import "$TMP/v2.signed.json" --url "$URL"
contains no-token err "--token"
echo '{"statement": {"provider": {"id": "../admin"}}}' > "$TMP/not-statement.json"
expect not-statement 2 "$BIN" provider statement import "$TMP/not-statement.json" --url "$URL" --token "$PROVIDER"
contains not-statement err '$.statement.provider.id'
expect bad-url 2 "$BIN" provider statement import "$TMP/v2.signed.json" --url "not a url" --token "$PROVIDER"
stop_server
expect no-answer 4 "$BIN" provider statement import "$TMP/v2.signed.json" --url "$URL" --token "$PROVIDER"
contains no-answer err "no answer"
start_server "$TMP/d.db" --pack "$SRC/rules"
[ "$(current_version)" = 2 ] && [ "$(log_size)" = $((SIZE + 1)) ] && ok || fail "the refusals wrote nothing"
finish
