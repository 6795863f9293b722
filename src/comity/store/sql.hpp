// One SQL connection, whichever database is behind it: the seam between the
// store's SQL (sql_store.cpp, written once) and the two backends — SQLite
// (sqlite.hpp, an embedded file) and PostgreSQL (pg.hpp, over libpq).
//
// The store writes its SQL with `?` placeholders, numbered by position;
// the PostgreSQL connection rewrites them to `$1, $2, …`. Values are always
// bound, never spliced. Errors are StoreError with the backend's code mapped
// to one StoreError::Code, so the store and its callers never see which
// database answered.
//
// Transactions: transaction(f) is one write transaction — SQLite's BEGIN
// IMMEDIATE; on PostgreSQL a BEGIN that first takes the database's writer
// lock, so writers from every process are serialised exactly as SQLite
// serialises them (docs/store.md). Inside an open transaction it runs `f` in
// a savepoint instead: a failure undoes `f` alone and the enclosing
// transaction goes on (group commit). snapshot(f) runs reads from one
// snapshot. Not thread-safe: one connection per thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "comity/store/store_error.hpp"

namespace comity {

enum class SqlDialect : uint8_t { Sqlite, Postgres };

// A prepared statement being bound, stepped and read. Binding is 1-based;
// columns 0-based. Move-only; released (and returned to its connection's
// cache) when destroyed.
class SqlStmt {
 public:
  struct Impl {
    virtual ~Impl() = default;
    virtual void bind_text(int i, std::string_view v) = 0;
    virtual void bind_int(int i, int64_t v) = 0;
    virtual void bind_null(int i) = 0;
    virtual void bind_blob(int i, std::string_view bytes) = 0;
    virtual bool step() = 0;
    virtual std::string text(int col) const = 0;  // TEXT or BLOB bytes
    virtual int64_t integer(int col) const = 0;
    virtual bool is_null(int col) const = 0;
    virtual void reset() = 0;  // to be bound and run again
  };
  explicit SqlStmt(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

  SqlStmt& bind(int i, std::string_view v) {
    impl_->bind_text(i, v);
    return *this;
  }
  SqlStmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  SqlStmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  SqlStmt& bind(int i, int64_t v) {
    impl_->bind_int(i, v);
    return *this;
  }
  SqlStmt& bind_null(int i) {
    impl_->bind_null(i);
    return *this;
  }
  SqlStmt& bind_blob(int i, std::string_view bytes) {
    impl_->bind_blob(i, bytes);
    return *this;
  }
  SqlStmt& bind_opt(int i, const std::optional<int64_t>& v) { return v ? bind(i, *v) : bind_null(i); }
  SqlStmt& bind_text_or_null(int i, std::string_view v) { return v.empty() ? bind_null(i) : bind(i, v); }
  // Steps once: true when a row is available, false when done. Throws StoreError.
  bool step() { return impl_->step(); }
  void run() {
    while (step()) {
    }
  }
  std::string text(int col) const { return impl_->text(col); }
  int64_t integer(int col) const { return impl_->integer(col); }
  bool is_null(int col) const { return impl_->is_null(col); }
  void reset() { impl_->reset(); }

 private:
  std::unique_ptr<Impl> impl_;
};

class SqlDb {
 public:
  virtual ~SqlDb() = default;
  virtual SqlDialect dialect() const = 0;
  // A statement for `sql` (cached per SQL text by the backend).
  virtual SqlStmt prepare(std::string_view sql) = 0;
  // For DDL and session settings: no parameters, possibly several statements.
  virtual void exec(std::string_view sql) = 0;
  // Rows changed by the last INSERT, UPDATE or DELETE run on this connection.
  virtual int changes() const = 0;
  virtual bool in_transaction() const = 0;

  template <class F>
  void transaction(F&& f) {
    begin_unit();
    try {
      f();
      end_unit();
    } catch (...) {
      undo_unit();
      throw;
    }
  }
  // A unit the caller holds open (Store's Transaction): a write transaction
  // as transaction(f) opens one, or a savepoint inside the open one. Closed
  // innermost first by end_unit (COMMIT or RELEASE; on failure the unit stays
  // open for undo_unit) or undo_unit.
  void begin_unit() {
    refuse_if_rolled_back();
    const bool nested = in_transaction();
    nested ? savepoint() : begin_write();
    units_.push_back(nested);
  }
  void end_unit() {
    COMITY_ASSERT(!units_.empty(), "a unit is closed only once it was opened");
    units_.back() ? release() : commit();
    units_.pop_back();
  }
  void undo_unit() noexcept {
    if (units_.empty()) return;
    const bool nested = units_.back();
    units_.pop_back();
    nested ? rollback_to_savepoint() : rollback();
  }

  template <class F>
  void snapshot(F&& f) {
    if (in_transaction())
      f();
    else
      guarded(f, &SqlDb::begin_read, &SqlDb::commit, &SqlDb::rollback);
  }

 protected:
  virtual void begin_write() = 0;
  virtual void begin_read() = 0;
  virtual void commit() = 0;
  // Undo: must not throw (a broken connection is the backend's to note).
  virtual void rollback() noexcept = 0;
  virtual void savepoint() = 0;
  virtual void release() = 0;
  virtual void rollback_to_savepoint() noexcept = 0;

 private:
  // A unit is open but the database has no transaction: it rolled the
  // transaction back itself (SQLite does on a full disk or an I/O error).
  // Whatever runs now would commit on its own, outside the unit its caller
  // believes it is in — so nothing runs until the unit is closed.
  void refuse_if_rolled_back() const {
    if (!units_.empty() && !in_transaction())
      throw StoreError(StoreError::Code::Io, "the database rolled the open transaction back; nothing of it is stored");
  }
  std::vector<bool> units_;  // the open units, innermost last: true for a savepoint
  using Step = void (SqlDb::*)();
  using Undo = void (SqlDb::*)() noexcept;
  template <class F>
  void guarded(F& f, Step begin, Step end, Undo undo) {
    (this->*begin)();
    try {
      f();
      (this->*end)();
    } catch (...) {
      (this->*undo)();
      throw;
    }
  }
};

}  // namespace comity
