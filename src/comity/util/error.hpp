// The one error taxonomy (docs/errors.md). Every error a library layer
// throws is a comity::Error — or a type derived from it that adds the
// layer's own detail (a store's SQLite code, a trust check's member) — and
// carries one ErrorKind. The kind alone decides how an entry point answers:
// the HTTP layer maps it to a status with `error_kind_info(k).http_status`,
// the CLI to an exit code with `.exit_code`. Nothing else is caught by kind
// at the edges: a handler or command that wants a different answer throws a
// different kind.
//
// FieldError lives here too: an error about input names the JSON path of
// each offending value and what was expected there.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace comity {

struct FieldError {
  std::string path;     // JSONPath, e.g. "$.offences[0].max_penalty_months"
  std::string message;  // what was expected, and what was found
};

using FieldErrors = std::vector<FieldError>;

enum class ErrorKind : uint8_t {
  Malformed,             // not parseable at all: not JSON, a bad query parameter or header (400)
  Invalid,               // well-formed, but a field does not match what is expected (422)
  UnsupportedMediaType,  // the body is not of the media type the route takes (415)
  LengthRequired,        // a streamed body without its length (411)
  TooLarge,              // a body past the route's limit (413)
  Unauthenticated,       // no valid credential (401)
  Forbidden,             // authenticated, but this role may not do this (403)
  NotFound,              // no such thing — or one the caller may not see (404)
  NotAllowed,            // the path exists, the method does not (405)
  Conflict,              // the thing's current state refuses it: a step out of order, a stale version, a replay (409)
  Gone,                  // it existed and was deleted (410)
  NotLawful,             // the chosen pathway is not lawful for the request (422)
  Untrusted,             // a signature, credential or chain does not verify (422)
  IntegrityFailed,       // bytes or proofs are not what they claim: evidence, log (422)
  TooManyRequests,       // slow down: Retry-After (429)
  PackInvalid,           // the rule pack cannot be loaded (500)
  StoreFailed,           // the store failed: I/O, corruption (500)
  Unavailable,           // the store is busy or a part is not configured (503)
  Internal,              // a bug or a broken invariant (500)
};

struct ErrorKindInfo {
  std::string_view name;   // snake_case, as in problem details' `kind`
  int http_status;         // the one kind → HTTP status table
  std::string_view title;  // the status's reason phrase
  int exit_code;           // the one kind → CLI exit code table (docs/cli.md)
  bool expose_detail;      // false: the message may hold internals; callers see a generic detail
};

// The row of the tables for `k`.
const ErrorKindInfo& error_kind_info(ErrorKind k);

struct Error : std::runtime_error {
  Error(ErrorKind k, const std::string& message, FieldErrors fields = {}, std::string reason_code = {})
      : std::runtime_error(message), kind(k), field_errors(std::move(fields)), reason(std::move(reason_code)) {}
  ErrorKind kind;
  FieldErrors field_errors;  // input errors: JSON path and expectation of each
  std::string reason;        // a machine-readable code (a trust check, a guard), or ""
  int64_t retry_after = 0;   // TooManyRequests / Unavailable: seconds, or 0
};

// Throws Error{Internal}: a security invariant does not hold. Logged, never
// compiled out; the operation fails closed.
[[noreturn]] void invariant_failed(const char* condition, const char* what, const char* file, int line);

}  // namespace comity

// Always on, in every build: for facts that security rests on (a key's
// length, a signature's presence, a view that may be shown). Failing closed
// means the operation stops with an Internal error and nothing is written.
#define COMITY_ASSERT(cond, what)                                               \
  do {                                                                          \
    if (!(cond)) ::comity::invariant_failed(#cond, (what), __FILE__, __LINE__); \
  } while (0)
