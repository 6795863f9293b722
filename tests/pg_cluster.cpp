// The tests' scratch PostgreSQL cluster (pg_cluster.hpp): initdb, pg_ctl and
// a watchdog shell run with posix_spawn; databases are created over libpq.
#include "pg_cluster.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <vector>

extern char** environ;

namespace comity::test {
namespace {

constexpr const char* kFallbackBin = "/usr/lib/postgresql/15/bin";
constexpr const char* kPort = "5432";  // the socket's name; the directory is the cluster's own

bool as_root() {
  return geteuid() == 0;
}

// The environment for the commands: ours without PG* variables (PGDATA,
// PGPORT, PGHOST… must not steer the scratch cluster), in the C locale.
std::vector<std::string> child_environment() {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string_view v(*e);
    if (v.starts_with("PG") || v.starts_with("LC_ALL=") || v.starts_with("LANG=")) continue;
    env.emplace_back(v);
  }
  env.emplace_back("LC_ALL=C");
  env.emplace_back("LANG=C");
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Starts `argv` (looked up in PATH) in "/" with stdin `in_fd` (or /dev/null
// when -1) and stdout and stderr on `out_fd` (or /dev/null when -1); in a
// session of its own when `own_session`.
pid_t spawn(std::vector<std::string> argv, int in_fd, int out_fd, bool own_session) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (in_fd >= 0)
    posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
  else
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  if (out_fd >= 0) {
    posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    posix_spawn_file_actions_adddup2(&fa, out_fd, 2);
  } else {
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
  }
  posix_spawn_file_actions_addchdir_np(&fa, "/");  // readable by the postgres user too
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  int flags = POSIX_SPAWN_SETSIGMASK | (own_session ? POSIX_SPAWN_SETSID : 0);
  posix_spawnattr_setflags(&attr, static_cast<short>(flags));
  std::vector<std::string> env = child_environment();
  auto args = c_strings(argv);
  auto envp = c_strings(env);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &fa, &attr, args.data(), envp.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("cannot run " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return status;
}

struct Result {
  bool ok = false;
  std::string output;  // stdout and stderr together
};

// Runs `argv` to its end, collecting its output.
Result run(const std::vector<std::string>& argv) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  pid_t pid = -1;
  try {
    pid = spawn(argv, -1, fds[1], false);
  } catch (...) {
    close(fds[0]);
    close(fds[1]);
    throw;
  }
  close(fds[1]);
  Result r;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n > 0) {
      r.output.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(fds[0]);
  int status = wait_for(pid);
  r.ok = status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return r;
}

std::string runuser_path() {
  for (const char* p : {"/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"})
    if (access(p, X_OK) == 0) return p;
  return "runuser";
}

// `argv` as the cluster's owner: the postgres OS user when we are root.
std::vector<std::string> as_owner(std::vector<std::string> argv) {
  if (!as_root()) return argv;
  std::vector<std::string> out = {runuser_path(), "-u", "postgres", "--"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

std::string bin_dir() {
  try {
    Result r = run({"pg_config", "--bindir"});
    std::string dir = r.output.substr(0, r.output.find('\n'));
    if (r.ok && !dir.empty() && access((dir + "/initdb").c_str(), X_OK) == 0) return dir;
  } catch (const std::runtime_error&) {  // no pg_config: the fallback
  }
  return kFallbackBin;
}

std::string tail_of(const std::string& path, size_t bytes = 4000) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "(no server log at " + path + ")";
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > bytes ? s.substr(s.size() - bytes) : s;
}

// The watchdog: waits for the end of its stdin (our end of the pipe closes
// when this process exits, however it ends), then stops the server if it
// runs and removes the directory. $1 directory, $2 bin, $3 runuser or "".
constexpr const char* kWatchdog = R"SH(
read -r _ || :
if [ -f "$1/data/postmaster.pid" ]; then
  if [ -n "$3" ]; then "$3" -u postgres -- "$2/pg_ctl" -D "$1/data" -m fast -w -t 60 stop
  else "$2/pg_ctl" -D "$1/data" -m fast -w -t 60 stop; fi
fi
rm -rf -- "$1"
)SH";

}  // namespace

PgCluster& PgCluster::shared() {
  static PgCluster cluster;  // initialised once, thread-safe; destroyed at exit
  return cluster;
}

PgCluster::PgCluster() : bin_(bin_dir()) {
  if (access((bin_ + "/initdb").c_str(), X_OK) != 0 || access((bin_ + "/pg_ctl").c_str(), X_OK) != 0)
    throw std::runtime_error("PostgreSQL binaries not found in " + bin_ + " (install postgresql-15)");
  char tmpl[] = "/tmp/comity-pg-XXXXXX";  // short: a socket path has at most 107 bytes
  if (!mkdtemp(tmpl)) throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  dir_ = tmpl;
  if (as_root()) {
    struct passwd* pw = getpwnam("postgres");
    if (!pw || chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      rmdir(dir_.c_str());
      throw std::runtime_error("running as root, but cannot give " + dir_ + " to the postgres user");
    }
  }
  // The watchdog first, so that whatever happens next is cleaned up.
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    rmdir(dir_.c_str());
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  }
  try {
    watchdog_pid_ =
        spawn({"/bin/sh", "-c", kWatchdog, "comity-pg-watchdog", dir_, bin_, as_root() ? runuser_path() : ""}, fds[0],
              -1, true);
  } catch (...) {
    close(fds[0]);
    close(fds[1]);
    rmdir(dir_.c_str());
    throw;
  }
  close(fds[0]);
  watchdog_fd_ = fds[1];

  const std::string data = dir_ + "/data", log = dir_ + "/log";
  // --no-sync affects initdb's own writes only; the server keeps fsync on.
  Result init = run(as_owner(
      {bin_ + "/initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"}));
  if (!init.ok) {
    stop();
    throw std::runtime_error("initdb failed:\n" + init.output);
  }
  std::string options = "-c listen_addresses='' -k " + dir_ + " -p " + kPort + " -c max_connections=200";
  Result start = run(as_owner({bin_ + "/pg_ctl", "-D", data, "-l", log, "-w", "-t", "60", "-o", options, "start"}));
  if (!start.ok) {
    std::string msg = "pg_ctl start failed:\n" + start.output + "\nserver log (tail):\n" + tail_of(log);
    stop();
    throw std::runtime_error(msg);
  }
}

PgCluster::~PgCluster() {
  stop();
}

void PgCluster::stop() noexcept {
  if (admin_) {
    PQfinish(admin_);
    admin_ = nullptr;
  }
  if (watchdog_fd_ >= 0) {
    close(watchdog_fd_);  // the watchdog reads the end of its input and stops the server
    watchdog_fd_ = -1;
  }
  if (watchdog_pid_ > 0) {
    wait_for(watchdog_pid_);
    watchdog_pid_ = -1;
  }
}

std::string PgCluster::uri(const std::string& name) const {
  return "postgresql:///" + name + "?host=" + dir_ + "&port=" + kPort + "&user=postgres";
}

std::string PgCluster::new_database() {
  std::lock_guard lock(mu_);
  if (!admin_ || PQstatus(admin_) != CONNECTION_OK) {
    if (admin_) PQfinish(admin_);
    admin_ = PQconnectdb(uri("postgres").c_str());
    if (PQstatus(admin_) != CONNECTION_OK) {
      std::string msg = PQerrorMessage(admin_);
      PQfinish(admin_);
      admin_ = nullptr;
      throw std::runtime_error("cannot connect to the scratch cluster in " + dir_ + ": " + msg +
                               "\nserver log (tail):\n" + tail_of(dir_ + "/log"));
    }
  }
  std::string name = "t" + std::to_string(++next_);
  PGresult* res = PQexec(admin_, ("CREATE DATABASE " + name).c_str());
  bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
  std::string msg = ok ? "" : PQresultErrorMessage(res);
  PQclear(res);
  if (!ok) throw std::runtime_error("CREATE DATABASE " + name + " failed: " + msg);
  return uri(name);
}

}  // namespace comity::test
