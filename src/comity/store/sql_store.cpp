// The Store in SQL, written once for both backends (docs/store.md): one
// write transaction per call (a savepoint inside a group commit), optimistic
// concurrency on the case version, the log's next index read and written
// inside the writer's transaction. The connection (sql.hpp) hides which
// database answers; the schema each backend migrates to has the same tables,
// columns and constraints (migrations.cpp, pg_migrations.cpp). This file: evidence,
// drafts, trust, rule packs and statements, audit, and the caller's
// transactions; the other aggregates are in sql_cases.cpp, sql_identity.cpp
// and sql_log.cpp (sql_store_impl.hpp declares the one class).
#include "comity/store/sql_store.hpp"

#include "comity/store/sql_store_impl.hpp"

namespace comity::sql_detail {

void SqlStore::put_production(const Production& p, const AuditEntry& audit) {
  db_.transaction([&] {
    auto dup = db_.prepare("SELECT count(*) FROM productions WHERE case_id = ? AND manifest_id = ?");
    dup.bind(1, p.case_id).bind(2, p.manifest_id);
    dup.step();
    if (dup.integer(0) > 0)
      throw StoreError(StoreError::Code::Conflict,
                       "case " + p.case_id + " has a production " + p.manifest_id + " already");
    db_.prepare(
           "INSERT INTO productions(id, case_id, manifest_id, manifest, verification, created_at, expires_at) "
           "VALUES (?,?,?,?,?,?,?)")
        .bind(1, p.id)
        .bind(2, p.case_id)
        .bind(3, p.manifest_id)
        .bind(4, p.manifest_json)
        .bind(5, p.verification_json)
        .bind(6, p.created_at)
        .bind(7, p.expires_at)
        .run();
    auto f = db_.prepare(
        "INSERT INTO production_files(production_id, idx, name, ciphertext_bytes, ciphertext_sha256) VALUES "
        "(?,?,?,?,?)");
    for (const auto& file : p.files) {
      f.reset();
      f.bind(1, p.id)
          .bind(2, file.index)
          .bind(3, file.name)
          .bind(4, static_cast<int64_t>(file.ciphertext_bytes))
          .bind(5, file.ciphertext_sha256)
          .run();
    }
    insert_audit(audit);
  });
}

std::optional<Production> SqlStore::production(std::string_view id) {
  std::optional<Production> out;
  db_.snapshot([&] {
    auto v = load_productions("WHERE id = ?", id, 1);
    if (!v.empty()) out = std::move(v.front());
  });
  return out;
}

std::vector<Production> SqlStore::productions_for_case(std::string_view case_id) {
  std::vector<Production> out;
  db_.snapshot([&] { out = load_productions("WHERE case_id = ? ORDER BY created_at, id", case_id, 1000); });
  return out;
}

void SqlStore::mark_file_complete(std::string_view production_id, int64_t index, const AuditEntry& audit) {
  db_.transaction([&] {
    db_.prepare("UPDATE production_files SET complete = 1 WHERE production_id = ? AND idx = ?")
        .bind(1, production_id)
        .bind(2, index)
        .run();
    if (db_.changes() != 1) throw StoreError(StoreError::Code::NotFound, "no such production file");
    insert_audit(audit);
  });
}

std::vector<Production> SqlStore::productions_to_delete(Instant now, int limit) {
  std::vector<Production> out;
  db_.snapshot([&] {
    auto s = db_.prepare(
        "SELECT p.id FROM productions p JOIN cases c ON c.id = p.case_id WHERE p.deleted_at IS NULL AND "
        "(p.expires_at <= ? OR c.data_marked_for_deletion = 1) ORDER BY p.created_at LIMIT ?");
    s.bind(1, now).bind(2, int64_t{limit});
    std::vector<std::string> ids;
    while (s.step()) ids.push_back(s.text(0));
    for (const auto& id : ids) {
      auto v = load_productions("WHERE id = ?", id, 1);
      if (!v.empty()) out.push_back(std::move(v.front()));
    }
  });
  return out;
}

void SqlStore::mark_production_deleted(std::string_view id, std::string_view reason, Instant at,
                                       const AuditEntry& audit) {
  db_.transaction([&] {
    db_.prepare("UPDATE productions SET deleted_at = ?, deletion_reason = ? WHERE id = ? AND deleted_at IS NULL")
        .bind(1, at)
        .bind(2, reason)
        .bind(3, id)
        .run();
    if (db_.changes() != 1) throw StoreError(StoreError::Code::NotFound, "no live production " + std::string(id));
    insert_audit(audit);
  });
}

void SqlStore::put_draft(const Draft& d, const AuditEntry& audit) {
  db_.transaction([&] {
    if (d.version == 1) {
      db_.prepare("INSERT INTO drafts(id, user_id, created_at, updated_at, version, body) VALUES (?,?,?,?,1,?)")
          .bind(1, d.id)
          .bind(2, d.user_id)
          .bind(3, d.created_at)
          .bind(4, d.updated_at)
          .bind(5, d.body)
          .run();
    } else {
      db_.prepare("UPDATE drafts SET updated_at = ?, version = ?, body = ? WHERE id = ? AND version = ?")
          .bind(1, d.updated_at)
          .bind(2, d.version)
          .bind(3, d.body)
          .bind(4, d.id)
          .bind(5, d.version - 1)
          .run();
      if (db_.changes() != 1)
        throw StoreError(StoreError::Code::Conflict, "draft " + d.id + " changed meanwhile (or is gone)");
    }
    insert_audit(audit);
  });
}

std::optional<Draft> SqlStore::draft(std::string_view id) {
  auto s = db_.prepare("SELECT id, user_id, created_at, updated_at, version, body FROM drafts WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return Draft{s.text(0), s.text(1), s.integer(2), s.integer(3), s.integer(4), s.text(5)};
}

std::vector<Draft> SqlStore::drafts_of(std::string_view user_id, int limit) {
  auto s = db_.prepare(
      "SELECT id, user_id, created_at, updated_at, version, body FROM drafts WHERE user_id = ? "
      "ORDER BY updated_at DESC, id LIMIT ?");
  s.bind(1, user_id).bind(2, int64_t{limit});
  std::vector<Draft> out;
  while (s.step()) out.push_back({s.text(0), s.text(1), s.integer(2), s.integer(3), s.integer(4), s.text(5)});
  return out;
}

bool SqlStore::delete_draft(std::string_view id, const AuditEntry& audit) {
  bool gone = false;
  db_.transaction([&] {
    db_.prepare("DELETE FROM drafts WHERE id = ?").bind(1, id).run();
    gone = db_.changes() == 1;
    if (gone) insert_audit(audit);
  });
  return gone;
}

void SqlStore::add_trust_import(const TrustImport& t, const AuditEntry& audit) {
  db_.transaction([&] {
    db_.prepare("INSERT INTO trust_imports(bundle, anchor_change, imported_at) VALUES (?,?,?)")
        .bind(1, t.bundle)
        .bind(2, t.anchor_change)
        .bind(3, t.imported_at)
        .run();
    insert_audit(audit);
  });
}

bool SqlStore::put_rule_pack(const StoredPack& p, const AuditEntry& audit) {
  bool added = false;
  db_.transaction([&] {
    db_.prepare(
           "INSERT INTO rule_packs(content_hash, name, version, sources, stored_at) VALUES (?,?,?,?,?) "
           "ON CONFLICT(content_hash) DO NOTHING")
        .bind(1, p.content_hash)
        .bind(2, p.name)
        .bind(3, p.version)
        .bind(4, p.sources_json)
        .bind(5, p.stored_at)
        .run();
    added = db_.changes() == 1;
    if (added) insert_audit(audit);
  });
  return added;
}

std::vector<StoredPack> SqlStore::rule_packs() {
  // In the order stored: SQLite's rowid; PostgreSQL's identity column.
  auto s = db_.prepare(db_.dialect() == SqlDialect::Sqlite
                           ? "SELECT content_hash, name, version, sources, stored_at FROM rule_packs ORDER BY rowid"
                           : "SELECT content_hash, name, version, sources, stored_at FROM rule_packs ORDER BY seq");
  std::vector<StoredPack> out;
  while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.integer(4)});
  return out;
}

uint64_t SqlStore::put_provider_statement(const StoredStatement& st, const AuditEntry& audit, const LogLeaf& leaf) {
  uint64_t index = 0;
  db_.transaction([&] {
    index = log_size();
    insert_log({leaf});
    db_.prepare(
           "INSERT INTO provider_statements(provider_id, version, sha256, signed_json, signer, imported_at, "
           "log_index) VALUES (?,?,?,?,?,?,?)")
        .bind(1, st.provider_id)
        .bind(2, st.version)
        .bind(3, st.sha256)
        .bind(4, st.signed_json)
        .bind(5, st.signer)
        .bind(6, st.imported_at)
        .bind(7, static_cast<int64_t>(index))
        .run();
    insert_audit(audit);
  });
  return index;
}

std::optional<StoredStatement> SqlStore::provider_statement(std::string_view provider_id, int64_t version) {
  auto s = db_.prepare(
      "SELECT provider_id, version, sha256, signed_json, signer, imported_at, log_index FROM provider_statements "
      "WHERE provider_id = ? AND (? = 0 OR version = ?) ORDER BY version DESC LIMIT 1");
  s.bind(1, provider_id).bind(2, version).bind(3, version);
  if (!s.step()) return std::nullopt;
  return StoredStatement{
      s.text(0), s.integer(1), s.text(2), s.text(3), s.text(4), s.integer(5), static_cast<uint64_t>(s.integer(6))};
}

std::vector<SqlStore::TrustImport> SqlStore::trust_imports() {
  auto s = db_.prepare("SELECT bundle, anchor_change, imported_at FROM trust_imports ORDER BY seq");
  std::vector<TrustImport> out;
  while (s.step()) out.push_back({s.text(0), s.text(1), s.integer(2)});
  return out;
}

int64_t SqlStore::count_trust_imports() {
  auto s = db_.prepare("SELECT count(*) FROM trust_imports");
  s.step();
  return s.integer(0);
}

void SqlStore::append_audit(const AuditEntry& audit) {
  db_.transaction([&] { insert_audit(audit); });
}

void SqlStore::ping() {
  auto s = db_.prepare("SELECT count(*) FROM schema_migrations");
  s.step();
}

std::vector<AuditEntry> SqlStore::audit_after(int64_t after_id, int limit) {
  auto s =
      db_.prepare("SELECT id, at, actor, action, object, payload_sha256 FROM audit WHERE id > ? ORDER BY id LIMIT ?");
  s.bind(1, after_id).bind(2, int64_t{limit});
  std::vector<AuditEntry> out;
  while (s.step()) out.push_back({s.integer(0), s.integer(1), s.text(2), s.text(3), s.text(4), s.text(5)});
  return out;
}

// Productions matching `where` (one text parameter), with their files.
std::vector<Production> SqlStore::load_productions(const char* where, std::string_view param, int limit) {
  auto s = db_.prepare(std::string("SELECT id, case_id, manifest_id, manifest, verification, created_at, expires_at, "
                                   "deleted_at, deletion_reason FROM productions ") +
                       where + " LIMIT " + std::to_string(limit));
  s.bind(1, param);
  std::vector<Production> out;
  while (s.step()) {
    Production p{s.text(0),    s.text(1),    s.text(2),    s.text(3), s.text(4),
                 s.integer(5), s.integer(6), std::nullopt, s.text(8), {}};
    if (!s.is_null(7)) p.deleted_at = s.integer(7);
    out.push_back(std::move(p));
  }
  auto f = db_.prepare(
      "SELECT idx, name, ciphertext_bytes, ciphertext_sha256, complete FROM production_files WHERE production_id = ? "
      "ORDER BY idx");
  for (auto& p : out) {
    f.reset();
    f.bind(1, p.id);
    while (f.step())
      p.files.push_back({f.integer(0), f.text(1), static_cast<uint64_t>(f.integer(2)), f.text(3), f.integer(4) != 0});
  }
  return out;
}

void SqlStore::insert_audit(const AuditEntry& a) {
  db_.prepare("INSERT INTO audit(at, actor, action, object, payload_sha256) VALUES (?,?,?,?,?)")
      .bind(1, a.at)
      .bind(2, a.actor)
      .bind(3, a.action)
      .bind(4, a.object)
      .bind(5, a.payload_sha256)
      .run();
}

}  // namespace comity::sql_detail

namespace comity {

std::unique_ptr<Store> make_sql_store(std::unique_ptr<SqlDb> db) {
  return std::make_unique<sql_detail::SqlStore>(std::move(db));
}

}  // namespace comity
