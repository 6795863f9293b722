#!/usr/bin/env bash
# Interoperability of `comity evidence` with the standard age tool (Debian's
# `age`), both ways, across the chunk boundary; and refusals that leave no
# output behind. Usage: age_interop_test.sh COMITY_BINARY
set -uo pipefail
BIN=$1
source "$(dirname "$0")/../test_lib.sh"
command -v age >/dev/null || { echo "age is not installed (make deps)"; exit 1; }

age-keygen -o "$TMP/theirs.key" 2>/dev/null
THEIRS=$(age-keygen -y "$TMP/theirs.key")
# A comity key directory: its encryption.age is an age identity file.
MINE=$("$BIN" keys gen --out "$TMP/keys" | sed -n 's/.*"encryption_key": "\(age1[a-z0-9]*\)".*/\1/p')
ln -s "$TMP/keys/encryption.age" "$TMP/mine.key"
[ "$(stat -c %a "$TMP/keys/encryption.age")" = 600 ] && ok || fail "identity file mode"
[ "$(stat -c %a "$TMP/keys/signing.pem")" = 600 ] && ok || fail "signing key file mode"
[ -n "$MINE" ] && [ "$(age-keygen -y "$TMP/mine.key")" = "$MINE" ] && ok || fail "age reads comity's identity file"

for size in 0 1 65536 65537 300000; do
  head -c "$size" /dev/urandom > "$TMP/p$size"
  # Comity seals (to both keys, into a manifest, so both digests are computed), age opens.
  "$BIN" evidence seal --to "$THEIRS" --to "$MINE" --manifest "$TMP/m$size.json" --keys "$TMP/keys" --case c-1 \
    --provider p-1 "$TMP/p$size" "$TMP/c$size.age" > "$TMP/facts" || fail "seal $size"
  # (age creates no output file for an empty plaintext.)
  age -d -i "$TMP/theirs.key" -o "$TMP/a$size" "$TMP/c$size.age" && { [ -e "$TMP/a$size" ] || : > "$TMP/a$size"; } \
    && cmp -s "$TMP/p$size" "$TMP/a$size" && ok || fail "age opens comity's $size bytes"
  grep -q "\"plaintext_sha256\": \"$(sha256sum < "$TMP/p$size" | cut -d' ' -f1)\"" "$TMP/facts" && ok \
    || fail "plaintext digest of $size bytes"
  grep -q "\"ciphertext_sha256\": \"$(sha256sum < "$TMP/c$size.age" | cut -d' ' -f1)\"" "$TMP/facts" && ok \
    || fail "ciphertext digest of $size bytes"
  # age seals, Comity opens.
  age -r "$MINE" -o "$TMP/g$size.age" "$TMP/p$size"
  "$BIN" evidence open --identity "$TMP/mine.key" "$TMP/g$size.age" "$TMP/b$size" > /dev/null \
    && cmp -s "$TMP/p$size" "$TMP/b$size" && ok || fail "comity opens age's $size bytes"
done

# Refusals: wrong identity, cut short, altered. Exit 1, a reason, no output.
expect_refused() {  # NAME FILE FRAGMENT
  if "$BIN" evidence open --identity "$TMP/mine.key" "$2" "$TMP/out-$1" > /dev/null 2> "$TMP/err"; then
    fail "$1 accepted"
  elif [ -e "$TMP/out-$1" ] || [ -e "$TMP/out-$1.partial" ]; then
    fail "$1 left output behind"
  elif ! grep -q "$3" "$TMP/err"; then
    fail "$1: $(cat "$TMP/err")"
  else ok; fi
}
age -r "$THEIRS" -o "$TMP/not-mine.age" "$TMP/p65537"
expect_refused wrong-recipient "$TMP/not-mine.age" "not encrypted to this identity"
head -c -100 "$TMP/g300000.age" > "$TMP/cut.age"
expect_refused truncated "$TMP/cut.age" "does not authenticate"
cp "$TMP/g300000.age" "$TMP/bad.age"
printf 'X' | dd of="$TMP/bad.age" bs=1 seek=70000 conv=notrunc 2>/dev/null
expect_refused tampered "$TMP/bad.age" "does not authenticate"

finish
