#include "comity/service/actor.hpp"

namespace comity {

ServiceError step_refused(const TransitionError& t) {
  using K = TransitionError::Kind;
  ServiceError e(ErrorKind::Conflict, t.message);
  switch (t.kind) {
    case K::RoleNotPermitted: e.kind = ErrorKind::Forbidden; break;
    case K::ReasonRequired:
      e.kind = ErrorKind::Invalid;
      e.field_errors.push_back({"$.reason", "a reason is required for this step"});
      break;
    case K::GroundInvalid:
      e.kind = ErrorKind::Invalid;
      e.field_errors.push_back({"$.ground", t.message});
      break;
    case K::UnknownEvent:
      e.kind = ErrorKind::Invalid;
      e.field_errors.push_back({"$.event", t.message});
      break;
    case K::GuardUnmet: e.reason = t.guard; break;
    case K::NotAllowedInState:
    case K::LimitReached:
    case K::Closed: break;
  }
  e.transition = t;
  return e;
}

ServiceError key_reused(const std::string& what) {
  return ServiceError(ErrorKind::Invalid, what, {{"$header.Idempotency-Key", what}});
}

}  // namespace comity
