// Who is who: the caller, the directory of parties, users and tokens (an
// admin's), browser sessions, and the audit trail (oversight's and admins').
#include <nlohmann/json.hpp>

#include "comity/server/handlers.hpp"

namespace comity::handlers {
namespace {

using nlohmann::json;

json user_json(const User& u) {
  return {{"id", u.id}, {"name", u.name}, {"role", role_name(u.role)}};
}

}  // namespace

json party_json(const Party& p) {
  return {{"id", p.id}, {"kind", p.kind}, {"state", p.state}, {"name", p.name}};
}

void me(Node&, Call& call) {
  const Principal& who = call.principal();
  call.res.send_json(
      safe_dump(json{{"user", user_json(who.user)}, {"party", party_json(who.party)}, {"token_id", who.token_id}}));
}

// The directory of parties: every authenticated user may read it (an
// officer needs to find a provider, a central authority its counterpart).
void list_parties(Node& node, Call& call) {
  const int limit = page_limit(call.req);
  Node::ReadLease db(node);
  auto page = db->list_parties(call.req.param("cursor"), limit);
  json items = json::array();
  for (const auto& p : page) items.push_back(party_json(p));
  json next = static_cast<int>(page.size()) == limit ? json(page.back().id) : json(nullptr);
  call.res.send_json(safe_dump(json{{"items", items}, {"next_cursor", next}}));
}

void get_party(Node& node, Call& call) {
  Node::ReadLease db(node);
  auto p = db->party(call.param(0));
  if (!p) throw Error(ErrorKind::NotFound, "no party " + call.param(0));
  call.res.send_json(safe_dump(party_json(*p)));
}

void create_party(Node& node, Call& call) {
  json body = json_body(call.req);
  FieldErrors errors;
  refuse_unknown_fields(body, {"id", "kind", "state", "name"}, errors);
  Party p{required_string(body, "id", "the party id", errors), required_string(body, "kind", "the party kind", errors),
          required_string(body, "state", "an ISO 3166-1 alpha-2 State code", errors),
          required_string(body, "name", "the party's name", errors)};
  if (!errors.empty()) body_does_not_match(std::move(errors));
  {
    std::lock_guard<std::mutex> lock(node.store_mu);
    node.identity.create_party(p, actor_of(call.principal()));
  }
  call.res.set_header("Location", "/api/v1/parties/" + p.id);
  call.res.send_json(safe_dump(party_json(p)), 201);
}

void create_user(Node& node, Call& call) {
  json body = json_body(call.req);
  FieldErrors errors;
  refuse_unknown_fields(body, {"id", "party_id", "role", "name"}, errors);
  User u{required_string(body, "id", "the user id", errors),
         required_string(body, "party_id", "the user's party", errors),
         required_string(body, "name", "the user's name", errors), PartyRole::Officer};
  std::string role_text = required_string(body, "role", "the user's role", errors);
  auto role = parse_role(role_text);
  if (!role_text.empty() && (!role || *role == PartyRole::System || *role == PartyRole::RequestingCentralAuthority ||
                             *role == PartyRole::RequestedCentralAuthority))
    errors.push_back({"$.role",
                      "one of officer, validator, central_authority, provider, enforcing_authority, "
                      "oversight, admin"});
  if (!errors.empty()) body_does_not_match(std::move(errors));
  u.role = *role;
  {
    std::lock_guard<std::mutex> lock(node.store_mu);
    node.identity.create_user(u, actor_of(call.principal()));
  }
  call.res.send_json(
      safe_dump(json{{"id", u.id}, {"party_id", u.party_id}, {"role", role_name(u.role)}, {"name", u.name}}), 201);
}

// Issues a token. Not replayable by design: the token is never stored, so
// a retried request gets a second token (revoke the unused one).
void issue_token(Node& node, Call& call) {
  IssuedToken t;
  {
    std::lock_guard<std::mutex> lock(node.store_mu);
    t = node.identity.issue_token(call.param(0), actor_of(call.principal()));
  }
  call.res.send_json(safe_dump(json{{"id", t.id}, {"user_id", t.user_id}, {"token", t.token}}), 201);
}

void revoke_token(Node& node, Call& call) {
  {
    std::lock_guard<std::mutex> lock(node.store_mu);
    node.identity.revoke_token(call.param(0), actor_of(call.principal()));
  }
  call.res.send_json(safe_dump(json{{"id", call.param(0)}, {"revoked", true}}));
}

// The audit trail, oldest first. Entries carry who, when, what and a
// payload digest — never the payload.
void list_audit(Node& node, Call& call) {
  const int limit = page_limit(call.req);
  int64_t after = 0;
  if (call.req.has_param("cursor")) {
    std::string text = call.req.param("cursor");
    if (!small_decimal(text))
      throw Error(ErrorKind::Malformed, "cursor must be an audit entry id",
                  {{"$query.cursor", "a non-negative integer"}});
    after = std::stoll(text);
  }
  Node::ReadLease db(node);
  auto page = db->audit_after(after, limit);
  json items = json::array();
  for (const auto& a : page)
    items.push_back({{"id", a.id},
                     {"at", format_instant(a.at)},
                     {"actor", a.actor},
                     {"action", a.action},
                     {"object", a.object},
                     {"payload_sha256", a.payload_sha256}});
  json next = static_cast<int>(page.size()) == limit ? json(std::to_string(page.back().id)) : json(nullptr);
  call.res.send_json(safe_dump(json{{"items", items}, {"next_cursor", next}}));
}

// POST /api/v1/session {user, password}: a browser session.
void post_session(Node& node, Call& call) {
  json body = json_body(call.req);
  FieldErrors errors;
  refuse_unknown_fields(body, {"user", "password"}, errors);
  for (const char* k : {"user", "password"})
    if (!body.contains(k) || !body[k].is_string() || body[k].get_ref<const std::string&>().size() > 256)
      errors.push_back({std::string("$.") + k, "a string of at most 256 bytes"});
  if (!errors.empty()) body_does_not_match(std::move(errors));
  // argon2id takes tens of milliseconds: no store lock is held meanwhile.
  IdentityService::LoginAttempt attempt;
  {
    std::lock_guard<std::mutex> lock(node.store_mu);
    node.identity.count_login_attempt(call.req.remote_addr);
    attempt = node.identity.prepare_login(body["user"].get<std::string>());
  }
  const bool matches = IdentityService::password_matches(attempt, body["password"].get<std::string>());
  Session s;
  {
    std::lock_guard<std::mutex> lock(node.store_mu);
    s = node.identity.complete_login(attempt, matches);
  }
  call.res.set_header("Set-Cookie", node.session_cookie_header(s.token, kSessionSeconds));
  call.res.send_json(safe_dump(json{{"user", s.user_id},
                                    {"session", s.id},
                                    {"csrf_token", s.csrf_token},
                                    {"expires_at", format_instant(s.expires_at)}}),
                     201);
}

// GET /api/v1/session: the browser session's user and CSRF token.
void get_session(Node&, Call& call) {
  std::string token = Node::session_cookie(call.req);
  if (token.empty()) throw Error(ErrorKind::Unauthenticated, "no browser session: log in with POST /api/v1/session");
  const Principal& who = call.principal();
  call.res.send_json(safe_dump(json{{"user", user_json(who.user)},
                                    {"party", party_json(who.party)},
                                    {"session", who.token_id},
                                    {"csrf_token", csrf_token_for(token)}}));
}

// POST /api/v1/session/logout: ends the browser session (CSRF-checked).
void post_logout(Node& node, Call& call) {
  if (Node::session_cookie(call.req).empty()) throw Error(ErrorKind::Unauthenticated, "no browser session");
  const Principal& who = call.principal();
  {
    std::lock_guard<std::mutex> lock(node.store_mu);
    node.identity.logout(who.token_id, actor_of(who));
  }
  call.res.set_header("Set-Cookie", node.session_cookie_header("", 0));
  call.res.send_json(safe_dump(json{{"ended", who.token_id}}));
}

}  // namespace comity::handlers
