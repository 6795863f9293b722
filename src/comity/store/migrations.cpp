#include "comity/store/migrations.hpp"

#include <string>

namespace comity {
namespace {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Never edit a migration that has shipped: add a new one.
constexpr Migration kMigrations[] = {
    {1, "cases, clocks, events, append-only audit", R"SQL(
CREATE TABLE cases (
  id                 TEXT PRIMARY KEY,
  request_id         TEXT NOT NULL,
  requesting_state   TEXT NOT NULL CHECK (length(requesting_state) = 2),
  pathway            TEXT NOT NULL,
  workflow           TEXT NOT NULL,
  state              TEXT NOT NULL,
  pack_hash          TEXT NOT NULL,
  request_json       TEXT NOT NULL,
  decision_json      TEXT NOT NULL,
  deadlines_json     TEXT NOT NULL,
  data_marked_for_deletion INTEGER NOT NULL DEFAULT 0 CHECK (data_marked_for_deletion IN (0, 1)),
  version            INTEGER NOT NULL CHECK (version >= 1),
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL
) STRICT;
CREATE INDEX cases_by_state ON cases(state);

CREATE TABLE case_events (
  case_id    TEXT NOT NULL REFERENCES cases(id) ON DELETE RESTRICT,
  seq        INTEGER NOT NULL CHECK (seq >= 0),
  event      TEXT NOT NULL,
  actor_role TEXT NOT NULL,
  at         INTEGER NOT NULL,
  from_state TEXT NOT NULL,
  to_state   TEXT NOT NULL,
  reason     TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (case_id, seq)
) STRICT;

CREATE TABLE case_clocks (
  case_id        TEXT NOT NULL REFERENCES cases(id) ON DELETE RESTRICT,
  seq            INTEGER NOT NULL,
  deadline_id    TEXT NOT NULL,
  label          TEXT NOT NULL,
  started        INTEGER NOT NULL,
  due            INTEGER NOT NULL,
  stopped        INTEGER,
  expiry_handled INTEGER NOT NULL DEFAULT 0 CHECK (expiry_handled IN (0, 1)),
  PRIMARY KEY (case_id, seq)
) STRICT;
CREATE INDEX running_clocks_by_due ON case_clocks(due) WHERE stopped IS NULL;

CREATE TABLE audit (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  at             INTEGER NOT NULL,
  actor          TEXT NOT NULL,
  action         TEXT NOT NULL,
  object         TEXT NOT NULL,
  payload_sha256 TEXT NOT NULL CHECK (length(payload_sha256) = 64)
) STRICT;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
)SQL"},
};

}  // namespace

int schema_version(Db& db) {
  auto exists = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
  exists.step();
  if (exists.integer(0) == 0) return 0;
  auto v = db.prepare("SELECT coalesce(max(version), 0) FROM schema_migrations");
  v.step();
  return static_cast<int>(v.integer(0));
}

int migrate(Db& db) {
  db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
      "applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))) STRICT");
  int current = schema_version(db);
  if (current > kSchemaVersion)
    throw StoreError(StoreError::Kind::Other, "database schema version " + std::to_string(current) +
                                                  " is newer than this program's (" +
                                                  std::to_string(kSchemaVersion) + ")");
  for (const auto& m : kMigrations) {
    if (m.version <= current) continue;
    db.transaction([&] {
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migrations(version, name) VALUES (?, ?)").bind(1, int64_t{m.version}).bind(2, m.name).run();
    });
    current = m.version;
  }
  return current;
}

}  // namespace comity
