// Rule-pack lint: the checks `comity rules check` runs before a pack is used.
#include <algorithm>

#include "comity/rules/facts.hpp"
#include "comity/rules/kinds.hpp"
#include "comity/rules/pack.hpp"

namespace comity {

namespace {

bool contains(const std::vector<std::string>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// The guards a kind of step needs, whatever pack it is in (docs/workflow.md,
// "Guards"). A kind is an event name, or a role (every step of that role),
// or an event that a workflow's clock makes suspensive. Each required guard
// is matched by its fact and sign; for `within`, by the deadlines it must
// include among those the workflow starts.
struct RequiredGuard {
  std::string_view event;  // "" = any event
  std::string_view role;   // "" = any role
  Guard::Fact fact;
  bool negated;
  std::vector<std::string_view> deadlines;  // Within: each one the workflow starts must be listed
  std::string_view law;
};

const std::vector<RequiredGuard>& required_guards() {
  using F = Guard::Fact;
  static const std::vector<RequiredGuard> kRequired = {
      // Emergency issue without prior validation, and its ex-post validation.
      {"transmit_emergency", "", F::Emergency, false, {}, "Reg. (EU) 2023/1543 Art 4(5)"},
      {"transmit_emergency", "", F::ExPostAllowed, false, {}, "Reg. (EU) 2023/1543 Art 4(5)"},
      {"validate_ex_post", "", F::ExPostPending, false, {}, "Reg. (EU) 2023/1543 Art 4(5)"},
      {"refuse_ex_post", "", F::ExPostPending, false, {}, "Reg. (EU) 2023/1543 Art 4(5)"},
      {"ex_post_validation_expired", "", F::ExPostPending, false, {}, "Reg. (EU) 2023/1543 Art 4(5)"},
      // A named validator is never skipped; one not named is not asked.
      {"mark_ready", "", F::ValidatorNamed, true, {}, "Reg. (EU) 2023/1543 Art 4(1)-(3)"},
      {"send_to_central_authority", "", F::ValidatorNamed, true, {}, "Directive 2014/41 Art 2(c)(ii)"},
      {"request_validation", "", F::ValidatorNamed, false, {}, "Reg. (EU) 2023/1543 Art 4"},
      // The enforcing authority acts only on a case notified to it, and refuses within its window.
      {"", "enforcing_authority", F::Notified, false, {}, "Reg. (EU) 2023/1543 Art 8"},
      {"refuse", "enforcing_authority", F::Within, false, {"EU.DL.5", "EU.DL.6"}, "Reg. (EU) 2023/1543 Art 12(1)"},
      // Notification suspends the addressee's transmission for 10 days outside an emergency.
      {"produce", "provider", F::Within, true, {"EU.DL.5"}, "Reg. (EU) 2023/1543 Arts 8(4), 10(2)"},
  };
  return kRequired;
}

void lint_guards(const WorkflowDef& wf, std::vector<LintIssue>& out) {
  std::vector<std::string> started;
  for (const auto& t : wf.transitions) started.insert(started.end(), t.starts.begin(), t.starts.end());
  for (const auto& t : wf.transitions)
    for (const auto& req : required_guards()) {
      if (!req.event.empty() && t.event != req.event) continue;
      if (!req.role.empty() && !contains(t.roles, req.role)) continue;
      std::vector<std::string> need;  // the deadlines a Within guard must list, of those this workflow runs
      for (auto d : req.deadlines)
        if (contains(started, d)) need.emplace_back(d);
      if (req.fact == Guard::Fact::Within && need.empty()) continue;  // no such clock in this workflow
      bool found = std::any_of(t.when.begin(), t.when.end(), [&](const Guard& g) {
        if (g.fact != req.fact || g.negated != req.negated) return false;
        return std::all_of(need.begin(), need.end(), [&](const std::string& d) { return contains(g.deadlines, d); });
      });
      if (!found) {
        std::string guard = std::string(req.negated ? "not " : "") + (req.fact == Guard::Fact::Within ? "within" : "");
        for (const auto& d : need) guard += " " + d;
        static const char* kNames[] = {"emergency", "ex_post_allowed", "validator_named", "notified",
                                       "validated", "ex_post_pending", "acknowledged",    ""};
        guard += kNames[static_cast<size_t>(req.fact)];
        out.push_back({wf.file, wf.id + "." + t.event,
                       "this step needs the guard \"" + guard + "\" (" + std::string(req.law) + ")"});
      }
    }
}

// Workflows: every pathway names one; states, roles and deadline ids referred
// to by transitions exist; expiry events exist and may be fired by "system";
// every step carries the guards its kind needs.
void lint_workflows(const Pack& pack, std::vector<LintIssue>& out) {
  // A central authority acts as one side or the other; a bare
  // "central_authority" would let either side take the step.
  static const std::vector<std::string> kRoles = {"officer",
                                                  "validator",
                                                  "requesting_central_authority",
                                                  "requested_central_authority",
                                                  "provider",
                                                  "enforcing_authority",
                                                  "oversight",
                                                  "admin",
                                                  "system"};
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
      if (t.to != "stay" && !contains(wf.states, t.to))
        out.push_back({wf.file, where(t), "unknown state \"" + t.to + "\""});
      if (t.roles.empty()) out.push_back({wf.file, where(t), "transition names no role"});
      for (const auto& r : t.roles)
        if (!contains(kRoles, r)) out.push_back({wf.file, where(t), "unknown role \"" + r + "\""});
      for (const auto& id : t.starts)
        if (!contains(deadline_ids, id)) out.push_back({wf.file, where(t), "starts unknown deadline " + id});
      for (const auto& id : t.stops)
        if (id != "*" && !contains(deadline_ids, id))
          out.push_back({wf.file, where(t), "stops unknown deadline " + id});
      for (const auto& g : t.when)
        for (const auto& id : g.deadlines)
          if (!contains(deadline_ids, id)) out.push_back({wf.file, where(t), "guard names unknown deadline " + id});
    }
    lint_guards(wf, out);
    for (const auto& [deadline, event] : wf.on_expiry) {
      if (!contains(deadline_ids, deadline)) out.push_back({wf.file, wf.id, "on_expiry: unknown deadline " + deadline});
      bool fired = false;
      for (const auto& t : wf.transitions) fired = fired || (t.event == event && contains(t.roles, "system"));
      if (!fired) out.push_back({wf.file, wf.id, "on_expiry: no transition " + event + " that system may fire"});
    }
  }
}

// Every fact a family's law names is read by one of the family's predicates
// (the gate's included: it runs before every pathway), or says why not.
void lint_law_names(const Pack& pack, std::vector<LintIssue>& out) {
  auto reads = [&](const std::string& id, const std::string& field) {
    auto it = pack.group_of.find(id);
    if (it == pack.group_of.end()) return false;
    for (int i : pack.groups[static_cast<size_t>(it->second)])
      if (reads_declare(pack.predicates[static_cast<size_t>(i)].reads, field)) return true;
    return false;
  };
  for (const auto& n : pack.law_names) {
    if (!n.not_read.empty()) continue;
    bool family_exists = false, read = false;
    for (const auto& id : pack.gate) read = read || reads(id, n.field);
    for (const auto& pw : pack.pathways) {
      if (pw.family != n.family) continue;
      family_exists = true;
      for (const auto* list : {&pw.applicability, &pw.checks})
        for (const auto& id : *list) read = read || reads(id, n.field);
    }
    if (!family_exists)
      out.push_back({n.file, "law_names." + n.family_name, "no pathway of this family is in the pack"});
    else if (!read)
      out.push_back({n.file, "law_names." + n.family_name + "." + n.field,
                     "the family's law names this fact (" + n.law +
                         ") but none of its predicates reads it: read it, or say why not (not_read)"});
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
        out.push_back({p.file, p.id,
                       "no reason text for variant \"" + std::string(p.kind->variants[i].name) +
                           "\" (give it, or the outcome \"" + std::string(outcome_name(p.kind->variants[i].outcome)) +
                           "\")"});
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
    if (pack.state(a.a) == nullptr || (!a.other_side_eu && pack.state(a.b) == nullptr))
      out.push_back({"agreements", a.id, "a party is not in the state registry"});
  for (const auto& m : pack.mla_instruments)
    for (auto s : m.parties)
      if (!pack.state(s))
        out.push_back({"mla_instruments", m.id, "party " + s.str() + " is not in the state registry"});
  if (pack.gate.empty()) out.push_back({"pack", "gate", "no human-rights gate predicates"});
  lint_law_names(pack, out);
  lint_workflows(pack, out);
  return out;
}

}  // namespace comity
