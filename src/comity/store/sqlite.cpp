#include "comity/store/sqlite.hpp"

#include <sqlite3.h>

namespace comity {

namespace {

StoreError::Code kind_of(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return StoreError::Code::Busy;
    case SQLITE_CONSTRAINT: return StoreError::Code::Constraint;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return StoreError::Code::Corrupt;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
    case SQLITE_READONLY: return StoreError::Code::Io;
    default: return StoreError::Code::Other;
  }
}

}  // namespace

Db::Db(const std::string& path, Mode mode) : path_(path) {
  int flags = mode == Mode::ReadOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreError(kind_of(rc), "cannot open database " + path + ": " + msg);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, 5000);
  exec("PRAGMA foreign_keys = ON");
  if (mode == Mode::ReadWrite) {
    exec("PRAGMA journal_mode = WAL");
    exec("PRAGMA synchronous = FULL");  // a COMMIT returns only once it is on disk
  }
}

Db::~Db() {
  for (auto& [sql, c] : cache_) sqlite3_finalize(c.stmt);
  sqlite3_close_v2(db_);
}

void Db::fail(int rc, std::string_view context) const {
  throw StoreError(kind_of(rc), std::string(context) + ": " + sqlite3_errmsg(db_));
}

void Db::exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    throw StoreError(kind_of(rc), "SQL failed (" + s.substr(0, 60) + "): " + msg);
  }
}

void Db::run(std::string_view sql) {
  prepare(sql).run();
}

Stmt Db::prepare(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it != cache_.end() && !it->second.busy) {
    it->second.busy = true;
    return Stmt(*this, it->second.stmt, &it->second.busy);
  }
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              it == cache_.end() ? SQLITE_PREPARE_PERSISTENT : 0, &s, nullptr);
  if (rc != SQLITE_OK) fail(rc, "prepare (" + std::string(sql.substr(0, 60)) + ")");
  if (it != cache_.end()) return Stmt(*this, s);  // the cached one is in use: an owned one
  auto& entry = cache_[std::string(sql)];
  entry = {s, true};
  return Stmt(*this, s, &entry.busy);
}

int64_t Db::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_);
}
bool Db::in_transaction() const {
  return sqlite3_get_autocommit(db_) == 0;
}

int Db::changes() const {
  return sqlite3_changes(db_);
}

Stmt::~Stmt() {
  if (!s_) return;
  if (!busy_) {
    sqlite3_finalize(s_);
    return;
  }
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
  *busy_ = false;
}

Stmt& Stmt::bind(int i, std::string_view v) {
  int rc = sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) db_->fail(rc, "bind");
  return *this;
}

Stmt& Stmt::bind_blob(int i, std::string_view v) {
  int rc = sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) db_->fail(rc, "bind");
  return *this;
}

Stmt& Stmt::bind(int i, int64_t v) {
  int rc = sqlite3_bind_int64(s_, i, v);
  if (rc != SQLITE_OK) db_->fail(rc, "bind");
  return *this;
}

Stmt& Stmt::bind_null(int i) {
  int rc = sqlite3_bind_null(s_, i);
  if (rc != SQLITE_OK) db_->fail(rc, "bind");
  return *this;
}

bool Stmt::step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_->fail(rc, "step (" + std::string(sqlite3_sql(s_)).substr(0, 60) + ")");
}

std::string Stmt::text(int col) const {
  const void* p = sqlite3_column_type(s_, col) == SQLITE_BLOB ? sqlite3_column_blob(s_, col)
                                                              : static_cast<const void*>(sqlite3_column_text(s_, col));
  int n = sqlite3_column_bytes(s_, col);
  return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

int64_t Stmt::integer(int col) const {
  return sqlite3_column_int64(s_, col);
}
bool Stmt::is_null(int col) const {
  return sqlite3_column_type(s_, col) == SQLITE_NULL;
}
void Stmt::reset() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

}  // namespace comity
