#include "comity/model/json_guard.hpp"

#include <functional>
#include <string>
#include <unordered_set>
#include <vector>

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

// A member name that appears twice in one object (RFC 8259 §4: names
// "SHOULD be unique"; parsers disagree on which one wins). Comity refuses
// it: a request must not say DE to one reader and FR to another.
struct DuplicateKey {
  std::string path, key;
};

// Tracks where the parser is, to name the duplicate by its JSON path.
class KeyTracker {
 public:
  bool operator()(int /*depth*/, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    switch (event) {
      case E::object_start:
        step();
        frames_.push_back({false, -1, {}, {}});
        break;
      case E::array_start:
        step();
        frames_.push_back({true, -1, {}, {}});
        break;
      case E::object_end:
      case E::array_end: frames_.pop_back(); break;
      case E::key: {
        auto& f = frames_.back();
        f.key = parsed.get<std::string>();
        if (!f.keys.insert(f.key).second) throw DuplicateKey{path(), f.key};
        break;
      }
      case E::value: step(); break;
    }
    return true;
  }

 private:
  struct Frame {
    bool array;
    long index;
    std::string key;
    std::unordered_set<std::string> keys;
  };
  void step() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
  }
  std::string path() const {
    std::string p = "$";
    for (const auto& f : frames_) p += f.array ? "[" + std::to_string(f.index) + "]" : "." + f.key;
    return p;
  }
  std::vector<Frame> frames_;
};

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
    KeyTracker keys;
    return nlohmann::json::parse(text.begin(), text.end(), std::ref(keys), /*allow_exceptions=*/true,
                                 /*ignore_comments=*/false);
  } catch (const DuplicateKey& d) {
    errors.push_back({d.path, "each member once per object; \"" + d.key + "\" appears again here"});
    return std::nullopt;
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
