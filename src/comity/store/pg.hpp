// A PostgreSQL connection over libpq, behind the SqlDb seam (sql.hpp).
//
// Statements are prepared once per connection and SQL text (PQprepare, the
// server infers parameter types from the columns they meet) and run with
// PQexecPrepared: values travel in text format, blobs in binary, results
// come back in text (bytea decoded from its hex form). A write transaction
// first takes the database's writer lock (pg_advisory_xact_lock on one key
// shared by every Comity process), so writers in every process are
// serialised as SQLite serialises its one writer: the log's next index is
// read and written by one transaction at a time (docs/store.md). Sessions
// carry lock_timeout and idle_in_transaction_session_timeout, so a hung
// process cannot hold the lock for more than 10 seconds.
//
// SQLSTATE → StoreError::Code: class 23 and the append-only triggers →
// Constraint; 40001, 40P01, 55P03, 57014 → Busy; class 08, 53, 25006 and a
// lost connection → Io; XX001, XX002 → Corrupt; the rest → Other.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

#include "comity/store/sql.hpp"

struct pg_conn;
struct pg_result;

namespace comity {

class PgDb final : public SqlDb {
 public:
  enum class Mode : uint8_t { ReadWrite, ReadOnly };
  // Connects to `uri` (a libpq connection URI or key=value string). ReadOnly
  // makes every transaction of the session read-only (writes fail with
  // StoreError Io). Throws StoreError{Io} when the database cannot be reached.
  explicit PgDb(const std::string& uri, Mode mode = Mode::ReadWrite);
  ~PgDb() override;
  PgDb(const PgDb&) = delete;
  PgDb& operator=(const PgDb&) = delete;

  SqlDialect dialect() const override { return SqlDialect::Postgres; }
  SqlStmt prepare(std::string_view sql) override;
  void exec(std::string_view sql) override;
  int changes() const override { return changes_; }
  bool in_transaction() const override;
  // `uri` with any password removed: what messages may name.
  const std::string& where() const { return where_; }

  // The key of the writer lock every write transaction takes.
  static constexpr int64_t kWriterLock = 0x436f6d697479;  // "Comity"

  // REQUIRES: `res` non-null. Throws StoreError unless `res` succeeded;
  // frees it then. Used by statements of this connection.
  void check(pg_result* res, std::string_view context);
  pg_conn* raw() { return conn_; }
  void set_changes(int n) { changes_ = n; }

 protected:
  void begin_write() override;
  void begin_read() override;
  void commit() override;
  void rollback() noexcept override;
  void savepoint() override;
  void release() override;
  void rollback_to_savepoint() noexcept override;

 private:
  struct Prepared {
    std::string name;
    int params = 0;
  };
  pg_conn* conn_ = nullptr;
  std::string where_;
  int changes_ = 0;
  std::unordered_map<std::string, Prepared> prepared_;
};

// `uri` with the password of its authority (`user:secret@`) and any
// `password=` parameter replaced by `***`.
std::string redact_uri(std::string_view uri);

}  // namespace comity
