#!/usr/bin/env bash
# Black-box tests of the comity binary: exit codes, stdout/stderr, formats.
# Usage: cli_test.sh PATH/TO/comity REPO_DIR
set -uo pipefail
BIN=$1
REPO=$2
source "$(dirname "$0")/../test_lib.sh"

S01=$REPO/examples/s01-eu-subscriber-prosecutor.json
S02=$REPO/examples/s02-eu-content-prosecutor-no-judge.json

expect help 0 "$BIN" --help
contains help out "evaluate"
for sub in evaluate validate rules "rules list" "rules show" "rules check" "rules facts"; do
  # shellcheck disable=SC2086
  expect "help $sub" 0 "$BIN" $sub --help
  contains "help $sub" out "Usage"
done
expect version 0 "$BIN" --version
expect no-subcommand 2 "$BIN"
expect unknown-option 2 "$BIN" evaluate "$S01" --nope
expect bad-format 2 "$BIN" evaluate "$S01" --format xml
expect bad-date 2 "$BIN" evaluate "$S01" --at 2026-02-30
contains bad-date err "--at"

expect text 0 "$BIN" evaluate "$S01" --at 2026-09-15
contains text out "COMITY DECISION MEMO"
contains text out "EU.AUTH.P1"
empty text err
expect json 0 "$BIN" evaluate "$S02" --at 2026-09-15 --format json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["format"]=="comity.decision/1"; assert d["summary"]["preserve_now"]=="P_EU_EPOC_PR"' "$TMP/out" 2>/dev/null \
   || grep -q '"preserve_now": "P_EU_EPOC_PR"' "$TMP/out"; then pass=$((pass + 1)); else echo "FAIL json: content"; failures=$((failures + 1)); fi
expect stdin 0 bash -c "\"$BIN\" evaluate - --at 2026-09-15 --format summary < \"$S01\""
contains stdin out "P_EU_EPOC"

# Invalid input: exit 2, every error path-qualified on stderr, nothing on stdout.
printf '{"requesting_state": "XX", "offences": [{"max_penalty_months": "ten"}], "extra": 1}' > "$TMP/bad.json"
expect invalid 2 "$BIN" evaluate "$TMP/bad.json"
contains invalid err '$.requesting_state'
contains invalid err '$.offences[0].max_penalty_months'
contains invalid err '$.extra: no such field'
contains invalid err '$.offences[0].iccs_code: required'
empty invalid out
head -c 10485760 /dev/urandom > "$TMP/garbage.bin"
expect garbage 2 "$BIN" evaluate "$TMP/garbage.bin"
contains garbage err "at most 1048576 bytes"
python3 -c 'print("["*10000 + "]"*10000)' > "$TMP/deep.json" 2>/dev/null || { printf '%.0s[' $(seq 10000); printf '%.0s]' $(seq 10000); } > "$TMP/deep.json"
expect deep 2 "$BIN" evaluate "$TMP/deep.json"
contains deep err "nested"
expect missing-file 2 "$BIN" evaluate "$TMP/does-not-exist.json"
contains missing-file err "cannot be opened"
expect validate-ok 0 "$BIN" validate "$S01"
expect validate-bad 2 "$BIN" validate "$TMP/bad.json"

# The addressee's provider statement, beside the law.
S09=$REPO/examples/s09-eu-us-provider-legal-representative.json
expect statement 0 "$BIN" evaluate "$S09" --at 2026-09-15 --statement "$REPO/examples/statements/us-cloudco.json"
contains statement out "What the provider says"
contains statement out "third_country_law_conflict under 18 U.S.C. 2702(a)"
expect statement-json 0 "$BIN" evaluate "$S09" --at 2026-09-15 --format json --statement "$REPO/examples/statements/us-cloudco.json"
contains statement-json out '"provider_says"'
expect statement-wrong-provider 2 "$BIN" evaluate "$S09" --statement "$REPO/examples/statements/nl-mailco.json"
contains statement-wrong-provider err '$.provider.id'
empty statement-wrong-provider out
printf '{"format": "comity.provider-statement/1", "provider": {"id": "X"}, "version": 0, "extra": 1}' > "$TMP/bad-statement.json"
expect statement-invalid 2 "$BIN" evaluate "$S09" --statement "$TMP/bad-statement.json"
contains statement-invalid err '$.version'
contains statement-invalid err '$.extra: unknown member'
contains statement-invalid err '$.provider.hq_state: required'
contains statement-invalid err '$.emergency: required'
empty statement-invalid out

# Rule pack commands.
expect rules-check 0 "$BIN" rules check --pack "$REPO/rules"
contains rules-check out "ok: comity-core"
expect rules-list 0 "$BIN" rules list --pack "$REPO/rules"
contains rules-list out "EU.AUTH.P1 [V]"
expect rules-show 0 "$BIN" rules show EU.THR.3 --pack "$REPO/rules"
contains rules-show out "Art 5(4)"
expect rules-show-unknown 2 "$BIN" rules show NO.SUCH --pack "$REPO/rules"
expect rules-facts 0 "$BIN" rules facts --pack "$REPO/rules"
contains rules-facts out "  P_EU_EPOC: EU.THR.3 [V] Reg. (EU) 2023/1543 Art 5(4)"
contains rules-facts out "read by at least one predicate"
expect rules-facts-markdown 0 "$BIN" rules facts --pack "$REPO/rules" --format markdown
contains rules-facts-markdown out "| \`case_reference\` | no predicate |"
expect rules-facts-no-schema 2 "$BIN" rules facts --pack "$REPO/rules" --schema "$TMP/none.json"
contains rules-facts-no-schema err "cannot be opened"
cp -r "$REPO/rules" "$TMP/pack"
sed -i 's/    citation: "Reg. (EU) 2023\/1543 Art 3(3)"//' "$TMP/pack/predicates/eu.yaml"
expect rules-check-refuses 1 "$BIN" rules check --pack "$TMP/pack"
contains rules-check-refuses err "EU.SCOPE.4: predicate has no citation"
echo "garbage: [" > "$TMP/pack/pathways.yaml"
expect broken-pack 3 "$BIN" evaluate "$S01" --pack "$TMP/pack"
contains broken-pack err "pathways.yaml"

# The embedded store.
expect db-migrate 0 "$BIN" db migrate --db "$TMP/c.db"
contains db-migrate out "schema version 21"
expect db-migrate-again 0 "$BIN" db migrate --db "$TMP/c.db"
contains db-migrate-again out "up to date"
expect db-check 0 "$BIN" db check --db "$TMP/c.db"
expect db-backup 0 "$BIN" db backup --db "$TMP/c.db" --to "$TMP/backup.db"
expect db-check-backup 0 "$BIN" db check --db "$TMP/backup.db"
expect db-backup-exists 2 "$BIN" db backup --db "$TMP/c.db" --to "$TMP/backup.db"
expect db-check-missing 2 "$BIN" db check --db "$TMP/none.db"
printf 'not a database at all, just text that is long enough to fill a header page……' > "$TMP/garbage.db"
expect db-check-garbage 4 "$BIN" db check --db "$TMP/garbage.db"
contains db-check-garbage err "error: store:"

# The transparency log's signing key: one that cannot be created or read
# stops the server before it listens, with the reason.
expect serve-key-uncreatable 2 "$BIN" serve --db "$TMP/c.db" --listen 127.0.0.1:0 --log-key "$TMP/no-such-dir/log.pem"
contains serve-key-uncreatable err "error: key: cannot create the key file"
echo "not a key" > "$TMP/bad.pem"
expect serve-key-garbage 2 "$BIN" serve --db "$TMP/c.db" --listen 127.0.0.1:0 --log-key "$TMP/bad.pem"
contains serve-key-garbage err "not a PEM private key"

finish
