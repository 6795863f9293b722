// Cases: opening, listing, reading, steps, reviews, the user-notification
// plan, the decision, the formal document and the case's log openings. What
// a caller sees of a case is the view table's (service/case_view.hpp); which
// steps it may take is the workflow's.
#include <nlohmann/json.hpp>

#include "comity/crypto/ed25519.hpp"
#include "comity/report/case_document.hpp"
#include "comity/server/handlers.hpp"
#include "comity/server/web_assets.hpp"
#include "comity/service/case_view.hpp"
#include "comity/service/federation.hpp"
#include "comity/service/federation_view.hpp"
#include "comity/util/sha256.hpp"

namespace comity::handlers {
namespace {

using nlohmann::json;

AuditEntry read_audit(const Node& node, const Principal& who, std::string action, const std::string& case_id,
                      const std::string& shown) {
  return AuditEntry{
      0,       node.clock.now(), std::string(role_name(who.user.role)) + ":" + who.user.id, std::move(action),
      case_id, sha256_hex(shown)};
}

// web/labels.json, parsed once.
const json& labels() {
  static const json parsed = json::parse(find_web_asset("labels.json")->bytes);
  return parsed;
}

// A read of a part of a case by one of its parties: `render(store, who,
// case, audience)` makes the body, which is given out only once its audit
// entry — `action`, with the SHA-256 of exactly these bytes — is durable.
// Error{NotFound} for a case the caller may not see; Error{Forbidden}
// (`forbidden`) when the view table does not give it `part`.
template <class F>
std::string audited_party_read(Node& node, Call& call, const char* action, bool (*may_read)(Audience),
                               const char* forbidden, F&& render) {
  std::string body;
  std::optional<AuditEntry> read;
  {
    Node::ReadLease db(node);
    auto [record, audience] = node.visible_case(*db, call.principal(), call.param(0));
    if (!may_read(audience)) throw Error(ErrorKind::Forbidden, forbidden);
    body = render(*db, record, audience);
    read = read_audit(node, call.principal(), action, record.id, body);
  }
  node.durably([&] { node.store.append_audit(*read); });
  return body;
}

// Loads the case the caller may act on: Error{NotFound} if it may not see
// it, Error{Forbidden} if it may only read it.
std::pair<CaseRecord, Audience> actable_case(Node& node, Call& call) {
  Node::ReadLease db(node);
  auto found = node.visible_case(*db, call.principal(), call.param(0));
  if (!may_act(found.second)) throw Error(ErrorKind::Forbidden, "this party may read the case but not act on it");
  return found;
}

std::string view_text(Node& node, const Principal& who, const CaseRecord& r, Audience a,
                      const CaseReadExtras& extras = {}) {
  return case_view_text(r, a, acting_role(actor_of(who), r), node.cases.pack_of(r), node.clock.now(), extras);
}

}  // namespace

void create_case(Node& node, Call& call) {
  const Principal& who = call.principal();
  json body = json_body(call.req);
  FieldErrors errors;
  refuse_unknown_fields(body, {"request", "signed_order", "pathway", "role"}, errors);
  const bool is_signed = body.contains("signed_order");
  if (is_signed && body.contains("request"))
    errors.push_back({"$.request", "give the request inside signed_order, not beside it"});
  else if (!is_signed && node.options.orders == OrderPolicy::SignedOnly)
    errors.push_back(
        {"$.signed_order", "required: this exchange accepts signed orders only (docs/trust.md; comity order sign)"});
  else if (is_signed && !body["signed_order"].is_object())
    errors.push_back({"$.signed_order", "an object {order, signatures} (docs/trust.md)"});
  else if (!is_signed && (!body.contains("request") || !body["request"].is_object()))
    errors.push_back({"$.request", "required: the request (an object, docs/request-format.md)"});
  if (!body.contains("pathway") || !body["pathway"].is_string())
    errors.push_back({"$.pathway", "required: the chosen pathway id, e.g. P_EU_EPOC"});
  std::string role_text = "primary";
  if (body.contains("role")) {
    if (!body["role"].is_string() || (body["role"] != "primary" && body["role"] != "preservation_companion"))
      errors.push_back({"$.role", "primary or preservation_companion"});
    else
      role_text = body["role"].get<std::string>();
  }
  if (!errors.empty()) body_does_not_match(std::move(errors));
  const std::string key = idempotency_key(call.req);
  try {
    bool replayed = false;
    CaseRecord r;
    // Parse, evaluate and render here, in parallel with other handlers; only
    // the insert joins the group commit.
    const Role role = role_text == "primary" ? Role::Primary : Role::PreservationCompanion;
    const std::string pathway = body["pathway"].get<std::string>();
    OpenAttempt attempt = is_signed ? node.cases.attempt_open_signed(body["signed_order"], *node.trusted(), pathway,
                                                                     role, actor_of(who), key)
                                    : node.cases.attempt_open(body["request"], pathway, role, actor_of(who), key);
    node.durably([&] { r = node.cases.commit_open(attempt, &replayed); });
    if (replayed) call.res.set_header("Idempotent-Replayed", "true");
    call.res.set_header("Location", "/api/v1/cases/" + r.id);
    call.res.send_json(view_text(node, who, with_facts(r), Audience::Issuing), 201);
  } catch (Error& e) {
    // Field errors sit under the member that carried them: the request, or
    // the signed order (whose request is at order.request).
    const std::string base =
        !is_signed ? "$.request"
        : e.kind == ErrorKind::Untrusted || (e.kind == ErrorKind::Conflict && e.reason == "replayed")
            ? "$.signed_order"
            : "$.signed_order.order.request";
    for (auto& fe : e.field_errors)
      if (fe.path.rfind("$header.", 0) != 0 && fe.path != "$.pathway") fe.path = base + fe.path.substr(1);
    throw;
  }
}

void list_cases(Node& node, Call& call) {
  const Principal& who = call.principal();
  const int limit = page_limit(call.req);
  std::string cursor = call.req.param("cursor");
  std::string due_filter = call.req.param("notice_review_due");
  if (!due_filter.empty() && due_filter != "true" && due_filter != "false")
    throw Error(ErrorKind::Malformed, "notice_review_due must be true or false",
                {{"$query.notice_review_due", "true or false"}});
  Node::ReadLease db(node);
  Instant now = node.clock.now();
  json items = json::array();
  std::string last = cursor;
  bool more = true;
  // Scan forward in pages until `limit` visible cases are found (bounded work per call).
  for (int scanned = 0; more && static_cast<int>(items.size()) < limit && scanned < 2000;) {
    auto page = db->list_cases(last, 200);
    more = page.size() == 200;
    for (const auto& c : page) {
      ++scanned;
      last = c.id;
      Audience a = audience_of(who, c);
      if (a == Audience::None) continue;
      bool due = shows(a, CasePart::UserNotification) && notice_review_due(c.notice_status, c.notice_review_date, now);
      if (!due_filter.empty() && due != (due_filter == "true")) continue;
      items.push_back({{"id", c.id},
                       {"pathway", c.pathway},
                       {"state", c.state},
                       {"requesting_state", c.requesting_state},
                       {"updated_at", format_instant(c.updated_at)},
                       {"view", a == Audience::Addressee   ? "order"
                                : a == Audience::Oversight ? "metadata"
                                                           : "full"},
                       {"audience", audience_name(a)},
                       {"notice_review_due", due},
                       {"next_deadline", c.next_deadline.empty() ? json(nullptr)
                                                                 : json{{"deadline", c.next_deadline},
                                                                        {"due", format_instant(c.next_due)}}}});
      if (static_cast<int>(items.size()) == limit) break;
    }
  }
  json out = {{"items", items},
              {"next_cursor", more || static_cast<int>(items.size()) == limit ? json(last) : json(nullptr)}};
  call.res.send_json(safe_dump(out));
}

void get_case(Node& node, Call& call) {
  const Principal& who = call.principal();
  std::string body;
  std::optional<AuditEntry> read;
  {
    Node::ReadLease db(node);
    auto [record, audience] = node.visible_case(*db, who, call.param(0));
    const auto productions = db->productions_for_case(record.id);
    const auto reviews = db->reviews(record.id);
    const auto redecisions = db->redecisions(record.id);
    // Where the case is between nodes, for the side that sent it: read on
    // this same connection, so it is of the same moment as the case.
    std::optional<json> federation;
    if (node.federation && shows(audience, CasePart::Federation))
      federation = case_federation_json(*db, *node.federation, record.id);
    body = view_text(node, who, record, audience,
                     {&reviews, &productions, &redecisions, federation ? &*federation : nullptr});
    // Reading the request's facts or an order is recorded: who, when, which
    // case, and the SHA-256 of exactly what was shown.
    if (shows(audience, CasePart::Request) || shows(audience, CasePart::Certificate))
      read = read_audit(node, who, std::string("read_case:") + (shows(audience, CasePart::Request) ? "full" : "order"),
                        record.id, body);
  }
  // Shown only once its record is durable.
  if (read) node.durably([&] { node.store.append_audit(*read); });
  call.res.send_json(std::move(body));
}

// The decision the case rests on (rendered again from the recorded request,
// rule pack and date), or with ?before=N the one it rested on before its
// N-th re-decision. Not for the addressee: it gets the order, not the
// reasoning.
void get_decision(Node& node, Call& call) {
  std::optional<int64_t> before;
  if (call.req.has_param("before")) {
    const std::string v = call.req.param("before");
    int64_t n = 0;
    bool ok =
        !v.empty() && v.size() <= 9 && std::all_of(v.begin(), v.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    if (ok) n = std::stoll(v);
    if (!ok || n < 1)
      throw Error(ErrorKind::Malformed, "before must be a re-decision number",
                  {{"$query.before", "an integer from 1"}});
    before = n;
  }
  Node::ReadLease db(node);
  auto [record, audience] = node.visible_case(*db, call.principal(), call.param(0));
  if (!shows(audience, CasePart::Decision))
    throw Error(ErrorKind::Forbidden, "the addressee receives the order, not the reasoning (Reg. 2023/1543 Art 9(3))");
  call.res.send_json(before ? node.cases.earlier_decision_text(record, *before) : node.cases.decision_text(record));
}

// Decides the case again under the node's current rule pack (the
// requesting side; CaseService::redecide): {"reason": "…"}.
void post_redecide(Node& node, Call& call) {
  auto acted = actable_case(node, call);
  const CaseRecord& record = acted.first;
  const Audience audience = acted.second;
  json body = json_body(call.req);
  FieldErrors errors;
  refuse_unknown_fields(body, {"reason"}, errors);
  std::string reason = required_string(body, "reason", "why the case is decided again", errors);
  if (!errors.empty()) body_does_not_match(std::move(errors));
  CaseRecord r;
  node.durably([&] { r = node.cases.redecide(record.id, actor_of(call.principal()), reason); });
  std::vector<Redecision> redecisions;
  {
    Node::ReadLease db(node);
    redecisions = db->redecisions(r.id);
  }
  call.res.send_json(view_text(node, call.principal(), r, audience, {nullptr, nullptr, &redecisions}));
}

// The case's formal document as PDF in the reader's language (?lang=en|fr|de,
// default en): the request's fields for the parties that see the request,
// the order's fields only for the addressee (Reg. 2023/1543 Art 9(3)); not
// for oversight. Audited like a read of the case.
void get_document(Node& node, Call& call) {
  std::string lang = call.req.has_param("lang") ? call.req.param("lang") : "en";
  const auto& langs = labels().at("languages");
  if (std::find(langs.begin(), langs.end(), lang) == langs.end())
    throw Error(ErrorKind::Malformed, "lang must be en, fr or de", {{"$query.lang", "en, fr or de"}});
  auto may_read = [](Audience a) { return shows(a, CasePart::DocumentFull) || shows(a, CasePart::DocumentOrder); };
  std::string pdf = audited_party_read(
      node, call, "read_case:document", may_read, "oversight sees a case's metadata, not its documents",
      [&](Store&, const CaseRecord& r, Audience a) {
        CaseDocumentInput in{r.id,
                             r.c.pathway,
                             r.c.workflow,
                             r.counterpart_state,
                             json::parse(r.request_json),
                             r.order_verification_json.empty() ? json(nullptr) : json::parse(r.order_verification_json),
                             clocks_json(r, node.clock.now())};
        return case_document_pdf(in, shows(a, CasePart::DocumentFull) ? DocumentScope::Full : DocumentScope::OrderOnly,
                                 labels(), lang);
      });
  call.res.set_header("Content-Disposition", "inline; filename=\"comity-" + call.param(0) + "-" + lang + ".pdf\"");
  call.res.send(std::move(pdf), "application/pdf");
}

// A case's leaves for its parties: the index, the public leaf, the salt
// and full event that open its commitment, and an inclusion proof against
// the latest published checkpoint (null until one covers the leaf) — for
// exactly the history the caller sees (log_opening_visible). Audited like
// any read of the facts.
void get_case_log(Node& node, Call& call) {
  auto may_read = [](Audience a) { return shows(a, CasePart::CaseLog); };
  std::string body =
      audited_party_read(node, call, "read_case:log", may_read, "a case's log openings go to its parties only",
                         [&](Store& db, const CaseRecord& r, Audience a) {
                           auto last = db.latest_checkpoint();
                           auto entries = db.log_entries_for_case(r.id);
                           json items = json::array();
                           node.with_log(db, [&](const ledger::MerkleTree& log) {
                             for (const auto& e : entries) {
                               if (!log_opening_visible(a, e.event_seq, r, node.cases.pack_of(r))) continue;
                               json proof = nullptr;
                               if (last && e.index < last->tree_size) {
                                 proof = json::array();
                                 for (const auto& h : log.inclusion_proof(e.index, last->tree_size))
                                   proof.push_back(ledger::to_hex(h));
                               }
                               items.push_back({{"index", e.index},
                                                {"leaf", e.leaf},
                                                {"salt", crypto::base64_encode(e.salt)},
                                                {"event", e.event_json},
                                                {"inclusion_proof", proof}});
                             }
                             return 0;
                           });
                           return safe_dump(json{{"case", r.id},
                                                 {"checkpoint", last ? json(last->note) : json(nullptr)},
                                                 {"tree_size", last ? json(last->tree_size) : json(nullptr)},
                                                 {"entries", items}});
                         });
  call.res.send_json(std::move(body));
}

void post_review(Node& node, Call& call) {
  // Named, not a structured binding: the lambdas below capture it (clang 14).
  auto acted = actable_case(node, call);
  const CaseRecord& record = acted.first;
  json body = json_body(call.req);
  FieldErrors errors;
  refuse_unknown_fields(body, {"verdicts", "agree_rest"}, errors);
  std::vector<CheckVerdict> verdicts;
  if (!body.contains("verdicts") || !body["verdicts"].is_array() || body["verdicts"].size() > 500) {
    errors.push_back({"$.verdicts", "required: an array (at most 500) of {predicate, verdict, reason?}"});
  } else {
    for (size_t i = 0; i < body["verdicts"].size(); ++i) {
      const json& v = body["verdicts"][i];
      std::string at = "$.verdicts[" + std::to_string(i) + "]";
      if (!v.is_object()) {
        errors.push_back({at, "an object {predicate, verdict, reason?}"});
        continue;
      }
      FieldErrors inner;
      refuse_unknown_fields(v, {"predicate", "verdict", "reason"}, inner);
      CheckVerdict cv{required_string(v, "predicate", "a predicate id of the chosen pathway", inner),
                      required_string(v, "verdict", "agree or override", inner),
                      v.contains("reason") && v["reason"].is_string() ? v["reason"].get<std::string>() : ""};
      if (v.contains("reason") && !v["reason"].is_string()) inner.push_back({"$.reason", "a string"});
      for (auto& e : inner) errors.push_back({at + e.path.substr(1), e.message});
      verdicts.push_back(std::move(cv));
    }
  }
  if (body.contains("agree_rest") && !body["agree_rest"].is_boolean())
    errors.push_back({"$.agree_rest", "true or false"});
  if (!errors.empty()) body_does_not_match(std::move(errors));
  CaseReview rv;
  node.durably([&] {
    rv = node.cases.review(record.id, actor_of(call.principal()), verdicts, body.value("agree_rest", false));
  });
  call.res.send_json(safe_dump(json{{"case", rv.case_id},
                                    {"side", rv.side},
                                    {"reviewer", rv.reviewer},
                                    {"at", format_instant(rv.at)},
                                    {"verdicts", json::parse(rv.verdicts_json)}}),
                     201);
}

void post_notice(Node& node, Call& call) {
  // Named, not a structured binding: the lambdas below capture it (clang 14).
  auto acted = actable_case(node, call);
  const CaseRecord& record = acted.first;
  const Audience audience = acted.second;
  json body = json_body(call.req);
  FieldErrors errors;
  refuse_unknown_fields(body, {"action", "review_date", "reason"}, errors);
  std::string action = required_string(body, "action", "notified or delay", errors);
  if (!action.empty() && action != "notified" && action != "delay") errors.push_back({"$.action", "notified or delay"});
  for (const char* k : {"review_date", "reason"})
    if (body.contains(k) && !body[k].is_string()) errors.push_back({std::string("$.") + k, "a string"});
  if (!errors.empty()) body_does_not_match(std::move(errors));
  CaseRecord r;
  node.durably([&] {
    r = node.cases.record_notice(record.id, actor_of(call.principal()),
                                 action == "notified" ? NoticeAction::Notified : NoticeAction::Delay,
                                 body.value("review_date", std::string()), body.value("reason", std::string()));
  });
  call.res.send_json(view_text(node, call.principal(), with_facts(r), audience));
}

void post_event(Node& node, Call& call) {
  // Who may see a case depends on facts fixed at its opening and on
  // transmission, which is never undone: the check stays true for the step.
  // Named, not a structured binding: the lambdas below capture it (clang 14).
  auto acted = actable_case(node, call);
  const CaseRecord& record = acted.first;
  const Audience audience = acted.second;
  json body = json_body(call.req);
  FieldErrors errors;
  refuse_unknown_fields(body, {"event", "reason", "ground", "signature"}, errors);
  if (body.contains("signature") && !body["signature"].is_object())
    errors.push_back({"$.signature", "an object {role: validator, signer, signature} (docs/trust.md)"});
  if (!body.contains("event") || !body["event"].is_string())
    errors.push_back({"$.event", "required: the step, e.g. acknowledge"});
  if (body.contains("reason") && !body["reason"].is_string()) errors.push_back({"$.reason", "a string"});
  if (body.contains("ground") && !body["ground"].is_string())
    errors.push_back({"$.ground", "a string: the coded ground, e.g. ne_bis_in_idem"});
  if (!errors.empty()) body_does_not_match(std::move(errors));
  const std::string key = idempotency_key(call.req);
  bool replayed = false;
  CaseRecord r;
  std::string event = body["event"].get<std::string>(), reason = body.value("reason", std::string()),
              ground = body.value("ground", std::string());
  // Synced from the store only when a signature is to be checked.
  std::shared_ptr<const trust::TrustStore> trust_now;
  std::optional<CaseService::Countersignature> counter;
  if (body.contains("signature")) {
    trust_now = node.trusted();
    counter.emplace(CaseService::Countersignature{body["signature"], *trust_now});
  }
  bool sent = false;
  node.durably([&] {
    r = node.cases.step(record.id, event, actor_of(call.principal()), reason, key, &replayed, ground,
                        counter ? &*counter : nullptr);
    // An order for a provider another node speaks for leaves in the step's
    // own transaction (docs/federation.md §4): no step without its message.
    if (node.federation && !replayed) {
      const Instant now = node.clock.now();
      const Pack& pack = node.cases.pack_of(r);
      const FederationService::CaseViews views{
          case_view_json(with_facts(r), Audience::Addressee, PartyRole::Provider, pack, now),
          r.notified ? case_view_json(with_facts(r), Audience::Enforcing, PartyRole::EnforcingAuthority, pack, now)
                     : json(),
          r.via_authorities
              ? case_view_json(with_facts(r), Audience::Requested, PartyRole::RequestedCentralAuthority, pack, now)
              : json()};
      const User& user = call.principal().user;
      const FederationService::Acting acting{std::string(role_name(user.role)) + ":" + user.id,
                                             std::string(role_name(user.role)), "", call.principal().party.id};
      sent = !node.federation->send_for_step(node.store, r, event, views, acting, now).empty();
    }
  });
  if (sent) node.federation->wake();
  if (replayed) call.res.set_header("Idempotent-Replayed", "true");
  call.res.send_json(view_text(node, call.principal(), with_facts(r), audience));
}

}  // namespace comity::handlers
