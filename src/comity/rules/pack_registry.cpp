#include "comity/rules/pack_registry.hpp"

namespace comity {

PackRegistry::PackRegistry(const Pack& only) {
  packs_.push_back(std::shared_ptr<const Pack>(&only, [](const Pack*) {}));
}

const Pack& PackRegistry::add(std::shared_ptr<const Pack> pack) {
  COMITY_ASSERT(pack != nullptr, "a registry holds loaded packs");
  if (const Pack* known = find(pack->content_hash)) return *known;
  packs_.push_back(std::move(pack));
  return *packs_.back();
}

const Pack* PackRegistry::find(std::string_view content_hash) const {
  for (const auto& p : packs_)
    if (p->content_hash == content_hash) return p.get();
  return nullptr;
}

const Pack& PackRegistry::current() const {
  COMITY_ASSERT(!packs_.empty(), "a node runs with at least one rule pack");
  return *packs_.front();
}

}  // namespace comity
