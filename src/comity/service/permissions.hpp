// Who may see which case, and how much of it (docs/permissions.md). Pure:
// decided from the principal (user and party) and the case's parties,
// counterpart State and progress. The server applies it on every endpoint;
// the workflow separately decides which role may take which step.
#pragma once

#include "comity/store/store.hpp"

namespace comity {

struct Principal {
  User user;
  Party party;
  std::string token_id;  // the token it authenticated with
};

enum class CaseView : uint8_t {
  None,      // the case does not exist for this principal (the server answers 404)
  Metadata,  // pathway, state, clocks, decision; never the request's facts or evidence (oversight)
  Order,     // what an addressee needs to execute (provider): no necessity reasoning or case summary
  Full,      // the request with its facts
};
std::string_view case_view_name(CaseView v);

CaseView case_view(const Principal& who, const CaseSummary& c);

// May `who` take steps on the case at all (before the workflow's role check)?
inline bool may_act(CaseView v) { return v == CaseView::Order || v == CaseView::Full; }

CaseSummary summary_of(const CaseRecord& r);

}  // namespace comity
