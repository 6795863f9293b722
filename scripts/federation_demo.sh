#!/usr/bin/env bash
# make federation-demo: three Comity nodes on 127.0.0.1, each its own
# `comity serve --node` with its own database, node keys, log and witness,
# set up through the CLI as three ministries would (docs/federation.md §2):
#
#   DE  issuing State: the Berlin prosecutor (DE-STA-BERLIN) and DE's central authority (de-ca)
#   NL  provider and enforcing State: Mailco (NL-MAILCO) and NL's central authority (nl-ca)
#   US  central authority (us-ca) and provider: Cloudco (US-CLOUDCO)
#
# Flow A: an EPOC for traffic data of a person living in NL, notified to NL
# (Reg. 2023/1543 Art 8): DE transmits, NL's enforcing authority confirms it
# will not refuse, Mailco acknowledges, seals the evidence to the officer's
# key and uploads it, and produces; DE's officer downloads and opens it.
# Flow B: mutual legal assistance from DE to the US: DE's central authority
# transmits, the US central authority receives, asks for a supplement, DE's
# officer provides it, the US accepts and returns the evidence.
#
# Then every receipt in every node's outbox for both cases is verified
# offline (`comity receipt verify`, with the receiver's card only), a forged
# receipt must fail, and each node's checkpoint must carry both other nodes'
# witness cosignatures (`comity log verify --policy`, a quorum of 2 of 2).
#
# Every check can fail: the script stops at the first one that does, says
# which on stderr and exits 1. Waiting is a bounded poll on a condition, never
# a fixed sleep. Servers listen on free loopback ports and are stopped on
# exit; the scratch directory is removed.
#
# Exit 77 (ctest: skipped) when the binary lacks what flow B and the
# evidence steps need (the federation's production routes), after flow A
# passed: the demo never reports what it did not do.
#
# Usage: federation_demo.sh COMITY_BINARY SOURCE_DIR
set -uo pipefail
[ $# -eq 2 ] || { echo "usage: $0 COMITY_BINARY SOURCE_DIR" >&2; exit 2; }
BIN=$(realpath "$1")
SRC=$(realpath "$2")
T0=$(date +%s)
for tool in curl jq sha256sum base64 cmp; do
  command -v "$tool" > /dev/null || { echo "federation-demo: needs $tool (make deps installs it)" >&2; exit 2; }
done
[ -x "$BIN" ] || { echo "federation-demo: $BIN is not an executable (make build)" >&2; exit 2; }

T=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2> /dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
  echo "federation-demo: FAILED: $*" >&2
  for n in de nl us; do
    [ -s "$T/$n.serve.err" ] && { echo "  last lines of the $n server's log:" >&2; tail -n 5 "$T/$n.serve.err" | sed 's/^/    /' >&2; }
  done
  exit 1
}
say() { echo "── $*"; }
CHECKS=0
ok() { CHECKS=$((CHECKS + 1)); echo "   ok  $*"; }
# until_true SECONDS WHAT CMD...: runs CMD every 0.1 s until it succeeds;
# dies naming WHAT once SECONDS have passed.
until_true() {
  local secs=$1 what=$2
  shift 2
  local deadline=$(($(date +%s) + secs))
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || die "$what (waited ${secs} s; last answer: $(head -c 400 "$T/body" 2> /dev/null))"
    sleep 0.1
  done
}

# ── Ports: a port nothing listens on now, distinct from the others chosen.
declare -A PORT
free_port() {  # free_port NODE
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 40000))
    [[ " ${PORT[*]:-} " == *" $p "* ]] && continue
    if ! (exec 3<> "/dev/tcp/127.0.0.1/$p") 2> /dev/null; then
      PORT[$1]=$p
      return 0
    fi
  done
  die "no free loopback port found"
}
for n in de nl us; do free_port "$n"; done
url() { echo "http://127.0.0.1:${PORT[$1]}"; }

# ── The demo world. `demo seed` makes every node's parties and users and
# prints a fresh token per user. On its first run (DE's) it also makes the
# demo world's keys — an anchor for DE, NL and US, and the signing and
# encryption keys of the people who sign orders and manifests — and the
# trust bundle certifying them. A second `demo seed` would make a second,
# different world whose anchors no other node trusts, so NL's provider's
# manifest would not verify on DE, nor DE's officer's order on NL. So the
# world is made once: NL and US get only their own State's keys (the
# anchor's, to certify their node; their people's, to sign) — `demo seed`
# finding a keys directory leaves it as it is — and import DE's public
# bundle, as ministries exchange anchors and credentials out of band. In a
# real federation each ministry makes its own anchor and no private key
# ever leaves its State.
say "seeding the three nodes' databases (one demo world of anchors and credentials)"
declare -A KEYS=([de]="de-ca officer validator" [nl]="nl-ca provider" [us]="us-ca provider-us")
"$BIN" demo seed --db "$T/de.db" --pack "$SRC/rules" > "$T/de.tokens" 2> "$T/err" || die "demo seed DE: $(cat "$T/err")"
for n in nl us; do
  mkdir -p "$T/$n.db.keys"
  for k in ${KEYS[$n]}; do cp -r "$T/de.db.keys/$k" "$T/$n.db.keys/$k" || die "copy the $n keys"; done
  "$BIN" demo seed --db "$T/$n.db" --pack "$SRC/rules" > "$T/$n.tokens" 2> "$T/err" || die "demo seed $n: $(cat "$T/err")"
done
token() {  # token NODE USER
  local t
  t=$(awk -v who="$2" '$1 == who { getline; print $1 }' "$T/$1.tokens")
  [ -n "$t" ] || die "no token for $2 on $1"
  echo "$t"
}
"$BIN" trust export --db "$T/de.db" --out "$T/world.json" > /dev/null 2> "$T/err" || die "trust export: $(cat "$T/err")"

# ── Nodes: keys, credentials from their State's anchor, cards, peers.
declare -A STATE=([de]=DE [nl]=NL [us]=US)
declare -A HOSTS=([de]="DE-STA-BERLIN:issuing_authority de-ca:central_authority"
  [nl]="NL-MAILCO:provider nl-ca:central_authority"
  [us]="us-ca:central_authority US-CLOUDCO:provider")
say "making the nodes: keys, node credentials from each State's anchor, trust, peer lists"
for n in de nl us; do
  "$BIN" node init --keys "$T/$n-node" --id "$n-node" --state "${STATE[$n]}" --endpoint "$(url "$n")" > /dev/null \
    2> "$T/err" || die "node init $n: $(cat "$T/err")"
  hosts=()
  for h in ${HOSTS[$n]}; do hosts+=(--host "$h"); done
  "$BIN" node certify --anchor "$T/$n.db.keys/$n-ca" --node "$T/$n-node/node.json" "${hosts[@]}" \
    --out "$T/$n-node/credential.json" > /dev/null 2> "$T/err" || die "node certify $n: $(cat "$T/err")"
done
"$BIN" trust export "$T/de-node/credential.json" "$T/nl-node/credential.json" "$T/us-node/credential.json" \
  --out "$T/nodes.json" > /dev/null 2> "$T/err" || die "export the node credentials: $(cat "$T/err")"
for n in de nl us; do
  if [ "$n" != de ]; then
    "$BIN" trust import "$T/world.json" --db "$T/$n.db" > /dev/null 2> "$T/err" || die "trust import on $n: $(cat "$T/err")"
  fi
  "$BIN" trust import "$T/nodes.json" --db "$T/$n.db" > /dev/null 2> "$T/err" || die "node credentials on $n: $(cat "$T/err")"
  "$BIN" node card --keys "$T/$n-node" > "$T/$n-card.json" 2> "$T/err" || die "node card $n: $(cat "$T/err")"
done
# Every node peers with both others: DE talks to NL and to the US, and
# each node's witness cosigns both other logs.
for n in de nl us; do
  for p in de nl us; do
    [ "$n" = "$p" ] && continue
    "$BIN" peer add --keys "$T/$n-node" --card "$T/$p-card.json" --db "$T/$n.db" > /dev/null 2> "$T/err" \
      || die "peer add $p on $n: $(cat "$T/err")"
  done
done
ok "three nodes, each with a node credential from its State's anchor and a signed list of two peers"

# ── Serve.
for n in de nl us; do
  "$BIN" serve --node "$T/$n-node" --db "$T/$n.db" --listen "127.0.0.1:${PORT[$n]}" --pack "$SRC/rules" \
    > "$T/$n.serve.out" 2> "$T/$n.serve.err" &
  PIDS+=($!)
  eval "PID_$n=$!"
done
listening() {  # listening NODE: its process runs and says it listens
  local pid_var="PID_$1"
  kill -0 "${!pid_var}" 2> /dev/null || die "the $1 server exited: $(tail -n 3 "$T/$1.serve.err")"
  grep -q "listening on http://127.0.0.1:${PORT[$1]}/" "$T/$1.serve.out" 2> /dev/null
}
for n in de nl us; do until_true 30 "the $n server did not start listening" listening "$n"; done
ok "DE on $(url de), NL on $(url nl), US on $(url us)"

# api NODE TOKEN METHOD PATH [BODY]: the HTTP status on stdout, the body in $T/body.
api() {
  curl -s --max-time 30 -o "$T/body" -D "$T/headers" -w '%{http_code}' -X "$3" -H "Authorization: Bearer $2" \
    -H 'Content-Type: application/json' ${5:+--data-binary "$5"} "$(url "$1")$4"
}
expect() {  # expect STATUS WHAT NODE TOKEN METHOD PATH [BODY]
  local want=$1 what=$2 got
  shift 2
  got=$(api "$@")
  [ "$got" = "$want" ] || die "$what: HTTP $got, want $want: $(head -c 600 "$T/body")"
}
step() {  # step NODE TOKEN CASE EVENT [REASON]
  local body
  body=$(jq -cn --arg e "$4" --arg r "${5:-}" '{event: $e} + (if $r == "" then {} else {reason: $r} end)')
  expect 200 "step $4 on $1" "$1" "$2" POST "/api/v1/cases/$3/events" "$body"
}

DE_OFFICER=$(token de officer) || exit 1
DE_VALIDATOR=$(token de validator) || exit 1
DE_CA=$(token de central-authority) || exit 1
DE_ADMIN=$(token de admin) || exit 1
NL_PROVIDER=$(token nl provider) || exit 1
NL_ENFORCING=$(token nl enforcing-authority) || exit 1
NL_ADMIN=$(token nl admin) || exit 1
US_CA=$(token us central-authority-us) || exit 1
US_ADMIN=$(token us admin) || exit 1
OFFICER_AGE=$(jq -r .encryption_key "$T/de.db.keys/officer/public.json")
[[ $OFFICER_AGE == age1* ]] || die "the officer's public.json holds no age recipient"

# inbox_has NODE TOKEN KIND [CASE_REF]: the party's inbox holds a message of
# KIND (for CASE_REF); it is written to $T/msg.
inbox_has() {
  [ "$(api "$1" "$2" GET /api/v1/federation/inbox)" = 200 ] || return 1
  jq -e --arg k "$3" --arg r "${4:-}" \
    '[.messages[] | select(.kind == $k and ($r == "" or .case_ref == $r))] | first // empty' "$T/body" > "$T/msg"
}
# case_has NODE TOKEN CASE FILTER: the case's view satisfies the jq FILTER.
case_has() {
  [ "$(api "$1" "$2" GET "/api/v1/cases/$3")" = 200 ] && jq -e "$4" "$T/body" > /dev/null
}
answer() {  # answer NODE TOKEN MESSAGE EVENT [REASON]
  local body
  body=$(jq -cn --arg e "$4" --arg r "${5:-}" '{event: $e} + (if $r == "" then {} else {reason: $r} end)')
  expect 202 "answer $4 on $1" "$1" "$2" POST "/api/v1/federation/inbox/$3/answer" "$body"
}
# open_case NODE TOKEN SIGNED_ORDER PATHWAY: the new case's id on stdout.
open_case() {
  jq -n --slurpfile o "$3" --arg p "$4" '{signed_order: $o[0], pathway: $p}' > "$T/open.json"
  expect 201 "open a $4 case" "$1" "$2" POST /api/v1/cases @"$T/open.json"
  jq -r .id "$T/body"
}

# ── Flow A: the notified EPOC, DE → NL.
say "flow A: an EPOC for traffic data, notified to NL (Art 8), DE → NL"
jq '.data_categories = ["TRAFFIC"] | .data_items = ["connection logs, 1 May to 31 July 2026"]
    | .subject.residence_state = "NL" | .subject.current_location_state = "NL"
    | .validating_authority = {id: "DE-AG-TIERGARTEN", name: "Amtsgericht Tiergarten", state: "DE", type: "JUDGE"}' \
  "$SRC/examples/s01-eu-subscriber-prosecutor.json" > "$T/epoc.json" || die "make the EPOC request"
# The order is signed by the prosecutor and by the court that validates it.
"$BIN" order sign --keys "$T/de.db.keys/officer" "$T/epoc.json" "$T/epoc.officer.json" > "$T/epoc.order-id" 2> "$T/err" \
  || die "order sign (officer): $(cat "$T/err")"
"$BIN" order sign --role validator --keys "$T/de.db.keys/validator" "$T/epoc.officer.json" "$T/epoc.order.json" \
  > /dev/null 2> "$T/err" || die "order sign (validator): $(cat "$T/err")"
EPOC_ORDER=$(cat "$T/epoc.order-id")
EPOC=$(open_case de "$DE_OFFICER" "$T/epoc.order.json" P_EU_EPOC) || exit 1
step de "$DE_OFFICER" "$EPOC" submit
step de "$DE_OFFICER" "$EPOC" request_validation
step de "$DE_VALIDATOR" "$EPOC" validate
step de "$DE_OFFICER" "$EPOC" transmit
ok "DE case $EPOC: opened on signed order $EPOC_ORDER, validated and transmitted"

until_true 30 "NL's enforcing authority never saw the notification" inbox_has nl "$NL_ENFORCING" notification.send
NOTIFICATION=$(jq -r .id "$T/msg")
EPOC_REF=$(jq -r .case_ref "$T/msg")
jq -e '.body.notified_copy.request | type == "object"' "$T/msg" > /dev/null || die "the notified copy lacks the request"
jq -e --arg id "$EPOC" 'tostring | contains($id) | not' "$T/msg" > /dev/null || die "DE's case id crossed to NL"
ok "NL's enforcing authority holds the notified copy (with the request), under case_ref $EPOC_REF"
until_true 30 "NL's provider never saw the order" inbox_has nl "$NL_PROVIDER" order.transmit "$EPOC_REF"
ORDER_MSG=$(jq -r .id "$T/msg")
jq -e '.body.certificate.pathway == "P_EU_EPOC" and (.body.certificate | has("request") | not)' "$T/msg" > /dev/null \
  || die "the provider's view is not the certificate without the grounds: $(head -c 400 "$T/msg")"
ok "NL's provider holds the order: the certificate, without the grounds"

answer nl "$NL_ENFORCING" "$NOTIFICATION" confirm_no_refusal
until_true 30 "DE's case never took the enforcing authority's confirm_no_refusal" case_has de "$DE_OFFICER" "$EPOC" \
  '[.history[] | select(.event == "confirm_no_refusal" and .by == "enforcing_authority")] | length == 1'
ok "NL's enforcing authority confirmed it will not refuse: a step on DE's case"
answer nl "$NL_PROVIDER" "$ORDER_MSG" acknowledge
until_true 30 "DE's case never became acknowledged" case_has de "$DE_OFFICER" "$EPOC" \
  '.state == "acknowledged" and (.history | last | .event == "acknowledge" and .by == "provider")'
ok "NL's provider acknowledged: DE's case is acknowledged"

# Evidence and flow B need the federation's production routes and the MLA
# messages; a binary without them has done flow A only.
curl -s --max-time 30 "$(url de)/api/v1/openapi.json" > "$T/openapi.json" || die "GET /api/v1/openapi.json"
FULL=1
jq -e '.paths | has("/api/v1/federation/inbox/{id}/productions")' "$T/openapi.json" > /dev/null || FULL=0

# produce_evidence NODE TOKEN MESSAGE KEYS PROVIDER ORDER FILE NAME: seals
# FILE to DE's officer for the inbox message's case_ref, registers the
# signed manifest on the message and uploads the ciphertext in 1 MiB chunks.
EVIDENCE_BYTES=0
produce_evidence() {
  local node=$1 tok=$2 msg=$3 keys=$4 provider=$5 order=$6 file=$7 name=$8 ref manifest
  ref=$(jq -r --arg m "$msg" '.messages[] | select(.id == $m) | .case_ref' "$T/inbox.$node.json")
  [ -n "$ref" ] || die "no case_ref for $msg"
  "$BIN" evidence seal --to "$OFFICER_AGE" --manifest "$T/$name.manifest.json" --keys "$keys" --case "$ref" \
    --order "$order" --provider "$provider" "$file" "$T/$name.age" > /dev/null 2> "$T/err" \
    || die "evidence seal on $node: $(cat "$T/err")"
  expect 201 "register the production on $node" "$node" "$tok" POST "/api/v1/federation/inbox/$msg/productions" \
    @"$T/$name.manifest.json"
  manifest=$(jq -r '.manifest | strings' "$T/body")
  [ -n "$manifest" ] || die "registering the production on $node named no manifest: $(head -c 400 "$T/body")"
  rm -rf "$T/$name.chunks" && mkdir "$T/$name.chunks"
  split -b 1048576 -d -a 4 "$T/$name.age" "$T/$name.chunks/c-"
  local offset=0 code
  for chunk in "$T/$name.chunks"/c-*; do
    code=$(curl -s --max-time 30 -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $tok" \
      -H 'Content-Type: application/octet-stream' --data-binary @"$chunk" \
      "$(url "$node")/api/v1/federation/inbox/$msg/productions/$manifest/files/0?offset=$offset")
    [ "$code" = 202 ] || die "upload a chunk at offset $offset on $node: HTTP $code: $(head -c 400 "$T/body")"
    offset=$((offset + $(stat -c %s "$chunk")))
  done
  jq -e --argjson n "$offset" '.queued_bytes == $n and .complete == true' "$T/body" > /dev/null \
    || die "the upload on $node did not end complete at $offset bytes: $(cat "$T/body")"
  EVIDENCE_BYTES=$((EVIDENCE_BYTES + $(stat -c %s "$file")))
}
# evidence_home CASE NAME FILE: DE's case lists the production; DE's officer
# downloads it and opens it against the manifest and DE's trust; the
# plaintext is what was sealed.
evidence_at_home() {
  local case=$1 name=$2 file=$3 production
  until_true 60 "DE's case $case never listed a complete production" case_has de "$DE_OFFICER" "$case" \
    '(.productions // []) | map(select(.files > 0 and .complete_files == .files)) | length == 1'
  production=$(jq -r '.productions[0].id' "$T/body")
  COMITY_TOKEN=$DE_OFFICER "$BIN" evidence download --url "$(url de)" --production "$production" --file 0 \
    "$T/$name.download.age" > /dev/null 2> "$T/err" || die "evidence download on DE: $(cat "$T/err")"
  curl -s --max-time 30 -H "Authorization: Bearer $DE_OFFICER" "$(url de)/api/v1/trust" > "$T/de-trust.json"
  "$BIN" evidence open --identity "$T/de.db.keys/officer/encryption.age" --manifest "$T/$name.manifest.json" \
    --trust "$T/de-trust.json" "$T/$name.download.age" "$T/$name.opened" > /dev/null 2> "$T/err" \
    || die "evidence open on DE: $(cat "$T/err")"
  cmp -s "$T/$name.opened" "$file" || die "the evidence DE's officer opened is not what was sealed"
}

if [ "$FULL" = 1 ]; then
  say "flow A: the evidence, NL → DE"
  head -c 3000000 /dev/urandom > "$T/mailbox.bin"
  [ "$(api nl "$NL_PROVIDER" GET /api/v1/federation/inbox)" = 200 ] || die "NL provider's inbox"
  cp "$T/body" "$T/inbox.nl.json"
  produce_evidence nl "$NL_PROVIDER" "$ORDER_MSG" "$T/nl.db.keys/provider" NL-MAILCO "$EPOC_ORDER" "$T/mailbox.bin" mailbox
  answer nl "$NL_PROVIDER" "$ORDER_MSG" produce
  until_true 30 "DE's case never became produced" case_has de "$DE_OFFICER" "$EPOC" '.state == "produced"'
  evidence_at_home "$EPOC" mailbox "$T/mailbox.bin"
  ok "NL's provider sealed and uploaded 3000000 bytes and produced; DE's officer opened exactly them"

  # ── Flow B: MLA, DE → US.
  say "flow B: mutual legal assistance, DE → US"
  jq '.case_reference = "StA Berlin 254 Js 1402/26" | .data_categories = ["CONTENT"]
      | .data_items = ["stored e-mails, 1 May to 31 July 2026"]
      | .identifiers = [{type: "EMAIL", value: "seller@cloudco.example"}]
      | .provider = {id: "US-CLOUDCO", legal_name: "Cloudco Inc.", hq_state: "US",
                     establishments: [{state: "US", type: "HQ"}], services: ["ISS_COMMUNICATION"],
                     offers_services_in: ["US"], role_for_data: "CONTROLLER", data_location: ["US"]}' \
    "$SRC/examples/s01-eu-subscriber-prosecutor.json" > "$T/mla.json" || die "make the MLA request"
  "$BIN" evaluate "$T/mla.json" --format json > "$T/mla.decision.json" 2> "$T/err" || die "evaluate: $(cat "$T/err")"
  jq -e 'any(.pathways[]; .pathway == "P_MLAT" and .counterpart_state == "US" and (.status | startswith("available")))' \
    "$T/mla.decision.json" > /dev/null || die "the engine finds no available P_MLAT pathway to the US for this request"
  "$BIN" order sign --keys "$T/de.db.keys/officer" "$T/mla.json" "$T/mla.order.json" > "$T/mla.order-id" 2> "$T/err" \
    || die "order sign (MLA): $(cat "$T/err")"
  MLA_ORDER=$(cat "$T/mla.order-id")
  MLA=$(open_case de "$DE_OFFICER" "$T/mla.order.json" P_MLAT) || exit 1
  step de "$DE_OFFICER" "$MLA" submit
  step de "$DE_OFFICER" "$MLA" send_to_central_authority
  step de "$DE_CA" "$MLA" transmit
  ok "DE case $MLA: the officer sent it to DE's central authority, which transmitted it"
  until_true 30 "the US central authority never saw the MLA request" inbox_has us "$US_CA" mla.transmit
  MLA_MSG=$(jq -r .id "$T/msg")
  MLA_REF=$(jq -r .case_ref "$T/msg")
  jq -e --arg id "$MLA" 'tostring | contains($id) | not' "$T/msg" > /dev/null || die "DE's case id crossed to the US"
  ok "the US central authority holds the request, under case_ref $MLA_REF"
  answer us "$US_CA" "$MLA_MSG" receive
  until_true 30 "DE's MLA case never took receive" case_has de "$DE_OFFICER" "$MLA" '.state == "requested_review"'
  answer us "$US_CA" "$MLA_MSG" request_supplement "State the dates of the e-mails sought and the account's first use."
  until_true 30 "DE's MLA case never took request_supplement" case_has de "$DE_OFFICER" "$MLA" \
    '.state == "supplement_requested"'
  step de "$DE_OFFICER" "$MLA" provide_supplement "E-mails of 1 May to 31 July 2026; the account was first used on 2 May 2026."
  until_true 30 "the US central authority never received the supplement" inbox_has us "$US_CA" \
    mla.supplement.provide "$MLA_REF"
  ok "the US asked for a supplement; DE's officer provided it; the US holds it"
  answer us "$US_CA" "$MLA_MSG" accept
  until_true 30 "DE's MLA case never became executing" case_has de "$DE_OFFICER" "$MLA" '.state == "executing"'
  ok "the US central authority accepted the request: DE's case is executing"
  head -c 1500000 /dev/urandom > "$T/cloud.bin"
  [ "$(api us "$US_CA" GET /api/v1/federation/inbox)" = 200 ] || die "US central authority's inbox"
  cp "$T/body" "$T/inbox.us.json"
  # The US provider's people seal what Cloudco produced; the US central
  # authority returns it to DE.
  produce_evidence us "$US_CA" "$MLA_MSG" "$T/us.db.keys/provider-us" US-CLOUDCO "$MLA_ORDER" "$T/cloud.bin" cloud
  answer us "$US_CA" "$MLA_MSG" return_evidence
  until_true 30 "DE's MLA case never became evidence_returned" case_has de "$DE_OFFICER" "$MLA" \
    '.state == "evidence_returned"'
  evidence_at_home "$MLA" cloud "$T/cloud.bin"
  ok "the US returned 1500000 bytes of evidence; DE's officer opened exactly them"
fi

# ── Receipts: every message each node sent for the cases, delivered, each
# receipt verified offline against the receiver's card.
say "receipts, verified offline against each receiver's card"
RECEIPTS=0
MESSAGES=0
declare -A COVER=([de]=0 [nl]=0 [us]=0)  # per log: the size a checkpoint needs to hold every receipt verified
# receipts NODE ADMIN_TOKEN CASE_REF: every message NODE sent for CASE_REF
# is delivered, and its receipt verifies.
verify_receipts() {
  local node=$1 tok=$2 ref=$3 n peer leaf
  settled() {
    [ "$(api "$node" "$tok" GET "/api/v1/federation/outbox?case_ref=$ref")" = 200 ] \
      && jq -e '.messages | length > 0 and all(.state == "delivered")' "$T/body" > /dev/null
  }
  until_true 30 "$node's messages for $ref were not all delivered" settled
  cp "$T/body" "$T/outbox.json"
  n=$(jq '.messages | length' "$T/outbox.json")
  for i in $(seq 0 $((n - 1))); do
    jq ".messages[$i].receipt" "$T/outbox.json" > "$T/receipt.json"
    peer=$(jq -r ".messages[$i].peer" "$T/outbox.json")
    peer=${peer%-node}
    "$BIN" receipt verify --peer-card "$T/$peer-card.json" --sender-state "${STATE[$node]}" "$T/receipt.json" \
      > "$T/out" 2> "$T/err" || die "$node's receipt for $(jq -r ".messages[$i].kind" "$T/outbox.json") does not verify: $(cat "$T/err")"
    RECEIPTS=$((RECEIPTS + 1))
    leaf=$(jq -r .leaf_index "$T/out")
    [ "$((leaf + 1))" -gt "${COVER[$peer]}" ] && COVER[$peer]=$((leaf + 1))
    echo "   ok  $(jq -r ".messages[$i] | \"\(.kind) \(.peer)\"" "$T/outbox.json"): receipt $(jq -r .receipt "$T/out") at leaf $(jq -r .leaf_index "$T/out") of ${peer^^}'s log"
  done
  MESSAGES=$((MESSAGES + n))
}
verify_receipts de "$DE_ADMIN" "$EPOC_REF"
# The check can fail: a receipt NL gave DE, altered, does not verify; nor
# does the unaltered one against another node's card.
jq '.messages[0].receipt' "$T/outbox.json" > "$T/receipt.json"
jq '.delivered_at = "2020-01-01T00:00:00Z"' "$T/receipt.json" > "$T/forged.json"
if "$BIN" receipt verify --peer-card "$T/nl-card.json" --sender-state DE "$T/forged.json" > /dev/null 2> "$T/err"; then
  die "an altered receipt verified"
fi
if "$BIN" receipt verify --peer-card "$T/us-card.json" --sender-state DE "$T/receipt.json" > /dev/null 2> "$T/err"; then
  die "NL's receipt verified against the US node's card"
fi
verify_receipts nl "$NL_ADMIN" "$EPOC_REF"
if [ "$FULL" = 1 ]; then
  verify_receipts de "$DE_ADMIN" "$MLA_REF"
  verify_receipts us "$US_ADMIN" "$MLA_REF"
fi
ok "$RECEIPTS receipts verified; an altered one and one against the wrong card were refused"

# ── Witnesses: each log's checkpoint, cosigned by both other nodes.
say "checkpoints, cosigned by the other two nodes' witnesses"
# vkey NAME ED25519_KEY_TEXT TYPE: a C2SP note verifier key,
# NAME+hex(SHA-256(NAME "\n" TYPE KEY)[:4])+base64(TYPE KEY) — TYPE 01 for a
# log's Ed25519 signature, 04 for a tlog-cosignature/v1 witness.
vkey() {
  local raw="$T/vkey.raw" id
  printf '%s' "${2#ed25519:}" | base64 -d > "$raw" || die "bad key $2"
  id=$({ printf '%s\n' "$1"; printf "\\x$3"; cat "$raw"; } | sha256sum | cut -c1-8)
  echo "$1+$id+$({ printf "\\x$3"; cat "$raw"; } | base64 -w0)"
}
COSIGNED=0
for n in de nl us; do
  log_key=$(vkey "$(jq -r .log_origin "$T/$n-card.json")" "$(jq -r .credential.subject.log_key "$T/$n-card.json")" 01)
  served=$(curl -s --max-time 30 "$(url "$n")/fed/v1/node" | jq -r .log_verifier_key)
  [ "$served" = "$log_key" ] || die "$n serves log key $served, its credential says $log_key"
  policy="$T/$n.policy"
  echo "log $log_key" > "$policy"
  others=()
  for w in de nl us; do
    [ "$w" = "$n" ] && continue
    echo "witness $w $(vkey "$(jq -r .witness_name "$T/$w-card.json")" "$(jq -r .credential.subject.witness_key "$T/$w-card.json")" 04)" >> "$policy"
    others+=("$w")
  done
  printf 'group peers all %s\nquorum peers\n' "${others[*]}" >> "$policy"
  # The whole log verified (every leaf against the checkpoint) and the
  # checkpoint cosigned by both witnesses, at a size that holds every
  # receipt this log gave.
  quorum() {
    "$BIN" log verify --url "$(url "$n")" --key "$log_key" --policy "$policy" > "$T/out" 2> "$T/err" \
      && jq -e --argjson need "${COVER[$n]}" '.tree_size >= $need and (.witnesses.cosigned | length == 2)' "$T/out" > /dev/null
  }
  until_true 60 "${n^^}'s checkpoint never met the quorum of ${others[*]} at size ${COVER[$n]} or more: $(cat "$T/out" "$T/err" | tail -c 400)" quorum
  COSIGNED=$((COSIGNED + 1))
  ok "${n^^}'s log verified to its checkpoint at size $(jq -r .tree_size "$T/out") (every receipt it gave inside), cosigned by $(jq -r '.witnesses.cosigned | join(" and ")' "$T/out") (policy: 2 of 2)"
done
# The check can fail: a witness that never cosigned breaks a quorum of all.
{
  grep -v '^group\|^quorum' "$T/de.policy"
  echo "witness fr $(vkey example.fr/fr-node/witness "ed25519:$(head -c 32 /dev/urandom | base64 -w0)" 04)"
  printf 'group peers all nl us fr\nquorum peers\n'
} > "$T/bad.policy"
de_key=$(sed -n 's/^log //p' "$T/de.policy")
if "$BIN" log verify --url "$(url de)" --key "$de_key" --policy "$T/bad.policy" > /dev/null 2>&1; then
  die "a quorum naming a witness that never cosigned passed"
fi
ok "a quorum that needs a witness which never cosigned fails"

T1=$(date +%s)
echo
if [ "$FULL" = 1 ]; then echo "federation demo: passed"; else echo "federation demo: flow A's messages passed; evidence and flow B not run"; fi
echo "  nodes                 3 (DE $(url de), NL $(url nl), US $(url us))"
echo "  cases                 EPOC notified DE → NL$([ "$FULL" = 1 ] && echo ", MLA DE → US")"
echo "  messages delivered    $MESSAGES"
echo "  receipts verified     $RECEIPTS (offline, each against its receiver's card)"
echo "  checkpoints cosigned  $COSIGNED of 3 (each by both other nodes' witnesses)"
echo "  evidence              $EVIDENCE_BYTES bytes sealed, carried and opened"
echo "  checks                $CHECKS"
echo "  time                  $((T1 - T0)) s"
if [ "$FULL" != 1 ]; then
  echo "federation-demo: NOT DONE: this binary has no federation production routes, so flow A's evidence and" \
    "flow B (MLA DE → US) were not run" >&2
  exit 77
fi
exit 0
