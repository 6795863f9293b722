#include "comity/service/identity.hpp"

#include <argon2.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <nlohmann/json.hpp>

#include "comity/crypto/ed25519.hpp"
#include "comity/model/codes.hpp"
#include "comity/trust/credentials.hpp"
#include "comity/util/sha256.hpp"
#include "comity/util/text.hpp"

namespace comity {
namespace {

constexpr std::array<std::string_view, 6> kPartyKinds = {
    "issuing_authority", "validating_authority", "central_authority", "provider", "oversight", "admin"};

// Ids appear in URLs and logs: 1-64 of A-Z a-z 0-9 . _ -
bool valid_id(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
}

void check_id(std::string_view id, const char* path, FieldErrors& errors) {
  if (!valid_id(id)) errors.push_back({path, "1-64 characters of A-Z, a-z, 0-9, '.', '_', '-'"});
}

void check_name(std::string_view name, FieldErrors& errors) {
  if (is_blank(name) || name.size() > 200) errors.push_back({"$.name", "1-200 characters, not blank"});
}

void require_admin(const Actor& actor, std::string_view what) {
  if (actor.role != PartyRole::Admin) throw ServiceError(ErrorKind::Forbidden, "only an admin " + std::string(what));
}

[[noreturn]] void invalid(FieldErrors errors) {
  ServiceError e(ErrorKind::Invalid, "the body does not match");
  e.field_errors = std::move(errors);
  throw e;
}

}  // namespace

std::string random_token() {
  unsigned char b[24];
  if (RAND_bytes(b, sizeof b) != 1) throw std::runtime_error("OpenSSL: RAND_bytes failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string t = "cmt_";
  for (unsigned char c : b) {
    t += kHex[c >> 4];
    t += kHex[c & 15];
  }
  return t;
}

bool role_fits_party(PartyRole role, std::string_view kind) {
  return trust::role_fits_party_kind(role_name(role), kind);
}

AuditEntry IdentityService::audit(const Actor& actor, std::string_view action, std::string_view object,
                                  std::string_view payload) const {
  return {0,
          clock_.now(),
          std::string(role_name(actor.role)) + ":" + actor.user_id,
          std::string(action),
          std::string(object),
          sha256_hex(payload)};
}

Party IdentityService::create_party(const Party& p, const Actor& actor) {
  require_admin(actor, "registers parties");
  FieldErrors errors;
  check_id(p.id, "$.id", errors);
  if (std::find(kPartyKinds.begin(), kPartyKinds.end(), p.kind) == kPartyKinds.end())
    errors.push_back(
        {"$.kind", "one of issuing_authority, validating_authority, central_authority, provider, oversight, admin"});
  if (auto st = parse_state(p.state); !st.error.empty()) errors.push_back({"$.state", st.error});
  check_name(p.name, errors);
  if (!errors.empty()) invalid(std::move(errors));
  if (store_.party(p.id)) throw ServiceError(ErrorKind::Conflict, "party " + p.id + " exists");
  nlohmann::json payload = {{"id", p.id}, {"kind", p.kind}, {"state", p.state}, {"name", p.name}};
  try {
    store_.put_party(p, audit(actor, "create_party", p.id, payload.dump()));
  } catch (const StoreError& e) {
    if (e.code != StoreError::Code::Constraint) throw;
    throw ServiceError(ErrorKind::Conflict, p.state + " already has its central authority (one per State)");
  }
  return p;
}

User IdentityService::create_user(const User& u, const Actor& actor) {
  require_admin(actor, "registers users");
  FieldErrors errors;
  check_id(u.id, "$.id", errors);
  check_name(u.name, errors);
  auto party = store_.party(u.party_id);
  if (!party)
    errors.push_back({"$.party_id", "a registered party; no party \"" + u.party_id + "\""});
  else if (!role_fits_party(u.role, party->kind))
    errors.push_back({"$.role", std::string(role_name(u.role)) + " does not fit a party of kind " + party->kind});
  if (!errors.empty()) invalid(std::move(errors));
  if (store_.user(u.id)) throw ServiceError(ErrorKind::Conflict, "user " + u.id + " exists");
  nlohmann::json payload = {{"id", u.id}, {"party_id", u.party_id}, {"role", role_name(u.role)}, {"name", u.name}};
  store_.put_user(u, audit(actor, "create_user", u.id, payload.dump()));
  return u;
}

IssuedToken IdentityService::issue_token(std::string_view user_id, const Actor& actor) {
  require_admin(actor, "issues tokens");
  if (!store_.user(user_id)) throw ServiceError(ErrorKind::NotFound, "no user " + std::string(user_id));
  IssuedToken t{ids_.next(), std::string(user_id), random_token()};
  // The audit payload names the token and its holder, never the token.
  nlohmann::json payload = {{"token_id", t.id}, {"user_id", t.user_id}};
  store_.put_token(t.id, t.user_id, sha256_hex(t.token), clock_.now(),
                   audit(actor, "issue_token", t.id, payload.dump()));
  return t;
}

void IdentityService::revoke_token(std::string_view token_id, const Actor& actor) {
  auto holder = store_.token_user(token_id);
  if (!holder || (actor.role != PartyRole::Admin && *holder != actor.user_id))
    throw ServiceError(ErrorKind::NotFound, "no token " + std::string(token_id));
  nlohmann::json payload = {{"token_id", token_id}, {"user_id", *holder}};
  if (!store_.revoke_token(token_id, clock_.now(), audit(actor, "revoke_token", token_id, payload.dump())))
    throw ServiceError(ErrorKind::Conflict, "token " + std::string(token_id) + " is already revoked");
}

std::string csrf_token_for(std::string_view session_token) {
  return sha256_hex("comity-csrf:" + std::string(session_token));
}

namespace {

constexpr uint32_t kArgonT = 2, kArgonM = 19456, kArgonP = 1;  // OWASP's argon2id floor
constexpr size_t kArgonLen = 32, kSaltLen = 16;

std::string argon2id_hash(std::string_view password) {
  const std::string salt = crypto::random_bytes(kSaltLen);
  char encoded[256];
  int rc = argon2id_hash_encoded(kArgonT, kArgonM, kArgonP, password.data(), password.size(), salt.data(), kSaltLen,
                                 kArgonLen, encoded, sizeof encoded);
  if (rc != ARGON2_OK) throw std::runtime_error(std::string("argon2id: ") + argon2_error_message(rc));
  return encoded;
}

// A hash nobody's password matches, verified when the user is unknown so
// that the answer takes as long as for a known user.
const std::string& decoy_hash() {
  static const std::string h = argon2id_hash(random_token());
  return h;
}

}  // namespace

void IdentityService::set_password(std::string_view user_id, std::string_view password, const Actor& actor) {
  if (actor.role != PartyRole::Admin && actor.user_id != user_id)
    throw ServiceError(ErrorKind::Forbidden, "only an admin sets another user's password");
  if (!store_.user(user_id)) throw ServiceError(ErrorKind::NotFound, "no user " + std::string(user_id));
  if (password.size() < 12 || password.size() > 256) {
    ServiceError e(ErrorKind::Invalid, "the password does not fit");
    e.field_errors.push_back({"$.password", "12 to 256 bytes"});
    throw e;
  }
  std::string phc = argon2id_hash(password);
  store_.put_password(user_id, phc, clock_.now(), audit(actor, "set_password", user_id, user_id));
}

namespace {

ServiceError locked_out(Instant until, Instant now) {
  ServiceError e(ErrorKind::TooManyRequests, "too many failed logins; try again later");
  e.retry_after = until - now;
  return e;
}

}  // namespace

std::string login_rate_bucket(std::string_view address) {
  const std::string a(address);
  in6_addr v6{};
  if (inet_pton(AF_INET6, a.c_str(), &v6) != 1) return a;
  char text[INET6_ADDRSTRLEN] = {};
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    inet_ntop(AF_INET, v6.s6_addr + 12, text, sizeof text);
    return text;
  }
  std::memset(v6.s6_addr + 8, 0, 8);
  inet_ntop(AF_INET6, &v6, text, sizeof text);
  return std::string(text) + "/64";
}

void IdentityService::count_login_attempt(std::string_view client) {
  if (client.empty()) return;
  const Instant now = clock_.now();
  const Instant window = now - now % 60;
  if (store_.add_rate_hit("login:" + login_rate_bucket(client), window) > kLoginsPerClientPerMinute) {
    ServiceError e(ErrorKind::TooManyRequests, "too many login attempts from this client; try again later");
    e.retry_after = window + 60 - now;
    throw e;
  }
}

IdentityService::LoginAttempt IdentityService::prepare_login(std::string_view user_id) {
  const Instant now = clock_.now();
  auto failures = store_.login_failures(user_id);
  if (failures.locked_until > now) throw locked_out(failures.locked_until, now);
  LoginAttempt a{std::string(user_id), std::nullopt};
  if (store_.user(user_id)) a.phc = store_.password_of(user_id);
  return a;
}

bool IdentityService::password_matches(const LoginAttempt& a, std::string_view password) {
  // An unknown user is checked against a decoy, so both answers take as long.
  bool ok =
      argon2id_verify(a.phc ? a.phc->c_str() : decoy_hash().c_str(), password.data(), password.size()) == ARGON2_OK;
  return ok && a.phc.has_value();
}

Session IdentityService::complete_login(const LoginAttempt& a, bool password_matched) {
  const Instant now = clock_.now();
  auto failures = store_.login_failures(a.user_id);  // again: another attempt may have counted meanwhile
  if (failures.locked_until > now) throw locked_out(failures.locked_until, now);
  auto u = store_.user(a.user_id);
  if (!password_matched || !u) {
    if (u) {
      ++failures.failures;
      if (failures.failures >= kFailuresBeforeLock) {
        int64_t shift = std::min<int64_t>(failures.failures - kFailuresBeforeLock, 7);  // 30 s · 2^7 > 1 h
        failures.locked_until = now + std::min<int64_t>(int64_t{30} << shift, 3600);
      }
      store_.set_login_failures(a.user_id, failures);
    }
    throw ServiceError(ErrorKind::Unauthenticated, "unknown user or wrong password");
  }
  if (failures.failures > 0) store_.set_login_failures(a.user_id, {});
  Session s;
  s.id = ids_.next();
  s.user_id = a.user_id;
  s.token = "cms_" + random_token().substr(4);
  s.csrf_token = csrf_token_for(s.token);
  s.expires_at = now + kSessionSeconds;
  Actor who{u->id, u->role, u->party_id, ""};
  store_.put_session(s.id, s.user_id, sha256_hex(s.token), now, s.expires_at, audit(who, "login", s.id, s.id));
  return s;
}

void IdentityService::logout(std::string_view session_id, const Actor& actor) {
  if (!store_.end_session(session_id, clock_.now(), audit(actor, "logout", session_id, session_id)))
    throw ServiceError(ErrorKind::NotFound, "no live session " + std::string(session_id));
}

}  // namespace comity
