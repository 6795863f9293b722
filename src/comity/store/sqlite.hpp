// A thin RAII layer over SQLite: one connection, prepared statements with
// typed binding, transactions, and errors mapped to StoreError kinds with the
// SQL that failed. SQL text is always parameterised; values are bound, never
// spliced. Not thread-safe: one Db per thread.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

#include "comity/store/store_error.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace comity {

class Stmt;

class Db {
 public:
  enum class Mode : uint8_t { ReadWrite, ReadOnly };
  // Opens (creating if needed) the database at `path` with WAL, foreign keys
  // on, synchronous=FULL and a busy timeout. Throws StoreError.
  explicit Db(const std::string& path, Mode mode = Mode::ReadWrite);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  void exec(std::string_view sql);  // for DDL and pragmas; no parameters
  void run(std::string_view sql);   // one statement, no parameters, through the statement cache
  // A statement for `sql`. Statements are cached per SQL text and reused
  // (reset, bindings cleared) once the previous Stmt for the same text is
  // gone; while one is in use, a fresh one is prepared.
  Stmt prepare(std::string_view sql);
  int64_t last_insert_rowid() const;
  int changes() const;
  bool in_transaction() const;
  sqlite3* raw() { return db_; }
  const std::string& path() const { return path_; }

  // Runs `f` in BEGIN IMMEDIATE … COMMIT; rolls back if `f` throws. Inside
  // an open transaction it runs `f` in a savepoint instead, so a failure
  // undoes `f`'s changes alone and the enclosing transaction goes on (group
  // commit: many operations, one durable COMMIT).
  template <class F>
  void transaction(F&& f) {
    if (in_transaction())
      guarded(f, "SAVEPOINT op", "RELEASE op", "ROLLBACK TO op", "RELEASE op");
    else
      guarded(f, "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK");
  }

  // Runs `f`'s reads from one snapshot: in a deferred transaction, or in the
  // caller's if one is open.
  template <class F>
  void snapshot(F&& f) {
    if (in_transaction())
      f();
    else
      guarded(f, "BEGIN", "COMMIT", "ROLLBACK");
  }

  [[noreturn]] void fail(int rc, std::string_view context) const;

 private:
  // run(begin), f(), run(end); on a throw, exec(undo) then exec(undo2) (if
  // any) and rethrow.
  template <class F>
  void guarded(F& f, std::string_view begin, std::string_view end, std::string_view undo, std::string_view undo2 = {}) {
    run(begin);
    try {
      f();
      run(end);
    } catch (...) {
      exec(undo);
      if (!undo2.empty()) exec(undo2);
      throw;
    }
  }

  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    bool busy = false;
  };
  sqlite3* db_ = nullptr;
  std::string path_;
  std::unordered_map<std::string, Cached> cache_;  // node-based: entries stay put
};

class Stmt {
 public:
  // `busy`: the cache entry's flag when the statement is cached (reset and
  // released on destruction), nullptr when owned (finalized).
  Stmt(Db& db, sqlite3_stmt* s, bool* busy = nullptr) : db_(&db), s_(s), busy_(busy) {}
  ~Stmt();
  Stmt(Stmt&& o) noexcept : db_(o.db_), s_(o.s_), busy_(o.busy_) {
    o.s_ = nullptr;
    o.busy_ = nullptr;
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  // Binding is 1-based, as in SQLite.
  Stmt& bind(int i, std::string_view v);
  Stmt& bind(int i, int64_t v);
  Stmt& bind_null(int i);
  Stmt& bind_blob(int i, std::string_view bytes);
  Stmt& bind_opt(int i, const std::optional<int64_t>& v) { return v ? bind(i, *v) : bind_null(i); }
  Stmt& bind_text_or_null(int i, std::string_view v) { return v.empty() ? bind_null(i) : bind(i, v); }
  // Steps once: true when a row is available, false when done. Throws on error.
  bool step();
  void run() {
    while (step()) {
    }
  }
  std::string text(int col) const;  // TEXT or BLOB bytes
  int64_t integer(int col) const;
  bool is_null(int col) const;
  void reset();

 private:
  Db* db_;
  sqlite3_stmt* s_;
  bool* busy_;
};

}  // namespace comity
