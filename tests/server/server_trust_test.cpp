// Signed orders, evidence in transit and its retention, browser sessions.
#include "server/harness.hpp"

namespace comity {
namespace {

using namespace server_test;

// --- Signed orders (docs/trust.md) -----------------------------------------
// A server run as shipped (signed orders only) and a trust world: Germany's
// anchor certifies the Berlin prosecutor's office and a court, each of which
// certifies one of its people; France's anchor a Paris office and officer.
struct SignedOrders : ::testing::Test {
  test::TempDir dir;
  std::string db = test_store(dir);
  std::unique_ptr<Server> server = [this] {
    seed(db);
    return std::make_unique<Server>(db, std::vector<std::string>{}, Orders::SignedOnly);
  }();
  httplib::Client http = server->client();
  const Instant now = SystemClock().now();
  crypto::SigningKey de_anchor = crypto::SigningKey::generate(), fr_anchor = crypto::SigningKey::generate();
  crypto::SigningKey sta = crypto::SigningKey::generate(), court = crypto::SigningKey::generate(),
                     parquet = crypto::SigningKey::generate();
  crypto::SigningKey officer = crypto::SigningKey::generate(), judge = crypto::SigningKey::generate(),
                     fr_officer = crypto::SigningKey::generate(), lapsed = crypto::SigningKey::generate();
  json bundle;

  static std::string recipient() { return crypto::age_recipient(crypto::AgeIdentity::generate().public_key()); }
  static trust::Subject party(const char* id, const char* state, const char* kind, const crypto::SigningKey& k) {
    return {id, state, kind, "", "", id, trust::key_text(k.public_key()), recipient()};
  }
  static trust::Subject person(const char* user, const char* party_id, const char* state, const char* kind,
                               const char* role, const crypto::SigningKey& k) {
    return {party_id, state, kind, user, role, user, trust::key_text(k.public_key()), recipient()};
  }

  SignedOrders() {
    const Instant day = 86400, start = now - day;
    auto anchor = [&](const char* state, const crypto::SigningKey& k) {
      return trust::make_anchor({state,
                                 std::string(state) + "-central",
                                 "central authority",
                                 "",
                                 recipient(),
                                 start,
                                 start + 1000 * day,
                                 "",
                                 {}},
                                k);
    };
    bundle = {{"type", "comity.trust-bundle/v1"},
              {"anchors", {anchor("DE", de_anchor), anchor("FR", fr_anchor)}},
              {"credentials",
               {trust::issue_credential("c-sta", party("DE-STA-BERLIN", "DE", "issuing_authority", sta), de_anchor,
                                        start, start + 365 * day),
                trust::issue_credential("c-court", party("DE-AG-BERLIN", "DE", "validating_authority", court),
                                        de_anchor, start, start + 365 * day),
                trust::issue_credential("c-parquet", party("FR-PUBLIC_PROSECUTOR", "FR", "issuing_authority", parquet),
                                        fr_anchor, start, start + 365 * day),
                trust::issue_credential(
                    "c-officer", person("officer-de", "DE-STA-BERLIN", "DE", "issuing_authority", "officer", officer),
                    sta, start, start + 90 * day),
                trust::issue_credential(
                    "c-judge", person("validator-de", "DE-AG-BERLIN", "DE", "validating_authority", "validator", judge),
                    court, start, start + 90 * day),
                trust::issue_credential(
                    "c-fr-officer",
                    person("officer-fr", "FR-PUBLIC_PROSECUTOR", "FR", "issuing_authority", "officer", fr_officer),
                    parquet, start, start + 90 * day),
                // A credential that ran out yesterday.
                trust::issue_credential(
                    "c-lapsed", person("officer-old", "DE-STA-BERLIN", "DE", "issuing_authority", "officer", lapsed),
                    sta, start - 30 * day, start)}}};
  }

  httplib::Result post(const std::string& path, const json& body, const std::string& user,
                       const std::string& idempotency_key = "") {
    httplib::Headers h = bearer(user);
    if (!idempotency_key.empty()) h.emplace("Idempotency-Key", idempotency_key);
    return http.Post(path, h, body.dump(), "application/json");
  }
  void import_trust() {
    auto r = post("/api/v1/trust", bundle, "admin");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 201) << r->body;
  }
  static json s01() {
    return json::parse(test::read_text(test::source_dir() + "/examples/s01-eu-subscriber-prosecutor.json"));
  }
  json order(const json& request, const std::string& id) {
    std::string nonce = crypto::base64_encode(crypto::random_bytes(18));
    return trust::make_order(request, id, nonce, now - 60, now + 7 * 86400);
  }
  httplib::Result open(const json& signed_order, const std::string& user = "officer-de", const std::string& key = "") {
    return post("/api/v1/cases", {{"signed_order", signed_order}, {"pathway", "P_EU_EPOC"}}, user, key);
  }
  // The refusal's reason and the path of its first error.
  static std::pair<std::string, std::string> refusal(const httplib::Result& r, int status) {
    json p = problem_of(r, status);
    return {p.value("reason", ""), p["errors"].empty() ? "" : p["errors"][0]["path"].get<std::string>()};
  }
};

TEST_F(SignedOrders, VerifiedBeforeACaseOpensAndShownWithTheirChain) {
  // Plain requests are refused, emergencies included (no exception).
  json emergency = json::parse(test::read_text(test::source_dir() + "/examples/s07-eu-emergency-kidnapping.json"));
  auto plain = post("/api/v1/cases", {{"request", emergency}, {"pathway", "P_EU_EPOC"}}, "officer-be");
  EXPECT_EQ(problem_of(plain, 422)["errors"][0]["path"], "$.signed_order");
  // Before the bundle is imported nobody's key is known.
  json signed_order = trust::sign_order(order(s01(), "ord-1"), "officer", officer);
  EXPECT_EQ(refusal(open(signed_order), 422),
            std::make_pair(std::string("unknown_signer"), std::string("$.signed_order.signatures[0].signer")));
  import_trust();
  auto created = open(signed_order);
  ASSERT_EQ(created->status, 201) << created->body;
  json c = json::parse(created->body);
  ASSERT_TRUE(c["signed_order"].is_object());
  const json& chain = c["signed_order"]["signatures"][0]["chain"];
  ASSERT_EQ(chain.size(), 3u);
  EXPECT_EQ(chain[0]["user"], "officer-de");
  EXPECT_EQ(chain[1]["party"], "DE-STA-BERLIN");
  EXPECT_EQ(chain[2]["level"], "anchor");
  EXPECT_EQ(chain[2]["state"], "DE");
  // The request stored is the one signed; the requesting side gets the
  // signed order itself, to countersign exactly these bytes.
  EXPECT_EQ(c["request"], s01());
  EXPECT_EQ(c["signed_order"]["order"], signed_order["order"]);

  // The addressee sees the verified chain with the order, once transmitted.
  std::string path = "/api/v1/cases/" + c["id"].get<std::string>();
  for (const char* e : {"submit", "mark_ready", "transmit"})
    ASSERT_EQ(post(path + "/events", {{"event", e}}, "officer-de")->status, 200) << e;
  auto seen = http.Get(path, bearer("provider-nl"));
  ASSERT_EQ(seen->status, 200);
  json view = json::parse(seen->body);
  EXPECT_EQ(view["view"], "order");
  EXPECT_EQ(view["signed_order"]["signatures"][0]["chain"][2]["state"], "DE");
  EXPECT_FALSE(view.contains("request"));
  EXPECT_FALSE(view["signed_order"].contains("order"));  // the order's reasons are not the addressee's

  // The same order again, under another Idempotency-Key: a replay.
  EXPECT_EQ(refusal(open(signed_order, "officer-de", "again"), 409),
            std::make_pair(std::string("replayed"), std::string("$.signed_order.order.id")));
  // A new id with the old nonce is a replay too.
  json renamed = signed_order;
  renamed["order"]["id"] = "ord-1b";
  renamed["signatures"] = json::array();
  EXPECT_EQ(refusal(open(trust::sign_order(renamed, "officer", officer)), 409).first, "replayed");
  // The export is what was imported, for offline verification.
  EXPECT_EQ(json::parse(http.Get("/api/v1/trust")->body)["credentials"].size(), bundle["credentials"].size());
}

// Finding 10: a revocation list whose sequence equals the one in force was
// taken (201) and changed nothing, so the revoked key still opened cases. A
// stale list is refused and names the sequence in force.
TEST_F(SignedOrders, AStaleRevocationListIsRefusedNamingTheSequenceInForce) {
  import_trust();
  auto list = [&](int64_t seq, bool revoke_officer) {
    std::vector<trust::Revocation> entries;
    if (revoke_officer) entries.push_back({trust::key_text(officer.public_key()), "compromised", now - 60});
    return json{{"type", "comity.trust-bundle/v1"},
                {"revocations", {trust::sign_revocations(sta, seq, now - 60, entries)}}};
  };
  ASSERT_EQ(post("/api/v1/trust", list(1, false), "admin")->status, 201);
  // The same sequence, now revoking the officer: refused, not silently ignored.
  json stale = problem_of(post("/api/v1/trust", list(1, true), "admin"), 409);
  EXPECT_EQ(stale["reason"], "stale");
  EXPECT_NE(stale["detail"].get<std::string>().find("sequence 1"), std::string::npos) << stale.dump();
  ASSERT_EQ(post("/api/v1/trust", list(1, false), "admin")->status, 201);  // the list in force, again: no change
  ASSERT_EQ(open(trust::sign_order(order(s01(), "ord-before"), "officer", officer))->status, 201);
  // A newer list takes effect: the revoked key opens nothing.
  ASSERT_EQ(post("/api/v1/trust", list(2, true), "admin")->status, 201);
  EXPECT_EQ(refusal(open(trust::sign_order(order(s01(), "ord-after"), "officer", officer)), 422).first, "revoked");
}

TEST_F(SignedOrders, EveryRefusalNamesItsReason) {
  import_trust();
  // Tampered after signing.
  json tampered = trust::sign_order(order(s01(), "ord-t"), "officer", officer);
  tampered["order"]["request"]["data_categories"] = {"CONTENT"};
  EXPECT_EQ(refusal(open(tampered), 422),
            std::make_pair(std::string("bad_signature"), std::string("$.signed_order.signatures[0].signature")));
  // Forged: another key's signature under the officer's name.
  json forged = trust::sign_order(order(s01(), "ord-f"), "officer", crypto::SigningKey::generate());
  forged["signatures"][0]["signer"] = trust::key_text(officer.public_key());
  EXPECT_EQ(refusal(open(forged), 422).first, "bad_signature");
  // Wrong chain: a French officer signs the Berlin office's order.
  EXPECT_EQ(refusal(open(trust::sign_order(order(s01(), "ord-w"), "officer", fr_officer)), 422),
            std::make_pair(std::string("wrong_chain"), std::string("$.signed_order.signatures[0].signer")));
  // Expired credential.
  EXPECT_EQ(refusal(open(trust::sign_order(order(s01(), "ord-e"), "officer", lapsed)), 422).first, "expired");
  // Expired order.
  json old =
      trust::make_order(s01(), "ord-o", crypto::base64_encode(crypto::random_bytes(18)), now - 9 * 86400, now - 86400);
  EXPECT_EQ(refusal(open(trust::sign_order(old, "officer", officer)), 422),
            std::make_pair(std::string("expired"), std::string("$.signed_order.order.expires_at")));
  // Revoked key: the office revokes its officer's key (compromised).
  json list = trust::sign_revocations(sta, 1, now, {{trust::key_text(officer.public_key()), "compromised", now - 1}});
  ASSERT_EQ(post("/api/v1/trust", {{"type", "comity.trust-bundle/v1"}, {"revocations", {list}}}, "admin")->status, 201);
  EXPECT_EQ(refusal(open(trust::sign_order(order(s01(), "ord-r"), "officer", officer)), 422).first, "revoked");
  // A malformed envelope names the member.
  json bad = trust::sign_order(order(s01(), "ord-m"), "officer", lapsed);
  bad["order"]["nonce"] = "c2hvcnQ=";
  EXPECT_EQ(refusal(open(bad), 422),
            std::make_pair(std::string("malformed"), std::string("$.signed_order.order.nonce")));
  // A second anchor for Germany without the first one's signature is refused, and so is an import by a non-admin.
  json rogue = {{"type", "comity.trust-bundle/v1"},
                {"anchors",
                 {trust::make_anchor({"DE", "de-rogue", "rogue", "", recipient(), now - 10, now + 86400, "", {}},
                                     crypto::SigningKey::generate())}}};
  EXPECT_EQ(refusal(post("/api/v1/trust", rogue, "admin"), 422).first, "anchor_conflict");
  problem_of(post("/api/v1/trust", bundle, "officer-de"), 403);
  // Nothing refused opened a case.
  auto list_cases = http.Get("/api/v1/cases", bearer("officer-de"));
  EXPECT_EQ(json::parse(list_cases->body)["items"].size(), 0u);
}

TEST_F(SignedOrders, TheValidatorSignsWithTheValidationStep) {
  import_trust();
  json request = s01();
  request["validating_authority"] = {{"id", "DE-AG-BERLIN"},
                                     {"name", "Amtsgericht Berlin"},
                                     {"state", "DE"},
                                     {"type", "JUDGE"},
                                     {"contact", "ag@berlin.example"}};
  json signed_order = trust::sign_order(order(request, "ord-v"), "officer", officer);
  auto created = open(signed_order);
  ASSERT_EQ(created->status, 201) << created->body;
  json c = json::parse(created->body);
  EXPECT_TRUE(c["signed_order"]["awaiting_validator"].get<bool>());
  std::string path = "/api/v1/cases/" + c["id"].get<std::string>();
  ASSERT_EQ(post(path + "/events", {{"event", "submit"}}, "officer-de")->status, 200);
  // Not ready on the officer's word alone: the workflow's guard refuses it (a named validator is never skipped).
  EXPECT_EQ(refusal(post(path + "/events", {{"event", "mark_ready"}}, "officer-de"), 409),
            std::make_pair(std::string("not validator_named"), std::string("")));
  ASSERT_EQ(post(path + "/events", {{"event", "request_validation"}}, "officer-de")->status, 200);
  // Validation without the signature, or with a signature by someone else, is refused.
  EXPECT_EQ(refusal(post(path + "/events", {{"event", "validate"}}, "validator-de"), 422),
            std::make_pair(std::string("missing_signature"), std::string("$.signature")));
  json by_officer = trust::sign_order(signed_order, "validator", officer)["signatures"][1];
  EXPECT_EQ(refusal(post(path + "/events", {{"event", "validate"}, {"signature", by_officer}}, "validator-de"), 422),
            std::make_pair(std::string("wrong_chain"), std::string("$.signature.signer")));
  json forged = trust::sign_order(signed_order, "validator", crypto::SigningKey::generate())["signatures"][1];
  forged["signer"] = trust::key_text(judge.public_key());
  EXPECT_EQ(refusal(post(path + "/events", {{"event", "validate"}, {"signature", forged}}, "validator-de"), 422),
            std::make_pair(std::string("bad_signature"), std::string("$.signature.signature")));
  // The judge's signature: validated, both chains shown.
  json sig = trust::sign_order(signed_order, "validator", judge)["signatures"][1];
  auto validated = post(path + "/events", {{"event", "validate"}, {"signature", sig}}, "validator-de");
  ASSERT_EQ(validated->status, 200) << validated->body;
  json v = json::parse(validated->body);
  EXPECT_EQ(v["state"], "ready");
  EXPECT_FALSE(v["signed_order"]["awaiting_validator"].get<bool>());
  ASSERT_EQ(v["signed_order"]["signatures"].size(), 2u);
  EXPECT_EQ(v["signed_order"]["signatures"][1]["chain"][1]["party"], "DE-AG-BERLIN");
  // A signature where none is due is refused.
  EXPECT_EQ(problem_of(post(path + "/events", {{"event", "transmit"}, {"signature", sig}}, "officer-de"),
                       422)["errors"][0]["path"],
            "$.signature");
}

// --- Evidence: ciphertext in transit, and gone when its retention ends -----
// A signed-orders server whose time the test moves; Germany's officer and
// the Dutch provider's clerk hold credentials; the officer's X25519 key is
// the one evidence is sealed to.
struct EvidenceRetention : ::testing::Test {
  test::TempDir dir;
  std::string db = test_store(dir), clock_file = (dir.path() / "now").string();
  void set_time(const std::string& iso) { std::ofstream(clock_file) << iso << "\n"; }
  const Instant start = *parse_instant("2026-11-23T09:00:00Z");
  std::unique_ptr<Server> server = [this] {
    seed(db);
    set_time(format_instant(start));
    return std::make_unique<Server>(db, std::vector<std::string>{"--clock-file", clock_file, "--sweep-ms", "50"},
                                    Orders::SignedOnly);
  }();
  httplib::Client http = server->client();
  crypto::SigningKey de_anchor = crypto::SigningKey::generate(), nl_anchor = crypto::SigningKey::generate(),
                     sta = crypto::SigningKey::generate(), mailco = crypto::SigningKey::generate(),
                     officer = crypto::SigningKey::generate(), clerk = crypto::SigningKey::generate();
  crypto::AgeIdentity officer_box = crypto::AgeIdentity::generate();

  static std::string recipient() { return crypto::age_recipient(crypto::AgeIdentity::generate().public_key()); }

  httplib::Result post(const std::string& path, const json& body, const std::string& user) {
    return http.Post(path, bearer(user), body.dump(), "application/json");
  }
  void trust_world() {
    const Instant year = 365 * 86400;
    auto anchor = [&](const char* state, const crypto::SigningKey& k) {
      return trust::make_anchor({state,
                                 std::string(state) + "-central",
                                 "central authority",
                                 "",
                                 recipient(),
                                 start - 10,
                                 start + 3 * year,
                                 "",
                                 {}},
                                k);
    };
    trust::Subject office{"DE-STA-BERLIN", "DE", "issuing_authority", "", "", "StA", trust::key_text(sta.public_key()),
                          recipient()};
    trust::Subject person{"DE-STA-BERLIN",
                          "DE",
                          "issuing_authority",
                          "officer-de",
                          "officer",
                          "A. Richter",
                          trust::key_text(officer.public_key()),
                          crypto::age_recipient(officer_box.public_key())};
    trust::Subject provider{"NL-MAILCO", "NL", "provider", "", "", "Mailco", trust::key_text(mailco.public_key()),
                            recipient()};
    trust::Subject desk{
        "NL-MAILCO", "NL", "provider", "provider-nl", "provider", "Law desk", trust::key_text(clerk.public_key()),
        recipient()};
    json bundle = {{"type", "comity.trust-bundle/v1"},
                   {"anchors", {anchor("DE", de_anchor), anchor("NL", nl_anchor)}},
                   {"credentials",
                    {trust::issue_credential("c1", office, de_anchor, start - 10, start + year),
                     trust::issue_credential("c2", person, sta, start - 10, start + year),
                     trust::issue_credential("c3", provider, nl_anchor, start - 10, start + year),
                     trust::issue_credential("c4", desk, mailco, start - 10, start + year)}}};
    ASSERT_EQ(post("/api/v1/trust", bundle, "admin")->status, 201);
  }
};

TEST_F(EvidenceRetention, CiphertextOnlyInTransitAndTheBytesAreGoneAfterRetention) {
  trust_world();
  // The officer's order, kept 30 days by the requesting authority.
  json request = json::parse(test::read_text(test::source_dir() + "/examples/s01-eu-subscriber-prosecutor.json"));
  request["retention_period_days"] = 30;
  json order = trust::sign_order(trust::make_order(request, "ord-r", crypto::base64_encode(crypto::random_bytes(18)),
                                                   start - 60, start + 7 * 86400),
                                 "officer", officer);
  auto created = post("/api/v1/cases", {{"signed_order", order}, {"pathway", "P_EU_EPOC"}}, "officer-de");
  ASSERT_EQ(created->status, 201) << created->body;
  const std::string id = json::parse(created->body)["id"];
  const std::string path = "/api/v1/cases/" + id;
  for (const char* e : {"submit", "mark_ready", "transmit"})
    ASSERT_EQ(post(path + "/events", {{"event", e}}, "officer-de")->status, 200);
  ASSERT_EQ(post(path + "/events", {{"event", "acknowledge"}}, "provider-nl")->status, 200);

  // The provider seals 200 kB to the officer's key and signs the manifest.
  std::string plaintext = crypto::random_bytes(200000);
  std::istringstream in(plaintext);
  std::ostringstream sealed;
  auto facts = crypto::age_seal(in, sealed, {officer_box.public_key()});
  const std::string ciphertext = sealed.str();
  trust::Manifest m;
  m.id = "prod-1";
  m.case_id = id;
  m.order_id = "ord-r";
  m.provider = "NL-MAILCO";
  m.recipients = {crypto::age_recipient(officer_box.public_key())};
  m.files = {{"mailbox.mbox", facts.plaintext_bytes, facts.ciphertext_bytes, facts.plaintext_sha256,
              facts.ciphertext_sha256, start}};
  auto registered = post(path + "/productions", trust::sign_manifest(m, clerk, start), "provider-nl");
  ASSERT_EQ(registered->status, 201) << registered->body;
  json production = json::parse(registered->body);
  const std::string pid = production["id"];
  EXPECT_EQ(production["expires_at"], format_instant(start + 30 * 86400));  // the request's 30 days
  EXPECT_EQ(production["signer_chain"][0]["user"], "provider-nl");
  // Only the addressed provider registers; a second registration of the same manifest conflicts.
  problem_of(post(path + "/productions", trust::sign_manifest(m, clerk, start), "provider-nl"), 409);

  // Not received whole yet: a conflict with the upload under way (409), not
  // "gone" (410 is for deleted evidence).
  json early = problem_of(http.Get("/api/v1/productions/" + pid + "/files/0", bearer("officer-de")), 409);
  EXPECT_EQ(early["reason"], "incomplete");

  auto chunk = http.Post("/api/v1/productions/" + pid + "/files/0?offset=0", bearer("provider-nl"), ciphertext,
                         "application/octet-stream");
  ASSERT_EQ(chunk->status, 200) << chunk->body;
  EXPECT_TRUE(json::parse(chunk->body)["complete"].get<bool>());
  // The exchange holds exactly the ciphertext; the officer gets it back, audited.
  const std::filesystem::path vault = evidence_dir_of(db);
  EXPECT_EQ(test::read_text((vault / pid / "0.age").string()), ciphertext);
  auto download = http.Get("/api/v1/productions/" + pid + "/files/0", bearer("officer-de"));
  ASSERT_EQ(download->status, 200);
  EXPECT_EQ(download->body, ciphertext);
  EXPECT_EQ(download->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(download->get_header_value("X-Content-Type-Options"), "nosniff");
  problem_of(http.Get("/api/v1/productions/" + pid + "/files/0", bearer("provider-nl")), 403);
  auto seen = http.Get(path, bearer("officer-de"));
  EXPECT_EQ(json::parse(seen->body)["productions"][0]["complete_files"], 1);

  // Day 31: the sweep deletes the ciphertext.
  set_time(format_instant(start + 31 * 86400));
  ASSERT_TRUE(sweeps_pass(http)) << "the retention sweep does not run";
  json after = json::parse(http.Get("/api/v1/productions/" + pid, bearer("officer-de"))->body);
  ASSERT_FALSE(after["deleted_at"].is_null()) << after.dump();
  EXPECT_EQ(after["deletion_reason"], "retention_ended");
  // The bytes are gone: no file, no directory, and no file anywhere in the
  // vault or beside the database holds any 64-byte run of the ciphertext.
  EXPECT_FALSE(std::filesystem::exists(vault / pid));
  const std::string probe = ciphertext.substr(100000, 64);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path())) {
    if (entry.is_regular_file()) {
      EXPECT_EQ(test::read_text(entry.path().string()).find(probe), std::string::npos) << entry.path();
    }
  }
  problem_of(http.Get("/api/v1/productions/" + pid + "/files/0", bearer("officer-de")), 410);
  problem_of(http.Post("/api/v1/productions/" + pid + "/files/0?offset=0", bearer("provider-nl"), "x",
                       "application/octet-stream"),
             410);
  // And the deletion is on the audit trail.
  json audit = json::parse(http.Get("/api/v1/audit?limit=200", bearer("overseer"))->body);
  std::set<std::string> actions;
  for (const auto& a : audit["items"]) actions.insert(a["action"].get<std::string>());
  for (const char* a : {"register_production", "receive_evidence", "read_evidence", "delete_evidence"})
    EXPECT_TRUE(actions.count(a)) << a;
}

// --- Browser sessions: argon2id passwords, cookies, CSRF, lock-out ---------
struct Sessions : ::testing::Test {
  test::TempDir dir;
  std::string db = test_store(dir), clock_file = (dir.path() / "now").string();
  const Instant start = *parse_instant("2026-11-23T09:00:00Z");
  void set_time(Instant t) { std::ofstream(clock_file) << format_instant(t) << "\n"; }
  std::unique_ptr<Server> server = [this] {
    seed(db);
    {
      auto store = open_store(db);
      FakeClock at(start);
      RandomIds ids;
      IdentityService identity(*store, at, ids);
      identity.set_password("officer-de", "correct horse battery",
                            Actor{"admin", PartyRole::Admin, "comity-admin", "BE"});
    }
    set_time(start);
    return std::make_unique<Server>(db, std::vector<std::string>{"--clock-file", clock_file});
  }();
  httplib::Client http = server->client();

  httplib::Result login(const std::string& user, const std::string& password) {
    return http.Post("/api/v1/session", json{{"user", user}, {"password", password}}.dump(), "application/json");
  }
  static std::string cookie_of(const httplib::Result& r) {
    std::string c = r->get_header_value("Set-Cookie");
    return c.substr(0, c.find(';'));
  }
};

TEST_F(Sessions, LoginSetsAStrictCookieAndChangesNeedTheCsrfToken) {
  // The password is stored as an argon2id PHC string, never in clear.
  {
    auto store = open_store(db, StoreAccess::ReadOnly);
    auto phc = store->password_of("officer-de");
    ASSERT_TRUE(phc);
    EXPECT_EQ(phc->rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << *phc;
  }
  auto r = login("officer-de", "correct horse battery");
  ASSERT_EQ(r->status, 201) << r->body;
  std::string set_cookie = r->get_header_value("Set-Cookie");
  for (const char* attr : {"HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"})
    EXPECT_NE(set_cookie.find(attr), std::string::npos) << attr << " in " << set_cookie;
  EXPECT_EQ(set_cookie.find("Secure"), std::string::npos);  // plain HTTP on loopback
  const std::string csrf = json::parse(r->body)["csrf_token"];
  httplib::Headers cookie = {{"Cookie", cookie_of(r)}};

  // Reads work with the cookie alone; the session reports the CSRF token again.
  auto me = http.Get("/api/v1/me", cookie);
  ASSERT_EQ(me->status, 200);
  EXPECT_EQ(json::parse(me->body)["user"]["id"], "officer-de");
  EXPECT_EQ(json::parse(http.Get("/api/v1/session", cookie)->body)["csrf_token"], csrf);
  // A change without the CSRF token (what a cross-site form could send) is refused; with it, done.
  std::string body = test::read_text(test::source_dir() + "/examples/s01-eu-subscriber-prosecutor.json");
  problem_of(http.Post("/api/v1/evaluate", cookie, body, "application/json"), 403);
  httplib::Headers with_csrf = cookie;
  with_csrf.emplace("X-CSRF-Token", std::string(csrf.size(), '0'));
  problem_of(http.Post("/api/v1/evaluate", with_csrf, body, "application/json"), 403);
  with_csrf = cookie;
  with_csrf.emplace("X-CSRF-Token", csrf);
  EXPECT_EQ(http.Post("/api/v1/evaluate", with_csrf, body, "application/json")->status, 200);

  // Logout ends it; the cookie no longer opens anything.
  problem_of(http.Post("/api/v1/session/logout", cookie, "", "application/json"), 403);  // CSRF here too
  auto out = http.Post("/api/v1/session/logout", with_csrf, "", "application/json");
  ASSERT_EQ(out->status, 200) << out->body;
  EXPECT_NE(out->get_header_value("Set-Cookie").find("Max-Age=0"), std::string::npos);
  problem_of(http.Get("/api/v1/me", cookie), 401);

  // A session expires after 12 hours.
  auto again = login("officer-de", "correct horse battery");
  httplib::Headers second = {{"Cookie", cookie_of(again)}};
  EXPECT_EQ(http.Get("/api/v1/me", second)->status, 200);
  set_time(start + 12 * 3600);
  problem_of(http.Get("/api/v1/me", second), 401);
}

// One password tried on many users never trips a user's lock-out (one
// failure each); the per-client limit stops it, even for the right password
// of another user, until the next minute.
TEST_F(Sessions, LoginAttemptsFromOneClientAreLimitedPerMinute) {
  for (int i = 0; i < kLoginsPerClientPerMinute; ++i)
    problem_of(login("user-" + std::to_string(i), "Summer2026!!"), 401);
  auto refused = login("officer-de", "correct horse battery");
  EXPECT_EQ(problem_of(refused, 429)["kind"], "too_many_requests");
  EXPECT_EQ(refused->get_header_value("Retry-After"), "60");
  set_time(start + 59);
  auto still = login("officer-de", "correct horse battery");
  problem_of(still, 429);
  EXPECT_EQ(still->get_header_value("Retry-After"), "1");
  set_time(start + 60);
  auto ok = login("officer-de", "correct horse battery");
  ASSERT_EQ(ok->status, 201) << ok->body;
  // A malformed attempt is refused before it is counted.
  for (int i = 0; i < kLoginsPerClientPerMinute + 5; ++i)
    problem_of(http.Post("/api/v1/session", R"({"user": 1})", "application/json"), 422);
  EXPECT_EQ(login("officer-de", "correct horse battery")->status, 201);
}

TEST_F(Sessions, FailedLoginsLockTheUserOutWithBackOff) {
  // Unknown user and wrong password get the same answer.
  auto unknown = problem_of(login("nobody", "correct horse battery"), 401);
  auto wrong = problem_of(login("officer-de", "wrong password!!"), 401);
  EXPECT_EQ(unknown["detail"], wrong["detail"]);
  problem_of(login("officer-de", ""), 401);
  for (int i = 0; i < 2; ++i) problem_of(login("officer-de", "still wrong!!!"), 401);
  // The fifth failure locks the user for 30 s — even the right password waits.
  problem_of(login("officer-de", "wrong again!!!"), 401);
  auto locked = login("officer-de", "correct horse battery");
  problem_of(locked, 429);
  EXPECT_EQ(locked->get_header_value("Retry-After"), "30");
  set_time(start + 31);
  // One more failure doubles the lock.
  problem_of(login("officer-de", "wrong once more"), 401);
  auto longer = login("officer-de", "correct horse battery");
  problem_of(longer, 429);
  EXPECT_EQ(longer->get_header_value("Retry-After"), "60");
  set_time(start + 31 + 61);
  auto ok = login("officer-de", "correct horse battery");
  ASSERT_EQ(ok->status, 201) << ok->body;
  // A success clears the count: the next failure does not lock.
  problem_of(login("officer-de", "wrong after success"), 401);
  EXPECT_EQ(login("officer-de", "correct horse battery")->status, 201);
  // Malformed bodies name the field.
  auto bad = http.Post("/api/v1/session", R"({"user": 1})", "application/json");
  EXPECT_EQ(problem_of(bad, 422)["errors"][0]["path"], "$.user");
}

}  // namespace
}  // namespace comity
