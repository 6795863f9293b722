#include "comity/service/federation_view.hpp"

#include <algorithm>
#include <map>
#include <vector>

#include "comity/util/date.hpp"

namespace comity {
namespace {

using nlohmann::json;

// The envelope's top-level members without its body, which is never
// materialised (it may be large, and it is not shown).
json envelope_head(const std::string& envelope) {
  json::parser_callback_t skip_body = [](int depth, json::parse_event_t event, json& parsed) {
    return !(depth == 1 && event == json::parse_event_t::key && parsed == "body");
  };
  json head = json::parse(envelope, skip_body, false);
  return head.is_object() ? head : json::object();
}

// The tree size a C2SP checkpoint note states: its second line.
json checkpoint_size(const json& note) {
  if (!note.is_string()) return nullptr;
  const std::string& text = note.get_ref<const std::string&>();
  const size_t a = text.find('\n');
  if (a == std::string::npos) return nullptr;
  const size_t b = text.find('\n', a + 1);
  const std::string line = text.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1);
  if (line.empty() || line.size() > 19 ||
      !std::all_of(line.begin(), line.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return nullptr;
  return std::stoull(line);
}

std::string noun_of(const std::string& kind) {
  static const std::map<std::string, std::string> kNouns = {{"order.transmit", "order"},
                                                            {"notification.send", "notification"},
                                                            {"notification.answer", "answer to the notification"},
                                                            {"ack", "acknowledgement"},
                                                            {"inability", "report of inability"},
                                                            {"objection", "objection"},
                                                            {"refusal", "refusal"},
                                                            {"withdraw", "withdrawal"},
                                                            {"clarify", "clarification"},
                                                            {"production.manifest", "production manifest"},
                                                            {"production.chunk", "evidence chunk"},
                                                            {"production.complete", "production"},
                                                            {"mla.transmit", "mutual assistance request"},
                                                            {"mla.supplement.provide", "supplementary information"},
                                                            {"receipt", "deferred receipt"}};
  const auto it = kNouns.find(kind);
  return it == kNouns.end() ? kind : it->second;
}

// One clause of the summary: what became of the latest message of a kind
// to one party.
std::string clause(const json& m) {
  const std::string noun = noun_of(m["kind"]);
  const std::string whom = m["to_party"].get<std::string>() + " at " + m["to"].get<std::string>();
  const std::string state = m["state"];
  std::string out;
  if (state == "delivered")
    out = noun + " delivered to " + whom;
  else if (state == "accepted")
    out = noun + " accepted for " + whom + ", not yet delivered";
  else if (state == "refused") {
    const json& r = m["receipt"];
    const std::string code = r.is_object() && r.contains("code") ? r["code"].get<std::string>() : "";
    out = noun + " refused" + (code.empty() ? "" : " (" + code + ")") + " for " + whom;
  } else if (state == "dead")
    out = noun + " expired undelivered to " + whom;
  else if (state == "sending")
    out = noun + " being sent to " + whom;
  else
    out = noun + " queued for " + whom;
  if (m["peer_suspended"].get<bool>()) out += " (peer suspended: its log forked)";
  return out;
}

}  // namespace

json receipt_summary(const std::string& receipt) {
  if (receipt.empty()) return nullptr;
  const json r = json::parse(receipt, nullptr, false);
  if (!r.is_object() || !r.contains("status")) return nullptr;
  json out = {{"status", r["status"]}, {"rem_event", r.value("rem_event", json(nullptr))}};
  if (r.contains("reason")) out["code"] = r["reason"];
  out["at"] = r.contains("delivered_at") ? r["delivered_at"] : r.value("received_at", json(nullptr));
  const json proof = r.value("proof", json(nullptr));
  out["leaf_index"] = proof.is_object() ? proof.value("leaf_index", json(nullptr)) : json(nullptr);
  out["checkpoint_size"] =
      proof.is_object() ? checkpoint_size(proof.value("checkpoint", json(nullptr))) : json(nullptr);
  return out;
}

std::optional<json> case_federation_json(Store& db, FederationService& fed, const std::string& case_id, size_t limit) {
  const std::string case_ref = fed.case_ref_of(case_id);
  const std::optional<std::string> owner = db.fed().case_of_ref(case_ref);
  if (!owner || *owner != case_id) return std::nullopt;
  std::vector<OutboxMessage> sent = db.fed().outbox_for_case(case_ref);
  std::stable_sort(sent.begin(), sent.end(),
                   [](const OutboxMessage& a, const OutboxMessage& b) { return a.created_at < b.created_at; });
  if (sent.size() > limit) sent.erase(sent.begin(), sent.end() - static_cast<std::ptrdiff_t>(limit));

  // A peer whose log forked is suspended (FederationService: nothing is
  // sent to it); asked once per peer.
  std::map<std::string, bool> suspended;
  const std::shared_ptr<const fed::PeerList> list = fed.peers(db);
  auto is_suspended = [&](const std::string& peer) {
    auto [it, fresh] = suspended.try_emplace(peer, false);
    if (fresh && list)
      for (const fed::Peer& p : list->peers)
        if (p.id == peer) it->second = FederationService::log_forked(db, p);
    return it->second;
  };

  json messages = json::array();
  for (const OutboxMessage& m : sent) {
    const json head = envelope_head(m.envelope);
    messages.push_back({{"id", m.id},
                        {"kind", m.kind},
                        {"to", m.peer},
                        {"to_party", head.value("to_party", std::string())},
                        {"seq", m.seq},
                        {"state", outbox_state_name(m.state)},
                        {"attempts", m.attempts},
                        {"queued_at", format_instant(m.created_at)},
                        {"receipt", receipt_summary(m.receipt)},
                        {"peer_suspended", is_suspended(m.peer)}});
  }
  // The latest message of each kind to each party, in the order they were
  // first sent.
  std::vector<std::string> order;
  std::map<std::string, const json*> latest;
  for (const json& m : messages) {
    const std::string key =
        m["kind"].get<std::string>() + "\n" + m["to"].get<std::string>() + "\n" + m["to_party"].get<std::string>();
    if (!latest.count(key)) order.push_back(key);
    latest[key] = &m;
  }
  std::string where;
  for (const std::string& key : order) where += (where.empty() ? "" : "; ") + clause(*latest[key]);
  return json{
      {"case_ref", case_ref}, {"messages", std::move(messages)}, {"where", where.empty() ? "nothing sent" : where}};
}

}  // namespace comity
