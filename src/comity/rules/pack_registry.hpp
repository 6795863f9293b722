// The rule packs a node knows, by content hash. A case is pinned to the pack
// it was opened under (CaseRecord::pack_hash): its steps, clocks, memo and
// documents use that pack even after the node moves to a newer one, and a
// re-decision under the current pack is an explicit act (CaseService::
// redecide). New cases open under the current pack only.
//
// A registry is filled once, before the node serves, and read-only after:
// lookups need no lock. Packs are shared, so a copy is cheap.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "comity/rules/pack.hpp"

namespace comity {

class PackRegistry {
 public:
  PackRegistry() = default;
  // A registry of one pack that the caller keeps alive (not owned).
  // REQUIRES: `only` outlives the registry and its copies.
  explicit PackRegistry(const Pack& only);

  // Adds `pack` unless a pack with its content hash is known (then the known
  // one is kept: equal hashes mean equal text). The first pack added is the
  // current one. Returns the pack kept under that hash.
  const Pack& add(std::shared_ptr<const Pack> pack);
  // The pack with this content hash ("sha256:…"), or nullptr.
  const Pack* find(std::string_view content_hash) const;
  // The pack new cases open under. REQUIRES: not empty().
  const Pack& current() const;
  bool empty() const { return packs_.empty(); }
  // Every pack, the current one first, then in the order added.
  const std::vector<std::shared_ptr<const Pack>>& all() const { return packs_; }

 private:
  std::vector<std::shared_ptr<const Pack>> packs_;
};

}  // namespace comity
