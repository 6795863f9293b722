#include "comity/service/permissions.hpp"

namespace comity {

std::string_view audience_name(Audience a) {
  switch (a) {
    case Audience::Issuing: return "issuing";
    case Audience::Requested: return "requested";
    case Audience::Enforcing: return "enforcing";
    case Audience::Addressee: return "addressee";
    case Audience::Oversight: return "oversight";
    default: return "none";
  }
}

Audience audience_of(const Principal& who, const CaseSummary& c) {
  const auto& state = who.party.state;
  // A party with no State on record stands on no State's side (fail closed).
  if (state.empty() && who.user.role != PartyRole::Oversight) return Audience::None;
  switch (who.user.role) {
    case PartyRole::Officer:
      // Only the issuing authority's own officers.
      return who.party.id == c.requesting_party_id ? Audience::Issuing : Audience::None;
    case PartyRole::Validator:
      // Validators (judges, courts, prosecutors) of the issuing State.
      return state == c.requesting_state ? Audience::Issuing : Audience::None;
    case PartyRole::CentralAuthority:
      // The requesting State's central authority reviews outgoing requests;
      // the requested State's sees requests that go authority to authority
      // once transmitted to it. A direct order is not addressed to the other
      // State's central authority: where that State is notified, its
      // enforcing authority sees it (below).
      if (state == c.requesting_state) return Audience::Issuing;
      return state == c.counterpart_state && c.via_authorities && c.transmitted ? Audience::Requested : Audience::None;
    case PartyRole::Provider:
      // Only orders addressed to this provider, only after transmission.
      return !who.party.id.empty() && who.party.id == c.provider_party_id && c.transmitted ? Audience::Addressee
                                                                                           : Audience::None;
    case PartyRole::EnforcingAuthority:
      // Only cases notified to its State (Reg. 2023/1543 Art 8), once sent.
      return state == c.counterpart_state && c.notified && c.transmitted ? Audience::Enforcing : Audience::None;
    case PartyRole::Oversight: return Audience::Oversight;
    default:  // admin manages parties, not cases; system is not a principal
      return Audience::None;
  }
}

CaseSummary summary_of(const CaseRecord& r) {
  CaseSummary s{r.id,
                r.c.pathway,
                r.c.state,
                r.requesting_state,
                r.c.workflow,
                r.updated_at,
                r.requesting_party_id,
                r.provider_party_id,
                r.counterpart_state,
                r.notified,
                was_transmitted(r.c),
                r.via_authorities,
                r.notice_status,
                r.notice_review_date,
                "",
                0};
  for (const auto& k : r.c.clocks)
    if (k.running() && (s.next_due == 0 || k.due < s.next_due)) {
      s.next_due = k.due;
      s.next_deadline = k.deadline_id;
    }
  return s;
}

}  // namespace comity
