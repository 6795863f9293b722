// Parties, their users and how users sign in (docs/store.md, docs/api.md):
// API tokens and browser sessions kept only as SHA-256 digests, passwords
// as argon2id PHC strings, and the login lock-out. Each change is saved
// with its audit entry in one transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "comity/store/audit_repository.hpp"
#include "comity/workflow/case.hpp"  // PartyRole

namespace comity {

struct Party {
  std::string id, kind, state, name;  // kind: issuing_authority, validating_authority, central_authority,
                                      // provider, oversight, admin
};

struct User {
  std::string id, party_id, name;
  PartyRole role = PartyRole::Officer;
};

class IdentityRepository {
 public:
  virtual ~IdentityRepository() = default;
  // put_* insert (StoreError{Constraint} on a duplicate id or a missing party/user).
  virtual void put_party(const Party& p, const AuditEntry& audit) = 0;
  virtual std::optional<Party> party(std::string_view id) = 0;
  // Parties ordered by id, strictly after `after_id`, at most `limit`.
  virtual std::vector<Party> list_parties(std::string_view after_id, int limit) = 0;
  virtual void put_user(const User& u, const AuditEntry& audit) = 0;
  virtual std::optional<User> user(std::string_view id) = 0;
  virtual void put_token(std::string_view token_id, std::string_view user_id, std::string_view token_sha256, Instant at,
                         const AuditEntry& audit) = 0;
  // The user holding token `token_id` (revoked or not), if it exists.
  virtual std::optional<std::string> token_user(std::string_view token_id) = 0;
  // The user and party holding a live (unrevoked) token with this digest,
  // and the digest as stored (the caller compares it in constant time).
  struct TokenOwner {
    User user;
    Party party;
    std::string stored_sha256;
    std::string token_id;
  };
  virtual std::optional<TokenOwner> user_by_token(std::string_view token_sha256) = 0;
  // Returns false (and writes nothing) if no such live token.
  virtual bool revoke_token(std::string_view token_id, Instant at, const AuditEntry& audit) = 0;

  // Passwords (argon2id PHC strings), browser sessions, login lock-out.
  virtual void put_password(std::string_view user_id, std::string_view phc, Instant at, const AuditEntry& audit) = 0;
  virtual std::optional<std::string> password_of(std::string_view user_id) = 0;
  struct LoginFailures {
    int64_t failures = 0;
    Instant locked_until = 0;
  };
  virtual LoginFailures login_failures(std::string_view user_id) = 0;
  // Sets (or, with failures 0, clears) a user's failure count and lock.
  virtual void set_login_failures(std::string_view user_id, const LoginFailures& f) = 0;
  virtual void put_session(std::string_view id, std::string_view user_id, std::string_view token_sha256,
                           Instant created_at, Instant expires_at, const AuditEntry& audit) = 0;
  // The user and party of a live session (not ended, not expired at `now`);
  // token_id is the session id.
  virtual std::optional<TokenOwner> user_by_session(std::string_view token_sha256, Instant now) = 0;
  // Ends a live session; false if none.
  virtual bool end_session(std::string_view id, Instant at, const AuditEntry& audit) = 0;

  // Rate limits shared by every process of the node: counts one hit on
  // `bucket` (e.g. "login:" + client address) in the window that starts at
  // `window_start` and returns the window's hits so far, this one included.
  // Windows are minutes (window_start a multiple of 60); forgets every
  // window before the one before `window_start`. One
  // transaction; not audited (a counter, not a change of anything).
  virtual int64_t add_rate_hit(std::string_view bucket, Instant window_start) = 0;
};

}  // namespace comity
