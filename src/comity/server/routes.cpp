#include "comity/server/routes.hpp"

#include <algorithm>

#include "comity/server/handlers.hpp"

namespace comity {
namespace {

using R = PartyRole;
namespace h = handlers;

constexpr auto kPublic = Access::Public;
constexpr auto kAuth = Access::Authenticated;
constexpr auto kNoStore = CachePolicy::NoStore;
constexpr auto kNoCache = CachePolicy::NoCache;
constexpr auto kNone = BodyKind::None;
constexpr auto kJson = BodyKind::Json;

// Every role that takes part in cases (not oversight, which reads; not
// admin, which manages parties).
const std::vector<PartyRole> kCaseParties = {R::Officer, R::Validator, R::CentralAuthority, R::Provider,
                                             R::EnforcingAuthority};

bool id_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

// Whether `value` is a valid path parameter `name` (see routes.hpp).
bool param_ok(std::string_view name, std::string_view value) {
  if (name == "n")
    return !value.empty() && value.size() <= 6 &&
           std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (name == "tile")
    return !value.empty() && value.size() <= 80 && std::all_of(value.begin(), value.end(), [](char c) {
      return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '/';
    });
  if (name == "file") {
    size_t dot = value.rfind('.');
    if (dot == std::string_view::npos || dot == 0 || dot > 64 || value.size() - dot - 1 < 2 ||
        value.size() - dot - 1 > 4)
      return false;
    return std::all_of(value.begin(), value.begin() + static_cast<std::ptrdiff_t>(dot),
                       [](char c) { return id_char(c) && c != '.'; }) &&
           std::all_of(value.begin() + static_cast<std::ptrdiff_t>(dot) + 1, value.end(),
                       [](char c) { return c >= 'a' && c <= 'z'; });
  }
  return !value.empty() && value.size() <= 80 && std::all_of(value.begin(), value.end(), id_char);
}

// Matches `path` against `tmpl`; on success fills `params`.
bool matches(std::string_view tmpl, std::string_view path, std::vector<std::string>& params) {
  params.clear();
  size_t t = 0, p = 0;
  while (t < tmpl.size()) {
    if (tmpl[t] == '{') {
      size_t close = tmpl.find('}', t);
      std::string_view name = tmpl.substr(t + 1, close - t - 1);
      size_t end = name == "tile" ? path.size() : path.find('/', p);
      if (end == std::string_view::npos) end = path.size();
      std::string_view value = path.substr(p, end - p);
      if (!param_ok(name, value)) return false;
      params.emplace_back(value);
      t = close + 1;
      p = end;
      continue;
    }
    if (p >= path.size() || path[p] != tmpl[t]) return false;
    ++t;
    ++p;
  }
  return p == path.size();
}

}  // namespace

const std::vector<Route>& route_table() {
  static const std::vector<Route> kRoutes = {
      // The web app and the node's own description.
      {"GET", "/", kPublic, {}, kNoCache, kNone, h::web_root},
      {"GET", "/app/{file}", kPublic, {}, kNoCache, kNone, h::web_asset},
      {"GET", "/api/v1", kPublic, {}, kNoCache, kNone, h::api_index},
      {"GET", "/api/v1/openapi.json", kPublic, {}, kNoCache, kNone, h::openapi},
      {"GET", "/healthz", kPublic, {}, kNoStore, kNone, h::healthz},
      {"GET", "/readyz", kPublic, {}, kNoStore, kNone, h::readyz},
      {"GET", "/metrics", kPublic, {}, kNoStore, kNone, h::metrics},
      // Deciding, and cases.
      {"POST", "/api/v1/evaluate", kAuth, {}, kNoStore, kJson, h::evaluate},
      {"POST", "/api/v1/cases", kAuth, {R::Officer}, kNoStore, kJson, h::create_case},
      {"GET", "/api/v1/cases", kAuth, {}, kNoStore, kNone, h::list_cases},
      {"GET", "/api/v1/cases/{id}", kAuth, {}, kNoStore, kNone, h::get_case},
      {"POST", "/api/v1/cases/{id}/events", kAuth, kCaseParties, kNoStore, kJson, h::post_event},
      {"POST",
       "/api/v1/cases/{id}/review",
       kAuth,
       {R::Validator, R::CentralAuthority, R::EnforcingAuthority},
       kNoStore,
       kJson,
       h::post_review},
      {"POST", "/api/v1/cases/{id}/notice", kAuth, {R::Officer}, kNoStore, kJson, h::post_notice},
      {"GET", "/api/v1/cases/{id}/decision", kAuth, {}, kNoStore, kNone, h::get_decision},
      {"POST",
       "/api/v1/cases/{id}/redecide",
       kAuth,
       {R::Officer, R::Validator, R::CentralAuthority},
       kNoStore,
       kJson,
       h::post_redecide},
      {"GET", "/api/v1/cases/{id}/document", kAuth, {}, kNoStore, kNone, h::get_document},
      {"GET", "/api/v1/cases/{id}/log", kAuth, {}, kNoStore, kNone, h::get_case_log},
      // Provider statements: published by the provider's people, read by anyone.
      {"POST", "/api/v1/providers/{id}/statement", kAuth, {R::Provider}, kNoStore, kJson, h::post_statement},
      {"GET", "/api/v1/providers/{id}/statement", kPublic, {}, kNoCache, kNone, h::get_statement},
      // Evidence.
      {"POST", "/api/v1/cases/{id}/productions", kAuth, {R::Provider}, kNoStore, kJson, h::post_production},
      {"GET", "/api/v1/productions/{id}", kAuth, {R::Provider, R::Officer}, kNoStore, kNone, h::get_production},
      {"POST", "/api/v1/productions/{id}/files/{n}", kAuth, {R::Provider}, kNoStore, BodyKind::Stream, h::post_chunk},
      {"GET", "/api/v1/productions/{id}/files/{n}", kAuth, {R::Officer}, kNoStore, kNone, h::get_file},
      // Drafts: an officer's own.
      {"POST", "/api/v1/drafts", kAuth, {R::Officer}, kNoStore, kJson, h::post_draft},
      {"GET", "/api/v1/drafts", kAuth, {R::Officer}, kNoStore, kNone, h::list_drafts},
      {"GET", "/api/v1/drafts/{id}", kAuth, {R::Officer}, kNoStore, kNone, h::get_draft},
      {"POST", "/api/v1/drafts/{id}", kAuth, {R::Officer}, kNoStore, kJson, h::save_draft},
      {"POST", "/api/v1/drafts/{id}/delete", kAuth, {R::Officer}, kNoStore, kNone, h::delete_draft},
      // Who is who.
      {"GET", "/api/v1/me", kAuth, {}, kNoStore, kNone, h::me},
      {"GET", "/api/v1/parties", kAuth, {}, kNoStore, kNone, h::list_parties},
      {"POST", "/api/v1/parties", kAuth, {R::Admin}, kNoStore, kJson, h::create_party},
      {"GET", "/api/v1/parties/{id}", kAuth, {}, kNoStore, kNone, h::get_party},
      {"POST", "/api/v1/users", kAuth, {R::Admin}, kNoStore, kJson, h::create_user},
      {"POST", "/api/v1/users/{id}/tokens", kAuth, {R::Admin}, kNoStore, kNone, h::issue_token},
      {"POST", "/api/v1/tokens/{id}/revoke", kAuth, {}, kNoStore, kNone, h::revoke_token},
      {"GET", "/api/v1/audit", kAuth, {R::Oversight, R::Admin}, kNoStore, kNone, h::list_audit},
      {"POST", "/api/v1/session", kPublic, {}, kNoStore, kJson, h::post_session},
      {"GET", "/api/v1/session", kAuth, {}, kNoStore, kNone, h::get_session},
      {"POST", "/api/v1/session/logout", kAuth, {}, kNoStore, kNone, h::post_logout},
      // What the exchange trusts.
      {"GET", "/api/v1/trust", kPublic, {}, kNoCache, kNone, h::get_trust},
      {"POST", "/api/v1/trust", kAuth, {R::Admin}, kNoStore, kJson, h::post_trust},
      // The public transparency log.
      {"GET", "/log/checkpoint", kPublic, {}, kNoCache, kNone, h::get_checkpoint_note},
      {"GET", "/log/tile/{tile}", kPublic, {}, CachePolicy::Immutable, kNone, h::get_tile},
      {"GET", "/api/v1/log", kPublic, {}, kNoCache, kNone, h::get_log_info},
      {"POST", "/api/v1/log/checkpoint", kAuth, {R::Oversight, R::Admin}, kNoStore, kNone, h::post_checkpoint},
      {"GET", "/api/v1/log/inclusion", kPublic, {}, kNoCache, kNone, h::get_inclusion},
      {"GET", "/api/v1/log/consistency", kPublic, {}, kNoCache, kNone, h::get_consistency},
      {"GET", "/api/v1/log/statistics", kPublic, {}, kNoCache, kNone, h::get_statistics},
      {"GET", "/transparency", kPublic, {}, kNoCache, kNone, h::get_transparency},
      // The federation (docs/federation.md): what peers post, signed; what
      // this node says of itself; and its operator's view.
      {"POST", "/fed/v1/messages", Access::Peer, {}, kNoStore, kJson, h::post_fed_message},
      {"GET", "/fed/v1/node", kPublic, {}, kNoCache, kNone, h::get_fed_node},
      {"GET", "/api/v1/federation/peers", kAuth, {R::Admin}, kNoStore, kNone, h::get_fed_peers},
      {"POST", "/api/v1/federation/hello", kAuth, {R::Admin}, kNoStore, kJson, h::post_fed_hello},
      {"GET", "/api/v1/federation/outbox", kAuth, {R::Admin}, kNoStore, kNone, h::get_fed_outbox},
      {"GET", "/api/v1/federation/inbox", kAuth, kCaseParties, kNoStore, kNone, h::get_fed_inbox},
      {"POST",
       "/api/v1/federation/inbox/{id}/answer",
       kAuth,
       {R::Provider, R::EnforcingAuthority, R::CentralAuthority},
       kNoStore,
       kJson,
       h::post_fed_answer},
      // Evidence for an order or a request a peer delivered: its manifest,
      // then its files' ciphertext (docs/federation.md §3, "Evidence").
      {"POST",
       "/api/v1/federation/inbox/{id}/productions",
       kAuth,
       {R::Provider, R::CentralAuthority},
       kNoStore,
       kJson,
       h::post_fed_production},
      {"POST",
       "/api/v1/federation/inbox/{id}/productions/{manifest}/files/{n}",
       kAuth,
       {R::Provider, R::CentralAuthority},
       kNoStore,
       BodyKind::Text,
       h::post_fed_chunk},
      // The witness of peers' logs (tlog-witness): open, like the protocol; the
      // checkpoint's signature by a listed peer's log key is the authentication.
      {"POST", "/fed/v1/witness/add-checkpoint", kPublic, {}, kNoStore, BodyKind::Text, h::post_witness_checkpoint},
  };
  return kRoutes;
}

RouteMatch match_route(std::string_view method, std::string_view path) {
  RouteMatch m;
  std::string_view as = method == "HEAD" ? std::string_view("GET") : method;
  std::vector<std::string> params;
  for (const auto& r : route_table()) {
    if (!matches(r.path, path, params)) continue;
    if (r.method == as) {
      m.route = &r;
      m.params = std::move(params);
      m.allowed.clear();
      return m;
    }
    m.allowed.push_back(r.method);
  }
  return m;
}

}  // namespace comity
