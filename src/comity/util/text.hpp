// Small text predicates shared by the layers.
#pragma once

#include <string_view>

namespace comity {

// True when `s` is empty or only spaces, tabs and line breaks: a statement
// the law requires counts as absent.
inline bool is_blank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
  return true;
}

}  // namespace comity
