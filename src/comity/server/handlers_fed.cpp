// The federation's routes (docs/federation.md): a peer's signed message in,
// its signed receipt out; the node's public description; and the
// operator's view of its peers and outbox.
#include <nlohmann/json.hpp>

#include "comity/server/handlers.hpp"
#include "comity/service/federation.hpp"

namespace comity::handlers {

using nlohmann::json;

namespace {

json outbox_json(const OutboxMessage& m) {
  json j = {{"id", m.id},
            {"peer", m.peer},
            {"case_ref", m.case_ref},
            {"seq", m.seq},
            {"kind", m.kind},
            {"state", outbox_state_name(m.state)},
            {"attempts", m.attempts},
            {"created_at", format_instant(m.created_at)},
            {"expires_at", format_instant(m.expires_at)},
            {"next_attempt_at", format_instant(m.next_attempt_at)},
            {"last_error", m.last_error}};
  j["receipt"] = m.receipt.empty() ? json(nullptr) : json::parse(m.receipt);
  return j;
}

FederationService::Acting acting_of(const Principal& who) {
  return {std::string(role_name(who.user.role)) + ":" + who.user.id, std::string(role_name(who.user.role)), "",
          who.party.id};
}

}  // namespace

// A peer's message. Authentication is the request's HTTP signature, checked
// by the federation service under the key the peer list gives its node;
// the whole receipt-giving step is one group-commit job, so the receipt
// leaves only once what it promises is durable. The proof of the receipt's
// place in this node's log is attached after that commit: a checkpoint is
// published first when none covers the leaf yet (by this process if it
// holds the signer's lease; otherwise the receipt goes without a proof and
// verifies by its signature alone until the sender fetches one).
void post_fed_message(Node& node, Call& call) {
  FederationService& fed = node.federated();
  const HttpRequest& req = call.req;
  FedRequest q{req.method,
               req.header("Host"),
               req.path,
               req.header("Content-Type"),
               req.header("Content-Digest"),
               req.header("Signature-Input"),
               req.header("Signature"),
               req.body};
  const Instant now = node.clock.now();
  FederationService::Authenticated who;
  {
    Node::ReadLease db(node);
    who = fed.authenticate(*db, q, now);
  }
  FedAnswer answer;
  node.durably([&] { answer = fed.accept(node.store, who, now); });
  json receipt = answer.receipt;
  if (answer.leaf_index) {
    try {
      node.checkpoint_covering(*answer.leaf_index);
      Node::ReadLease db(node);
      receipt = fed.with_proof(*db, receipt, *answer.leaf_index);
    } catch (const Error&) {
      // Another process signs this node's checkpoints and has not covered
      // the leaf yet: the receipt stands on its signature for now.
    }
  }
  call.res.send_json(safe_dump(receipt), answer.status);
}

// What this node says of itself: enough for a peer's operator to check it
// against the node credential they hold and to witness its log.
void get_fed_node(Node& node, Call& call) {
  const FedIdentity& me = node.federated().identity();
  call.res.send_json(safe_dump(json{{"type", "comity.node-card/v1"},
                                    {"id", me.id},
                                    {"state", me.state},
                                    {"endpoint", me.endpoint},
                                    {"log_origin", me.log_origin},
                                    {"witness_name", me.witness_name},
                                    {"credential", me.credential.doc},
                                    {"log_verifier_key", node.log_verifier_key()}}));
}

void get_fed_peers(Node& node, Call& call) {
  FederationService& fed = node.federated();
  Node::ReadLease db(node);
  std::shared_ptr<const fed::PeerList> list = fed.peers(*db);
  call.res.send_json(safe_dump(list ? list->doc : json(nullptr)));
}

// An operator opens the channel to a peer: a peer.hello through the outbox,
// whose receipt shows the peer answers under its credentialed key.
void post_fed_hello(Node& node, Call& call) {
  FederationService& fed = node.federated();
  json body = json_body(call.req);
  FieldErrors errors;
  refuse_unknown_fields(body, {"peer"}, errors);
  if (!body.contains("peer") || !body["peer"].is_string()) errors.push_back({"$.peer", "the id of a peer"});
  if (!errors.empty()) body_does_not_match(std::move(errors));
  fed::Envelope e;
  e.to = body["peer"].get<std::string>();
  e.from_party = fed.identity().id;
  e.to_party = e.to;
  e.kind = "peer.hello";
  const Principal& who = call.principal();
  json doc;
  node.durably([&] {
    doc = fed.queue(node.store, e, std::string(role_name(who.user.role)) + ":" + who.user.id, node.clock.now());
  });
  fed.wake();
  call.res.send_json(safe_dump(json{{"message", doc["id"]}, {"state", "pending"}}), 202);
}

void get_fed_outbox(Node& node, Call& call) {
  node.federated();
  std::string case_ref = call.req.param("case_ref");
  json out = json::array();
  Node::ReadLease db(node);
  for (const OutboxMessage& m : db->fed().outbox_for_case(case_ref)) out.push_back(outbox_json(m));
  call.res.send_json(safe_dump(json{{"messages", out}}));
}

// What peers delivered to the caller's own party, newest first: the acts
// addressed to it (an order's certificate view, a notification, an answer),
// each with the receipt this node gave. Another party's messages are not
// listed, nor refused or held ones (not delivered to anyone).
void get_fed_inbox(Node& node, Call& call) {
  node.federated();
  Instant before = node.clock.now() + 1;
  if (call.req.has_param("before")) {
    auto t = parse_instant(call.req.param("before"));
    if (!t)
      throw Error(ErrorKind::Malformed, "before: expected an ISO 8601 instant", {{"$query.before", "an instant"}});
    before = *t;
  }
  json out = json::array();
  Node::ReadLease db(node);
  for (const InboxMessage& m : db->fed().inbox_for_party(call.principal().party.id, InboxState::Applied, before, 100)) {
    // Evidence chunks are not listed (the store leaves them out): their
    // production's progress is the offer's answer.
    json e = json::parse(m.envelope);
    // The party's own answers to an order, each with the receipt the
    // order's node gave (delivered: the case took the step; refused: why).
    json answers = json::array();
    if (m.kind == "order.transmit" || m.kind == "notification.send" || m.kind == "mla.transmit")
      for (const OutboxMessage& a : db->fed().outbox_for_case(m.case_ref))
        if (a.peer == m.peer && a.kind != "production.chunk" &&
            json::parse(a.envelope).value("from_party", "") == call.principal().party.id)
          answers.push_back(outbox_json(a));
    out.push_back({{"answers", std::move(answers)},
                   {"id", m.id},
                   {"from", m.peer},
                   {"from_party", e["from_party"]},
                   {"kind", m.kind},
                   {"case_ref", m.case_ref},
                   {"seq", m.seq},
                   {"received_at", format_instant(m.received_at)},
                   {"body", e["body"]},
                   {"receipt", json::parse(m.receipt)}});
  }
  call.res.send_json(safe_dump(json{{"messages", out}}));
}

// A party's answer to what a peer delivered to it: the addressee's to an
// order (acknowledge, report_inability, object, produce), the enforcing
// authority's to a notification (confirm_no_refusal, refuse), the requested
// central authority's to an MLA request (receive, accept, refuse,
// request_supplement, return_evidence) — the step it takes on the
// case at home, queued back to the node it came from, whose case takes it
// with every guard of a local step or refuses it with a signed
// transition_refused receipt (rule 7). Another party's message, or one that
// is neither, does not exist for the caller.
void post_fed_answer(Node& node, Call& call) {
  FederationService& fed = node.federated();
  json body = json_body(call.req);
  FieldErrors errors;
  refuse_unknown_fields(body, {"event", "reason", "ground"}, errors);
  if (!body.contains("event") || !body["event"].is_string() ||
      !FederationService::is_answer_event(body["event"].get<std::string>()))
    errors.push_back({"$.event",
                      "acknowledge, report_inability, object, produce, confirm_no_refusal, refuse, receive, accept, "
                      "request_supplement or return_evidence"});
  for (const char* k : {"reason", "ground"})
    if (body.contains(k) && (!body[k].is_string() || body[k].get<std::string>().size() > 4000))
      errors.push_back({std::string("$.") + k, "a string of at most 4000 bytes"});
  if (!errors.empty()) body_does_not_match(std::move(errors));
  const Principal& who = call.principal();
  const FederationService::Acting acting = acting_of(who);
  json doc;
  node.durably([&] {
    doc =
        fed.answer(node.store, call.param(0), who.party.id, body["event"].get<std::string>(),
                   body.value("reason", std::string()), body.value("ground", std::string()), acting, node.clock.now());
  });
  fed.wake();
  call.res.send_json(
      safe_dump(
          json{{"message", doc["id"]}, {"kind", doc["kind"]}, {"case_ref", doc["case_ref"]}, {"state", "pending"}}),
      202);
}

// Evidence for an order or an MLA request a peer delivered to the caller's
// party: the signed manifest of a production (its files sealed to the
// issuing side's keys, its case the message's case_ref), sent home in the
// case's stream (docs/federation.md §3, "Evidence").
void post_fed_production(Node& node, Call& call) {
  FederationService& fed = node.federated();
  json manifest = json_body(call.req);
  const FederationService::Acting acting = acting_of(call.principal());
  json out;
  node.durably([&] {
    out =
        fed.offer_production(node.store, call.param(0), call.principal().party.id, manifest, acting, node.clock.now());
  });
  fed.wake();
  call.res.send_json(safe_dump(out), 201);
}

// One chunk of a file's ciphertext at ?offset=N (at most 1 MiB; resumable
// at the offset a refusal names), queued home in messages of at most
// 512 KiB.
void post_fed_chunk(Node& node, Call& call) {
  FederationService& fed = node.federated();
  const uint64_t offset = ciphertext_offset(call);
  const std::string file_text = call.param(2);
  if (!small_decimal(file_text) || file_text.size() > 6)
    throw Error(ErrorKind::NotFound, "no file " + file_text, {{"$path.n", "a file's index in the manifest"}});
  const FederationService::Acting acting = acting_of(call.principal());
  json out;
  node.durably([&] {
    out = fed.offer_chunk(node.store, call.param(0), call.principal().party.id, call.param(1), std::stoll(file_text),
                          offset, call.req.body, acting, node.clock.now());
  });
  fed.wake();
  call.res.send_json(safe_dump(out), 202);
}

}  // namespace comity::handlers
