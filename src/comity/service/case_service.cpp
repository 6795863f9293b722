#include "comity/service/case_service.hpp"

#include <nlohmann/json.hpp>

#include "comity/model/request_json.hpp"
#include "comity/rules/decision_json.hpp"
#include "comity/rules/engine.hpp"
#include "comity/util/sha256.hpp"

namespace comity {

AuditEntry CaseService::audit_entry(const Actor& actor, std::string_view action, std::string_view object,
                                    std::string_view payload) const {
  return {0, clock_.now(), std::string(role_name(actor.role)) + ":" + actor.user_id, std::string(action),
          std::string(object), sha256_hex(payload)};
}

PartyRole acting_role(const Actor& actor, const CaseRecord& r) {
  if (actor.role != PartyRole::CentralAuthority) return actor.role;
  if (!actor.party_state.empty() && actor.party_state == r.requesting_state) return PartyRole::RequestingCentralAuthority;
  if (!actor.party_state.empty() && actor.party_state == r.counterpart_state) return PartyRole::RequestedCentralAuthority;
  return PartyRole::CentralAuthority;  // named by no transition
}

std::string idempotent_case_id(std::string_view user_id, std::string_view key) {
  std::string h = sha256_hex(std::string(user_id) + "\n" + std::string(key));
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20, 12);
}

OpenAttempt CaseService::attempt_open(std::string_view request_json, std::string_view pathway, Role role,
                                      const Actor& actor, std::string_view idempotency_key) {
  OpenAttempt a;
  a.request_json = std::string(request_json);
  a.pathway = std::string(pathway);
  a.idempotency_key = std::string(idempotency_key);
  a.actor = actor;
  try {
    a.prepared = prepare(request_json, pathway, role, actor, idempotency_key);
  } catch (const ServiceError&) {
    a.failure = std::current_exception();
  }
  return a;
}

CaseRecord CaseService::prepare(std::string_view request_json, std::string_view pathway, Role role, const Actor& actor,
                                std::string_view idempotency_key) {
  if (actor.role != PartyRole::Officer)
    throw ServiceError(ServiceError::Kind::StepRefused, "only an officer of the issuing authority opens a case");
  auto parsed = parse_request(request_json);
  if (!parsed.request) {
    ServiceError e(ServiceError::Kind::InvalidRequest, "the request is invalid");
    e.field_errors = std::move(parsed.errors);
    throw e;
  }
  // An authority issues requests in its own State's name only: the requesting
  // State decides the law applied, who reviews and who is notified.
  if (!actor.party_state.empty() && parsed.request->requesting_state.str() != actor.party_state) {
    ServiceError e(ServiceError::Kind::InvalidRequest, "the requesting State is not the officer's");
    e.field_errors.push_back({"$.requesting_state", "the officer's own State, " + actor.party_state + ", not " +
                                                        parsed.request->requesting_state.str()});
    throw e;
  }
  Instant now = clock_.now();
  Date today = date_of(now);
  Decision d = evaluate(*parsed.request, pack_, today);
  const PathwayResult* chosen = nullptr;
  for (const auto& p : d.pathways)
    if (p.def->id == pathway && p.role == role && p.rank > 0 && (!chosen || p.rank < chosen->rank)) chosen = &p;
  if (!chosen)
    throw ServiceError(ServiceError::Kind::NotLawful,
                       std::string(pathway) + " is not a lawful pathway for this request on " + today.str());
  CaseRecord r;
  r.id = idempotency_key.empty() ? ids_.next() : idempotent_case_id(actor.user_id, idempotency_key);
  r.request_id = parsed.request->request_id;
  r.requesting_state = parsed.request->requesting_state.str();
  r.pack_hash = pack_.content_hash;
  r.request_json = std::string(request_json);
  auto decision = decision_to_json(d, *parsed.request);  // ordered: the same key order as /evaluate
  // The addressee gets the order, not the reasoning (Reg. 2023/1543 Art 9: no
  // necessity grounds or case summary): the chosen entry's terms only.
  for (const auto& e : decision["pathways"])
    if (e["pathway"] == chosen->def->id && e["rank"] == chosen->rank && e["role"] == (chosen->role == Role::Primary ? "primary" : "preservation_companion")) {
      r.order_json = nlohmann::json{{"pathway", e["pathway"]}, {"role", e["role"]}, {"data_categories", e["data_categories"]},
                                    {"deadlines", e["deadlines"]}, {"use_limitations", e["use_limitations"]}}.dump();
      break;
    }
  r.decision_json = decision.dump();
  r.created_at = r.updated_at = now;
  r.c = open_case(d, *chosen);
  r.requesting_party_id = actor.party_id;
  r.counterpart_state = chosen->counterpart.str();
  r.notified = chosen->notified;
  r.via_authorities = !chosen->def->addresses_provider();
  // The provider is a party only where the order is addressed to it (and,
  // checked on commit, only if it is registered).
  if (chosen->def->addresses_provider()) r.provider_party_id = parsed.request->provider.id;
  return r;
}

CaseRecord CaseService::commit_open(const OpenAttempt& a, bool* replayed) {
  if (replayed) *replayed = false;
  if (!a.idempotency_key.empty()) {
    if (auto existing = store_.load_case(idempotent_case_id(a.actor.user_id, a.idempotency_key))) {
      if (existing->request_json != a.request_json || existing->c.pathway != a.pathway)
        throw ServiceError(ServiceError::Kind::KeyReused, "this Idempotency-Key was used for a different request");
      if (replayed) *replayed = true;
      return std::move(*existing);
    }
  }
  if (a.failure) std::rethrow_exception(a.failure);
  CaseRecord r = *a.prepared;
  if (!r.provider_party_id.empty()) {
    auto p = store_.party(r.provider_party_id);
    if (!p || p->kind != "provider") r.provider_party_id.clear();
  }
  nlohmann::json payload = {{"case", r.id}, {"pathway", r.c.pathway}, {"request_sha256", sha256_hex(r.request_json)}};
  store_.create_case(r, audit_entry(a.actor, "open_case", r.id, payload.dump()));
  return r;
}

CaseRecord CaseService::open(std::string_view request_json, std::string_view pathway, Role role, const Actor& actor,
                             std::string_view idempotency_key, bool* replayed) {
  return commit_open(attempt_open(request_json, pathway, role, actor, idempotency_key), replayed);
}

CaseRecord CaseService::load(std::string_view case_id) {
  auto r = store_.load_case(case_id);
  if (!r) throw ServiceError(ServiceError::Kind::NotFound, "no case " + std::string(case_id));
  return std::move(*r);
}

CaseRecord CaseService::step(std::string_view case_id, std::string_view event, const Actor& actor,
                             std::string_view reason, std::string_view idempotency_key, bool* replayed) {
  if (replayed) *replayed = false;
  CaseRecord r = load(case_id);
  if (!idempotency_key.empty()) {
    for (const auto& e : r.c.history) {
      if (e.idempotency_key != idempotency_key) continue;
      if (e.event != event)
        throw ServiceError(ServiceError::Kind::KeyReused, "this Idempotency-Key was used for a different step");
      if (replayed) *replayed = true;
      return r;
    }
  }
  int64_t version = r.version;
  size_t first_new = r.c.history.size();
  Instant now = clock_.now();
  tick(r.c, pack_, now);
  if (auto err = apply_event(r.c, pack_, event, acting_role(actor, r), now, reason)) {
    ServiceError e(ServiceError::Kind::StepRefused, err->message);
    e.transition = err;
    throw e;
  }
  r.c.history.back().idempotency_key = std::string(idempotency_key);
  r.version = version + 1;
  r.updated_at = now;
  nlohmann::json payload = {{"case", r.id}, {"event", event}, {"reason", reason}, {"at", now},
                            {"state", r.c.state}};
  try {
    store_.save_case(r, version, first_new, audit_entry(actor, event, r.id, payload.dump()));
  } catch (const StoreError& se) {
    if (se.kind == StoreError::Kind::Conflict) throw ServiceError(ServiceError::Kind::Conflict, se.what());
    throw;
  }
  return r;
}

std::vector<std::string> CaseService::expire(std::string_view case_id) {
  CaseRecord r = load(case_id);
  int64_t version = r.version;
  size_t first_new = r.c.history.size();
  std::vector<CaseClock> before = r.c.clocks;
  auto fired = tick(r.c, pack_, clock_.now());
  bool changed = !fired.empty();
  for (size_t i = 0; i < before.size() && !changed; ++i)
    changed = before[i].expiry_handled != r.c.clocks[i].expiry_handled;
  if (!changed) return fired;
  r.version = version + 1;
  r.updated_at = clock_.now();
  nlohmann::json payload = {{"case", r.id}, {"expired", fired}, {"at", r.updated_at}};
  store_.save_case(r, version, first_new, audit_entry({"clock", PartyRole::System, "", ""}, "expire", r.id, payload.dump()));
  return fired;
}

}  // namespace comity
