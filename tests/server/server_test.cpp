// Black-box tests of `comity serve`: the real binary on a loopback port,
// driven over HTTP with cpp-httplib's client.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include <nlohmann/json.hpp>

#include "comity/server/api_server.hpp"
#include "test_support.hpp"

namespace comity {
namespace {

using nlohmann::json;

// Starts `comity serve` on a free port and stops it with SIGTERM.
class Server {
 public:
  explicit Server(const std::string& db) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      close(out[0]);
      std::string pack = test::source_dir() + "/rules";
      execl(COMITY_BINARY, COMITY_BINARY, "serve", "--db", db.c_str(), "--listen", "127.0.0.1:0", "--pack",
            pack.c_str(), static_cast<char*>(nullptr));
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
  int stop() {
    if (pid_ <= 0) return exit_code_;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    if (out_) fclose(out_);
    out_ = nullptr;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return exit_code_;
  }
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

struct ServerTest : ::testing::Test {
  test::TempDir dir;
  Server server{(dir.path() / "c.db").string()};
  httplib::Client http = server.client();
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
  auto r = http.Post("/api/v1/evaluate?at=2026-09-15", body, "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  json d = json::parse(r->body);
  EXPECT_EQ(d["format"], "comity.decision/1");
  EXPECT_EQ(d["summary"]["preserve_now"], "P_EU_EPOC_PR");
}

TEST_F(ServerTest, BadInputGetsProblemDetailsWithFieldPaths) {
  json p = problem_of(http.Post("/api/v1/evaluate", R"({"requesting_state": "XX", "extra": 1})", "application/json"), 422);
  std::set<std::string> paths;
  for (const auto& e : p["errors"]) paths.insert(e["path"].get<std::string>());
  EXPECT_TRUE(paths.count("$.requesting_state"));
  EXPECT_TRUE(paths.count("$.extra"));
  problem_of(http.Post("/api/v1/evaluate", "{not json", "application/json"), 400);
  problem_of(http.Post("/api/v1/evaluate", std::string(10000, '[') + std::string(10000, ']'), "application/json"), 400);
  problem_of(http.Post("/api/v1/evaluate", "{}", "text/plain"), 415);
  problem_of(http.Post("/api/v1/evaluate?at=2026-13-01", "{}", "application/json"), 400);
  problem_of(http.Post("/api/v1/evaluate", std::string(2 << 20, ' '), "application/json"), 413);
  problem_of(http.Get("/api/v1/nothing-here"), 404);
  // The server is still healthy after all of that.
  auto h = http.Get("/healthz");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
}

TEST_F(ServerTest, MetricsCountRequestsAndClocks) {
  http.Get("/healthz");
  http.Post("/api/v1/evaluate", "{}", "application/json");
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

TEST_F(ServerTest, StopsCleanlyOnSigterm) { EXPECT_EQ(server.stop(), 0); }

}  // namespace
}  // namespace comity
