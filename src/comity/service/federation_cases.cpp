// The case acts that travel between nodes (docs/federation.md §1, §3 rule 7):
// what a home node sends when a step transmits an order — the order to the
// addressee's node and, in a notified case, the notified copy to the
// enforcing State's node — or an MLA request to the requested central
// authority's node, and the later acts of the issuing side (a supplement,
// a clarification, a withdrawal); and what comes back: the addressee's, the
// enforcing authority's and the requested central authority's answers,
// each taken on the case at home as that party's step, with every guard a
// local step has. Evidence between nodes is in federation_evidence.cpp.
//
// What crosses is narrowed here, member by member, from the view the party
// would read on the home node (service/case_view.cpp): a node never receives
// more than its party could see inside one shared exchange, and the home
// case's own file — its id, state, history, log and the steps open on the
// home node — never leaves.
#include <algorithm>
#include <chrono>
#include <tuple>

#include "comity/service/federation.hpp"
#include "comity/util/jcs.hpp"
#include "comity/util/sha256.hpp"

namespace comity {

using nlohmann::json;

namespace {

// An answer a party gives on its node to what a home node sent it, the
// message kind that carries it and the workflow step it is at home
// (workflows.yaml; Reg. 2023/1543 Arts 8, 10, 12, 16-17, Annex III).
struct AnswerKind {
  std::string_view answers;  // the kind of the message answered
  std::string_view kind, event;
  PartyRole role;
};
// A central authority's user holds the central_authority role; the home
// case takes its step as the requested side's, its State being the
// counterpart (CaseService: acting_role).
constexpr AnswerKind kAnswers[] = {
    {"order.transmit", "ack", "acknowledge", PartyRole::Provider},
    {"order.transmit", "inability", "report_inability", PartyRole::Provider},
    {"order.transmit", "objection", "object", PartyRole::Provider},
    {"order.transmit", "production.complete", "produce", PartyRole::Provider},
    {"notification.send", "notification.answer", "confirm_no_refusal", PartyRole::EnforcingAuthority},
    {"notification.send", "notification.answer", "refuse", PartyRole::EnforcingAuthority},
    {"mla.transmit", "mla.execution", "receive", PartyRole::CentralAuthority},
    {"mla.transmit", "mla.execution", "accept", PartyRole::CentralAuthority},
    {"mla.transmit", "refusal", "refuse", PartyRole::CentralAuthority},
    {"mla.transmit", "mla.supplement.request", "request_supplement", PartyRole::CentralAuthority},
    {"mla.transmit", "mla.execution", "return_evidence", PartyRole::CentralAuthority},
};

// `view` narrowed to `members`.
json narrowed(const json& view, std::initializer_list<const char*> members) {
  json out = json::object();
  for (const char* k : members)
    if (view.contains(k)) out[k] = view[k];
  return out;
}

std::string body_text(const fed::Envelope& e, const char* key) {
  auto it = e.body.find(key);
  return it != e.body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Why the workflow refused a step, in words that name no state of the
// home case.
std::string why(const TransitionError& t) {
  using K = TransitionError::Kind;
  switch (t.kind) {
    case K::UnknownEvent: return "not a step of this workflow";
    case K::NotAllowedInState: return "not a step the case allows now";
    case K::RoleNotPermitted: return "not this role's step";
    case K::ReasonRequired: return "a reason is required";
    case K::GroundInvalid: return "not one of the step's coded grounds";
    case K::LimitReached: return "taken as often as the workflow allows";
    case K::Closed: return "the case is closed";
    case K::GuardUnmet: return "the law does not allow it for this case (" + t.guard + ")";
  }
  return "refused";
}

using Refusal = std::optional<std::pair<std::string, std::string>>;
Refusal refused(const char* code, std::string detail) {
  return std::make_pair(std::string(code), std::move(detail));
}

}  // namespace

void FederationService::refuse_if_suspended(Store& db, const std::string& peer_id) {
  std::shared_ptr<const fed::PeerList> list = peers(db);
  if (!list) return;
  for (const fed::Peer& p : list->peers)
    if (p.id == peer_id && log_forked(db, p))
      throw Error(ErrorKind::Conflict, "the node " + peer_id + " is suspended (its log forked): nothing is sent to it",
                  {}, "peer_suspended");
}

std::string FederationService::sent_to_sender(Store& db, const fed::Envelope& e,
                                              std::initializer_list<std::string_view> kinds) {
  for (const OutboxMessage& m : db.fed().outbox_for_case(e.case_ref))
    if (m.peer == e.from && std::find(kinds.begin(), kinds.end(), m.kind) != kinds.end() &&
        json::parse(m.envelope).value("to_party", std::string()) == e.from_party)
      return m.kind;
  return "";
}

Actor FederationService::peer_actor(const fed::Envelope& e, PartyRole role, const std::string& peer_state) {
  Actor actor;
  actor.role = role;
  actor.user_id = e.from + "/" + e.from_party;
  actor.party_id = e.from_party;
  actor.party_state = peer_state;
  return actor;
}

fed::Envelope FederationService::reply_to(const InboxMessage& m, const std::string& party, std::string kind,
                                          const Acting& acting) {
  fed::Envelope e;
  e.to = m.peer;
  e.from_party = party;
  e.to_party = json::parse(m.envelope).at("from_party").get<std::string>();
  e.case_ref = m.case_ref;
  e.kind = std::move(kind);
  e.actor_role = acting.role;
  e.actor_credential = acting.credential;
  return e;
}

bool FederationService::is_answer_event(std::string_view event) {
  return std::any_of(std::begin(kAnswers), std::end(kAnswers), [&](const AnswerKind& a) { return a.event == event; });
}

std::string FederationService::case_ref_of(const std::string& case_id) const {
  crypto::Signature sig = me_.node_key->sign("comity case_ref v1\n" + case_id);
  return "fc-" + sha256_hex(std::string_view(reinterpret_cast<const char*>(sig.data()), sig.size())).substr(0, 32);
}

std::vector<json> FederationService::send_for_step(Store& db, const CaseRecord& r, std::string_view event,
                                                   const CaseViews& views, const Acting& acting, Instant now) {
  std::vector<json> sent;
  const bool transmit = event == "transmit" || event == "transmit_emergency";
  const bool follow_up = event == "provide_supplement" || event == "clarify" || event == "withdraw";
  if (!transmit && !follow_up) return sent;
  std::shared_ptr<const fed::PeerList> list = peers(db);
  if (!list) return sent;
  const std::string case_ref = case_ref_of(r.id);
  auto message = [&](const std::string& to, const std::string& from_party, const std::string& party, const char* kind,
                     json body) {
    refuse_if_suspended(db, to);
    fed::Envelope e;
    e.to = to;
    e.from_party = from_party;
    e.to_party = party;
    e.case_ref = case_ref;
    e.kind = kind;
    e.actor_role = acting.role;
    e.actor_credential = acting.credential;
    e.body = std::move(body);
    sent.push_back(queue(db, e, acting.audit_name, now));
  };
  if (follow_up) {
    // To whom the case was sent (its first messages), each once.
    std::vector<std::tuple<std::string, std::string, std::string, std::string>> sent_to;  // peer, from, to, kind
    for (const OutboxMessage& m : db.fed().outbox_for_case(case_ref)) {
      if (m.kind != "order.transmit" && m.kind != "notification.send" && m.kind != "mla.transmit") continue;
      const json env = json::parse(m.envelope);
      sent_to.emplace_back(m.peer, env.value("from_party", ""), env.value("to_party", ""), m.kind);
    }
    for (const auto& [peer, from_party, party, kind] : sent_to) {
      if (event == "withdraw") {
        // A withdrawal is never held back: a suspended peer is sent
        // nothing, and the case is withdrawn at home all the same.
        try {
          refuse_if_suspended(db, peer);
        } catch (const Error&) {
          continue;
        }
        message(peer, from_party, party, "withdraw", {{"event", event}});
      } else if (event == "clarify" && kind == "order.transmit")
        message(peer, from_party, party, "clarify", {{"event", event}});
      else if (event == "provide_supplement" && kind == "mla.transmit")
        message(peer, from_party, party, "mla.supplement.provide",
                {{"event", event}, {"supplement", r.c.history.empty() ? "" : r.c.history.back().reason}});
    }
    return sent;
  }
  if (r.via_authorities) {
    // Authority to authority: the requested State's central authority.
    const fed::Peer* requested = nullptr;
    std::string requested_party;
    for (const fed::Peer& p : list->peers)
      if (p.state == r.counterpart_state && !requested)
        for (const trust::HostedParty& h : p.speaks_for)
          if (h.kind == "central_authority") {
            requested = &p;
            requested_party = h.party;
            break;
          }
    if (!requested) return sent;
    if (!me_.hosts(acting.party))
      throw Error(ErrorKind::Invalid,
                  "this node does not host " + acting.party + ", so it cannot transmit for it to a peer",
                  {{"$.event", "a step of a party this node hosts"}});
    db.fed().add_case_ref(case_ref, r.id, now);
    json request = narrowed(views.requested,
                            {"pathway", "workflow", "requesting_state", "counterpart_state", "order", "signed_order"});
    request["request"] = json::parse(r.request_json);  // the requested side reads the request (case_view_text)
    message(requested->id, acting.party, requested_party, "mla.transmit",
            {{"event", event}, {"request", std::move(request)}});
    return sent;
  }
  if (r.provider_party_id.empty()) return sent;
  const fed::Peer* addressee = nullptr;
  const fed::Peer* enforcing = nullptr;
  std::string enforcing_party;
  for (const fed::Peer& p : list->peers) {
    if (fed::speaks_for(p, r.provider_party_id)) addressee = &p;
    // A State's enforcing authority acts through its central authority's
    // party (as on one node: its users hold the enforcing_authority role).
    if (r.notified && p.state == r.counterpart_state && !enforcing)
      for (const trust::HostedParty& h : p.speaks_for)
        if (h.kind == "central_authority") {
          enforcing = &p;
          enforcing_party = h.party;
          break;
        }
  }
  if (!addressee && !enforcing) return sent;
  if (addressee && r.notified && !enforcing && r.counterpart_state != me_.state)
    throw Error(ErrorKind::Invalid,
                "the order must be notified to the enforcing authority of " + r.counterpart_state +
                    " at the same time (Art 8(1)), and no peer speaks for its central authority",
                {{"$.event", "a peer for the enforcing authority of " + r.counterpart_state}});
  if (!me_.hosts(r.requesting_party_id))
    throw Error(ErrorKind::Invalid,
                "this node does not host " + r.requesting_party_id + ", so it cannot transmit for it to a peer",
                {{"$.event", "a step of a party this node hosts"}});
  db.fed().add_case_ref(case_ref, r.id, now);  // so the answers find the case (rule 7)
  // Art 8(1), (3): the notification goes at the same time as the order, so
  // it is queued first — on one peer it is then the stream's first message.
  if (enforcing) {
    json copy =
        narrowed(views.enforcing, {"pathway", "workflow", "requesting_state", "counterpart_state", "signed_order"});
    copy["request"] = json::parse(r.request_json);  // the enforcing audience reads it (case_view_text)
    message(enforcing->id, r.requesting_party_id, enforcing_party, "notification.send",
            {{"event", event}, {"notified_copy", std::move(copy)}});
  }
  // Art 9: the certificate, not the file.
  if (addressee)
    message(addressee->id, r.requesting_party_id, r.provider_party_id, "order.transmit",
            {{"event", event},
             {"certificate", narrowed(views.addressee, {"pathway", "workflow", "requesting_state", "counterpart_state",
                                                        "order", "certificate", "signed_order"})}});
  return sent;
}

json FederationService::answer(Store& db, const std::string& message_id, const std::string& party,
                               std::string_view event, std::string_view reason, std::string_view ground,
                               const Acting& acting, Instant now) {
  std::optional<InboxMessage> m = db.fed().inbox_message(message_id);
  const bool answerable =
      m && m->to_party == party && m->state == InboxState::Applied &&
      std::any_of(std::begin(kAnswers), std::end(kAnswers), [&](const AnswerKind& a) { return a.answers == m->kind; });
  if (!answerable) throw Error(ErrorKind::NotFound, "no order or notification " + message_id + " reached " + party);
  const AnswerKind* kind = nullptr;
  std::string expected;
  for (const AnswerKind& a : kAnswers) {
    if (a.answers != m->kind) continue;
    expected += (expected.empty() ? "" : ", ") + std::string(a.event);
    if (a.event == event) kind = &a;
  }
  if (!kind) throw Error(ErrorKind::Invalid, "a " + m->kind + " is answered with " + expected, {{"$.event", expected}});
  if (acting.role != role_name(kind->role))
    throw Error(ErrorKind::NotFound, "no " + m->kind + " " + message_id + " reached a " + acting.role + " of " + party);
  refuse_if_suspended(db, m->peer);
  fed::Envelope e = reply_to(*m, party, std::string(kind->kind), acting);
  e.body = {{"event", event}, {"in_reply_to", message_id}};
  if (!reason.empty()) e.body["reason"] = reason;
  if (!ground.empty()) e.body["ground"] = ground;
  return queue(db, e, acting.audit_name, now);
}

std::optional<std::pair<std::string, std::string>> FederationService::apply_case_act(Store& db, const fed::Envelope& e,
                                                                                     const std::string& peer_state) {
  if (e.kind == "production.manifest" || e.kind == "production.chunk") return apply_evidence(db, e, peer_state);
  const bool answer_kind =
      std::any_of(std::begin(kAnswers), std::end(kAnswers), [&](const AnswerKind& a) { return a.kind == e.kind; });
  if (!answer_kind) return std::nullopt;  // delivered to its party's inbox, applied to nothing
  const std::string event = body_text(e, "event");
  const AnswerKind* a = nullptr;
  for (const AnswerKind& k : kAnswers)
    if (k.kind == e.kind && k.event == event) a = &k;
  if (!a) return refused("malformed", "a " + e.kind + " does not carry the step " + event);
  std::optional<std::string> case_id = db.fed().case_of_ref(e.case_ref);
  if (!case_id || !stepper_) return refused("case_unknown", "no case of this node goes by " + e.case_ref);
  // Only the party the act answers may give it: this node sent that very
  // peer and party the order (or the notification) of this case. So a
  // provider's node cannot answer as the enforcing authority, nor one
  // party of a node for another.
  if (sent_to_sender(db, e, {a->answers}).empty())
    return refused("not_authorised", e.from_party + " of " + e.from + " was sent no " + std::string(a->answers) +
                                         " of this case to answer");
  if (parse_role(e.actor_role) != a->role)
    return refused("not_authorised", "a " + event + " is a " + std::string(role_name(a->role)) + "'s step, not a " +
                                         (e.actor_role.empty() ? "node" : e.actor_role) + "'s");
  CaseAct act{*case_id, event, body_text(e, "reason"), body_text(e, "ground"), peer_actor(e, a->role, peer_state)};
  try {
    stepper_(db, act);
  } catch (const ServiceError& x) {
    // The refusal names the step and the workflow's reason code, never the
    // home case's id, state or open steps (§1). A store conflict is not a
    // refusal: it fails the job, and the peer's retry meets the case anew.
    if (x.transition) return refused("transition_refused", "the case refused " + event + ": " + why(*x.transition));
    if (x.kind == ErrorKind::Invalid) return refused("transition_refused", "the case refused " + event + ": invalid");
    if (x.kind == ErrorKind::Forbidden) return refused("not_authorised", "not this party's step on this case");
    if (x.kind == ErrorKind::NotFound) return refused("case_unknown", "no case of this node goes by " + e.case_ref);
    throw;
  } catch (const Error& x) {
    if (x.kind == ErrorKind::Forbidden) return refused("not_authorised", "not this party's step on this case");
    if (x.kind == ErrorKind::NotFound) return refused("case_unknown", "no case of this node goes by " + e.case_ref);
    throw;
  }
  return std::nullopt;
}

void FederationService::on_delivered(Store& db, const OutboxMessage& m, const json& receipt) noexcept {
  // The deadlines that run from the receipt of what this message carried.
  static constexpr std::pair<std::string_view, std::string_view> kStartsAt[] = {
      {"order.transmit", "receipt of the EPOC"}, {"notification.send", "notification"}};
  if (!clocks_) return;
  try {
    for (const auto& [kind, starts] : kStartsAt) {
      if (m.kind != kind) continue;
      std::optional<std::string> case_id = db.fed().case_of_ref(m.case_ref);
      std::optional<Instant> at = parse_instant(receipt.value("delivered_at", ""));
      const std::string sent_by = json::parse(m.envelope)["body"].value("event", "");
      // A receipt from the future moves nothing (a peer cannot stretch the
      // addressee's days by post-dating it).
      const Instant now = static_cast<Instant>(
          std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
              .count());
      if (case_id && at && *at <= now + fed::kSignatureWindowSeconds) clocks_(db, *case_id, sent_by, starts, *at);
    }
  } catch (const std::exception&) {
    // The delivery stands; the clocks keep the time of the step that sent
    // it, which is never later than the receipt (they only run longer).
  }
}

}  // namespace comity
