// The HTTP exchange as the router sees it, independent of the transport
// (cpp-httplib today; listener.cpp adapts it): a request whose path and
// parameters are bytes — possibly not UTF-8 — and a response with its
// status, headers and body, or a streamed body. Problem details (RFC 9457)
// are built here, and only here, from a comity::Error through the one
// kind → status table (util/error.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "comity/util/error.hpp"

namespace comity {

// Receives a piece of a streamed body; returns false to stop.
using BodySink = std::function<bool(const char* data, size_t size)>;

struct HttpRequest {
  std::string method;                                        // as sent, e.g. "GET"
  std::string path;                                          // percent-decoded: arbitrary bytes
  std::multimap<std::string, std::string> query;             // decoded names and values
  std::vector<std::pair<std::string, std::string>> headers;  // as sent
  std::string body;                                          // the whole body, unless the route streams it
  // The client's address as the connection shows it (no proxy header is
  // believed), or "" when the transport has none.
  std::string remote_addr;
  // A streamed body (routes that take one): calls the sink with each piece as
  // it arrives, until the body ends or the sink returns false. Null: `body`.
  std::function<void(const BodySink&)> read_body;

  // The first header named `name` (ASCII case-insensitive), or "".
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
  bool has_param(std::string_view name) const { return query.find(std::string(name)) != query.end(); }
  // The first query parameter `name`, or "".
  std::string param(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body, content_type;
  // A streamed body of `stream_size` bytes: `stream(offset, sink)` writes from
  // `offset` on, and returns false if it cannot go on (the transfer stops).
  uint64_t stream_size = 0;
  std::function<bool(uint64_t offset, const BodySink& sink)> stream;

  // Replaces any header of that name.
  void set_header(std::string_view name, std::string value);
  void erase_header(std::string_view name);
  std::string header(std::string_view name) const;
  void send(std::string content, std::string type, int code = 200) {
    body = std::move(content);
    content_type = std::move(type);
    status = code;
  }
  void send_json(std::string json_text, int code = 200) { send(std::move(json_text), "application/json", code); }
};

// RFC 9457 problem details: `kind` names the error kind, `errors` carries
// field paths, `reason` the code of a refused signature, guard or document.
// Every string goes out as valid UTF-8 (invalid bytes become U+FFFD).
void set_problem(HttpResponse& res, int status, std::string_view title, std::string_view detail,
                 const FieldErrors& errors = {}, std::string_view reason = {}, std::string_view kind = {});

// The problem for `e`, through the kind → status table. Kinds whose messages
// may hold internals answer a generic detail (the message is for the log).
void set_error(HttpResponse& res, const Error& e);

// `j` as JSON text that is always valid UTF-8, whatever bytes its strings hold.
std::string safe_dump(const nlohmann::json& j);

// Whether a Content-Type header names exactly `type` ("application/json"):
// type and subtype compared case-insensitively, optional parameters after
// ";" allowed; "application/jsonx" or a trailing NUL are not.
bool media_type_is(std::string_view header, std::string_view type);

// The body as a JSON object, with the JSON guard's limits. Throws
// Error{UnsupportedMediaType} unless it is application/json, Error{Malformed}
// (path "$") if it is not JSON — invalid UTF-8 included — or not an object.
nlohmann::json json_body(const HttpRequest& req);

// A field-shape error for a JSON body: Error{Invalid}.
[[noreturn]] void body_does_not_match(FieldErrors errors);

// 1-18 decimal digits: a count or id that fits in 64 bits, without sign or spaces.
bool small_decimal(std::string_view text);

}  // namespace comity
