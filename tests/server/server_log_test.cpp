// The transparency log over HTTP, and the monitor against the real server.
#include "server/harness.hpp"

namespace comity {
namespace {

using namespace server_test;

// The transparency log over HTTP: a party proves its events are in a signed
// checkpoint with its salts; tiles rebuild the same root; checkpoints stay
// consistent across a hard kill and restart; only parties get salts.
TEST_F(ServerTest, TransparencyLogProofsTilesAndCheckpoints) {
  std::string id = open_case(*this, "s01-eu-subscriber-prosecutor.json", "P_EU_EPOC", "officer-de");
  for (const char* e : {"submit", "mark_ready", "transmit"}) step(*this, id, e, "officer-de");
  step(*this, id, "acknowledge", "provider-nl");

  auto info = http.Get("/api/v1/log");
  ASSERT_EQ(info->status, 200);
  ledger::NoteVerifier v = ledger::parse_verifier_key(json::parse(info->body)["verifier_key"].get<std::string>());
  problem_of(post("/api/v1/log/checkpoint", json::object(), "officer-de"), 403);
  auto published = post("/api/v1/log/checkpoint", json::object(), "overseer");
  ASSERT_EQ(published->status, 201);
  std::string note = json::parse(published->body)["checkpoint"];
  ledger::Checkpoint cp = ledger::open_checkpoint(note, v);
  EXPECT_EQ(cp.size, 5u);  // the opening and four steps
  EXPECT_EQ(http.Get("/log/checkpoint")->body, note);

  // The officer's case log: every leaf opens with its salt and sits in the checkpoint.
  EXPECT_EQ(json::parse(get("/api/v1/cases/" + id, "officer-de")->body)["log_url"], "/api/v1/cases/" + id + "/log");
  EXPECT_FALSE(json::parse(get("/api/v1/cases/" + id, "overseer")->body).contains("log_url"));
  auto log = get("/api/v1/cases/" + id + "/log", "officer-de");
  ASSERT_EQ(log->status, 200) << log->body;
  json entries = json::parse(log->body)["entries"];
  ASSERT_EQ(entries.size(), 5u);
  std::vector<ledger::Hash> leaf_hashes;
  for (const auto& e : entries) {
    std::string leaf = e["leaf"], event = e["event"];
    auto salt = crypto::base64_decode(e["salt"].get<std::string>());
    ASSERT_TRUE(salt);
    EXPECT_EQ(json::parse(leaf)["commitment"], sha256_hex(*salt + event));
    EXPECT_EQ(leaf.find(id), std::string::npos);  // the public leaf does not name the case
    std::vector<ledger::Hash> proof;
    for (const auto& h : e["inclusion_proof"]) proof.push_back(*ledger::hash_from_hex(h.get<std::string>()));
    leaf_hashes.push_back(ledger::leaf_hash(leaf));
    EXPECT_TRUE(ledger::verify_inclusion(leaf_hashes.back(), e["index"], cp.size, proof, cp.root)) << e.dump();
    EXPECT_FALSE(ledger::verify_inclusion(ledger::leaf_hash(leaf + " "), e["index"], cp.size, proof, cp.root));
  }
  // The addressee opens the leaves of the history it sees — steps without
  // free-text words — never the opening (which binds the request's digest);
  // oversight and strangers get no salts.
  json own = json::parse(get("/api/v1/cases/" + id + "/log", "provider-nl")->body)["entries"];
  std::vector<std::string> seen;
  for (const auto& e : own) seen.push_back(json::parse(e["leaf"].get<std::string>())["event"]);
  EXPECT_EQ(seen, (std::vector<std::string>{"submit", "mark_ready", "transmit", "acknowledge"}));
  problem_of(get("/api/v1/cases/" + id + "/log", "overseer"), 403);
  problem_of(get("/api/v1/cases/" + id + "/log", "officer-fr"), 404);
  problem_of(http.Get("/api/v1/cases/" + id + "/log"), 401);

  // Tiles: the partial level-0 tile holds the leaf hashes, the entries tile the leaves.
  auto tile = http.Get("/log/tile/0/000.p/5");
  ASSERT_EQ(tile->status, 200);
  ASSERT_EQ(tile->body.size(), 5u * 32);
  ledger::MerkleTree rebuilt;
  for (size_t i = 0; i < 5; ++i) {
    ledger::Hash h;
    std::copy(tile->body.begin() + static_cast<long>(32 * i), tile->body.begin() + static_cast<long>(32 * i + 32),
              h.begin());
    EXPECT_EQ(h, leaf_hashes[i]);
    rebuilt.append(h);
  }
  EXPECT_EQ(rebuilt.root(), cp.root);
  auto bundle = http.Get("/log/tile/entries/000.p/5");
  ASSERT_EQ(bundle->status, 200);
  size_t at = 0, n = 0;
  while (at + 2 <= bundle->body.size()) {
    size_t len = (static_cast<unsigned char>(bundle->body[at]) << 8) | static_cast<unsigned char>(bundle->body[at + 1]);
    EXPECT_EQ(bundle->body.substr(at + 2, len), entries[n++]["leaf"].get<std::string>());
    at += 2 + len;
  }
  EXPECT_EQ(n, 5u);
  EXPECT_EQ(http.Get("/log/tile/0/000")->status, 404);      // no full tile yet
  EXPECT_EQ(http.Get("/log/tile/0/000.p/6")->status, 404);  // beyond the tree
  EXPECT_EQ(http.Get("/log/tile/0/0000")->status, 404);     // malformed

  // The log grows; the next checkpoint is consistent with the first.
  step(*this, id, "produce", "provider-nl");
  ledger::Checkpoint cp2 = ledger::open_checkpoint(
      json::parse(post("/api/v1/log/checkpoint", json::object(), "admin")->body)["checkpoint"].get<std::string>(), v);
  ASSERT_EQ(cp2.size, 6u);
  auto cons = http.Get("/api/v1/log/consistency?from=5&to=6");
  ASSERT_EQ(cons->status, 200);
  std::vector<ledger::Hash> proof;
  json cons_body = json::parse(cons->body);  // named: a range-for over a temporary's member dangles
  for (const auto& h : cons_body["proof"]) proof.push_back(*ledger::hash_from_hex(h.get<std::string>()));
  EXPECT_TRUE(ledger::verify_consistency(5, 6, cp.root, cp2.root, proof));
  auto incl = json::parse(http.Get("/api/v1/log/inclusion?index=0&tree_size=6")->body);
  proof.clear();
  for (const auto& h : incl["proof"]) proof.push_back(*ledger::hash_from_hex(h.get<std::string>()));
  EXPECT_TRUE(ledger::verify_inclusion(leaf_hashes[0], 0, 6, proof, cp2.root));
  json p = problem_of(http.Get("/api/v1/log/consistency?from=0&to=6"), 400);
  EXPECT_EQ(p["errors"][0]["path"], "$query.from");
  p = problem_of(http.Get("/api/v1/log/inclusion?index=1&tree_size=99"), 400);
  EXPECT_EQ(p["errors"][0]["path"], "$query.tree_size");
  problem_of(http.Get("/api/v1/log/inclusion?index=x&tree_size=6"), 400);

  // A hard kill and restart: the same key, the same checkpoint, the same tree.
  server->kill_hard();
  server = std::make_unique<Server>(db);
  httplib::Client again = server->client();
  EXPECT_EQ(again.Get("/log/checkpoint")->body, json::parse(again.Get("/api/v1/log")->body)["checkpoint"]);
  ledger::Checkpoint after = ledger::open_checkpoint(again.Get("/log/checkpoint")->body, v);
  EXPECT_EQ(after.size, 6u);
  EXPECT_EQ(after.root, cp2.root);
  // Reading salts is recorded like any read of the facts.
  json items = json::parse(again.Get("/api/v1/audit?limit=200", bearer("overseer"))->body)["items"];
  int reads = 0;
  for (const auto& a : items) reads += a["action"] == "read_case:log";
  EXPECT_EQ(reads, 2);  // the officer's and the provider's
}

// `comity log verify`, the monitor, against the real server: it verifies the
// checkpoint, every leaf, the statistics and a party's saved case log; it
// remembers the checkpoint and checks the next one extends it; it refuses a
// log signed by another key and a history rewritten under the right key.
TEST_F(ServerTest, LogMonitorVerifiesAndCatchesARewrittenHistory) {
  std::string id = open_case(*this, "s01-eu-subscriber-prosecutor.json", "P_EU_EPOC", "officer-de");
  for (const char* e : {"submit", "mark_ready", "transmit"}) step(*this, id, e, "officer-de");
  step(*this, id, "produce", "provider-nl");
  ASSERT_EQ(post("/api/v1/log/checkpoint", json::object(), "admin")->status, 201);
  std::string vkey = json::parse(http.Get("/api/v1/log")->body)["verifier_key"];
  std::string url = "http://127.0.0.1:" + std::to_string(server->port());
  std::string state = (dir.path() / "monitor.state").string(), case_log = (dir.path() / "case-log.json").string();
  std::ofstream(case_log) << get("/api/v1/cases/" + id + "/log", "officer-de")->body;

  std::string out, err;
  std::string base = "log verify --url " + url + " --key '" + vkey + "' --state " + state;
  ASSERT_EQ(run_cli(base + " --case-log " + case_log, out, err, dir), 0) << err;
  json report = json::parse(out);
  EXPECT_EQ(report["tree_size"], 5);
  EXPECT_EQ(report["case_entries_verified"], 5);
  EXPECT_EQ(report["statistics"], "match");
  EXPECT_EQ(report["recomputed_statistics"]["by_outcome"]["produced"], 1);
  EXPECT_EQ(report["recomputed_statistics"]["time_to_data"]["all"]["cases"], 1);
  auto csv = http.Get("/api/v1/log/statistics?format=csv");
  ASSERT_EQ(csv->status, 200);
  EXPECT_NE(csv->body.find("by_corridor,DE-NL,1\n"), std::string::npos) << csv->body;
  problem_of(http.Get("/api/v1/log/statistics?format=xml"), 400);

  // The log grows; the next run checks that the remembered checkpoint is a prefix.
  step(*this, id, "close", "officer-de");
  ASSERT_EQ(post("/api/v1/log/checkpoint", json::object(), "admin")->status, 201);
  ASSERT_EQ(run_cli(base, out, err, dir), 0) << err;
  EXPECT_EQ(json::parse(out)["consistent_with"], 5);
  EXPECT_EQ(json::parse(out)["tree_size"], 6);

  // Another key: refused.
  auto other = crypto::SigningKey::generate();
  std::string wrong = ledger::verifier_key("comity.localhost/log", other.public_key());
  EXPECT_EQ(run_cli("log verify --url " + url + " --key '" + wrong + "'", out, err, dir), 1);
  EXPECT_NE(err.find("error: log: note: signed by comity.localhost/log with another key"), std::string::npos) << err;
  // The right key, but the remembered checkpoint says size 6 had another root:
  // the monitor reports the rewritten history.
  auto key = crypto::SigningKey::load_pem(log_key_of(db));
  std::ofstream(state, std::ios::trunc) << ledger::sign_checkpoint({"comity.localhost/log", 6, ledger::leaf_hash("x")},
                                                                   key);
  EXPECT_EQ(run_cli(base, out, err, dir), 1);
  EXPECT_NE(err.find("history rewritten"), std::string::npos) << err;
  // A saved case log whose salt was altered does not open its commitment.
  json saved = json::parse(test::read_text(case_log));
  saved["entries"][0]["salt"] = crypto::base64_encode(std::string(32, 'x'));
  std::ofstream(case_log, std::ios::trunc) << saved.dump();
  EXPECT_EQ(run_cli("log verify --url " + url + " --key '" + vkey + "' --case-log " + case_log, out, err, dir), 1);
  EXPECT_NE(err.find("the salt does not open the leaf's commitment"), std::string::npos) << err;
}

}  // namespace
}  // namespace comity
