// The transparency log's Merkle tree: RFC 9162 §2.1 hashing (the same as
// RFC 6962), inclusion and consistency proofs, and their verification.
// Pure computation on hashes; persistence and signing live elsewhere.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace comity::ledger {

using Hash = std::array<uint8_t, 32>;

// MTH of one entry: SHA-256(0x00 || data).
Hash leaf_hash(std::string_view data);
// An interior node: SHA-256(0x01 || left || right).
Hash node_hash(const Hash& left, const Hash& right);
// MTH({}) = SHA-256 of the empty string.
Hash empty_root();

std::string to_hex(const Hash& h);
// nullopt unless exactly 64 hex digits.
std::optional<Hash> hash_from_hex(std::string_view hex);

// An append-only Merkle tree over leaf hashes, kept in memory as every
// complete subtree: level k holds the roots of the aligned subtrees of 2^k
// leaves. Appending costs one leaf and, amortised, one node hash. Any
// earlier tree size's root, and proofs against it, come from the same
// levels. Not thread-safe, not even its const members (they fill a cache):
// callers serialise every access.
class MerkleTree {
 public:
  void append(const Hash& leaf);
  uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  // MTH(D[0:tree_size]). REQUIRES: tree_size <= size().
  Hash root(uint64_t tree_size) const;
  Hash root() const { return root(size()); }
  // The hash of the complete subtree at `level` (2^level leaves), `index`
  // from the left. REQUIRES: that subtree is complete within size().
  const Hash& node(unsigned level, uint64_t index) const { return levels_[level][index]; }
  // Complete subtrees at `level` in the current tree.
  uint64_t width(unsigned level) const { return level < levels_.size() ? levels_[level].size() : 0; }
  // PATH(index, D[0:tree_size]), RFC 9162 §2.1.3.1.
  // REQUIRES: index < tree_size <= size().
  std::vector<Hash> inclusion_proof(uint64_t index, uint64_t tree_size) const;
  // PROOF(m, D[0:n]), RFC 9162 §2.1.4.1. REQUIRES: 0 < m <= n <= size().
  std::vector<Hash> consistency_proof(uint64_t m, uint64_t n) const;

 private:
  // MTH(D[start:start+count]) for a range the RFC's recursion visits.
  Hash range_hash(uint64_t start, uint64_t count) const;
  void path(uint64_t index, uint64_t start, uint64_t count, std::vector<Hash>& out) const;
  void subproof(uint64_t m, uint64_t start, uint64_t count, bool whole, std::vector<Hash>& out) const;
  std::vector<std::vector<Hash>> levels_;
  // Hashes of the incomplete ranges [start, size()) along the right edge of
  // the current tree, filled as proofs need them; cleared by append.
  mutable std::vector<std::pair<uint64_t, Hash>> edge_;
};

// RFC 9162 §2.1.3.2: true iff `proof` shows the leaf with hash `leaf` at
// `index` in the tree of `tree_size` leaves whose root is `root`.
bool verify_inclusion(const Hash& leaf, uint64_t index, uint64_t tree_size, const std::vector<Hash>& proof,
                      const Hash& root);
// RFC 9162 §2.1.4.2: true iff `proof` shows the tree of size `m` with root
// `root_m` is a prefix of the tree of size `n` with root `root_n`.
// (m == n: true iff the proof is empty and the roots are equal.)
bool verify_consistency(uint64_t m, uint64_t n, const Hash& root_m, const Hash& root_n, const std::vector<Hash>& proof);

}  // namespace comity::ledger
