#include "comity/ledger/checkpoint.hpp"

#include <openssl/evp.h>

#include <charconv>
#include <vector>

namespace comity::ledger {

namespace {

constexpr std::string_view kDash = "\xe2\x80\x94 ";  // U+2014 EM DASH, then a space

std::string raw_sha256(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr) != 1)
    throw LedgerError("OpenSSL: SHA-256 failed");
  return std::string(reinterpret_cast<char*>(md), len);
}

std::string_view as_chars(const auto& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

bool decimal(std::string_view s, uint64_t& out) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  return out;
}

bool valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name)
    if (c == ' ' || c == '+' || c == '\n' || static_cast<unsigned char>(c) < 0x20) return false;
  return true;
}

}  // namespace

std::string checkpoint_text(const Checkpoint& c) {
  return c.origin + "\n" + std::to_string(c.size) + "\n" + crypto::base64_encode(as_chars(c.root)) + "\n";
}

uint32_t note_key_id(std::string_view name, const crypto::PublicKey& key, uint8_t type) {
  std::string input(name);
  input += '\n';
  input += static_cast<char>(type);
  input += as_chars(key);
  std::string h = raw_sha256(input);
  return (uint32_t{static_cast<uint8_t>(h[0])} << 24) | (uint32_t{static_cast<uint8_t>(h[1])} << 16) |
         (uint32_t{static_cast<uint8_t>(h[2])} << 8) | uint32_t{static_cast<uint8_t>(h[3])};
}

std::string verifier_key(std::string_view name, const crypto::PublicKey& key, uint8_t type) {
  char id[9];
  std::snprintf(id, sizeof id, "%08x", note_key_id(name, key, type));
  std::string material(1, static_cast<char>(type));
  material += as_chars(key);
  return std::string(name) + "+" + id + "+" + crypto::base64_encode(material);
}

NoteVerifier parse_verifier_key(std::string_view vkey, uint8_t type) {
  // name+id+key: the name and id hold no '+'; the base64 key may.
  size_t first = vkey.find('+'), second = first == std::string_view::npos ? first : vkey.find('+', first + 1);
  if (second == std::string_view::npos) throw LedgerError("verifier key: expected name+id+key");
  std::string_view parts[3] = {vkey.substr(0, first), vkey.substr(first + 1, second - first - 1),
                               vkey.substr(second + 1)};
  NoteVerifier v;
  v.name = std::string(parts[0]);
  if (!valid_name(v.name)) throw LedgerError("verifier key: the name is empty or has a space, '+' or newline");
  if (parts[1].size() != 8) throw LedgerError("verifier key: the id must be 8 hex digits");
  auto [p, ec] = std::from_chars(parts[1].data(), parts[1].data() + 8, v.id, 16);
  if (ec != std::errc() || p != parts[1].data() + 8) throw LedgerError("verifier key: the id must be 8 hex digits");
  auto material = crypto::base64_decode(parts[2]);
  if (!material || material->size() != 33 || static_cast<uint8_t>((*material)[0]) != type) {
    char expected[5];
    std::snprintf(expected, sizeof expected, "0x%02x", type);
    throw LedgerError(std::string("verifier key: the key must be base64 of ") + expected +
                      " and a 32-byte Ed25519 public key");
  }
  std::copy(material->begin() + 1, material->end(), v.key.begin());
  v.type = type;
  if (note_key_id(v.name, v.key, type) != v.id)
    throw LedgerError("verifier key: the id does not match the name and key");
  return v;
}

std::string sign_note(std::string_view text, std::string_view name, const crypto::SigningKey& key) {
  if (text.empty() || text.back() != '\n' || text.find("\n\n") != std::string_view::npos)
    throw LedgerError("note text must end in a newline and contain no blank line");
  if (!valid_name(name)) throw LedgerError("note key name is empty or has a space, '+' or newline");
  auto sig = key.sign(text);
  uint32_t id = note_key_id(name, key.public_key());
  std::string blob{static_cast<char>(id >> 24), static_cast<char>(id >> 16), static_cast<char>(id >> 8),
                   static_cast<char>(id)};
  blob += as_chars(sig);
  std::string out(text);
  out += "\n";
  out += kDash;
  out += name;
  out += " ";
  out += crypto::base64_encode(blob);
  out += "\n";
  return out;
}

SplitNote split_note(std::string_view note) {
  size_t split_at = note.rfind("\n\n");
  if (split_at == std::string_view::npos) throw LedgerError("note: no blank line before the signatures");
  std::string_view text = note.substr(0, split_at + 1), sigs = note.substr(split_at + 2);
  if (sigs.empty() || sigs.back() != '\n') throw LedgerError("note: the signature block must end in a newline");
  sigs.remove_suffix(1);
  SplitNote out{std::string(text), {}};
  for (std::string_view line : split(sigs, '\n')) {
    if (line.substr(0, kDash.size()) != kDash) throw LedgerError("note: a signature line must start with an em dash");
    line.remove_prefix(kDash.size());
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos) throw LedgerError("note: a signature line needs a name and a signature");
    out.signatures.push_back({std::string(line.substr(0, sp)), std::string(line.substr(sp + 1))});
  }
  return out;
}

std::string verify_note(std::string_view note, const NoteVerifier& v) {
  SplitNote parts = split_note(note);
  bool named = false;
  for (const NoteSignatureLine& line : parts.signatures) {
    if (line.name != v.name) continue;  // another signer's
    auto blob = crypto::base64_decode(line.base64);
    if (!blob || blob->size() < 4) throw LedgerError("note: signature by " + v.name + " is not base64 of 68 bytes");
    uint32_t id = (uint32_t{static_cast<uint8_t>((*blob)[0])} << 24) |
                  (uint32_t{static_cast<uint8_t>((*blob)[1])} << 16) |
                  (uint32_t{static_cast<uint8_t>((*blob)[2])} << 8) | uint32_t{static_cast<uint8_t>((*blob)[3])};
    if (id != v.id) {
      named = true;  // same name, another key (e.g. rotated) or a cosignature: keep looking
      continue;
    }
    if (blob->size() != 68) throw LedgerError("note: signature by " + v.name + " is not base64 of 68 bytes");
    crypto::Signature sig;
    std::copy(blob->begin() + 4, blob->end(), sig.begin());
    if (!crypto::verify(v.key, parts.text, sig))
      throw LedgerError("note: the signature by " + v.name + " does not verify");
    return parts.text;
  }
  throw LedgerError(named ? "note: signed by " + v.name + " with another key than the one trusted"
                          : "note: no signature by " + v.name);
}

std::string sign_checkpoint(const Checkpoint& c, const crypto::SigningKey& key) {
  return sign_note(checkpoint_text(c), c.origin, key);
}

Checkpoint open_checkpoint(std::string_view note, const NoteVerifier& v) {
  std::string text = verify_note(note, v);
  auto lines = split(std::string_view(text).substr(0, text.size() - 1), '\n');
  if (lines.size() < 3) throw LedgerError("checkpoint: needs origin, tree size and root hash lines");
  Checkpoint c;
  c.origin = std::string(lines[0]);
  if (c.origin != v.name) throw LedgerError("checkpoint: origin " + c.origin + " is not the log " + v.name);
  if (!decimal(lines[1], c.size)) throw LedgerError("checkpoint: the tree size must be a decimal integer");
  auto root = crypto::base64_decode(lines[2]);
  if (!root || root->size() != 32) throw LedgerError("checkpoint: the root hash must be base64 of 32 bytes");
  std::copy(root->begin(), root->end(), c.root.begin());
  return c;
}

TileRef parse_tile_path(std::string_view path) {
  auto bad = [&](const std::string& why) { return LedgerError("tile path " + std::string(path) + ": " + why); };
  auto parts = split(path, '/');
  if (parts.size() < 3 || parts[0] != "tile") throw bad("expected tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>]");
  TileRef t;
  if (parts[1] == "entries") {
    t.entries = true;
  } else {
    uint64_t level = 0;
    if (!decimal(parts[1], level) || level > 7) throw bad("the level must be 0..7");
    t.level = static_cast<unsigned>(level);
  }
  // <N>: 3-digit elements, all but the last prefixed with 'x'; then, for a
  // partial tile, ".p/<W>".
  std::vector<std::string_view> idx(parts.begin() + 2, parts.end());
  if (idx.size() >= 2 && idx[idx.size() - 2].ends_with(".p")) {
    uint64_t w = 0;
    if (!decimal(idx.back(), w) || w < 1 || w >= kTileWidth) throw bad("a partial tile's width is 1..255");
    t.width = static_cast<unsigned>(w);
    idx.pop_back();
    idx.back().remove_suffix(2);
  }
  uint64_t index = 0;
  for (size_t k = 0; k < idx.size(); ++k) {
    std::string_view e = idx[k];
    if (k + 1 < idx.size()) {
      if (e.size() != 4 || e[0] != 'x') throw bad("index elements are xNNN, the last one NNN");
      e.remove_prefix(1);
    }
    if (e.size() != 3) throw bad("index elements are three digits");
    uint64_t v = 0;
    for (char c : e) {
      if (c < '0' || c > '9') throw bad("index elements are three digits");
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (index > (UINT64_MAX - v) / 1000) throw bad("the index is too large");
    index = index * 1000 + v;
  }
  // Tile N starts at node 256·N: keep that within 64 bits.
  if (index > (UINT64_MAX >> 8)) throw bad("the index is too large");
  t.index = index;
  if (tile_path(t) != path) throw bad("not in canonical form");
  return t;
}

std::string tile_path(const TileRef& t) {
  std::string n = std::to_string(t.index);
  while (n.size() % 3) n.insert(n.begin(), '0');
  std::string out = t.entries ? "tile/entries" : "tile/" + std::to_string(t.level);
  for (size_t i = 0; i < n.size(); i += 3) {
    out += "/";
    if (i + 3 < n.size()) out += "x";
    out += n.substr(i, 3);
  }
  if (t.width < kTileWidth) out += ".p/" + std::to_string(t.width);
  return out;
}

std::string hash_tile(const MerkleTree& tree, const TileRef& t) {
  if (t.entries) throw LedgerError("an entries tile holds leaves, not hashes");
  unsigned level = t.level * kTileHeight;
  uint64_t first = t.index * kTileWidth;
  if (tree.width(level) < first + t.width) throw LedgerError(tile_path(t) + " is beyond the tree");
  std::string out;
  out.reserve(size_t{t.width} * 32);
  for (uint64_t i = first; i < first + t.width; ++i) out += as_chars(tree.node(level, i));
  return out;
}

void append_bundle_entry(std::string& bundle, std::string_view entry) {
  bundle += static_cast<char>((entry.size() >> 8) & 0xff);
  bundle += static_cast<char>(entry.size() & 0xff);
  bundle += entry;
}

}  // namespace comity::ledger
