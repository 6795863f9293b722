// EU kinds: Regulation (EU) 2023/1543 (EPOC / EPOC-PR) and the European
// Investigation Order (Directive 2014/41/EU). legal-rules.md §4 and §6.1.
//
// Authorisation (Art 4) and thresholds (Art 5) turn on the data categories in
// the entry's scope, not the whole request, so that a request can be split:
// subscriber data may go by EPOC while traffic data for a minor offence cannot
// (scenario S03).
#include <algorithm>

#include "comity/rules/kinds_impl.hpp"

namespace comity::kinds {
namespace {

constexpr Outcome P = Outcome::Pass, F = Outcome::Fail, R = Outcome::NeedsReview, N = Outcome::NotApplicable;

bool bound(const Pack& pack, StateCode s) {
  const StateInfo* st = pack.state(s);
  return st && st->reg_2023_1543_bound;
}

bool is_addressee(EstablishmentType t) {
  return t == EstablishmentType::DesignatedEstablishment || t == EstablishmentType::LegalRepresentative;
}

bool preservation(const EvalCtx& c) {
  return c.pathway && c.pathway->family == Family::EuEpocPr;
}

Verdict eu_in_force(EvalCtx& c, const PredicateDef&) {
  auto from = c.pack.eu_regulation_applies_from;
  return c.at >= from ? v(0) : v(1);
}

// EU.SCOPE.6: stored data at receipt (Art 3(8)). Registration data of a
// domain-name service are stored subscriber data (Arts 3(3)(b), 3(9)); a
// preservation belongs to the preservation order, not the production order.
Verdict eu_measure_covered(EvalCtx& c, const PredicateDef&) {
  const bool pres = preservation(c);
  if (pres ? c.measure == Measure::Preserve
           : c.measure == Measure::ProduceStored || c.measure == Measure::DomainRegistration)
    return v(0, ename(enum_name(c.measure)));
  if (!pres && c.measure == Measure::Preserve) return v(2);
  return v(1, ename(enum_name(c.measure)));
}

// EU.SCOPE.3 (+ EU.ADR.2): the addressee is in another bound Member State.
Verdict eu_addressee_other_ms(EvalCtx& c, const PredicateDef&) {
  StateCode is = c.q.requesting_state;
  if (!bound(c.pack, is)) return v(2, arg_state(is));
  StateCode domestic, other;
  EstablishmentType other_type{};
  for (const auto& e : c.q.provider.establishments) {
    if (!is_addressee(e.type) || !bound(c.pack, e.state)) continue;
    if (e.state == is)
      domestic = e.state;
    else if (other.empty()) {
      other = e.state;
      other_type = e.type;
    }
  }
  if (!domestic.empty()) return v(3, arg_state(is), arg_state(other));
  if (!other.empty()) {
    c.counterpart = other;
    return v(0, arg_state(other), ename(enum_name(other_type)));
  }
  // Annex I Section B: in emergencies, any other establishment in the Union.
  if (c.q.urgency.is_emergency) {
    for (const auto& e : c.q.provider.establishments) {
      if (e.state != is && bound(c.pack, e.state)) {
        c.counterpart = e.state;
        return v(1, arg_state(e.state), ename(enum_name(e.type)));
      }
    }
  }
  return v(4);
}

Verdict eu_criminal_proceedings(EvalCtx& c, const PredicateDef& p) {
  auto t = c.q.proceedings_type;
  if (t == ProceedingsType::SentenceExecution) {
    const auto& s = c.q.sentence_execution;
    int months = s ? s->sentence_months : 0;
    if (s && months >= p.params.months && !s->in_absentia && s->absconded) return v(1, arg_int(months));
    return v(3, arg_int(months), arg_int(p.params.months));
  }
  if (t == ProceedingsType::CriminalInvestigation || t == ProceedingsType::Prosecution || t == ProceedingsType::Trial)
    return v(0, ename(enum_name(t)));
  return v(2, ename(enum_name(t)));
}

// EU.SCOPE.2 (Art 2(4)): not in proceedings opened to give mutual legal
// assistance. A request made on behalf of another government may be such
// proceedings: a reviewer decides, the check never passes on it.
Verdict not_foreign_execution(EvalCtx& c, const PredicateDef&) {
  if (c.q.is_execution_of_foreign_request) return v(1);
  const OnBehalfOf who = on_behalf_of(c.q);
  switch (who.kind) {
    case OnBehalfOf::Kind::ForeignState: return v(2, arg_state(who.state));
    case OnBehalfOf::Kind::OtherBody: return v(3);
    default: return v(0);
  }
}

Verdict eu_provider_in_scope(EvalCtx& c, const PredicateDef&) {
  const auto& s = c.q.provider.services;
  if (s.intersects(kServiceProviderServices)) return v(0);
  if (s.contains(Service::Other)) return v(2);
  return v(1);
}

// EU.SCOPE.5: a designated addressee; else a substantial connection to a
// Member State where persons can use the service — an establishment there is
// one (Dir. (EU) 2023/1544 Art 2(2)(b)), as are users or targeted activities
// (recorded as substantial_connection_states).
Verdict eu_offers_services(EvalCtx& c, const PredicateDef&) {
  const auto& offers = c.q.provider.offers_services_in;
  for (const auto& e : c.q.provider.establishments)
    if (is_addressee(e.type) && bound(c.pack, e.state)) return v(0, arg_state(e.state));
  for (const auto& e : c.q.provider.establishments)
    if (bound(c.pack, e.state) && std::find(offers.begin(), offers.end(), e.state) != offers.end())
      return v(1, arg_state(e.state));
  for (auto s : c.q.provider.substantial_connection_states)
    if (bound(c.pack, s)) return v(1, arg_state(s));
  for (auto s : c.q.provider.offers_services_in)
    if (bound(c.pack, s)) return v(2, arg_state(s));
  return v(3);
}

Verdict eu_data_location(EvalCtx& c, const PredicateDef&) {
  const auto& loc = c.q.provider.data_location;
  if (loc.sharded) return v(1);
  if (loc.unknown || loc.states.empty()) return v(2);
  return v(0, arg_state(loc.states[0]));
}

// EU.AUTH.P1 (EPOC, Art 4(1)-(2)) and EU.AUTH.3 (EPOC-PR, Art 4(3)).
Verdict eu_issuer_competent(EvalCtx& c, const PredicateDef&) {
  const auto& q = c.q;
  bool needs_judge = !preservation(c) && c.scope.intersects(kTrafficContent);
  auto ok = needs_judge ? judicial : judicial_or_prosecutor;
  if (ok(q.issuing_authority.type)) return v(0, ename(enum_name(q.issuing_authority.type)));
  if (q.validating_authority && ok(q.validating_authority->type))
    return v(1, ename(enum_name(q.validating_authority->type)));
  if (needs_judge)
    return v(3, ename(enum_name(q.issuing_authority.type)), arg_cats(c.scope.intersect(kTrafficContent)));
  // Art 4(5): emergency issue without prior validation, decided by EU.AUTH.P2.
  if (q.urgency.is_emergency && q.issuing_authority.type != AuthorityType::PublicProsecutor) return v(2);
  return v(4, ename(enum_name(q.issuing_authority.type)));
}

// EU.AUTH.P2: Art 4(5) emergency self-issue by a non-judicial authority.
Verdict eu_emergency_self_issue(EvalCtx& c, const PredicateDef&) {
  const auto& q = c.q;
  bool needs_judge = !preservation(c) && c.scope.intersects(kTrafficContent);
  auto ok = needs_judge ? judicial : judicial_or_prosecutor;
  bool validated = ok(q.issuing_authority.type) || (q.validating_authority && ok(q.validating_authority->type));
  if (!q.urgency.is_emergency || validated || q.issuing_authority.type == AuthorityType::PublicProsecutor) return v(0);
  if (needs_judge) return v(2, arg_cats(c.scope.intersect(kTrafficContent)));
  if (!q.domestic_similar_case_allows_no_validation) return v(3);
  c.ex_post_validation = true;
  return v(1);
}

// EU.AUTH.P3: where EU.AUTH.P2 allowed issue without prior validation, the
// 48-hour ex-post validation timer starts; if validation is refused the
// order is withdrawn and the data deleted or restricted.
Verdict eu_ex_post_validation_timer(EvalCtx& c, const PredicateDef&) {
  return v(c.ex_post_validation ? 1 : 0);
}

// EU.THR.1 / EIO Art 6(1): necessity and proportionality, and domestic parity.
Verdict necessity_parity(EvalCtx& c, const PredicateDef&) {
  if (is_blank(c.q.necessity_statement)) return v(1);
  if (c.q.domestic_parity_confirmed == Tri::False) return v(2);
  if (c.q.domestic_parity_confirmed == Tri::Unknown) return v(3);
  return v(0);
}

bool sentence_ok(const Request& q, int min_months) {
  const auto& s = q.sentence_execution;
  return s && s->sentence_months >= min_months && !s->in_absentia && s->absconded;
}

// EU.THR.2: subscriber / identification data — any criminal offence.
Verdict eu_subscriber_any_offence(EvalCtx& c, const PredicateDef& p) {
  if (!c.scope.intersects(kSubscriberLike)) return v(0);
  if (c.q.proceedings_type == ProceedingsType::SentenceExecution && !sentence_ok(c.q, p.params.months))
    return v(2, arg_int(p.params.months));
  return v(1);
}

// EU.THR.3: traffic / content — Art 5(4)(a)-(d).
Verdict eu_traffic_content_threshold(EvalCtx& c, const PredicateDef& p) {
  if (!c.scope.intersects(kTrafficContent)) return v(0);
  int max = c.q.max_penalty_months();
  if (max >= p.params.months) return v(1, arg_int(max == Offence::kLifeMonths ? 9999 : max), arg_int(p.params.months));
  for (const auto& o : c.q.offences) {
    auto h = o.eu_harmonised;
    bool listed = h == EuHarmonisedOffence::Dir2019_713_Art3_8 || h == EuHarmonisedOffence::Dir2011_93_Art3_7 ||
                  h == EuHarmonisedOffence::Dir2013_40_Art3_8;
    if (listed && o.committed_via_information_system) return v(2, ename(enum_name(h)));
    if (h == EuHarmonisedOffence::Dir2017_541_Art3_12_14) return v(3);
  }
  return v(4, arg_int(max), arg_int(p.params.months));
}

// EU.THR.4 (Art 6(2)-(3)): necessary and proportionate; for any offence if
// it could have been issued under the same conditions in a similar domestic
// case (the parity EU.THR.1 reads for the production order).
Verdict eu_preservation_any_offence(EvalCtx& c, const PredicateDef& p) {
  if (is_blank(c.q.necessity_statement)) return v(1);
  if (c.q.domestic_parity_confirmed == Tri::False) return v(3);
  if (c.q.domestic_parity_confirmed == Tri::Unknown) return v(4);
  if (c.q.proceedings_type == ProceedingsType::SentenceExecution && !sentence_ok(c.q, p.params.months))
    return v(2, arg_int(p.params.months));
  return v(0);
}

Verdict eu_controller(EvalCtx& c, const PredicateDef&) {
  switch (c.q.provider.role_for_data) {
    case RoleForData::Controller: return v(0);
    case RoleForData::Processor: return is_blank(c.q.processor_justification) ? v(3) : v(2);
    default: return v(1);
  }
}

Verdict eu_public_authority_infra(EvalCtx& c, const PredicateDef&) {
  StateCode s = c.q.provider.processing_on_behalf_of_public_authority_state;
  if (s.empty()) return v(0);
  return s == c.q.requesting_state ? v(1, arg_state(s)) : v(2, arg_state(s));
}

// EU.THR.7: Art 5(8) professional privilege (not press: see EU.THR.8).
Verdict eu_professional_privilege(EvalCtx& c, const PredicateDef&) {
  auto pr = c.q.subject.professional_privilege;
  if (!c.scope.intersects(kTrafficContent) || pr == Privilege::None || pr == Privilege::Journalist) return v(0);
  if (c.q.subject.residence_state.is(c.q.requesting_state)) return v(1, ename(enum_name(pr)));
  if (c.q.subject.privilege_waived) return v(2, ename(enum_name(pr)));
  return v(3, ename(enum_name(pr)));
}

// EU.THR.8, EU.REF.1, EIO.IMM: immunities, privileges and press freedom of
// the enforcing (executing) State — any immunity or privilege its law grants
// (Reg. 2023/1543 Art 12(1)(a); Dir. 2014/41 Art 11(1)(a)): a lawyer's or a
// doctor's as much as a journalist's or a member of parliament's.
// The Regulation's Art 5(9) concerns traffic and content data; the EIO's
// ground has no category limit (params.fields "any_category", EIO.IMM).
Verdict eu_press_immunity(EvalCtx& c, const PredicateDef& p) {
  const auto& s = c.q.subject;
  bool trigger = (has_field(p, "any_category") || c.scope.intersects(kTrafficContent)) &&
                 (s.professional_privilege != Privilege::None || s.immunity || speech_offence(c));
  if (!trigger) return v(0);
  switch (c.q.press_immunity_clarification) {
    case Clarification::ProtectionConfirmed: return v(3, arg_state(c.counterpart));
    case Clarification::NoProtection: return v(1, arg_state(c.counterpart));
    default: return v(2, arg_state(c.counterpart));
  }
}

// EU.NOT.1: notification when traffic or content is sought (Art 8(1)).
Verdict eu_notification_required(EvalCtx& c, const PredicateDef&) {
  if (c.scope.intersects(kTrafficContent)) {
    c.notify_by_category = true;
    return v(0, arg_cats(c.scope.intersect(kTrafficContent)));
  }
  return v(1);
}

// EU.NOT.2: exemption when offence and residence are both in the issuing State.
Verdict eu_notification_exemption(EvalCtx& c, const PredicateDef&) {
  if (!c.notify_by_category) return v(0);
  StateCode is = c.q.requesting_state;
  bool locus = !c.q.offences.empty();
  for (const auto& o : c.q.offences) locus = locus && o.locus_states.contains(is);
  bool resides = c.q.subject.residence_state.is(is);
  if (locus && resides) return v(1, arg_state(is));
  c.notified = true;
  if (!resides) return v(2, arg_state(c.counterpart));
  return v(3, arg_state(c.counterpart));
}

// EU.REF.3, EIO.NBI: the Union's ne bis in idem (Charter Art 50, "within
// the Union") bars a second proceeding after a Member State's final
// judgment; a third country's judgment binds only as the executing State's
// law lets it — a reviewer decides.
Verdict ne_bis_in_idem_bar(EvalCtx& c, const PredicateDef&) {
  StateCode third{};
  for (const auto& j : c.q.prior_final_judgments) {
    if (!j.same_facts) continue;
    const StateInfo* st = c.pack.state(j.state);
    if (st && st->eu_member) return v(1, arg_state(j.state));
    if (third.empty()) third = j.state;
  }
  return third.empty() ? v(0) : v(2, arg_state(third));
}

// EU.REF.4 (advisory): double criminality in the notified enforcing State.
Verdict eu_double_criminality(EvalCtx& c, const PredicateDef& p) {
  if (!c.notified) return v(0);
  for (const auto& o : c.q.offences)
    if (o.annex_iv != AnnexIV::None && o.max_penalty_months >= p.params.months)
      return v(2, ename(enum_name(o.annex_iv)));
  switch (dc_for(c.q, c.counterpart)) {
    case DualCriminality::Satisfied:
    case DualCriminality::NotRequired: return v(1, arg_state(c.counterpart));
    case DualCriminality::NotSatisfied: return v(3, arg_state(c.counterpart));
    default: return v(4, arg_state(c.counterpart));
  }
}

Verdict emergency_established(EvalCtx& c, const PredicateDef&) {
  if (!c.q.urgency.is_emergency) return v(0);
  return v(1, ename(enum_name(*c.q.urgency.emergency_type)));
}

Verdict emergency_justification(EvalCtx& c, const PredicateDef&) {
  if (!c.q.urgency.is_emergency) return v(0);
  return v(is_blank(c.q.urgency.justification) ? 2 : 1);
}

// EU.USR.2: delaying, restricting or omitting notice needs recorded reasons.
Verdict notice_delay_justified(EvalCtx& c, const PredicateDef&) {
  const auto& plan = *c.q.user_notification_plan;
  if (plan.mode == NoticeMode::NotifyNow) return v(0);
  return is_blank(plan.justification) ? v(2, ename(enum_name(plan.mode))) : v(1, ename(enum_name(plan.mode)));
}

// EU.PRV.4 (advisory): the provider's own law may bar disclosing content to a
// foreign authority (e.g. 18 U.S.C. 2702(a)); absent an executive agreement
// covering the corridor, expect a reasoned objection under Art 17.
Verdict eu_third_country_conflict(EvalCtx& c, const PredicateDef&) {
  if (!c.scope.contains(DataCategory::Content)) return v(0);
  StateCode home = c.q.provider.hq_state;
  const StateInfo* st = c.pack.state(home);
  if (!st || st->content_blocking_statute.empty() || home == c.q.requesting_state) return v(0);
  for (const auto& a : c.pack.agreements) {
    bool corridor = (a.a == home && a.b == c.q.requesting_state) || (a.b == home && a.a == c.q.requesting_state);
    if (corridor && a.in_force_from <= c.at) return v(1, arg_state(home), arg_str(st->content_blocking_statute));
  }
  return v(2, arg_state(home), arg_str(st->content_blocking_statute));
}

// ---- EIO -------------------------------------------------------------------

// Executing State: where the measure is carried out — the provider's
// establishment (or, for interception, where the target is) in another
// participating State. Routed by connection, the engine names the candidate
// and MLA.REACH says whether the measure can be carried out there.
Verdict eio_states(EvalCtx& c, const PredicateDef&) {
  StateCode is = c.q.requesting_state;
  if (c.at < c.pack.eio_applies_from) return v(4);
  if (!eio(c.pack, is, c.at)) return v(1, arg_state(is));
  std::vector<StateCode> cand;
  if (!c.requested.empty()) {
    cand.push_back(c.requested);  // routed by the engine: this candidate only
  } else {
    bool live = c.measure == Measure::InterceptContent || c.measure == Measure::RealtimeTraffic;
    if (live && !c.q.subject.current_location_state.unknown) cand.push_back(c.q.subject.current_location_state.code);
    for (const auto& e : c.q.provider.establishments) cand.push_back(e.state);
    cand.push_back(c.q.provider.hq_state);
  }
  bool only_domestic = true;
  for (auto s : cand) {
    if (s == is) continue;
    only_domestic = false;
    if (eio(c.pack, s, c.at)) {
      c.counterpart = s;
      return v(0, arg_state(s));
    }
  }
  return only_domestic ? v(3, arg_state(is)) : v(2);
}

// EIO.PROC (Dir. 2014/41 Arts 1(1), 4): an EIO obtains evidence in
// proceedings; tracing a person convicted by a final judgment is not
// evidence gathering on its face — the Regulation's sentence-execution limb
// (Art 2(2)) has no counterpart in the Directive — so a reviewer decides.
Verdict eio_proceedings(EvalCtx& c, const PredicateDef&) {
  return c.q.proceedings_type == ProceedingsType::SentenceExecution ? v(1) : v(0);
}

Verdict eio_issuer(EvalCtx& c, const PredicateDef&) {
  const auto& q = c.q;
  if (judicial_or_prosecutor(q.issuing_authority.type)) return v(0, ename(enum_name(q.issuing_authority.type)));
  if (q.validating_authority && judicial_or_prosecutor(q.validating_authority->type))
    return v(1, ename(enum_name(q.validating_authority->type)));
  return v(2, ename(enum_name(q.issuing_authority.type)));
}

// EIO.INT (Arts 30-31): the EIO goes to the State whose technical assistance
// is needed — this entry's executing State; where the target is in another
// Member State whose assistance is not needed, that State is notified (Art 31).
Verdict eio_interception(EvalCtx& c, const PredicateDef&) {
  if (c.measure != Measure::InterceptContent && c.measure != Measure::RealtimeTraffic) return v(0);
  const auto& where = c.q.subject.current_location_state;
  if (where.unknown) return v(2);
  const StateCode assist = c.counterpart.empty() ? where.code : c.counterpart;
  if (where.code != assist && where.code != c.q.requesting_state && eio(c.pack, where.code, c.at))
    return v(3, arg_state(assist), arg_state(where.code));
  return v(1, arg_state(assist));
}

}  // namespace

void register_eu(std::vector<KindSpec>& out) {
  out.insert(
      out.end(),
      {
          {"eu_in_force", {{"pass", P}, {"not_applicable", N}}, {}, {}, eu_in_force},
          {"eu_measure_covered",
           {{"pass", P}, {"not_applicable", N}, {"na_preservation", N}},
           {"measure"},
           {},
           eu_measure_covered},
          {"eu_addressee_other_ms",
           {{"pass", P},
            {"pass_emergency_fallback", P},
            {"na_issuing_not_bound", N},
            {"na_domestic_addressee", N},
            {"na_no_addressee", N}},
           {"state", "type"},
           {},
           eu_addressee_other_ms},
          {"eu_criminal_proceedings",
           {{"pass", P}, {"pass_sentence", P}, {"fail_not_criminal", F}, {"fail_sentence", F}},
           {"value", "min"},
           {"months"},
           eu_criminal_proceedings},
          {"not_foreign_execution",
           {{"pass", P}, {"fail", F}, {"review_on_behalf", R}, {"review_on_behalf_other", R}},
           {"state"},
           {},
           not_foreign_execution},
          {"eu_provider_in_scope", {{"pass", P}, {"fail", F}, {"review_other", R}}, {}, {}, eu_provider_in_scope},
          {"eu_offers_services",
           {{"pass_designated", P}, {"pass_connection", P}, {"review_no_connection", R}, {"fail", F}},
           {"state"},
           {},
           eu_offers_services},
          {"eu_data_location",
           {{"pass_known", P}, {"pass_sharded", P}, {"pass_unknown", P}},
           {"state"},
           {},
           eu_data_location},
          {"eu_issuer_competent",
           {{"pass_issuer", P},
            {"pass_validator", P},
            {"na_emergency", N},
            {"fail_needs_judge", F},
            {"fail_needs_validation", F}},
           {"type", "categories"},
           {},
           eu_issuer_competent},
          {"eu_emergency_self_issue",
           {{"not_applicable", N}, {"pass", P}, {"fail_content", F}, {"fail_domestic", F}},
           {"categories"},
           {},
           eu_emergency_self_issue},
          {"eu_ex_post_validation_timer", {{"not_applicable", N}, {"pass", P}}, {}, {}, eu_ex_post_validation_timer},
          {"necessity_parity",
           {{"pass", P}, {"fail_no_necessity", F}, {"fail_no_parity", F}, {"review_parity", R}},
           {},
           {},
           necessity_parity},
          {"eu_subscriber_any_offence",
           {{"not_applicable", N}, {"pass", P}, {"fail_sentence", F}},
           {"min"},
           {"months"},
           eu_subscriber_any_offence},
          {"eu_traffic_content_threshold",
           {{"not_applicable", N}, {"pass_penalty", P}, {"pass_listed", P}, {"pass_terrorism", P}, {"fail", F}},
           {"months", "min"},
           {"months"},
           eu_traffic_content_threshold},
          {"eu_preservation_any_offence",
           {{"pass", P}, {"fail_no_necessity", F}, {"fail_sentence", F}, {"fail_no_parity", F}, {"review_parity", R}},
           {"min"},
           {"months"},
           eu_preservation_any_offence},
          {"eu_controller",
           {{"pass_controller", P}, {"pass_unstated", P}, {"pass_processor_justified", P}, {"review_processor", R}},
           {},
           {},
           eu_controller},
          {"eu_public_authority_infra",
           {{"not_applicable", N}, {"pass", P}, {"fail", F}},
           {"state"},
           {},
           eu_public_authority_infra},
          {"eu_professional_privilege",
           {{"not_applicable", N}, {"pass_resides", P}, {"pass_waived", P}, {"review", R}},
           {"privilege"},
           {},
           eu_professional_privilege},
          {"eu_press_immunity",
           {{"not_applicable", N}, {"pass_no_protection", P}, {"review_consult", R}, {"fail_confirmed", F}},
           {"state"},
           {"fields"},
           eu_press_immunity},
          {"eu_notification_required",
           {{"pass_required", P}, {"pass_not_required", P}},
           {"categories"},
           {},
           eu_notification_required},
          {"eu_notification_exemption",
           {{"not_applicable", N}, {"pass_exempt", P}, {"pass_notify_residence", P}, {"pass_notify_locus", P}},
           {"state"},
           {},
           eu_notification_exemption},
          {"ne_bis_in_idem_bar",
           {{"pass", P}, {"fail", F}, {"review_third_country", R}},
           {"state"},
           {},
           ne_bis_in_idem_bar},
          {"eu_double_criminality",
           {{"not_applicable", N},
            {"pass_satisfied", P},
            {"pass_annex_iv", P},
            {"review_not_satisfied", R},
            {"review_unassessed", R}},
           {"state"},
           {"months"},
           eu_double_criminality},
          {"emergency_established", {{"not_applicable", N}, {"pass", P}}, {"type"}, {}, emergency_established},
          {"emergency_justification",
           {{"not_applicable", N}, {"pass", P}, {"fail", F}},
           {},
           {},
           emergency_justification},
          {"notice_delay_justified",
           {{"pass_notify", P}, {"pass_delay", P}, {"fail", F}},
           {"mode"},
           {},
           notice_delay_justified},
          {"eu_third_country_conflict",
           {{"not_applicable", N}, {"pass", P}, {"review", R}},
           {"state", "statute"},
           {},
           eu_third_country_conflict},
          {"eio_states",
           {{"pass", P}, {"na_requesting", N}, {"na_executing", N}, {"na_domestic", N}, {"na_not_yet", N}},
           {"state"},
           {},
           eio_states},
          {"eio_issuer", {{"pass_issuer", P}, {"pass_validator", P}, {"fail", F}}, {"type"}, {}, eio_issuer},
          {"eio_proceedings", {{"pass", P}, {"review_sentence", R}}, {}, {}, eio_proceedings},
          {"eio_interception",
           {{"not_applicable", N}, {"pass", P}, {"review_location", R}, {"pass_notify", P}},
           {"state", "other"},
           {},
           eio_interception},
      });
}

}  // namespace comity::kinds
