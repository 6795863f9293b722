// Scale-out benchmark (docs/scale-out.md): durable submissions and audited
// case reads through real `comity serve` processes over loopback HTTP — on
// SQLite, on PostgreSQL with one process, and with two processes on one
// database (connections split between them) — beside, in the same run,
// pgbench's prepared single-row INSERT (synchronous_commit on) at the same
// connection counts on the same cluster: the ceiling of one durable
// PostgreSQL commit per request on this machine.
//
// For each run it prints the CPU time per request of the Comity processes
// and of the PostgreSQL processes (from /proc, user + system), so the figure
// on more cores can be computed: requests/s ≈ cores / (CPU per request).
// On a 2-core machine the database, the servers and the load generator
// share the cores; two processes are about availability here, not speed.
// Not a test: it prints figures and targets and never fails a build.
// Usage: bench_scale_out [--seconds N]
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "comity/store/open_store.hpp"
#include "load.hpp"
#include "pg_cluster.hpp"

namespace {

using namespace comity;
using namespace comity::bench;
namespace fs = std::filesystem;

// CPU seconds (user + system) a process used so far; 0 once it is gone.
double cpu_seconds(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(f, line)) return 0;
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; rest >> field; ++i)
    if (i == 14 || i == 15) ticks += std::stod(field);
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// CPU seconds of every PostgreSQL process on the machine (the benchmark's
// cluster is the only one it starts; its backends come and go).
double postgres_cpu_seconds() {
  double total = 0;
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::string name = e.path().filename();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    std::ifstream comm(e.path() / "comm");
    std::string c;
    if (std::getline(comm, c) && c == "postgres") total += cpu_seconds(std::stoi(name));
  }
  return total;
}

// `comity serve` as a real process, stopped with SIGTERM.
class Serve {
 public:
  Serve(const std::string& db, const fs::path& files) {
    std::vector<std::string> args = {COMITY_BINARY,    "serve",
                                     "--db",           db,
                                     "--listen",       "127.0.0.1:0",
                                     "--pack",         std::string(COMITY_SOURCE_DIR) + "/rules",
                                     "--orders",       "unsigned",
                                     "--log-key",      (files / "log-key.pem").string(),
                                     "--evidence-dir", (files / "evidence").string()};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe");
    std::string log = (files / ("serve-" + std::to_string(getpid()) + ".log")).string();
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      close(out[0]);
      // The request log (one line per request) goes to a file, as in production.
      FILE* err = std::fopen(log.c_str(), "a");
      if (err) dup2(fileno(err), 2);
      execv(COMITY_BINARY, argv.data());
      _exit(127);
    }
    close(out[1]);
    out_ = fdopen(out[0], "r");
    char line[512] = {};
    if (!fgets(line, sizeof line, out_)) throw std::runtime_error("comity serve printed nothing (see " + log + ")");
    std::string s(line);
    port_ = std::stoi(s.substr(s.find("127.0.0.1:") + 10));
  }
  ~Serve() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    fclose(out_);
  }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  FILE* out_ = nullptr;
};

// pgbench's prepared single-row INSERT at `conns` clients: transactions/s.
double pgbench_inserts(const std::string& bin, const std::string& host, const std::string& dbname, int conns,
                       double seconds, const fs::path& dir) {
  fs::path script = dir / "insert.sql";
  std::ofstream(script) << "INSERT INTO bench_insert(payload) VALUES ('a case row of about a hundred bytes');\n";
  std::string cmd = bin + "/pgbench -n -M prepared -h '" + host + "' -U postgres -c " + std::to_string(conns) +
                    " -j 2 -T " + std::to_string(static_cast<int>(seconds)) + " -f '" + script.string() + "' " +
                    dbname + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  pclose(p);
  auto at = out.find("tps = ");
  if (at == std::string::npos) throw std::runtime_error("pgbench: " + out);
  return std::stod(out.substr(at + 6));
}

struct Figures {
  Result submit, read;
  double server_cpu_ms = 0, db_cpu_ms = 0;  // CPU per request (submissions and reads together)
};

// Submissions then audited reads at `conns` connections split over the
// servers' ports; CPU per request of the servers and of PostgreSQL.
Figures drive(const std::vector<const Serve*>& servers, int conns, double seconds) {
  nlohmann::json request = nlohmann::json::parse(
      test::read_text(std::string(COMITY_SOURCE_DIR) + "/examples/s01-eu-subscriber-prosecutor.json"));
  const std::string body = nlohmann::json{{"request", request}, {"pathway", "P_EU_EPOC"}}.dump();
  const httplib::Headers auth = {{"Authorization", "Bearer tok-officer"}};
  auto cpu = [&] {
    double s = 0;
    for (const auto* sv : servers) s += cpu_seconds(sv->pid());
    return s;
  };
  std::mutex mu;
  std::vector<std::string> ids;
  Figures f;
  const double server0 = cpu(), db0 = postgres_cpu_seconds();
  // Each server gets an equal share of the connections.
  auto split = [&](const std::function<bool(httplib::Client&, uint64_t)>& call) {
    std::vector<Result> parts(servers.size());
    std::vector<std::thread> t;
    for (size_t i = 0; i < servers.size(); ++i)
      t.emplace_back([&, i] {
        parts[i] = load(servers[i]->port(), conns / static_cast<int>(servers.size()), seconds, "/healthz", call);
      });
    for (auto& x : t) x.join();
    Result r;
    for (const auto& p : parts) {
      r.rps += p.rps;
      r.ok += p.ok;
      r.failed += p.failed;
      r.p50_ms = std::max(r.p50_ms, p.p50_ms);
      r.p99_ms = std::max(r.p99_ms, p.p99_ms);
    }
    return r;
  };
  f.submit = split([&](httplib::Client& c, uint64_t) { return submit_case(c, auth, body, mu, ids); });
  if (ids.empty()) throw std::runtime_error("no submission succeeded");
  f.read = split([&](httplib::Client& c, uint64_t i) {
    auto res = c.Get("/api/v1/cases/" + ids[i % ids.size()], auth);
    return res && res->status == 200;
  });
  const double requests = static_cast<double>(f.submit.ok + f.read.ok);
  f.server_cpu_ms = (cpu() - server0) * 1000 / requests;
  f.db_cpu_ms = (postgres_cpu_seconds() - db0) * 1000 / requests;
  return f;
}

void report(const char* what, int conns, const Figures& f, std::optional<double> ceiling) {
  std::string versus;
  if (ceiling) {
    char buf[120];
    std::snprintf(buf, sizeof buf, "%.2fx pgbench insert (target >= 0.8x), p99 < 50 ms: %s", f.submit.rps / *ceiling,
                  f.submit.p99_ms < 50 ? "met" : "NOT met");
    versus = buf;
  }
  print((std::string(what) + " submit").c_str(), conns, f.submit, versus);
  print((std::string(what) + " read (audited)").c_str(), conns, f.read, "");
  std::printf("%-40s %4d conns  CPU per request: comity %.3f ms, PostgreSQL %.3f ms\n", what, conns, f.server_cpu_ms,
              f.db_cpu_ms);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 5;
  for (int i = 1; i + 1 < argc; i += 2)
    if (std::string(argv[i]) == "--seconds") seconds = std::stod(argv[i + 1]);
  signal(SIGPIPE, SIG_IGN);
  fs::path dir = fs::temp_directory_path() / ("comity-scale-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::printf("Comity scale-out benchmark: %.0f s per run, loopback, keep-alive; machine: %u hardware threads\n",
              seconds, std::thread::hardware_concurrency());
  std::printf("durable: SQLite WAL synchronous=FULL; PostgreSQL 15 fsync on, synchronous_commit on\n\n");
  test::PgCluster& cluster = test::PgCluster::shared();
  const std::string bin = "/usr/lib/postgresql/15/bin";

  // The ceiling: pgbench on its own database of the same cluster.
  std::string ceiling_uri = cluster.new_database();
  const std::string ceiling_db = files_beside(ceiling_uri);  // the database's name (tN)
  {
    std::string cmd = bin + "/psql -q -h '" + cluster.socket_dir() + "' -U postgres -d " + ceiling_db +
                      " -c 'CREATE TABLE bench_insert (id BIGSERIAL PRIMARY KEY, payload TEXT NOT NULL)'";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("psql: cannot create the pgbench table");
  }
  std::map<int, double> ceiling;
  for (int conns : {10, 64}) {
    ceiling[conns] = pgbench_inserts(bin, cluster.socket_dir(), ceiling_db, conns, seconds, dir);
    std::printf("%-40s %4d conns  %9.0f tx/s   (the ceiling)\n", "pgbench prepared INSERT, one row", conns,
                ceiling[conns]);
  }
  std::printf("\n");

  for (int conns : {10, 64}) {
    {
      fs::path files = dir / ("sqlite-" + std::to_string(conns));
      fs::create_directories(files);
      std::string db = (files / "bench.db").string();
      seed(*open_store(db));
      Serve one(db, files);
      report("SQLite, 1 process", conns, drive({&one}, conns, seconds), std::nullopt);
    }
    {
      fs::path files = dir / ("pg1-" + std::to_string(conns));
      fs::create_directories(files);
      std::string db = cluster.new_database();
      seed(*open_store(db));
      Serve one(db, files);
      report("PostgreSQL, 1 process", conns, drive({&one}, conns, seconds), ceiling[conns]);
    }
    {
      fs::path files = dir / ("pg2-" + std::to_string(conns));
      fs::create_directories(files);
      std::string db = cluster.new_database();
      seed(*open_store(db));
      Serve a(db, files), b(db, files);
      report("PostgreSQL, 2 processes", conns, drive({&a, &b}, conns, seconds), ceiling[conns]);
    }
    std::printf("\n");
  }
  fs::remove_all(dir);
  return 0;
}
