#include "comity/server/router.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "comity/server/node.hpp"
#include "comity/server/routes.hpp"
#include "comity/util/utf8.hpp"

namespace comity {
namespace {

// Path parameters and query values reach the store as text. PostgreSQL
// refuses bytes that are not UTF-8, or NUL, where SQLite would keep them:
// one rule here, before any handler, so both stores answer alike.
bool is_text(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    auto cp = next_code_point(s, i);
    if (!cp || *cp == 0) return false;
  }
  return true;
}

void require_text(const Call& call) {
  for (const auto& p : call.params)
    if (!is_text(p)) throw Error(ErrorKind::NotFound, "no such resource: a path segment is not UTF-8 text");
  for (const auto& [name, value] : call.req.query)
    if (!is_text(name) || !is_text(value))
      throw Error(ErrorKind::Malformed, "a query parameter is not UTF-8 text",
                  {{"$query." + (is_text(name) ? name : std::string("?")), "UTF-8 text without NUL"}});
}

using Clk = std::chrono::steady_clock;

std::string_view metric_method(std::string_view m) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
    if (m == known) return known;
  return "OTHER";
}

std::string roles_text(const std::vector<PartyRole>& roles) {
  std::string out;
  for (auto r : roles) out += (out.empty() ? "" : ", ") + std::string(role_name(r));
  return out;
}

void cache_headers(HttpResponse& res, CachePolicy cache) {
  if (res.status >= 400 || cache == CachePolicy::NoStore) {
    res.set_header("Cache-Control", "no-store");
  } else if (cache == CachePolicy::Immutable) {
    res.set_header("Cache-Control", "public, max-age=31536000, immutable");
  } else if (res.header("Cache-Control").empty()) {
    res.set_header("Cache-Control", "no-cache");
  }
}

}  // namespace

void Router::handle(const HttpRequest& req, HttpResponse& res) {
  const auto t0 = Clk::now();
  std::string route_name = "unmatched";
  const Route* route = nullptr;
  try {
    try {
      RouteMatch m = match_route(req.method, req.path);
      if (!m.route) {
        if (!m.allowed.empty()) {
          std::string allow;
          for (auto a : m.allowed) allow += (allow.empty() ? "" : ", ") + std::string(a);
          if (std::find(m.allowed.begin(), m.allowed.end(), "GET") != m.allowed.end()) allow += ", HEAD";
          res.set_header("Allow", allow);
          throw Error(ErrorKind::NotAllowed, "this path takes " + allow);
        }
        // The path is echoed at most in part, as text: it may be any bytes.
        throw Error(ErrorKind::NotFound,
                    "no route " + std::string(metric_method(req.method)) + " " + req.path.substr(0, 200));
      }
      route = m.route;
      route_name = std::string(route->path);
      Call call{req, res, *route, std::move(m.params), std::nullopt};
      if (route->access == Access::Authenticated) {
        try {
          call.who = node_.authenticated(req);
        } catch (const Error& e) {
          if (e.kind == ErrorKind::Unauthenticated) res.set_header("WWW-Authenticate", "Bearer");
          throw;
        }
        if (!route->roles.empty() &&
            std::find(route->roles.begin(), route->roles.end(), call.who->user.role) == route->roles.end())
          throw Error(ErrorKind::Forbidden, std::string(route->method) + " " + std::string(route->path) + " is for " +
                                                roles_text(route->roles) + ", not " +
                                                std::string(role_name(call.who->user.role)));
      }
      require_text(call);
      route->handler(node_, call);
    } catch (const Error& e) {
      const ErrorKindInfo& info = error_kind_info(e.kind);
      if (!info.expose_detail)
        log_line({{"level", "error"}, {"route", route_name}, {"kind", info.name}, {"error", e.what()}});
      set_error(res, e);
    }
  } catch (const std::exception& e) {
    log_line({{"level", "error"}, {"route", route_name}, {"error", e.what()}});
    set_error(res, Error(ErrorKind::Internal, e.what()));
  } catch (...) {
    log_line({{"level", "error"}, {"route", route_name}, {"error", "unknown exception"}});
    set_error(res, Error(ErrorKind::Internal, "unknown exception"));
  }
  // Every answer: no content sniffing; caching as the route says (never for problems).
  res.set_header("X-Content-Type-Options", "nosniff");
  cache_headers(res, route ? route->cache : CachePolicy::NoStore);
  const double secs = std::chrono::duration<double>(Clk::now() - t0).count();
  const std::string method(metric_method(req.method));
  node_.metrics.record(method, route_name, res.status, secs);
  if (node_.options.request_log == ServerOptions::RequestLog::On)
    log_line({{"ts", format_instant(node_.clock.now())},
              {"method", method},
              {"route", route_name},
              {"status", res.status},
              {"ms", std::round(secs * 1e6) / 1e3}});
}

}  // namespace comity
