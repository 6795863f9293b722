#include "comity/model/json_guard.hpp"

#include <string>

namespace comity {
namespace {

// Returns the maximum nesting depth of arrays/objects, ignoring brackets inside
// strings. Stops early once `cap` is exceeded.
int nesting_depth(std::string_view text, int cap) {
  int depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '[':
      case '{':
        if (++depth > max_depth) {
          max_depth = depth;
          if (max_depth > cap) return max_depth;
        }
        break;
      case ']':
      case '}': --depth; break;
      default: break;
    }
  }
  return max_depth;
}

}  // namespace

std::optional<nlohmann::json> parse_json_guarded(std::string_view text, const JsonLimits& limits, FieldErrors& errors) {
  if (text.size() > limits.max_bytes) {
    errors.push_back({"$", "a JSON document of at most " + std::to_string(limits.max_bytes) + " bytes; got " +
                               std::to_string(text.size()) + " bytes"});
    return std::nullopt;
  }
  if (nesting_depth(text, limits.max_depth) > limits.max_depth) {
    errors.push_back(
        {"$", "JSON nested at most " + std::to_string(limits.max_depth) + " levels deep; the input is nested deeper"});
    return std::nullopt;
  }
  try {
    return nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/true,
                                 /*ignore_comments=*/false);
  } catch (const nlohmann::json::exception& e) {
    // parse_error for syntax, out_of_range for numbers that overflow (e.g. 1E400).
    std::string what = e.what();
    // nlohmann's messages start with "[json.exception.parse_error.101] "; keep the rest.
    auto pos = what.find("] ");
    errors.push_back({"$", "valid JSON: " + (pos == std::string::npos ? what : what.substr(pos + 2))});
    return std::nullopt;
  }
}

}  // namespace comity
