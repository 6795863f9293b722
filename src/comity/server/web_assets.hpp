// The web app's files (web/), compiled into the server by
// cmake/embed_assets.cmake: served at / and /app/<path>, and read by the
// server itself (web/labels.json: the EN/FR/DE labels of coded values that
// the formal documents use).
#pragma once

#include <string_view>
#include <vector>

namespace comity {

struct WebAsset {
  std::string_view path;        // relative to web/, e.g. "app.js"
  std::string_view media_type;  // Content-Type
  std::string_view sha256;      // hex digest of the bytes: the ETag
  std::string_view bytes;
};

// Every embedded file, in web/'s order; the bytes live for the program's life.
const std::vector<WebAsset>& web_assets();

// The asset at `path`, or null.
inline const WebAsset* find_web_asset(std::string_view path) {
  for (const auto& a : web_assets())
    if (a.path == path) return &a;
  return nullptr;
}

}  // namespace comity
