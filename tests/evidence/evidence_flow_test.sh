#!/usr/bin/env bash
# Evidence end to end through a real exchange on loopback: the demo officer
# opens a case on a signed order, the demo provider seals a SIZE_MIB file to
# the officer's key with a signed manifest and uploads it in resumable
# chunks, the officer downloads and opens it with every check. Each client
# step's peak memory must stay under 64 MiB (GNU time, max RSS), and so must
# the server's (VmHWM). Then every refusal: tampered, truncated, wrong
# recipient, forged manifest, wrong downloader, a stale upload offset.
# Usage: evidence_flow_test.sh COMITY_BINARY SOURCE_DIR [SIZE_MIB [memory|no-memory-limits]]
# (the sanitizer build passes no-memory-limits: its shadow memory is not the program's)
set -uo pipefail
BIN=$1
SRC=$2
SIZE_MIB=${3:-2048}
MEMORY=${4:-memory}
source "$(dirname "$0")/../test_lib.sh"
check() { if eval "$2"; then ok; else fail "$1"; fi; }
die() { echo "FAIL $1"; cat "$TMP/err" 2>/dev/null | tail -5; exit 1; }
json_field() { sed -n "s/.*\"$1\": *\"\\([^\"]*\\)\".*/\\1/p" | head -1; }
LIMIT_KIB=65536
measure() {  # measure NAME CMD... : runs CMD under GNU time; fails NAME if its peak RSS >= 64 MiB
  local name=$1
  shift
  /usr/bin/time -f '%M %e' -o "$TMP/rss" "$@" > "$TMP/out" 2> "$TMP/err" || { fail "$name: exit $?"; tail -3 "$TMP/err"; return 1; }
  local kib secs
  read -r kib secs < <(tail -1 "$TMP/rss")
  printf '  %-26s %7.1f s %8.0f MiB/s   peak %6d KiB (limit %d KiB)\n' "$name" "$secs" \
    "$(awk -v a="$SIZE_MIB" -v b="$secs" 'BEGIN { printf "%.0f", a / (b + 0.001) }')" "$kib" "$LIMIT_KIB"
  if [ "$MEMORY" != memory ] || [ "$kib" -lt "$LIMIT_KIB" ]; then ok; else fail "$name: peak memory $kib KiB"; fi
}

"$BIN" demo seed --db "$TMP/d.db" --pack "$SRC/rules" > "$TMP/tokens" || die "demo seed"
token() { awk -v who="$1" '$1 == who { getline; print $1 }' "$TMP/tokens"; }
OFFICER=$(token officer)
PROVIDER=$(token provider)
K=$TMP/d.db.keys
start_server "$TMP/d.db" --pack "$SRC/rules"
IDLE_KIB=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")
api() {  # api TOKEN METHOD PATH [JSON]
  curl -s -D "$TMP/headers" -o "$TMP/body" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
    ${4:+--data-binary "$4"} "$URL$3"
}

# The officer opens a case on a signed order and transmits it; the provider acknowledges.
"$BIN" order sign --keys "$K/officer" "$SRC/examples/s01-eu-subscriber-prosecutor.json" "$TMP/order.json" > "$TMP/order.id" \
  || die "order sign"
ORDER_ID=$(cat "$TMP/order.id")
printf '{"signed_order": %s, "pathway": "P_EU_EPOC"}' "$(cat "$TMP/order.json")" > "$TMP/open.json"
[ "$(api "$OFFICER" POST /api/v1/cases @"$TMP/open.json")" = 201 ] || die "open case: $(cat "$TMP/body")"
location() { sed -n 's|^Location: .*/\([^/[:space:]]*\)[[:space:]]*$|\1|pI' "$TMP/headers"; }
CASE=$(location)
for e in submit mark_ready transmit; do
  [ "$(api "$OFFICER" POST "/api/v1/cases/$CASE/events" "{\"event\": \"$e\"}")" = 200 ] || die "$e: $(cat "$TMP/body")"
done
[ "$(api "$PROVIDER" POST "/api/v1/cases/$CASE/events" '{"event": "acknowledge"}')" = 200 ] || die "acknowledge"
curl -s "$URL/api/v1/trust" > "$TMP/bundle.json"
OFFICER_AGE=$(json_field encryption_key < "$K/officer/public.json")

# A SIZE_MIB plaintext (fast pseudo-random bytes), sealed with a signed manifest.
openssl enc -aes-128-ctr -pass pass:comity -nosalt -pbkdf2 < /dev/zero 2>/dev/null | head -c "$((SIZE_MIB << 20))" \
  > "$TMP/mailbox.bin"
echo "evidence round trip of $SIZE_MIB MiB:"
measure "seal + manifest" "$BIN" evidence seal --to "$OFFICER_AGE" --manifest "$TMP/manifest.json" --keys "$K/provider" \
  --case "$CASE" --order "$ORDER_ID" --provider NL-MAILCO "$TMP/mailbox.bin" "$TMP/mailbox.bin.age"
measure "upload (1 MiB chunks)" env COMITY_TOKEN="$PROVIDER" "$BIN" evidence upload --url "$URL" --case "$CASE" \
  --manifest "$TMP/manifest.json" "$TMP/mailbox.bin.age"
PRODUCTION=$(json_field production < "$TMP/out")
UPLOAD_KIB=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")
check "registered" '[ -n "$PRODUCTION" ]'
# The exchange holds exactly the ciphertext, nothing else.
VAULT="$TMP/d.db.evidence/$PRODUCTION/0.age"
check "vault holds the ciphertext" 'cmp -s "$VAULT" "$TMP/mailbox.bin.age"'
check "no plaintext in the vault" '! cmp -s "$VAULT" "$TMP/mailbox.bin"'
measure "download" env COMITY_TOKEN="$OFFICER" "$BIN" evidence download --url "$URL" --production "$PRODUCTION" --file 0 \
  "$TMP/dl.age"
measure "open + manifest checks" "$BIN" evidence open --identity "$K/officer/encryption.age" --manifest "$TMP/manifest.json" \
  --trust "$TMP/bundle.json" "$TMP/dl.age" "$TMP/opened.bin"
check "the plaintext round-trips" 'cmp -s "$TMP/opened.bin" "$TMP/mailbox.bin"'
grep -q '"manifest_entry": "mailbox.bin"' "$TMP/out" && ok || fail "open names the manifest entry"
SERVER_KIB=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")
printf '  %-26s                        peak %6d KiB (limit %d KiB; idle after start %d KiB, after the upload %d KiB)\n' \
  "server (whole run)" "$SERVER_KIB" "$LIMIT_KIB" "$IDLE_KIB" "$UPLOAD_KIB"
check "the server's peak memory stays under 64 MiB" '[ "$MEMORY" != memory ] || [ "$SERVER_KIB" -lt "$LIMIT_KIB" ]' 
rm -f "$TMP/mailbox.bin" "$TMP/opened.bin" "$TMP/dl.age"

# A second file, uploaded in part by hand and resumed by the CLI.
head -c 3000000 /dev/urandom > "$TMP/small.bin"
"$BIN" evidence seal --to "$OFFICER_AGE" --manifest "$TMP/m2.json" --keys "$K/provider" --case "$CASE" --order "$ORDER_ID" \
  --provider NL-MAILCO "$TMP/small.bin" "$TMP/small.age" > /dev/null || die "seal small"
[ "$(api "$PROVIDER" POST "/api/v1/cases/$CASE/productions" @"$TMP/m2.json")" = 201 ] || die "register: $(cat "$TMP/body")"
P2=$(location)
head -c 1048576 "$TMP/small.age" > "$TMP/part"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $PROVIDER" -H 'Content-Type: application/octet-stream' \
  --data-binary @"$TMP/part" "$URL/api/v1/productions/$P2/files/0?offset=0")
check "first chunk by hand" '[ "$code" = 200 ]'
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $PROVIDER" -H 'Content-Type: application/octet-stream' \
  --data-binary @"$TMP/part" "$URL/api/v1/productions/$P2/files/0?offset=0")
check "a chunk at a stale offset is refused (409)" '[ "$code" = 409 ]'
COMITY_TOKEN=$PROVIDER "$BIN" evidence upload --url "$URL" --case "$CASE" --manifest "$TMP/m2.json" --production "$P2" \
  "$TMP/small.age" > /dev/null 2> "$TMP/err"
check "the CLI resumes the upload" 'cmp -s "$TMP/d.db.evidence/$P2/0.age" "$TMP/small.age"'
[ "$(api "$PROVIDER" GET "/api/v1/productions/$P2")" = 200 ] && grep -q '"complete":true' "$TMP/body" && ok \
  || fail "the resumed file is complete"

# Refusals, each with its reason and no output left behind.
refused() {  # refused NAME EXPECTED_TEXT CMD...
  local name=$1 text=$2
  shift 2
  if "$@" > /dev/null 2> "$TMP/err"; then fail "$name: accepted"; return; fi
  grep -qF -- "$text" "$TMP/err" && ok || { fail "$name: stderr lacks '$text'"; cat "$TMP/err"; }
}
cp "$TMP/small.age" "$TMP/tampered.age"
printf '\x01' | dd of="$TMP/tampered.age" bs=1 seek=200000 conv=notrunc 2> /dev/null
refused "tampered ciphertext" "error: evidence:" "$BIN" evidence open --identity "$K/officer/encryption.age" \
  "$TMP/tampered.age" "$TMP/t.out"
check "nothing left of the tampered file" '[ ! -e "$TMP/t.out" ] && [ ! -e "$TMP/t.out.partial" ]'
head -c 1500000 "$TMP/small.age" > "$TMP/truncated.age"
refused "truncated stream" "error: evidence:" "$BIN" evidence open --identity "$K/officer/encryption.age" \
  "$TMP/truncated.age" "$TMP/tr.out"
refused "wrong recipient" "not encrypted to this identity" "$BIN" evidence open --identity "$K/provider/encryption.age" \
  "$TMP/small.age" "$TMP/wr.out"
sed 's/"plaintext_bytes": 3000000/"plaintext_bytes": 3000001/' "$TMP/m2.json" > "$TMP/forged.json"
refused "forged manifest" "bad_signature" "$BIN" evidence verify --manifest "$TMP/forged.json" --trust "$TMP/bundle.json" \
  "$TMP/small.age"
refused "a file not in the manifest" "match no file" "$BIN" evidence verify --manifest "$TMP/m2.json" \
  --trust "$TMP/bundle.json" "$TMP/tampered.age"
check "the provider cannot download (403)" '[ "$(api "$PROVIDER" GET "/api/v1/productions/$P2/files/0")" = 403 ]'
check "another state's officer finds nothing (404)" \
  '[ "$(api "$(token officer-gb)" GET "/api/v1/productions/$P2/files/0")" = 404 ]'
# A tampered upload is refused when its last byte arrives, and starts again.
"$BIN" evidence seal --to "$OFFICER_AGE" --manifest "$TMP/m3.json" --keys "$K/provider" --case "$CASE" --order "$ORDER_ID" \
  --provider NL-MAILCO "$TMP/small.bin" "$TMP/third.age" > /dev/null
[ "$(api "$PROVIDER" POST "/api/v1/cases/$CASE/productions" @"$TMP/m3.json")" = 201 ] || die "register m3"
P3=$(location)
cp "$TMP/third.age" "$TMP/third-bad.age"
printf '\x01' | dd of="$TMP/third-bad.age" bs=1 seek=100 conv=notrunc 2> /dev/null
split -b 1048576 -d "$TMP/third-bad.age" "$TMP/piece-"
offset=0
for piece in "$TMP"/piece-*; do
  code=$(curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer $PROVIDER" \
    -H 'Content-Type: application/octet-stream' --data-binary @"$piece" "$URL/api/v1/productions/$P3/files/0?offset=$offset")
  offset=$((offset + $(stat -c %s "$piece")))
done
check "a tampered upload is refused at its end (422)" '[ "$code" = 422 ] && grep -q "SHA-256" "$TMP/body"'
check "and the exchange keeps none of it" '[ "$(stat -c %s "$TMP/d.db.evidence/$P3/0.age")" = 0 ]'
# A manifest to someone else's key is refused.
"$BIN" evidence seal --to "$(json_field encryption_key < "$K/provider/public.json")" --manifest "$TMP/m4.json" \
  --keys "$K/provider" --case "$CASE" --order "$ORDER_ID" --provider NL-MAILCO "$TMP/small.bin" "$TMP/fourth.age" > /dev/null
check "encrypting to a key outside the requesting side is refused" \
  '[ "$(api "$PROVIDER" POST "/api/v1/cases/$CASE/productions" @"$TMP/m4.json")" = 422 ] && grep -q "recipients" "$TMP/body"'
# The chain of custody as CASE/UCO.
"$BIN" evidence export --manifest "$TMP/manifest.json" --trust "$TMP/bundle.json" --out "$TMP/case.jsonld" > /dev/null
check "CASE/UCO export" 'grep -q "case-investigation:ProvenanceRecord" "$TMP/case.jsonld" && grep -q "uco-observable:File" "$TMP/case.jsonld"'

finish
