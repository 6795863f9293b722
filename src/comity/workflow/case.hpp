// Cases: one lawful pathway entry of a decision, moving through its
// workflow (rules/workflows.yaml) with its legal clocks. Pure: the caller
// supplies the time and persists the case; the store (a later layer) never
// decides, and this layer never touches storage.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "comity/rules/decision.hpp"
#include "comity/rules/pack.hpp"
#include "comity/util/error.hpp"
#include "comity/workflow/clock.hpp"

namespace comity {

// The roles a user holds, plus the roles that exist only inside a workflow:
// `system` fires clock expiries, and a central authority acts on a case as
// the requesting or the requested side (acting_role in the case service
// decides which from its State), so one side can never take the other's
// steps.
enum class PartyRole : uint8_t {
  Officer,
  Validator,
  CentralAuthority,
  Provider,
  EnforcingAuthority,
  Oversight,
  Admin,
  System,
  RequestingCentralAuthority,
  RequestedCentralAuthority
};
std::optional<PartyRole> parse_role(std::string_view name);  // "officer", "central_authority", …
std::string_view role_name(PartyRole r);

// A deadline the decision found applicable to this case, with its duration.
struct CaseDeadline {
  std::string id, label;
  int64_t seconds = 0;
  std::string extends;  // id of the deadline it prolongs, if any
};

struct CaseClock {
  std::string deadline_id, label;
  Instant started = 0, due = 0;
  std::optional<Instant> stopped;
  bool expiry_handled = false;  // tick() has acted on its expiry
  bool running() const { return !stopped.has_value(); }
};

enum class ClockStatus : uint8_t { Running, DueSoon, Overdue, Stopped };
std::string_view clock_status_name(ClockStatus s);

struct CaseEvent {
  std::string event;
  PartyRole actor = PartyRole::System;
  Instant at = 0;
  std::string from, to, reason;
  std::string ground;           // the coded ground the step cited (refusal, inability, objection), or ""
  std::string idempotency_key;  // the client's Idempotency-Key, if it sent one
};

// What the guards read of a case that is fixed when it opens (rules/pack.hpp,
// Guard): from the request and the decision entry the case rests on.
struct CaseFacts {
  bool emergency = false;        // the request declares an emergency (urgency.is_emergency)
  bool ex_post_allowed = false;  // the decision found issue without prior validation lawful (Reg. 2023/1543 Art 4(5))
  bool validator_named = false;  // the request names a validating authority: its validation is a step of the case
  bool notified = false;         // the enforcing State is notified (Reg. 2023/1543 Art 8)
};

struct Case {
  std::string pathway;   // e.g. P_EU_EPOC
  std::string workflow;  // e.g. direct_order
  std::string state;
  std::vector<CaseDeadline> deadlines;
  std::vector<CaseClock> clocks;
  std::vector<CaseEvent> history;
  bool data_marked_for_deletion = false;
  // Unknown (nullopt) until the case service sets them: every guarded step
  // is then refused, never allowed by default.
  std::optional<CaseFacts> facts;
};

// ErrorKind::Internal: misuse of the workflow layer (an unknown workflow, an unlawful entry).
struct WorkflowError : Error {
  explicit WorkflowError(const std::string& what) : Error(ErrorKind::Internal, what) {}
};

// Opens a case, in the workflow's initial state, for a lawful entry of `d`
// (available or available with conditions). Its facts are left unknown: the
// case service sets them from the request and entry it stores (case_facts).
// Throws WorkflowError if the entry is not lawful or its workflow is unknown.
Case open_case(const Decision& d, const PathwayResult& entry);

struct TransitionError {
  enum class Kind : uint8_t {
    UnknownEvent,
    NotAllowedInState,
    RoleNotPermitted,
    ReasonRequired,
    GroundInvalid,
    LimitReached,
    Closed,
    GuardUnmet  // the step exists here, but the law does not allow it for this case
  };
  Kind kind;
  std::string message;
  std::string guard = {};  // GuardUnmet: the guard as the pack writes it, e.g. "emergency"
};

// Applies `event` by `actor` at `now`. On success updates the case (state,
// clocks started and stopped, history) and returns nullopt; on error leaves
// the case untouched and says why. The transition's guards must hold for
// this case at `now` (GuardUnmet otherwise, naming the first that does not
// and the law it comes from). A step with a coded-ground list must cite
// one of its grounds valid for the case's pathway (GroundInvalid otherwise,
// listing them); any other step must cite none.
std::optional<TransitionError> apply_event(Case& c, const Pack& pack, std::string_view event, PartyRole actor,
                                           Instant now, std::string_view reason = {}, std::string_view ground = {});

// The grounds `event` may cite in the case's current state and pathway
// (empty if it cites none).
std::vector<const Ground*> grounds_for(const Case& c, const Pack& pack, std::string_view event);

// Acts on clocks that expired by `now`: fires the workflow's on_expiry event
// as "system" at the clock's due time. Returns the events fired, in order.
std::vector<std::string> tick(Case& c, const Pack& pack, Instant now);

// Running clocks are due soon when a quarter of their span (at least one
// hour) or less remains.
ClockStatus clock_status(const CaseClock& k, Instant now);

// The events `actor` may fire in the case's current state at `now`: its
// role is named, and every guard holds.
std::vector<std::string> allowed_events(const Case& c, const Pack& pack, PartyRole actor, Instant now);

// Whether `g` holds for `c` at `now` (false when the case's facts are unknown).
bool guard_holds(const Guard& g, const Case& c, Instant now);

}  // namespace comity
