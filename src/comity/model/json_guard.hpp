// Limits applied to untrusted JSON text before it reaches the JSON parser:
// a size cap, and a nesting-depth cap computed by a linear scan that never
// recurses, so 10,000-deep input is refused in O(n) without stack growth.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "comity/model/errors.hpp"

namespace comity {

struct JsonLimits {
  size_t max_bytes = 1 << 20;  // 1 MiB: a request is a few kilobytes
  int max_depth = 32;
};

// Parses `text` as strict JSON (RFC 8259, UTF-8, no comments) within `limits`.
// A member name twice in one object is refused (error at its JSON path).
// On failure returns nullopt and appends one error: at path "$" for syntax,
// size and depth, at the duplicate member for a repeated name.
std::optional<nlohmann::json> parse_json_guarded(std::string_view text, const JsonLimits& limits, FieldErrors& errors);

}  // namespace comity
