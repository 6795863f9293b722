#include "comity/service/packs.hpp"

#include <nlohmann/json.hpp>

#include "comity/store/store_error.hpp"
#include "comity/util/sha256.hpp"

namespace comity {

std::string sources_json(const Pack& pack) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& [path, text] : pack.sources) j.push_back({path, text});
  return j.dump();
}

void sync_packs(PublicationRepository& store, PackRegistry& packs, Instant now) {
  for (const auto& p : packs.all()) {
    if (p->sources.empty()) continue;  // built in memory (tests): nothing to keep
    std::string text = sources_json(*p);
    nlohmann::json payload = {{"content_hash", p->content_hash}, {"name", p->name}, {"version", p->version}};
    store.put_rule_pack({p->content_hash, p->name, p->version, text, now},
                        {0, now, "system", "rule_pack_stored", p->content_hash, sha256_hex(payload.dump())});
  }
  for (const auto& stored : store.rule_packs()) {
    if (packs.find(stored.content_hash)) continue;
    PackSources sources;
    try {
      for (const auto& pair : nlohmann::json::parse(stored.sources_json))
        sources.emplace_back(pair.at(0).get<std::string>(), pair.at(1).get<std::string>());
    } catch (const nlohmann::json::exception& e) {
      throw StoreError(StoreError::Code::Corrupt, "rule pack " + stored.content_hash + ": " + e.what());
    }
    std::shared_ptr<const Pack> pack = load_pack_sources(sources);
    if (pack->content_hash != stored.content_hash)
      throw StoreError(StoreError::Code::Corrupt,
                       "rule pack " + stored.content_hash + ": its stored text hashes to " + pack->content_hash);
    packs.add(std::move(pack));
  }
}

}  // namespace comity
