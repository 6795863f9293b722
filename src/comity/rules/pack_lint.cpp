// Rule-pack lint: the checks `comity rules check` runs before a pack is used.
#include <algorithm>

#include "comity/rules/kinds.hpp"
#include "comity/rules/pack.hpp"

namespace comity {

namespace {

bool contains(const std::vector<std::string>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// Workflows: every pathway names one; states, roles and deadline ids referred
// to by transitions exist; expiry events exist and may be fired by "system".
void lint_workflows(const Pack& pack, std::vector<LintIssue>& out) {
  // A central authority acts as one side or the other; a bare
  // "central_authority" would let either side take the step.
  static const std::vector<std::string> kRoles = {"officer", "validator", "requesting_central_authority",
                                                  "requested_central_authority", "provider", "enforcing_authority",
                                                  "oversight", "admin", "system"};
  for (const auto& [id, list] : pack.grounds)
    for (const auto& g : list)
      for (const auto& p : g.pathways)
        if (std::none_of(pack.pathways.begin(), pack.pathways.end(), [&](const PathwayDef& d) { return d.id == p; }))
          out.push_back({"workflows.yaml", "grounds." + id + "." + g.code, "unknown pathway \"" + p + "\""});
  for (const auto& pw : pack.pathways)
    if (!pack.workflow(pw.workflow))
      out.push_back({pw.file, pw.id, "pathway has no known workflow (\"" + pw.workflow + "\")"});
  for (const auto& wf : pack.workflows) {
    std::vector<std::string> deadline_ids;
    for (const auto& pw : pack.pathways)
      if (pw.workflow == wf.id || (pw.preservation_companion && wf.id == kPreservationWorkflow))
        for (const auto& d : pw.deadlines) deadline_ids.push_back(d.id);
    auto where = [&](const WorkflowTransition& t) { return wf.id + "." + t.event; };
    if (!contains(wf.states, wf.initial)) out.push_back({wf.file, wf.id, "initial state is not a state"});
    for (const auto& t : wf.terminal)
      if (!contains(wf.states, t)) out.push_back({wf.file, wf.id, "terminal \"" + t + "\" is not a state"});
    for (const auto& t : wf.transitions) {
      if (!t.grounds.empty()) {
        if (!pack.ground_list(t.grounds))
          out.push_back({wf.file, where(t), "unknown ground list \"" + t.grounds + "\""});
        if (!t.requires_reason)
          out.push_back({wf.file, where(t), "a step citing coded grounds must also require a reason"});
      }
      for (const auto& f : t.from)
        if (f != "*" && !contains(wf.states, f)) out.push_back({wf.file, where(t), "unknown state \"" + f + "\""});
      if (t.from.empty()) out.push_back({wf.file, where(t), "transition has no from state"});
      if (t.to != "stay" && !contains(wf.states, t.to)) out.push_back({wf.file, where(t), "unknown state \"" + t.to + "\""});
      if (t.roles.empty()) out.push_back({wf.file, where(t), "transition names no role"});
      for (const auto& r : t.roles)
        if (!contains(kRoles, r)) out.push_back({wf.file, where(t), "unknown role \"" + r + "\""});
      for (const auto& id : t.starts)
        if (!contains(deadline_ids, id)) out.push_back({wf.file, where(t), "starts unknown deadline " + id});
      for (const auto& id : t.stops)
        if (id != "*" && !contains(deadline_ids, id)) out.push_back({wf.file, where(t), "stops unknown deadline " + id});
    }
    for (const auto& [deadline, event] : wf.on_expiry) {
      if (!contains(deadline_ids, deadline)) out.push_back({wf.file, wf.id, "on_expiry: unknown deadline " + deadline});
      bool fired = false;
      for (const auto& t : wf.transitions) fired = fired || (t.event == event && contains(t.roles, "system"));
      if (!fired) out.push_back({wf.file, wf.id, "on_expiry: no transition " + event + " that system may fire"});
    }
  }
}

}  // namespace

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
  lint_workflows(pack, out);
  return out;
}

}  // namespace comity
