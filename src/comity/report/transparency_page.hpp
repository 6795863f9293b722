// The public transparency page (issue 4, item 6; docs/transparency-log.md):
// the log's statistics as a self-contained HTML page — bar charts in inline
// SVG, each with the same figures as a table (screen readers and print get
// the numbers, not a picture), the checkpoint the figures are bound to, and
// how to check them. No script, no external resource: it renders under a
// Content-Security-Policy of default-src 'none' (styles inline).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace comity {

// Escapes text for HTML element content and double-quoted attributes.
std::string html_escape(std::string_view text);

// The page for `stats` (log_statistics, with "checkpoint": the signed note)
// from the log named `origin`, whose verifier key is `verifier_key`.
std::string transparency_page(const nlohmann::ordered_json& stats, const std::string& origin,
                              const std::string& verifier_key);

}  // namespace comity
