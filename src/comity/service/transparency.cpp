#include "comity/service/transparency.hpp"

#include <openssl/rand.h>

#include <stdexcept>

#include "comity/workflow/clock.hpp"
#include "comity/util/sha256.hpp"

namespace comity {

namespace {

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw std::runtime_error("OpenSSL: no randomness for the log salt");
  return out;
}

std::string hex(const std::string& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

// nlohmann::json (not ordered_json) keeps keys sorted, and dump() with no
// indent writes no spaces: a canonical form for these flat documents of
// strings, integers, booleans and string arrays.
using Canonical = nlohmann::json;

LogLeaf make_leaf(const CaseRecord& r, int64_t seq, const std::string& event, const std::string& state, Instant at,
                  const Canonical& full) {
  LogLeaf l;
  l.case_id = r.id;
  l.event_seq = seq;
  l.salt = random_bytes(32);
  l.event_json = full.dump();
  Canonical leaf = Canonical::parse(r.public_json);
  leaf["v"] = 1;
  leaf["event"] = event;
  leaf["state"] = state;
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
  j["tag"] = hex(random_bytes(16));
  return j.dump();
}

std::vector<LogLeaf> log_leaves(const CaseRecord& r, bool opening, size_t first_new_event, const std::string& actor) {
  std::vector<LogLeaf> out;
  if (opening) {
    std::string initial = r.c.history.empty() ? r.c.state : r.c.history.front().from;
    Canonical full{{"case", r.id},  {"seq", -1},    {"event", "open"},
                   {"actor", actor}, {"at", r.created_at}, {"state", initial},
                   {"request_sha256", sha256_hex(r.request_json)}};
    out.push_back(make_leaf(r, -1, "open", initial, r.created_at, full));
  }
  for (size_t i = first_new_event; i < r.c.history.size(); ++i) {
    const CaseEvent& e = r.c.history[i];
    Canonical full{{"case", r.id},   {"seq", static_cast<int64_t>(i)},
                   {"event", e.event}, {"actor", std::string(role_name(e.actor))},
                   {"at", e.at},       {"from", e.from},
                   {"to", e.to},       {"reason", e.reason}};
    out.push_back(make_leaf(r, static_cast<int64_t>(i), e.event, e.to, e.at, full));
  }
  return out;
}

}  // namespace comity
