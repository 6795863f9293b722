// Rule-pack lint: the checks `comity rules check` runs before a pack is used.
#include <algorithm>

#include "comity/rules/kinds.hpp"
#include "comity/rules/pack.hpp"

namespace comity {

std::vector<LintIssue> lint_pack(const Pack& pack) {
  std::vector<LintIssue> out = pack.load_issues;
  for (const auto& p : pack.predicates) {
    if (p.citation.empty()) out.push_back({p.file, p.id, "predicate has no citation"});
    if (!p.tag_set) out.push_back({p.file, p.id, "predicate has no verification tag (V, P or U)"});
    for (size_t i = 0; i < p.kind->variants.size(); ++i)
      if (p.reason_sources[i].empty())
        out.push_back({p.file, p.id, "no reason text for variant \"" + std::string(p.kind->variants[i].name) +
                                         "\" (give it, or the outcome \"" +
                                         std::string(outcome_name(p.kind->variants[i].outcome)) + "\")"});
    if (p.kind->variants.size() > 1) {
      bool hint_needed = std::any_of(p.kind->variants.begin(), p.kind->variants.end(),
                                     [](const KindVariant& v) { return v.outcome == Outcome::Fail; });
      if (hint_needed && p.hint.empty())
        out.push_back({p.file, p.id, "predicate can fail but has no hint (what would make it pass)"});
    }
  }
  // Versions of one predicate id must not overlap in time.
  for (const auto& group : pack.groups) {
    for (size_t i = 0; i < group.size(); ++i)
      for (size_t j = i + 1; j < group.size(); ++j) {
        const auto& a = pack.predicates[static_cast<size_t>(group[i])];
        const auto& b = pack.predicates[static_cast<size_t>(group[j])];
        if (a.from <= b.to && b.from <= a.to)
          out.push_back({b.file, b.id, "effective dates overlap another version of " + a.id + " (" + a.file + ")"});
      }
  }
  std::vector<std::string> seen;
  for (const auto& pw : pack.pathways) {
    if (std::find(seen.begin(), seen.end(), pw.id) != seen.end())
      out.push_back({pw.file, pw.id, "pathway id defined twice"});
    seen.push_back(pw.id);
    if (pw.applicability.empty()) out.push_back({pw.file, pw.id, "pathway has no applicability predicate"});
  }
  for (const auto& c : pack.iccs) {
    bool digits = std::all_of(c.code.begin(), c.code.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    size_t n = c.code.size();
    if (!digits || !(n == 2 || n == 4 || n == 5 || n == 6))
      out.push_back({"iccs", c.code, "not an ICCS code (2, 4, 5 or 6 digits)"});
  }
  for (const auto& a : pack.agreements)
    if (pack.state(a.a) == nullptr || pack.state(a.b) == nullptr)
      out.push_back({"agreements", a.id, "a party is not in the state registry"});
  for (const auto& m : pack.mla_instruments)
    for (auto s : m.parties)
      if (!pack.state(s)) out.push_back({"mla_instruments", m.id, "party " + s.str() + " is not in the state registry"});
  if (pack.gate.empty()) out.push_back({"pack", "gate", "no human-rights gate predicates"});
  return out;
}

}  // namespace comity
