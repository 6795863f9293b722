// The SQLite backend of the Store (docs/store.md): WAL, foreign keys,
// synchronous=FULL, one BEGIN IMMEDIATE transaction per call. The SQL itself
// is sql_store.cpp's; this file adapts a SQLite connection (sqlite.hpp) to
// the SqlDb seam and migrates the file before it is used.
#include "comity/store/migrations.hpp"
#include "comity/store/open_store.hpp"
#include "comity/store/sql_store.hpp"
#include "comity/store/sqlite.hpp"

namespace comity {
namespace {

class SqliteStmt final : public SqlStmt::Impl {
 public:
  explicit SqliteStmt(Stmt s) : s_(std::move(s)) {}
  void bind_text(int i, std::string_view v) override { s_.bind(i, v); }
  void bind_int(int i, int64_t v) override { s_.bind(i, v); }
  void bind_null(int i) override { s_.bind_null(i); }
  void bind_blob(int i, std::string_view v) override { s_.bind_blob(i, v); }
  bool step() override { return s_.step(); }
  std::string text(int col) const override { return s_.text(col); }
  int64_t integer(int col) const override { return s_.integer(col); }
  bool is_null(int col) const override { return s_.is_null(col); }
  void reset() override { s_.reset(); }

 private:
  Stmt s_;
};

class SqliteSqlDb final : public SqlDb {
 public:
  SqliteSqlDb(const std::string& path, Db::Mode mode) : db_(path, mode) {}
  Db& db() { return db_; }

  SqlDialect dialect() const override { return SqlDialect::Sqlite; }
  SqlStmt prepare(std::string_view sql) override { return SqlStmt(std::make_unique<SqliteStmt>(db_.prepare(sql))); }
  void exec(std::string_view sql) override { db_.exec(sql); }
  int changes() const override { return db_.changes(); }
  bool in_transaction() const override { return db_.in_transaction(); }

 protected:
  void begin_write() override { db_.run("BEGIN IMMEDIATE"); }
  void begin_read() override { db_.run("BEGIN"); }
  void commit() override { db_.run("COMMIT"); }
  void rollback() noexcept override { undo("ROLLBACK"); }
  void savepoint() override { db_.run("SAVEPOINT op"); }
  void release() override { db_.run("RELEASE op"); }
  void rollback_to_savepoint() noexcept override {
    undo("ROLLBACK TO op");
    undo("RELEASE op");
  }

 private:
  void undo(const char* sql) noexcept {
    try {
      db_.exec(sql);
    } catch (...) {  // nothing to undo (SQLite rolled back itself)
    }
  }
  Db db_;
};

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const std::string& path, StoreAccess access) {
  auto db =
      std::make_unique<SqliteSqlDb>(path, access == StoreAccess::ReadOnly ? Db::Mode::ReadOnly : Db::Mode::ReadWrite);
  if (access == StoreAccess::ReadWrite) {
    migrate(db->db());
  } else {
    require_current_schema(schema_version(db->db()), path);
  }
  return make_sql_store(std::move(db));
}

}  // namespace comity
