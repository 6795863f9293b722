# Shared helpers for the shell black-box tests. Source it first: it makes
# TMP, a scratch directory removed on exit (with any server it started
# stopped), defines `failures` and `pass`, and:
#   expect NAME WANT_EXIT CMD...   run CMD (stdout → $TMP/out, stderr → $TMP/err), check its exit code
#   contains NAME FILE TEXT        $TMP/FILE holds TEXT
#   empty NAME FILE                $TMP/FILE is empty
#   ok / fail NAME                 count a check that passed / report one that failed
#   start_server DB [ARGS...]      `$BIN serve` on a free loopback port; sets SERVER (pid) and URL
#   finish                         prints the counts; the script's status is whether all passed
failures=0
pass=0
SERVER=
TMP=$(mktemp -d)
trap 'stop_server; rm -rf "$TMP"' EXIT

expect() {
  local name=$1 want=$2
  shift 2
  "$@" >"$TMP/out" 2>"$TMP/err"
  local got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL $name: exit $got, want $want"; sed 's/^/  stderr: /' "$TMP/err" | head -5; failures=$((failures + 1))
  else
    pass=$((pass + 1))
  fi
}
ok() { pass=$((pass + 1)); }
fail() { echo "FAIL $1"; failures=$((failures + 1)); }
contains() {
  if grep -qF -- "$3" "$TMP/$2"; then pass=$((pass + 1)); else
    echo "FAIL $1: $2 lacks '$3'"; sed 's/^/  /' "$TMP/$2" | head -5; failures=$((failures + 1))
  fi
}
empty() {
  if [ ! -s "$TMP/$2" ]; then pass=$((pass + 1)); else echo "FAIL $1: $2 not empty"; failures=$((failures + 1)); fi
}
start_server() {
  local db=$1
  shift
  "$BIN" serve --db "$db" --listen 127.0.0.1:0 "$@" > "$TMP/serve.out" 2> "$TMP/serve.err" &
  SERVER=$!
  for _ in $(seq 1 200); do grep -q "listening on" "$TMP/serve.out" 2>/dev/null && break; sleep 0.05; done
  local port
  port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$TMP/serve.out")
  [ -n "$port" ] || { echo "the server did not start"; cat "$TMP/serve.err"; exit 1; }
  URL=http://127.0.0.1:$port
}
stop_server() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
  SERVER=
}
finish() {
  echo "$pass passed, $failures failed"
  [ "$failures" = 0 ]
}
