// The router: one entry point for every HTTP request, whatever the
// transport. It matches the route table, answers 404/405 for what is not
// there, authenticates and checks the route's roles, runs the handler, maps
// any error to a problem through the one kind → status table, sets the
// security and cache headers, and records metrics and the request log.
// Nothing a client sends — method, path bytes, headers, body — makes it
// throw: it answers.
#pragma once

#include "comity/server/http.hpp"

namespace comity {

class Node;

class Router {
 public:
  // REQUIRES: `node` outlives the router.
  explicit Router(Node& node) : node_(node) {}
  // Answers `req` into `res`. Thread-safe.
  void handle(const HttpRequest& req, HttpResponse& res);

 private:
  Node& node_;
};

}  // namespace comity
