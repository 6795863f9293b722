// The Store in SQL, written once for both backends (docs/store.md): one
// write transaction per call (a savepoint inside a group commit), optimistic
// concurrency on the case version, the log's next index read and written
// inside the writer's transaction. The connection (sql.hpp) hides which
// database answers; the schema each backend migrates to has the same tables,
// columns and constraints (migrations.cpp, pg_migrations.cpp).
#include "comity/store/sql_store.hpp"

#include <nlohmann/json.hpp>

namespace comity {
namespace {

using nlohmann::json;

std::string deadlines_json(const Case& c) {
  json a = json::array();
  for (const auto& d : c.deadlines)
    a.push_back({{"id", d.id}, {"label", d.label}, {"seconds", d.seconds}, {"extends", d.extends}});
  return a.dump();
}

std::vector<CaseDeadline> parse_deadlines(const std::string& text) {
  std::vector<CaseDeadline> out;
  for (const auto& d : json::parse(text))
    out.push_back({d.at("id").get<std::string>(), d.at("label").get<std::string>(), d.at("seconds").get<int64_t>(),
                   d.at("extends").get<std::string>()});
  return out;
}

class SqlStore final : public Store {
 public:
  explicit SqlStore(std::unique_ptr<SqlDb> db) : owned_(std::move(db)), db_(*owned_) {}

  void create_case(const CaseRecord& r, const AuditEntry& audit, const std::vector<LogLeaf>& log) override {
    db_.transaction([&] {
      db_.prepare(
             "INSERT INTO cases(id, request_id, requesting_state, pathway, workflow, state, pack_hash, request_json, "
             "decision_json, deadlines_json, data_marked_for_deletion, version, created_at, updated_at, "
             "requesting_party_id, provider_party_id, counterpart_state, notified, transmitted, via_authorities, "
             "order_json, notice_mode, notice_status, notice_review_date, entry_json, evaluated_on, public_json) "
             "VALUES (?,?,?,?,?,?,?,?,?,?,?,1,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
          .bind(1, r.id)
          .bind(2, r.request_id)
          .bind(3, r.requesting_state)
          .bind(4, r.c.pathway)
          .bind(5, r.c.workflow)
          .bind(6, r.c.state)
          .bind(7, r.pack_hash)
          .bind(8, r.request_json)
          .bind(9, r.decision_json)
          .bind(10, deadlines_json(r.c))
          .bind(11, int64_t{r.c.data_marked_for_deletion})
          .bind(12, r.created_at)
          .bind(13, r.updated_at)
          .bind_text_or_null(14, r.requesting_party_id)
          .bind_text_or_null(15, r.provider_party_id)
          .bind(16, r.counterpart_state)
          .bind(17, int64_t{r.notified})
          .bind(18, int64_t{was_transmitted(r.c)})
          .bind(19, int64_t{r.via_authorities})
          .bind(20, r.order_json)
          .bind(21, r.notice_mode)
          .bind(22, r.notice_status)
          .bind(23, r.notice_review_date)
          .bind(24, r.entry_json)
          .bind(25, r.evaluated_on)
          .bind(26, r.public_json)
          .run();
      insert_events(r, 0);
      insert_clocks(r);
      if (!r.signed_order_json.empty())
        db_.prepare("INSERT INTO signed_orders(case_id, order_id, nonce, envelope, verification) VALUES (?,?,?,?,?)")
            .bind(1, r.id)
            .bind(2, r.signed_order_id)
            .bind(3, r.signed_order_nonce)
            .bind(4, r.signed_order_json)
            .bind(5, r.order_verification_json)
            .run();
      insert_audit(audit);
      insert_log(log);
    });
  }

  bool signed_order_used(std::string_view order_id, std::string_view nonce) override {
    auto s = db_.prepare("SELECT count(*) FROM signed_orders WHERE order_id = ? OR nonce = ?");
    s.bind(1, order_id).bind(2, nonce);
    s.step();
    return s.integer(0) > 0;
  }

  void put_production(const Production& p, const AuditEntry& audit) override {
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

  std::optional<Production> production(std::string_view id) override {
    std::optional<Production> out;
    db_.snapshot([&] {
      auto v = load_productions("WHERE id = ?", id, 1);
      if (!v.empty()) out = std::move(v.front());
    });
    return out;
  }

  std::vector<Production> productions_for_case(std::string_view case_id) override {
    std::vector<Production> out;
    db_.snapshot([&] { out = load_productions("WHERE case_id = ? ORDER BY created_at, id", case_id, 1000); });
    return out;
  }

  void mark_file_complete(std::string_view production_id, int64_t index, const AuditEntry& audit) override {
    db_.transaction([&] {
      db_.prepare("UPDATE production_files SET complete = 1 WHERE production_id = ? AND idx = ?")
          .bind(1, production_id)
          .bind(2, index)
          .run();
      if (db_.changes() != 1) throw StoreError(StoreError::Code::NotFound, "no such production file");
      insert_audit(audit);
    });
  }

  std::vector<Production> productions_to_delete(Instant now, int limit) override {
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

  void mark_production_deleted(std::string_view id, std::string_view reason, Instant at,
                               const AuditEntry& audit) override {
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

  void put_password(std::string_view user_id, std::string_view phc, Instant at, const AuditEntry& audit) override {
    db_.transaction([&] {
      db_.prepare(
             "INSERT INTO user_passwords(user_id, phc, set_at) VALUES (?,?,?) "
             "ON CONFLICT(user_id) DO UPDATE SET phc = excluded.phc, set_at = excluded.set_at")
          .bind(1, user_id)
          .bind(2, phc)
          .bind(3, at)
          .run();
      insert_audit(audit);
    });
  }

  std::optional<std::string> password_of(std::string_view user_id) override {
    auto s = db_.prepare("SELECT phc FROM user_passwords WHERE user_id = ?");
    s.bind(1, user_id);
    if (!s.step()) return std::nullopt;
    return s.text(0);
  }

  LoginFailures login_failures(std::string_view user_id) override {
    auto s = db_.prepare("SELECT failures, locked_until FROM login_failures WHERE user_id = ?");
    s.bind(1, user_id);
    if (!s.step()) return {};
    return {s.integer(0), s.integer(1)};
  }

  void set_login_failures(std::string_view user_id, const LoginFailures& f) override {
    db_.transaction([&] {
      if (f.failures == 0) {
        db_.prepare("DELETE FROM login_failures WHERE user_id = ?").bind(1, user_id).run();
      } else {
        db_.prepare(
               "INSERT INTO login_failures(user_id, failures, locked_until) VALUES (?,?,?) ON CONFLICT(user_id) "
               "DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until")
            .bind(1, user_id)
            .bind(2, f.failures)
            .bind(3, f.locked_until)
            .run();
      }
    });
  }

  void put_session(std::string_view id, std::string_view user_id, std::string_view token_sha256, Instant created_at,
                   Instant expires_at, const AuditEntry& audit) override {
    db_.transaction([&] {
      db_.prepare("INSERT INTO sessions(id, user_id, token_sha256, created_at, expires_at) VALUES (?,?,?,?,?)")
          .bind(1, id)
          .bind(2, user_id)
          .bind(3, token_sha256)
          .bind(4, created_at)
          .bind(5, expires_at)
          .run();
      insert_audit(audit);
    });
  }

  std::optional<TokenOwner> user_by_session(std::string_view token_sha256, Instant now) override {
    auto s = db_.prepare(std::string(kOwnerColumns) +
                         "FROM sessions t JOIN users u ON u.id = t.user_id JOIN parties p ON p.id = u.party_id "
                         "WHERE t.token_sha256 = ? AND t.ended_at IS NULL AND t.expires_at > ?");
    s.bind(1, token_sha256).bind(2, now);
    if (!s.step()) return std::nullopt;
    return token_owner(s);
  }

  bool end_session(std::string_view id, Instant at, const AuditEntry& audit) override {
    bool ended = false;
    db_.transaction([&] {
      db_.prepare("UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL").bind(1, at).bind(2, id).run();
      ended = db_.changes() == 1;
      if (ended) insert_audit(audit);
    });
    return ended;
  }

  void put_draft(const Draft& d, const AuditEntry& audit) override {
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

  std::optional<Draft> draft(std::string_view id) override {
    auto s = db_.prepare("SELECT id, user_id, created_at, updated_at, version, body FROM drafts WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return Draft{s.text(0), s.text(1), s.integer(2), s.integer(3), s.integer(4), s.text(5)};
  }

  std::vector<Draft> drafts_of(std::string_view user_id, int limit) override {
    auto s = db_.prepare(
        "SELECT id, user_id, created_at, updated_at, version, body FROM drafts WHERE user_id = ? "
        "ORDER BY updated_at DESC, id LIMIT ?");
    s.bind(1, user_id).bind(2, int64_t{limit});
    std::vector<Draft> out;
    while (s.step()) out.push_back({s.text(0), s.text(1), s.integer(2), s.integer(3), s.integer(4), s.text(5)});
    return out;
  }

  bool delete_draft(std::string_view id, const AuditEntry& audit) override {
    bool gone = false;
    db_.transaction([&] {
      db_.prepare("DELETE FROM drafts WHERE id = ?").bind(1, id).run();
      gone = db_.changes() == 1;
      if (gone) insert_audit(audit);
    });
    return gone;
  }

  void add_trust_import(const TrustImport& t, const AuditEntry& audit) override {
    db_.transaction([&] {
      db_.prepare("INSERT INTO trust_imports(bundle, anchor_change, imported_at) VALUES (?,?,?)")
          .bind(1, t.bundle)
          .bind(2, t.anchor_change)
          .bind(3, t.imported_at)
          .run();
      insert_audit(audit);
    });
  }

  bool put_rule_pack(const StoredPack& p, const AuditEntry& audit) override {
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

  std::vector<StoredPack> rule_packs() override {
    // In the order stored: SQLite's rowid; PostgreSQL's identity column.
    auto s = db_.prepare(db_.dialect() == SqlDialect::Sqlite
                             ? "SELECT content_hash, name, version, sources, stored_at FROM rule_packs ORDER BY rowid"
                             : "SELECT content_hash, name, version, sources, stored_at FROM rule_packs ORDER BY seq");
    std::vector<StoredPack> out;
    while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.integer(4)});
    return out;
  }

  void save_redecision(const CaseRecord& r, int64_t expected_version, const Redecision& d,
                       const AuditEntry& audit) override {
    if (r.version != expected_version + 1)
      throw StoreError(StoreError::Code::Other, "save_redecision: version must be expected_version + 1");
    db_.transaction([&] {
      auto up = db_.prepare(
          "UPDATE cases SET pack_hash = ?, evaluated_on = ?, entry_json = ?, order_json = ?, deadlines_json = ?, "
          "version = ?, updated_at = ? WHERE id = ? AND version = ?");
      up.bind(1, r.pack_hash).bind(2, r.evaluated_on).bind(3, r.entry_json).bind(4, r.order_json);
      up.bind(5, deadlines_json(r.c)).bind(6, r.version).bind(7, r.updated_at).bind(8, r.id);
      up.bind(9, expected_version).run();
      if (db_.changes() != 1) {
        auto exists = db_.prepare("SELECT 1 FROM cases WHERE id = ?");
        exists.bind(1, r.id);
        if (!exists.step()) throw StoreError(StoreError::Code::NotFound, "no case " + r.id);
        throw StoreError(StoreError::Code::Conflict,
                         "case " + r.id + " changed since version " + std::to_string(expected_version));
      }
      db_.prepare(
             "INSERT INTO case_redecisions(case_id, seq, from_pack, from_date, from_entry, to_pack, to_date, actor, "
             "reason, at) VALUES (?,?,?,?,?,?,?,?,?,?)")
          .bind(1, d.case_id)
          .bind(2, d.seq)
          .bind(3, d.from_pack)
          .bind(4, d.from_date)
          .bind(5, d.from_entry)
          .bind(6, d.to_pack)
          .bind(7, d.to_date)
          .bind(8, d.actor)
          .bind(9, d.reason)
          .bind(10, d.at)
          .run();
      insert_audit(audit);
    });
  }

  std::vector<Redecision> redecisions(std::string_view case_id) override {
    auto s = db_.prepare(
        "SELECT case_id, seq, from_pack, from_date, from_entry, to_pack, to_date, actor, reason, at "
        "FROM case_redecisions WHERE case_id = ? ORDER BY seq");
    s.bind(1, case_id);
    std::vector<Redecision> out;
    while (s.step())
      out.push_back({s.text(0), s.integer(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6), s.text(7),
                     s.text(8), s.integer(9)});
    return out;
  }

  uint64_t put_provider_statement(const StoredStatement& st, const AuditEntry& audit, const LogLeaf& leaf) override {
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

  std::optional<StoredStatement> provider_statement(std::string_view provider_id, int64_t version) override {
    auto s = db_.prepare(
        "SELECT provider_id, version, sha256, signed_json, signer, imported_at, log_index FROM provider_statements "
        "WHERE provider_id = ? AND (? = 0 OR version = ?) ORDER BY version DESC LIMIT 1");
    s.bind(1, provider_id).bind(2, version).bind(3, version);
    if (!s.step()) return std::nullopt;
    return StoredStatement{
        s.text(0), s.integer(1), s.text(2), s.text(3), s.text(4), s.integer(5), static_cast<uint64_t>(s.integer(6))};
  }

  std::vector<TrustImport> trust_imports() override {
    auto s = db_.prepare("SELECT bundle, anchor_change, imported_at FROM trust_imports ORDER BY seq");
    std::vector<TrustImport> out;
    while (s.step()) out.push_back({s.text(0), s.text(1), s.integer(2)});
    return out;
  }

  int64_t count_trust_imports() override {
    auto s = db_.prepare("SELECT count(*) FROM trust_imports");
    s.step();
    return s.integer(0);
  }

  // The case row, its history and its clocks from one snapshot, so a commit
  // landing between the three queries cannot mix two versions of a case.
  std::optional<CaseRecord> load_case(std::string_view id) override {
    std::optional<CaseRecord> r;
    db_.snapshot([&] { r = load_case_now(id); });
    return r;
  }

  std::optional<CaseRecord> load_case_now(std::string_view id) {
    auto s = db_.prepare(
        "SELECT id, request_id, requesting_state, pathway, workflow, state, pack_hash, request_json, decision_json, "
        "deadlines_json, data_marked_for_deletion, version, created_at, updated_at, "
        "coalesce(requesting_party_id, ''), coalesce(provider_party_id, ''), coalesce(counterpart_state, ''), "
        "notified, via_authorities, order_json, notice_mode, notice_status, notice_review_date, entry_json, "
        "evaluated_on, public_json, coalesce(so.order_id, ''), coalesce(so.nonce, ''), coalesce(so.envelope, ''), "
        "coalesce(so.verification, '') FROM cases LEFT JOIN signed_orders so ON so.case_id = cases.id "
        "WHERE cases.id = ?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    CaseRecord r;
    r.id = s.text(0);
    r.request_id = s.text(1);
    r.requesting_state = s.text(2);
    r.c.pathway = s.text(3);
    r.c.workflow = s.text(4);
    r.c.state = s.text(5);
    r.pack_hash = s.text(6);
    r.request_json = s.text(7);
    r.decision_json = s.text(8);
    r.c.deadlines = parse_deadlines(s.text(9));
    r.c.data_marked_for_deletion = s.integer(10) != 0;
    r.version = s.integer(11);
    r.created_at = s.integer(12);
    r.updated_at = s.integer(13);
    r.requesting_party_id = s.text(14);
    r.provider_party_id = s.text(15);
    r.counterpart_state = s.text(16);
    r.notified = s.integer(17) != 0;
    r.via_authorities = s.integer(18) != 0;
    r.order_json = s.text(19);
    r.notice_mode = s.text(20);
    r.notice_status = s.text(21);
    r.notice_review_date = s.text(22);
    r.entry_json = s.text(23);
    r.evaluated_on = s.text(24);
    r.public_json = s.text(25);
    r.signed_order_id = s.text(26);
    r.signed_order_nonce = s.text(27);
    r.signed_order_json = s.text(28);
    r.order_verification_json = s.text(29);
    auto ev = db_.prepare(
        "SELECT event, actor_role, at, from_state, to_state, reason, coalesce(idempotency_key, ''), ground "
        "FROM case_events WHERE case_id = ? ORDER BY seq");
    ev.bind(1, id);
    while (ev.step()) {
      auto role = parse_role(ev.text(1));
      if (!role) throw StoreError(StoreError::Code::Corrupt, "case " + r.id + ": unknown role " + ev.text(1));
      r.c.history.push_back(
          {ev.text(0), *role, ev.integer(2), ev.text(3), ev.text(4), ev.text(5), ev.text(7), ev.text(6)});
    }
    auto ck = db_.prepare(
        "SELECT deadline_id, label, started, due, stopped, expiry_handled FROM case_clocks WHERE case_id = ? ORDER BY "
        "seq");
    ck.bind(1, id);
    while (ck.step()) {
      CaseClock k{ck.text(0), ck.text(1), ck.integer(2), ck.integer(3), std::nullopt, ck.integer(5) != 0};
      if (!ck.is_null(4)) k.stopped = ck.integer(4);
      r.c.clocks.push_back(k);
    }
    return r;
  }

  void save_case(const CaseRecord& r, int64_t expected_version, size_t first_new_event, const AuditEntry& audit,
                 const std::vector<LogLeaf>& log) override {
    if (r.version != expected_version + 1)
      throw StoreError(StoreError::Code::Other, "save_case: version must be expected_version + 1");
    db_.transaction([&] {
      auto up = db_.prepare(
          "UPDATE cases SET state = ?, data_marked_for_deletion = ?, version = ?, updated_at = ?, transmitted = ?, "
          "notice_status = ?, notice_review_date = ? WHERE id = ? AND version = ?");
      up.bind(1, r.c.state).bind(2, int64_t{r.c.data_marked_for_deletion}).bind(3, r.version).bind(4, r.updated_at);
      up.bind(5, int64_t{was_transmitted(r.c)}).bind(6, r.notice_status).bind(7, r.notice_review_date);
      up.bind(8, r.id).bind(9, expected_version).run();
      if (db_.changes() != 1) {
        auto exists = db_.prepare("SELECT 1 FROM cases WHERE id = ?");
        exists.bind(1, r.id);
        if (!exists.step()) throw StoreError(StoreError::Code::NotFound, "no case " + r.id);
        throw StoreError(StoreError::Code::Conflict,
                         "case " + r.id + " changed since version " + std::to_string(expected_version));
      }
      db_.prepare("DELETE FROM case_clocks WHERE case_id = ?").bind(1, r.id).run();
      insert_clocks(r);
      insert_events(r, first_new_event);
      if (!r.signed_order_json.empty())  // a validator's signature may have joined it
        db_.prepare("UPDATE signed_orders SET envelope = ?, verification = ? WHERE case_id = ?")
            .bind(1, r.signed_order_json)
            .bind(2, r.order_verification_json)
            .bind(3, r.id)
            .run();
      insert_audit(audit);
      insert_log(log);
    });
  }

  void append_log(const std::vector<LogLeaf>& log) override {
    db_.transaction([&] { insert_log(log); });
  }

  uint64_t log_size() override {
    auto s = db_.prepare("SELECT coalesce(max(idx) + 1, 0) FROM log_leaves");
    s.step();
    return static_cast<uint64_t>(s.integer(0));
  }

  std::vector<ledger::Hash> log_hashes(uint64_t from, uint64_t limit) override {
    auto s = db_.prepare("SELECT leaf_hash FROM log_leaves WHERE idx >= ? ORDER BY idx LIMIT ?");
    s.bind(1, static_cast<int64_t>(from)).bind(2, static_cast<int64_t>(limit));
    std::vector<ledger::Hash> out;
    while (s.step()) {
      std::string h = s.text(0);
      if (h.size() != 32) throw StoreError(StoreError::Code::Corrupt, "log leaf hash is not 32 bytes");
      out.emplace_back();
      std::copy(h.begin(), h.end(), out.back().begin());
    }
    return out;
  }

  std::vector<std::string> log_leaves(uint64_t from, uint64_t limit) override {
    auto s = db_.prepare("SELECT leaf FROM log_leaves WHERE idx >= ? ORDER BY idx LIMIT ?");
    s.bind(1, static_cast<int64_t>(from)).bind(2, static_cast<int64_t>(limit));
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    return out;
  }

  std::vector<LogEntry> log_entries_for_case(std::string_view case_id) override {
    auto s = db_.prepare(
        "SELECT idx, case_id, event_seq, leaf, salt, event_json FROM log_leaves WHERE case_id = ? ORDER BY idx");
    s.bind(1, case_id);
    std::vector<LogEntry> out;
    while (s.step())
      out.push_back({static_cast<uint64_t>(s.integer(0)), s.text(1), s.integer(2), s.text(3), s.text(4), s.text(5)});
    return out;
  }

  void put_checkpoint(const StoredCheckpoint& c, const Lease* fence) override {
    db_.transaction([&] {
      if (fence) {
        auto l = db_.prepare("SELECT holder, epoch FROM leases WHERE name = ?");
        l.bind(1, fence->name);
        if (!l.step() || l.text(0) != fence->holder || l.integer(1) != fence->epoch)
          throw StoreError(StoreError::Code::Conflict, "lease " + fence->name + " at epoch " +
                                                           std::to_string(fence->epoch) +
                                                           " is no longer held by this process: checkpoint refused");
      }
      auto top = db_.prepare("SELECT coalesce(max(tree_size), -1) FROM log_checkpoints");
      top.step();
      if (top.integer(0) > static_cast<int64_t>(c.tree_size))
        throw StoreError(StoreError::Code::Constraint, "a checkpoint for tree size " + std::to_string(top.integer(0)) +
                                                           " is published already: checkpoints only grow");
      db_.prepare("INSERT INTO log_checkpoints(tree_size, root, note, published_at) VALUES (?,?,?,?)")
          .bind(1, static_cast<int64_t>(c.tree_size))
          .bind_blob(2, std::string_view(reinterpret_cast<const char*>(c.root.data()), c.root.size()))
          .bind(3, c.note)
          .bind(4, c.published_at)
          .run();
    });
  }

  Lease take_lease(std::string_view name, std::string_view holder, int64_t now_ms, int64_t ttl_ms,
                   std::string_view dead_holder) override {
    Lease out;
    db_.transaction([&] {
      auto s = db_.prepare("SELECT holder, epoch, expires_ms FROM leases WHERE name = ?");
      s.bind(1, name);
      if (!s.step()) {
        out = {std::string(name), std::string(holder), 1, now_ms + ttl_ms};
        db_.prepare("INSERT INTO leases(name, holder, epoch, expires_ms) VALUES (?,?,?,?)")
            .bind(1, name)
            .bind(2, holder)
            .bind(3, out.epoch)
            .bind(4, out.expires_ms)
            .run();
        return;
      }
      out = {std::string(name), s.text(0), s.integer(1), s.integer(2)};
      s.reset();
      // Someone else's, still running (unless the caller knows it died).
      if (out.holder != holder && out.expires_ms > now_ms && (dead_holder.empty() || out.holder != dead_holder)) return;
      if (out.holder != holder) ++out.epoch;
      out.holder = std::string(holder);
      out.expires_ms = now_ms + ttl_ms;
      db_.prepare("UPDATE leases SET holder = ?, epoch = ?, expires_ms = ? WHERE name = ?")
          .bind(1, holder)
          .bind(2, out.epoch)
          .bind(3, out.expires_ms)
          .bind(4, name)
          .run();
    });
    return out;
  }

  void release_lease(std::string_view name, std::string_view holder) override {
    db_.transaction([&] {
      db_.prepare("UPDATE leases SET expires_ms = 0 WHERE name = ? AND holder = ?").bind(1, name).bind(2, holder).run();
    });
  }

  std::optional<StoredCheckpoint> latest_checkpoint() override {
    auto s =
        db_.prepare("SELECT tree_size, root, note, published_at FROM log_checkpoints ORDER BY tree_size DESC LIMIT 1");
    auto all = read_checkpoints(s);
    if (all.empty()) return std::nullopt;
    return all.front();
  }

  std::vector<StoredCheckpoint> checkpoints(uint64_t from, int limit) override {
    auto s = db_.prepare(
        "SELECT tree_size, root, note, published_at FROM log_checkpoints WHERE tree_size >= ? ORDER BY tree_size "
        "LIMIT ?");
    s.bind(1, static_cast<int64_t>(from)).bind(2, int64_t{limit});
    return read_checkpoints(s);
  }

  static std::vector<StoredCheckpoint> read_checkpoints(SqlStmt& s) {
    std::vector<StoredCheckpoint> out;
    while (s.step()) {
      StoredCheckpoint c;
      c.tree_size = static_cast<uint64_t>(s.integer(0));
      std::string root = s.text(1);
      if (root.size() != 32) throw StoreError(StoreError::Code::Corrupt, "checkpoint root is not 32 bytes");
      std::copy(root.begin(), root.end(), c.root.begin());
      c.note = s.text(2);
      c.published_at = s.integer(3);
      out.push_back(std::move(c));
    }
    return out;
  }

  // Appends leaves at the next indexes (the writer is the only one, inside
  // its transaction, so max(idx) + 1 is gapless).
  void insert_log(const std::vector<LogLeaf>& log) {
    if (log.empty()) return;
    int64_t next = static_cast<int64_t>(log_size());
    auto s = db_.prepare(
        "INSERT INTO log_leaves(idx, leaf, leaf_hash, case_id, event_seq, salt, event_json) VALUES (?,?,?,?,?,?,?)");
    for (const auto& l : log) {
      ledger::Hash h = ledger::leaf_hash(l.leaf);
      s.reset();
      s.bind(1, next++)
          .bind_blob(2, l.leaf)
          .bind_blob(3, std::string_view(reinterpret_cast<const char*>(h.data()), h.size()))
          .bind_text_or_null(4, l.case_id)
          .bind(5, l.event_seq)
          .bind_blob(6, l.salt)
          .bind(7, l.event_json)
          .run();
    }
  }

  std::vector<CaseSummary> list_cases(std::string_view after_id, int limit) override {
    auto s = db_.prepare(
        "SELECT id, pathway, state, requesting_state, updated_at, coalesce(requesting_party_id, ''), "
        "coalesce(provider_party_id, ''), coalesce(counterpart_state, ''), notified, transmitted, workflow, "
        "via_authorities, notice_status, notice_review_date, "
        "(SELECT deadline_id FROM case_clocks k WHERE k.case_id = cases.id AND k.stopped IS NULL "
        " ORDER BY due, seq LIMIT 1), "
        "(SELECT min(due) FROM case_clocks k WHERE k.case_id = cases.id AND k.stopped IS NULL) "
        "FROM cases WHERE id > ? ORDER BY id LIMIT ?");
    s.bind(1, after_id).bind(2, int64_t{limit});
    std::vector<CaseSummary> out;
    while (s.step())
      out.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.text(10), s.integer(4), s.text(5), s.text(6),
                     s.text(7), s.integer(8) != 0, s.integer(9) != 0, s.integer(11) != 0, s.text(12), s.text(13),
                     s.is_null(14) ? std::string() : s.text(14), s.is_null(15) ? 0 : s.integer(15)});
    return out;
  }

  int64_t count_overdue_clocks(Instant now) override {
    auto s = db_.prepare("SELECT count(*) FROM case_clocks WHERE stopped IS NULL AND due <= ?");
    s.bind(1, now);
    s.step();
    return s.integer(0);
  }

  std::vector<std::string> cases_with_unhandled_expiries(Instant now, int limit) override {
    auto s = db_.prepare(
        "SELECT case_id FROM case_clocks WHERE stopped IS NULL AND expiry_handled = 0 AND due <= ? "
        "GROUP BY case_id ORDER BY min(due), case_id LIMIT ?");
    s.bind(1, now).bind(2, int64_t{limit});
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    return out;
  }

  std::vector<std::pair<std::string, int64_t>> count_cases_by_state() override {
    auto s = db_.prepare("SELECT state, count(*) FROM cases GROUP BY state ORDER BY state");
    std::vector<std::pair<std::string, int64_t>> out;
    while (s.step()) out.emplace_back(s.text(0), s.integer(1));
    return out;
  }

  void save_review(const CaseReview& v, const std::vector<AuditEntry>& audit) override {
    db_.transaction([&] {
      db_.prepare("INSERT INTO case_reviews(case_id, side, reviewer, at, verdicts_json) VALUES (?,?,?,?,?)")
          .bind(1, v.case_id)
          .bind(2, v.side)
          .bind(3, v.reviewer)
          .bind(4, v.at)
          .bind(5, v.verdicts_json)
          .run();
      for (const auto& a : audit) insert_audit(a);
    });
  }

  std::vector<CaseReview> reviews(std::string_view case_id) override {
    auto s = db_.prepare(
        "SELECT case_id, side, reviewer, at, verdicts_json FROM case_reviews WHERE case_id = ? ORDER BY at, side");
    s.bind(1, case_id);
    std::vector<CaseReview> out;
    while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2), s.integer(3), s.text(4)});
    return out;
  }

  int64_t count_notice_reviews_due(std::string_view today) override {
    auto s = db_.prepare(
        "SELECT count(*) FROM cases WHERE notice_status = 'delayed' AND notice_review_date <> '' "
        "AND notice_review_date <= ?");
    s.bind(1, today);
    s.step();
    return s.integer(0);
  }

  void append_audit(const AuditEntry& audit) override {
    db_.transaction([&] { insert_audit(audit); });
  }

  void put_party(const Party& p, const AuditEntry& audit) override {
    db_.transaction([&] {
      db_.prepare("INSERT INTO parties(id, kind, state, name) VALUES (?,?,?,?)")
          .bind(1, p.id)
          .bind(2, p.kind)
          .bind(3, p.state)
          .bind(4, p.name)
          .run();
      insert_audit(audit);
    });
  }

  std::optional<Party> party(std::string_view id) override {
    auto s = db_.prepare("SELECT id, kind, state, name FROM parties WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return Party{s.text(0), s.text(1), s.text(2), s.text(3)};
  }

  std::vector<Party> list_parties(std::string_view after_id, int limit) override {
    auto s = db_.prepare("SELECT id, kind, state, name FROM parties WHERE id > ? ORDER BY id LIMIT ?");
    s.bind(1, after_id).bind(2, int64_t{limit});
    std::vector<Party> out;
    while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2), s.text(3)});
    return out;
  }

  void put_user(const User& u, const AuditEntry& audit) override {
    db_.transaction([&] {
      db_.prepare("INSERT INTO users(id, party_id, role, name) VALUES (?,?,?,?)")
          .bind(1, u.id)
          .bind(2, u.party_id)
          .bind(3, role_name(u.role))
          .bind(4, u.name)
          .run();
      insert_audit(audit);
    });
  }

  std::optional<User> user(std::string_view id) override {
    auto s = db_.prepare("SELECT id, party_id, name, role FROM users WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    auto role = parse_role(s.text(3));
    if (!role) throw StoreError(StoreError::Code::Corrupt, "user " + s.text(0) + ": unknown role");
    return User{s.text(0), s.text(1), s.text(2), *role};
  }

  void put_token(std::string_view token_id, std::string_view user_id, std::string_view token_sha256, Instant at,
                 const AuditEntry& audit) override {
    db_.transaction([&] {
      db_.prepare("INSERT INTO api_tokens(id, user_id, token_sha256, created_at) VALUES (?,?,?,?)")
          .bind(1, token_id)
          .bind(2, user_id)
          .bind(3, token_sha256)
          .bind(4, at)
          .run();
      insert_audit(audit);
    });
  }

  std::optional<std::string> token_user(std::string_view token_id) override {
    auto s = db_.prepare("SELECT user_id FROM api_tokens WHERE id = ?");
    s.bind(1, token_id);
    if (!s.step()) return std::nullopt;
    return s.text(0);
  }

  std::optional<TokenOwner> user_by_token(std::string_view token_sha256) override {
    auto s = db_.prepare(std::string(kOwnerColumns) +
                         "FROM api_tokens t JOIN users u ON u.id = t.user_id JOIN parties p ON p.id = u.party_id "
                         "WHERE t.token_sha256 = ? AND t.revoked_at IS NULL");
    s.bind(1, token_sha256);
    if (!s.step()) return std::nullopt;
    return token_owner(s);
  }

  bool revoke_token(std::string_view token_id, Instant at, const AuditEntry& audit) override {
    bool revoked = false;
    db_.transaction([&] {
      db_.prepare("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
          .bind(1, at)
          .bind(2, token_id)
          .run();
      revoked = db_.changes() == 1;
      if (revoked) insert_audit(audit);
    });
    return revoked;
  }

  void group_commit(const std::function<void()>& work) override { db_.transaction(work); }

  void ping() override {
    auto s = db_.prepare("SELECT count(*) FROM schema_migrations");
    s.step();
  }

  std::vector<AuditEntry> audit_after(int64_t after_id, int limit) override {
    auto s =
        db_.prepare("SELECT id, at, actor, action, object, payload_sha256 FROM audit WHERE id > ? ORDER BY id LIMIT ?");
    s.bind(1, after_id).bind(2, int64_t{limit});
    std::vector<AuditEntry> out;
    while (s.step()) out.push_back({s.integer(0), s.integer(1), s.text(2), s.text(3), s.text(4), s.text(5)});
    return out;
  }

 private:
  // The user, party, stored digest and id behind an API token or a session
  // (`t`): the columns kOwnerColumns selects, read by token_owner.
  static constexpr std::string_view kOwnerColumns =
      "SELECT u.id, u.party_id, u.name, u.role, p.id, p.kind, p.state, p.name, t.token_sha256, t.id ";
  static TokenOwner token_owner(SqlStmt& s) {
    auto role = parse_role(s.text(3));
    if (!role) throw StoreError(StoreError::Code::Corrupt, "user " + s.text(0) + ": unknown role");
    return TokenOwner{User{s.text(0), s.text(1), s.text(2), *role}, Party{s.text(4), s.text(5), s.text(6), s.text(7)},
                      s.text(8), s.text(9)};
  }

  // Productions matching `where` (one text parameter), with their files.
  std::vector<Production> load_productions(const char* where, std::string_view param, int limit) {
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

  void insert_events(const CaseRecord& r, size_t from) {
    auto s = db_.prepare(
        "INSERT INTO case_events(case_id, seq, event, actor_role, at, from_state, to_state, reason, idempotency_key, "
        "ground) VALUES (?,?,?,?,?,?,?,?,?,?)");
    for (size_t i = from; i < r.c.history.size(); ++i) {
      const auto& e = r.c.history[i];
      s.reset();
      s.bind(1, r.id).bind(2, static_cast<int64_t>(i)).bind(3, e.event).bind(4, role_name(e.actor)).bind(5, e.at);
      s.bind(6, e.from)
          .bind(7, e.to)
          .bind(8, e.reason)
          .bind_text_or_null(9, e.idempotency_key)
          .bind(10, e.ground)
          .run();
    }
  }

  void insert_clocks(const CaseRecord& r) {
    auto s = db_.prepare(
        "INSERT INTO case_clocks(case_id, seq, deadline_id, label, started, due, stopped, expiry_handled) "
        "VALUES (?,?,?,?,?,?,?,?)");
    for (size_t i = 0; i < r.c.clocks.size(); ++i) {
      const auto& k = r.c.clocks[i];
      s.reset();
      s.bind(1, r.id).bind(2, static_cast<int64_t>(i)).bind(3, k.deadline_id).bind(4, k.label).bind(5, k.started);
      s.bind(6, k.due).bind_opt(7, k.stopped).bind(8, int64_t{k.expiry_handled}).run();
    }
  }

  void insert_audit(const AuditEntry& a) {
    db_.prepare("INSERT INTO audit(at, actor, action, object, payload_sha256) VALUES (?,?,?,?,?)")
        .bind(1, a.at)
        .bind(2, a.actor)
        .bind(3, a.action)
        .bind(4, a.object)
        .bind(5, a.payload_sha256)
        .run();
  }

  std::unique_ptr<SqlDb> owned_;
  SqlDb& db_;
};

}  // namespace

bool was_transmitted(const Case& c) {
  for (const auto& e : c.history)
    if (e.event == "transmit" || e.event == "transmit_emergency") return true;
  return false;
}

std::unique_ptr<Store> make_sql_store(std::unique_ptr<SqlDb> db) {
  return std::make_unique<SqlStore>(std::move(db));
}

}  // namespace comity
