#include "comity/service/transparency.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <stdexcept>

#include "comity/crypto/ed25519.hpp"
#include "comity/util/date.hpp"
#include "comity/util/sha256.hpp"
#include "comity/workflow/clock.hpp"

namespace comity {

namespace {

using crypto::random_bytes;

// nlohmann::json (not ordered_json) keeps keys sorted, and dump() with no
// indent writes no spaces: a canonical form for these flat documents of
// strings, integers, booleans and string arrays.
using Canonical = nlohmann::json;

LogLeaf make_leaf(const CaseRecord& r, int64_t seq, const std::string& event, const std::string& state, Instant at,
                  const Canonical& full, const std::string& ground = {}) {
  LogLeaf l;
  l.case_id = r.id;
  l.event_seq = seq;
  l.salt = random_bytes(32);
  l.event_json = full.dump();
  Canonical leaf = Canonical::parse(r.public_json);
  leaf["v"] = 1;
  leaf["event"] = event;
  leaf["state"] = state;
  leaf["ground"] = ground;  // the coded refusal / inability / objection ground, or ""
  leaf["day"] = date_of(at).str();
  leaf["commitment"] = commitment(l.salt, l.event_json);
  l.leaf = leaf.dump();
  return l;
}

}  // namespace

std::string commitment(const std::string& salt, const std::string& event_json) {
  return sha256_hex(salt + event_json);
}

std::string public_attributes(const nlohmann::ordered_json& entry, const std::string& requesting_state,
                              const std::string& counterpart_state, bool emergency) {
  Canonical j;
  j["pathway"] = entry.at("pathway");
  j["measure"] = entry.at("measure");
  j["categories"] = entry.at("data_categories");
  j["from"] = requesting_state;
  j["to"] = counterpart_state;
  j["emergency"] = emergency;
  j["tag"] = hex_encode(random_bytes(16));
  return j.dump();
}

std::vector<LogLeaf> log_leaves(const CaseRecord& r, bool opening, size_t first_new_event, const std::string& actor) {
  std::vector<LogLeaf> out;
  if (opening) {
    std::string initial = r.c.history.empty() ? r.c.state : r.c.history.front().from;
    Canonical full{{"case", r.id},
                   {"seq", -1},
                   {"event", "open"},
                   {"actor", actor},
                   {"at", r.created_at},
                   {"state", initial},
                   {"request_sha256", sha256_hex(r.request_json)}};
    out.push_back(make_leaf(r, -1, "open", initial, r.created_at, full));
  }
  for (size_t i = first_new_event; i < r.c.history.size(); ++i) {
    const CaseEvent& e = r.c.history[i];
    Canonical full{{"case", r.id},      {"seq", static_cast<int64_t>(i)},
                   {"event", e.event},  {"actor", std::string(role_name(e.actor))},
                   {"at", e.at},        {"from", e.from},
                   {"to", e.to},        {"reason", e.reason},
                   {"ground", e.ground}};
    out.push_back(make_leaf(r, static_cast<int64_t>(i), e.event, e.to, e.at, full, e.ground));
  }
  return out;
}

namespace {

// Nearest-rank percentile of sorted values (0 when empty).
int64_t percentile(const std::vector<int64_t>& sorted, int p) {
  if (sorted.empty()) return 0;
  size_t rank = (sorted.size() * static_cast<size_t>(p) + 99) / 100;
  return sorted[std::max<size_t>(rank, 1) - 1];
}

nlohmann::ordered_json time_json(std::vector<int64_t> days) {
  std::sort(days.begin(), days.end());
  return {{"cases", days.size()}, {"p50_days", percentile(days, 50)}, {"p90_days", percentile(days, 90)}};
}

}  // namespace

nlohmann::ordered_json log_statistics(const std::vector<std::string>& leaves, uint64_t tree_size,
                                      const std::string& root_hex) {
  struct CaseTally {
    std::string pathway, outcome;
    std::optional<Date> opened, delivered;
  };
  std::map<std::string, CaseTally> cases;  // by tag
  std::map<std::string, int64_t> by_pathway, by_corridor, by_category, by_emergency, by_event, by_ground;
  for (size_t i = 0; i < leaves.size(); ++i) {
    Canonical leaf;
    try {
      leaf = Canonical::parse(leaves[i]);
    } catch (const std::exception&) {
      throw std::invalid_argument("leaf " + std::to_string(i) + " is not JSON");
    }
    // A provider statement's leaf commits to a publication, a federation
    // receipt's to a message received (docs/federation.md §5): not case events.
    if (leaf.is_object() && (leaf.value("kind", "") == "provider_statement" || leaf.value("kind", "") == "fed_receipt"))
      continue;
    if (!leaf.is_object() || leaf.value("v", 0) != 1 || !leaf.contains("tag") || !leaf.contains("event") ||
        !leaf.contains("state") || !leaf.contains("day"))
      throw std::invalid_argument("leaf " + std::to_string(i) + " is not a v1 leaf");
    std::string tag = leaf["tag"], event = leaf["event"], state = leaf["state"];
    auto day = parse_date(leaf["day"].get<std::string>());
    if (!day) throw std::invalid_argument("leaf " + std::to_string(i) + " has no valid day");
    ++by_event[event];
    if (!leaf.value("ground", "").empty()) ++by_ground[event + ":" + leaf["ground"].get<std::string>()];
    CaseTally& c = cases[tag];
    if (event == "open") {
      c.pathway = leaf.value("pathway", "");
      c.opened = *day;
      ++by_pathway[c.pathway];
      ++by_corridor[leaf.value("from", "") + "-" + leaf.value("to", "")];
      ++by_emergency[leaf.value("emergency", false) ? "emergency" : "not_emergency"];
      for (const auto& cat : leaf.value("categories", Canonical::array())) ++by_category[cat.get<std::string>()];
    }
    if (state != "closed") c.outcome = state;
    if ((state == "produced" || state == "evidence_returned") && !c.delivered) c.delivered = *day;
  }
  std::map<std::string, int64_t> by_outcome;
  std::vector<int64_t> all_days;
  std::map<std::string, std::vector<int64_t>> days_by_pathway;
  for (const auto& [tag, c] : cases) {
    if (!c.opened) continue;  // a case opened before the log began
    ++by_outcome[c.outcome];
    if (c.delivered) {
      int64_t d = c.delivered->days - c.opened->days;
      all_days.push_back(d);
      days_by_pathway[c.pathway].push_back(d);
    }
  }
  nlohmann::ordered_json ttd = {{"all", time_json(all_days)}};
  nlohmann::ordered_json per;
  for (auto& [p, d] : days_by_pathway) per[p] = time_json(d);
  ttd["by_pathway"] = per.is_null() ? nlohmann::ordered_json::object() : per;
  auto obj = [](const std::map<std::string, int64_t>& m) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    for (const auto& [k, v] : m) j[k] = v;
    return j;
  };
  int64_t opened = 0;
  for (const auto& [p, n] : by_pathway) opened += n;
  return {{"format", "comity.log-statistics/1"},
          {"tree_size", tree_size},
          {"root", root_hex},
          {"leaves", leaves.size()},
          {"cases_opened", opened},
          {"by_pathway", obj(by_pathway)},
          {"by_corridor", obj(by_corridor)},
          {"by_data_category", obj(by_category)},
          {"by_emergency", obj(by_emergency)},
          {"by_outcome", obj(by_outcome)},
          {"events", obj(by_event)},
          {"grounds", obj(by_ground)},
          {"time_to_data", ttd}};
}

std::string statistics_csv(const nlohmann::ordered_json& stats) {
  std::string out = "dimension,key,value\n";
  out += "checkpoint,tree_size," + std::to_string(stats.at("tree_size").get<uint64_t>()) + "\n";
  out += "checkpoint,root," + stats.at("root").get<std::string>() + "\n";
  out += "total,cases_opened," + std::to_string(stats.at("cases_opened").get<int64_t>()) + "\n";
  for (const char* dim :
       {"by_pathway", "by_corridor", "by_data_category", "by_emergency", "by_outcome", "events", "grounds"})
    for (const auto& [k, v] : stats.at(dim).items()) out += std::string(dim) + "," + k + "," + v.dump() + "\n";
  const auto& ttd = stats.at("time_to_data");
  auto times = [&](const std::string& key, const nlohmann::ordered_json& t) {
    out += "time_to_data," + key + ".cases," + t.at("cases").dump() + "\n";
    out += "time_to_data," + key + ".p50_days," + t.at("p50_days").dump() + "\n";
    out += "time_to_data," + key + ".p90_days," + t.at("p90_days").dump() + "\n";
  };
  times("all", ttd.at("all"));
  for (const auto& [k, v] : ttd.at("by_pathway").items()) times(k, v);
  return out;
}

}  // namespace comity
