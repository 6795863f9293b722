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
  enum class Kind : uint8_t { InvalidRequest, NotLawful, NotFound, StepRefused, Conflict, KeyReused, Forbidden };
  ServiceError(Kind k, const std::string& what) : std::runtime_error(what), kind(k) {}
  Kind kind;
  FieldErrors field_errors;                   // InvalidRequest
  std::optional<TransitionError> transition;  // StepRefused
};

}  // namespace comity
