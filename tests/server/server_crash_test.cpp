// The server under SIGKILL: no lost acknowledged case, no gap or fork in the log.
#include "server/harness.hpp"

namespace comity {
namespace {

using namespace server_test;

// Three rounds of load and a hard kill: each starts the server on `db` (with
// `extra` arguments; `started` runs first, if given), lets four clients make
// calls — call(client, round, client number, call number), false once the
// server stopped answering — and kills the server with SIGKILL once they
// have made 120 calls, while they keep calling.
void load_and_kill(const std::string& db, const std::vector<std::string>& extra,
                   const std::function<bool(httplib::Client&, int, int, int)>& call,
                   const std::function<void(Server&)>& started = nullptr) {
  for (int round = 0; round < 3; ++round) {
    Server server(db, extra);
    if (started) started(server);
    std::atomic<bool> stop{false};
    std::atomic<int> calls{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 4; ++t)
      clients.emplace_back([&, t] {
        httplib::Client c = server.client();
        c.set_connection_timeout(2, 0);
        for (int i = 0; !stop && i < 10000; ++i) {
          if (!call(c, round, t, i)) break;
          ++calls;
        }
      });
    // Killed in the middle of the load: once the clients are well under way.
    EXPECT_TRUE(eventually([&] { return calls >= 120; })) << "the clients made no progress";
    server.kill_hard();
    stop = true;
    for (auto& t : clients) t.join();
  }
}

// The log under SIGKILL: cases opened by four clients while checkpoints are
// published every 20 ms and on demand; three hard kills. After restart the
// log has no gap, every acknowledged case has its leaf, and the tree rebuilt
// from the served tiles has, at every checkpoint published before a crash,
// the root that checkpoint signed (no fork), with a consistency proof to the
// newest.
TEST(ServerCrash, TransparencyLogHasNoGapAndNoForkAfterSigkill) {
  test::TempDir dir;
  std::string db = test_store(dir);
  seed(db);
  json request = json::parse(test::read_text(test::source_dir() + "/examples/s01-eu-subscriber-prosecutor.json"));
  std::string body = json{{"request", request}, {"pathway", "P_EU_EPOC"}}.dump();
  std::vector<std::string> acknowledged, notes;
  std::mutex mu;
  std::optional<ledger::NoteVerifier> v;
  load_and_kill(
      db, {"--checkpoint-ms", "20"},
      [&](httplib::Client& c, int, int t, int i) {
        if (t == 0 && i % 5 == 0) {  // one client also asks for checkpoints
          auto r = c.Post("/api/v1/log/checkpoint", bearer("admin"), "{}", "application/json");
          if (!r) return false;
          std::lock_guard<std::mutex> lock(mu);
          if (r->status == 201) notes.push_back(json::parse(r->body)["checkpoint"]);
          return true;
        }
        auto r = c.Post("/api/v1/cases", bearer("officer-de"), body, "application/json");
        if (!r) return false;
        std::lock_guard<std::mutex> lock(mu);
        if (r->status == 201) acknowledged.push_back(json::parse(r->body)["id"]);
        return true;
      },
      [&](Server& server) {
        if (!v)
          v = ledger::parse_verifier_key(
              json::parse(server.client().Get("/api/v1/log")->body)["verifier_key"].get<std::string>());
      });
  ASSERT_GE(acknowledged.size(), 5u) << "the load never got going";
  ASSERT_GE(notes.size(), 3u);

  Server server(db);
  httplib::Client c = server.client();
  ledger::Checkpoint now = ledger::open_checkpoint(
      json::parse(c.Post("/api/v1/log/checkpoint", bearer("admin"), "{}", "application/json")->body)["checkpoint"]
          .get<std::string>(),
      *v);
  // The tree from the tiles, as a monitor would rebuild it.
  ledger::MerkleTree tree;
  for (uint64_t n = 0; n * 256 < now.size; ++n) {
    unsigned width = static_cast<unsigned>(std::min<uint64_t>(256, now.size - n * 256));
    auto tile = c.Get("/log/" + ledger::tile_path({false, 0, n, width}));
    ASSERT_EQ(tile->status, 200);
    ASSERT_EQ(tile->body.size(), width * 32u);
    for (unsigned i = 0; i < width; ++i) {
      ledger::Hash h;
      std::copy(tile->body.begin() + 32 * i, tile->body.begin() + 32 * (i + 1), h.begin());
      tree.append(h);
    }
  }
  ASSERT_EQ(tree.size(), now.size);
  EXPECT_EQ(tree.root(), now.root);
  for (const auto& note : notes) {
    ledger::Checkpoint cp = ledger::open_checkpoint(note, *v);
    ASSERT_LE(cp.size, now.size);
    EXPECT_EQ(tree.root(cp.size), cp.root) << "fork at tree size " << cp.size;
    if (cp.size == 0 || cp.size == now.size) continue;
    json cons = json::parse(
        c.Get("/api/v1/log/consistency?from=" + std::to_string(cp.size) + "&to=" + std::to_string(now.size))->body);
    std::vector<ledger::Hash> proof;
    for (const auto& h : cons["proof"]) proof.push_back(*ledger::hash_from_hex(h.get<std::string>()));
    EXPECT_TRUE(ledger::verify_consistency(cp.size, now.size, cp.root, now.root, proof)) << cp.size;
  }
  EXPECT_EQ(server.stop(), 0);
  ledger::MerkleTree stored = expect_store_intact(db, acknowledged, *v, dir);
  EXPECT_EQ(stored.size(), now.size);
  EXPECT_EQ(stored.root(), now.root);
}

// Durability: every case the server acknowledged with 201 survives SIGKILL
// under concurrent load (synchronous=FULL), three times over.
TEST(ServerCrash, AcknowledgedCasesSurviveSigkill) {
  test::TempDir dir;
  std::string db = test_store(dir);
  seed(db);
  json request = json::parse(test::read_text(test::source_dir() + "/examples/s01-eu-subscriber-prosecutor.json"));
  std::string body = json{{"request", request}, {"pathway", "P_EU_EPOC"}}.dump();
  std::vector<std::string> acknowledged;
  std::mutex mu;
  load_and_kill(db, {}, [&](httplib::Client& c, int round, int t, int i) {
    auto h = bearer("officer-de");
    std::string key = "r" + std::to_string(round) + "-t" + std::to_string(t) + "-" + std::to_string(i);
    h.emplace("Idempotency-Key", key);
    auto r = c.Post("/api/v1/cases", h, body, "application/json");
    if (!r) return false;  // the server is gone
    if (r->status == 201) {
      std::lock_guard<std::mutex> lock(mu);
      acknowledged.push_back(json::parse(r->body)["id"]);
    }
    return true;
  });
  ASSERT_GE(acknowledged.size(), 5u) << "the load never got going";
  Server server(db);
  httplib::Client c = server.client();
  for (const auto& id : acknowledged) {
    auto r = c.Get("/api/v1/cases/" + id, bearer("officer-de"));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << "acknowledged case " << id << " was lost";
    EXPECT_EQ(json::parse(r->body)["state"], "draft");
  }
  EXPECT_EQ(server.stop(), 0);
  // And the database is consistent.
  std::string out, err;
  EXPECT_EQ(run_cli("db check --db '" + db + "'", out, err, dir), 0) << out << err;
}

}  // namespace
}  // namespace comity
