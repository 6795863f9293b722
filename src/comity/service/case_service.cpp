#include "comity/service/case_service.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "comity/model/request_json.hpp"
#include "comity/rules/decision_json.hpp"
#include "comity/rules/engine.hpp"
#include "comity/rules/statement_notes.hpp"
#include "comity/service/statements.hpp"
#include "comity/service/transparency.hpp"
#include "comity/trust/orders.hpp"
#include "comity/util/sha256.hpp"
#include "comity/util/text.hpp"

namespace comity {

AuditEntry CaseService::audit_entry(const Actor& actor, std::string_view action, std::string_view object,
                                    std::string_view payload) const {
  return {0,
          clock_.now(),
          std::string(role_name(actor.role)) + ":" + actor.user_id,
          std::string(action),
          std::string(object),
          sha256_hex(payload)};
}

PartyRole acting_role(const Actor& actor, const CaseRecord& r) {
  if (actor.role != PartyRole::CentralAuthority) return actor.role;
  if (!actor.party_state.empty() && actor.party_state == r.requesting_state)
    return PartyRole::RequestingCentralAuthority;
  if (!actor.party_state.empty() && actor.party_state == r.counterpart_state)
    return PartyRole::RequestedCentralAuthority;
  return PartyRole::CentralAuthority;  // named by no transition
}

std::optional<CaseFacts> case_facts(const CaseRecord& r) {
  auto request = nlohmann::json::parse(r.request_json, nullptr, false);
  auto entry = nlohmann::json::parse(r.entry_json.empty() ? "{}" : r.entry_json, nullptr, false);
  if (!request.is_object() || !entry.is_object()) return std::nullopt;
  CaseFacts f;
  const auto urgency = request.find("urgency");
  f.emergency = urgency != request.end() && urgency->is_object() && urgency->value("is_emergency", false) == true;
  const auto validator = request.find("validating_authority");
  f.validator_named = validator != request.end() && validator->is_object();
  f.ex_post_allowed = entry.value("issue_without_prior_validation", false) == true;
  f.notified = r.notified;
  return f;
}

CaseRecord& with_facts(CaseRecord& r) {
  r.c.facts = case_facts(r);
  return r;
}

std::string idempotent_case_id(std::string_view user_id, std::string_view key) {
  std::string h = sha256_hex(std::string(user_id) + "\n" + std::string(key));
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20, 12);
}

OpenAttempt CaseService::attempt(std::string request_json, const std::function<RequestParse()>& parse,
                                 std::string_view pathway, Role role, const Actor& actor,
                                 std::string_view idempotency_key) {
  OpenAttempt a;
  a.request_json = std::move(request_json);
  a.pathway = std::string(pathway);
  a.idempotency_key = std::string(idempotency_key);
  a.actor = actor;
  try {
    if (actor.role != PartyRole::Officer)
      throw ServiceError(ErrorKind::Forbidden, "only an officer of the issuing authority opens a case");
    a.prepared = prepare(parse(), a.request_json, pathway, role, actor, idempotency_key, a.chosen);
    a.log = log_leaves(*a.prepared, true, 0, std::string(role_name(actor.role)) + ":" + actor.user_id);
  } catch (const ServiceError&) {
    a.failure = std::current_exception();
  }
  return a;
}

OpenAttempt CaseService::attempt_open(std::string_view request_json, std::string_view pathway, Role role,
                                      const Actor& actor, std::string_view idempotency_key) {
  return attempt(
      std::string(request_json), [&] { return parse_request(request_json); }, pathway, role, actor, idempotency_key);
}

OpenAttempt CaseService::attempt_open(const nlohmann::json& request, std::string_view pathway, Role role,
                                      const Actor& actor, std::string_view idempotency_key) {
  return attempt(
      request.dump(), [&] { return parse_request_value(request); }, pathway, role, actor, idempotency_key);
}

CaseRecord CaseService::prepare(RequestParse parsed, std::string_view request_json, std::string_view pathway, Role role,
                                const Actor& actor, std::string_view idempotency_key,
                                std::optional<PathwayResult>& chosen_out) {
  if (!parsed.request) {
    ServiceError e(ErrorKind::Invalid, "the request is invalid");
    e.field_errors = std::move(parsed.errors);
    throw e;
  }
  // An authority issues requests in its own State's name only: the requesting
  // State decides the law applied, who reviews and who is notified. An
  // officer whose party names no State issues for none (fail closed).
  if (actor.party_state.empty())
    throw ServiceError(ErrorKind::Forbidden,
                       "the officer's authority has no State on record, so it may issue for none");
  if (parsed.request->requesting_state.str() != actor.party_state) {
    ServiceError e(ErrorKind::Invalid, "the requesting State is not the officer's");
    e.field_errors.push_back({"$.requesting_state", "the officer's own State, " + actor.party_state + ", not " +
                                                        parsed.request->requesting_state.str()});
    throw e;
  }
  Instant now = clock_.now();
  Date today = date_of(now);
  const Pack& pack = packs_.current();
  Decision d = evaluate(*parsed.request, pack, today);
  const PathwayResult* chosen = nullptr;
  for (const auto& p : d.pathways)
    if (p.def->id == pathway && p.role == role && p.rank > 0 && (!chosen || p.rank < chosen->rank)) chosen = &p;
  if (!chosen)
    throw ServiceError(
        ErrorKind::NotLawful, std::string(pathway) + " is not a lawful pathway for this request on " + today.str(),
        {{"$.pathway", "a pathway the decision finds available (with or without conditions) on " + today.str()}});
  CaseRecord r;
  r.id = idempotency_key.empty() ? ids_.next() : idempotent_case_id(actor.user_id, idempotency_key);
  r.request_id = parsed.request->request_id;
  r.requesting_state = parsed.request->requesting_state.str();
  r.pack_hash = pack.content_hash;
  r.request_json = std::string(request_json);
  // The case keeps the entry it rests on; the whole decision is rendered on
  // demand from the request, the pack and the date (decision_text).
  auto entry = pathway_entry_json(d, *chosen);
  r.entry_json = entry.dump();
  r.evaluated_on = today.str();
  // The addressee gets the order, not the reasoning (Reg. 2023/1543 Art 9: no
  // necessity grounds or case summary): the chosen entry's terms only.
  r.order_json = nlohmann::ordered_json{{"pathway", entry["pathway"]},
                                        {"role", entry["role"]},
                                        {"data_categories", entry["data_categories"]},
                                        {"deadlines", entry["deadlines"]},
                                        {"use_limitations", entry["use_limitations"]}}
                     .dump();
  r.created_at = r.updated_at = now;
  r.c = open_case(d, *chosen);
  r.requesting_party_id = actor.party_id;
  r.counterpart_state = chosen->counterpart.str();
  r.public_json = public_attributes(entry, r.requesting_state, r.counterpart_state, d.emergency);
  r.notified = chosen->notified;
  r.via_authorities = !chosen->def->addresses_provider();
  // The user-notification plan as the request gave it (Art 13): inform
  // without undue delay, or delay/restrict/omit until a review date.
  if (const auto& plan = parsed.request->user_notification_plan) {
    r.notice_mode = std::string(enum_name(plan->mode));
    r.notice_status = plan->mode == NoticeMode::NotifyNow ? "pending" : "delayed";
    r.notice_review_date = plan->review_date ? plan->review_date->str() : "";
  }
  // The provider is a party only where the order is addressed to it (and,
  // checked on commit, only if it is registered).
  if (chosen->def->addresses_provider()) r.provider_party_id = parsed.request->provider.id;
  with_facts(r);
  COMITY_ASSERT(r.c.facts.has_value(), "a case opens with its guard facts known");
  chosen_out = *chosen;
  return r;
}

namespace {

ServiceError untrusted(const trust::TrustError& e, std::string path) {
  ServiceError se(ErrorKind::Untrusted, e.what());
  se.reason = std::string(trust::error_code(e.code));
  se.field_errors.push_back({std::move(path), e.what()});
  return se;
}

}  // namespace

OpenAttempt CaseService::attempt_open_signed(const nlohmann::json& envelope, const trust::TrustStore& trust,
                                             std::string_view pathway, Role role, const Actor& actor,
                                             std::string_view idempotency_key) {
  trust::VerifiedOrder v;
  try {
    v = trust::verify_order(envelope, trust, clock_.now(), trust::Completeness::ValidatorMayFollow);
  } catch (const trust::TrustError& e) {
    OpenAttempt a;
    a.failure = std::make_exception_ptr(untrusted(e, e.path));
    a.request_json = envelope.dump();
    a.pathway = std::string(pathway);
    a.idempotency_key = std::string(idempotency_key);
    a.actor = actor;
    return a;
  }
  OpenAttempt a = attempt_open(envelope["order"]["request"], pathway, role, actor, idempotency_key);
  if (a.prepared) {
    a.prepared->signed_order_id = v.id;
    a.prepared->signed_order_nonce = v.nonce;
    a.prepared->signed_order_json = envelope.dump();
    a.prepared->order_verification_json = trust::verified_json(v).dump();
  }
  return a;
}

CaseRecord CaseService::commit_open(const OpenAttempt& a, bool* replayed) {
  if (replayed) *replayed = false;
  if (!a.idempotency_key.empty()) {
    if (auto existing = store_.load_case(idempotent_case_id(a.actor.user_id, a.idempotency_key))) {
      if (existing->request_json != a.request_json || existing->c.pathway != a.pathway)
        throw key_reused("this Idempotency-Key was used for a different request");
      if (replayed) *replayed = true;
      return std::move(*existing);
    }
  }
  if (a.failure) std::rethrow_exception(a.failure);
  CaseRecord r = *a.prepared;
  if (!r.signed_order_id.empty() && store_.signed_order_used(r.signed_order_id, r.signed_order_nonce)) {
    ServiceError e(ErrorKind::Conflict,
                   "order " + r.signed_order_id + " (or its nonce) opened a case already: an order is used once");
    e.reason = "replayed";
    e.field_errors.push_back({"$.order.id", e.what()});
    throw e;
  }
  if (!r.provider_party_id.empty()) {
    auto p = store_.party(r.provider_party_id);
    if (!p || p->kind != "provider") r.provider_party_id.clear();
  }
  // The addressee's statement in force at opening goes into the entry the
  // case rests on: which version, its digest and log leaf, and what it said
  // about this pathway — beside the decision, never changing it.
  if (!r.provider_party_id.empty() && a.chosen)
    if (auto said = current_statement(store_, r.provider_party_id)) {
      auto entry = nlohmann::ordered_json::parse(r.entry_json);
      entry["provider_statement"] = statement_reference(said->first, said->second, *a.chosen);
      r.entry_json = entry.dump();
    }
  nlohmann::json payload = {{"case", r.id}, {"pathway", r.c.pathway}, {"request_sha256", sha256_hex(r.request_json)}};
  store_.create_case(r, audit_entry(a.actor, "open_case", r.id, payload.dump()), a.log);
  return r;
}

CaseRecord CaseService::open(std::string_view request_json, std::string_view pathway, Role role, const Actor& actor,
                             std::string_view idempotency_key, bool* replayed) {
  return commit_open(attempt_open(request_json, pathway, role, actor, idempotency_key), replayed);
}

CaseRecord CaseService::load(std::string_view case_id) {
  auto r = store_.load_case(case_id);
  if (!r) throw ServiceError(ErrorKind::NotFound, "no case " + std::string(case_id));
  return std::move(with_facts(*r));
}

CaseRecord CaseService::step(std::string_view case_id, std::string_view event, const Actor& actor,
                             std::string_view reason, std::string_view idempotency_key, bool* replayed,
                             std::string_view ground, const Countersignature* countersign) {
  if (replayed) *replayed = false;
  CaseRecord r = load(case_id);
  if (!idempotency_key.empty()) {
    for (const auto& e : r.c.history) {
      if (e.idempotency_key != idempotency_key) continue;
      if (e.event != event) throw key_reused("this Idempotency-Key was used for a different step");
      if (replayed) *replayed = true;
      return r;
    }
  }
  int64_t version = r.version;
  size_t first_new = r.c.history.size();
  Instant now = clock_.now();
  const Pack& pack = pack_of(r);
  tick(r.c, pack, now);
  if (auto err = apply_event(r.c, pack, event, acting_role(actor, r), now, reason, ground)) {
    throw step_refused(*err);
  }
  r.c.history.back().idempotency_key = std::string(idempotency_key);
  countersign_order(r, event, countersign, now);
  r.version = version + 1;
  r.updated_at = now;
  nlohmann::json payload = {{"case", r.id},     {"event", event}, {"reason", reason},
                            {"ground", ground}, {"at", now},      {"state", r.c.state}};
  try {
    store_.save_case(r, version, first_new, audit_entry(actor, event, r.id, payload.dump()),
                     log_leaves(r, false, first_new));
  } catch (const StoreError& se) {
    if (se.code == StoreError::Code::Conflict) throw ServiceError(ErrorKind::Conflict, se.what());
    throw;
  }
  return r;
}

void CaseService::countersign_order(CaseRecord& r, std::string_view event, const Countersignature* countersign,
                                    Instant now) {
  const bool awaiting = !r.signed_order_json.empty() &&
                        nlohmann::json::parse(r.order_verification_json).value("awaiting_validator", false);
  // An order that names a validating authority is never marked ready without
  // it: the workflow's guard (not validator_named) refuses that step first.
  const bool due = awaiting && (event == "validate" || event == "validate_ex_post");
  if (!due) {
    if (countersign) {
      ServiceError e(ErrorKind::Invalid, "no signature is due at this step");
      e.field_errors.push_back(
          {"$.signature", "only a validation step of a signed order awaiting its validator takes one"});
      throw e;
    }
    return;
  }
  if (!countersign) {
    ServiceError e(ErrorKind::Untrusted,
                   "the order names a validating authority: its validator signs the order with this step");
    e.reason = "missing_signature";
    e.field_errors.push_back({"$.signature", "required: {role: validator, signer, signature} over the order"});
    throw e;
  }
  auto envelope = nlohmann::json::parse(r.signed_order_json);
  envelope["signatures"].push_back(countersign->signature);
  const std::string mine = "$.signatures[" + std::to_string(envelope["signatures"].size() - 1) + "]";
  try {
    auto v = trust::verify_order(envelope, countersign->trust, now, trust::Completeness::AllSignatures);
    r.signed_order_json = envelope.dump();
    r.order_verification_json = trust::verified_json(v).dump();
  } catch (const trust::TrustError& e) {
    // The new signature's members are reported under $.signature.
    std::string path = e.path.rfind(mine, 0) == 0 ? "$.signature" + e.path.substr(mine.size()) : e.path;
    throw untrusted(e, path);
  }
}

CaseRecord CaseService::record_notice(std::string_view case_id, const Actor& actor, NoticeAction action,
                                      std::string_view review_date, std::string_view reason) {
  if (actor.role != PartyRole::Officer)
    throw ServiceError(ErrorKind::Forbidden, "the issuing authority informs the person (Art 13(1))");
  CaseRecord r = load(case_id);
  if (r.notice_status.empty() || r.notice_status == "notified")
    throw ServiceError(ErrorKind::Conflict, r.notice_status.empty() ? "the request gave no user-notification plan"
                                                                    : "the person has been informed already");
  Instant now = clock_.now();
  nlohmann::json payload = {{"case", r.id}, {"at", now}};
  if (action == NoticeAction::Notified) {
    r.notice_status = "notified";
    r.notice_review_date.clear();
    payload["notice"] = "notified";
  } else {
    FieldErrors errors;
    auto date = parse_date(review_date);
    if (!date || *date <= date_of(now))
      errors.push_back({"$.review_date", "a date after today (YYYY-MM-DD), when the delay is reviewed again"});
    if (is_blank(reason))
      errors.push_back({"$.reason",
                        "why informing the person now would harm the proceedings (Art 13(2); "
                        "Dir. 2016/680 Art 13(3))"});
    if (!errors.empty()) {
      ServiceError e(ErrorKind::Invalid, "the delay needs a review date and a reason");
      e.field_errors = std::move(errors);
      throw e;
    }
    r.notice_status = "delayed";
    r.notice_review_date = date->str();
    payload["notice"] = "delayed";
    payload["review_date"] = r.notice_review_date;
    payload["reason_sha256"] = sha256_hex(reason);
  }
  int64_t version = r.version;
  r.version = version + 1;
  r.updated_at = now;
  try {
    store_.save_case(r, version, r.c.history.size(), audit_entry(actor, "user_notice", r.id, payload.dump()));
  } catch (const StoreError& se) {
    if (se.code == StoreError::Code::Conflict) throw ServiceError(ErrorKind::Conflict, se.what());
    throw;
  }
  return r;
}

CaseReview CaseService::review(std::string_view case_id, const Actor& actor, const std::vector<CheckVerdict>& verdicts,
                               bool agree_rest) {
  CaseRecord r = load(case_id);
  PartyRole acting = acting_role(actor, r);
  std::string side;
  if (acting == PartyRole::Validator || acting == PartyRole::RequestingCentralAuthority)
    side = "requesting";
  else if (acting == PartyRole::RequestedCentralAuthority || acting == PartyRole::EnforcingAuthority)
    side = "requested";
  else
    throw ServiceError(ErrorKind::Forbidden,
                       "a review is by the requesting side's validator or central authority, or the requested side's "
                       "central or enforcing authority");
  // The checks of the entry the case was opened on, as recorded.
  if (r.entry_json.empty()) throw ServiceError(ErrorKind::Conflict, "the case records no entry to review");
  auto recorded = nlohmann::json::parse(r.entry_json);
  const nlohmann::json* entry = &recorded;
  FieldErrors errors;
  std::map<std::string, const CheckVerdict*> given;
  for (size_t i = 0; i < verdicts.size(); ++i) {
    const auto& v = verdicts[i];
    std::string at = "$.verdicts[" + std::to_string(i) + "]";
    bool known = false;
    for (const auto& c : (*entry)["checks"]) known = known || c["predicate"] == v.predicate;
    if (!known)
      errors.push_back({at + ".predicate", "a check of the chosen pathway; " + v.predicate + " is not one"});
    else if (!given.emplace(v.predicate, &v).second)
      errors.push_back({at + ".predicate", "one verdict per check"});
    if (v.verdict != "agree" && v.verdict != "override") errors.push_back({at + ".verdict", "agree or override"});
    if (v.verdict == "override" && is_blank(v.reason))
      errors.push_back({at + ".reason", "an override needs its reason"});
  }
  nlohmann::json out = nlohmann::json::array();
  std::vector<AuditEntry> audit;
  Instant now = clock_.now();
  int overrides = 0;
  for (const auto& c : (*entry)["checks"]) {
    std::string pred = c["predicate"], result = c["result"];
    auto it = given.find(pred);
    if (it == given.end()) {
      // A check the code could not decide is the reviewer's to decide, with a reason.
      if (result == "needs_review")
        errors.push_back({"$.verdicts", pred + " needs review: give a verdict and a reason"});
      else if (!agree_rest)
        errors.push_back({"$.verdicts", "no verdict for " + pred + " (or send agree_rest: true)"});
      out.push_back(
          {{"predicate", pred}, {"result", result}, {"verdict", "agree"}, {"reason", ""}, {"explicit", false}});
      continue;
    }
    const CheckVerdict& v = *it->second;
    if (result == "needs_review" && is_blank(v.reason))
      errors.push_back({"$.verdicts", pred + " needs review: the verdict needs its reason"});
    out.push_back(
        {{"predicate", pred}, {"result", result}, {"verdict", v.verdict}, {"reason", v.reason}, {"explicit", true}});
    if (v.verdict == "override") {
      ++overrides;
      nlohmann::json p = {
          {"case", r.id}, {"side", side}, {"predicate", pred}, {"result", result}, {"reason", v.reason}};
      audit.push_back(audit_entry(actor, "override:" + pred, r.id, p.dump()));
    }
  }
  if (!errors.empty()) {
    ServiceError e(ErrorKind::Invalid, "the review is incomplete");
    e.field_errors = std::move(errors);
    throw e;
  }
  CaseReview rv{r.id, side, std::string(role_name(acting)) + ":" + actor.user_id, now, out.dump()};
  nlohmann::json payload = {
      {"case", r.id}, {"side", side}, {"overrides", overrides}, {"verdicts_sha256", sha256_hex(rv.verdicts_json)}};
  audit.insert(audit.begin(), audit_entry(actor, "review:" + side, r.id, payload.dump()));
  try {
    store_.save_review(rv, audit);
  } catch (const StoreError& se) {
    if (se.code == StoreError::Code::Constraint)
      throw ServiceError(ErrorKind::Conflict, "the " + side +
                                                  " side has reviewed this case already (one "
                                                  "consolidated review per side)");
    throw;
  }
  return rv;
}

const Pack& CaseService::pack_of(const CaseRecord& r) const {
  if (const Pack* p = packs_.find(r.pack_hash)) return *p;
  throw ServiceError(ErrorKind::Conflict, "the case was decided under rule pack " + r.pack_hash +
                                              ", which this node does not hold; it runs " +
                                              packs_.current().content_hash);
}

namespace {

std::string render_decision(const CaseRecord& r, const Pack& pack, std::string_view date_text) {
  auto parsed = parse_request(r.request_json);
  auto date = parse_date(date_text);
  if (!parsed.request || !date)
    throw ServiceError(ErrorKind::Conflict, "the case's recorded request or date cannot be read");
  Decision d = evaluate(*parsed.request, pack, *date);
  return decision_to_json(d, *parsed.request).dump();
}

}  // namespace

std::string CaseService::decision_text(const CaseRecord& r) const {
  if (!r.decision_json.empty()) return r.decision_json;  // kept whole before schema v7
  return render_decision(r, pack_of(r), r.evaluated_on);
}

std::string CaseService::earlier_decision_text(const CaseRecord& r, int64_t seq) {
  for (const auto& d : store_.redecisions(r.id)) {
    if (d.seq != seq) continue;
    const Pack* pack = packs_.find(d.from_pack);
    if (!pack)
      throw ServiceError(ErrorKind::Conflict,
                         "the earlier decision used rule pack " + d.from_pack + ", which this node does not hold");
    return render_decision(r, *pack, d.from_date);
  }
  throw ServiceError(ErrorKind::NotFound, "case " + r.id + " has no re-decision " + std::to_string(seq));
}

CaseRecord CaseService::redecide(std::string_view case_id, const Actor& actor, std::string_view reason) {
  CaseRecord r = load(case_id);
  PartyRole acting = acting_role(actor, r);
  if (acting != PartyRole::Officer && acting != PartyRole::Validator && acting != PartyRole::RequestingCentralAuthority)
    throw ServiceError(ErrorKind::Forbidden, "only the requesting side decides its case again");
  if (reason.empty())
    throw ServiceError(ErrorKind::Invalid, "a re-decision states why",
                       {{"$.reason", "why the case is decided again (e.g. the law it follows changed)"}});
  const Pack& now_pack = packs_.current();
  if (r.pack_hash == now_pack.content_hash)
    throw ServiceError(ErrorKind::Conflict, "the case already rests on the current rule pack " + r.pack_hash);
  const WorkflowDef* old_wf = pack_of(r).workflow(r.c.workflow);
  if (old_wf && old_wf->is_terminal(r.c.state))
    throw ServiceError(ErrorKind::Conflict, "the case is closed (" + r.c.state + "): it is not decided again");
  const WorkflowDef* wf = now_pack.workflow(r.c.workflow);
  if (!wf || std::find(wf->states.begin(), wf->states.end(), r.c.state) == wf->states.end())
    throw ServiceError(ErrorKind::Conflict, "rule pack " + now_pack.content_hash + " has no state " + r.c.state +
                                                " in workflow " + r.c.workflow + ": the case stays on its pack");
  auto parsed = parse_request(r.request_json);
  if (!parsed.request) throw ServiceError(ErrorKind::Conflict, "the case's recorded request cannot be read");
  Instant now = clock_.now();
  Date today = date_of(now);
  Decision d = evaluate(*parsed.request, now_pack, today);
  auto old_entry = nlohmann::json::parse(r.entry_json);
  std::string role = old_entry.value("role", "");
  const PathwayResult* chosen = nullptr;
  for (const auto& p : d.pathways)
    if (p.def->id == r.c.pathway && p.rank > 0 && (!chosen || p.rank < chosen->rank) &&
        pathway_entry_json(d, p)["role"] == role)
      chosen = &p;
  if (!chosen)
    throw ServiceError(ErrorKind::NotLawful,
                       r.c.pathway + " is not lawful for this request under rule pack " + now_pack.content_hash +
                           " on " + today.str() + ": the case stays on its pack",
                       {{"$.pathway", "a pathway the current pack finds available on " + today.str()}});
  Redecision rd;
  rd.case_id = r.id;
  rd.seq = static_cast<int64_t>(store_.redecisions(r.id).size()) + 1;
  rd.from_pack = r.pack_hash;
  rd.from_date = r.evaluated_on;
  rd.from_entry = r.entry_json;
  rd.to_pack = now_pack.content_hash;
  rd.to_date = today.str();
  rd.actor = std::string(role_name(actor.role)) + ":" + actor.user_id;
  rd.reason = std::string(reason);
  rd.at = now;
  int64_t version = r.version;
  auto entry = pathway_entry_json(d, *chosen);
  // The statement the case opened beside stays what it was: a new pack
  // changes the law applied, not what the provider said then.
  if (old_entry.contains("provider_statement"))
    entry["provider_statement"] = nlohmann::ordered_json::parse(old_entry["provider_statement"].dump());
  r.pack_hash = now_pack.content_hash;
  r.evaluated_on = today.str();
  r.entry_json = entry.dump();
  r.order_json = nlohmann::ordered_json{{"pathway", entry["pathway"]},
                                        {"role", entry["role"]},
                                        {"data_categories", entry["data_categories"]},
                                        {"deadlines", entry["deadlines"]},
                                        {"use_limitations", entry["use_limitations"]}}
                     .dump();
  r.c.deadlines = open_case(d, *chosen).deadlines;
  r.version = version + 1;
  r.updated_at = now;
  nlohmann::json payload = {{"case", r.id},          {"from_pack", rd.from_pack}, {"to_pack", rd.to_pack},
                            {"to_date", rd.to_date}, {"reason", reason},          {"at", now}};
  try {
    store_.save_redecision(r, version, rd, audit_entry(actor, "redecide", r.id, payload.dump()));
  } catch (const StoreError& se) {
    if (se.code == StoreError::Code::Conflict || se.code == StoreError::Code::Constraint)
      throw ServiceError(ErrorKind::Conflict, se.what());
    throw;
  }
  with_facts(r);
  return r;
}

std::vector<std::string> CaseService::expire(std::string_view case_id) {
  CaseRecord r = load(case_id);
  int64_t version = r.version;
  size_t first_new = r.c.history.size();
  std::vector<CaseClock> before = r.c.clocks;
  auto fired = tick(r.c, pack_of(r), clock_.now());
  bool changed = !fired.empty();
  for (size_t i = 0; i < before.size() && !changed; ++i)
    changed = before[i].expiry_handled != r.c.clocks[i].expiry_handled;
  if (!changed) return fired;
  r.version = version + 1;
  r.updated_at = clock_.now();
  nlohmann::json payload = {{"case", r.id}, {"expired", fired}, {"at", r.updated_at}};
  store_.save_case(r, version, first_new,
                   audit_entry({"clock", PartyRole::System, "", ""}, "expire", r.id, payload.dump()),
                   log_leaves(r, false, first_new));
  return fired;
}

}  // namespace comity
