// A scratch PostgreSQL cluster for the tests that need a server (the store
// conformance suite's Postgres half): the test process's own, never a system
// cluster. It lives in a directory under /tmp and listens only on a Unix
// socket there; fsync and synchronous_commit keep their defaults, so commits
// are as durable as in production.
#pragma once

#include <sys/types.h>

#include <mutex>
#include <string>

struct pg_conn;

namespace comity::test {

// initdb + pg_ctl in a scratch directory (mkdtemp /tmp/comity-pg-XXXXXX),
// listening only on a Unix socket in that directory (listen_addresses=''),
// started on first use and stopped (pg_ctl stop -m fast, then the directory
// removed) at process exit — also when the process is killed, by a watchdog
// that notices the end of the process. Run as root, the cluster runs as the
// `postgres` OS user (runuser); otherwise as the current user. Its superuser
// is the database user `postgres`, trusted on the socket.
class PgCluster {
 public:
  // The process's cluster, started on the first call (thread-safe). Throws
  // std::runtime_error (with the tail of the server log) if it cannot start.
  static PgCluster& shared();

  // A new empty database in the cluster (t1, t2, … — never reused in this
  // process) and its libpq URI:
  // "postgresql:///tN?host=SOCKETDIR&port=5432&user=postgres". Thread-safe.
  // Throws std::runtime_error if the database cannot be created.
  std::string new_database();

  // The libpq URI of database `name` in the cluster.
  std::string uri(const std::string& name) const;

  // The directory holding the server's socket (and the cluster's files).
  const std::string& socket_dir() const { return dir_; }

  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;
  // Stops the server and removes its directory.
  ~PgCluster();

 private:
  PgCluster();
  // Ends the watchdog, which stops the server (if it runs) and removes dir_;
  // waits for it to finish.
  void stop() noexcept;

  std::string dir_;  // the scratch directory: data/, log, the socket
  std::string bin_;  // the PostgreSQL binaries
  int watchdog_fd_ = -1;
  pid_t watchdog_pid_ = -1;
  std::mutex mu_;  // guards admin_ and next_
  pg_conn* admin_ = nullptr;
  int next_ = 0;
};

}  // namespace comity::test
