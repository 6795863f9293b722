// Two `comity serve` processes on one PostgreSQL database (docs/scale-out.md):
// both answer any request; either may die under load (SIGKILL) while the
// other keeps serving; the log signer's lease passes to the survivor. At the
// end no acknowledged write is lost, `comity db check` is clean, the log has
// no index twice and no gap, and every checkpoint either process published
// is one history signed with the node's one key. Trust imported through
// either process binds both; the login rate limit counts across both.
#include "server/harness.hpp"

namespace comity {
namespace {

using namespace server_test;

// Fast failover for the test: the signer's lease lasts 1 s unrenewed.
const std::vector<std::string> kArgs = {"--lease-ms", "1000", "--sweep-ms", "100", "--checkpoint-ms", "200"};

struct Load {
  std::string body;
  std::mutex mu;
  std::vector<std::string> acknowledged;
  std::atomic<int> calls{0};

  // Opens cases on `server` from `n` clients until `stop` or the server is
  // gone; each call has its own Idempotency-Key (a retry would be safe).
  std::vector<std::thread> start(const Server& server, int n, const std::string& tag, std::atomic<bool>& stop) {
    std::vector<std::thread> out;
    for (int t = 0; t < n; ++t)
      out.emplace_back([this, &stop, tag, t, port = server.port()] {
        httplib::Client c("127.0.0.1", port);
        c.set_connection_timeout(2, 0);
        c.set_read_timeout(10, 0);
        for (int i = 0; !stop; ++i) {
          auto h = bearer("officer-de");
          h.emplace("Idempotency-Key", tag + "-" + std::to_string(t) + "-" + std::to_string(i));
          auto r = c.Post("/api/v1/cases", h, body, "application/json");
          if (!r) return;  // this server is gone
          if (r->status == 201) {
            std::lock_guard<std::mutex> lock(mu);
            acknowledged.push_back(json::parse(r->body)["id"]);
          }
          ++calls;
        }
      });
    return out;
  }
};

uint64_t checkpoint_size(const Server& s, const ledger::NoteVerifier& v) {
  httplib::Client c = s.client();
  auto r = c.Get("/log/checkpoint");
  if (!r || r->status != 200) return 0;
  return ledger::open_checkpoint(r->body, v).size;
}

// Load on both, SIGKILL `victim` mid-load: the survivor keeps serving,
// takes over the signer's lease and signs what the dead one left unsigned.
void kill_one_keep_the_other(const std::string& db, Server& victim, Server& survivor, Load& load,
                             const ledger::NoteVerifier& v, const std::string& round) {
  std::atomic<bool> stop{false};
  auto on_victim = load.start(victim, 2, round + "v", stop);
  auto on_survivor = load.start(survivor, 2, round + "s", stop);
  const int before = load.calls;
  EXPECT_TRUE(eventually([&] { return load.calls >= before + 80; })) << "the load never got going";
  victim.kill_hard();
  for (auto& t : on_victim) t.join();
  const int at_kill = load.calls;
  EXPECT_TRUE(eventually([&] { return load.calls >= at_kill + 40; })) << "the survivor stopped serving";
  stop = true;
  for (auto& t : on_survivor) t.join();
  const uint64_t committed = open_store(db, StoreAccess::ReadOnly)->log_size();
  EXPECT_TRUE(eventually([&] { return checkpoint_size(survivor, v) >= committed; }, std::chrono::seconds(10)))
      << "no checkpoint of the whole log within 10 s of the signer's death";
}

TEST(ScaleOut, EitherMayDieUnderLoadAndNothingAcknowledgedIsLost) {
  if (!on_postgres()) GTEST_SKIP() << "several processes share a PostgreSQL database (COMITY_TEST_STORE=postgres)";
  test::TempDir dir;
  const std::string db = test_store(dir);
  seed(db);
  Load load;
  json request = json::parse(test::read_text(test::source_dir() + "/examples/s01-eu-subscriber-prosecutor.json"));
  load.body = json{{"request", request}, {"pathway", "P_EU_EPOC"}}.dump();
  // Started together: one migrates, one creates the log key, both use it.
  auto a = std::make_unique<Server>(db, kArgs);
  auto b = std::make_unique<Server>(db, kArgs);
  auto info = [](const Server& s) { return json::parse(s.client().Get("/api/v1/log")->body); };
  const std::string vkey = info(*a)["verifier_key"];
  EXPECT_EQ(info(*b)["verifier_key"], vkey) << "two processes of one node sign with one key";
  const ledger::NoteVerifier v = ledger::parse_verifier_key(vkey);

  // Either process answers for the other: an Idempotency-Key replayed on B
  // returns the case A opened, and a session made on A works on B.
  {
    auto h = bearer("officer-de");
    h.emplace("Idempotency-Key", "across-processes");
    auto first = a->client().Post("/api/v1/cases", h, load.body, "application/json");
    ASSERT_EQ(first->status, 201) << first->body;
    auto again = b->client().Post("/api/v1/cases", h, load.body, "application/json");
    ASSERT_TRUE(again);
    EXPECT_EQ(json::parse(again->body)["id"], json::parse(first->body)["id"]) << again->body;
    load.acknowledged.push_back(json::parse(first->body)["id"]);
    auto seen =
        b->client().Get("/api/v1/cases/" + json::parse(first->body)["id"].get<std::string>(), bearer("officer-de"));
    EXPECT_EQ(seen->status, 200);
  }

  // Round 1: kill A, B serves on; restart A. Round 2: kill B, A serves on.
  kill_one_keep_the_other(db, *a, *b, load, v, "r1");
  a = std::make_unique<Server>(db, kArgs);
  kill_one_keep_the_other(db, *b, *a, load, v, "r2");
  b = std::make_unique<Server>(db, kArgs);
  ASSERT_GE(load.acknowledged.size(), 100u) << "the load never got going";

  // Every acknowledged case is there, from either process.
  for (size_t i = 0; i < load.acknowledged.size(); ++i) {
    const Server& s = i % 2 ? *a : *b;
    auto r = s.client().Get("/api/v1/cases/" + load.acknowledged[i], bearer("officer-de"));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << "acknowledged case " << load.acknowledged[i] << " was lost";
  }
  // A proof from B for a checkpoint A's tree must know: each serves the whole log.
  const uint64_t size = checkpoint_size(*a, v);
  ASSERT_GT(size, 1u);
  auto proof = b->client().Get("/api/v1/log/consistency?from=1&to=" + std::to_string(size));
  EXPECT_EQ(proof->status, 200) << proof->body;
  EXPECT_EQ(a->stop(), 0);
  EXPECT_EQ(b->stop(), 0);
  ledger::MerkleTree tree = expect_store_intact(db, load.acknowledged, v, dir);
  // Distinct cases, one leaf each for its opening: no index twice.
  std::set<std::string> distinct(load.acknowledged.begin(), load.acknowledged.end());
  EXPECT_EQ(distinct.size(), load.acknowledged.size());
  EXPECT_GE(tree.size(), distinct.size());
}

// The lease fences: while one process holds it, the other publishes
// nothing of its own; a clean stop hands it over at once.
TEST(ScaleOut, OneProcessSignsAtATime) {
  if (!on_postgres()) GTEST_SKIP() << "several processes share a PostgreSQL database (COMITY_TEST_STORE=postgres)";
  test::TempDir dir;
  const std::string db = test_store(dir);
  seed(db);
  auto a = std::make_unique<Server>(db, kArgs);
  ASSERT_TRUE(eventually([&] { return open_store(db, StoreAccess::ReadOnly)->latest_checkpoint().has_value(); }));
  auto b = std::make_unique<Server>(db, kArgs);
  json request = json::parse(test::read_text(test::source_dir() + "/examples/s01-eu-subscriber-prosecutor.json"));
  std::string body = json{{"request", request}, {"pathway", "P_EU_EPOC"}}.dump();
  ASSERT_EQ(b->client().Post("/api/v1/cases", bearer("officer-de"), body, "application/json")->status, 201);
  // B asked to publish: A is the signer, so B answers with the latest A signed.
  auto r = b->client().Post("/api/v1/log/checkpoint", bearer("admin"), "{}", "application/json");
  ASSERT_EQ(r->status, 201) << r->body;
  const ledger::NoteVerifier v =
      ledger::parse_verifier_key(json::parse(a->client().Get("/api/v1/log")->body)["verifier_key"].get<std::string>());
  EXPECT_TRUE(eventually([&] { return checkpoint_size(*b, v) == 1; })) << "A signs B's leaf within its interval";
  EXPECT_EQ(a->stop(), 0);  // gives the lease up
  ASSERT_EQ(b->client().Post("/api/v1/cases", bearer("officer-de"), body, "application/json")->status, 201);
  EXPECT_TRUE(eventually([&] { return checkpoint_size(*b, v) == 2; }, std::chrono::seconds(5)))
      << "B took the lease over at once";
  EXPECT_EQ(b->stop(), 0);
  expect_store_intact(db, {}, v, dir);
}

// Trust imported through one process is what every process trusts: B,
// started before the import, checks its own import against A's, serves
// both and verifies a signed order under them; a revocation imported
// through B then binds A.
TEST(ScaleOut, TrustImportedThroughOneProcessIsTrustedByEvery) {
  if (!on_postgres()) GTEST_SKIP() << "several processes share a PostgreSQL database (COMITY_TEST_STORE=postgres)";
  test::TempDir dir;
  const std::string db = test_store(dir);
  seed(db);
  auto a = std::make_unique<Server>(db, kArgs);
  auto b = std::make_unique<Server>(db, kArgs);
  auto trusted_on = [](const Server& s) {
    auto r = s.client().Get("/api/v1/trust");
    EXPECT_EQ(r->status, 200);
    return json::parse(r->body);
  };
  ASSERT_TRUE(trusted_on(*b)["anchors"].empty());

  // Germany's anchor certifies the Berlin prosecutor's office, which certifies its officer.
  const Instant now = SystemClock().now(), day = 86400, start = now - day;
  const crypto::SigningKey anchor = crypto::SigningKey::generate(), office = crypto::SigningKey::generate(),
                           officer = crypto::SigningKey::generate();
  auto recipient = [] { return crypto::age_recipient(crypto::AgeIdentity::generate().public_key()); };
  json bundle = {
      {"type", "comity.trust-bundle/v1"},
      {"anchors",
       {trust::make_anchor(
           {"DE", "DE-central", "central authority", "", recipient(), start, start + 1000 * day, "", {}}, anchor)}},
      {"credentials",
       {trust::issue_credential("c-sta",
                                {"DE-STA-BERLIN", "DE", "issuing_authority", "", "", "DE-STA-BERLIN",
                                 trust::key_text(office.public_key()), recipient()},
                                anchor, start, start + 365 * day),
        trust::issue_credential("c-officer",
                                {"DE-STA-BERLIN", "DE", "issuing_authority", "officer-de", "officer", "officer-de",
                                 trust::key_text(officer.public_key()), recipient()},
                                office, start, start + 90 * day)}}};
  auto import_on = [](const Server& s, const json& docs) {
    return s.client().Post("/api/v1/trust", bearer("admin"), docs.dump(), "application/json");
  };
  auto revocations = [&](int64_t seq, bool revoke_officer) {
    std::vector<trust::Revocation> entries;
    if (revoke_officer) entries.push_back({trust::key_text(officer.public_key()), "compromised", now - 60});
    return json{{"type", "comity.trust-bundle/v1"},
                {"revocations", {trust::sign_revocations(office, seq, now - 60, entries)}}};
  };
  auto imported = import_on(*a, bundle);
  ASSERT_EQ(imported->status, 201) << imported->body;
  // B has not looked since: the office's list is checked against what the
  // store holds (A's import), not against what B trusted before.
  auto listed = import_on(*b, revocations(1, false));
  ASSERT_EQ(listed->status, 201) << listed->body;

  const json on_b = trusted_on(*b);
  EXPECT_EQ(on_b["anchors"].size(), 1u) << on_b.dump();
  EXPECT_EQ(on_b["credentials"].size(), 2u) << on_b.dump();
  EXPECT_EQ(on_b["revocations"].size(), 1u) << on_b.dump();
  EXPECT_EQ(on_b, trusted_on(*a));

  json request = json::parse(test::read_text(test::source_dir() + "/examples/s01-eu-subscriber-prosecutor.json"));
  auto open_on = [&](const Server& s, const std::string& id) {
    json order = trust::make_order(request, id, crypto::base64_encode(crypto::random_bytes(18)), now - 60, now + day);
    json body = {{"signed_order", trust::sign_order(order, "officer", officer)}, {"pathway", "P_EU_EPOC"}};
    return s.client().Post("/api/v1/cases", bearer("officer-de"), body.dump(), "application/json");
  };
  auto opened = open_on(*b, "ord-on-b");
  ASSERT_EQ(opened->status, 201) << "B verifies under the anchor A imported: " << opened->body;
  EXPECT_EQ(json::parse(opened->body)["signed_order"]["signatures"][0]["chain"][2]["state"], "DE");

  // The office revokes its officer's key, through B: A refuses the officer's next order.
  auto revoked = import_on(*b, revocations(2, true));
  ASSERT_EQ(revoked->status, 201) << revoked->body;
  json refused = problem_of(open_on(*a, "ord-on-a"), 422);
  EXPECT_EQ(refused["reason"], "revoked") << refused.dump();
  // A list no newer than the one in force is stale on either process.
  EXPECT_EQ(problem_of(import_on(*a, revocations(2, false)), 409)["reason"], "stale");
  EXPECT_EQ(a->stop(), 0);
  EXPECT_EQ(b->stop(), 0);
}

}  // namespace
}  // namespace comity

namespace comity {
namespace {

using namespace server_test;

// Login attempts from one client are counted in the database, not per
// process: spread over two processes, the attempt past the limit is refused
// by either, until the minute is over.
TEST(ScaleOut, TheLoginRateLimitHoldsAcrossProcesses) {
  if (!on_postgres()) GTEST_SKIP() << "several processes share a PostgreSQL database (COMITY_TEST_STORE=postgres)";
  test::TempDir dir;
  const std::string db = test_store(dir);
  seed(db);
  const std::string clock_file = (dir.path() / "now").string();
  const Instant start = *parse_instant("2026-11-23T09:00:00Z");
  auto set_time = [&](Instant t) { std::ofstream(clock_file) << format_instant(t) << "\n"; };
  set_time(start);
  std::vector<std::string> args = kArgs;
  args.insert(args.end(), {"--clock-file", clock_file});
  Server a(db, args), b(db, args);
  auto login = [](const Server& s, int i) {
    return s.client().Post("/api/v1/session",
                           json{{"user", "user-" + std::to_string(i)}, {"password", "Summer2026!!"}}.dump(),
                           "application/json");
  };
  for (int i = 0; i < kLoginsPerClientPerMinute; ++i) {
    auto r = login(i % 2 ? a : b, i);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 401) << "attempt " << i << ": " << r->body;
  }
  for (const Server* s : {&a, &b}) {
    auto r = login(*s, 99);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 429) << r->body;
    EXPECT_EQ(r->get_header_value("Retry-After"), "60");
  }
  set_time(start + 60);
  for (const Server* s : {&a, &b}) EXPECT_EQ(login(*s, 100)->status, 401);
  EXPECT_EQ(a.stop(), 0);
  EXPECT_EQ(b.stop(), 0);
}

// `comity db copy`: a SQLite node moves to PostgreSQL with its whole log —
// the PostgreSQL node serves the checkpoint the SQLite node signed, with
// the same key, and goes on (new ids past the copied ones); a second copy
// into the now full database is refused and writes nothing.
TEST(ScaleOut, ASqliteNodeMovesToPostgresWithItsLog) {
  if (!on_postgres()) GTEST_SKIP() << "needs a PostgreSQL database (COMITY_TEST_STORE=postgres)";
  test::TempDir dir;
  const std::string sqlite = (dir.path() / "node.db").string();
  seed(sqlite);
  json request = json::parse(test::read_text(test::source_dir() + "/examples/s01-eu-subscriber-prosecutor.json"));
  std::string body = json{{"request", request}, {"pathway", "P_EU_EPOC"}}.dump();
  std::vector<std::string> opened;
  std::string note;
  {
    Server s(sqlite);
    for (int i = 0; i < 3; ++i) {
      auto r = s.client().Post("/api/v1/cases", bearer("officer-de"), body, "application/json");
      ASSERT_EQ(r->status, 201) << r->body;
      opened.push_back(json::parse(r->body)["id"]);
    }
    note = json::parse(
        s.client().Post("/api/v1/log/checkpoint", bearer("admin"), "{}", "application/json")->body)["checkpoint"];
    EXPECT_EQ(s.stop(), 0);
  }
  const std::string pg = test_store(dir);
  std::string out, err;
  ASSERT_EQ(run_cli("db copy --from 'sqlite:" + sqlite + "' --to '" + pg + "'", out, err, dir), 0) << out << err;
  EXPECT_NE(out.find("cases: 3"), std::string::npos) << out;
  // The node's log key goes with it (here: where the test's servers keep it).
  std::filesystem::copy_file(sqlite + ".log-key.pem", log_key_of(pg));
  const ledger::NoteVerifier v = ledger::parse_verifier_key(
      json::parse(Server(sqlite).client().Get("/api/v1/log")->body)["verifier_key"].get<std::string>());
  {
    Server s(pg);
    auto served = s.client().Get("/log/checkpoint");
    ASSERT_EQ(served->status, 200);
    EXPECT_EQ(served->body, note) << "the PostgreSQL node serves the checkpoint the SQLite node signed";
    for (const auto& id : opened) EXPECT_EQ(s.client().Get("/api/v1/cases/" + id, bearer("officer-de"))->status, 200);
    auto more = s.client().Post("/api/v1/cases", bearer("officer-de"), body, "application/json");
    ASSERT_EQ(more->status, 201) << more->body;
    opened.push_back(json::parse(more->body)["id"]);
    auto grown = s.client().Post("/api/v1/log/checkpoint", bearer("admin"), "{}", "application/json");
    ASSERT_EQ(grown->status, 201);
    EXPECT_GT(ledger::open_checkpoint(json::parse(grown->body)["checkpoint"].get<std::string>(), v).size,
              ledger::open_checkpoint(note, v).size);
    EXPECT_EQ(s.stop(), 0);
  }
  expect_store_intact(pg, opened, v, dir);
  const uint64_t leaves = open_store(pg, StoreAccess::ReadOnly)->log_size();
  EXPECT_NE(run_cli("db copy --from '" + sqlite + "' --to '" + pg + "'", out, err, dir), 0);
  EXPECT_NE(err.find("holds rows already"), std::string::npos) << err;
  EXPECT_EQ(open_store(pg, StoreAccess::ReadOnly)->log_size(), leaves);
  EXPECT_NE(run_cli("db copy --from '" + pg + "' --to '" + pg + "'", out, err, dir), 0);
  EXPECT_NE(err.find("--from: expected a SQLite database"), std::string::npos) << err;
}

}  // namespace
}  // namespace comity
