// International kinds: CLOUD Act executive agreements (18 U.S.C. 2523; US-UK,
// US-AU), the Budapest Convention Chapter III, its Second Additional Protocol
// (CETS 224) and classic MLA. legal-rules.md §2-3, §5-6.
//
// The CLOUD agreements are reciprocal but asymmetric: 2523(b)(4) binds orders
// of the partner to US providers (US.ORD.*), while the partner's own targeting
// bar binds US orders to its providers (UKUS.3, AUUS.3). The corridor kind
// decides the direction; each order-level kind answers not_applicable for the
// direction it does not govern.
#include <algorithm>

#include "comity/rules/kinds_impl.hpp"

namespace comity::kinds {
namespace {

constexpr Outcome P = Outcome::Pass, F = Outcome::Fail, R = Outcome::NeedsReview, N = Outcome::NotApplicable;

bool subject_to(const Request& q, StateCode s) {
  if (q.provider.hq_state == s) return true;
  return std::find(q.provider.subject_to_law_of.begin(), q.provider.subject_to_law_of.end(), s) !=
         q.provider.subject_to_law_of.end();
}

// ---- CLOUD Act executive agreements -----------------------------------------

Verdict ea_corridor(EvalCtx& c, const PredicateDef&) {
  const Agreement* a = nullptr;
  for (const auto& ag : c.pack.agreements)
    if (ag.id == c.pathway->agreement) a = &ag;
  if (!a) return v(3);
  StateCode is = c.q.requesting_state;
  StateCode other = is == a->a ? a->b : (is == a->b ? a->a : StateCode{});
  if (other.empty() || !subject_to(c.q, other) || c.q.provider.hq_state == is) return v(3, arg_str(a->name));
  if (c.at < a->in_force_from) return v(2, arg_str(a->name));
  c.agreement = a;
  c.counterpart = other;
  c.partner_issuing = other == kUS;
  return c.partner_issuing ? v(0, arg_str(a->name), arg_state(other)) : v(1, arg_str(a->name), arg_state(other));
}

// US.ORD.1, UKUS.2, AUUS.2: a partner order may not target a US person or a person in the US.
Verdict ea_not_targeting_us(EvalCtx& c, const PredicateDef&) {
  if (!c.partner_issuing) return v(0);
  Tri usp = us_person(c.q.subject);
  if (usp == Tri::True) return v(2);
  if (c.q.subject.current_location_state.is(kUS)) return v(3);
  if (usp == Tri::Unknown || c.q.subject.current_location_state.unknown) return v(4);
  return v(1);
}

// UKUS.3, AUUS.3: a US order may not target a person in the partner's
// territory (and, for Australia, an Australian person: params.fields has "nationality").
Verdict ea_us_order_targeting(EvalCtx& c, const PredicateDef& p) {
  if (c.partner_issuing) return v(0);
  StateCode partner = c.counterpart;
  if (c.q.subject.current_location_state.is(partner)) return v(2, arg_state(partner));
  if (has_field(p, "nationality")) {
    Tri partner_person = c.q.subject.nationality.contains(partner) ? Tri::True : c.q.subject.is_australian_person;
    if (partner_person == Tri::True) return v(3, arg_state(partner));
    if (partner_person == Tri::Unknown) return v(4, arg_state(partner));
  }
  if (c.q.subject.current_location_state.unknown) return v(4, arg_state(partner));
  return v(1, arg_state(partner));
}

Verdict ea_targeting_procedures(EvalCtx& c, const PredicateDef&) {
  if (!c.partner_issuing) return v(0);
  if (!is_blank(c.q.targeting_procedure_ref)) return v(1);
  if (c.q.designated_authority_review_passed.value_or(false)) return v(2);
  return v(3);
}

Verdict ea_no_reverse_targeting(EvalCtx& c, const PredicateDef&) {
  if (!c.partner_issuing) return v(0);
  const Person& pp = c.q.purpose_person;
  if (!pp.present) return v(1);
  if (us_person(pp) == Tri::True || pp.current_location_state.is(kUS)) return v(3);
  if (us_person(pp) == Tri::Unknown || pp.current_location_state.unknown) return v(4);
  return v(2);
}

// US.ORD.4: not on behalf of, or to be shared with, the US or a third government.
Verdict ea_no_proxy(EvalCtx& c, const PredicateDef&) {
  if (!c.partner_issuing) return v(0);
  // An order issued to execute another State's request is issued "at the
  // request of" a third-party government.
  if (c.q.is_execution_of_foreign_request) return v(2);
  // 2523(b)(4)(C) speaks of governments: a State code other than the issuer's
  // fails; a name that is not a State code (an agency, "Europol") may be
  // another government's and goes to a reviewer, never to a pass.
  enum class Who { None, Issuer, Foreign, Unknown };
  auto who = [&](const std::string& s) {
    if (is_blank(s)) return Who::None;
    auto st = parse_state(s);
    if (!st.error.empty()) return Who::Unknown;
    return st.code == c.q.requesting_state ? Who::Issuer : Who::Foreign;
  };
  bool unknown = false;
  auto note = [&](Who w) {
    unknown = unknown || w == Who::Unknown;
    return w == Who::Foreign;
  };
  if (note(who(c.q.requested_on_behalf_of))) return v(2);
  for (const auto& r : c.q.intended_recipients)
    if (note(who(r))) return v(2);
  return unknown ? v(3) : v(1);
}

Verdict ea_serious_crime_purpose(EvalCtx& c, const PredicateDef&) {
  auto t = c.q.proceedings_type;
  bool ok =
      t == ProceedingsType::CriminalInvestigation || t == ProceedingsType::Prosecution || t == ProceedingsType::Trial;
  return ok ? v(0) : v(1, ename(enum_name(t)));
}

Verdict ea_reasonable_justification(EvalCtx& c, const PredicateDef&) {
  if (is_blank(c.q.facts_summary) || is_blank(c.q.necessity_statement)) return v(1);
  return v(0);
}

// US.ORD.9: review by a court, judge, magistrate or other independent authority.
Verdict ea_independent_review(EvalCtx& c, const PredicateDef&) {
  const auto& q = c.q;
  if (q.independent_review_stated) {
    switch (q.independent_review) {
      case ReviewType::PriorJudicialAuthorisation: return v(0);
      case ReviewType::PriorIndependentAuthority: return v(1);
      case ReviewType::EnforcementStageReviewAvailable: return v(2);
      case ReviewType::None: return v(4);
    }
  }
  if (judicial(q.issuing_authority.type) || (q.validating_authority && judicial(q.validating_authority->type)))
    return v(3);
  return v(5);
}

Verdict ea_free_speech(EvalCtx& c, const PredicateDef&) {
  for (const auto& o : c.q.offences) {
    const IccsCode* ic = c.pack.iccs_code(o.iccs_code);
    if (o.speech_related || (ic && ic->speech)) return v(1);
  }
  return v(0);
}

Verdict ea_inapplicability(EvalCtx& c, const PredicateDef&) {
  return v(c.q.us_inapplicability_notice ? 1 : 0);
}

Verdict ea_serious_crime_threshold(EvalCtx& c, const PredicateDef&) {
  int min = c.agreement ? c.agreement->serious_crime_min_months : 36;
  int max = c.q.max_penalty_months();
  int shown = max == Offence::kLifeMonths ? 9999 : max;
  return max >= min ? v(0, arg_int(shown), arg_int(min)) : v(1, arg_int(shown), arg_int(min));
}

Verdict ea_covered_provider(EvalCtx& c, const PredicateDef&) {
  EnumSet<Service> covered{Service::Ecs, Service::IssCommunication, Service::IssStorage, Service::IpNumbering};
  const auto& s = c.q.provider.services;
  if (s.intersects(covered)) return v(0);
  if (s.contains(Service::Other) || s.contains(Service::DomainRegistrar) || s.contains(Service::DomainRegistry) ||
      s.contains(Service::PrivacyProxy))
    return v(2);
  return v(1);
}

Verdict ea_covered_data(EvalCtx& c, const PredicateDef&) {
  if (c.scope.contains(DataCategory::DomainRegistration)) return v(1);
  return v(0, arg_cats(c.scope));
}

Verdict ea_da_review(EvalCtx& c, const PredicateDef&) {
  if (!c.q.designated_authority_review_passed) return v(2);
  return *c.q.designated_authority_review_passed ? v(0) : v(1);
}

// UKUS.9 / AUUS.4: the receiving party's essential-interest declarations.
Verdict ea_essential_interests(EvalCtx& c, const PredicateDef&) {
  if (!c.agreement) return v(0);
  StateCode receiving = c.counterpart;
  const bool speech = speech_offence(c);
  bool death = false;
  for (const auto& o : c.q.offences)
    death = death || (o.death_penalty_available && o.death_penalty_sought != Tri::False);
  for (const auto& [st, what] : c.agreement->essential_interests) {
    if (st != receiving) continue;
    if (what == "FREE_SPEECH" && speech) return v(1, arg_state(receiving));
    if (what == "DEATH_PENALTY" && death) return v(2, arg_state(receiving));
  }
  return v(0);
}

Verdict ea_non_discrimination(EvalCtx& c, const PredicateDef&) {
  if (c.q.hr_risk_grounds.empty() || c.q.hr_risk_level == RiskLevel::None) return v(0);
  return v(1, arg_list(EnumInfo<RiskGround>::names, c.q.hr_risk_grounds.bits()));
}

// ---- Second Additional Protocol (CETS 224) ----------------------------------

Verdict sap_in_force(EvalCtx& c, const PredicateDef&) {
  if (c.at < c.pack.sap_in_force_from) return v(1);
  StateCode ps = provider_state(c.q);
  for (StateCode s : {c.q.requesting_state, ps}) {
    const StateInfo* st = c.pack.state(s);
    if (!st || !party_at(st->sap_party_since, c.at)) return v(2, arg_state(s));
  }
  c.counterpart = ps;
  return v(0, arg_state(ps));
}

// Which SAP measure fits this request; reservations that exclude it.
Verdict sap_measure(EvalCtx& c, const PredicateDef&) {
  switch (c.pathway->family) {
    case Family::Sap6: {
      bool registrar = c.q.provider.services.contains(Service::DomainRegistry) ||
                       c.q.provider.services.contains(Service::DomainRegistrar);
      if (c.measure != Measure::DomainRegistration && !c.scope.contains(DataCategory::DomainRegistration))
        return v(1, ename(enum_name(c.measure)));
      return registrar ? v(0) : v(3);
    }
    case Family::Sap7: return c.measure == Measure::ProduceStored ? v(0) : v(1, ename(enum_name(c.measure)));
    case Family::Sap8: return c.measure == Measure::ProduceStored ? v(0) : v(1, ename(enum_name(c.measure)));
    case Family::Sap9:
    case Family::Sap10: return c.q.urgency.is_emergency ? v(0) : v(2);
    default: return v(1, ename(enum_name(c.measure)));
  }
}

// SAP.7.9: a Party may reserve the right not to apply Article 7 at all (Art 7(9)(a)).
Verdict sap7_reservation(EvalCtx& c, const PredicateDef&) {
  StateCode ps = provider_state(c.q);
  const StateInfo* st = c.pack.state(ps);
  return st && st->sap.art7_9a_no_art7 ? v(1, arg_state(ps)) : v(0, arg_state(ps));
}

Verdict sap7_subscriber_only(EvalCtx& c, const PredicateDef&) {
  return c.scope.subset_of(kSubscriberLike) ? v(0) : v(1, arg_cats(c.scope.minus(kSubscriberLike)));
}

Verdict sap7_supervision(EvalCtx& c, const PredicateDef&) {
  const StateInfo* st = c.pack.state(c.counterpart);
  if (!st || !st->sap.art7_2b_supervision) return v(0);
  bool ok = judicial_or_prosecutor(c.q.issuing_authority.type) ||
            (c.q.validating_authority && judicial_or_prosecutor(c.q.validating_authority->type)) ||
            c.q.independent_review == ReviewType::PriorJudicialAuthorisation ||
            c.q.independent_review == ReviewType::PriorIndependentAuthority;
  return ok ? v(1, arg_state(c.counterpart)) : v(2, arg_state(c.counterpart));
}

Verdict sap7_art8_first(EvalCtx& c, const PredicateDef&) {
  const StateInfo* st = c.pack.state(c.counterpart);
  if (!st || !st->sap.art7_8_article8_first) return v(0);
  return v(1, arg_state(c.counterpart));
}

// SAP.7.5: a Party may require that an order to a provider in its territory be
// notified at the same time to its designated authority, which may then
// instruct the provider not to disclose (Art 7(5)(a), (c)). Notification makes
// the case a notified one: the workflow opens the authority's window and lets
// it refuse with the Art 7(5)(c) grounds.
Verdict sap7_notification(EvalCtx& c, const PredicateDef&) {
  const StateInfo* st = c.pack.state(c.counterpart);
  if (!st || !st->sap.art7_5a_notification) return v(0, arg_state(c.counterpart));
  c.notified = true;
  return v(1, arg_state(c.counterpart));
}

Verdict sap8_categories(EvalCtx& c, const PredicateDef&) {
  if (c.scope.contains(DataCategory::Content)) return v(1);
  const StateInfo* st = c.pack.state(c.counterpart);
  if (c.scope.contains(DataCategory::Traffic) && st && st->sap.art8_13_no_traffic)
    return v(2, arg_state(c.counterpart));
  return v(0);
}

Verdict sap8_central_authority(EvalCtx& c, const PredicateDef&) {
  const StateInfo* st = c.pack.state(c.counterpart);
  if (!st || !st->sap.art8_11_central_authority) return v(0);
  return is_blank(c.q.central_authority_ref) ? v(2, arg_state(c.counterpart)) : v(1, arg_state(c.counterpart));
}

// SAP Art 3: emergency = significant and imminent risk to the life or safety
// of a natural person (no critical-infrastructure limb).
Verdict sap_emergency_definition(EvalCtx& c, const PredicateDef&) {
  if (!c.q.urgency.is_emergency) return v(0);
  auto t = *c.q.urgency.emergency_type;
  return t == EmergencyType::CriticalInfrastructure ? v(2, ename(enum_name(t))) : v(1, ename(enum_name(t)));
}

Verdict sap9_subscriber_only_excluded(EvalCtx& c, const PredicateDef&) {
  const StateInfo* st = c.pack.state(c.counterpart);
  if (!st || !st->sap.art9_1b_no_subscriber_only || !c.scope.subset_of(kSubscriberLike)) return v(0);
  return v(1, arg_state(c.counterpart));
}

// ---- Budapest Convention Chapter III -----------------------------------------

Verdict budapest_parties(EvalCtx& c, const PredicateDef&) {
  StateCode is = c.q.requesting_state, ps = requested_state(c);
  const StateInfo* a = c.pack.state(is);
  const StateInfo* b = c.pack.state(ps);
  if (is == ps) return v(3, arg_state(is));
  if (!a || !party_at(a->budapest_party_since, c.at)) return v(1, arg_state(is));
  if (!b || !party_at(b->budapest_party_since, c.at)) return v(2, arg_state(ps));
  c.counterpart = ps;
  return v(0, arg_state(ps));
}

// BC.MLA.15: Art 31 concerns data stored in the requested Party's territory.
Verdict bc_stored_data_location(EvalCtx& c, const PredicateDef&) {
  if (c.measure != Measure::ProduceStored) return v(0);
  const auto& loc = c.q.provider.data_location;
  if (loc.contains(c.counterpart)) return v(1, arg_state(c.counterpart));
  if (loc.unknown || loc.sharded || loc.states.empty()) return v(2, arg_state(c.counterpart));
  return v(3, arg_state(c.counterpart), arg_state(loc.states[0]));
}

// BC.MLA.10: the six elements of an Art 29(2) preservation request.
Verdict bc_preservation_content(EvalCtx& c, const PredicateDef&) {
  if (c.measure != Measure::Preserve) return v(0);
  bool ok = !is_blank(c.q.facts_summary) && !is_blank(c.q.necessity_statement) && !c.q.identifiers.empty();
  return ok ? v(1) : v(2);
}

Verdict bc_realtime_intercept(EvalCtx& c, const PredicateDef&) {
  if (c.measure != Measure::RealtimeTraffic && c.measure != Measure::InterceptContent) return v(0);
  return v(1, ename(enum_name(c.measure)), arg_state(c.counterpart));
}

Verdict political_offence(EvalCtx& c, const PredicateDef&) {
  for (const auto& o : c.q.offences) {
    const IccsCode* ic = c.pack.iccs_code(o.iccs_code);
    if (o.political_claim || (ic && ic->political)) return v(1, arg_state(c.counterpart));
  }
  return v(0);
}

Verdict dual_criminality_prediction(EvalCtx& c, const PredicateDef&) {
  // Budapest Art 29(3): no double criminality for preservation under the
  // Convention. The EIO and other MLA instruments grant no such exemption.
  if (c.measure == Measure::Preserve && c.pathway &&
      (c.pathway->family == Family::BcMla || c.pathway->family == Family::BcPreserve))
    return v(1, arg_state(c.counterpart));
  // Dir. 2014/41 Art 11(1)(g): no refusal for an offence of the Annex D
  // categories (the same 32 as the Regulation's Annex IV) punishable in the
  // issuing State by at least three years; Art 11(2) with Art 10(2)(e): none
  // for identifying the holder of a telephone number or an IP address.
  if (c.pathway && c.pathway->family == Family::Eio) {
    for (const auto& o : c.q.offences)
      if (o.annex_iv != AnnexIV::None && o.max_penalty_months >= 36) return v(4, arg_state(c.counterpart));
    bool numbers = !c.q.identifiers.empty();
    for (const auto& id : c.q.identifiers)
      numbers = numbers && (id.type == IdentifierType::PhoneE164 || id.type == IdentifierType::IpAddress ||
                            id.type == IdentifierType::IpPortTimestamp);
    if (numbers && c.scope.subset_of(kSubscriberLike)) return v(5, arg_state(c.counterpart));
  }
  switch (dc_for(c.q, c.counterpart)) {
    case DualCriminality::Satisfied: return v(0, arg_state(c.counterpart));
    case DualCriminality::NotRequired: return v(1, arg_state(c.counterpart));
    case DualCriminality::NotSatisfied: return v(2, arg_state(c.counterpart));
    default: return v(3, arg_state(c.counterpart));
  }
}

Verdict military_offence(EvalCtx& c, const PredicateDef&) {
  for (const auto& o : c.q.offences)
    if (o.military_offence) return v(1);
  return v(0);
}

// ---- Classic MLA ------------------------------------------------------------

// Both States take part in the EIO on `at` (Art 34(1): from 22 May 2017).
bool eio_pair(const Pack& pack, StateCode a, StateCode b, Date at) {
  return eio(pack, a, at) && eio(pack, b, at);
}

Verdict mla_instrument(EvalCtx& c, const PredicateDef&) {
  StateCode is = c.q.requesting_state, ps = requested_state(c);
  if (is == ps) return v(3, Arg{}, arg_state(is));
  if (eio_pair(c.pack, is, ps, c.at)) return v(1, Arg{}, arg_state(ps));
  const MlaInstrument* best = nullptr;
  const MlaInstrument* pending = nullptr;  // signed or ratified by both, not yet binding both
  for (const auto& m : c.pack.mla_instruments) {
    if (!m.hub.empty() && is != m.hub && ps != m.hub) continue;  // binds the hub and each other party only
    if (!m.binds(is, c.at) || !m.binds(ps, c.at)) {
      if (!pending && m.status_of(is) && m.status_of(ps)) pending = &m;
      continue;
    }
    if (m.min_penalty_months > c.q.max_penalty_months()) continue;
    if (!best || (m.kind == "bilateral" && best->kind != "bilateral")) best = &m;
  }
  if (!best && pending) return v(c.at < pending->in_force_from ? 4 : 5, arg_str(pending->name), arg_state(ps));
  if (!best) return v(2, Arg{}, arg_state(ps));
  c.instrument = best;
  c.counterpart = ps;
  return v(0, arg_str(best->name), arg_state(ps));
}

// MLA.SCOPE.1: conditions of the chosen instrument (UNTOC Art 18: serious
// crime involving an organised criminal group, transnational in nature).
Verdict mla_instrument_scope(EvalCtx& c, const PredicateDef&) {
  if (c.instrument && c.instrument->own_offences_or_serious_months > 0) {
    // Whether the offence is one the instrument establishes is a legal
    // finding on the national provision; serious crime is read from the penalty.
    if (c.q.max_penalty_months() >= c.instrument->own_offences_or_serious_months)
      return v(3, arg_str(c.instrument->name));
    return v(4, arg_str(c.instrument->name));
  }
  if (!c.instrument || !c.instrument->organised_crime) return v(0);
  for (const auto& o : c.q.offences)
    if (o.iccs_code.rfind("09051", 0) == 0) return v(1, arg_str(c.instrument->name));
  return v(2, arg_str(c.instrument->name));
}

// MLA.COMPLETE: the unified MLA.REQ checklist (legal-rules §6.2).
// The items Comity can check from the request. The rest of the checklist is
// either guaranteed by the format (facts, offence provisions and penalties,
// legal basis) or not knowable here (translation into the requested State's
// language: the registry does not yet hold accepted languages).
constexpr std::string_view kMlaItems[] = {"MLA.REQ.1 requesting authority name and contact",
                                          "MLA.REQ.6 precise description of the data (data_items)",
                                          "MLA.REQ.7 relevance statement",
                                          "MLA.REQ.8 basis for believing the provider holds the data",
                                          "MLA.REQ.9 identity or location of the subject",
                                          "MLA.REQ.12 reasons for urgency"};

Verdict mla_completeness(EvalCtx& c, const PredicateDef&) {
  const auto& q = c.q;
  uint64_t missing = 0;
  if (is_blank(q.issuing_authority.name) || is_blank(q.issuing_authority.contact)) missing |= 1u << 0;
  if (q.data_items.empty()) missing |= 1u << 1;
  if (is_blank(q.relevance_statement)) missing |= 1u << 2;
  if (is_blank(q.provider_possession_basis)) missing |= 1u << 3;
  if (!q.subject.known && q.subject.nationality.unknown && q.subject.current_location_state.unknown) missing |= 1u << 4;
  if (q.urgency.is_emergency && is_blank(q.urgency.justification)) missing |= 1u << 5;
  if (missing == 0) return v(0);
  return v(1, arg_list(kMlaItems, missing));
}

// MLA.REQ.14: stored content from the US needs probable-cause facts.
// MLA.REQ.14: a warrant for stored content (2703(a)-(b)); preservation
// (2703(f)) needs none.
Verdict us_probable_cause(EvalCtx& c, const PredicateDef&) {
  if (c.counterpart != kUS || !c.scope.contains(DataCategory::Content) || c.measure != Measure::ProduceStored)
    return v(0);
  return is_blank(c.q.probable_cause_statement) ? v(2) : v(1);
}

// MLA.REF.8: abolitionist requested States refuse or require assurances.
Verdict mla_death_penalty(EvalCtx& c, const PredicateDef&) {
  bool available = false;
  for (const auto& o : c.q.offences) available = available || o.death_penalty_available;
  const StateInfo* st = c.pack.state(c.counterpart);
  if (!available || !st || st->death_penalty != DeathPenaltyStatus::Abolitionist) return v(0);
  if (c.q.assurances_offered.contains(Assurance::NoDeathPenalty)) return v(1, arg_state(c.counterpart));
  return v(2, arg_state(c.counterpart));
}

}  // namespace

void register_intl(std::vector<KindSpec>& out) {
  out.insert(
      out.end(),
      {
          {"ea_corridor",
           {{"pass_partner_order", P}, {"pass_us_order", P}, {"na_not_in_force", N}, {"na_corridor", N}},
           {"agreement", "state"},
           {},
           ea_corridor},
          {"ea_not_targeting_us",
           {{"not_applicable", N}, {"pass", P}, {"fail_us_person", F}, {"fail_in_us", F}, {"review_unknown", R}},
           {},
           {},
           ea_not_targeting_us},
          {"ea_us_order_targeting",
           {{"not_applicable", N}, {"pass", P}, {"fail_located", F}, {"fail_national", F}, {"review_unknown", R}},
           {"state"},
           {"fields"},
           ea_us_order_targeting},
          {"ea_targeting_procedures",
           {{"not_applicable", N}, {"pass_ref", P}, {"pass_da", P}, {"review", R}},
           {},
           {},
           ea_targeting_procedures},
          {"ea_no_reverse_targeting",
           {{"not_applicable", N}, {"pass_none", P}, {"pass", P}, {"fail", F}, {"review_unknown", R}},
           {},
           {},
           ea_no_reverse_targeting},
          {"ea_no_proxy",
           {{"not_applicable", N}, {"pass", P}, {"fail", F}, {"review_unknown", R}},
           {},
           {},
           ea_no_proxy},
          {"ea_serious_crime_purpose", {{"pass", P}, {"fail", F}}, {"proceedings"}, {}, ea_serious_crime_purpose},
          {"ea_reasonable_justification", {{"pass", P}, {"fail", F}}, {}, {}, ea_reasonable_justification},
          {"ea_independent_review",
           {{"pass_judicial", P},
            {"pass_independent", P},
            {"pass_enforcement_stage", P},
            {"pass_judicial_issuer", P},
            {"fail_none", F},
            {"review_unstated", R}},
           {},
           {},
           ea_independent_review},
          {"ea_free_speech", {{"pass", P}, {"review", R}}, {}, {}, ea_free_speech},
          {"ea_inapplicability", {{"pass", P}, {"fail", F}}, {}, {}, ea_inapplicability},
          {"ea_serious_crime_threshold", {{"pass", P}, {"fail", F}}, {"months", "min"}, {}, ea_serious_crime_threshold},
          {"ea_covered_provider", {{"pass", P}, {"fail", F}, {"review", R}}, {}, {}, ea_covered_provider},
          {"ea_covered_data", {{"pass", P}, {"review_domain", R}}, {"categories"}, {}, ea_covered_data},
          {"ea_da_review", {{"pass", P}, {"fail", F}, {"review_missing", R}}, {}, {}, ea_da_review},
          {"ea_essential_interests",
           {{"pass", P}, {"review_speech", R}, {"review_death_penalty", R}},
           {"state"},
           {},
           ea_essential_interests},
          {"ea_non_discrimination", {{"pass", P}, {"review", R}}, {"grounds"}, {}, ea_non_discrimination},
          {"sap_in_force", {{"pass", P}, {"na_not_in_force", N}, {"na_not_party", N}}, {"state"}, {}, sap_in_force},
          {"sap_measure",
           {{"pass", P}, {"na_measure", N}, {"na_not_emergency", N}, {"na_not_registrar", N}},
           {"value"},
           {},
           sap_measure},
          {"sap7_reservation", {{"pass", P}, {"not_applicable", N}}, {"state"}, {}, sap7_reservation},
          {"sap7_subscriber_only", {{"pass", P}, {"fail", F}}, {"categories"}, {}, sap7_subscriber_only},
          {"sap7_supervision", {{"not_applicable", N}, {"pass", P}, {"fail", F}}, {"state"}, {}, sap7_supervision},
          {"sap7_art8_first", {{"not_applicable", N}, {"review", R}}, {"state"}, {}, sap7_art8_first},
          {"sap7_notification", {{"not_applicable", N}, {"pass_notify", P}}, {"state"}, {}, sap7_notification},
          {"sap8_categories",
           {{"pass", P}, {"fail_content", F}, {"fail_traffic_reserved", F}},
           {"state"},
           {},
           sap8_categories},
          {"sap8_central_authority",
           {{"not_applicable", N}, {"pass", P}, {"review_missing", R}},
           {"state"},
           {},
           sap8_central_authority},
          {"sap_emergency_definition",
           {{"not_applicable", N}, {"pass", P}, {"fail", F}},
           {"type"},
           {},
           sap_emergency_definition},
          {"sap9_subscriber_only_excluded",
           {{"not_applicable", N}, {"fail", F}},
           {"state"},
           {},
           sap9_subscriber_only_excluded},
          {"budapest_parties",
           {{"pass", P}, {"na_requesting", N}, {"na_requested", N}, {"na_same_state", N}},
           {"state"},
           {},
           budapest_parties},
          {"bc_stored_data_location",
           {{"not_applicable", N}, {"pass_in_state", P}, {"pass_routed", P}, {"review_elsewhere", R}},
           {"state", "location"},
           {},
           bc_stored_data_location},
          {"bc_preservation_content",
           {{"not_applicable", N}, {"pass", P}, {"fail", F}},
           {},
           {},
           bc_preservation_content},
          {"bc_realtime_intercept",
           {{"not_applicable", N}, {"review", R}},
           {"measure", "state"},
           {},
           bc_realtime_intercept},
          {"political_offence", {{"pass", P}, {"review", R}}, {"state"}, {}, political_offence},
          {"dual_criminality_prediction",
           {{"pass_satisfied", P},
            {"pass_not_required", P},
            {"review_not_satisfied", R},
            {"review_unassessed", R},
            {"pass_listed_offence", P},
            {"pass_identification", P}},
           {"state"},
           {},
           dual_criminality_prediction},
          {"military_offence", {{"pass", P}, {"review", R}}, {}, {}, military_offence},
          {"mla_instrument",
           {{"pass", P},
            {"na_eio_replaces", N},
            {"na_none", N},
            {"na_same_state", N},
            {"na_pending_not_in_force", N},
            {"na_pending_not_bound", N}},
           {"instrument", "state"},
           {},
           mla_instrument},
          {"mla_instrument_scope",
           {{"not_applicable", N}, {"pass", P}, {"review", R}, {"pass_serious", P}, {"review_own_offence", R}},
           {"instrument"},
           {},
           mla_instrument_scope},
          {"mla_completeness", {{"pass", P}, {"review_missing", R}}, {"missing"}, {}, mla_completeness},
          {"us_probable_cause", {{"not_applicable", N}, {"pass", P}, {"review_missing", R}}, {}, {}, us_probable_cause},
          {"mla_death_penalty",
           {{"not_applicable", N}, {"pass_assurance", P}, {"review_assurance", R}},
           {"state"},
           {},
           mla_death_penalty},
      });
}

}  // namespace comity::kinds
