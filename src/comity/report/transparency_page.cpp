#include "comity/report/transparency_page.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace comity {

namespace {

using Json = nlohmann::ordered_json;

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// One bar chart (inline SVG, hidden from assistive technology) and the same
// figures as a table, under a heading.
std::string chart(const std::string& id, const std::string& title, const Json& counts, const std::string& key_label,
                  const std::string& unit) {
  std::vector<std::pair<std::string, double>> rows;
  if (counts.is_object())
    for (auto it = counts.begin(); it != counts.end(); ++it)
      if (it.value().is_number()) rows.emplace_back(it.key(), it.value().get<double>());
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.second > b.second || (a.second == b.second && a.first < b.first);
  });
  std::string out = "<section aria-labelledby=\"" + id + "\"><h2 id=\"" + id + "\">" + html_escape(title) + "</h2>\n";
  if (rows.empty()) return out + "<p>No cases yet.</p></section>\n";
  double top = std::max(1.0, rows.front().second);
  const int bar_h = 22, label_w = 220, chart_w = 640;
  out += "<svg class=\"chart\" role=\"img\" aria-hidden=\"true\" focusable=\"false\" viewBox=\"0 0 " +
         std::to_string(chart_w) + " " + std::to_string(static_cast<int>(rows.size()) * bar_h + 4) + "\">";
  for (size_t i = 0; i < rows.size(); ++i) {
    double w = (chart_w - label_w - 60) * rows[i].second / top;
    int y = static_cast<int>(i) * bar_h + 2;
    out += "<text x=\"" + std::to_string(label_w - 6) + "\" y=\"" + std::to_string(y + 15) + "\" text-anchor=\"end\">" +
           html_escape(rows[i].first) + "</text>";
    out += "<rect x=\"" + std::to_string(label_w) + "\" y=\"" + std::to_string(y + 3) + "\" width=\"" + num(w) +
           "\" height=\"" + std::to_string(bar_h - 6) + "\"></rect>";
    out += "<text x=\"" + num(label_w + w + 6) + "\" y=\"" + std::to_string(y + 15) + "\">" + num(rows[i].second) +
           "</text>";
  }
  out += "</svg>\n<table><caption>" + html_escape(title) + "</caption><thead><tr><th scope=\"col\">" +
         html_escape(key_label) + "</th><th scope=\"col\">" + html_escape(unit) + "</th></tr></thead><tbody>";
  for (const auto& [k, v] : rows)
    out += "<tr><th scope=\"row\">" + html_escape(k) + "</th><td>" +
           (v == static_cast<double>(static_cast<int64_t>(v)) ? std::to_string(static_cast<int64_t>(v)) : num(v)) +
           "</td></tr>";
  return out + "</tbody></table></section>\n";
}

const char* kStyle =
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:1rem;color:#1b1b1b;"
    "background:#fff;line-height:1.5}h1,h2{line-height:1.2}table{border-collapse:collapse;margin:.5rem 0 1.5rem}"
    "th,td{border:1px solid #767676;padding:.25rem .6rem;text-align:left}td{text-align:right}"
    "caption{text-align:left;font-weight:600}.chart{width:100%;max-width:40rem;height:auto}"
    ".chart rect{fill:#1f4e99}.chart text{font-size:13px;fill:#1b1b1b}pre{white-space:pre-wrap;"
    "word-break:break-all;background:#f3f3f3;padding:.75rem;border:1px solid #767676}"
    "a{color:#1f4e99}a:focus,a:hover{outline:3px solid #b35900;outline-offset:2px}";

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string transparency_page(const Json& stats, const std::string& origin, const std::string& verifier_key) {
  auto n = [&](const char* k) { return stats.contains(k) ? stats[k].dump() : std::string("0"); };
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>Comity transparency report</title><style>" +
      std::string(kStyle) +
      "</style></head><body>\n<header><h1>Comity transparency report</h1>"
      "<p>Cross-border electronic-evidence requests handled by this exchange, counted from its public "
      "transparency log. Every figure can be recomputed from the log's leaves; no figure names a person or a "
      "case.</p></header>\n<main>\n<section aria-labelledby=\"totals\"><h2 id=\"totals\">Totals</h2><table>"
      "<caption>Totals</caption><tbody><tr><th scope=\"row\">Cases opened</th><td>" +
      n("cases_opened") + "</td></tr><tr><th scope=\"row\">Log entries</th><td>" + n("leaves") + "</td></tr>";
  if (stats.contains("time_to_data") && stats["time_to_data"].contains("all")) {
    const Json& all = stats["time_to_data"]["all"];
    for (const char* k : {"count", "p50", "p90"})
      if (all.contains(k) && !all[k].is_null())
        out += std::string("<tr><th scope=\"row\">Time to data, ") +
               (std::string(k) == "count" ? "cases with data" : std::string(k) + " (days)") + "</th><td>" +
               all[k].dump() + "</td></tr>";
  }
  out += "</tbody></table></section>\n";
  out +=
      chart("pathway", "Cases opened by legal pathway", stats.value("by_pathway", Json::object()), "Pathway", "Cases");
  out += chart("corridor", "Cases opened by corridor (requesting State - State addressed)",
               stats.value("by_corridor", Json::object()), "Corridor", "Cases");
  out += chart("category", "Data categories requested", stats.value("by_data_category", Json::object()),
               "Data category", "Cases");
  out += chart("emergency", "Emergency requests", stats.value("by_emergency", Json::object()), "Emergency", "Cases");
  out += chart("outcome", "Outcomes (each case's latest state)", stats.value("by_outcome", Json::object()), "Outcome",
               "Cases");
  out += chart("grounds", "Refusals, objections and inability by coded ground", stats.value("grounds", Json::object()),
               "Step and ground", "Events");
  out +=
      "<section aria-labelledby=\"verify\"><h2 id=\"verify\">Check these figures</h2>"
      "<p>The figures count the leaves of the checkpoint below, signed by the log <code>" +
      html_escape(origin) + "</code> (tree size " + n("tree_size") + ", root <code>" +
      html_escape(stats.value("root", "")) + "</code>). Its verifier key:</p><pre>" + html_escape(verifier_key) +
      "</pre><p>The signed checkpoint:</p><pre>" + html_escape(stats.value("checkpoint", "")) +
      "</pre><p>To check the log and these figures yourself: <code>comity log verify --url URL --key "
      "VERIFIER_KEY</code>; the figures as data: <a href=\"/api/v1/log/statistics\">JSON</a>, "
      "<a href=\"/api/v1/log/statistics?format=csv\">CSV</a>.</p></section>\n</main>\n</body></html>\n";
  return out;
}

}  // namespace comity
