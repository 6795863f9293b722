// Parties, users, API tokens, passwords and browser sessions in SQL
// (store/identity_repository.hpp). Tokens and sessions are stored and looked
// up by SHA-256 digest only; the caller compares the digest in constant time.
#include "comity/store/sql_store_impl.hpp"

namespace comity::sql_detail {

void SqlStore::put_password(std::string_view user_id, std::string_view phc, Instant at, const AuditEntry& audit) {
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

std::optional<std::string> SqlStore::password_of(std::string_view user_id) {
  auto s = db_.prepare("SELECT phc FROM user_passwords WHERE user_id = ?");
  s.bind(1, user_id);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

SqlStore::LoginFailures SqlStore::login_failures(std::string_view user_id) {
  auto s = db_.prepare("SELECT failures, locked_until FROM login_failures WHERE user_id = ?");
  s.bind(1, user_id);
  if (!s.step()) return {};
  return {s.integer(0), s.integer(1)};
}

void SqlStore::set_login_failures(std::string_view user_id, const LoginFailures& f) {
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

void SqlStore::put_session(std::string_view id, std::string_view user_id, std::string_view token_sha256,
                           Instant created_at, Instant expires_at, const AuditEntry& audit) {
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

std::optional<SqlStore::TokenOwner> SqlStore::user_by_session(std::string_view token_sha256, Instant now) {
  auto s = db_.prepare(std::string(kOwnerColumns) +
                       "FROM sessions t JOIN users u ON u.id = t.user_id JOIN parties p ON p.id = u.party_id "
                       "WHERE t.token_sha256 = ? AND t.ended_at IS NULL AND t.expires_at > ?");
  s.bind(1, token_sha256).bind(2, now);
  if (!s.step()) return std::nullopt;
  return token_owner(s);
}

bool SqlStore::end_session(std::string_view id, Instant at, const AuditEntry& audit) {
  bool ended = false;
  db_.transaction([&] {
    db_.prepare("UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL").bind(1, at).bind(2, id).run();
    ended = db_.changes() == 1;
    if (ended) insert_audit(audit);
  });
  return ended;
}

void SqlStore::put_party(const Party& p, const AuditEntry& audit) {
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

std::optional<Party> SqlStore::party(std::string_view id) {
  auto s = db_.prepare("SELECT id, kind, state, name FROM parties WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return Party{s.text(0), s.text(1), s.text(2), s.text(3)};
}

std::vector<Party> SqlStore::list_parties(std::string_view after_id, int limit) {
  auto s = db_.prepare("SELECT id, kind, state, name FROM parties WHERE id > ? ORDER BY id LIMIT ?");
  s.bind(1, after_id).bind(2, int64_t{limit});
  std::vector<Party> out;
  while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2), s.text(3)});
  return out;
}

void SqlStore::put_user(const User& u, const AuditEntry& audit) {
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

std::optional<User> SqlStore::user(std::string_view id) {
  auto s = db_.prepare("SELECT id, party_id, name, role FROM users WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  auto role = parse_role(s.text(3));
  if (!role) throw StoreError(StoreError::Code::Corrupt, "user " + s.text(0) + ": unknown role");
  return User{s.text(0), s.text(1), s.text(2), *role};
}

void SqlStore::put_token(std::string_view token_id, std::string_view user_id, std::string_view token_sha256, Instant at,
                         const AuditEntry& audit) {
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

std::optional<std::string> SqlStore::token_user(std::string_view token_id) {
  auto s = db_.prepare("SELECT user_id FROM api_tokens WHERE id = ?");
  s.bind(1, token_id);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

std::optional<SqlStore::TokenOwner> SqlStore::user_by_token(std::string_view token_sha256) {
  auto s = db_.prepare(std::string(kOwnerColumns) +
                       "FROM api_tokens t JOIN users u ON u.id = t.user_id JOIN parties p ON p.id = u.party_id "
                       "WHERE t.token_sha256 = ? AND t.revoked_at IS NULL");
  s.bind(1, token_sha256);
  if (!s.step()) return std::nullopt;
  return token_owner(s);
}

bool SqlStore::revoke_token(std::string_view token_id, Instant at, const AuditEntry& audit) {
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

SqlStore::TokenOwner SqlStore::token_owner(SqlStmt& s) {
  auto role = parse_role(s.text(3));
  if (!role) throw StoreError(StoreError::Code::Corrupt, "user " + s.text(0) + ": unknown role");
  return TokenOwner{User{s.text(0), s.text(1), s.text(2), *role}, Party{s.text(4), s.text(5), s.text(6), s.text(7)},
                    s.text(8), s.text(9)};
}

// Windows older than the one before go first (by the window_start index),
// so the table holds two minutes at most; the window before is kept so a
// process whose clock lags a little still counts in it. The upsert counts
// atomically whichever process hits first.
int64_t SqlStore::add_rate_hit(std::string_view bucket, Instant window_start) {
  int64_t hits = 0;
  db_.transaction([&] {
    db_.prepare("DELETE FROM rate_hits WHERE window_start < ?").bind(1, window_start - 60).run();
    auto s = db_.prepare(
        "INSERT INTO rate_hits(bucket, window_start, hits) VALUES (?,?,1) "
        "ON CONFLICT(bucket, window_start) DO UPDATE SET hits = rate_hits.hits + 1 RETURNING hits");
    s.bind(1, bucket).bind(2, window_start);
    if (!s.step()) throw StoreError(StoreError::Code::Other, "rate_hits: the upsert returned no row");
    hits = s.integer(0);
    s.run();
  });
  return hits;
}

}  // namespace comity::sql_detail
