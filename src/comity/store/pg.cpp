#include "comity/store/pg.hpp"

#include <libpq-fe.h>

#include <cstdlib>
#include <vector>

namespace comity {

namespace {

StoreError::Code code_of(std::string_view state) {
  if (state.size() != 5) return StoreError::Code::Io;  // no SQLSTATE: the connection failed
  if (state.substr(0, 2) == "23") return StoreError::Code::Constraint;
  if (state == "22021" || state == "22P05") return StoreError::Code::Invalid;  // not UTF-8, or NUL
  if (state == "40001" || state == "40P01" || state == "55P03" || state == "57014") return StoreError::Code::Busy;
  if (state.substr(0, 2) == "08" || state.substr(0, 2) == "53" || state == "25006" || state.substr(0, 2) == "57")
    return StoreError::Code::Io;
  if (state == "XX001" || state == "XX002") return StoreError::Code::Corrupt;
  return StoreError::Code::Other;
}

// Rewrites `?` placeholders (outside quotes) as $1, $2, … and counts them.
std::string numbered(std::string_view sql, int& count) {
  std::string out;
  out.reserve(sql.size() + 16);
  char quote = 0;
  count = 0;
  for (char ch : sql) {
    if (quote) {
      if (ch == quote) quote = 0;
      out += ch;
    } else if (ch == '\'' || ch == '"') {
      quote = ch;
      out += ch;
    } else if (ch == '?') {
      out += '$' + std::to_string(++count);
    } else {
      out += ch;
    }
  }
  return out;
}

// libpq's messages end in a newline; ours are one line.
std::string trimmed(std::string msg) {
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return msg;
}

// The rows an INSERT, UPDATE or DELETE changed (0 for other commands).
int changed_rows(PGresult* r) {
  const char* changed = PQcmdTuples(r);
  return changed && *changed ? std::atoi(changed) : 0;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr unsigned kByteaOid = 17;

class PgStmt final : public SqlStmt::Impl {
 public:
  PgStmt(PgDb& db, const std::string& name, int params, std::string_view sql)
      : db_(db),
        name_(name),
        sql_(sql.substr(0, 60)),
        values_(static_cast<size_t>(params)),
        set_(static_cast<size_t>(params), false),
        formats_(static_cast<size_t>(params), 0) {}
  ~PgStmt() override { PQclear(res_); }

  void bind_text(int i, std::string_view v) override { put(i, v, 0); }
  void bind_int(int i, int64_t v) override { put(i, std::to_string(v), 0); }
  void bind_blob(int i, std::string_view v) override { put(i, v, 1); }
  void bind_null(int i) override {
    slot(i);
    set_[static_cast<size_t>(i - 1)] = false;
    formats_[static_cast<size_t>(i - 1)] = 0;
  }

  bool step() override {
    if (!res_) execute();
    return ++row_ < rows_;
  }

  std::string text(int col) const override {
    const char* v = value(col);
    if (PQgetisnull(res_, row_, col)) return {};  // as SQLite's text() of NULL
    int n = PQgetlength(res_, row_, col);
    if (PQftype(res_, col) != kByteaOid) return std::string(v, static_cast<size_t>(n));
    // bytea in text format: "\x" then two hex digits per byte.
    std::string out;
    if (n < 2 || v[0] != '\\' || v[1] != 'x')
      throw StoreError(StoreError::Code::Corrupt, "bytea value not in hex form (" + sql_ + ")");
    out.reserve(static_cast<size_t>(n - 2) / 2);
    for (int k = 2; k + 1 < n; k += 2) {
      int hi = hex_value(v[k]), lo = hex_value(v[k + 1]);
      if (hi < 0 || lo < 0) throw StoreError(StoreError::Code::Corrupt, "bytea value not in hex form");
      out += static_cast<char>(hi * 16 + lo);
    }
    return out;
  }
  int64_t integer(int col) const override {
    const char* v = value(col);
    if (PQgetisnull(res_, row_, col)) return 0;
    return std::strtoll(v, nullptr, 10);
  }
  bool is_null(int col) const override {
    in_row(col);
    return PQgetisnull(res_, row_, col) != 0;
  }
  void reset() override {
    PQclear(res_);
    res_ = nullptr;
    row_ = -1;
    rows_ = 0;
    std::fill(set_.begin(), set_.end(), false);
    std::fill(formats_.begin(), formats_.end(), 0);
  }

 private:
  void slot(int i) const {
    if (i < 1 || static_cast<size_t>(i) > values_.size())
      throw StoreError(StoreError::Code::Other,
                       "bind: parameter " + std::to_string(i) + " out of range (" + sql_ + ")");
  }
  void put(int i, std::string_view v, int format) {
    slot(i);
    auto k = static_cast<size_t>(i - 1);
    values_[k].assign(v.data(), v.size());
    set_[k] = true;
    formats_[k] = format;
  }
  void in_row(int col) const {
    if (!res_ || row_ < 0 || row_ >= rows_ || col < 0 || col >= PQnfields(res_))
      throw StoreError(StoreError::Code::Other, "column " + std::to_string(col) + " read outside a row (" + sql_ + ")");
  }
  const char* value(int col) const {
    in_row(col);
    return PQgetvalue(res_, row_, col);
  }

  void execute() {
    size_t n = values_.size();
    std::vector<const char*> ptrs(n);
    std::vector<int> lengths(n);
    for (size_t k = 0; k < n; ++k) {
      ptrs[k] = set_[k] ? values_[k].data() : nullptr;
      lengths[k] = static_cast<int>(values_[k].size());
    }
    PGresult* r =
        PQexecPrepared(db_.raw(), name_.c_str(), static_cast<int>(n), ptrs.data(), lengths.data(), formats_.data(), 0);
    if (!r) throw StoreError(StoreError::Code::Io, "PostgreSQL: " + std::string(PQerrorMessage(db_.raw())));
    auto status = PQresultStatus(r);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) db_.check(r, sql_);
    res_ = r;
    rows_ = status == PGRES_TUPLES_OK ? PQntuples(r) : 0;
    row_ = -1;
    db_.set_changes(changed_rows(r));
  }

  PgDb& db_;
  std::string name_, sql_;
  std::vector<std::string> values_;
  std::vector<bool> set_;
  std::vector<int> formats_;
  PGresult* res_ = nullptr;
  int row_ = -1, rows_ = 0;
};

void quiet(void*, const char*) {}

}  // namespace

std::string redact_uri(std::string_view uri) {
  std::string s(uri);
  if (auto scheme = s.find("://"); scheme != std::string::npos) {
    size_t start = scheme + 3;
    size_t end = s.find_first_of("/?", start);
    size_t at = s.rfind('@', end == std::string::npos ? s.size() : end);
    if (at != std::string::npos && at >= start) {
      size_t colon = s.find(':', start);
      if (colon != std::string::npos && colon < at) s.replace(colon + 1, at - colon - 1, "***");
    }
  }
  for (size_t p = s.find("password="); p != std::string::npos; p = s.find("password=", p + 1)) {
    size_t v = p + 9, e = s.find_first_of("& ", v);
    s.replace(v, (e == std::string::npos ? s.size() : e) - v, "***");
  }
  return s;
}

PgDb::PgDb(const std::string& uri, Mode mode) : where_(redact_uri(uri)) {
  conn_ = PQconnectdb(uri.c_str());
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    std::string msg = trimmed(conn_ ? PQerrorMessage(conn_) : "out of memory");
    PQfinish(conn_);
    conn_ = nullptr;
    throw StoreError(StoreError::Code::Io, "cannot connect to PostgreSQL database " + where_ + ": " + msg);
  }
  PQsetNoticeProcessor(conn_, quiet, nullptr);
  exec(
      "SET client_encoding = 'UTF8'; SET lock_timeout = '10s'; SET idle_in_transaction_session_timeout = '10s'; "
      "SET synchronous_commit = on; SET application_name = 'comity'");
  if (mode == Mode::ReadOnly) exec("SET default_transaction_read_only = on");
}

PgDb::~PgDb() {
  PQfinish(conn_);
}

void PgDb::check(pg_result* res, std::string_view context) {
  auto status = PQresultStatus(res);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return;
  // Copied before PQclear: both point into `res`.
  const char* field = PQresultErrorField(res, PG_DIAG_SQLSTATE);
  const std::string state = field ? field : "";
  std::string msg = PQresultErrorMessage(res);
  PQclear(res);
  msg = trimmed(std::move(msg));
  if (PQstatus(conn_) != CONNECTION_OK) msg += " (connection lost)";
  auto code = PQstatus(conn_) != CONNECTION_OK ? StoreError::Code::Io : code_of(state);
  throw StoreError(code, "SQL failed (" + std::string(context) + "): " + msg);
}

void PgDb::exec(std::string_view sql) {
  std::string s(sql);
  PGresult* r = PQexec(conn_, s.c_str());
  if (!r) throw StoreError(StoreError::Code::Io, "PostgreSQL: " + std::string(PQerrorMessage(conn_)));
  check(r, s.substr(0, 60));
  changes_ = changed_rows(r);
  PQclear(r);
}

SqlStmt PgDb::prepare(std::string_view sql) {
  auto it = prepared_.find(std::string(sql));
  if (it == prepared_.end()) {
    Prepared p;
    std::string text = numbered(sql, p.params);
    p.name = "s" + std::to_string(prepared_.size() + 1);
    PGresult* r = PQprepare(conn_, p.name.c_str(), text.c_str(), p.params, nullptr);
    if (!r) throw StoreError(StoreError::Code::Io, "PostgreSQL: " + std::string(PQerrorMessage(conn_)));
    check(r, "prepare " + std::string(sql.substr(0, 60)));
    PQclear(r);
    it = prepared_.emplace(std::string(sql), std::move(p)).first;
  }
  return SqlStmt(std::make_unique<PgStmt>(*this, it->second.name, it->second.params, sql));
}

bool PgDb::in_transaction() const {
  return PQtransactionStatus(conn_) != PQTRANS_IDLE;
}

void PgDb::begin_write() {
  exec("BEGIN");
  try {
    prepare("SELECT pg_advisory_xact_lock(?)").bind(1, kWriterLock).run();
  } catch (...) {
    rollback();
    throw;
  }
}

void PgDb::begin_read() {
  exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
}

void PgDb::commit() {
  PGresult* r = PQexec(conn_, "COMMIT");
  if (!r) throw StoreError(StoreError::Code::Io, "PostgreSQL: " + std::string(PQerrorMessage(conn_)));
  check(r, "COMMIT");
  // COMMIT of a transaction a failed statement aborted answers ROLLBACK.
  bool rolled_back = std::string_view(PQcmdStatus(r)) == "ROLLBACK";
  PQclear(r);
  if (rolled_back)
    throw StoreError(StoreError::Code::Other, "COMMIT rolled back: a statement of the transaction failed");
}

void PgDb::rollback() noexcept {
  PQclear(PQexec(conn_, "ROLLBACK"));
}

void PgDb::savepoint() {
  exec("SAVEPOINT op");
}

void PgDb::release() {
  exec("RELEASE op");
}

void PgDb::rollback_to_savepoint() noexcept {
  PQclear(PQexec(conn_, "ROLLBACK TO op"));
  PQclear(PQexec(conn_, "RELEASE op"));
}

}  // namespace comity
