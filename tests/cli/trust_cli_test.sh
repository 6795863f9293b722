#!/usr/bin/env bash
# Black-box tests of the trust commands, offline: key directories, an
# anchor, credentials, a bundle, signed orders and every refusal `comity
# verify` must give; then import into and export from a database.
# Usage: trust_cli_test.sh PATH/TO/comity REPO_DIR
set -uo pipefail
BIN=$1
REPO=$2
source "$(dirname "$0")/../test_lib.sh"
S01=$REPO/examples/s01-eu-subscriber-prosecutor.json
K=$TMP/keys

# Key directories: private files 0600, never overwritten.
for who in central sta officer other; do expect "keys gen $who" 0 "$BIN" keys gen --out "$K/$who" --name "$who"; done
contains keys-gen out '"signing_key": "ed25519:'
[ "$(stat -c %a "$K/officer/signing.pem")$(stat -c %a "$K/officer/encryption.age")" = 600600 ] && pass=$((pass + 1)) \
  || { echo "FAIL key file modes"; failures=$((failures + 1)); }
expect keys-gen-again 2 "$BIN" keys gen --out "$K/officer"
contains keys-gen-again err "keys are never overwritten"
expect keys-show 0 "$BIN" keys show "$K/officer"
contains keys-show out '"name": "officer"'

# Germany's anchor certifies the Berlin office, which certifies its officer.
expect anchor 0 "$BIN" trust anchor --keys "$K/central" --state DE --party de-central --name "Bundesamt für Justiz" \
  --out "$TMP/anchor.json"
expect anchor-bad-state 1 "$BIN" trust anchor --keys "$K/central" --state Germany --party x --name x --out "$TMP/x.json"
contains anchor-bad-state err "malformed: anchor.state: expected a two-letter state code"
expect issue-party 0 "$BIN" trust issue --issuer "$K/central" --subject "$K/sta/public.json" --party DE-STA-BERLIN \
  --state DE --kind issuing_authority --name "Staatsanwaltschaft Berlin" --out "$TMP/sta.json"
expect issue-officer 0 "$BIN" trust issue --issuer "$K/sta" --subject "$K/officer/public.json" --party DE-STA-BERLIN \
  --state DE --kind issuing_authority --user officer-de --role officer --name "A. Richter" --days 30 --out "$TMP/officer.json"
expect issue-misfit 1 "$BIN" trust issue --issuer "$K/sta" --subject "$K/other/public.json" --party DE-STA-BERLIN \
  --state DE --kind provider --user x --role officer --name x --out "$TMP/misfit.json"
contains issue-misfit err "cannot belong to a party of kind provider"
expect show-credential 0 "$BIN" keys show "$TMP/officer.json"
contains show-credential out '"issuer": "ed25519:'
expect export 0 "$BIN" trust export "$TMP/anchor.json" "$TMP/sta.json" "$TMP/officer.json" --out "$TMP/bundle.json"
contains export out "1 anchors, 2 credentials"

# Sign, verify, and every refusal with its reason and member.
expect sign 0 "$BIN" order sign --keys "$K/officer" "$S01" "$TMP/order.json"
expect sign-exists 2 "$BIN" order sign --keys "$K/officer" "$S01" "$TMP/order.json"
expect verify 0 "$BIN" verify "$TMP/order.json" --trust "$TMP/bundle.json"
contains verify out '"party": "DE-STA-BERLIN"'
contains verify out '"level": "anchor"'
sed 's/StA Berlin/StA Bremen/' "$TMP/order.json" > "$TMP/tampered.json"
expect tampered 1 "$BIN" verify "$TMP/tampered.json" --trust "$TMP/bundle.json"
contains tampered err "bad_signature at \$.signatures[0].signature"
expect stranger 0 "$BIN" order sign --keys "$K/other" "$S01" "$TMP/stranger.json"
expect unknown-signer 1 "$BIN" verify "$TMP/stranger.json" --trust "$TMP/bundle.json"
contains unknown-signer err "unknown_signer at \$.signatures[0].signer"
expect party-key-signs 0 "$BIN" order sign --keys "$K/sta" "$S01" "$TMP/by-party.json"
expect wrong-chain 1 "$BIN" verify "$TMP/by-party.json" --trust "$TMP/bundle.json"
contains wrong-chain err "wrong_chain"
expect expired 1 "$BIN" verify "$TMP/order.json" --trust "$TMP/bundle.json" --at 2099-01-01T00:00:00Z
contains expired err "expired"
expect bad-at 2 "$BIN" verify "$TMP/order.json" --trust "$TMP/bundle.json" --at yesterday
expect not-json 2 "$BIN" verify "$S01.nope" --trust "$TMP/bundle.json"

# Provider statements: Cloudco's clerk signs its statement; anyone verifies it offline.
ST=$REPO/examples/statements/us-cloudco.json
for who in us-central cloudco clerk; do expect "keys gen $who" 0 "$BIN" keys gen --out "$K/$who" --name "$who"; done
expect us-anchor 0 "$BIN" trust anchor --keys "$K/us-central" --state US --party us-central --name "Office of International Affairs" \
  --out "$TMP/us-anchor.json"
expect issue-cloudco 0 "$BIN" trust issue --issuer "$K/us-central" --subject "$K/cloudco/public.json" --party US-CLOUDCO \
  --state US --kind provider --name "Cloudco Inc." --out "$TMP/cloudco.json"
expect issue-clerk 0 "$BIN" trust issue --issuer "$K/cloudco" --subject "$K/clerk/public.json" --party US-CLOUDCO \
  --state US --kind provider --user provider-us --role provider --name "Clerk" --out "$TMP/clerk.json"
expect us-export 0 "$BIN" trust export "$TMP/us-anchor.json" "$TMP/cloudco.json" "$TMP/clerk.json" --out "$TMP/us-bundle.json"
expect statement-sign 0 "$BIN" provider statement sign "$ST" "$TMP/statement.json" --keys "$K/clerk" --pack "$REPO/rules"
contains statement-sign out "US-CLOUDCO v3 sha256:"
expect statement-sign-exists 2 "$BIN" provider statement sign "$ST" "$TMP/statement.json" --keys "$K/clerk" --pack "$REPO/rules"
expect statement-verify 0 "$BIN" provider statement verify "$TMP/statement.json" --trust "$TMP/us-bundle.json" --pack "$REPO/rules"
contains statement-verify out '"party": "US-CLOUDCO"'
contains statement-verify out '"version": 3'
sed 's/third_country_law_conflict/immunity_or_press_freedom/' "$TMP/statement.json" > "$TMP/statement-altered.json"
expect statement-altered 1 "$BIN" provider statement verify "$TMP/statement-altered.json" --trust "$TMP/us-bundle.json"
contains statement-altered err "bad_signature at \$.signature"
expect statement-by-party 0 "$BIN" provider statement sign "$ST" "$TMP/statement-party.json" --keys "$K/cloudco" --pack "$REPO/rules"
expect statement-wrong-chain 1 "$BIN" provider statement verify "$TMP/statement-party.json" --trust "$TMP/us-bundle.json"
contains statement-wrong-chain err "wrong_chain"
sed 's/"P_EU_EPOC"/"P_NO_SUCH"/' "$ST" > "$TMP/statement-unknown.json"
expect statement-unknown-pathway 2 "$BIN" provider statement sign "$TMP/statement-unknown.json" "$TMP/x.json" --keys "$K/clerk" \
  --pack "$REPO/rules"
contains statement-unknown-pathway err "pathways"
[ ! -e "$TMP/x.json" ] && pass=$((pass + 1)) || { echo "FAIL a refused statement was written"; failures=$((failures + 1)); }

# Revocation: the office revokes its officer's key.
OFFICER_KEY=$(sed -n 's/.*"signing_key": "\(ed25519:[^"]*\)".*/\1/p' "$K/officer/public.json")
expect revoke 0 "$BIN" keys revoke --issuer "$K/sta" --key "$OFFICER_KEY" --reason compromised --list "$TMP/sta-revoked.json"
expect export-revoked 0 "$BIN" trust export "$TMP/bundle.json" "$TMP/sta-revoked.json" --out "$TMP/bundle-r.json"
expect revoked 1 "$BIN" verify "$TMP/order.json" --trust "$TMP/bundle-r.json"
contains revoked err "revoked (compromised)"
expect revoke-twice 2 "$BIN" keys revoke --issuer "$K/sta" --key "$OFFICER_KEY" --reason other --list "$TMP/sta-revoked.json"

# Rotation: new keys and credential; the old key superseded in the office's list.
expect rotate 0 "$BIN" keys rotate --keys "$K/officer" --current "$TMP/officer.json" --issuer "$K/sta" \
  --revocations "$TMP/sta-rotated.json" --out "$TMP/officer2.json"
expect export-rotated 0 "$BIN" trust export "$TMP/bundle.json" "$TMP/officer2.json" "$TMP/sta-rotated.json" --out "$TMP/bundle2.json"
expect sign-new 0 "$BIN" order sign --keys "$K/officer" "$S01" "$TMP/order2.json"
expect verify-new 0 "$BIN" verify "$TMP/order2.json" --trust "$TMP/bundle2.json"
expect verify-old-later 1 "$BIN" verify "$TMP/order.json" --trust "$TMP/bundle2.json" --at "$(date -u -d '+1 minute' +%Y-%m-%dT%H:%M:%SZ)"
contains verify-old-later err "revoked (superseded)"
# An anchor rotates with its old key's signature.
expect rotate-anchor 0 "$BIN" keys rotate --keys "$K/central" --current "$TMP/anchor.json" --out "$TMP/anchor2.json"
contains rotate-anchor out '"replaces": "ed25519:'

# A database's trust: import checks against what it holds; export round-trips.
expect import 0 "$BIN" trust import --db "$TMP/c.db" "$TMP/bundle.json"
expect import-rotated-anchor 0 "$BIN" trust import --db "$TMP/c.db" "$TMP/anchor2.json"
"$BIN" keys gen --out "$K/rogue" > /dev/null
"$BIN" trust anchor --keys "$K/rogue" --state DE --party rogue --name rogue --out "$TMP/rogue.json" > /dev/null
expect export-rogue 0 "$BIN" trust export "$TMP/rogue.json" --out "$TMP/rogue-bundle.json"
expect import-conflict 1 "$BIN" trust import --db "$TMP/c.db" "$TMP/rogue-bundle.json"
contains import-conflict err "anchor_conflict"
expect export-db 0 "$BIN" trust export --db "$TMP/c.db" --out "$TMP/from-db.json"
expect verify-from-db 0 "$BIN" verify "$TMP/order.json" --trust "$TMP/from-db.json"
expect import-override 0 "$BIN" trust import --db "$TMP/c.db" --replace-anchor "$TMP/rogue-bundle.json"

# The demo world enrols its signers: the demo officer's order verifies
# against what the demo database trusts.
expect demo-seed 0 "$BIN" demo seed --db "$TMP/demo.db" --pack "$REPO/rules"
contains demo-seed out "demo.db.keys/officer"
expect demo-sign 0 "$BIN" order sign --keys "$TMP/demo.db.keys/officer" "$S01" "$TMP/demo-order.json"
expect demo-export 0 "$BIN" trust export --db "$TMP/demo.db" --out "$TMP/demo-bundle.json"
expect demo-verify 0 "$BIN" verify "$TMP/demo-order.json" --trust "$TMP/demo-bundle.json"
contains demo-verify out '"user": "officer"'

finish
