// Checkpoints of the transparency log in the C2SP tlog-checkpoint format,
// signed as C2SP signed notes with the log's Ed25519 key, and the tile
// paths of C2SP tlog-tiles. See docs/transparency-log.md.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "comity/crypto/ed25519.hpp"
#include "comity/ledger/merkle.hpp"
#include "comity/util/error.hpp"

namespace comity::ledger {

// A malformed, unsigned or wrongly signed note or checkpoint, or a bad tile
// path; the message says which part and why.
// ErrorKind::IntegrityFailed: a note, checkpoint, proof or tile path that is wrong.
struct LedgerError : Error {
  explicit LedgerError(const std::string& what) : Error(ErrorKind::IntegrityFailed, what) {}
};

struct Checkpoint {
  std::string origin;  // the log's name, e.g. "comity.example/log"
  uint64_t size = 0;
  Hash root{};
};

// The checkpoint's note text: origin, tree size and base64 root hash, one a
// line, each ending in "\n".
std::string checkpoint_text(const Checkpoint& c);

// Signature types of signed notes (signed-note v1.0.0, "Signatures"): an
// Ed25519 note signature, and an Ed25519 cosignature of a checkpoint
// (tlog-cosignature v1.0.1, which signs another message: cosignature.hpp).
inline constexpr uint8_t kNoteEd25519 = 0x01;
inline constexpr uint8_t kCosignatureV1 = 0x04;

// A signed-note verifier: the key's name, its 4-byte key id, its key and the
// signature type it verifies.
struct NoteVerifier {
  std::string name;
  uint32_t id = 0;
  crypto::PublicKey key{};
  uint8_t type = kNoteEd25519;
};
// The key id of an Ed25519 key of signature type `type`: the first 4 bytes
// (big-endian) of SHA-256(name || "\n" || type || key).
uint32_t note_key_id(std::string_view name, const crypto::PublicKey& key, uint8_t type = kNoteEd25519);
// "name+<8 hex digits of the id>+<base64(type || key)>", the verifier key
// string monitors configure.
std::string verifier_key(std::string_view name, const crypto::PublicKey& key, uint8_t type = kNoteEd25519);
// Throws LedgerError if `vkey` is not such a string of signature type
// `type`, or its id does not match its name and key.
NoteVerifier parse_verifier_key(std::string_view vkey, uint8_t type = kNoteEd25519);

// A note split into its text (ending in "\n", no blank line) and its
// signature lines, each its key name and base64 signature as written.
struct NoteSignatureLine {
  std::string name, base64;
};
struct SplitNote {
  std::string text;
  std::vector<NoteSignatureLine> signatures;
};
// Throws LedgerError naming what is wrong: no blank line, a signature line
// without the em dash, a name or a signature.
SplitNote split_note(std::string_view note);

// `text` signed by `key` under `name`: text, a blank line, and the line
// "— name base64(id || signature)". REQUIRES: text ends in "\n", has no
// blank line, and name has no space, '+' or newline.
std::string sign_note(std::string_view text, std::string_view name, const crypto::SigningKey& key);
// The note's text if it carries a valid signature by `v` (signatures by
// other keys are ignored). Throws LedgerError naming what is wrong.
std::string verify_note(std::string_view note, const NoteVerifier& v);

std::string sign_checkpoint(const Checkpoint& c, const crypto::SigningKey& key);  // key name = origin
// Verifies the note's signature by `v`, then parses the checkpoint; its
// origin must be v.name. Throws LedgerError.
Checkpoint open_checkpoint(std::string_view note, const NoteVerifier& v);

// C2SP tlog-tiles: tiles of height 8 (256 hashes). Level L tile N holds the
// hashes of the Merkle nodes at tree level 8·L, indices 256·N … 256·N+W-1;
// an entries tile holds the leaves themselves.
constexpr unsigned kTileHeight = 8;
constexpr unsigned kTileWidth = 256;
struct TileRef {
  bool entries = false;  // tile/entries/… (leaf data) rather than tile/L/…
  unsigned level = 0;
  uint64_t index = 0;
  unsigned width = kTileWidth;  // 1..256; < 256 is a partial tile (".p/W")
};
// "tile/0/x001/234.p/5" and the like. Throws LedgerError on a malformed path.
TileRef parse_tile_path(std::string_view path);
std::string tile_path(const TileRef& t);
// The hash tile `t` of `tree`: W·32 bytes. Throws LedgerError if the tree
// does not hold those nodes yet (tile beyond the tree).
std::string hash_tile(const MerkleTree& tree, const TileRef& t);
// Appends one entry to an entries bundle: 2-byte big-endian length, then
// the bytes. REQUIRES: entry.size() < 65536.
void append_bundle_entry(std::string& bundle, std::string_view entry);

}  // namespace comity::ledger
