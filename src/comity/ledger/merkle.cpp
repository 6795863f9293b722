// The Merkle tree of the transparency log (RFC 9162 §2.1).
//
// Storage. The tree is kept as its complete aligned subtrees: levels_[0]
// holds the leaf hashes, levels_[k][i] the root of leaves
// [i·2^k, (i+1)·2^k). Appending a leaf pushes its hash on level 0 and, while
// the level it landed on has an even count, hashes the last two into the
// level above: on average one node hash per leaf, and nothing recomputed.
// The whole tree of n leaves takes about 2n hashes (64 bytes a leaf).
//
// Ranges. The RFC defines every hash, path and proof by the same recursion
// on a range of n leaves: split at k, the largest power of two below n. The
// left part [start, start+k) is then always a complete aligned subtree —
// one lookup in levels_. Only the right part can be incomplete, and only
// along the tree's right edge; its hash (range_hash) recurses down that edge,
// O(log n) hashes. A proof has at most one such incomplete sibling per
// level, so a proof at a million leaves costs a few dozen lookups and at most
// about log² n / 2 hashes in the worst case (far fewer in practice). Against
// the current tree size — what parties and monitors ask for — those right-
// edge hashes are cached until the next append, so a proof is lookups only.
//
// Verification follows RFC 9162 §2.1.3.2 and §2.1.4.2 step by step, with
// the index arithmetic (fn, sn) the RFC gives, so a verifier needs only the
// proof, the sizes and the roots — never the tree.
#include "comity/ledger/merkle.hpp"

#include <openssl/evp.h>

#include <bit>
#include <stdexcept>

#include "comity/util/sha256.hpp"

namespace comity::ledger {

namespace {

// One SHA-256 context per thread, reused: EVP_Digest() fetches the
// algorithm on every call, which costs three times the hash of a node.
struct Hasher {
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  Hasher() {
    if (!md || !ctx) throw std::runtime_error("OpenSSL: SHA-256 unavailable");
  }
  ~Hasher() {
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
  }
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  Hash hash(uint8_t prefix, const void* a, size_t alen, const void* b, size_t blen) {
    Hash out;
    unsigned len = 0;
    if (EVP_DigestInit_ex2(ctx, md, nullptr) != 1 || EVP_DigestUpdate(ctx, &prefix, 1) != 1 ||
        (alen && EVP_DigestUpdate(ctx, a, alen) != 1) || (blen && EVP_DigestUpdate(ctx, b, blen) != 1) ||
        EVP_DigestFinal_ex(ctx, out.data(), &len) != 1)
      throw std::runtime_error("OpenSSL: SHA-256 failed");
    return out;
  }
};

Hasher& hasher() {
  thread_local Hasher h;
  return h;
}

// RFC 9162 §2.1.3.2 step 4b / §2.1.4.2 step 6b: "if LSB(fn) is not set,
// right-shift fn and sn equally until either LSB(fn) is set or fn is 0".
void climb_right_border(uint64_t& fn, uint64_t& sn) {
  while (!(fn & 1) && fn != 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

// The largest power of two strictly less than n. REQUIRES: n > 1.
uint64_t split_point(uint64_t n) {
  return std::bit_floor(n - 1);
}

}  // namespace

Hash leaf_hash(std::string_view data) {
  return hasher().hash(0x00, data.data(), data.size(), nullptr, 0);
}

Hash node_hash(const Hash& left, const Hash& right) {
  return hasher().hash(0x01, left.data(), left.size(), right.data(), right.size());
}

Hash empty_root() {
  Hash out;
  unsigned len = 0;
  if (EVP_Digest("", 0, out.data(), &len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("OpenSSL: SHA-256 failed");
  return out;
}

std::string to_hex(const Hash& h) {
  return hex_encode(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

std::optional<Hash> hash_from_hex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  Hash h;
  for (size_t i = 0; i < 32; ++i) {
    int hi = digit(hex[2 * i]), lo = digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    h[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return h;
}

void MerkleTree::append(const Hash& leaf) {
  edge_.clear();
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf);
  for (size_t k = 0; levels_[k].size() % 2 == 0; ++k) {
    const auto& level = levels_[k];
    Hash parent = node_hash(level[level.size() - 2], level[level.size() - 1]);
    if (k + 1 == levels_.size()) levels_.emplace_back();
    levels_[k + 1].push_back(parent);
  }
}

Hash MerkleTree::range_hash(uint64_t start, uint64_t count) const {
  if (std::has_single_bit(count) && start % count == 0) {
    unsigned level = static_cast<unsigned>(std::countr_zero(count));
    if (level < levels_.size() && (start >> level) < levels_[level].size()) return levels_[level][start >> level];
  }
  // The right edge of the current tree: every proof against the current
  // size needs some of these, so each is hashed once per tree size.
  bool edge = start + count == size();
  if (edge)
    for (const auto& [s, h] : edge_)
      if (s == start) return h;
  uint64_t k = split_point(count);
  Hash h = node_hash(range_hash(start, k), range_hash(start + k, count - k));
  if (edge) edge_.emplace_back(start, h);
  return h;
}

Hash MerkleTree::root(uint64_t tree_size) const {
  if (tree_size > size()) throw std::out_of_range("Merkle tree: no such tree size");
  if (tree_size == 0) return empty_root();
  return range_hash(0, tree_size);
}

void MerkleTree::path(uint64_t index, uint64_t start, uint64_t count, std::vector<Hash>& out) const {
  if (count <= 1) return;
  uint64_t k = split_point(count);
  if (index < k) {
    path(index, start, k, out);
    out.push_back(range_hash(start + k, count - k));
  } else {
    path(index - k, start + k, count - k, out);
    out.push_back(range_hash(start, k));
  }
}

std::vector<Hash> MerkleTree::inclusion_proof(uint64_t index, uint64_t tree_size) const {
  if (index >= tree_size || tree_size > size()) throw std::out_of_range("Merkle tree: no such leaf or tree size");
  std::vector<Hash> out;
  path(index, 0, tree_size, out);
  return out;
}

void MerkleTree::subproof(uint64_t m, uint64_t start, uint64_t count, bool whole, std::vector<Hash>& out) const {
  if (m == count) {
    if (!whole) out.push_back(range_hash(start, count));
    return;
  }
  uint64_t k = split_point(count);
  if (m <= k) {
    subproof(m, start, k, whole, out);
    out.push_back(range_hash(start + k, count - k));
  } else {
    subproof(m - k, start + k, count - k, false, out);
    out.push_back(range_hash(start, k));
  }
}

std::vector<Hash> MerkleTree::consistency_proof(uint64_t m, uint64_t n) const {
  if (m == 0 || m > n || n > size()) throw std::out_of_range("Merkle tree: no such pair of tree sizes");
  std::vector<Hash> out;
  subproof(m, 0, n, true, out);
  return out;
}

bool verify_inclusion(const Hash& leaf, uint64_t index, uint64_t tree_size, const std::vector<Hash>& proof,
                      const Hash& root) {
  if (index >= tree_size) return false;
  uint64_t fn = index, sn = tree_size - 1;
  Hash r = leaf;
  for (const Hash& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      r = node_hash(p, r);
      climb_right_border(fn, sn);
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool verify_consistency(uint64_t m, uint64_t n, const Hash& root_m, const Hash& root_n,
                        const std::vector<Hash>& proof) {
  if (m > n) return false;
  if (m == n) return proof.empty() && root_m == root_n;
  if (m == 0) return proof.empty();  // every tree extends the empty one
  if (proof.empty()) return false;
  std::vector<Hash> path;
  path.reserve(proof.size() + 1);
  if (std::has_single_bit(m)) path.push_back(root_m);
  path.insert(path.end(), proof.begin(), proof.end());
  uint64_t fn = m - 1, sn = n - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      fr = node_hash(c, fr);
      sr = node_hash(c, sr);
      climb_right_border(fn, sn);
    } else {
      sr = node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr == root_m && sr == root_n && sn == 0;
}

}  // namespace comity::ledger
