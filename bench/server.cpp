// Server benchmark (issue: exchange server, item 11): durable submissions
// (parse, evaluate, open the case, commit with synchronous=FULL) and case
// reads, over loopback HTTP with keep-alive connections, at 10 and 64
// connections; and, in the same run, nginx serving a small static JSON file
// as the ceiling for this machine's HTTP stack.
//
// The load generator runs on the same machine (each connection a thread with
// a blocking keep-alive client), so every figure includes the client's cost;
// nginx pays the same, which is what makes the ratio fair. Not a test: it
// prints figures and the targets they are compared with, and never fails a
// build. Usage: bench_server [--seconds N] [--nginx PATH]
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "comity/rules/pack.hpp"
#include "comity/server/api_server.hpp"
#include "comity/store/open_store.hpp"
#include "comity/store/store.hpp"
#include "comity/util/sha256.hpp"
#include "load.hpp"
#include "test_support.hpp"

namespace {

using namespace comity;
using namespace comity::bench;
using Clk = std::chrono::steady_clock;
namespace fs = std::filesystem;

// nginx on a free port with a private prefix, serving one small JSON file.
class Nginx {
 public:
  Nginx(const std::string& binary, const fs::path& dir) {
    fs::create_directories(dir / "www");
    fs::create_directories(dir / "logs");
    std::ofstream(dir / "www" / "case.json")
        << R"({"id":"5f0c6a54-1d7e-4b7e-9a51-3f2e8c1a9b77","pathway":"P_EU_EPOC","state":"transmitted",)"
        << R"("requesting_state":"DE","version":4,"updated_at":"2026-09-15T09:00:00Z"})";
    port_ = free_port();
    std::ofstream(dir / "nginx.conf") << "worker_processes auto;\ndaemon off;\nerror_log "
                                      << (dir / "logs" / "error.log").string() << ";\n"
                                      << "pid " << (dir / "nginx.pid").string()
                                      << ";\nevents { worker_connections 1024; }\n"
                                      << "http {\n access_log off;\n keepalive_requests 1000000;\n"
                                      << " client_body_temp_path " << (dir / "tmp-body").string() << ";\n"
                                      << " proxy_temp_path " << (dir / "tmp-proxy").string() << ";\n"
                                      << " fastcgi_temp_path " << (dir / "tmp-fcgi").string() << ";\n"
                                      << " uwsgi_temp_path " << (dir / "tmp-uwsgi").string() << ";\n"
                                      << " scgi_temp_path " << (dir / "tmp-scgi").string() << ";\n"
                                      << " server {\n  listen 127.0.0.1:" << port_ << ";\n  root "
                                      << (dir / "www").string() << ";\n"
                                      << "  location / { default_type application/json; }\n }\n}\n";
    pid_ = fork();
    if (pid_ == 0) {
      std::string conf = (dir / "nginx.conf").string(), prefix = dir.string() + "/";
      execl(binary.c_str(), binary.c_str(), "-p", prefix.c_str(), "-c", conf.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    httplib::Client c("127.0.0.1", port_);
    for (int i = 0; i < 200; ++i) {
      if (auto r = c.Get("/case.json"); r && r->status == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    throw std::runtime_error("nginx did not start (see its error.log)");
  }
  ~Nginx() {
    if (pid_ > 0) {
      kill(pid_, SIGQUIT);
      waitpid(pid_, nullptr, 0);
    }
  }
  int port() const { return port_; }

 private:
  // A port the kernel just handed out and released; nginx binds it next.
  static int free_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error("no free port");
    close(fd);
    return ntohs(a.sin_port);
  }
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  double seconds = 5;
  std::string nginx_binary = "/usr/sbin/nginx";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--seconds")
      seconds = std::stod(argv[i + 1]);
    else if (k == "--nginx")
      nginx_binary = argv[i + 1];  // "" skips the ceiling (profiling runs)
  }
  signal(SIGPIPE, SIG_IGN);
  fs::path dir = fs::temp_directory_path() / ("comity-bench-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::string source = COMITY_SOURCE_DIR;
  auto pack = load_pack(source + "/rules");
  auto store = open_sqlite_store((dir / "bench.db").string());
  seed(*store);
  SystemClock clock;
  ServerOptions options;  // as `comity serve` runs it: a writer and a pool of read-only connections
  // Plain requests: this measures the exchange's path; verifying a signed
  // order costs about one Ed25519 verification more (bench/trust.cpp).
  options.orders = OrderPolicy::SignedOrUnsigned;
  std::string db_path = (dir / "bench.db").string();
  options.open_reader = [&] { return open_sqlite_store(db_path, StoreAccess::ReadOnly); };
  ApiServer server(*pack, *store, clock, options);
  int port = server.bind("127.0.0.1", 0);
  std::thread serving([&] { server.serve(); });
  server.wait_until_serving(10000);

  nlohmann::json request =
      nlohmann::json::parse(test::read_text(source + "/examples/s01-eu-subscriber-prosecutor.json"));
  std::string body = nlohmann::json{{"request", request}, {"pathway", "P_EU_EPOC"}}.dump();
  httplib::Headers auth = {{"Authorization", "Bearer tok-officer"}};
  std::mutex ids_mu;
  std::vector<std::string> ids;

  std::printf("Comity server benchmark: %.0f s per run, loopback, keep-alive; durable = SQLite WAL, synchronous=FULL\n",
              seconds);
  std::printf("machine: %u hardware threads\n\n", std::thread::hardware_concurrency());

  std::vector<std::pair<int, Result>> ceiling;
  if (!nginx_binary.empty()) try {
      Nginx nginx(nginx_binary, dir / "nginx");
      for (int conns : {10, 64}) {
        Result r = load(nginx.port(), conns, seconds, "/case.json", [](httplib::Client& c, uint64_t) {
          auto res = c.Get("/case.json");
          return res && res->status == 200;
        });
        ceiling.emplace_back(conns, r);
        print("nginx, static JSON (ceiling)", conns, r, "");
      }
    } catch (const std::exception& e) {
      std::printf("nginx: %s — no ceiling in this run\n", e.what());
    }

  // The ratio of a result to nginx's at the same connection count, if the
  // ceiling was measured in this run; and that ratio as printed.
  auto ratio_to_nginx = [&](const Result& r, int conns) -> std::optional<double> {
    for (const auto& [n, ng] : ceiling)
      if (n == conns) return r.rps / ng.rps;
    return std::nullopt;
  };
  auto versus_nginx = [&](const Result& r, int conns, const char* note) -> std::string {
    auto ratio = ratio_to_nginx(r, conns);
    if (!ratio) return "";
    char buf[80];
    std::snprintf(buf, sizeof buf, "%.2fx nginx%s%s", *ratio, *note ? " " : "", note);
    return buf;
  };

  // The HTTP layer alone: the same server answering its liveness probe (no
  // store, no JSON); the distance to nginx here is what the HTTP library costs.
  for (int conns : {10, 64}) {
    Result r = load(port, conns, seconds, "/healthz", [&](httplib::Client& c, uint64_t) {
      auto res = c.Get("/healthz");
      return res && res->status == 200;
    });
    print("GET /healthz (no store)", conns, r, versus_nginx(r, conns, "(HTTP layer only)"));
  }

  for (int conns : {10, 64}) {
    Result r = load(port, conns, seconds, "/healthz",
                    [&](httplib::Client& c, uint64_t) { return submit_case(c, auth, body, ids_mu, ids); });
    print("submit: evaluate + open case, durable", conns, r,
          std::string("target >= 3000 req/s, p99 < 20 ms: ") + (r.rps >= 3000 && r.p99_ms < 20 ? "met" : "NOT met"));
  }
  if (ids.empty()) {
    std::printf("no submission succeeded: nothing to read\n");
    return 1;
  }
  for (int conns : {10, 64}) {
    Result r = load(port, conns, seconds, "/healthz", [&](httplib::Client& c, uint64_t i) {
      auto res = c.Get("/api/v1/cases/" + ids[i % ids.size()], auth);
      return res && res->status == 200;
    });
    std::string verdict;
    if (auto ratio = ratio_to_nginx(r, conns))
      verdict = std::string("; target >= 0.5x, p99 < 20 ms: ") + (*ratio >= 0.5 && r.p99_ms < 20 ? "met" : "NOT met");
    print("read: GET case (full view, audited)", conns, r, versus_nginx(r, conns, "") + verdict);
  }
  // The same read by an oversight body: the metadata view, which shows no
  // facts and so writes no audit entry; the difference from the line above
  // is what the durable read record costs.
  httplib::Headers oversight = {{"Authorization", "Bearer tok-oversight"}};
  for (int conns : {10, 64}) {
    Result r = load(port, conns, seconds, "/healthz", [&](httplib::Client& c, uint64_t i) {
      auto res = c.Get("/api/v1/cases/" + ids[i % ids.size()], oversight);
      return res && res->status == 200;
    });
    print("read: GET case (metadata, no audit)", conns, r, versus_nginx(r, conns, ""));
  }
  server.stop();
  serving.join();
  store.reset();
  fs::remove_all(dir);
  return 0;
}
