// Black-box tests of `comity serve`: the real binary on a loopback port,
// driven over HTTP with cpp-httplib's client.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "comity/crypto/age.hpp"
#include "comity/crypto/ed25519.hpp"
#include "comity/ledger/checkpoint.hpp"
#include "comity/ledger/merkle.hpp"
#include "comity/server/api_server.hpp"
#include "comity/service/identity.hpp"
#include "comity/service/ids.hpp"
#include "comity/store/sqlite.hpp"
#include "comity/store/store.hpp"
#include "comity/trust/credentials.hpp"
#include "comity/trust/orders.hpp"
#include "comity/trust/production.hpp"
#include "comity/util/sha256.hpp"
#include "test_support.hpp"

namespace comity {
namespace {

using nlohmann::json;

// Which cases the server opens: most tests exercise other things with
// plain requests; the signed-order tests run the default, signed only.
enum class Orders : uint8_t { AcceptUnsigned, SignedOnly };

// Starts `comity serve` on a free port and stops it with SIGTERM.
class Server {
 public:
  // `extra`: more arguments for `comity serve`, e.g. {"--clock-file", path}.
  explicit Server(const std::string& db, std::vector<std::string> extra = {}, Orders orders = Orders::AcceptUnsigned) {
    const bool orders_unsigned = orders == Orders::AcceptUnsigned;
    std::string pack = test::source_dir() + "/rules";
    std::vector<std::string> args = {COMITY_BINARY, "serve", "--db", db, "--listen", "127.0.0.1:0", "--pack", pack};
    if (orders_unsigned) args.insert(args.end(), {"--orders", "unsigned"});
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      close(out[0]);
      execv(COMITY_BINARY, argv.data());
      _exit(127);
    }
    close(out[1]);
    FILE* f = fdopen(out[0], "r");
    char line[512] = {};
    if (!fgets(line, sizeof line, f)) throw std::runtime_error("the server printed nothing");
    std::string s(line);
    auto p = s.find("127.0.0.1:");
    port_ = std::stoi(s.substr(p + 10));
    out_ = f;
  }
  ~Server() { stop(); }
  // Ends the server with `signal` and returns its exit code (128 + signal if killed).
  int end(int signal) {
    if (pid_ <= 0) return exit_code_;
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    if (out_) fclose(out_);
    out_ = nullptr;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return exit_code_;
  }
  int stop() { return end(SIGTERM); }
  int port() const { return port_; }
  // Kills the server without warning (SIGKILL): no chance to flush anything.
  void kill_hard() { end(SIGKILL); }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(10, 0);
    return c;
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  FILE* out_ = nullptr;
  int exit_code_ = -1;
};

// Parties, users and their tokens, written to the database before the
// server starts. A token is "tok-" + the user id.
void seed(const std::string& db) {
  auto store = open_sqlite_store(db);
  const std::tuple<const char*, const char*, const char*> parties[] = {
      {"de-sta", "issuing_authority", "DE"},     {"fr-parquet", "issuing_authority", "FR"},
      {"be-parquet", "issuing_authority", "BE"}, {"be-juge", "validating_authority", "BE"},
      {"de-ag", "validating_authority", "DE"},   {"comity-admin", "admin", "BE"},
      {"gb-nca", "issuing_authority", "GB"},     {"es-juzgado", "issuing_authority", "ES"},
      {"de-ca", "central_authority", "DE"},      {"nl-ca", "central_authority", "NL"},
      {"gb-ca", "central_authority", "GB"},      {"us-ca", "central_authority", "US"},
      {"pl-ca", "central_authority", "PL"},      {"NL-MAILCO", "provider", "NL"},
      {"US-CLOUDCO", "provider", "US"},          {"PL-KOMUNIK", "provider", "PL"},
      {"NL-HOSTCO", "provider", "NL"},           {"eu-oversight", "oversight", "BE"}};
  for (auto [id, kind, state] : parties) store->put_party({id, kind, state, id}, test::seed_audit("create_party", "p"));
  const std::tuple<const char*, const char*, PartyRole> users[] = {
      {"officer-de", "de-sta", PartyRole::Officer},
      {"officer-fr", "fr-parquet", PartyRole::Officer},
      {"officer-gb", "gb-nca", PartyRole::Officer},
      {"officer-es", "es-juzgado", PartyRole::Officer},
      {"ca-gb", "gb-ca", PartyRole::CentralAuthority},
      {"ca-us", "us-ca", PartyRole::CentralAuthority},
      {"enforcing-pl", "pl-ca", PartyRole::EnforcingAuthority},
      {"provider-pl", "PL-KOMUNIK", PartyRole::Provider},
      {"ca-nl", "nl-ca", PartyRole::CentralAuthority},
      {"provider-nl", "NL-MAILCO", PartyRole::Provider},
      {"provider-us", "US-CLOUDCO", PartyRole::Provider},
      {"overseer", "eu-oversight", PartyRole::Oversight},
      {"officer-be", "be-parquet", PartyRole::Officer},
      {"validator-be", "be-juge", PartyRole::Validator},
      {"validator-de", "de-ag", PartyRole::Validator},
      {"ca-de", "de-ca", PartyRole::CentralAuthority},
      {"admin", "comity-admin", PartyRole::Admin},
      {"spare", "fr-parquet", PartyRole::Officer},
      {"provider-hostco", "NL-HOSTCO", PartyRole::Provider},
      {"revoked", "de-sta", PartyRole::Officer}};
  for (auto [id, party, role] : users) {
    store->put_user({id, party, id, role}, test::seed_audit("create_user", "u"));
    store->put_token(std::string("t-") + id, id, sha256_hex(std::string("tok-") + id), 0,
                     test::seed_audit("issue_token", "t"));
  }
  store->revoke_token("t-revoked", 1, test::seed_audit("revoke_token", "t"));
}

httplib::Headers bearer(const std::string& user) {
  return {{"Authorization", "Bearer tok-" + user}};
}

struct ServerTest : ::testing::Test {
  test::TempDir dir;
  std::string db = (dir.path() / "c.db").string();
  std::unique_ptr<Server> server = [this] {
    seed(db);
    return std::make_unique<Server>(db);
  }();
  httplib::Client http = server->client();

  httplib::Result post(const std::string& path, const json& body, const std::string& user) {
    return http.Post(path, bearer(user), body.dump(), "application/json");
  }
  httplib::Result get(const std::string& path, const std::string& user) { return http.Get(path, bearer(user)); }
};

json problem_of(const httplib::Result& r, int status) {
  EXPECT_TRUE(r);
  EXPECT_EQ(r->status, status);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/problem+json");
  json p = json::parse(r->body);
  EXPECT_EQ(p["status"], status);
  EXPECT_TRUE(p.contains("title"));
  return p;
}

TEST_F(ServerTest, HealthAndReadiness) {
  auto h = http.Get("/healthz");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  auto r = http.Get("/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(r->body)["pack"].get<std::string>().rfind("sha256:", 0), 0u);
}

TEST_F(ServerTest, EvaluatesARequest) {
  auto body = test::read_text(test::source_dir() + "/examples/s02-eu-content-prosecutor-no-judge.json");
  problem_of(http.Post("/api/v1/evaluate?at=2026-09-15", body, "application/json"), 401);  // no token
  problem_of(http.Post("/api/v1/evaluate", bearer("revoked"), body, "application/json"), 401);
  auto r = http.Post("/api/v1/evaluate?at=2026-09-15", bearer("officer-de"), body, "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  json d = json::parse(r->body);
  EXPECT_EQ(d["format"], "comity.decision/1");
  EXPECT_EQ(d["summary"]["preserve_now"], "P_EU_EPOC_PR");
}

TEST_F(ServerTest, BadInputGetsProblemDetailsWithFieldPaths) {
  auto h = bearer("officer-de");
  json p = problem_of(http.Post("/api/v1/evaluate", h, R"({"requesting_state": "XX", "extra": 1})", "application/json"),
                      422);
  std::set<std::string> paths;
  for (const auto& e : p["errors"]) paths.insert(e["path"].get<std::string>());
  EXPECT_TRUE(paths.count("$.requesting_state"));
  EXPECT_TRUE(paths.count("$.extra"));
  problem_of(http.Post("/api/v1/evaluate", h, "{not json", "application/json"), 400);
  problem_of(http.Post("/api/v1/evaluate", h, std::string(10000, '[') + std::string(10000, ']'), "application/json"),
             400);
  problem_of(http.Post("/api/v1/evaluate", h, "{}", "text/plain"), 415);
  problem_of(http.Post("/api/v1/evaluate?at=2026-13-01", h, "{}", "application/json"), 400);
  problem_of(http.Post("/api/v1/evaluate", h, std::string(2 << 20, ' '), "application/json"), 413);
  problem_of(http.Get("/api/v1/nothing-here"), 404);
  // The server is still healthy after all of that.
  auto health = http.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(ServerTest, MetricsCountRequestsAndClocks) {
  http.Get("/healthz");
  http.Post("/api/v1/evaluate", bearer("officer-de"), "{}", "application/json");
  auto m = http.Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_NE(m->body.find("comity_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"),
            std::string::npos)
      << m->body;
  EXPECT_NE(m->body.find("route=\"/api/v1/evaluate\",status=\"422\"} 1"), std::string::npos);
  EXPECT_NE(m->body.find("comity_overdue_clocks 0"), std::string::npos);
  EXPECT_NE(m->body.find("comity_http_request_duration_seconds_bucket"), std::string::npos);
}

TEST_F(ServerTest, OpenApiDocumentMatchesTheRoutes) {
  auto r = http.Get("/api/v1/openapi.json");
  ASSERT_TRUE(r);
  json doc = json::parse(r->body);
  EXPECT_EQ(doc["openapi"], "3.1.0");
  std::set<std::string> documented, served;
  for (auto& [path, ops] : doc["paths"].items())
    for (auto& [method, op] : ops.items()) {
      std::string m = method;
      std::transform(m.begin(), m.end(), m.begin(), ::toupper);
      documented.insert(m + " " + path);
    }
  for (const auto& route : api_routes()) served.insert(route.method + " " + route.path);
  EXPECT_EQ(documented, served);
  EXPECT_EQ(json::parse(test::read_text(test::source_dir() + "/api/openapi.json")), doc);
}

TEST_F(ServerTest, EpocFromOfficerToProviderWithPermissionsOnEveryRoute) {
  json request = json::parse(test::read_text(test::source_dir() + "/examples/s01-eu-subscriber-prosecutor.json"));
  // Only officers open cases; the body is checked field by field.
  problem_of(post("/api/v1/cases", {{"request", request}, {"pathway", "P_EU_EPOC"}}, "provider-nl"), 403);
  json bad =
      problem_of(post("/api/v1/cases", {{"request", {{"requesting_state", "XX"}}}, {"pathway", "P_EU_EPOC"}, {"x", 1}},
                      "officer-de"),
                 422);
  EXPECT_EQ(bad["errors"][0]["path"], "$.x");
  bad = problem_of(
      post("/api/v1/cases", {{"request", {{"requesting_state", "XX"}}}, {"pathway", "P_EU_EPOC"}}, "officer-de"), 422);
  EXPECT_EQ(bad["errors"][0]["path"], "$.request.requesting_state");
  auto created = post("/api/v1/cases", {{"request", request}, {"pathway", "P_EU_EPOC"}}, "officer-de");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  json c = json::parse(created->body);
  std::string id = c["id"], path = "/api/v1/cases/" + id;
  EXPECT_EQ(created->get_header_value("Location"), path);
  EXPECT_EQ(c["state"], "draft");

  // Before transmission the provider cannot see the order at all.
  problem_of(get(path, "provider-nl"), 404);
  for (const char* e : {"submit", "mark_ready", "transmit"}) {
    auto r = post(path + "/events", {{"event", e}}, "officer-de");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << e << " " << r->body;
  }
  // The addressed provider now sees the order — not the facts or the reasoning.
  auto seen = get(path, "provider-nl");
  ASSERT_TRUE(seen);
  ASSERT_EQ(seen->status, 200);
  json order = json::parse(seen->body);
  EXPECT_EQ(order["view"], "order");
  EXPECT_FALSE(order.contains("request"));
  EXPECT_FALSE(order.contains("decision_url"));
  EXPECT_EQ(order["order"]["pathway"], "P_EU_EPOC");
  EXPECT_EQ(order["order"]["role"], "primary");
  EXPECT_FALSE(order["order"]["data_categories"].empty());
  problem_of(get(path + "/decision", "provider-nl"), 403);  // the order, not the reasoning
  // The issuing authority reads the decision the case was opened on.
  auto decided = get(path + "/decision", "officer-de");
  ASSERT_EQ(decided->status, 200);
  json decision = json::parse(decided->body);
  EXPECT_EQ(decision["format"], "comity.decision/1");
  EXPECT_EQ(decision["pack"]["content_hash"], json::parse(get(path, "officer-de")->body)["rule_pack"]);
  // Rendered again from the recorded request, pack and date: the same as evaluating it then.
  auto again = http.Post("/api/v1/evaluate?at=" + decision["evaluated_at"].get<std::string>(), bearer("officer-de"),
                         request.dump(), "application/json");
  ASSERT_EQ(again->status, 200);
  EXPECT_EQ(json::parse(again->body), decision);
  EXPECT_EQ(order["allowed_events"], json({"acknowledge", "report_inability", "object", "produce"}));
  // Another provider reaches for it: not found, by reading or by acting.
  problem_of(get(path, "provider-us"), 404);
  problem_of(post(path + "/events", {{"event", "produce"}}, "provider-us"), 404);
  // Another State's officer: not found. Oversight: metadata, and may not act.
  problem_of(get(path, "officer-fr"), 404);
  auto meta = get(path, "overseer");
  ASSERT_TRUE(meta);
  json m = json::parse(meta->body);
  EXPECT_EQ(m["view"], "metadata");
  EXPECT_FALSE(m.contains("request"));
  problem_of(post(path + "/events", {{"event", "close"}}, "overseer"), 403);
  // The workflow's own rules: wrong role, missing reason, impossible step.
  problem_of(post(path + "/events", {{"event", "produce"}}, "officer-de"), 403);
  json why = problem_of(post(path + "/events", {{"event", "report_inability"}}, "provider-nl"), 422);
  EXPECT_EQ(why["errors"][0]["path"], "$.reason");
  problem_of(post(path + "/events", {{"event", "close"}}, "officer-de"), 409);
  problem_of(post(path + "/events", {{"event", "teleport"}}, "officer-de"), 422);
  ASSERT_EQ(post(path + "/events", {{"event", "acknowledge"}}, "provider-nl")->status, 200);
  auto produced = post(path + "/events", {{"event", "produce"}}, "provider-nl");
  ASSERT_EQ(produced->status, 200);
  EXPECT_EQ(json::parse(produced->body)["state"], "produced");
  // Lists show each party only its own cases.
  auto mine = get("/api/v1/cases", "provider-nl");
  EXPECT_EQ(json::parse(mine->body)["items"].size(), 1u);
  EXPECT_EQ(json::parse(get("/api/v1/cases", "provider-us")->body)["items"].size(), 0u);
  EXPECT_EQ(json::parse(get("/api/v1/cases", "officer-fr")->body)["items"].size(), 0u);
  problem_of(get("/api/v1/cases?limit=0", "officer-de"), 400);
  problem_of(http.Get("/api/v1/cases"), 401);
}

TEST_F(ServerTest, CursorPagination) {
  json request = json::parse(test::read_text(test::source_dir() + "/examples/s01-eu-subscriber-prosecutor.json"));
  std::set<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    auto r = post("/api/v1/cases", {{"request", request}, {"pathway", "P_EU_EPOC"}}, "officer-de");
    ASSERT_EQ(r->status, 201);
    ids.insert(json::parse(r->body)["id"].get<std::string>());
  }
  std::set<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    auto r = get("/api/v1/cases?limit=2" + (cursor.empty() ? std::string() : "&cursor=" + cursor), "officer-de");
    json body = json::parse(r->body);
    for (const auto& item : body["items"]) EXPECT_TRUE(seen.insert(item["id"].get<std::string>()).second);
    if (body["next_cursor"].is_null()) break;
    cursor = body["next_cursor"];
  }
  EXPECT_EQ(seen, ids);
}

TEST_F(ServerTest, IdempotencyKeysMakePostsRetrySafe) {
  json request = json::parse(test::read_text(test::source_dir() + "/examples/s01-eu-subscriber-prosecutor.json"));
  json body = {{"request", request}, {"pathway", "P_EU_EPOC"}};
  auto h = bearer("officer-de");
  h.emplace("Idempotency-Key", "create-0001");
  auto first = http.Post("/api/v1/cases", h, body.dump(), "application/json");
  auto retry = http.Post("/api/v1/cases", h, body.dump(), "application/json");
  ASSERT_EQ(first->status, 201);
  ASSERT_EQ(retry->status, 201);
  EXPECT_EQ(retry->get_header_value("Idempotent-Replayed"), "true");
  std::string id = json::parse(first->body)["id"];
  EXPECT_EQ(json::parse(retry->body)["id"], id);
  EXPECT_EQ(json::parse(get("/api/v1/cases", "officer-de")->body)["items"].size(), 1u);  // one case, not two
  json other = body;
  other["pathway"] = "P_EIO";
  problem_of(http.Post("/api/v1/cases", h, other.dump(), "application/json"), 422);  // same key, other request
  auto hs = bearer("officer-de");
  hs.emplace("Idempotency-Key", "step-submit");
  std::string events = "/api/v1/cases/" + id + "/events";
  ASSERT_EQ(http.Post(events, hs, R"({"event":"submit"})", "application/json")->status, 200);
  auto again = http.Post(events, hs, R"({"event":"submit"})", "application/json");
  ASSERT_EQ(again->status, 200);  // not 409: the step was already taken with this key
  EXPECT_EQ(again->get_header_value("Idempotent-Replayed"), "true");
  EXPECT_EQ(json::parse(again->body)["history"].size(), 1u);
  problem_of(http.Post(events, hs, R"({"event":"withdraw","reason":"x"})", "application/json"), 422);
  auto bad = bearer("officer-de");
  bad.emplace("Idempotency-Key", std::string(201, 'k'));
  problem_of(http.Post("/api/v1/cases", bad, body.dump(), "application/json"), 400);
}

// Three rounds of load and a hard kill: each starts the server on `db` (with
// `extra` arguments; `started` runs first, if given), lets four clients make
// calls — call(client, round, client number, call number), false once the
// server stopped answering — and kills the server with SIGKILL after 600 ms.
void load_and_kill(const std::string& db, const std::vector<std::string>& extra,
                   const std::function<bool(httplib::Client&, int, int, int)>& call,
                   const std::function<void(Server&)>& started = nullptr) {
  for (int round = 0; round < 3; ++round) {
    Server server(db, extra);
    if (started) started(server);
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int t = 0; t < 4; ++t)
      clients.emplace_back([&, t] {
        httplib::Client c = server.client();
        c.set_connection_timeout(2, 0);
        for (int i = 0; !stop && i < 10000; ++i)
          if (!call(c, round, t, i)) break;
      });
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
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
  std::string db = (dir.path() / "c.db").string();
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
  Db check(db, Db::Mode::ReadOnly);
  auto gap = check.prepare("SELECT count(*), coalesce(max(idx), -1) FROM log_leaves");
  ASSERT_TRUE(gap.step());
  EXPECT_EQ(gap.integer(0), gap.integer(1) + 1) << "a gap in the log";
  EXPECT_EQ(static_cast<uint64_t>(gap.integer(0)), now.size);
  auto opened = check.prepare("SELECT 1 FROM log_leaves WHERE case_id = ? AND event_seq = -1");
  for (const auto& id : acknowledged) {
    opened.reset();
    opened.bind(1, id);
    EXPECT_TRUE(opened.step()) << "acknowledged case " << id << " has no leaf";
  }
  // Every checkpoint the server stored is one of the tree's.
  auto stored = check.prepare("SELECT tree_size, root FROM log_checkpoints");
  while (stored.step()) {
    std::string root = stored.text(1);
    EXPECT_EQ(
        std::string(reinterpret_cast<const char*>(tree.root(static_cast<uint64_t>(stored.integer(0))).data()), 32),
        root);
  }
}

// Durability: every case the server acknowledged with 201 survives SIGKILL
// under concurrent load (synchronous=FULL), three times over.
TEST(ServerCrash, AcknowledgedCasesSurviveSigkill) {
  test::TempDir dir;
  std::string db = (dir.path() / "c.db").string();
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
  Db check(db, Db::Mode::ReadOnly);
  auto integrity = check.prepare("PRAGMA integrity_check");
  ASSERT_TRUE(integrity.step());
  EXPECT_EQ(integrity.text(0), "ok");
  auto fk = check.prepare("PRAGMA foreign_key_check");
  EXPECT_FALSE(fk.step());
}

// Takes `event` as `user` and expects `status`; returns the case.
httplib::Result t_post_event(ServerTest& t, const std::string& id, const json& body, const char* user) {
  return t.post("/api/v1/cases/" + id + "/events", body, user);
}

json step(ServerTest& t, const std::string& id, const char* event, const char* user, int status = 200,
          const char* reason = nullptr, const char* ground = nullptr) {
  json body = {{"event", event}};
  if (reason) body["reason"] = reason;
  if (ground) body["ground"] = ground;
  auto r = t.post("/api/v1/cases/" + id + "/events", body, user);
  EXPECT_TRUE(r);
  if (!r) return json();
  EXPECT_EQ(r->status, status) << event << " by " << user << ": " << r->body;
  return json::parse(r->body);
}

std::string open_case(ServerTest& t, const char* example, const char* pathway, const char* user) {
  json request = json::parse(test::read_text(test::source_dir() + "/examples/" + example));
  auto r = t.post("/api/v1/cases", {{"request", request}, {"pathway", pathway}}, user);
  EXPECT_TRUE(r);
  EXPECT_EQ(r->status, 201) << r->body;
  return json::parse(r->body)["id"];
}

// The public transparency page counts what the latest checkpoint holds.
TEST_F(ServerTest, PublicTransparencyPage) {
  open_case(*this, "s01-eu-subscriber-prosecutor.json", "P_EU_EPOC", "officer-de");
  ASSERT_EQ(post("/api/v1/log/checkpoint", json::object(), "admin")->status, 201);
  auto r = http.Get("/transparency");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(r->get_header_value("Content-Security-Policy").rfind("default-src 'none'", 0), 0u);
  EXPECT_NE(r->body.find("<tr><th scope=\"row\">Cases opened</th><td>1</td></tr>"), std::string::npos);
  EXPECT_NE(r->body.find("<tr><th scope=\"row\">P_EU_EPOC</th><td>1</td></tr>"), std::string::npos);
  EXPECT_NE(r->body.find("<tr><th scope=\"row\">DE-NL</th><td>1</td></tr>"), std::string::npos);
  // Nothing of the request's facts: no authority, no case reference.
  EXPECT_EQ(r->body.find("DE-STA-BERLIN"), std::string::npos);
  EXPECT_EQ(r->body.find("254 Js"), std::string::npos);
}

// The web app is served from the binary: its page under a strict policy,
// its files revalidated by digest, nothing else under /app/.
TEST_F(ServerTest, WebAppIsServedFromTheBinary) {
  auto page = http.Get("/");
  ASSERT_TRUE(page);
  ASSERT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("script-src 'self'"), std::string::npos);
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_NE(page->body.find("/app/app.js"), std::string::npos);
  auto js = http.Get("/app/app.js");
  ASSERT_EQ(js->status, 200);
  EXPECT_EQ(js->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js->get_header_value("X-Content-Type-Options"), "nosniff");
  httplib::Headers again = {{"If-None-Match", js->get_header_value("ETag")}};
  EXPECT_EQ(http.Get("/app/app.js", again)->status, 304);
  EXPECT_EQ(problem_of(http.Get("/app/nothing.js"), 404)["detail"], "no file nothing.js");
  EXPECT_EQ(http.Get("/app/../api/v1/openapi.json")->status, 404);
  json labels = json::parse(http.Get("/app/labels.json")->body);
  EXPECT_EQ(labels["codes"]["DataCategory"]["SUBSCRIBER"][2], "Teilnehmerdaten");
  EXPECT_EQ(json::parse(http.Get("/api/v1")->body)["name"], "Comity");
}

// A desk's queue is ordered by the running clock due first; the documents
// come in the reader's language, and the addressee's holds no reasons.
TEST_F(ServerTest, QueuesCarryTheNextDeadlineAndDocumentsTheReadersLanguage) {
  std::string id = open_case(*this, "s01-eu-subscriber-prosecutor.json", "P_EU_EPOC", "officer-de");
  json listed = json::parse(get("/api/v1/cases", "officer-de")->body)["items"][0];
  EXPECT_TRUE(listed["next_deadline"].is_null());  // a draft runs no clock
  for (const char* e : {"submit", "mark_ready", "transmit"}) step(*this, id, e, "officer-de");
  json c = json::parse(get("/api/v1/cases/" + id, "officer-de")->body);
  std::string first_due;
  std::string first_deadline;
  for (const auto& k : c["clocks"])
    if (k["status"] != "stopped" && (first_due.empty() || k["due"].get<std::string>() < first_due)) {
      first_due = k["due"];
      first_deadline = k["deadline"];
    }
  ASSERT_FALSE(first_due.empty());
  listed = json::parse(get("/api/v1/cases", "provider-nl")->body)["items"][0];
  EXPECT_EQ(listed["next_deadline"], json({{"deadline", first_deadline}, {"due", first_due}}));
  // The addressee's view carries what the order must, not the facts.
  json order = json::parse(get("/api/v1/cases/" + id, "provider-nl")->body);
  EXPECT_EQ(order["certificate"]["identifiers"][0]["type"], "EMAIL");
  EXPECT_FALSE(order["certificate"].contains("facts_summary"));
  EXPECT_FALSE(order.contains("request"));

  auto pdf = get("/api/v1/cases/" + id + "/document?lang=de", "provider-nl");
  ASSERT_EQ(pdf->status, 200);
  EXPECT_EQ(pdf->get_header_value("Content-Type"), "application/pdf");
  EXPECT_EQ(pdf->body.rfind("%PDF-1.7", 0), 0u);
  EXPECT_NE(pdf->body.find("/Lang (de)"), std::string::npos);
  EXPECT_EQ(pdf->body.find("delivered nothing"), std::string::npos);
  auto full = get("/api/v1/cases/" + id + "/document?lang=en", "officer-de");
  EXPECT_NE(full->body.find("delivered nothing"), std::string::npos);
  EXPECT_NE(full->body.find("This order was not signed electronically."), std::string::npos);  // --orders unsigned
  EXPECT_EQ(problem_of(get("/api/v1/cases/" + id + "/document?lang=es", "officer-de"), 400)["errors"][0]["path"],
            "$query.lang");
  // Each document given out is audited with the digest of its bytes.
  json audit = json::parse(get("/api/v1/audit?limit=200", "overseer")->body)["items"];
  int documents = 0;
  for (const auto& a : audit)
    if (a["action"] == "read_case:document") {
      ++documents;
      EXPECT_TRUE(a["payload_sha256"] == sha256_hex(pdf->body) || a["payload_sha256"] == sha256_hex(full->body));
    }
  EXPECT_EQ(documents, 2);
}

// Drafts: saved, listed, replaced with optimistic versions, private to their author.
TEST_F(ServerTest, DraftsAreTheAuthorsOwnAndNeverOverwriteNewerWork) {
  json partial = {{"requesting_state", "DE"}, {"case_reference", "StA Berlin 1/26"}};
  auto created = post("/api/v1/drafts", {{"request", partial}}, "officer-de");
  ASSERT_EQ(created->status, 201) << created->body;
  json d = json::parse(created->body);
  const std::string path = "/api/v1/drafts/" + d["id"].get<std::string>();
  EXPECT_EQ(d["version"], 1);
  EXPECT_EQ(d["request"], partial);
  partial["data_categories"] = {"SUBSCRIBER"};
  auto saved = post(path, {{"version", 1}, {"request", partial}}, "officer-de");
  ASSERT_EQ(saved->status, 200) << saved->body;
  EXPECT_EQ(json::parse(saved->body)["version"], 2);
  // A save from a stale tab is refused, not applied.
  problem_of(post(path, {{"version", 1}, {"request", json::object()}}, "officer-de"), 409);
  EXPECT_EQ(json::parse(get(path, "officer-de")->body)["request"], partial);
  // A revoked token is refused; another officer finds nothing.
  problem_of(get(path, "revoked"), 401);
  problem_of(get(path, "officer-fr"), 404);
  problem_of(post(path, {{"version", 2}, {"request", json::object()}}, "officer-fr"), 404);
  json list = json::parse(get("/api/v1/drafts", "officer-de")->body);
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_FALSE(list["items"][0].contains("request"));
  EXPECT_EQ(json::parse(get("/api/v1/drafts", "officer-fr")->body)["items"].size(), 0u);
  // A draft is an object; deleting it is for its author.
  EXPECT_EQ(problem_of(post("/api/v1/drafts", {{"request", "text"}}, "officer-de"), 422)["errors"][0]["path"],
            "$.request");
  problem_of(post(path + "/delete", json::object(), "officer-fr"), 404);
  ASSERT_EQ(post(path + "/delete", json::object(), "officer-de")->status, 200);
  problem_of(get(path, "officer-de"), 404);
}

TEST_F(ServerTest, MlaThroughBothCentralAuthorities) {
  // S13: a UK request for a dual national's content from a US provider: the CLOUD
  // agreement is barred, so it goes by MLA (the US-UK treaty).
  std::string id = open_case(*this, "s13-uk-us-dual-national.json", "P_MLAT", "officer-gb");
  std::string path = "/api/v1/cases/" + id;
  step(*this, id, "submit", "officer-gb");
  step(*this, id, "send_to_central_authority", "officer-gb");
  problem_of(get(path, "ca-us"), 404);             // the requested side sees nothing before transmission
  step(*this, id, "transmit", "officer-gb", 403);  // only a central authority transmits
  step(*this, id, "transmit", "ca-gb");
  ASSERT_EQ(get(path, "ca-us")->status, 200);
  step(*this, id, "receive", "ca-gb", 403);  // the requesting side cannot take the requested side's steps
  json c = step(*this, id, "receive", "ca-us");
  EXPECT_EQ(c["allowed_events"], json({"accept", "refuse", "request_supplement"}));
  step(*this, id, "accept", "ca-gb", 403);
  // The requested side asks for more; the officer answers; the file returns to its review.
  c = step(*this, id, "request_supplement", "ca-us", 200, "which account: the two e-mail addresses differ");
  EXPECT_EQ(c["state"], "supplement_requested");
  c = step(*this, id, "provide_supplement", "officer-gb", 200, "the address in field 3");
  EXPECT_EQ(c["state"], "requested_review");
  c = step(*this, id, "accept", "ca-us");
  EXPECT_EQ(c["state"], "executing");
  c = step(*this, id, "return_evidence", "ca-us");
  c = step(*this, id, "close", "officer-gb");
  EXPECT_EQ(c["state"], "closed");
  EXPECT_EQ(c["history"].size(), 9u);
  problem_of(get(path, "provider-us"), 404);  // MLA never puts the provider in the case
}

TEST_F(ServerTest, UkOrderToAUsProviderUnderTheCloudAgreement) {
  std::string id = open_case(*this, "s12-uk-us-cloud-agreement.json", "P_CLOUD_UKUS", "officer-gb");
  step(*this, id, "submit", "officer-gb");
  step(*this, id, "mark_ready", "officer-gb");
  step(*this, id, "transmit", "officer-gb");
  auto seen = get("/api/v1/cases/" + id, "provider-us");
  ASSERT_EQ(seen->status, 200);
  json order = json::parse(seen->body);
  EXPECT_EQ(order["order"]["pathway"], "P_CLOUD_UKUS");
  EXPECT_FALSE(order["order"]["use_limitations"].empty());  // no onward transfer without consent, …
  step(*this, id, "acknowledge", "provider-us");
  json c = step(*this, id, "produce", "provider-us");
  EXPECT_EQ(c["state"], "produced");
  problem_of(get("/api/v1/cases/" + id, "provider-nl"), 404);
}

TEST_F(ServerTest, NotifiedEpocForContentRefusedByTheEnforcingAuthority) {
  // S05b: residence unknown, so PL is notified and may refuse within 10 days.
  std::string id = open_case(*this, "s05b-eu-notification-residence-unknown.json", "P_EU_EPOC", "officer-es");
  std::string path = "/api/v1/cases/" + id;
  step(*this, id, "submit", "officer-es");
  step(*this, id, "mark_ready", "officer-es");
  problem_of(get(path, "enforcing-pl"), 404);  // not before the simultaneous notification
  json c = step(*this, id, "transmit", "officer-es");
  std::set<std::string> clocks;
  for (const auto& k : c["clocks"]) clocks.insert(k["deadline"].get<std::string>());
  EXPECT_TRUE(clocks.count("EU.DL.2") && clocks.count("EU.DL.5")) << c["clocks"].dump();
  auto seen = get(path, "enforcing-pl");
  ASSERT_EQ(seen->status, 200);
  EXPECT_EQ(json::parse(seen->body)["view"], "full");  // the enforcing authority receives (a)-(j)
  step(*this, id, "refuse", "provider-pl", 403);
  step(*this, id, "refuse", "enforcing-pl", 422);  // a refusal needs its reason
  // ... and its coded ground, from the list the case offers the enforcing authority.
  json offered = json::parse(get(path, "enforcing-pl")->body)["grounds"]["refuse"];
  ASSERT_EQ(offered.size(), 4u);
  EXPECT_EQ(offered[3]["code"], "dual_criminality");
  EXPECT_EQ(offered[3]["citation"], "Reg. (EU) 2023/1543 Art 12(1)(d)");
  json p = problem_of(t_post_event(*this, id, {{"event", "refuse"}, {"reason", "x"}}, "enforcing-pl"), 422);
  EXPECT_EQ(p["errors"][0]["path"], "$.ground");
  p = problem_of(
      t_post_event(*this, id, {{"event", "refuse"}, {"reason", "x"}, {"ground", "fiscal_offence"}}, "enforcing-pl"),
      422);
  EXPECT_EQ(p["errors"][0]["path"], "$.ground");
  c = step(*this, id, "refuse", "enforcing-pl", 200, "Art 12(1)(d): the conduct is not an offence in PL",
           "dual_criminality");
  EXPECT_EQ(c["state"], "refused");
  for (const auto& k : c["clocks"]) EXPECT_EQ(k["status"], "stopped");
  EXPECT_EQ(c["history"].back()["reason"], "Art 12(1)(d): the conduct is not an offence in PL");
  EXPECT_EQ(c["history"].back()["ground"], "dual_criminality");
  // Oversight sees the coded ground, not the words.
  json meta = json::parse(get(path, "overseer")->body)["history"].back();
  EXPECT_EQ(meta["ground"], "dual_criminality");
  EXPECT_FALSE(meta.contains("reason"));
  EXPECT_EQ(get(path, "enforcing-pl")->status, 200);  // it keeps reading the case it refused
}

// An emergency EPOC issued without prior validation (Reg. 2023/1543 Art 4(5)):
// nobody validates it within 48 hours, so the server's own expiry sweep
// withdraws it and marks the data obtained for deletion. Time is moved
// through the server's clock file.
// A seeded server whose time the test moves through its clock file
// (starting 2026-09-15T09:00:00Z), sweeping expiries every 50 ms.
struct ServerClock : ::testing::Test {
  test::TempDir dir;
  std::string db = (dir.path() / "c.db").string(), clock_file = (dir.path() / "now").string();
  void set_time(const char* iso) { std::ofstream(clock_file) << iso << "\n"; }
  std::unique_ptr<Server> server = [this] {
    seed(db);
    set_time("2026-09-15T09:00:00Z");
    return std::make_unique<Server>(db, std::vector<std::string>{"--clock-file", clock_file, "--sweep-ms", "50"});
  }();
  httplib::Client http = server->client();
  httplib::Result post(const std::string& path, const json& body, const std::string& user) {
    return http.Post(path, bearer(user), body.dump(), "application/json");
  }
};

TEST_F(ServerClock, EmergencyOrderWhoseExPostValidationExpires) {
  json request = json::parse(test::read_text(test::source_dir() + "/examples/s07-eu-emergency-kidnapping.json"));
  // A German officer cannot issue it in Belgium's name.
  auto foreign = post("/api/v1/cases", {{"request", request}, {"pathway", "P_EU_EPOC"}}, "officer-de");
  ASSERT_EQ(foreign->status, 422);
  EXPECT_EQ(json::parse(foreign->body)["errors"][0]["path"], "$.request.requesting_state");
  auto created = post("/api/v1/cases", {{"request", request}, {"pathway", "P_EU_EPOC"}}, "officer-be");
  ASSERT_EQ(created->status, 201) << created->body;
  std::string path = "/api/v1/cases/" + json::parse(created->body)["id"].get<std::string>();
  ASSERT_EQ(post(path + "/events", {{"event", "submit"}}, "officer-be")->status, 200);
  auto sent = post(path + "/events", {{"event", "transmit_emergency"}}, "officer-be");
  ASSERT_EQ(sent->status, 200) << sent->body;
  json c = json::parse(sent->body);
  std::map<std::string, std::string> due;
  for (const auto& k : c["clocks"]) due[k["deadline"]] = k["due"];
  EXPECT_EQ(due["EU.DL.11"], "2026-09-17T09:00:00Z");  // 48 hours to validate ex post
  EXPECT_EQ(due["EU.DL.4"], "2026-09-15T17:00:00Z");   // 8 hours to produce
  set_time("2026-09-15T10:00:00Z");
  ASSERT_EQ(post(path + "/events", {{"event", "acknowledge"}}, "provider-hostco")->status, 200);
  ASSERT_EQ(post(path + "/events", {{"event", "produce"}}, "provider-hostco")->status, 200);

  set_time("2026-09-17T08:00:00Z");  // one hour left: due soon, nothing withdrawn
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  c = json::parse(http.Get(path, bearer("officer-be"))->body);
  EXPECT_EQ(c["state"], "produced");
  for (const auto& k : c["clocks"]) {
    if (k["deadline"] == "EU.DL.11") {
      EXPECT_EQ(k["status"], "due_soon");
    }
  }

  set_time("2026-09-17T09:00:01Z");  // the 48 hours have passed; no one touches the case
  for (int i = 0; i < 100 && c["state"] != "withdrawn"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    c = json::parse(http.Get(path, bearer("officer-be"))->body);
  }
  EXPECT_EQ(c["state"], "withdrawn");
  EXPECT_EQ(c["data_marked_for_deletion"], true);
  EXPECT_EQ(c["history"].back()["event"], "ex_post_validation_expired");
  EXPECT_EQ(c["history"].back()["by"], "system");
  EXPECT_EQ(c["history"].back()["at"], "2026-09-17T09:00:00Z");  // at the due time, not when swept
  for (const auto& k : c["clocks"]) EXPECT_EQ(k["status"], "stopped");
  // A late validation cannot revive it.
  auto late =
      http.Post(path + "/events", bearer("validator-be"), R"({"event":"validate_ex_post"})", "application/json");
  EXPECT_EQ(late->status, 409) << late->body;
  // The provider still sees the withdrawn order, with its data marked for deletion.
  json order = json::parse(http.Get(path, bearer("provider-hostco"))->body);
  EXPECT_EQ(order["data_marked_for_deletion"], true);
  auto metrics = http.Get("/metrics")->body;
  EXPECT_NE(metrics.find("comity_clock_expiry_events_total 1"), std::string::npos) << metrics;
  EXPECT_EQ(server->stop(), 0);
}

TEST_F(ServerTest, AdminRegistersPartiesUsersAndTokensAndEveryChangeIsAudited) {
  // Only an admin registers; the body is checked field by field.
  problem_of(post("/api/v1/parties", {{"id", "it-ca"}, {"kind", "central_authority"}, {"state", "IT"}, {"name", "x"}},
                  "officer-de"),
             403);
  json bad = problem_of(
      post("/api/v1/parties", {{"id", "it ca"}, {"kind", "ministry"}, {"state", "UK"}, {"name", ""}}, "admin"), 422);
  std::set<std::string> paths;
  for (const auto& e : bad["errors"]) paths.insert(e["path"]);
  EXPECT_EQ(paths, (std::set<std::string>{"$.id", "$.kind", "$.state", "$.name"}));
  auto created =
      post("/api/v1/parties",
           {{"id", "it-ca"}, {"kind", "central_authority"}, {"state", "IT"}, {"name", "Ministero della Giustizia"}},
           "admin");
  ASSERT_EQ(created->status, 201) << created->body;
  EXPECT_EQ(created->get_header_value("Location"), "/api/v1/parties/it-ca");
  EXPECT_EQ(json::parse(get("/api/v1/parties/it-ca", "provider-us")->body)["state"], "IT");  // a directory
  problem_of(post("/api/v1/parties", {{"id", "it-ca"}, {"kind", "central_authority"}, {"state", "IT"}, {"name", "x"}},
                  "admin"),
             409);
  // One central authority per State: the single point of contact.
  problem_of(post("/api/v1/parties", {{"id", "it-ca-2"}, {"kind", "central_authority"}, {"state", "IT"}, {"name", "x"}},
                  "admin"),
             409);
  // A user's role must fit its party's kind.
  json misfit = problem_of(
      post("/api/v1/users", {{"id", "it-officer"}, {"party_id", "it-ca"}, {"role", "officer"}, {"name", "x"}}, "admin"),
      422);
  EXPECT_EQ(misfit["errors"][0]["path"], "$.role");
  problem_of(post("/api/v1/users", {{"id", "it-x"}, {"party_id", "it-ca"}, {"role", "system"}, {"name", "x"}}, "admin"),
             422);
  ASSERT_EQ(
      post("/api/v1/users",
           {{"id", "ca-it"}, {"party_id", "it-ca"}, {"role", "central_authority"}, {"name", "Ufficio II"}}, "admin")
          ->status,
      201);
  problem_of(post("/api/v1/users/ca-it/tokens", json::object(), "officer-de"), 403);
  problem_of(post("/api/v1/users/nobody/tokens", json::object(), "admin"), 404);
  auto issued = post("/api/v1/users/ca-it/tokens", json::object(), "admin");
  ASSERT_EQ(issued->status, 201);
  EXPECT_EQ(issued->get_header_value("Cache-Control"), "no-store");
  json t = json::parse(issued->body);
  std::string token = t["token"], token_id = t["id"];
  httplib::Headers auth = {{"Authorization", "Bearer " + token}};
  auto me = http.Get("/api/v1/me", auth);
  ASSERT_EQ(me->status, 200);
  EXPECT_EQ(json::parse(me->body)["user"]["id"], "ca-it");
  EXPECT_EQ(json::parse(me->body)["party"]["state"], "IT");
  // Another user cannot revoke it (nor learn that it exists); its holder can.
  problem_of(post("/api/v1/tokens/" + token_id + "/revoke", json::object(), "officer-de"), 404);
  ASSERT_EQ(http.Post("/api/v1/tokens/" + token_id + "/revoke", auth, "{}", "application/json")->status, 200);
  problem_of(http.Get("/api/v1/me", auth), 401);
  problem_of(post("/api/v1/tokens/" + token_id + "/revoke", json::object(), "admin"), 409);  // already revoked

  // The trail: each change once, as its author, and never the token itself.
  problem_of(get("/api/v1/audit", "officer-de"), 403);
  auto trail = get("/api/v1/audit?limit=200", "overseer");
  ASSERT_EQ(trail->status, 200);
  EXPECT_EQ(trail->body.find(token), std::string::npos);
  std::vector<std::string> actions;
  json entries = json::parse(trail->body)["items"];
  for (const auto& a : entries)
    if (a["actor"] != "system:test-seed")
      actions.push_back(a["actor"].get<std::string>() + " " + a["action"].get<std::string>());
  EXPECT_EQ(actions, (std::vector<std::string>{"admin:admin create_party", "admin:admin create_user",
                                               "admin:admin issue_token", "central_authority:ca-it revoke_token"}));
}

TEST_F(ServerTest, ReadsOfFactsAndOrdersAreAudited) {
  std::string id = open_case(*this, "s01-eu-subscriber-prosecutor.json", "P_EU_EPOC", "officer-de");
  for (const char* e : {"submit", "mark_ready", "transmit"}) step(*this, id, e, "officer-de");
  auto full = get("/api/v1/cases/" + id, "officer-de");
  auto order = get("/api/v1/cases/" + id, "provider-nl");
  ASSERT_EQ(get("/api/v1/cases/" + id, "overseer")->status, 200);  // metadata: no facts, no read entry
  json items = json::parse(get("/api/v1/audit?limit=200", "overseer")->body)["items"];
  std::vector<json> reads;
  for (const auto& a : items)
    if (a["action"].get<std::string>().rfind("read_case", 0) == 0) reads.push_back(a);
  ASSERT_EQ(reads.size(), 2u);
  EXPECT_EQ(reads[0]["actor"], "officer:officer-de");
  EXPECT_EQ(reads[0]["action"], "read_case:full");
  EXPECT_EQ(reads[0]["object"], id);
  EXPECT_EQ(reads[0]["payload_sha256"], sha256_hex(full->body));  // exactly what was shown
  EXPECT_EQ(reads[1]["actor"], "provider:provider-nl");
  EXPECT_EQ(reads[1]["action"], "read_case:order");
  EXPECT_EQ(reads[1]["payload_sha256"], sha256_hex(order->body));
}

// Every role against every endpoint, on an EPOC from a German prosecutor to
// NL-MAILCO that has been transmitted (subscriber data: no notification).
// A route missing from this table fails the test, so new routes get a row.
TEST_F(ServerTest, PermissionMatrixEveryRoleEveryEndpoint) {
  std::string id = open_case(*this, "s01-eu-subscriber-prosecutor.json", "P_EU_EPOC", "officer-de");
  for (const char* e : {"submit", "mark_ready", "transmit"}) step(*this, id, e, "officer-de");
  json request = json::parse(test::read_text(test::source_dir() + "/examples/s01-eu-subscriber-prosecutor.json"));
  // Callers, in the order the table's status lists follow. Those that change
  // something come last: officer-de opens a case, admin revokes a token,
  // provider-nl acknowledges the order.
  const std::vector<std::string> callers = {"",         "revoked",    "officer-fr",  "validator-de",
                                            "ca-de",    "ca-nl",      "provider-us", "enforcing-pl",
                                            "overseer", "officer-de", "admin",       "provider-nl"};
  const std::vector<std::string> caller_roles = {"",
                                                 "",
                                                 "officer",
                                                 "validator",
                                                 "central_authority",
                                                 "central_authority",
                                                 "provider",
                                                 "enforcing_authority",
                                                 "oversight",
                                                 "officer",
                                                 "admin",
                                                 "provider"};
  // The route table says who may call each route: the matrix must agree.
  std::map<std::string, RouteSpec> table;
  for (const auto& route : api_routes()) table[route.method + " " + route.path] = route;
  struct Row {
    std::string method, path;
    json body;
    std::vector<int> status;  // one per caller
  };
  int n = 0;
  auto fresh = [&n](const char* prefix) { return std::string(prefix) + std::to_string(n++); };
  std::string c = "/api/v1/cases/" + id;
  //                                                anon revk fr   vd   cade canl pus  epl  ovs  ode  adm  pnl
  const std::vector<Row> rows = {
      {"GET", "/", {}, {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET", "/app/app.js", {}, {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET", "/api/v1", {}, {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET", "/healthz", {}, {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET", "/readyz", {}, {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET", "/metrics", {}, {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET", "/api/v1/openapi.json", {}, {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"POST", "/api/v1/evaluate", request, {401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      // officer-fr: a German request is not France's to issue.
      {"POST",
       "/api/v1/cases",
       {{"request", request}, {"pathway", "P_EU_EPOC"}},
       {401, 401, 422, 403, 403, 403, 403, 403, 403, 201, 403, 403}},
      {"GET", "/api/v1/cases", {}, {401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET", c, {}, {401, 401, 404, 200, 200, 404, 404, 404, 200, 200, 404, 200}},
      {"GET", c + "/decision", {}, {401, 401, 404, 200, 200, 404, 404, 404, 200, 200, 404, 403}},
      // The formal document: the order's parties; oversight sees metadata only.
      {"GET", c + "/document?lang=fr", {}, {401, 401, 404, 200, 200, 404, 404, 404, 403, 200, 404, 200}},
      // The requesting side reviews once: the validator first, so its central authority finds it done.
      {"POST",
       c + "/review",
       {{"verdicts", json::array()}, {"agree_rest", true}},
       {401, 401, 403, 201, 409, 404, 403, 404, 403, 403, 403, 403}},
      {"POST", c + "/notice", {{"action", "notified"}}, {401, 401, 404, 403, 403, 403, 403, 403, 403, 200, 403, 403}},
      {"POST", c + "/events", {{"event", "acknowledge"}}, {401, 401, 404, 403, 403, 404, 404, 404, 403, 403, 403, 200}},
      {"GET", "/api/v1/me", {}, {401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET", "/api/v1/parties", {}, {401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET", "/api/v1/parties/NL-MAILCO", {}, {401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"POST",
       "/api/v1/parties",
       {{"id", "*"}, {"kind", "provider"}, {"state", "IE"}, {"name", "Newco"}},
       {401, 401, 403, 403, 403, 403, 403, 403, 403, 403, 201, 403}},
      {"POST",
       "/api/v1/users",
       {{"id", "*"}, {"party_id", "NL-MAILCO"}, {"role", "provider"}, {"name", "Clerk"}},
       {401, 401, 403, 403, 403, 403, 403, 403, 403, 403, 201, 403}},
      {"POST",
       "/api/v1/users/spare/tokens",
       json::object(),
       {401, 401, 403, 403, 403, 403, 403, 403, 403, 403, 201, 403}},
      // Only the admin or the holder may revoke; to anyone else the token does not exist.
      {"POST",
       "/api/v1/tokens/t-spare/revoke",
       json::object(),
       {401, 401, 404, 404, 404, 404, 404, 404, 404, 404, 200, 404}},
      {"GET", "/api/v1/audit", {}, {401, 401, 403, 403, 403, 403, 403, 403, 200, 403, 200, 403}},
      // The log is public; salts go to the case's parties (the addressee: its own events).
      {"GET", "/log/checkpoint", {}, {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET", "/log/tile/0/000.p/1", {}, {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET", "/api/v1/log", {}, {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET",
       "/api/v1/log/inclusion?index=0&tree_size=1",
       {},
       {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET", "/api/v1/log/consistency?from=1&to=2", {}, {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"POST", "/api/v1/log/checkpoint", json::object(), {401, 401, 403, 403, 403, 403, 403, 403, 201, 403, 201, 403}},
      {"GET", "/api/v1/log/statistics", {}, {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET", c + "/log", {}, {401, 401, 404, 200, 200, 404, 404, 404, 403, 200, 404, 200}},
      // What the exchange trusts is public; only an admin imports.
      {"GET", "/api/v1/trust", {}, {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"POST",
       "/api/v1/trust",
       {{"type", "comity.trust-bundle/v1"}},
       {401, 401, 403, 403, 403, 403, 403, 403, 403, 403, 201, 403}},
      // Evidence: only providers register and upload (403 for every other role,
      // which may read the case but never produce); the addressed provider's
      // empty manifest is refused as malformed, another provider finds no case;
      // productions that do not exist are 404 to those who may read them;
      // chunks must be application/octet-stream; only officers download.
      {"POST", c + "/productions", json::object(), {401, 401, 403, 403, 403, 403, 404, 403, 403, 403, 403, 422}},
      {"GET", "/api/v1/productions/nope", {}, {401, 401, 404, 403, 403, 403, 404, 403, 403, 404, 403, 404}},
      {"POST",
       "/api/v1/productions/nope/files/0?offset=0",
       json::object(),
       {401, 401, 403, 403, 403, 403, 415, 403, 403, 403, 403, 415}},
      {"GET", "/api/v1/productions/nope/files/0", {}, {401, 401, 404, 403, 403, 403, 403, 403, 403, 404, 403, 403}},
      // Browser sessions: a login for nobody fails for everyone; API tokens are not sessions.
      {"POST",
       "/api/v1/session",
       {{"user", "nobody"}, {"password", "not a password"}},
       {401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401}},
      {"GET", "/api/v1/session", {}, {401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401}},
      {"GET", "/transparency", {}, {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      // Drafts: officers' own; a draft that is not one's own does not exist.
      {"POST",
       "/api/v1/drafts",
       {{"request", json::object()}},
       {401, 401, 201, 403, 403, 403, 403, 403, 403, 201, 403, 403}},
      {"GET", "/api/v1/drafts", {}, {401, 401, 200, 403, 403, 403, 403, 403, 403, 200, 403, 403}},
      {"GET", "/api/v1/drafts/draft-none", {}, {401, 401, 404, 403, 403, 403, 403, 403, 403, 404, 403, 403}},
      {"POST",
       "/api/v1/drafts/draft-none",
       {{"version", 1}, {"request", json::object()}},
       {401, 401, 404, 403, 403, 403, 403, 403, 403, 404, 403, 403}},
      {"POST",
       "/api/v1/drafts/draft-none/delete",
       json::object(),
       {401, 401, 404, 403, 403, 403, 403, 403, 403, 404, 403, 403}},
      {"POST", "/api/v1/session/logout", json::object(), {401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401}},
  };
  std::set<std::string> covered;
  for (const auto& row : rows) {
    std::string route = row.path;
    if (route.rfind(c, 0) == 0) route = "/api/v1/cases/{id}" + route.substr(c.size());
    if (route == "/api/v1/parties/NL-MAILCO") route = "/api/v1/parties/{id}";
    if (route == "/api/v1/users/spare/tokens") route = "/api/v1/users/{id}/tokens";
    if (route == "/api/v1/tokens/t-spare/revoke") route = "/api/v1/tokens/{id}/revoke";
    if (route.rfind("/log/tile/", 0) == 0) route = "/log/tile/{tile}";
    if (route.rfind("/app/", 0) == 0) route = "/app/{file}";
    if (route.rfind("/api/v1/productions/nope/files/0", 0) == 0) route = "/api/v1/productions/{id}/files/{n}";
    if (route == "/api/v1/productions/nope") route = "/api/v1/productions/{id}";
    if (route.rfind("/api/v1/drafts/draft-none", 0) == 0) route = "/api/v1/drafts/{id}" + route.substr(25);
    route = route.substr(0, route.find('?'));
    covered.insert(row.method + " " + route);
    ASSERT_EQ(row.status.size(), callers.size()) << row.path;
    ASSERT_TRUE(table.count(row.method + " " + route)) << row.method << " " << route << " is not in the route table";
    const RouteSpec& spec = table[row.method + " " + route];
    for (size_t i = 0; i < callers.size(); ++i) {
      const bool named = std::find(spec.roles.begin(), spec.roles.end(), caller_roles[i]) != spec.roles.end();
      if (!spec.authenticated) {
        EXPECT_EQ(row.status[i], row.status[0]) << route << ": a public route answers every caller alike";
      } else if (i < 2) {
        EXPECT_EQ(row.status[i], 401) << route;
      } else if (!spec.roles.empty() && !named) {
        EXPECT_EQ(row.status[i], 403) << route << " as " << callers[i] << ": the table does not name its role";
      }
    }
    for (size_t i = 0; i < callers.size(); ++i) {
      httplib::Headers h;
      if (!callers[i].empty()) h = bearer(callers[i]);
      json body = row.body;
      if (body.is_object() && body.contains("id") && body["id"] == "*") body["id"] = fresh("new-");
      auto r = row.method == "GET" ? http.Get(row.path, h) : http.Post(row.path, h, body.dump(), "application/json");
      ASSERT_TRUE(r) << row.method << " " << row.path;
      EXPECT_EQ(r->status, row.status[i]) << row.method << " " << row.path << " as "
                                          << (callers[i].empty() ? "anonymous" : callers[i]) << ": " << r->body;
    }
  }
  std::set<std::string> served;
  for (const auto& route : api_routes()) served.insert(route.method + " " + route.path);
  EXPECT_EQ(covered, served) << "every route needs a row in the matrix";
}

// One consolidated review per side, and the user-notification plan with its
// due reviews, on a server whose time the test moves.
TEST_F(ServerClock, ConsolidatedReviewAndUserNotificationPlan) {
  json request = json::parse(test::read_text(test::source_dir() + "/examples/s01-eu-subscriber-prosecutor.json"));
  auto created = post("/api/v1/cases", {{"request", request}, {"pathway", "P_EU_EPOC"}}, "officer-de");
  ASSERT_EQ(created->status, 201);
  std::string path = "/api/v1/cases/" + json::parse(created->body)["id"].get<std::string>();
  json decision = json::parse(http.Get(path + "/decision", bearer("officer-de"))->body);
  std::string first_check;
  for (const auto& e : decision["pathways"])
    if (e["pathway"] == "P_EU_EPOC") first_check = e["checks"][0]["predicate"];
  ASSERT_FALSE(first_check.empty());

  // The review: every verdict checked, with paths.
  json bad = problem_of(
      post(path + "/review", {{"verdicts", {{{"predicate", "NO.SUCH.1"}, {"verdict", "agree"}}}}}, "validator-de"),
      422);
  EXPECT_EQ(bad["errors"][0]["path"], "$.verdicts[0].predicate");
  bad = problem_of(post(path + "/review",
                        {{"verdicts", {{{"predicate", first_check}, {"verdict", "override"}}}}, {"agree_rest", true}},
                        "validator-de"),
                   422);
  EXPECT_EQ(bad["errors"][0]["path"], "$.verdicts[0].reason");
  bad = problem_of(post(path + "/review", {{"verdicts", json::array()}}, "validator-de"), 422);  // the rest unanswered
  EXPECT_EQ(bad["errors"][0]["path"], "$.verdicts");
  problem_of(post(path + "/review", {{"verdicts", json::array()}, {"agree_rest", true}}, "officer-de"), 403);
  auto reviewed = post(
      path + "/review",
      {{"verdicts",
        {{{"predicate", first_check}, {"verdict", "override"}, {"reason", "the court reads Art 34(2) otherwise"}}}},
       {"agree_rest", true}},
      "validator-de");
  ASSERT_EQ(reviewed->status, 201) << reviewed->body;
  EXPECT_EQ(json::parse(reviewed->body)["side"], "requesting");
  // One consolidated review per side: the requesting central authority finds it done.
  problem_of(post(path + "/review", {{"verdicts", json::array()}, {"agree_rest", true}}, "ca-de"), 409);
  json c = json::parse(http.Get(path, bearer("officer-de"))->body);
  ASSERT_EQ(c["reviews"].size(), 1u);
  EXPECT_EQ(c["reviews"][0]["overrides"], 1);
  EXPECT_EQ(c["reviews"][0]["reviewer"], "validator:validator-de");
  json meta = json::parse(http.Get(path, bearer("overseer"))->body);  // oversight: the verdicts, not the reasons
  EXPECT_EQ(meta["reviews"][0]["overrides"], 1);
  EXPECT_FALSE(meta["reviews"][0]["verdicts"][0].contains("reason"));
  EXPECT_TRUE(c["reviews"][0]["verdicts"][0].contains("reason"));
  json trail = json::parse(http.Get("/api/v1/audit?limit=200", bearer("overseer"))->body)["items"];
  std::set<std::string> actions;
  for (const auto& a : trail) actions.insert(a["action"].get<std::string>());
  EXPECT_TRUE(actions.count("review:requesting"));
  EXPECT_TRUE(actions.count("override:" + first_check));

  // The user-notification plan: NOTIFY_NOW is pending until recorded, or delayed with a reason.
  EXPECT_EQ(c["user_notification"]["status"], "pending");
  bad = problem_of(post(path + "/notice", {{"action", "delay"}, {"review_date", "2026-09-01"}}, "officer-de"), 422);
  std::set<std::string> paths;
  for (const auto& e : bad["errors"]) paths.insert(e["path"]);
  EXPECT_EQ(paths, (std::set<std::string>{"$.review_date", "$.reason"}));
  problem_of(post(path + "/notice", {{"action", "notified"}}, "validator-de"), 403);
  auto delayed = post(path + "/notice",
                      {{"action", "delay"},
                       {"review_date", "2026-10-01"},
                       {"reason", "the suspect would destroy the remaining evidence"}},
                      "officer-de");
  ASSERT_EQ(delayed->status, 200) << delayed->body;
  EXPECT_EQ(json::parse(delayed->body)["user_notification"]["review_due"], false);
  auto due = [&] {
    return json::parse(http.Get("/api/v1/cases?notice_review_due=true", bearer("officer-de"))->body)["items"].size();
  };
  EXPECT_EQ(due(), 0u);
  set_time("2026-10-01T08:00:00Z");  // the review date has come: it surfaces
  EXPECT_EQ(due(), 1u);
  EXPECT_NE(http.Get("/metrics")->body.find("comity_user_notice_reviews_due 1"), std::string::npos);
  EXPECT_EQ(json::parse(http.Get(path, bearer("officer-de"))->body)["user_notification"]["review_due"], true);
  auto told = post(path + "/notice", {{"action", "notified"}}, "officer-de");
  ASSERT_EQ(told->status, 200);
  EXPECT_EQ(json::parse(told->body)["user_notification"]["status"], "notified");
  EXPECT_EQ(due(), 0u);
  problem_of(post(path + "/notice", {{"action", "notified"}}, "officer-de"), 409);
  EXPECT_EQ(server->stop(), 0);
}

TEST_F(ServerTest, StopsCleanlyOnSigterm) {
  EXPECT_EQ(server->stop(), 0);
}

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

// Runs the comity binary with `args`; returns its exit code, with stdout
// and stderr in `out` and `err`.
int run_cli(const std::string& args, std::string& out, std::string& err, const test::TempDir& dir) {
  std::string errfile = (dir.path() / "cli.err").string();
  FILE* p = popen((std::string(COMITY_BINARY) + " " + args + " 2>" + errfile).c_str(), "r");
  out.clear();
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int status = pclose(p);
  err = test::read_text(errfile);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
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
  auto key = crypto::SigningKey::load_pem(db + ".log-key.pem");
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

// --- Signed orders (docs/trust.md) -----------------------------------------
// A server run as shipped (signed orders only) and a trust world: Germany's
// anchor certifies the Berlin prosecutor's office and a court, each of which
// certifies one of its people; France's anchor a Paris office and officer.
struct SignedOrders : ::testing::Test {
  test::TempDir dir;
  std::string db = (dir.path() / "c.db").string();
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
  std::string db = (dir.path() / "c.db").string(), clock_file = (dir.path() / "now").string();
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

  auto chunk = http.Post("/api/v1/productions/" + pid + "/files/0?offset=0", bearer("provider-nl"), ciphertext,
                         "application/octet-stream");
  ASSERT_EQ(chunk->status, 200) << chunk->body;
  EXPECT_TRUE(json::parse(chunk->body)["complete"].get<bool>());
  // The exchange holds exactly the ciphertext; the officer gets it back, audited.
  const std::filesystem::path vault = db + ".evidence";
  EXPECT_EQ(test::read_text((vault / pid / "0.age").string()), ciphertext);
  auto download = http.Get("/api/v1/productions/" + pid + "/files/0", bearer("officer-de"));
  ASSERT_EQ(download->status, 200);
  EXPECT_EQ(download->body, ciphertext);
  problem_of(http.Get("/api/v1/productions/" + pid + "/files/0", bearer("provider-nl")), 403);
  auto seen = http.Get(path, bearer("officer-de"));
  EXPECT_EQ(json::parse(seen->body)["productions"][0]["complete_files"], 1);

  // Day 31: the sweep deletes the ciphertext.
  set_time(format_instant(start + 31 * 86400));
  json after;
  for (int i = 0; i < 200; ++i) {
    after = json::parse(http.Get("/api/v1/productions/" + pid, bearer("officer-de"))->body);
    if (!after["deleted_at"].is_null()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
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
  std::string db = (dir.path() / "c.db").string(), clock_file = (dir.path() / "now").string();
  const Instant start = *parse_instant("2026-11-23T09:00:00Z");
  void set_time(Instant t) { std::ofstream(clock_file) << format_instant(t) << "\n"; }
  std::unique_ptr<Server> server = [this] {
    seed(db);
    {
      auto store = open_sqlite_store(db);
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
    auto store = open_sqlite_store(db, StoreAccess::ReadOnly);
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
