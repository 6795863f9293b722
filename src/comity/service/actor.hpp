// Who acts on the service layer, and the service layer's one error type,
// which the server maps to HTTP statuses and the CLI to exit codes.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

#include "comity/model/errors.hpp"
#include "comity/workflow/case.hpp"

namespace comity {

struct Actor {
  std::string user_id;
  PartyRole role = PartyRole::Officer;
  std::string party_id;     // empty when acting outside a registered party (tests, system)
  std::string party_state;  // the party's State (ISO 3166-1 alpha-2); decides a central authority's side
};

struct ServiceError : std::runtime_error {
  // Untrusted: a signed order that does not verify (docs/trust.md); `reason`
  // is the trust error code (bad_signature, wrong_chain, revoked, replayed, …)
  // and field_errors holds the member at fault.
  // Unauthenticated: a login that failed (the same answer whether the user
  // or the password was wrong). TooManyAttempts: the user is locked out for
  // `retry_after` more seconds.
  enum class Kind : uint8_t {
    InvalidRequest, NotLawful, NotFound, StepRefused, Conflict, KeyReused, Forbidden, Untrusted, Unauthenticated,
    TooManyAttempts
  };
  ServiceError(Kind k, const std::string& what) : std::runtime_error(what), kind(k) {}
  Kind kind;
  std::string reason;                         // Untrusted
  int64_t retry_after = 0;                    // TooManyAttempts
  FieldErrors field_errors;                   // InvalidRequest, Untrusted
  std::optional<TransitionError> transition;  // StepRefused
};

}  // namespace comity
