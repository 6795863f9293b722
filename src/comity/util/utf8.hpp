// UTF-8 decoding and UTF-16 encoding, shared by the canonical JSON writer
// (which sorts member names by UTF-16 code units) and the PDF writer (which
// maps text to Windows-1252 and titles to UTF-16).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace comity {

// Decodes the UTF-8 sequence at `s[i]` (REQUIRES: i < s.size()). A valid one
// is returned and `i` moves past it; a malformed one — a stray or missing
// continuation byte, a truncated sequence, an overlong form, a surrogate or a
// value above U+10FFFF — gives nullopt and `i` moves one byte on.
inline std::optional<char32_t> next_code_point(std::string_view s, size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  const int extra = b0 >= 0xF0 ? 3 : b0 >= 0xE0 ? 2 : b0 >= 0xC0 ? 1 : -1;
  if (extra < 0 || b0 > 0xF4 || i + static_cast<size_t>(extra) >= s.size()) {
    ++i;
    return std::nullopt;
  }
  char32_t cp = b0 & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) {
    const auto b = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return std::nullopt;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return std::nullopt;
  }
  i += static_cast<size_t>(extra) + 1;
  return cp;
}

// Appends `cp` as one or two UTF-16 code units.
inline void append_utf16(std::u16string& out, char32_t cp) {
  if (cp < 0x10000) {
    out.push_back(static_cast<char16_t>(cp));
  } else {
    cp -= 0x10000;
    out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
    out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
  }
}

}  // namespace comity
