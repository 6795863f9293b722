#include "comity/service/identity.hpp"

#include "comity/trust/credentials.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "comity/model/codes.hpp"
#include "comity/util/sha256.hpp"
#include "comity/util/text.hpp"

namespace comity {
namespace {

constexpr std::array<std::string_view, 6> kPartyKinds = {"issuing_authority", "validating_authority",
                                                         "central_authority", "provider", "oversight", "admin"};

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
  if (actor.role != PartyRole::Admin)
    throw ServiceError(ServiceError::Kind::Forbidden, "only an admin " + std::string(what));
}

[[noreturn]] void invalid(FieldErrors errors) {
  ServiceError e(ServiceError::Kind::InvalidRequest, "the body does not match");
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
  return {0, clock_.now(), std::string(role_name(actor.role)) + ":" + actor.user_id, std::string(action),
          std::string(object), sha256_hex(payload)};
}

Party IdentityService::create_party(const Party& p, const Actor& actor) {
  require_admin(actor, "registers parties");
  FieldErrors errors;
  check_id(p.id, "$.id", errors);
  if (std::find(kPartyKinds.begin(), kPartyKinds.end(), p.kind) == kPartyKinds.end())
    errors.push_back({"$.kind",
                      "one of issuing_authority, validating_authority, central_authority, provider, oversight, admin"});
  if (auto st = parse_state(p.state); !st.error.empty()) errors.push_back({"$.state", st.error});
  check_name(p.name, errors);
  if (!errors.empty()) invalid(std::move(errors));
  if (store_.party(p.id)) throw ServiceError(ServiceError::Kind::Conflict, "party " + p.id + " exists");
  nlohmann::json payload = {{"id", p.id}, {"kind", p.kind}, {"state", p.state}, {"name", p.name}};
  try {
    store_.put_party(p, audit(actor, "create_party", p.id, payload.dump()));
  } catch (const StoreError& e) {
    if (e.kind != StoreError::Kind::Constraint) throw;
    throw ServiceError(ServiceError::Kind::Conflict, p.state + " already has its central authority (one per State)");
  }
  return p;
}

User IdentityService::create_user(const User& u, const Actor& actor) {
  require_admin(actor, "registers users");
  FieldErrors errors;
  check_id(u.id, "$.id", errors);
  check_name(u.name, errors);
  auto party = store_.party(u.party_id);
  if (!party) errors.push_back({"$.party_id", "a registered party; no party \"" + u.party_id + "\""});
  else if (!role_fits_party(u.role, party->kind))
    errors.push_back({"$.role", std::string(role_name(u.role)) + " does not fit a party of kind " + party->kind});
  if (!errors.empty()) invalid(std::move(errors));
  if (store_.user(u.id)) throw ServiceError(ServiceError::Kind::Conflict, "user " + u.id + " exists");
  nlohmann::json payload = {{"id", u.id}, {"party_id", u.party_id}, {"role", role_name(u.role)}, {"name", u.name}};
  store_.put_user(u, audit(actor, "create_user", u.id, payload.dump()));
  return u;
}

IssuedToken IdentityService::issue_token(std::string_view user_id, const Actor& actor) {
  require_admin(actor, "issues tokens");
  if (!store_.user(user_id)) throw ServiceError(ServiceError::Kind::NotFound, "no user " + std::string(user_id));
  IssuedToken t{ids_.next(), std::string(user_id), random_token()};
  // The audit payload names the token and its holder, never the token.
  nlohmann::json payload = {{"token_id", t.id}, {"user_id", t.user_id}};
  store_.put_token(t.id, t.user_id, sha256_hex(t.token), clock_.now(), audit(actor, "issue_token", t.id, payload.dump()));
  return t;
}

void IdentityService::revoke_token(std::string_view token_id, const Actor& actor) {
  auto holder = store_.token_user(token_id);
  if (!holder || (actor.role != PartyRole::Admin && *holder != actor.user_id))
    throw ServiceError(ServiceError::Kind::NotFound, "no token " + std::string(token_id));
  nlohmann::json payload = {{"token_id", token_id}, {"user_id", *holder}};
  if (!store_.revoke_token(token_id, clock_.now(), audit(actor, "revoke_token", token_id, payload.dump())))
    throw ServiceError(ServiceError::Kind::Conflict, "token " + std::string(token_id) + " is already revoked");
}

}  // namespace comity
