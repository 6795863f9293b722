#!/usr/bin/env bash
# Evidence benchmark (trust issue, item 7): `comity evidence seal|open`
# against the standard `age` on the same file in one run — throughput, the
# ratio to age, and peak memory (GNU time's maximum resident set). Comity
# computes the plaintext SHA-256 in the same pass (the target), and, sealing
# into a manifest, the ciphertext's too; age computes neither. Not a test.
# Usage: evidence.sh COMITY_BINARY [MiB]
set -euo pipefail
BIN=$1
MIB=${2:-1024}
# In memory (tmpfs) when there is room, so the disk does not set the pace.
DIR=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$DIR"' EXIT
command -v age >/dev/null || { echo "age is not installed (make deps)"; exit 1; }
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "GNU time is not installed (apt-get install time)"; exit 1; }

head -c $((MIB * 1024 * 1024)) /dev/urandom > "$DIR/plain"
age-keygen -o "$DIR/id" 2>/dev/null
R=$(age-keygen -y "$DIR/id")
# Each command runs three times (its output removed in between); the best
# time and the largest peak count: this machine's timings vary from run to
# run by more than the difference being measured.
run() {  # OUTPUT CMD... → "best_seconds peak_kib"
  local output=$1 best="" peak=0 s m
  shift
  for _ in 1 2 3; do
    rm -f "$output"
    "$TIME" -f "%e %M" -o "$DIR/t" "$@" > /dev/null
    read -r s m < "$DIR/t"
    if [ -z "$best" ] || awk -v a="$s" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$s; fi
    [ "$m" -gt "$peak" ] && peak=$m
  done
  echo "$best $peak"
}
"$BIN" keys gen --out "$DIR/keys" > /dev/null
read -r cs cm < <(run "$DIR/c.age" "$BIN" evidence seal --to "$R" "$DIR/plain" "$DIR/c.age")
read -r ms mm < <(run "$DIR/m.age" sh -c 'rm -f "$1/m.json"; exec "$2" evidence seal --to "$3" --manifest "$1/m.json" \
  --keys "$1/keys" --case c --provider p "$1/plain" "$1/m.age"' sh "$DIR" "$BIN" "$R")
rm -f "$DIR/m.age"
read -r as am < <(run "$DIR/a.age" age -r "$R" -o "$DIR/a.age" "$DIR/plain")
read -r co com < <(run "$DIR/c.out" "$BIN" evidence open --identity "$DIR/id" "$DIR/a.age" "$DIR/c.out")
read -r ao aom < <(run "$DIR/a.out" age -d -i "$DIR/id" -o "$DIR/a.out" "$DIR/c.age")
cmp -s "$DIR/plain" "$DIR/c.out" && cmp -s "$DIR/plain" "$DIR/a.out" || { echo "ERROR: round trip differs"; exit 1; }
report() {  # WHAT comity_s comity_kib age_s age_kib
  awk -v w="$1" -v cs="$2" -v cm="$3" -v as="$4" -v am="$5" -v mib="$MIB" 'BEGIN {
    r = as / cs
    printf "%-6s comity %7.0f MiB/s (peak %5.1f MiB)   age %7.0f MiB/s (peak %5.1f MiB)   ratio %.2fx  target >= 1.0x: %s\n",
           w, mib / cs, cm / 1024, mib / as, am / 1024, r, (r >= 1.0 ? "met" : "NOT met") }'
}
echo "Evidence benchmark: $MIB MiB of random bytes in $DIR, one X25519 recipient, best of 3;"
echo "comity computes the plaintext SHA-256 in the same pass; 'seal+m' seals into a signed manifest (both digests)"
report seal "$cs" "$cm" "$as" "$am"
report seal+m "$ms" "$mm" "$as" "$am"
report open "$co" "$com" "$ao" "$aom"
