// Parties, users and API tokens: what a node's admin manages. Every change
// is checked here (field by field, and against the party's kind) and saved
// with its audit entry in one transaction. Only an admin registers parties
// and users and issues tokens; a token may be revoked by an admin or by the
// user holding it. Tokens are random (192 bits from OpenSSL's CSPRNG), shown
// once, and stored only as SHA-256 digests.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "comity/service/actor.hpp"
#include "comity/service/ids.hpp"
#include "comity/store/identity_repository.hpp"
#include "comity/store/store_error.hpp"

namespace comity {

// A fresh API token: "cmt_" and 48 hex digits. Throws if the CSPRNG fails.
std::string random_token();

// Whether a user with `role` may belong to a party of `kind`: officers to
// issuing authorities; validators to validating or issuing authorities (a
// prosecutor validates some orders, Reg. 2023/1543 Art 4(1)(b)); central
// authorities to central authorities; enforcing authorities to a State
// authority of any kind; providers, oversight and admins to their own kind.
bool role_fits_party(PartyRole role, std::string_view kind);

struct IssuedToken {
  std::string id, user_id, token;  // the token itself is never stored
};

// A browser session (docs/api.md, "Sessions"): the cookie's token, shown
// once, stored only as its SHA-256; and the CSRF token the page sends back
// with every change, derived from the session token so that only a holder
// of the cookie can know it.
struct Session {
  std::string id, user_id, token, csrf_token;
  Instant expires_at = 0;
};

// The CSRF token of a session token: hex SHA-256 of "comity-csrf:" + token.
std::string csrf_token_for(std::string_view session_token);

// How long a session lives, and the lock-out after repeated failed logins:
// from the 5th consecutive failure, 30 s doubling with each further one,
// at most an hour.
inline constexpr int64_t kSessionSeconds = 12 * 3600;
inline constexpr int64_t kFailuresBeforeLock = 5;
// Login attempts one client (address) may make per minute, whichever users
// it names and whichever process of the node it reaches: the per-user
// lock-out stops guessing one user's password, this stops trying one
// password on many users.
inline constexpr int64_t kLoginsPerClientPerMinute = 20;

// The bucket a client's login attempts count in: an IPv4 address as it is;
// an IPv6 address by its /64 prefix ("2001:db8:1:2::/64": one subscriber's
// usual allocation, so rotating addresses inside it does not escape the
// limit); an IPv4-mapped IPv6 address as its IPv4 address; anything else
// as given.
std::string login_rate_bucket(std::string_view address);

class IdentityService {
 public:
  // REQUIRES: all three outlive the service.
  IdentityService(IdentityRepository& store, const Clock& clock, IdSource& ids)
      : store_(store), clock_(clock), ids_(ids) {}

  // Registers a party. ServiceError: Forbidden (not an admin), Invalid
  // (with field paths $.id, $.kind, $.state, $.name), Conflict (the id
  // exists, or the State already has its central authority).
  Party create_party(const Party& p, const Actor& actor);

  // Registers a user of an existing party, with a role that fits the
  // party's kind. Same errors as create_party ($.party_id, $.role, …).
  User create_user(const User& u, const Actor& actor);

  // Issues a new token for an existing user (NotFound otherwise).
  IssuedToken issue_token(std::string_view user_id, const Actor& actor);

  // Revokes a live token. The admin may revoke any; a user only its own
  // (another's is NotFound, so token ids cannot be probed). Revoking an
  // already revoked token is Conflict.
  void revoke_token(std::string_view token_id, const Actor& actor);

  // Sets a user's password, hashed with argon2id (t=2, m=19 MiB, p=1, a
  // random 16-byte salt; the PHC string is stored). An admin sets anyone's,
  // a user its own. Invalid at $.password unless 12-256 bytes;
  // NotFound for an unknown user; Forbidden otherwise.
  void set_password(std::string_view user_id, std::string_view password, const Actor& actor);

  // Logging a user in: Unauthenticated for an unknown user, a user without
  // a password or a wrong password (the same answer and about the same time
  // for each); TooManyAttempts while locked out. A success clears the
  // failures and starts a session of kSessionSeconds. In three steps, so
  // that a server holds no store lock while argon2id runs, after
  // count_login_attempt: prepare (reads; TooManyAttempts), match (no store),
  // complete (counts a failure again under the caller's lock, so parallel
  // attempts cannot escape the lock-out; Unauthenticated; or the session).
  struct LoginAttempt {
    std::string user_id;
    std::optional<std::string> phc;  // none: unknown user or no password
  };
  LoginAttempt prepare_login(std::string_view user_id);
  // Counts a login attempt from `client` (its address; "" counts nothing)
  // in the store, so every process of the node sees it. ServiceError
  // TooManyRequests, with retry_after to the next minute, past
  // kLoginsPerClientPerMinute. Call before prepare_login.
  void count_login_attempt(std::string_view client);
  static bool password_matches(const LoginAttempt& attempt, std::string_view password);
  Session complete_login(const LoginAttempt& attempt, bool password_matched);

  // Ends the session `session_id` of `actor` (NotFound if not live).
  void logout(std::string_view session_id, const Actor& actor);

 private:
  AuditEntry audit(const Actor& actor, std::string_view action, std::string_view object,
                   std::string_view payload) const;

  IdentityRepository& store_;
  const Clock& clock_;
  IdSource& ids_;
};

}  // namespace comity
