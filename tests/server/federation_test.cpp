// The federation across real processes (docs/federation.md): two `comity
// serve` nodes on loopback, DE and NL, each with its own database, anchor,
// node credential and peer list, set up through the CLI as two ministries
// would. Messages travel as signed HTTP requests and come back as signed
// receipts that the test verifies offline against the receiver's node key
// and log key; forged, replayed, conflicting and out-of-order messages, a
// peer that is down and a peer removed from the list are each refused or
// recovered as the design says.
#include "comity/fed/http_signature.hpp"
#include "comity/fed/messages.hpp"
#include "comity/fed/peers.hpp"
#include "comity/util/jcs.hpp"
#include "comity/util/sha256.hpp"
#include "server/federation_harness.hpp"

namespace comity::server_test {
namespace {

struct Federation : FederationBase {
  // DE's admin opens the channel to NL; returns the message id.
  std::string hello() {
    auto c = client(de);
    auto r = c.Post("/api/v1/federation/hello", bearer("admin"), json{{"peer", "nl-node"}}.dump(), "application/json");
    EXPECT_TRUE(r);
    EXPECT_EQ(r->status, 202) << r->body;
    return json::parse(r->body)["message"];
  }

  // DE's outbox entry for `id`, as its admin sees it.
  json outbox_entry(const std::string& id, const std::string& case_ref = "") {
    auto c = client(de);
    auto r = c.Get("/api/v1/federation/outbox?case_ref=" + case_ref, bearer("admin"));
    if (!r || r->status != 200) return json{{"error", r ? r->body : "no answer"}};
    const json all = json::parse(r->body);
    for (const json& m : all["messages"])
      if (m["id"] == id) return m;
    return json{{"error", "not in the outbox: " + r->body}};
  }

  json card(const NodeSetup& n) const { return json::parse(test::read_text(path(n.name + "-card.json"))); }

  // Verifies `receipt` offline, as a court would: NL's node key and log key
  // from NL's card and credential only.
  void verify_nl_receipt(const json& receipt) {
    json c = card(nl);
    trust::Credential cred = trust::parse_credential(c["credential"]);
    crypto::PublicKey log_key = trust::parse_key_text(cred.subject.log_key, "$");
    std::string origin = c["log_origin"];
    ledger::NoteVerifier v{origin, ledger::note_key_id(origin, log_key), log_key};
    fed::verify_receipt(receipt, cred.subject.signing_key, v, "NL", "DE");
  }

  // A request from DE to NL signed by hand: an envelope and its HTTP signature.
  struct Crafted {
    std::string body;
    httplib::Headers headers;
  };
  Crafted craft(const json& envelope, const crypto::SigningKey& http_key, const std::string& keyid) {
    Crafted c;
    c.body = canonical_json(envelope);
    std::string authority = "127.0.0.1:" + std::to_string(nl.port);
    fed::SignedHeaders h =
        fed::sign_request({"POST", authority, "/fed/v1/messages", "application/json"}, c.body, http_key, keyid,
                          SystemClock().now(), crypto::base64_encode(crypto::random_bytes(16)));
    c.headers = {
        {"Content-Digest", h.content_digest}, {"Signature-Input", h.signature_input}, {"Signature", h.signature}};
    return c;
  }
  crypto::SigningKey de_key() const { return crypto::SigningKey::load_pem(de.dir + "/node.pem"); }
  std::string de_keyid() const { return fed::request_keyid("de-node", trust::key_text(de_key().public_key())); }

  fed::Envelope case_message(const std::string& case_ref, int64_t seq) {
    fed::Envelope e;
    e.id = fed::new_message_id("msg-");
    e.from = "de-node";
    e.to = "nl-node";
    e.from_party = "de-sta";
    e.to_party = "NL-MAILCO";
    e.case_ref = case_ref;
    e.seq = seq;
    e.kind = "order.transmit";
    e.created_at = SystemClock().now();
    e.expires_at = e.created_at + 3600;
    e.body = {{"certificate", {{"seq", seq}}}};
    return e;
  }

  httplib::Result post(const Crafted& c) {
    auto h = client(nl);
    return h.Post("/fed/v1/messages", c.headers, c.body, "application/json");
  }
};

TEST_F(Federation, AHelloTravelsAndComesBackWithAReceiptVerifiableOffline) {
  nl_server = start(nl);
  de_server = start(de);
  // Each node describes itself with the card its operator handed over.
  auto c = client(nl);
  auto node = c.Get("/fed/v1/node");
  ASSERT_TRUE(node);
  EXPECT_EQ(json::parse(node->body)["credential"], card(nl)["credential"]);

  const std::string id = hello();
  json m;
  ASSERT_TRUE(eventually([&] { return (m = outbox_entry(id))["state"] == "delivered"; })) << m.dump();
  const json& receipt = m["receipt"];
  EXPECT_EQ(receipt["status"], "delivered");
  EXPECT_EQ(receipt["rem_event"], "ContentHandover");
  EXPECT_EQ(receipt["from"], "nl-node");
  ASSERT_TRUE(receipt.contains("proof")) << receipt.dump();
  EXPECT_NO_THROW(verify_nl_receipt(receipt));
  // The receipt's leaf is in NL's public log, naming States only.
  auto leaves = open_store(nl.db, StoreAccess::ReadOnly)->log_leaves(0, 100);
  size_t fed_leaves = std::count_if(leaves.begin(), leaves.end(), [](const std::string& l) {
    return l.find("\"kind\":\"fed_receipt\"") != std::string::npos && l.find("nl-node") == std::string::npos;
  });
  EXPECT_EQ(fed_leaves, 1u);
  // The log's public statistics count cases, and read past the receipt's leaf.
  auto stats = c.Get("/api/v1/log/statistics");
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->status, 200) << stats->body;
  // Altered, it no longer verifies.
  json altered = receipt;
  altered["delivered_at"] = "2020-01-01T00:00:00Z";
  EXPECT_THROW(verify_nl_receipt(altered), trust::TrustError);
}

TEST_F(Federation, APeerThatIsDownGetsItsMessageWhenItReturns) {
  de_server = start(de);
  const std::string id = hello();
  json m;
  // Tried, and kept for later, while NL does not answer.
  ASSERT_TRUE(eventually([&] { return (m = outbox_entry(id))["attempts"].get<int>() >= 1 && m["state"] == "pending"; }))
      << m.dump();
  EXPECT_NE(m["last_error"].get<std::string>().find("no answer"), std::string::npos) << m.dump();
  nl_server = start(nl);
  ASSERT_TRUE(eventually([&] { return (m = outbox_entry(id))["state"] == "delivered"; }, std::chrono::seconds(60)))
      << m.dump();
  EXPECT_NO_THROW(verify_nl_receipt(m["receipt"]));
}

// An officer transmits an EPOC on DE for a provider NL speaks for: the
// order travels in the step's own transaction, and NL's provider reads the
// addressee's view — the order's terms and certificate, not the grounds.
TEST_F(Federation, AnOrderTransmittedOnItsHomeNodeReachesTheAddresseesNode) {
  nl_server = start(nl);
  de_server = start(de);
  auto de_http = client(de);
  const std::string path = transmitted_s01();
  ASSERT_FALSE(HasFailure());
  auto nl_http = client(nl);
  json listed;
  ASSERT_TRUE(eventually([&] {
    auto got = nl_http.Get("/api/v1/federation/inbox", bearer("provider-nl"));
    if (!got || got->status != 200) return false;
    listed = json::parse(got->body)["messages"];
    return listed.size() == 1;
  })) << listed.dump();
  const json& m = listed[0];
  EXPECT_EQ(m["kind"], "order.transmit");
  EXPECT_EQ(m["from_party"], "de-sta");
  EXPECT_EQ(m["body"]["event"], "transmit");
  const json& certificate = m["body"]["certificate"];
  EXPECT_EQ(certificate["pathway"], "P_EU_EPOC") << certificate.dump();
  EXPECT_TRUE(certificate["certificate"].is_object()) << certificate.dump();
  EXPECT_TRUE(certificate["order"].is_object()) << certificate.dump();
  // The grounds, and the home case's file — its state, history, log and
  // the steps open on DE — stay home (Art 9).
  for (const char* home : {"request", "state", "history", "log_url", "allowed_events", "clocks", "id", "reviews"})
    EXPECT_FALSE(certificate.contains(home)) << home;
  // The case reference names the case without its id, which appears
  // nowhere in what crossed; DE holds NL's receipt, verifiable offline.
  const std::string case_id = path.substr(path.rfind('/') + 1);
  const std::string case_ref = m["case_ref"];
  EXPECT_EQ(m.dump().find(case_id), std::string::npos) << m.dump();
  auto out = de_http.Get("/api/v1/federation/outbox?case_ref=" + case_ref, bearer("admin"));
  ASSERT_TRUE(out);
  json sent = json::parse(out->body)["messages"];
  ASSERT_EQ(sent.size(), 1u) << sent.dump();
  ASSERT_TRUE(eventually([&] {
    auto o = de_http.Get("/api/v1/federation/outbox?case_ref=" + case_ref, bearer("admin"));
    sent = json::parse(o->body)["messages"];
    return sent[0]["state"] == "delivered";
  }));
  EXPECT_NO_THROW(verify_nl_receipt(sent[0]["receipt"]));
  // NL's other party sees nothing of it.
  auto other = nl_http.Get("/api/v1/federation/inbox", bearer("ca-nl"));
  ASSERT_TRUE(other);
  EXPECT_TRUE(json::parse(other->body)["messages"].empty());
}

// The issuing side reads on its case where it is between nodes: each
// message with the peer's receipt — its log leaf and the checkpoint that
// covers it — and never a message's body; the addressee, another State's
// officer and the enforcing side do not get it.
TEST_F(Federation, TheCaseShowsTheIssuingSideWhereItIsBetweenNodes) {
  nl_server = start(nl);
  de_server = start(de);
  auto de_http = client(de);
  const std::string path = transmitted_s01();
  ASSERT_FALSE(HasFailure());
  json fed;
  ASSERT_TRUE(eventually([&] {
    auto c = de_http.Get(path, bearer("officer-de"));
    if (!c || c->status != 200) return false;
    fed = json::parse(c->body).value("federation", json(nullptr));
    return fed.is_object() && fed["messages"].size() == 1 && fed["messages"][0]["state"] == "delivered";
  })) << fed.dump();
  const json& m = fed["messages"][0];
  EXPECT_EQ(m["kind"], "order.transmit");
  EXPECT_EQ(m["to"], "nl-node");
  EXPECT_EQ(m["to_party"], "NL-MAILCO");
  EXPECT_GE(m["attempts"].get<int>(), 1);
  EXPECT_FALSE(m["peer_suspended"].get<bool>());
  EXPECT_TRUE(parse_instant(m["queued_at"].get<std::string>()).has_value()) << m.dump();
  EXPECT_FALSE(m.contains("body"));
  EXPECT_FALSE(m.contains("envelope"));
  // The receipt as DE holds it (the admin's outbox), summarised: status,
  // REM event, time, log leaf and the size of the checkpoint proving it.
  const json held = outbox_entry(m["id"], fed["case_ref"]);
  ASSERT_TRUE(held["receipt"].is_object()) << held.dump();
  const json& proof = held["receipt"]["proof"];
  ASSERT_TRUE(proof.is_object()) << held.dump();
  const std::string note = proof["checkpoint"];
  const size_t line = note.find('\n');
  const uint64_t size = std::stoull(note.substr(line + 1, note.find('\n', line + 1) - line - 1));
  EXPECT_EQ(m["receipt"], json({{"status", "delivered"},
                                {"rem_event", "ContentHandover"},
                                {"at", held["receipt"]["delivered_at"]},
                                {"leaf_index", proof["leaf_index"]},
                                {"checkpoint_size", size}}))
      << m.dump();
  EXPECT_GT(size, proof["leaf_index"].get<uint64_t>());
  EXPECT_EQ(fed["where"], "order delivered to NL-MAILCO at nl-node");
  // The order's terms travelled in the envelope; none of them is shown here.
  const std::string shown = fed.dump();
  EXPECT_EQ(shown.find("certificate"), std::string::npos) << shown;
  EXPECT_EQ(shown.find("signed_order"), std::string::npos) << shown;
  // Oversight reads it too; the addressee, which DE's exchange also
  // serves, reads its order without it; another State's officer not the case.
  auto overseen = de_http.Get(path, bearer("overseer"));
  ASSERT_TRUE(overseen && overseen->status == 200);
  EXPECT_EQ(json::parse(overseen->body)["federation"]["case_ref"], fed["case_ref"]);
  auto addressee = de_http.Get(path, bearer("provider-nl"));
  ASSERT_TRUE(addressee);
  ASSERT_EQ(addressee->status, 200) << addressee->body;
  EXPECT_EQ(json::parse(addressee->body)["audience"], "addressee");
  EXPECT_FALSE(json::parse(addressee->body).contains("federation")) << addressee->body;
  EXPECT_EQ(addressee->body.find(fed["case_ref"].get<std::string>()), std::string::npos);
  auto other = de_http.Get(path, bearer("officer-fr"));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 404);
  EXPECT_EQ(other->body.find("federation"), std::string::npos);
}

// Rule 7: the addressee answers on its own node, and the case at home takes
// the step with every guard a local step has — or refuses it, and the
// refusal comes back signed.
TEST_F(Federation, TheAddresseesAnswerIsAStepOnTheCaseAtHome) {
  nl_server = start(nl);
  de_server = start(de);
  auto de_http = client(de);
  const std::string path = transmitted_s01();
  ASSERT_FALSE(HasFailure());
  auto nl_http = client(nl);
  json listed;
  ASSERT_TRUE(eventually([&] {
    auto got = nl_http.Get("/api/v1/federation/inbox", bearer("provider-nl"));
    if (!got || got->status != 200) return false;
    listed = json::parse(got->body)["messages"];
    return listed.size() == 1;
  })) << listed.dump();
  const std::string order = listed[0]["id"];
  auto answer = [&](const json& body, const char* who = "provider-nl") {
    return nl_http.Post("/api/v1/federation/inbox/" + order + "/answer", bearer(who), body.dump(), "application/json");
  };
  // Not an answer to an order (it answers a notification); not someone
  // else's order.
  auto bad = answer({{"event", "confirm_no_refusal"}});
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 422) << bad->body;
  auto other = nl_http.Post("/api/v1/federation/inbox/msg-0000/answer", bearer("provider-nl"),
                            json{{"event", "acknowledge"}}.dump(), "application/json");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 404) << other->body;

  auto acked = answer({{"event", "acknowledge"}});
  ASSERT_TRUE(acked);
  ASSERT_EQ(acked->status, 202) << acked->body;
  EXPECT_EQ(json::parse(acked->body)["kind"], "ack");
  std::string state;
  ASSERT_TRUE(eventually([&] {
    auto c = de_http.Get(path, bearer("officer-de"));
    state = c && c->status == 200 ? json::parse(c->body)["state"].get<std::string>() : "";
    return state == "acknowledged";
  })) << state;
  // The step on DE is the provider's, from its node.
  auto home = de_http.Get(path, bearer("officer-de"));
  const json history = json::parse(home->body)["history"];
  EXPECT_EQ(history.back()["event"], "acknowledge") << history.dump();
  EXPECT_EQ(history.back()["by"], "provider") << history.dump();

  // Acknowledging twice is not a step the case has: refused at home, with
  // the guard's reason, in a signed receipt NL's provider reads.
  auto again = answer({{"event", "acknowledge"}});
  ASSERT_TRUE(again);
  ASSERT_EQ(again->status, 202) << again->body;
  const std::string again_id = json::parse(again->body)["message"];
  json answers;
  ASSERT_TRUE(eventually([&] {
    auto got = nl_http.Get("/api/v1/federation/inbox", bearer("provider-nl"));
    answers = json::parse(got->body)["messages"][0]["answers"];
    return answers.size() == 2 && answers[0]["state"] != "pending" && answers[1]["state"] != "pending" &&
           answers[0]["state"] != "sending" && answers[1]["state"] != "sending";
  })) << answers.dump();
  for (const json& a : answers) {
    if (a["id"] == again_id) {
      EXPECT_EQ(a["state"], "refused") << a.dump();
      EXPECT_EQ(a["receipt"]["reason"], "transition_refused") << a.dump();
    } else {
      EXPECT_EQ(a["state"], "delivered") << a.dump();
    }
  }
  home = de_http.Get(path, bearer("officer-de"));
  EXPECT_EQ(json::parse(home->body)["history"].size(), history.size()) << "a refused act leaves the case as it was";
}

// Art 8: in a notified case the enforcing State's node gets the notified
// copy at the same time as the addressee's node gets the order; its
// enforcing authority's answer is its step on the case at home.
TEST_F(Federation, ANotifiedCaseNotifiesTheEnforcingStateAndTakesItsAnswer) {
  {
    auto store = open_store(nl.db);
    store->put_user({"enforcing-nl", "nl-ca", "enforcing-nl", PartyRole::EnforcingAuthority},
                    test::seed_audit("create_user", "u"));
    store->put_token("t-enforcing-nl", "enforcing-nl", sha256_hex(std::string("tok-enforcing-nl")), 0,
                     test::seed_audit("issue_token", "t"));
  }
  nl_server = start(nl);
  de_server = start(de);
  // Content data of a person living in NL: NL is notified (Art 8(1), (2)).
  json request = json::parse(test::read_text(test::source_dir() + "/examples/s01-eu-subscriber-prosecutor.json"));
  request["data_categories"] = {"CONTENT"};
  request["data_items"] = {"messages"};
  request["subject"]["residence_state"] = "NL";
  request["subject"]["current_location_state"] = "NL";
  request["subject"]["nationality"] = {"NL"};
  request["validating_authority"] = {{"id", "DE-INVESTIGATING_JUDGE"},
                                     {"name", "Amtsgericht Tiergarten"},
                                     {"state", "DE"},
                                     {"type", "INVESTIGATING_JUDGE"},
                                     {"contact", "x@de.example"},
                                     {"validated_at", "2026-09-16T10:00:00+02:00"}};
  auto de_http = client(de);
  auto created = de_http.Post("/api/v1/cases", bearer("officer-de"),
                              json{{"request", request}, {"pathway", "P_EU_EPOC"}}.dump(), "application/json");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  const std::string path = "/api/v1/cases/" + json::parse(created->body)["id"].get<std::string>();
  for (auto [e, who] : {std::pair{"submit", "officer-de"}, std::pair{"request_validation", "officer-de"},
                        std::pair{"validate", "validator-de"}, std::pair{"transmit", "officer-de"}}) {
    auto r = de_http.Post(path + "/events", bearer(who), json{{"event", e}}.dump(), "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << e << " " << r->body;
  }
  auto nl_http = client(nl);
  json notified;
  ASSERT_TRUE(eventually([&] {
    auto got = nl_http.Get("/api/v1/federation/inbox", bearer("enforcing-nl"));
    if (!got || got->status != 200) return false;
    notified = json::parse(got->body)["messages"];
    return notified.size() == 1;
  })) << notified.dump();
  const json m = notified[0];
  EXPECT_EQ(m["kind"], "notification.send");
  EXPECT_EQ(m["seq"], 1);  // queued before the order, in the same stream
  // The notified copy carries the request, so the enforcing authority can
  // assess the grounds for refusal (Art 12); the home case's file stays home.
  const json& copy = m["body"]["notified_copy"];
  EXPECT_TRUE(copy["request"].is_object()) << copy.dump();
  for (const char* home : {"history", "log_url", "allowed_events", "state", "id", "reviews"})
    EXPECT_FALSE(copy.contains(home)) << home;
  EXPECT_EQ(m.dump().find(path.substr(path.rfind('/') + 1)), std::string::npos) << "the case id crossed";
  // The provider's order went too.
  ASSERT_TRUE(eventually([&] {
    auto got = nl_http.Get("/api/v1/federation/inbox", bearer("provider-nl"));
    return got && got->status == 200 && json::parse(got->body)["messages"].size() == 1;
  }));
  // At home, the case says where it is: both messages delivered, the
  // notification first (its validator, on the issuing side, reads it too).
  std::string where;
  ASSERT_TRUE(eventually([&] {
    auto c = de_http.Get(path, bearer("validator-de"));
    where = c && c->status == 200 ? json::parse(c->body).value("federation", json::object()).value("where", "") : "";
    return where == "notification delivered to nl-ca at nl-node; order delivered to NL-MAILCO at nl-node";
  })) << where;

  // Neither the provider nor NL's central authority answers the
  // notification; a step that does not answer it is refused.
  const std::string id = m["id"];
  auto post_answer = [&](const char* who, const char* event) {
    return nl_http.Post("/api/v1/federation/inbox/" + id + "/answer", bearer(who), json{{"event", event}}.dump(),
                        "application/json");
  };
  auto as_provider = post_answer("provider-nl", "confirm_no_refusal");
  ASSERT_TRUE(as_provider);
  EXPECT_EQ(as_provider->status, 404) << as_provider->body;
  auto wrong = post_answer("enforcing-nl", "acknowledge");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 422) << wrong->body;
  auto confirmed = post_answer("enforcing-nl", "confirm_no_refusal");
  ASSERT_TRUE(confirmed);
  ASSERT_EQ(confirmed->status, 202) << confirmed->body;
  json history;
  ASSERT_TRUE(eventually([&] {
    auto c = de_http.Get(path, bearer("officer-de"));
    if (!c || c->status != 200) return false;
    history = json::parse(c->body)["history"];
    return history.back()["event"] == "confirm_no_refusal";
  })) << history.dump();
  EXPECT_EQ(history.back()["by"], "enforcing_authority");
  json answers;
  ASSERT_TRUE(eventually([&] {
    auto got = nl_http.Get("/api/v1/federation/inbox", bearer("enforcing-nl"));
    answers = json::parse(got->body)["messages"][0]["answers"];
    return answers.size() == 1 && answers[0]["state"] == "delivered";
  })) << answers.dump();
  // NL's node answering as the enforcing authority for the provider's
  // party, which the notification was not sent to: refused at home.
  {
    fed::Envelope forged;
    forged.id = fed::new_message_id("msg-");
    forged.from = "nl-node";
    forged.to = "de-node";
    forged.from_party = "NL-MAILCO";
    forged.to_party = "de-sta";
    forged.case_ref = m["case_ref"];
    forged.seq = 2;  // after the enforcing authority's own answer
    forged.kind = "notification.answer";
    forged.actor_role = "enforcing_authority";
    forged.created_at = SystemClock().now();
    forged.expires_at = forged.created_at + 3600;
    forged.body = {{"event", "refuse"}, {"reason", "forged"}, {"ground", "immunity_privilege"}};
    auto nl_key = crypto::SigningKey::load_pem(nl.dir + "/node.pem");
    const std::string body = canonical_json(fed::sign_envelope(forged, nl_key));
    fed::SignedHeaders h =
        fed::sign_request({"POST", "127.0.0.1:" + std::to_string(de.port), "/fed/v1/messages", "application/json"},
                          body, nl_key, fed::request_keyid("nl-node", trust::key_text(nl_key.public_key())),
                          SystemClock().now(), crypto::base64_encode(crypto::random_bytes(16)));
    auto r = de_http.Post(
        "/fed/v1/messages",
        {{"Content-Digest", h.content_digest}, {"Signature-Input", h.signature_input}, {"Signature", h.signature}},
        body, "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 422) << r->body;
    EXPECT_EQ(json::parse(r->body)["reason"], "not_authorised") << r->body;
  }
}

// Art 10: the addressee's days run from its receipt of the order. With NL
// down when DE transmits, the order arrives later, and DE's clocks start
// when NL's signed receipt says it delivered the order — not at the step.
TEST_F(Federation, ClocksRunFromTheReceiptNotFromSending) {
  de_server = start(de);
  auto de_http = client(de);
  const std::string path = transmitted_s01();
  ASSERT_FALSE(HasFailure());
  auto view = [&] { return json::parse(de_http.Get(path, bearer("officer-de"))->body); };
  const json sent = view();
  const std::string transmitted_at = sent["history"].back()["at"];
  // DE tried and NL did not answer; then NL starts.
  std::optional<OutboxMessage> order;
  // The case's name between nodes, as DE's node key derives it.
  const std::string case_id = path.substr(path.rfind('/') + 1);
  crypto::Signature sig = de_key().sign("comity case_ref v1\n" + case_id);
  const std::string case_ref =
      "fc-" + sha256_hex(std::string_view(reinterpret_cast<const char*>(sig.data()), sig.size())).substr(0, 32);
  ASSERT_TRUE(eventually([&] {
    auto store = open_store(de.db, StoreAccess::ReadOnly);
    for (const OutboxMessage& m : store->fed().outbox_for_case(case_ref))
      if (m.kind == "order.transmit") order = m;
    return order && order->attempts >= 1 && order->state == OutboxState::Pending;
  }));
  nl_server = start(nl);
  ASSERT_TRUE(eventually([&] {
    auto store = open_store(de.db, StoreAccess::ReadOnly);
    order = store->fed().outbox_message(order->id);
    return order->state == OutboxState::Delivered;
  }));
  const std::string delivered_at = json::parse(order->receipt)["delivered_at"];
  ASSERT_GT(*parse_instant(delivered_at), *parse_instant(transmitted_at));
  const json now = view();
  int moved = 0;
  for (const json& k : now["clocks"]) {
    if (k["deadline"] == "EU.DL.3" || k["deadline"] == "EU.DL.8") {
      EXPECT_EQ(k["started"], delivered_at) << k.dump();
      ++moved;
    }
  }
  EXPECT_EQ(moved, 2) << now["clocks"].dump();
}

// The states of DE's messages outside cases, by id.
std::map<std::string, std::string> states_of(const std::string& db) {
  std::map<std::string, std::string> out;
  for (const OutboxMessage& m : open_store(db, StoreAccess::ReadOnly)->fed().outbox_for_case(""))
    out[m.id] = std::string(outbox_state_name(m.state));
  return out;
}

size_t count_state(const std::map<std::string, std::string>& states, const std::string& state) {
  return static_cast<size_t>(
      std::count_if(states.begin(), states.end(), [&](const auto& kv) { return kv.second == state; }));
}

// Killed without warning while messages are in flight, either side: on
// restart every message is delivered, each exactly once, each with a
// receipt that verifies.
TEST_F(Federation, NoMessageIsLostOrAppliedTwiceWhenEitherNodeIsKilled) {
  nl_server = start(nl);
  de_server = start(de);
  constexpr size_t kMessages = 30;
  std::vector<std::string> ids;
  for (size_t i = 0; i < kMessages; ++i) ids.push_back(hello());
  // The sender dies mid-way.
  ASSERT_TRUE(eventually([&] { return count_state(states_of(de.db), "delivered") >= 3; }));
  de_server->kill_hard();
  size_t before = count_state(states_of(de.db), "delivered");
  de_server = start(de);
  // Then the receiver.
  // (On PostgreSQL a message the killed process had leased waits for its lease, 10 s.)
  ASSERT_TRUE(
      eventually([&] { return count_state(states_of(de.db), "delivered") >= before + 3; }, std::chrono::seconds(40)));
  nl_server->kill_hard();
  nl_server = start(nl);
  ASSERT_TRUE(
      eventually([&] { return count_state(states_of(de.db), "delivered") == kMessages; }, std::chrono::seconds(60)))
      << json(states_of(de.db)).dump();
  auto nl_store = open_store(nl.db, StoreAccess::ReadOnly);
  for (const std::string& id : ids) {
    std::optional<InboxMessage> got = nl_store->fed().inbox_message(id);
    ASSERT_TRUE(got) << id;
    EXPECT_EQ(got->state, InboxState::Applied);
    json m = outbox_entry(id);
    EXPECT_EQ(m["receipt"]["message"], id);
    EXPECT_EQ(json::parse(got->receipt)["id"], m["receipt"]["id"]);  // the receipt NL stored is the one DE holds
  }
  // One receipt leaf per message in NL's log, however often a message came.
  auto leaves = nl_store->log_leaves(0, 1000);
  EXPECT_EQ(std::count_if(leaves.begin(), leaves.end(),
                          [](const std::string& l) { return l.find("\"fed_receipt\"") != std::string::npos; }),
            static_cast<std::ptrdiff_t>(kMessages));
}

TEST_F(Federation, ForgedReplayedAndConflictingRequestsAreRefused) {
  nl_server = start(nl);
  const std::string ref = fed::new_message_id("fc-");
  json env = fed::sign_envelope(case_message(ref, 1), de_key());

  // A key no anchor certified, under DE's node id: 401, no receipt.
  crypto::SigningKey rogue = crypto::SigningKey::generate();
  auto r = post(craft(env, rogue, fed::request_keyid("de-node", trust::key_text(rogue.public_key()))));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401) << r->body;
  // A node that is not a peer: 403 unknown_peer.
  r = post(craft(env, rogue, fed::request_keyid("fr-node", trust::key_text(rogue.public_key()))));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403) << r->body;
  EXPECT_NE(r->body.find("unknown_peer"), std::string::npos);

  // Signed right: delivered.
  Crafted good = craft(env, de_key(), de_keyid());
  r = post(good);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  json first = json::parse(r->body);
  EXPECT_EQ(first["status"], "delivered");
  // The same request again (same nonce): refused at the HTTP layer.
  r = post(good);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401) << r->body;
  EXPECT_NE(r->body.find("signature_replayed"), std::string::npos) << r->body;
  // The same envelope signed again, as a retry is: the same receipt.
  r = post(craft(env, de_key(), de_keyid()));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  json again = json::parse(r->body);
  again.erase("proof");
  first.erase("proof");
  EXPECT_EQ(again, first);
  // The same id with other content: refused, signed, as a conflict.
  fed::Envelope changed = fed::parse_envelope(env);
  changed.body = {{"certificate", {{"seq", 99}}}};
  r = post(craft(fed::sign_envelope(changed, de_key()), de_key(), de_keyid()));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422) << r->body;
  json refused = json::parse(r->body);
  EXPECT_EQ(refused["reason"], "conflict");
  EXPECT_EQ(refused["rem_reason"], "DuplicateMsgID");
  // An envelope signed by another key than the sending node's: no receipt.
  r = post(craft(fed::sign_envelope(case_message(ref, 2), rogue), de_key(), de_keyid()));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422) << r->body;
  EXPECT_EQ(r->body.find("comity.fed.receipt/v1"), std::string::npos) << r->body;
  // For a party NL does not host: a signed refusal.
  fed::Envelope stray = case_message(ref, 2);
  stray.to_party = "NL-ELSEWHERE";
  r = post(craft(fed::sign_envelope(stray, de_key()), de_key(), de_keyid()));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422) << r->body;
  EXPECT_EQ(json::parse(r->body)["reason"], "unknown_party");
}

TEST_F(Federation, ACaseMessagesAreDeliveredInOrderWhateverOrderTheyArriveIn) {
  nl_server = start(nl);
  de_server = start(de);
  const std::string ref = fed::new_message_id("fc-");
  json second = fed::sign_envelope(case_message(ref, 2), de_key());
  json first = fed::sign_envelope(case_message(ref, 1), de_key());
  // DE's outbox holds both, as if it had sent them (not due again for a
  // day, so its own sender stays out of the way): the deferred receipt must
  // settle the very message DE sent.
  {
    auto store = open_store(de.db, StoreAccess::ReadWrite);
    for (const json* doc : {&first, &second}) {
      fed::Envelope e = fed::parse_envelope(*doc);
      OutboxMessage m;
      m.id = e.id;
      m.peer = e.to;
      m.case_ref = e.case_ref;
      m.seq = e.seq;
      m.kind = e.kind;
      m.envelope = canonical_json(*doc);
      m.created_at = e.created_at;
      m.expires_at = e.expires_at;
      m.next_attempt_at = e.created_at + 86400;
      store->fed().add_outbox(
          m, AuditEntry{0, e.created_at, "test", "queue_message", "messages/" + e.id, sha256_hex(m.envelope)});
    }
  }
  auto r = post(craft(second, de_key(), de_keyid()));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["status"], "accepted");  // held for seq 1
  r = post(craft(first, de_key(), de_keyid()));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["status"], "delivered");
  // The held one is delivered now, and its delivered receipt goes back to DE
  // as a message of its own, with its own receipt.
  auto inbox = [&] {
    auto store = open_store(nl.db, StoreAccess::ReadOnly);
    return store->fed().inbox_message(fed::parse_envelope(second).id);
  };
  ASSERT_TRUE(inbox());
  EXPECT_EQ(inbox()->state, InboxState::Applied);
  EXPECT_EQ(json::parse(inbox()->receipt)["status"], "delivered");
  ASSERT_TRUE(eventually([&] {
    auto store = open_store(nl.db, StoreAccess::ReadOnly);
    auto out = store->fed().outbox_for_case(ref);
    return out.size() == 1 && out[0].kind == "receipt" && out[0].state == OutboxState::Delivered;
  }));
  // DE's row for the held message is settled by it: delivered, with NL's
  // receipt, which verifies offline.
  std::optional<OutboxMessage> settled =
      open_store(de.db, StoreAccess::ReadOnly)->fed().outbox_message(fed::parse_envelope(second).id);
  ASSERT_TRUE(settled);
  EXPECT_EQ(settled->state, OutboxState::Delivered);
  json settled_receipt = json::parse(settled->receipt);
  EXPECT_EQ(settled_receipt["status"], "delivered");
  EXPECT_EQ(settled_receipt["message"], fed::parse_envelope(second).id);
  // NL's provider reads both, in its inbox, with their receipts; NL's
  // central authority, another party of the same node, sees neither.
  auto nl_http = client(nl);
  auto got = nl_http.Get("/api/v1/federation/inbox", bearer("provider-nl"));
  ASSERT_TRUE(got);
  ASSERT_EQ(got->status, 200) << got->body;
  json listed = json::parse(got->body)["messages"];
  ASSERT_EQ(listed.size(), 2u) << listed.dump();
  EXPECT_EQ(listed[0]["body"]["certificate"]["seq"].get<int>() + listed[1]["body"]["certificate"]["seq"].get<int>(), 3);
  EXPECT_EQ(listed[0]["from_party"], "de-sta");
  EXPECT_EQ(listed[0]["receipt"]["status"], "delivered");
  got = nl_http.Get("/api/v1/federation/inbox", bearer("ca-nl"));
  ASSERT_TRUE(got);
  EXPECT_TRUE(json::parse(got->body)["messages"].empty()) << got->body;
  // A reused seq under a new id is a conflict.
  r = post(craft(fed::sign_envelope(case_message(ref, 1), de_key()), de_key(), de_keyid()));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422) << r->body;
  EXPECT_EQ(json::parse(r->body)["reason"], "conflict");
}

TEST_F(Federation, APeerRemovedFromTheListIsRefused) {
  nl_server = start(nl);
  cli_ok({"peer", "remove", "de-node", "--keys", nl.dir, "--db", nl.db});
  CliResult listed = run_cli({"peer", "list", "--db", nl.db});
  ASSERT_EQ(listed.exit, 0) << listed.out;
  EXPECT_EQ(json::parse(listed.out)["version"], 2);
  EXPECT_TRUE(json::parse(listed.out)["peers"].empty());
  auto r = post(craft(fed::sign_envelope(case_message(fed::new_message_id("fc-"), 1), de_key()), de_key(), de_keyid()));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403) << r->body;
  // Earlier versions stay, append-only, for receipts issued under them.
  CliResult v1 = run_cli({"peer", "list", "--db", nl.db, "--version", "1"});
  ASSERT_EQ(v1.exit, 0) << v1.out;
  EXPECT_EQ(json::parse(v1.out)["peers"][0]["id"], "de-node");
}

TEST_F(Federation, APeerListThatWidensWhatTheAnchorGrantedIsNotStored) {
  CliResult r = run_cli(
      {"peer", "add", "--keys", de.dir, "--card", path("nl-card.json"), "--db", de.db, "--speaks-for", "NL-POLICE"});
  EXPECT_NE(r.exit, 0);
  EXPECT_NE(r.out.find("NL-POLICE"), std::string::npos) << r.out;
  // A node whose credential comes from an anchor DE never imported.
  cli_ok({"keys", "gen", "--out", path("rogue-anchor")});
  cli_ok({"node", "init", "--keys", path("rogue-node"), "--id", "nl-node", "--state", "NL", "--endpoint",
          "http://127.0.0.1:1"});
  cli_ok({"node", "certify", "--anchor", path("rogue-anchor"), "--node", path("rogue-node") + "/node.json", "--host",
          "NL-MAILCO:provider", "--out", path("rogue-node") + "/credential.json"});
  CliResult rogue = run_cli({"node", "card", "--keys", path("rogue-node")});
  ASSERT_EQ(rogue.exit, 0) << rogue.out;
  std::ofstream(path("rogue-card.json")) << rogue.out;
  r = run_cli({"peer", "add", "--keys", de.dir, "--card", path("rogue-card.json"), "--db", de.db});
  EXPECT_NE(r.exit, 0) << r.out;
  EXPECT_NE(r.out.find("unknown_signer"), std::string::npos) << r.out;
  CliResult listed = run_cli({"peer", "list", "--db", de.db});
  EXPECT_EQ(json::parse(listed.out)["version"], 1);
}

}  // namespace
}  // namespace comity::server_test
