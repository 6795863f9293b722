// Case transitions (docs/workflow.md).
//
// A transition is allowed when the event exists, the case's state is one of
// its `from` states ("*" = any non-terminal state), the actor holds one of its
// roles, its guards hold for this case (the law's conditions beyond who acts:
// an emergency, a validator named or not, a notified State, a clock still
// running — read from the case's facts, its history and its clocks; unknown
// facts hold no guard), a reason is given where the law requires one, and
// its `max_times` is not used up. It then stops the clocks it names ("*" = all running),
// starts those of its deadlines that apply to this case — a deadline that
// `extends` another prolongs that clock's due time rather than counting from
// now — moves the state, and records the event. Nothing changes on error.
#include "comity/workflow/case.hpp"

#include <algorithm>

#include "comity/util/date.hpp"
#include "comity/util/text.hpp"

namespace comity {
namespace {

constexpr std::string_view kRoleNames[] = {"officer",
                                           "validator",
                                           "central_authority",
                                           "provider",
                                           "enforcing_authority",
                                           "oversight",
                                           "admin",
                                           "system",
                                           "requesting_central_authority",
                                           "requested_central_authority"};

bool has(const std::vector<std::string>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

const WorkflowDef& workflow_of(const Case& c, const Pack& pack) {
  const WorkflowDef* wf = pack.workflow(c.workflow);
  if (!wf) throw WorkflowError("unknown workflow \"" + c.workflow + "\"");
  return *wf;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

bool in_history(const Case& c, std::string_view event) {
  return std::any_of(c.history.begin(), c.history.end(), [&](const CaseEvent& e) { return e.event == event; });
}

// What a guard asks, in words, for the refusal message.
std::string guard_words(const Guard& g) {
  std::string what;
  switch (g.fact) {
    case Guard::Fact::Emergency: what = "an emergency declared by the request"; break;
    case Guard::Fact::ExPostAllowed:
      what = "a decision that allows issue without prior validation (the emergency exception)";
      break;
    case Guard::Fact::ValidatorNamed: what = "a validating authority named by the request"; break;
    case Guard::Fact::Notified: what = "a case notified to the enforcing State"; break;
    case Guard::Fact::Validated: what = "validation by the validating authority"; break;
    case Guard::Fact::ExPostPending:
      what = "an order issued without prior validation whose ex-post validation is still pending";
      break;
    case Guard::Fact::Acknowledged: what = "the addressee's acknowledgement"; break;
    case Guard::Fact::Within: what = "a running period " + join(g.deadlines); break;
  }
  return (g.negated ? "not " : "") + what;
}

const Guard* unmet_guard(const WorkflowTransition& t, const Case& c, Instant now) {
  for (const auto& g : t.when)
    if (!guard_holds(g, c, now)) return &g;
  return nullptr;
}

}  // namespace

bool guard_holds(const Guard& g, const Case& c, Instant now) {
  if (!c.facts) return false;  // fail closed: nothing is known, nothing is allowed
  bool holds = false;
  switch (g.fact) {
    case Guard::Fact::Emergency: holds = c.facts->emergency; break;
    case Guard::Fact::ExPostAllowed: holds = c.facts->ex_post_allowed; break;
    case Guard::Fact::ValidatorNamed: holds = c.facts->validator_named; break;
    case Guard::Fact::Notified: holds = c.facts->notified; break;
    case Guard::Fact::Validated: holds = in_history(c, "validate"); break;
    case Guard::Fact::ExPostPending:
      holds =
          in_history(c, "transmit_emergency") && !in_history(c, "validate_ex_post") && !in_history(c, "refuse_ex_post");
      break;
    case Guard::Fact::Acknowledged: holds = in_history(c, "acknowledge"); break;
    case Guard::Fact::Within:
      holds = std::any_of(c.clocks.begin(), c.clocks.end(), [&](const CaseClock& k) {
        return k.running() && now < k.due && has(g.deadlines, k.deadline_id);
      });
      break;
  }
  return holds != g.negated;
}

std::optional<PartyRole> parse_role(std::string_view name) {
  for (size_t i = 0; i < std::size(kRoleNames); ++i)
    if (kRoleNames[i] == name) return static_cast<PartyRole>(i);
  return std::nullopt;
}

std::string_view role_name(PartyRole r) {
  return kRoleNames[static_cast<size_t>(r)];
}

std::string_view clock_status_name(ClockStatus s) {
  switch (s) {
    case ClockStatus::Running: return "running";
    case ClockStatus::DueSoon: return "due_soon";
    case ClockStatus::Overdue: return "overdue";
    default: return "stopped";
  }
}

Case open_case(const Decision& d, const PathwayResult& entry) {
  if (entry.status != PathwayStatus::Available && entry.status != PathwayStatus::AvailableWithConditions)
    throw WorkflowError(entry.def->id + " is " + std::string(status_name(entry.status)) + ": no case can be opened");
  Case c;
  c.pathway = entry.def->id;
  c.workflow = entry.role == Role::PreservationCompanion ? std::string(kPreservationWorkflow) : entry.def->workflow;
  const WorkflowDef& wf = workflow_of(c, *d.pack);
  c.state = wf.initial;
  for (const Deadline* dl : deadlines_for(d, entry)) {
    auto secs = parse_duration_seconds(dl->duration);
    if (!secs) throw WorkflowError("deadline " + dl->id + " has an unreadable duration " + dl->duration);
    c.deadlines.push_back({dl->id, dl->label, *secs, dl->extends});
  }
  return c;
}

std::optional<TransitionError> apply_event(Case& c, const Pack& pack, std::string_view event, PartyRole actor,
                                           Instant now, std::string_view reason, std::string_view ground) {
  using K = TransitionError::Kind;
  const WorkflowDef& wf = workflow_of(c, pack);
  if (wf.is_terminal(c.state))
    return TransitionError{K::Closed, "the case is " + c.state + "; no further steps are possible"};
  const WorkflowTransition* t = nullptr;
  bool known = false;
  for (const auto& cand : wf.transitions) {
    if (cand.event != event) continue;
    known = true;
    if (has(cand.from, c.state) || has(cand.from, "*")) t = &cand;
  }
  if (!known) return TransitionError{K::UnknownEvent, "no step \"" + std::string(event) + "\" in workflow " + wf.id};
  if (!t) {
    auto allowed = allowed_events(c, pack, actor, now);
    return TransitionError{K::NotAllowedInState, "\"" + std::string(event) + "\" is not possible in state " + c.state +
                                                     (allowed.empty() ? "" : "; possible now: " + join(allowed))};
  }
  if (!has(t->roles, role_name(actor)))
    return TransitionError{K::RoleNotPermitted, "\"" + std::string(event) + "\" is for " + join(t->roles) + ", not " +
                                                    std::string(role_name(actor))};
  if (const Guard* g = unmet_guard(*t, c, now))
    return TransitionError{K::GuardUnmet,
                           "\"" + std::string(event) + "\" needs " + guard_words(*g) +
                               (c.facts ? "" : " (the case's facts are unknown)") +
                               ", which this case does not have (" + t->law + ")",
                           g->text};
  if (t->requires_reason && is_blank(reason))
    return TransitionError{K::ReasonRequired, "\"" + std::string(event) + "\" requires a reason"};
  if (t->grounds.empty() && !ground.empty())
    return TransitionError{K::GroundInvalid, "\"" + std::string(event) + "\" cites no coded ground"};
  if (!t->grounds.empty()) {
    std::vector<std::string> codes;
    bool valid = false;
    if (const auto* list = pack.ground_list(t->grounds))
      for (const auto& g : *list)
        if (g.pathways.empty() || has(g.pathways, c.pathway)) {
          codes.push_back(g.code);
          valid = valid || g.code == ground;
        }
    if (!valid)
      return TransitionError{K::GroundInvalid,
                             codes.empty() ? "\"" + std::string(event) + "\" has no ground in law for " + c.pathway
                                           : "\"" + std::string(event) + "\" must cite one of its grounds for " +
                                                 c.pathway + ": " + join(codes)};
  }
  if (t->max_times > 0) {
    int done = static_cast<int>(
        std::count_if(c.history.begin(), c.history.end(), [&](const CaseEvent& e) { return e.event == event; }));
    if (done >= t->max_times)
      return TransitionError{K::LimitReached, "\"" + std::string(event) + "\" may happen only " +
                                                  std::to_string(t->max_times) + " time(s)"};
  }

  for (auto& k : c.clocks)
    if (k.running() && (has(t->stops, "*") || has(t->stops, k.deadline_id))) k.stopped = now;
  for (const auto& id : t->starts) {
    auto dl = std::find_if(c.deadlines.begin(), c.deadlines.end(), [&](const CaseDeadline& x) { return x.id == id; });
    if (dl == c.deadlines.end()) continue;  // not applicable to this case
    bool running = std::any_of(c.clocks.begin(), c.clocks.end(),
                               [&](const CaseClock& k) { return k.deadline_id == id && k.running(); });
    if (running) continue;
    Instant due = now + dl->seconds;
    if (!dl->extends.empty()) {
      for (auto& k : c.clocks)
        if (k.deadline_id == dl->extends && k.running()) {
          due = k.due + dl->seconds;
          k.stopped = now;
        }
    }
    c.clocks.push_back({dl->id, dl->label, now, due, std::nullopt, false});
  }
  std::string from = c.state;
  if (t->to != "stay") c.state = t->to;
  if (t->delete_data) c.data_marked_for_deletion = true;
  c.history.push_back({std::string(event), actor, now, from, c.state, std::string(reason), std::string(ground), {}});
  return std::nullopt;
}

std::vector<std::string> tick(Case& c, const Pack& pack, Instant now) {
  const WorkflowDef& wf = workflow_of(c, pack);
  std::vector<std::string> fired;
  for (bool changed = true; changed;) {
    changed = false;
    // Earliest expiry first, so events happen in the order the law would see them.
    CaseClock* next = nullptr;
    for (auto& k : c.clocks)
      if (k.running() && !k.expiry_handled && k.due <= now && (!next || k.due < next->due)) next = &k;
    if (!next) break;
    next->expiry_handled = true;
    changed = true;
    for (const auto& [deadline, event] : wf.on_expiry) {
      if (deadline != next->deadline_id) continue;
      Instant at = next->due;
      if (!apply_event(c, pack, event, PartyRole::System, at, "deadline " + deadline + " expired"))
        fired.push_back(event);
    }
  }
  return fired;
}

ClockStatus clock_status(const CaseClock& k, Instant now) {
  if (!k.running()) return ClockStatus::Stopped;
  if (now >= k.due) return ClockStatus::Overdue;
  int64_t span = k.due - k.started;
  int64_t soon = std::max<int64_t>(3600, span / 4);
  return k.due - now <= soon ? ClockStatus::DueSoon : ClockStatus::Running;
}

std::vector<const Ground*> grounds_for(const Case& c, const Pack& pack, std::string_view event) {
  std::vector<const Ground*> out;
  const WorkflowDef* wf = pack.workflow(c.workflow);
  if (!wf) return out;
  for (const auto& t : wf->transitions) {
    if (t.event != event || t.grounds.empty() || !(has(t.from, c.state) || has(t.from, "*"))) continue;
    if (const auto* list = pack.ground_list(t.grounds))
      for (const auto& g : *list)
        if (g.pathways.empty() || has(g.pathways, c.pathway)) out.push_back(&g);
    break;
  }
  return out;
}

std::vector<std::string> allowed_events(const Case& c, const Pack& pack, PartyRole actor, Instant now) {
  const WorkflowDef& wf = workflow_of(c, pack);
  std::vector<std::string> out;
  if (wf.is_terminal(c.state)) return out;
  for (const auto& t : wf.transitions) {
    if (!(has(t.from, c.state) || has(t.from, "*")) || !has(t.roles, role_name(actor)) || unmet_guard(t, c, now))
      continue;
    if (t.max_times > 0 && std::count_if(c.history.begin(), c.history.end(),
                                         [&](const CaseEvent& e) { return e.event == t.event; }) >= t.max_times)
      continue;
    if (!has(out, t.event)) out.push_back(t.event);
  }
  return out;
}

}  // namespace comity
