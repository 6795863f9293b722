// Kind registry and the cross-cutting kinds: the human-rights gate (legal-rules
// §8.1), domestic routing, letters rogatory, voluntary disclosure and the
// Access Now / Hill policy criteria (§7.1-7.2).
#include "comity/rules/kinds.hpp"

#include <algorithm>

#include "comity/rules/kinds_impl.hpp"

namespace comity {

Arg arg_int(int64_t x) {
  Arg a;
  a.type = Arg::Type::Int;
  a.i = x;
  return a;
}
Arg arg_str(std::string_view s) {
  Arg a;
  a.type = Arg::Type::Str;
  a.s = s.data();
  a.len = static_cast<uint32_t>(s.size());
  return a;
}
Arg arg_state(StateCode s) {
  Arg a;
  a.type = Arg::Type::State;
  a.i = s.empty() ? -1 : s.index();
  return a;
}
Arg arg_cats(Categories c) {
  Arg a;
  a.type = Arg::Type::Cats;
  a.i = static_cast<int64_t>(c.bits());
  return a;
}
Arg arg_list(const std::string_view* names, uint64_t bits) {
  Arg a;
  a.type = Arg::Type::List;
  a.i = static_cast<int64_t>(bits);
  a.table = names;
  return a;
}

namespace kinds {
namespace {

constexpr Outcome P = Outcome::Pass, F = Outcome::Fail, R = Outcome::NeedsReview, N = Outcome::NotApplicable;

bool criminal(ProceedingsType t) {
  return t == ProceedingsType::CriminalInvestigation || t == ProceedingsType::Prosecution ||
         t == ProceedingsType::Trial || t == ProceedingsType::SentenceExecution;
}

// ---- Gate (HR.*) -----------------------------------------------------------

Verdict criminal_purpose(EvalCtx& c, const PredicateDef&) {
  return v(criminal(c.q.proceedings_type) ? 0 : 1, ename(enum_name(c.q.proceedings_type)));
}

// HR.SPEC / US.ORD.6: identifiers must single out a person, account or device.
Verdict specific_identifiers(EvalCtx& c, const PredicateDef&) {
  const auto& ids = c.q.identifiers;
  if (ids.empty()) return v(1);
  bool semi = false, all_names = true;
  for (const auto& id : ids) {
    switch (id.type) {
      case IdentifierType::Wildcard:
      case IdentifierType::Keyword:
      case IdentifierType::Hashtag:
      case IdentifierType::GeoArea:
      case IdentifierType::ProviderWide:
      case IdentifierType::IpRangeWide:
      case IdentifierType::TimeWindowOnly: return v(2, ename(enum_name(id.type)));
      case IdentifierType::CellTowerDump:
      case IdentifierType::IpAddress: semi = true; break;
      default: break;
    }
    if (id.type != IdentifierType::PersonName) all_names = false;
  }
  if (semi || all_names) {
    for (const auto& id : ids)
      if (id.type == IdentifierType::CellTowerDump || id.type == IdentifierType::IpAddress ||
          id.type == IdentifierType::PersonName)
        return v(3, ename(enum_name(id.type)));
  }
  return v(0);
}

Verdict facts_present(EvalCtx& c, const PredicateDef&) {
  if (is_blank(c.q.facts_summary)) return v(1);
  if (is_blank(c.q.relevance_statement)) return v(2);
  return v(0);
}

Verdict necessity_statement(EvalCtx& c, const PredicateDef&) {
  return v(is_blank(c.q.necessity_statement) ? 1 : 0);
}

Verdict discrimination_risk(EvalCtx& c, const PredicateDef&) {
  auto grounds = arg_list(EnumInfo<RiskGround>::names, c.q.hr_risk_grounds.bits());
  switch (c.q.hr_risk_level) {
    case RiskLevel::Substantial: return v(2, grounds);
    case RiskLevel::Low: return c.q.hr_risk_grounds.empty() ? v(0) : v(1, grounds);
    default: return v(0);
  }
}

Verdict expression_risk(EvalCtx& c, const PredicateDef&) {
  for (const auto& o : c.q.offences) {
    if (!o.speech_related && !speech_code(c.pack, o.iccs_code)) continue;
    const IccsCode* ic = c.pack.iccs_code(o.iccs_code);  // the reason names the pack's code, if any
    return v(1, arg_str(ic ? std::string_view(ic->code) : std::string_view("-")));
  }
  if (c.q.subject.professional_privilege == Privilege::Journalist) return v(2);
  return v(0);
}

// HR.DEATH: a capital offence in the requesting State is a condition until
// the request offers the assurance the requested side asks for (MLA.REF.8
// reads the same field); an agreement's permission before evidential use
// stays with UKUS.9 / AUUS.9.
// EIO.LIVE, MLA.LIVE: real-time collection and interception by a request to
// another State depend on what its law allows in a similar domestic case and
// on what the instrument provides; a reviewer decides, it never passes.
Verdict live_measure_review(EvalCtx& c, const PredicateDef&) {
  if (c.measure != Measure::RealtimeTraffic && c.measure != Measure::InterceptContent) return v(0);
  return v(1, ename(enum_name(c.measure)), arg_state(c.counterpart));
}

// HR.PROXY: the request serves another State's proceedings (it executes its
// request, or is made on its behalf). Never a pass: a reviewer decides.
Verdict proxy_request(EvalCtx& c, const PredicateDef&) {
  if (c.q.is_execution_of_foreign_request) return v(1);
  const OnBehalfOf who = on_behalf_of(c.q);
  switch (who.kind) {
    case OnBehalfOf::Kind::ForeignState: return v(2, arg_state(who.state));
    case OnBehalfOf::Kind::OtherBody: return v(3);
    default: return v(0);
  }
}

Verdict death_penalty_risk(EvalCtx& c, const PredicateDef&) {
  for (const auto& o : c.q.offences)
    if (o.death_penalty_available)
      return c.q.assurances_offered.contains(Assurance::NoDeathPenalty) ? v(2, arg_state(c.q.requesting_state))
                                                                        : v(1, arg_state(c.q.requesting_state));
  return v(0);
}

Verdict privilege_immunity(EvalCtx& c, const PredicateDef&) {
  if (c.q.subject.professional_privilege != Privilege::None)
    return v(1, ename(enum_name(c.q.subject.professional_privilege)));
  if (c.q.subject.immunity) return v(2);
  return v(0);
}

// HR.NBI (gate), MLA.REF.4: a final judgment on the same facts → review.
Verdict ne_bis_in_idem(EvalCtx& c, const PredicateDef&) {
  for (const auto& j : c.q.prior_final_judgments)
    if (j.same_facts) return v(1, arg_state(j.state));
  return v(0);
}

// HR.INTERCEPT, US.ORD.10: fixed end, less-intrusive-means finding. With
// params.fields "content_only" (18 U.S.C. 2523(b)(4)(D)(vi) speaks of the
// interception of communications, 2510(4): their contents) real-time traffic
// data is outside the predicate; otherwise (Budapest Arts 15(2), 20, 21) both.
// With "partner_orders" it binds only the non-US party's orders (2523(b)(4)
// lists what the foreign government's orders must meet).
Verdict interception_limits(EvalCtx& c, const PredicateDef& p) {
  if (has_field(p, "partner_orders") && !c.partner_issuing) return v(0);
  if (c.measure != Measure::InterceptContent && (has_field(p, "content_only") || c.measure != Measure::RealtimeTraffic))
    return v(0);
  if (!c.q.interception || !c.q.interception->end) return v(2);
  if (is_blank(c.q.interception->less_intrusive_assessment)) return v(3);
  return v(1);
}

Verdict user_notice_plan(EvalCtx& c, const PredicateDef&) {
  const auto& plan = *c.q.user_notification_plan;
  if (plan.mode == NoticeMode::NotifyNow) return v(0);
  if (is_blank(plan.justification)) return v(2, ename(enum_name(plan.mode)));
  if (plan.mode == NoticeMode::Delay && !plan.review_date) return v(3);
  return v(1, ename(enum_name(plan.mode)));
}

Verdict data_protection_plan(EvalCtx& c, const PredicateDef&) {
  if (!c.q.sensitive_data_expected.empty())
    return v(1, arg_int(0), arg_list(EnumInfo<SensitiveData>::names, c.q.sensitive_data_expected.bits()));
  if (c.q.automated_decision_use) return v(2);
  if (!c.q.retention_period_days && !c.q.review_interval_days) return v(3);
  return v(0, arg_int(c.q.retention_period_days.value_or(c.q.review_interval_days.value_or(0))));
}

// HR.USE (review) / UKUS.10 (fail, params.severity): onward transfers need prior authorisation.
// The agreements' clause (severity fail) is about transfers to a third
// country or an international organisation: a use within the requesting
// State is not one (the general use limits, HR.USE, still see it).
Verdict onward_transfer_authorised(EvalCtx& c, const PredicateDef& p) {
  const bool agreement = p.params.severity == Outcome::Fail;
  bool any = false;
  for (const auto& t : c.q.onward_transfer_plan) {
    if (agreement) {
      auto st = parse_state(t.recipient);
      if (st.error.empty() && st.code == c.q.requesting_state) continue;
    }
    any = true;
    if (is_blank(t.authorisation_ref)) return v(agreement ? 3 : 2);
  }
  return v(any ? 1 : 0);
}

// REG.1: the registry knows the states the routing depends on.
Verdict states_in_registry(EvalCtx& c, const PredicateDef&) {
  for (StateCode s : {c.q.requesting_state, provider_state(c.q)})
    if (!c.pack.state(s)) return v(1, arg_state(s));
  return v(0);
}

// ---- Domestic ----------------------------------------------------------------

Verdict domestic_reach(EvalCtx& c, const PredicateDef&) {
  const auto& pr = c.q.provider;
  StateCode is = c.q.requesting_state;
  if (pr.hq_state == is) return v(0, arg_state(is), ename("HQ"));
  for (const auto& e : pr.establishments)
    if (e.state == is) return v(0, arg_state(is), ename(enum_name(e.type)));
  // Budapest Art 18(1)(b): an order to submit stored subscriber information,
  // to a "service provider" (Art 1(c): communication services, or storing
  // or processing data for them or their users) offering its services here.
  // Not preservation, not live collection, not a bank.
  bool subscriber_only = c.scope.subset_of(kSubscriberLike);
  bool offers =
      std::find(pr.offers_services_in.begin(), pr.offers_services_in.end(), is) != pr.offers_services_in.end();
  bool production = c.measure == Measure::ProduceStored || c.measure == Measure::DomainRegistration;
  const StateInfo* st = c.pack.state(is);
  if (subscriber_only && offers && production && pr.services.intersects(kServiceProviderServices) && st &&
      party_at(st->budapest_party_since, c.at))
    return v(1, arg_state(is));
  return v(2, arg_state(is));
}

Verdict domestic_legal_basis(EvalCtx& c, const PredicateDef&) {
  for (const auto& b : c.q.domestic_legal_basis)
    if (!is_blank(b)) return v(0);
  return v(1);
}

// ---- Hill's unilateral guidelines (JFH.1-2), per requesting-state policy -----

// JFH.1. On the domestic pathway a national order to a provider established
// in the requesting State is no direct demand abroad; an order on a provider
// abroad (Budapest Art 18(1)(b)) is one, as a Protocol Art 7 order is.
Verdict sensitive_requires_mla(EvalCtx& c, const PredicateDef&) {
  if (c.pathway && c.pathway->family == Family::Domestic) {
    const auto& pr = c.q.provider;
    bool here = pr.hq_state == c.q.requesting_state;
    for (const auto& e : pr.establishments) here = here || e.state == c.q.requesting_state;
    if (here) return v(3, arg_state(c.q.requesting_state));
  }
  const auto& pol = c.pack.policy(c.q.requesting_state);
  if (pol.sensitive_require_mla.empty()) return v(0, arg_state(c.q.requesting_state));
  auto hit = c.q.information_sensitivity.intersect(pol.sensitive_require_mla);
  if (hit.empty()) return v(1);
  return v(2, arg_state(c.q.requesting_state), arg_list(EnumInfo<InfoSensitivity>::names, hit.bits()));
}

Verdict first_use_mla(EvalCtx& c, const PredicateDef&) {
  const auto& pol = c.pack.policy(c.q.requesting_state);
  if (!pol.first_use_mla_required) return v(0, arg_state(c.q.requesting_state));
  if (c.q.urgency.is_emergency) return v(2);
  for (const auto& pr : c.q.prior_requests)
    if (pr.pathway == "P_MLAT" || pr.pathway == "P_BC_MLA" || pr.pathway == "P_EIO") return v(1, arg_str("MLA"));
  return v(3, arg_state(c.q.requesting_state));
}

// ---- Letters rogatory, voluntary disclosure ---------------------------------

bool is_treaty_family(Family f) {
  return f == Family::EuEpoc || f == Family::Eio || f == Family::CloudEa || f == Family::Sap7 || f == Family::Sap8 ||
         f == Family::Sap9 || f == Family::Sap10 || f == Family::BcMla || f == Family::Mlat || f == Family::Domestic;
}

Verdict letters_rogatory_fallback(EvalCtx& c, const PredicateDef&) {
  if (c.earlier) {
    for (const auto& r : *c.earlier) {
      if (r.role != Role::Primary || !is_treaty_family(r.def->family)) continue;
      if (r.status == PathwayStatus::Available || r.status == PathwayStatus::AvailableWithConditions)
        return v(1, arg_str(r.def->id));
    }
  }
  c.counterpart = requested_state(c);
  return v(0, Arg{}, arg_state(c.counterpart));
}

Verdict judicial_origin(EvalCtx& c, const PredicateDef&) {
  if (judicial(c.q.issuing_authority.type)) return v(0, ename(enum_name(c.q.issuing_authority.type)));
  if (c.q.validating_authority && judicial(c.q.validating_authority->type))
    return v(0, ename(enum_name(c.q.validating_authority->type)));
  return v(1, ename(enum_name(c.q.issuing_authority.type)));
}

Verdict voluntary_permitted(EvalCtx& c, const PredicateDef&) {
  StateCode ps = provider_state(c.q);
  const StateInfo* st = c.pack.state(ps);
  c.counterpart = ps;
  if (st && st->voluntary_noncontent_permitted && c.q.requesting_state != ps) return v(0, arg_state(ps));
  return v(1, arg_state(ps));
}

Verdict voluntary_non_content(EvalCtx& c, const PredicateDef&) {
  return c.scope.contains(DataCategory::Content) ? v(1, arg_state(c.counterpart)) : v(0, arg_cats(c.scope));
}

Verdict voluntary_flag(EvalCtx&, const PredicateDef&) {
  return v(0);
}

// ---- Access Now criteria (AN.*), evaluated once after all pathways -----------

bool any_lawful(const EvalCtx& c, Family f) {
  if (!c.earlier) return false;
  for (const auto& r : *c.earlier)
    if (r.def->family == f &&
        (r.status == PathwayStatus::Available || r.status == PathwayStatus::AvailableWithConditions))
      return true;
  return false;
}

Verdict an_reciprocal_corridor(EvalCtx& c, const PredicateDef&) {
  if (!c.earlier) return v(1);
  for (const auto& r : *c.earlier) {
    if (r.def->family == Family::Voluntary || r.def->family == Family::LettersRogatory) continue;
    if (r.status != PathwayStatus::NotApplicable) return v(0, arg_str(r.def->id));
  }
  return v(1);
}

Verdict an_connection(EvalCtx& c, const PredicateDef&) {
  int score = connection_score(c.q, c.q.requesting_state, nullptr);
  int min = c.pack.policy(c.q.requesting_state).min_connection_score;
  return v(score >= min ? 0 : 1, arg_state(c.q.requesting_state), arg_int(score), arg_int(min));
}

Verdict an_speed_critical(EvalCtx& c, const PredicateDef&) {
  if (c.q.urgency.is_emergency) return v(1);
  for (const auto& o : c.q.offences) {
    const IccsCode* ic = c.pack.iccs_code(o.iccs_code);
    if (ic && ic->speed_critical) return v(0, arg_str(ic->code), arg_str(ic->label));
  }
  return v(2);
}

Verdict an_individualised(EvalCtx& c, const PredicateDef& p) {
  EvalCtx tmp = c;
  Verdict spec = specific_identifiers(tmp, p);
  if (spec.variant != 0 || is_blank(c.q.facts_summary) || is_blank(c.q.necessity_statement)) return v(1);
  return v(0);
}

Verdict an_hr_standards(EvalCtx& c, const PredicateDef&) {
  bool independent = judicial(c.q.issuing_authority.type) ||
                     (c.q.validating_authority && judicial(c.q.validating_authority->type)) ||
                     c.q.independent_review == ReviewType::PriorJudicialAuthorisation ||
                     c.q.independent_review == ReviewType::PriorIndependentAuthority;
  return v(independent ? 0 : 1);
}

Verdict an_data_protection(EvalCtx& c, const PredicateDef&) {
  bool ok = (c.q.retention_period_days || c.q.review_interval_days) && !c.q.automated_decision_use;
  return v(ok ? 0 : 1);
}

Verdict an_official_channel(EvalCtx& c, const PredicateDef&) {
  return any_lawful(c, Family::Voluntary) ? v(1) : v(0);
}

Verdict an_notice(EvalCtx& c, const PredicateDef&) {
  const auto& plan = *c.q.user_notification_plan;
  bool ok = plan.mode == NoticeMode::NotifyNow || (plan.review_date && !is_blank(plan.justification));
  return v(ok ? 0 : 1);
}

Verdict an_emergency_process(EvalCtx& c, const PredicateDef&) {
  if (!c.q.urgency.is_emergency) return v(0);
  return v(is_blank(c.q.urgency.justification) ? 2 : 1);
}

}  // namespace

}  // namespace kinds

int connection_score(const Request& q, StateCode s, uint32_t* bits) {
  uint32_t b = 0;
  if (q.provider.data_location.contains(s)) b |= 1u << 0;
  bool est = q.provider.hq_state == s;
  for (const auto& e : q.provider.establishments) est = est || e.state == s;
  if (est) b |= 1u << 1;
  if (q.subject.nationality.contains(s) || q.subject.residence_state.is(s) || q.subject.current_location_state.is(s))
    b |= 1u << 2;
  bool victim = false;
  for (const auto& n : q.victims_nationality) victim = victim || n.contains(s);
  for (const auto& l : q.victims_location) victim = victim || l.is(s);
  for (const auto& o : q.offences) victim = victim || o.harm_states.contains(s);
  if (victim) b |= 1u << 3;
  bool locus = false;
  for (const auto& o : q.offences) locus = locus || o.locus_states.contains(s);
  if (locus) b |= 1u << 4;
  if (bits) *bits = b;
  return __builtin_popcount(b);
}

int connection_strength(const Request& q, StateCode s) {
  uint32_t bits = 0;
  int n = connection_score(q, s, &bits);
  return ((bits & 0b11u) != 0 ? 8 : 0) + n;
}

namespace kinds {

void register_core(std::vector<KindSpec>& out) {
  out.insert(
      out.end(),
      {
          {"criminal_purpose", {{"pass", P}, {"fail", F}}, {"proceedings"}, {}, criminal_purpose},
          {"live_measure_review",
           {{"not_applicable", N}, {"review", R}},
           {"measure", "state"},
           {},
           live_measure_review},
          {"proxy_request",
           {{"pass", P}, {"review_execution", R}, {"review_on_behalf", R}, {"review_on_behalf_other", R}},
           {"state"},
           {},
           proxy_request},
          {"specific_identifiers",
           {{"pass", P}, {"fail_none", F}, {"fail_bulk", F}, {"review_semi", R}},
           {"type"},
           {},
           specific_identifiers},
          {"facts_present", {{"pass", P}, {"fail_no_facts", F}, {"review_no_link", R}}, {}, {}, facts_present},
          {"necessity_statement", {{"pass", P}, {"review_missing", R}}, {}, {}, necessity_statement},
          {"discrimination_risk",
           {{"pass", P}, {"review_low", R}, {"fail_substantial", F}},
           {"grounds"},
           {},
           discrimination_risk},
          {"expression_risk",
           {{"pass", P}, {"review_speech", R}, {"review_journalist", R}},
           {"iccs"},
           {},
           expression_risk},
          {"death_penalty_risk",
           {{"pass", P}, {"review_available", R}, {"pass_assured", P}},
           {"state"},
           {},
           death_penalty_risk},
          {"privilege_immunity",
           {{"pass", P}, {"review_privilege", R}, {"review_immunity", R}},
           {"privilege"},
           {},
           privilege_immunity},
          {"ne_bis_in_idem", {{"pass", P}, {"review_judgment", R}}, {"state"}, {}, ne_bis_in_idem},
          {"interception_limits",
           {{"not_applicable", N}, {"pass", P}, {"fail_no_end", F}, {"fail_no_assessment", F}},
           {},
           {"fields"},
           interception_limits},
          {"user_notice_plan",
           {{"pass_notify", P}, {"pass_delay", P}, {"review_no_justification", R}, {"review_no_review_date", R}},
           {"mode"},
           {},
           user_notice_plan},
          {"data_protection_plan",
           {{"pass", P}, {"review_sensitive", R}, {"review_automated", R}, {"pass_unset", P}},
           {"days", "sensitivity"},
           {},
           data_protection_plan},
          {"onward_transfer_authorised",
           {{"pass_none", P}, {"pass_authorised", P}, {"review_unauthorised", R}, {"fail_unauthorised", F}},
           {},
           {"severity"},
           onward_transfer_authorised},
          {"states_in_registry", {{"pass", P}, {"review_missing", R}}, {"state"}, {}, states_in_registry},
          {"domestic_reach",
           {{"pass_establishment", P}, {"review_art18", R}, {"not_applicable", N}},
           {"state", "type"},
           {},
           domestic_reach},
          {"domestic_legal_basis", {{"pass", P}, {"review_missing", R}}, {}, {}, domestic_legal_basis},
          {"sensitive_requires_mla",
           {{"pass_no_policy", P}, {"pass_not_sensitive", P}, {"fail", F}, {"pass_domestic", P}},
           {"state", "sensitivity"},
           {},
           sensitive_requires_mla},
          {"first_use_mla",
           {{"not_applicable", N}, {"pass_prior", P}, {"pass_emergency", P}, {"fail", F}},
           {"state"},
           {},
           first_use_mla},
          {"letters_rogatory_fallback",
           {{"pass", P}, {"not_applicable", N}},
           {"pathway", "state"},
           {},
           letters_rogatory_fallback},
          {"judicial_origin", {{"pass", P}, {"fail", F}}, {"type"}, {}, judicial_origin},
          {"voluntary_permitted", {{"pass", P}, {"not_applicable", N}}, {"state"}, {}, voluntary_permitted},
          {"voluntary_non_content", {{"pass", P}, {"fail_content", F}}, {"categories"}, {}, voluntary_non_content},
          {"voluntary_flag", {{"review", R}}, {}, {}, voluntary_flag},
          {"an_reciprocal_corridor", {{"pass", P}, {"review", R}}, {"pathway"}, {}, an_reciprocal_corridor},
          {"an_connection", {{"pass", P}, {"review", R}}, {"state", "score", "min"}, {}, an_connection},
          {"an_speed_critical",
           {{"pass_listed", P}, {"pass_emergency", P}, {"review", R}},
           {"iccs", "label"},
           {},
           an_speed_critical},
          {"an_individualised", {{"pass", P}, {"review", R}}, {}, {}, an_individualised},
          {"an_hr_standards", {{"pass", P}, {"review", R}}, {}, {}, an_hr_standards},
          {"an_data_protection", {{"pass", P}, {"review", R}}, {}, {}, an_data_protection},
          {"an_official_channel", {{"pass", P}, {"review", R}}, {}, {}, an_official_channel},
          {"an_notice", {{"pass", P}, {"review", R}}, {}, {}, an_notice},
          {"an_emergency_process", {{"not_applicable", N}, {"pass", P}, {"review", R}}, {}, {}, an_emergency_process},
      });
}

}  // namespace kinds

namespace {

std::vector<KindSpec> build_kinds() {
  std::vector<KindSpec> out;
  kinds::register_core(out);
  kinds::register_eu(out);
  kinds::register_intl(out);
  kinds::register_routing(out);
  return out;
}

const std::vector<KindSpec>& kind_table() {
  static const std::vector<KindSpec> table = build_kinds();
  return table;
}

}  // namespace

std::span<const KindSpec> all_kinds() {
  return kind_table();
}

const KindSpec* find_kind(std::string_view name) {
  for (const auto& k : kind_table())
    if (k.name == name) return &k;
  return nullptr;
}

CheckResult run_predicate(EvalCtx& ctx, const PredicateDef& p) {
  Verdict verdict = p.kind->fn(ctx, p);
  CheckResult r;
  r.pred = &p;
  r.variant = verdict.variant;
  r.outcome = p.kind->variants[verdict.variant].outcome;
  r.args = verdict.args;
  return r;
}

}  // namespace comity
