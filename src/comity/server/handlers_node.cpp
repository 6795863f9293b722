// The node itself: the web app, health, metrics, the OpenAPI document,
// evaluation, what the exchange trusts, and an officer's drafts. Also the
// small readers every handler shares.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "comity/model/request_json.hpp"
#include "comity/rules/decision_json.hpp"
#include "comity/rules/engine.hpp"
#include "comity/rules/statement_notes.hpp"
#include "comity/server/handlers.hpp"
#include "comity/server/web_assets.hpp"
#include "comity/service/statements.hpp"
#include "comity/service/trusted.hpp"

namespace comity::handlers {
namespace {

using nlohmann::json;

// An embedded file of the web app, revalidated by its digest. The app's
// pages run only their own scripts and styles, and cannot be framed.
void serve_asset(Call& call, const std::string& path) {
  const WebAsset* a = find_web_asset(path);
  if (!a) throw Error(ErrorKind::NotFound, "no file " + path);
  std::string etag = "\"" + std::string(a->sha256.substr(0, 32)) + "\"";
  call.res.set_header("ETag", etag);
  call.res.set_header("Referrer-Policy", "no-referrer");
  if (a->media_type.rfind("text/html", 0) == 0) {
    call.res.set_header("Content-Security-Policy",
                        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                        "frame-ancestors 'none'");
    call.res.set_header("X-Frame-Options", "DENY");
  }
  if (call.req.header("If-None-Match") == etag) {
    call.res.status = 304;
    return;
  }
  call.res.send(std::string(a->bytes), std::string(a->media_type));
}

}  // namespace

int page_limit(const HttpRequest& req) {
  if (!req.has_param("limit")) return 50;
  const std::string text = req.param("limit");
  if (!small_decimal(text) || text.size() > 3 || std::stoi(text) < 1 || std::stoi(text) > 200)
    throw Error(ErrorKind::Malformed, "limit must be 1..200", {{"$query.limit", "an integer 1..200"}});
  return std::stoi(text);
}

std::string idempotency_key(const HttpRequest& req) {
  std::string k = req.header("Idempotency-Key");
  bool ok = k.size() <= 200 && std::all_of(k.begin(), k.end(), [](char c) { return c > 32 && c < 127; });
  if (!ok)
    throw Error(ErrorKind::Malformed, "Idempotency-Key must be 1-200 visible ASCII characters",
                {{"$header.Idempotency-Key", "1-200 visible ASCII characters"}});
  return k;
}

std::string required_string(const json& body, const char* key, const char* expected, FieldErrors& errors) {
  auto it = body.find(key);
  if (it == body.end() || !it->is_string()) {
    errors.push_back({std::string("$.") + key, std::string("required: ") + expected});
    return {};
  }
  return it->get<std::string>();
}

void refuse_unknown_fields(const json& body, std::initializer_list<std::string_view> allowed, FieldErrors& errors) {
  std::string expected;
  for (auto a : allowed) expected += (expected.empty() ? "" : ", ") + std::string(a);
  for (auto it = body.begin(); it != body.end(); ++it)
    if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end())
      errors.push_back({"$." + it.key(), "no such field: expected " + expected});
}

void web_root(Node&, Call& call) {
  serve_asset(call, "index.html");
}

void web_asset(Node&, Call& call) {
  serve_asset(call, call.param(0));
}

void api_index(Node& node, Call& call) {
  // Every pack a case here may rest on; the first is the one new cases open under.
  json held = json::array();
  for (const auto& p : node.packs.all())
    held.push_back({{"name", p->name}, {"version", p->version}, {"content_hash", p->content_hash}});
  json index = {{"name", "Comity"},
                {"rule_pack",
                 {{"name", node.pack.name}, {"version", node.pack.version}, {"content_hash", node.pack.content_hash}}},
                {"rule_packs_held", std::move(held)},
                {"links",
                 {{"openapi", "/api/v1/openapi.json"},
                  {"evaluate", "/api/v1/evaluate"},
                  {"cases", "/api/v1/cases"},
                  {"health", "/healthz"},
                  {"metrics", "/metrics"}}}};
  call.res.send_json(index.dump(2));
}

void healthz(Node&, Call& call) {
  call.res.send_json(R"({"status":"ok"})");
}

void readyz(Node& node, Call& call) {
  try {
    Node::ReadLease db(node);
    db->ping();
  } catch (const StoreError&) {
    throw Error(ErrorKind::Unavailable, "the store cannot be read");
  }
  call.res.send_json(safe_dump(json{{"status", "ready"}, {"pack", node.pack.content_hash}}));
}

void metrics(Node& node, Call& call) {
  call.res.send(node.render_metrics(), "text/plain; version=0.0.4");
}

void openapi(Node&, Call& call) {
  call.res.send_json(openapi_document());
}

void evaluate(Node& node, Call& call) {
  if (!media_type_is(call.req.header("Content-Type"), "application/json"))
    throw Error(ErrorKind::UnsupportedMediaType, "send the request as application/json",
                {{"$header.Content-Type", "application/json"}});
  Date at = date_of(node.clock.now());
  if (call.req.has_param("at")) {
    auto d = parse_date(call.req.param("at"));
    if (!d)
      throw Error(ErrorKind::Malformed, "query parameter at must be a date YYYY-MM-DD",
                  {{"$query.at", "a date YYYY-MM-DD"}});
    at = *d;
  }
  auto parsed = parse_request(call.req.body);
  if (!parsed.request) {
    const bool syntax = parsed.errors.size() == 1 && parsed.errors[0].path == "$";
    throw Error(syntax ? ErrorKind::Malformed : ErrorKind::Invalid,
                syntax ? parsed.errors[0].message : "the request does not match the request format", parsed.errors);
  }
  Decision d = comity::evaluate(*parsed.request, node.pack, at);
  auto out = decision_to_json(d, *parsed.request);
  // What the addressee published beside the law, never instead of it.
  std::optional<std::pair<StoredStatement, ProviderStatement>> said;
  {
    Node::ReadLease db(node);
    said = current_statement(*db, parsed.request->provider.id);
  }
  if (said && statement_fits_request(said->second, *parsed.request).empty()) {
    attach_statement(out, d, said->second);
    out["provider_statement"]["log_index"] = said->first.log_index;
    out["provider_statement"]["published_at"] = format_instant(said->first.imported_at);
    out["provider_statement"]["url"] =
        "/api/v1/providers/" + said->first.provider_id + "/statement?version=" + std::to_string(said->first.version);
  }
  call.res.send_json(safe_dump(out));
}

// What the exchange trusts, as a bundle anyone may fetch to verify orders
// and manifests offline (comity verify --trust).
void get_trust(Node& node, Call& call) {
  json bundle;
  {
    Node::ReadLease db(node);
    bundle = node.trusted(*db)->bundle();
  }
  call.res.send_json(safe_dump(bundle));
}

// An admin imports a bundle: every document is checked against what is
// trusted already (every import stored, whichever process took it), and
// the import is stored with its audit entry before it takes effect.
// ?anchor_change=operator_override replaces a State's anchor without the
// old anchor's signature. A revocation list no newer than the one in force
// is refused (409, stale).
void post_trust(Node& node, Call& call) {
  const Principal& who = call.principal();
  const std::string change = call.req.has_param("anchor_change") ? call.req.param("anchor_change") : "cross_signed";
  const auto how = anchor_change_named(change);
  if (!how)
    throw Error(ErrorKind::Malformed, "anchor_change must be cross_signed or operator_override",
                {{"$query.anchor_change", "cross_signed or operator_override"}});
  json body = json_body(call.req);
  // Throws TrustError: Untrusted, or Conflict for a stale list.
  auto next = node.trust.import(node.committer, node.store, body, *how,
                                std::string(role_name(who.user.role)) + ":" + who.user.id, node.clock.now());
  json b = next->bundle();
  call.res.send_json(safe_dump(json{{"anchors", b["anchors"].size()},
                                    {"credentials", b["credentials"].size()},
                                    {"revocations", b["revocations"].size()}}),
                     201);
}

// Drafts (docs/api.md): the author's own, under the writer lock (small,
// rare writes; reads of one's own drafts).
void post_draft(Node& node, Call& call) {
  json body = json_body(call.req);
  FieldErrors errors;
  refuse_unknown_fields(body, {"request"}, errors);
  if (!errors.empty()) body_does_not_match(std::move(errors));
  std::lock_guard<std::mutex> lock(node.store_mu);
  Draft d = node.drafts.create(body.value("request", json::object()), actor_of(call.principal()));
  call.res.set_header("Location", "/api/v1/drafts/" + d.id);
  call.res.send_json(safe_dump(draft_json(d)), 201);
}

void save_draft(Node& node, Call& call) {
  json body = json_body(call.req);
  FieldErrors errors;
  refuse_unknown_fields(body, {"version", "request"}, errors);
  if (!body.contains("version") || !body["version"].is_number_integer())
    errors.push_back({"$.version", "required: the version this save replaces"});
  if (!body.contains("request")) errors.push_back({"$.request", "required: the request so far"});
  if (!errors.empty()) body_does_not_match(std::move(errors));
  std::lock_guard<std::mutex> lock(node.store_mu);
  Draft d =
      node.drafts.save(call.param(0), body["version"].get<int64_t>(), body["request"], actor_of(call.principal()));
  call.res.send_json(safe_dump(draft_json(d)));
}

void get_draft(Node& node, Call& call) {
  std::lock_guard<std::mutex> lock(node.store_mu);
  call.res.send_json(safe_dump(draft_json(node.drafts.get(call.param(0), actor_of(call.principal())))));
}

void list_drafts(Node& node, Call& call) {
  const int limit = page_limit(call.req);
  std::lock_guard<std::mutex> lock(node.store_mu);
  json items = json::array();
  for (const auto& d : node.drafts.list(actor_of(call.principal()), limit)) {
    json j = draft_json(d);
    j.erase("request");
    items.push_back(std::move(j));
  }
  call.res.send_json(safe_dump(json{{"items", items}}));
}

void delete_draft(Node& node, Call& call) {
  std::lock_guard<std::mutex> lock(node.store_mu);
  node.drafts.remove(call.param(0), actor_of(call.principal()));
  call.res.send_json(safe_dump(json{{"deleted", call.param(0)}}));
}

}  // namespace comity::handlers
