#include "comity/util/error.hpp"

#include <iostream>

namespace comity {
namespace {

// The one table: kind → name, HTTP status, title, exit code, whether the
// message is for the caller. Exit codes as in docs/cli.md: 1 a check failed
// or the current state refuses, 2 invalid input or usage, 3 the rule pack,
// 4 the store, 70 internal.
constexpr ErrorKindInfo kTable[] = {
    {"malformed", 400, "Bad Request", 2, true},
    {"invalid", 422, "Unprocessable Content", 2, true},
    {"unsupported_media_type", 415, "Unsupported Media Type", 2, true},
    {"length_required", 411, "Length Required", 2, true},
    {"too_large", 413, "Content Too Large", 2, true},
    {"unauthenticated", 401, "Unauthorized", 2, true},
    {"forbidden", 403, "Forbidden", 2, true},
    {"not_found", 404, "Not Found", 2, true},
    {"not_allowed", 405, "Method Not Allowed", 2, true},
    {"conflict", 409, "Conflict", 1, true},
    {"gone", 410, "Gone", 1, true},
    {"not_lawful", 422, "Unprocessable Content", 2, true},
    {"untrusted", 422, "Unprocessable Content", 1, true},
    {"integrity_failed", 422, "Unprocessable Content", 1, true},
    {"too_many_requests", 429, "Too Many Requests", 2, true},
    {"pack_invalid", 500, "Internal Server Error", 3, false},
    {"store_failed", 500, "Internal Server Error", 4, false},
    {"unavailable", 503, "Service Unavailable", 4, true},
    {"internal", 500, "Internal Server Error", 70, false},
};
static_assert(std::size(kTable) == static_cast<size_t>(ErrorKind::Internal) + 1, "one row per ErrorKind");

}  // namespace

const ErrorKindInfo& error_kind_info(ErrorKind k) {
  return kTable[static_cast<size_t>(k)];
}

void invariant_failed(const char* condition, const char* what, const char* file, int line) {
  std::cerr << "{\"level\":\"critical\",\"msg\":\"invariant violated\",\"condition\":\"" << condition << "\",\"at\":\""
            << file << ":" << line << "\"}\n";
  throw Error(ErrorKind::Internal, std::string("invariant violated: ") + what);
}

}  // namespace comity
