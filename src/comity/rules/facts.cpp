#include "comity/rules/facts.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "comity/util/error.hpp"

namespace comity {
namespace {

// Every version of the predicate `id` that reads `field` counts once.
const PredicateDef* reader(const Pack& pack, const std::string& id, std::string_view field) {
  auto it = pack.group_of.find(id);
  if (it == pack.group_of.end()) return nullptr;
  for (int i : pack.groups[static_cast<size_t>(it->second)]) {
    const PredicateDef& p = pack.predicates[static_cast<size_t>(i)];
    if (reads_declare(p.reads, field)) return &p;
  }
  return nullptr;
}

void add_use(const Pack& pack, std::string where, const std::vector<std::string>& ids, std::string_view field,
             std::vector<FactUse>& out) {
  FactUse use{std::move(where), {}};
  for (const auto& id : ids)
    if (const PredicateDef* p = reader(pack, id, field)) use.readers.push_back(p);
  if (!use.readers.empty()) out.push_back(std::move(use));
}

}  // namespace

std::vector<std::string_view> fact_path_segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    std::string_view seg = path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (seg.size() >= 2 && seg.substr(seg.size() - 2) == "[]") seg.remove_suffix(2);
    out.push_back(seg);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

bool fact_paths_overlap(std::string_view a, std::string_view b) {
  auto x = fact_path_segments(a), y = fact_path_segments(b);
  size_t n = std::min(x.size(), y.size());
  return std::equal(x.begin(), x.begin() + static_cast<ptrdiff_t>(n), y.begin());
}

bool reads_declare(const std::vector<std::string>& reads, std::string_view field) {
  return std::any_of(reads.begin(), reads.end(), [&](const std::string& r) { return fact_paths_overlap(r, field); });
}

std::vector<FactRow> fact_table(const Pack& pack, const std::vector<std::string>& fields) {
  // Each pathway's predicates in the order it runs them: applicability, then checks.
  std::vector<std::vector<std::string>> runs;
  for (const auto& pw : pack.pathways) {
    runs.push_back(pw.applicability);
    runs.back().insert(runs.back().end(), pw.checks.begin(), pw.checks.end());
  }
  std::vector<FactRow> rows;
  rows.reserve(fields.size());
  for (const auto& f : fields) {
    FactRow row{f, {}, {}};
    add_use(pack, "gate", pack.gate, f, row.uses);
    for (size_t i = 0; i < pack.pathways.size(); ++i) add_use(pack, pack.pathways[i].id, runs[i], f, row.uses);
    add_use(pack, "advisory", pack.advisory, f, row.uses);
    for (const auto& n : pack.law_names)
      if (fact_paths_overlap(n.field, f)) row.law.push_back(&n);
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<std::string> schema_fields(std::string_view schema_json) {
  auto s = nlohmann::json::parse(schema_json, nullptr, false);
  if (!s.is_object() || !s.contains("properties") || !s["properties"].is_object())
    throw Error(ErrorKind::Invalid, "not a JSON Schema with properties", {{"$.properties", "an object"}});
  std::vector<std::string> out;
  for (const auto& [k, v] : s["properties"].items()) {
    if (!v.is_object()) {
      out.push_back(k);
      continue;
    }
    const nlohmann::json* members = nullptr;
    std::string prefix = k + ".";
    if (v.contains("properties") && v["properties"].is_object()) {
      members = &v["properties"];
    } else if (v.contains("items") && v["items"].is_object() && v["items"].contains("properties") &&
               v["items"]["properties"].is_object()) {
      members = &v["items"]["properties"];
      prefix = k + "[].";
    }
    if (!members || members->empty()) {
      out.push_back(k);
      continue;
    }
    for (const auto& [m, _] : members->items()) out.push_back(prefix + m);
  }
  return out;
}

std::string fact_table_markdown(const std::vector<FactRow>& rows) {
  std::string out =
      "| field | read by (pathway: predicates) | the law that names it (family: article) |\n|---|---|---|\n";
  for (const auto& r : rows) {
    out += "| `" + r.field + "` | ";
    if (r.uses.empty()) out += "no predicate";
    for (size_t i = 0; i < r.uses.size(); ++i) {
      out += (i ? "; " : "") + r.uses[i].where + ":";
      for (const auto* p : r.uses[i].readers) out += " " + p->id;
    }
    out += " | ";
    for (size_t i = 0; i < r.law.size(); ++i) {
      const LawName& n = *r.law[i];
      out += (i ? "; " : "") + n.family_name + ": " + n.law;
      if (!n.not_read.empty()) out += " — not read: " + n.not_read;
    }
    out += " |\n";
  }
  return out;
}

}  // namespace comity
