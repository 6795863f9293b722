// The route table: every route of the HTTP surface, with who may call it,
// how its answers may be cached, what body it takes, and its handler. The
// router dispatches from it, the OpenAPI check compares the document with
// it, and the permission matrix test walks it: one source for all three.
#pragma once

#include <string_view>
#include <vector>

#include "comity/workflow/case.hpp"

namespace comity {

class Node;
struct Call;
using Handler = void (*)(Node&, Call&);

enum class Access : uint8_t {
  Public,         // anyone, no credential read (the log, the web app, health, login)
  Authenticated,  // a valid token or session; `roles` narrows it
  Peer,           // a federation peer: its node's HTTP message signature, checked by the federation service
};

// The Cache-Control a route's answers carry (problem answers: no-store).
enum class CachePolicy : uint8_t {
  NoStore,    // personal or case data: never kept by a cache or the browser
  NoCache,    // public, revalidated each time (the web app, the latest checkpoint)
  Immutable,  // public and never changing (a tile)
};

enum class BodyKind : uint8_t {
  None,    // GET, or a POST with no body to read
  Json,    // read whole, at most 1 MiB; the handler parses it (json_body)
  Text,    // read whole, at most 1 MiB, of any media type; the handler parses it (the witness protocol)
  Stream,  // read by the handler as it arrives (evidence chunks)
};

struct Route {
  std::string_view method;  // GET or POST (HEAD is answered by GET routes)
  std::string_view path;    // OpenAPI form, e.g. /api/v1/cases/{id}
  Access access;
  std::vector<PartyRole> roles;  // who may call it; empty: every authenticated role
  CachePolicy cache;
  BodyKind body;
  Handler handler;
};

const std::vector<Route>& route_table();

// The route for `method` and `path` (raw bytes, decoded), and its path
// parameters. A path parameter {id} is 1-80 of [A-Za-z0-9._-]; {n} 1-6
// digits; {file} a web-app file name; {tile} a tile path (several segments).
struct RouteMatch {
  const Route* route = nullptr;           // null: no route
  std::vector<std::string_view> allowed;  // when only the method is wrong: the methods the path has
  std::vector<std::string> params;
};
RouteMatch match_route(std::string_view method, std::string_view path);

}  // namespace comity
