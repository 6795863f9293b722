// Who may see which case, and as whom (docs/permissions.md). Pure: decided
// from the principal (user and party) and the case's parties, counterpart
// State and progress. The server applies it on every case route; what each
// audience then sees of the case is the view table (case_view.hpp); which
// steps it may take is the workflow's (roles and guards).
#pragma once

#include "comity/store/store.hpp"

namespace comity {

struct Principal {
  User user;
  Party party;
  std::string token_id;  // the token it authenticated with
};

// The principal's standing in one case.
enum class Audience : uint8_t {
  None,       // the case does not exist for this principal (the server answers 404)
  Issuing,    // the issuing side: the issuing authority's officers, its State's validators and central authority
  Requested,  // the requested State's central authority, once a mutual-assistance request reached it
  Enforcing,  // the enforcing authority of a State notified of an order (Reg. 2023/1543 Art 8)
  Addressee,  // the provider an order is addressed to, once transmitted
  Oversight,  // an oversight body: metadata, never facts, evidence or anyone's words
};
std::string_view audience_name(Audience a);  // "none", "issuing", "requested", …

Audience audience_of(const Principal& who, const CaseSummary& c);

// May `a` take steps on the case at all (before the workflow's roles and guards)?
inline bool may_act(Audience a) {
  return a != Audience::None && a != Audience::Oversight;
}

CaseSummary summary_of(const CaseRecord& r);

}  // namespace comity
