// Who acts on the service layer, and the service layer's one error type,
// which the server maps to HTTP statuses and the CLI to exit codes.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

#include "comity/util/error.hpp"
#include "comity/workflow/case.hpp"

namespace comity {

struct Actor {
  std::string user_id;
  PartyRole role = PartyRole::Officer;
  std::string party_id;     // empty when acting outside a registered party (tests, system)
  std::string party_state;  // the party's State (ISO 3166-1 alpha-2); decides a central authority's side
};

// The service layer's error: a comity::Error (util/error.hpp) whose kind
// the server maps to an HTTP status and the CLI to an exit code. Untrusted:
// a signed order that does not verify (docs/trust.md); `reason` is the trust
// check's code (bad_signature, wrong_chain, revoked, …) and field_errors
// holds the member at fault. Unauthenticated: a login that failed (the same
// answer whether the user or the password was wrong). TooManyRequests: the
// user is locked out for `retry_after` more seconds.
struct ServiceError : Error {
  using Error::Error;
  std::optional<TransitionError> transition;  // a refused step: why, as the workflow said
};

// A step the workflow refused, as the error its kind calls for: a role that
// may not take it is Forbidden; a missing reason, an invalid ground or an
// unknown step is Invalid at $.reason / $.ground / $.event; a step the
// case's state or guards do not allow is Conflict (reason: the guard's id).
ServiceError step_refused(const TransitionError& t);

// An Idempotency-Key sent again with a different payload (Invalid at
// $header.Idempotency-Key, draft-ietf-httpapi-idempotency-key-header).
ServiceError key_reused(const std::string& what);

}  // namespace comity
