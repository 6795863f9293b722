// Witness cosignatures on checkpoints (C2SP tlog-cosignature v1.0.1) and
// the trust policy that says how many of them a checkpoint needs (C2SP
// tlog-policy, an untagged draft). See docs/federation.md §6.
//
// A cosignature is a signed-note signature line on a checkpoint:
//
//   — <witness name> base64(key id || timestamp || Ed25519 signature)
//
// where the key id is SHA-256(name || "\n" || 0x04 || public key)[:4], the
// timestamp 8 bytes big-endian (POSIX seconds, at most 2^63 - 1), and the
// signature covers "cosignature/v1\ntime <timestamp>\n" followed by the
// checkpoint's whole note text (including its final newline, excluding
// every signature line). The 0x04 byte separates it from a note signature
// (0x01) by the same key; the header line separates the message.
//
// A policy lists logs (vkeys of type 0x01), witnesses (vkeys of type 0x04),
// groups of k of their n members, and exactly one quorum; a checkpoint is
// valid under it when one listed log signed it and the cosignatures that
// verify satisfy the quorum. Names are opaque bytes; a group may name only
// what was defined on an earlier line, and each member once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "comity/crypto/ed25519.hpp"
#include "comity/ledger/checkpoint.hpp"

namespace comity::ledger {

// The message a v1 cosignature at `timestamp` signs over the checkpoint
// note text `text` (REQUIRES: ends in "\n"): the header line, the time
// line, then `text`.
std::string cosignature_message(std::string_view text, uint64_t timestamp);

// The cosignature line, ending in "\n", by `key` under `name` on the
// checkpoint note text `text` at `timestamp`. Throws LedgerError if `name`
// is not a valid key name, `text` not note text, or timestamp > 2^63 - 1.
std::string cosign(std::string_view text, std::string_view name, const crypto::SigningKey& key, uint64_t timestamp);

// The timestamp of the cosignature by `v` (type kCosignatureV1) on `note`,
// nullopt when no line carries v's name and key id. Throws LedgerError when
// such a line is not 76 bytes of base64, its timestamp exceeds 2^63 - 1, or
// its signature does not verify: a listed witness's broken line is an
// error, never a silent pass.
std::optional<uint64_t> find_cosignature(const SplitNote& note, const NoteVerifier& v);

// `note` with `lines` (signature lines, each ending in "\n") appended to
// its signature block. REQUIRES: note is a signed note.
std::string add_signature_lines(std::string_view note, std::string_view lines);

// ---- tlog-policy ----

struct PolicyWitness {
  std::string name;  // the policy's own name for it
  NoteVerifier key;  // type kCosignatureV1
  std::string url;   // "" when none is given
};
struct PolicyGroup {
  std::string name;
  size_t threshold = 1;              // k: 1 <= k <= members.size()
  std::vector<std::string> members;  // witnesses or groups defined before it
};
struct Policy {
  std::vector<NoteVerifier> logs;  // type kNoteEd25519; the key name is the origin
  std::vector<PolicyWitness> witnesses;
  std::vector<PolicyGroup> groups;
  std::string quorum;  // a witness, a group, or "none"
};

// Parses a policy file. Throws LedgerError "policy line N: …" naming the
// line and what was expected (an unknown keyword, a bad vkey, a duplicate
// key or name, a member not defined before, a threshold outside 1..n, no
// quorum or two), or "policy: …" for the whole file.
Policy parse_policy(std::string_view text);

// What check_quorum found.
struct QuorumReport {
  std::string log;                    // the origin of the listed log that signed it
  Checkpoint checkpoint;              // as signed
  std::vector<std::string> cosigned;  // the policy names of witnesses whose cosignature verified
  std::vector<std::string> refused;   // "name: why" for listed witnesses' lines that were not counted
  bool satisfied = false;             // the quorum holds
};

// Checks `note` against `p` at `now` (POSIX seconds): signed by a listed
// log (throws LedgerError naming the logs tried when none signed it; with
// no log listed, `fallback` must verify it, and REQUIRES fallback then);
// each listed witness's cosignature verified, a timestamp more than
// `skew` seconds ahead of `now` refused; then the quorum evaluated over
// the groups. Does not throw for a quorum that fails: see `satisfied`.
QuorumReport check_quorum(std::string_view note, const Policy& p, uint64_t now, const NoteVerifier* fallback = nullptr,
                          uint64_t skew = 300);

}  // namespace comity::ledger
