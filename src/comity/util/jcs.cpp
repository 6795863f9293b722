#include "comity/util/jcs.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "comity/util/utf8.hpp"

namespace comity {
namespace {

// Decodes one UTF-8 sequence at `s[i]`, advancing `i`. Throws on malformed
// input (overlong forms, surrogates and values above U+10FFFF included).
char32_t valid_code_point(const std::string& s, size_t& i) {
  auto cp = next_code_point(s, i);
  if (!cp) throw CanonicalJsonError("a string is not valid UTF-8");
  return *cp;
}

std::u16string utf16(const std::string& s) {
  std::u16string out;
  for (size_t i = 0; i < s.size();) append_utf16(out, valid_code_point(s, i));
  return out;
}

void put_string(std::string& out, const std::string& s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    size_t start = i;
    char32_t cp = valid_code_point(s, i);  // validates
    switch (cp) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (cp < 0x20) {
          out += "\\u00";
          out.push_back(kHex[cp >> 4]);
          out.push_back(kHex[cp & 0xF]);
        } else {
          out.append(s, start, i - start);
        }
    }
  }
  out.push_back('"');
}

// ECMAScript Number.prototype.toString for a finite double (ECMA-262
// §6.1.6.1.20), from the shortest round-trip digits std::to_chars gives.
void put_double(std::string& out, double v) {
  if (!std::isfinite(v)) throw CanonicalJsonError("NaN and infinities have no JSON form");
  if (v == 0) {
    out.push_back('0');
    return;
  }
  if (v < 0) {
    out.push_back('-');
    v = -v;
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  if (ec != std::errc()) throw CanonicalJsonError("cannot format a number");
  std::string sci(buf, end);  // d[.ddd]e±XX
  size_t e = sci.find('e');
  std::string digits;
  for (size_t i = 0; i < e; ++i)
    if (sci[i] != '.') digits.push_back(sci[i]);
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  int k = static_cast<int>(digits.size());
  int n = std::stoi(sci.substr(e + 1)) + 1;  // v = 0.digits × 10^n
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, 0, static_cast<size_t>(n));
    out.push_back('.');
    out.append(digits, static_cast<size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-n), '0');
    out += digits;
  } else {
    out.push_back(digits[0]);
    if (k > 1) {
      out.push_back('.');
      out.append(digits, 1);
    }
    out.push_back('e');
    out.push_back(n - 1 >= 0 ? '+' : '-');
    out += std::to_string(std::abs(n - 1));
  }
}

constexpr int64_t kMaxSafe = (int64_t{1} << 53);

void put(std::string& out, const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::null: out += "null"; break;
    case nlohmann::json::value_t::boolean: out += v.get<bool>() ? "true" : "false"; break;
    case nlohmann::json::value_t::number_integer: {
      auto n = v.get<int64_t>();
      if (n > kMaxSafe || n < -kMaxSafe) throw CanonicalJsonError("an integer beyond ±2^53 cannot be canonicalised");
      out += std::to_string(n);
      break;
    }
    case nlohmann::json::value_t::number_unsigned: {
      auto n = v.get<uint64_t>();
      if (n > static_cast<uint64_t>(kMaxSafe))
        throw CanonicalJsonError("an integer beyond ±2^53 cannot be canonicalised");
      out += std::to_string(n);
      break;
    }
    case nlohmann::json::value_t::number_float: put_double(out, v.get<double>()); break;
    case nlohmann::json::value_t::string: put_string(out, v.get_ref<const std::string&>()); break;
    case nlohmann::json::value_t::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : v) {
        if (!first) out.push_back(',');
        first = false;
        put(out, item);
      }
      out.push_back(']');
      break;
    }
    case nlohmann::json::value_t::object: {
      std::vector<std::pair<std::u16string, const std::string*>> keys;
      keys.reserve(v.size());
      for (auto it = v.begin(); it != v.end(); ++it) keys.emplace_back(utf16(it.key()), &it.key());
      std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      out.push_back('{');
      bool first = true;
      for (const auto& [_, key] : keys) {
        if (!first) out.push_back(',');
        first = false;
        put_string(out, *key);
        out.push_back(':');
        put(out, v.at(*key));
      }
      out.push_back('}');
      break;
    }
    default: throw CanonicalJsonError("binary and discarded values have no JSON form");
  }
}

}  // namespace

std::string canonical_json(const nlohmann::json& value) {
  std::string out;
  put(out, value);
  return out;
}

}  // namespace comity
