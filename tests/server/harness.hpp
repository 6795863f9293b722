// The harness the server's black-box tests share: `comity serve` as a real
// process on a loopback port, a seeded database (parties, users, a token
// "tok-" + user id each), fixtures and small helpers.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
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
#include "comity/store/open_store.hpp"
#include "comity/store/sqlite.hpp"
#include "comity/store/store.hpp"
#include "comity/trust/credentials.hpp"
#include "comity/trust/orders.hpp"
#include "comity/trust/production.hpp"
#include "comity/util/sha256.hpp"
#include "pg_cluster.hpp"
#include "test_support.hpp"

namespace comity::server_test {

using nlohmann::json;

// Which cases the server opens: most tests exercise other things with
// plain requests; the signed-order tests run the default, signed only.
enum class Orders : uint8_t { AcceptUnsigned, SignedOnly };

// The store the black-box tests run on: SQLite by default; PostgreSQL (a
// database in the test process's own cluster) when COMITY_TEST_STORE is
// "postgres" — make test runs the suite both ways.
inline bool on_postgres() {
  const char* v = std::getenv("COMITY_TEST_STORE");
  return v && std::string(v) == "postgres";
}

// A fresh store for one test: a file in `dir`, or a new PostgreSQL database.
inline std::string test_store(const test::TempDir& dir, const char* file = "c.db") {
  return on_postgres() ? test::PgCluster::shared().new_database() : (dir.path() / file).string();
}

// The files a server on PostgreSQL keeps beside its database (log key,
// evidence vault): a directory per database in the cluster's scratch
// directory, the same for every restart of a test's server.
inline std::string files_of_database(const std::string& uri) {
  auto dir = std::filesystem::path(test::PgCluster::shared().socket_dir()) / (files_beside(uri) + ".files");
  std::filesystem::create_directories(dir);
  return dir.string();
}

// Where a test's server keeps its log key and its evidence vault.
inline std::string log_key_of(const std::string& db) {
  return backend_of(db) == StoreBackend::Postgres ? files_of_database(db) + "/log-key.pem" : db + ".log-key.pem";
}
inline std::string evidence_dir_of(const std::string& db) {
  return backend_of(db) == StoreBackend::Postgres ? files_of_database(db) + "/evidence" : db + ".evidence";
}

// Starts `comity serve` on a free port and stops it with SIGTERM.
class Server {
 public:
  // `extra`: more arguments for `comity serve`, e.g. {"--clock-file", path}.
  explicit Server(const std::string& db, std::vector<std::string> extra = {}, Orders orders = Orders::AcceptUnsigned) {
    const bool orders_unsigned = orders == Orders::AcceptUnsigned;
    std::string pack = test::source_dir() + "/rules";
    auto has = [&](const char* flag) { return std::find(extra.begin(), extra.end(), flag) != extra.end(); };
    std::vector<std::string> args = {COMITY_BINARY, "serve", "--db", db};
    // A loopback port of its own choosing, unless the test names one (a
    // federated node's endpoint is in its node.json before it starts).
    if (!has("--listen")) args.insert(args.end(), {"--listen", "127.0.0.1:0"});
    // The bundled pack, unless the test names its own.
    if (!has("--pack")) args.insert(args.end(), {"--pack", pack});
    if (orders_unsigned) args.insert(args.end(), {"--orders", "unsigned"});
    if (backend_of(db) == StoreBackend::Postgres) {
      if (!has("--log-key") && !has("--node")) args.insert(args.end(), {"--log-key", log_key_of(db)});
      if (std::find(extra.begin(), extra.end(), "--evidence-dir") == extra.end())
        args.insert(args.end(), {"--evidence-dir", evidence_dir_of(db)});
    }
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
inline void seed(const std::string& db) {
  auto store = open_store(db);
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

inline httplib::Headers bearer(const std::string& user) {
  return {{"Authorization", "Bearer tok-" + user}};
}

struct ServerTest : ::testing::Test {
  test::TempDir dir;
  std::string db = test_store(dir);
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

inline json problem_of(const httplib::Result& r, int status) {
  EXPECT_TRUE(r);
  EXPECT_EQ(r->status, status);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/problem+json");
  json p = json::parse(r->body);
  EXPECT_EQ(p["status"], status);
  EXPECT_TRUE(p.contains("title"));
  return p;
}

// Takes `event` as `user` and expects `status`; returns the case.
inline httplib::Result t_post_event(ServerTest& t, const std::string& id, const json& body, const char* user) {
  return t.post("/api/v1/cases/" + id + "/events", body, user);
}

inline json step(ServerTest& t, const std::string& id, const char* event, const char* user, int status = 200,
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

inline std::string open_case(ServerTest& t, const char* example, const char* pathway, const char* user) {
  json request = json::parse(test::read_text(test::source_dir() + "/examples/" + example));
  auto r = t.post("/api/v1/cases", {{"request", request}, {"pathway", pathway}}, user);
  EXPECT_TRUE(r);
  EXPECT_EQ(r->status, 201) << r->body;
  return json::parse(r->body)["id"];
}

// A seeded server whose time the test moves through its clock file
// (starting 2026-09-15T09:00:00Z), sweeping expiries every 50 ms.
struct ServerClock : ::testing::Test {
  test::TempDir dir;
  std::string db = test_store(dir), clock_file = (dir.path() / "now").string();
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

// Runs the comity binary with `args`; returns its exit code, with stdout
// and stderr in `out` and `err`.
inline int run_cli(const std::string& args, std::string& out, std::string& err, const test::TempDir& dir) {
  std::string errfile = (dir.path() / "cli.err").string();
  FILE* p = popen((std::string(COMITY_BINARY) + " " + args + " 2>" + errfile).c_str(), "r");
  out.clear();
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int status = pclose(p);
  err = test::read_text(errfile);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Sends `bytes` as they are to the server on 127.0.0.1:`port` and returns
// everything it answers before closing (for requests no client library writes).
// With Then::Hangup the write side is shut after the bytes, as a client
// that gives up mid-request would (the server sees the end at once, not at
// its read timeout).
enum class Then { Wait, Hangup };
inline std::string raw_request(int port, const std::string& bytes, Then then = Then::Wait) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    timeval tv{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    for (size_t sent = 0; sent < bytes.size();) {
      ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
    if (then == Then::Hangup) shutdown(fd, SHUT_WR);
    char buf[4096];
    for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<size_t>(n));
  }
  if (fd >= 0) close(fd);
  return out;
}

// Waits until `done()` holds, asking again as soon as the last answer came
// (a condition, not a fixed sleep); false after `timeout`.
inline bool eventually(const std::function<bool()>& done,
                       std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::yield();
  }
  return true;
}

// A counter from the server's /metrics (0 if absent).
inline uint64_t metric(httplib::Client& http, const std::string& name) {
  auto r = http.Get("/metrics");
  if (!r) return 0;
  auto at = r->body.find("\n" + name + " ");
  return at == std::string::npos ? 0 : std::stoull(r->body.substr(at + name.size() + 2));
}

// Waits until the server's expiry sweep has run `passes` more times.
inline bool sweeps_pass(httplib::Client& http, uint64_t passes = 2) {
  const uint64_t start = metric(http, "comity_expiry_sweeps_total");
  return eventually([&] { return metric(http, "comity_expiry_sweeps_total") >= start + passes; });
}

// What a crash must leave behind, on either store: `comity db check` clean
// (schema, append-only rules, no gap in the log's indexes); every
// acknowledged case with the leaf of its opening; every stored checkpoint
// signed by the log's key (`verifier`) over the root the stored leaves give
// at its size — one history, no fork. Returns the tree of the stored leaves.
inline ledger::MerkleTree expect_store_intact(const std::string& db, const std::vector<std::string>& acknowledged,
                                              const ledger::NoteVerifier& verifier, const test::TempDir& dir) {
  std::string out, err;
  EXPECT_EQ(run_cli("db check --db '" + db + "'", out, err, dir), 0) << out << err;
  auto store = open_store(db, StoreAccess::ReadOnly);
  ledger::MerkleTree tree;
  for (const auto& h : store->log_hashes(0, 1u << 30)) tree.append(h);
  EXPECT_EQ(tree.size(), store->log_size());
  for (const auto& id : acknowledged) {
    bool opened = false;
    for (const auto& e : store->log_entries_for_case(id)) opened = opened || e.event_seq == -1;
    EXPECT_TRUE(opened) << "acknowledged case " << id << " has no leaf";
  }
  uint64_t last = 0;
  for (const auto& c : store->checkpoints(0, 1 << 30)) {
    EXPECT_LE(c.tree_size, tree.size());
    if (c.tree_size > tree.size()) break;
    EXPECT_EQ(tree.root(c.tree_size), c.root) << "fork at tree size " << c.tree_size;
    ledger::Checkpoint opened = ledger::open_checkpoint(c.note, verifier);
    EXPECT_EQ(opened.size, c.tree_size);
    EXPECT_EQ(opened.root, c.root);
    EXPECT_TRUE(c.tree_size > last || last == 0) << "checkpoints out of order";
    last = c.tree_size;
  }
  return tree;
}

}  // namespace comity::server_test
