// Routing and the conflict of laws: two questions every cross-border request
// raises, whatever its instrument.
//
// 1. To which State does a mutual-assistance request go? The engine routes
//    the pathways the pack marks `routing: connection` (MLA, Budapest
//    Chapter III, the EIO, letters rogatory) to every State with a
//    jurisdictional connection to the request — Access Now's factor
//    analysis: where the data are stored (J.1), where the entity holding them
//    is established (J.2), the person's State (J.3), the victims' or the
//    harm's (J.4). Each candidate gets its own entry with its instrument.
//    MLA.REACH then asks whether that State can obtain the data at all: it can
//    when the data are stored there (the connection Microsoft v. United
//    States, 829 F.3d 197, found decisive), when the entity holding them is
//    established there or subject to its law, or, for live measures, when the
//    person is there. A State tied only by the person or the victims may have
//    no power over the provider: needs_review, never a pass.
//
// 2. Does the law where the data or the provider sits forbid what a direct
//    order asks? CONFLICT.1 runs on every order addressed to a provider: a
//    conflict the request records; GDPR Art 48 when a third country's order
//    reaches data or a provider where the GDPR applies, unless an
//    international agreement binding both States is the order's basis; and,
//    on a national order, the content-blocking statute of the provider's home
//    State (e.g. 18 U.S.C. 2702(a)). US.SCA.1-2 add the United States' own
//    side of Microsoft–Ireland: whether a US warrant reaches data stored
//    abroad (three dated versions, one kind each: unsettled; 829 F.3d 197;
//    18 U.S.C. 2713),
//    and whether the provider may move to quash under 2703(h).
#include <algorithm>

#include "comity/rules/kinds_impl.hpp"

namespace comity::kinds {
namespace {

constexpr Outcome P = Outcome::Pass, F = Outcome::Fail, R = Outcome::NeedsReview, N = Outcome::NotApplicable;

constexpr std::string_view kFactorNames[] = {"J.1 the data are stored there",
                                             "J.2 the entity holding the data is established there",
                                             "J.3 the person concerned (nationality, residence or location)",
                                             "J.4 victims or harm there", "J.5 the offence was committed there"};

bool live(Measure m) {
  return m == Measure::InterceptContent || m == Measure::RealtimeTraffic;
}

// MLA.REACH: can the requested State obtain the data?
Verdict requested_state_reach(EvalCtx& c, const PredicateDef&) {
  StateCode t = requested_state(c);
  if (t.empty() || t == c.q.requesting_state) return v(0);
  const auto& pr = c.q.provider;
  if (live(c.measure) && c.q.subject.current_location_state.is(t)) return v(4, arg_state(t));
  if (!live(c.measure) && pr.data_location.contains(t)) return v(1, arg_state(t));
  if (pr.hq_state == t) return v(2, arg_state(t), ename("HQ"));
  // A legal representative holds no data, but under Dir. (EU) 2023/1544 it
  // receives and complies with the Member States' evidence-gathering orders,
  // the EIO's executing measures included, once the directive applies.
  const bool eu_legal_rep = c.pathway && c.pathway->family == Family::Eio && c.at >= c.pack.eu_regulation_applies_from;
  for (const auto& e : pr.establishments)
    if (e.state == t && (e.type != EstablishmentType::LegalRepresentative || eu_legal_rep))
      return v(2, arg_state(t), ename(enum_name(e.type)));
  if (std::find(pr.subject_to_law_of.begin(), pr.subject_to_law_of.end(), t) != pr.subject_to_law_of.end())
    return v(3, arg_state(t));
  uint32_t bits = 0;
  connection_score(c.q, t, &bits);
  return v(5, arg_state(t), Arg{}, arg_list(kFactorNames, bits));
}

// The States whose law governs the data or the provider: where the data are
// stored, where the provider is established (a legal representative is not
// an establishment), whose law it declares itself subject to. Calls f(state)
// for each until f returns true.
template <class F>
bool for_each_governing_state(const Request& q, F f) {
  for (StateCode s : q.provider.data_location.states)
    if (f(s)) return true;
  if (f(q.provider.hq_state)) return true;
  for (const auto& e : q.provider.establishments)
    if (e.type != EstablishmentType::LegalRepresentative && f(e.state)) return true;
  for (StateCode s : q.provider.subject_to_law_of)
    if (f(s)) return true;
  return false;
}

// A State where the GDPR (or a law with its Art 48) governs this processing
// (Art 3) and that lies outside the data-protection area of `except` (the
// ordering State): the data are stored or the controller or processor is
// established there (Art 3(1)), or the person is there and the provider
// offers its services there (Art 3(2)(a)).
StateCode gdpr_governing_state(const EvalCtx& c, StateCode except) {
  StateCode out{};
  const int own = c.pack.gdpr_area(except, c.at);
  auto take = [&](StateCode s) {
    const int area = c.pack.gdpr_area(s, c.at);
    if (s != except && area != 0 && area != own) out = s;
    return !out.empty();
  };
  if (for_each_governing_state(c.q, take)) return out;
  const auto& offers = c.q.provider.offers_services_in;
  for (const auto& where : {c.q.subject.current_location_state, c.q.subject.residence_state})
    if (!where.unknown && std::find(offers.begin(), offers.end(), where.code) != offers.end() && take(where.code))
      return out;
  return out;
}

bool agreement_in_force(const Pack& pack, StateCode a, StateCode b, Date at) {
  for (const auto& ag : pack.agreements)
    if (((ag.a == a && ag.b == b) || (ag.a == b && ag.b == a)) && ag.in_force_from <= at) return true;
  return false;
}

// The order rests on an international agreement binding the requesting State
// and `s` (GDPR Art 48): the Second Protocol for its direct orders.
const char* agreement_basis(const EvalCtx& c, StateCode s) {
  Family f = c.pathway ? c.pathway->family : Family::Mlat;
  // An order under a CLOUD agreement rests on that agreement where it binds
  // the State whose data-protection law is engaged (the US-UK Agreement and
  // the UK GDPR's Art 48).
  if (f == Family::CloudEa && c.agreement) {
    const StateCode is = c.q.requesting_state;
    if ((c.agreement->a == is && c.agreement->b == s) || (c.agreement->a == s && c.agreement->b == is))
      return c.agreement->name.c_str();
    return nullptr;
  }
  if (f != Family::Sap6 && f != Family::Sap7) return nullptr;
  if (c.at < c.pack.sap_in_force_from) return nullptr;
  for (StateCode x : {c.q.requesting_state, s}) {
    const StateInfo* st = c.pack.state(x);
    if (!st || !party_at(st->sap_party_since, c.at)) return nullptr;
  }
  return "CETS 224 (the Second Additional Protocol)";
}

// CONFLICT.1: the law where the data or the provider sits.
Verdict conflict_of_laws(EvalCtx& c, const PredicateDef&) {
  const StateCode is = c.q.requesting_state;
  for (const auto& [st, cite] : c.q.conflicting_law_refs)
    if (st != is) return v(2, arg_state(st));
  StateCode gdpr = gdpr_governing_state(c, is);
  const char* basis = gdpr.empty() ? nullptr : agreement_basis(c, gdpr);
  if (!gdpr.empty() && !basis) return v(3, arg_state(gdpr));
  if (c.pathway && c.pathway->family == Family::Domestic && c.scope.contains(DataCategory::Content)) {
    StateCode home = c.q.provider.hq_state;
    const StateInfo* st = c.pack.state(home);
    // An agreement in force between the two States does not lift the bar
    // for a national order: the blocking statute yields only to an order
    // "subject to" the agreement (18 U.S.C. 2702(b)(9), 2511(2)(j)), which is
    // the agreement's own pathway, not this one.
    if (st && !st->content_blocking_statute.empty() && home != is)
      return v(4, arg_state(home), arg_str(st->content_blocking_statute));
  }
  if (basis) return v(1, arg_state(gdpr), arg_str(basis));
  return v(0);
}

// US.SCA.1: does a US order reach data stored abroad? Three kinds, one per
// state of the law (each a dated version of the predicate in the pack).
struct WarrantFacts {
  bool us_order, in_us, unknown;
  StateCode abroad;
};
WarrantFacts warrant_facts(const EvalCtx& c) {
  const auto& loc = c.q.provider.data_location;
  StateCode abroad = loc.states.empty() ? StateCode{} : loc.states.front();
  return {c.q.requesting_state == kUS, loc.contains(kUS), abroad.empty() || loc.unknown || loc.sharded, abroad};
}

// Until 829 F.3d 197: the question was open.
Verdict us_warrant_unsettled(EvalCtx& c, const PredicateDef&) {
  auto f = warrant_facts(c);
  if (!f.us_order) return v(0);
  if (f.in_us) return v(1);
  return f.unknown ? v(3) : v(2, arg_state(f.abroad));
}

// 829 F.3d 197 (2d Cir. 2016): a warrant reaches content stored in the US
// only — "stored exclusively on foreign servers" is beyond it, so data split
// between the US and abroad is reached in its US part only.
Verdict us_warrant_territorial(EvalCtx& c, const PredicateDef&) {
  auto f = warrant_facts(c);
  if (!f.us_order) return v(0);
  if (f.in_us) {
    for (StateCode s : c.q.provider.data_location.states)
      if (s != kUS) return v(5, arg_state(s));
    return v(1);
  }
  if (f.unknown) return v(2);
  return c.scope.contains(DataCategory::Content) ? v(3, arg_state(f.abroad)) : v(4, arg_state(f.abroad));
}

// 18 U.S.C. 2713: possession, custody or control, wherever the data are.
Verdict us_warrant_control(EvalCtx& c, const PredicateDef&) {
  auto f = warrant_facts(c);
  if (!f.us_order) return v(0);
  return f.in_us ? v(1) : v(2);
}

// US.SCA.2: the provider's motion to quash or modify (18 U.S.C. 2703(h)(2)),
// open only where the foreign State is a qualifying foreign government.
// The motion lies against "legal process issued under this section" for
// "the contents of a wire or electronic communication" (2703(h)(2)(A)): a
// demand for stored contents, not for records, traffic or live collection.
// Every State whose law is engaged is weighed: one with an agreement in
// force opens the motion even when another without one is named first.
Verdict us_comity_motion(EvalCtx& c, const PredicateDef&) {
  if (c.q.requesting_state != kUS) return v(0);
  if (c.measure != Measure::ProduceStored || !c.scope.contains(DataCategory::Content)) return v(0);
  StateCode foreign{}, qualifying{};
  for (const auto& [st, cite] : c.q.conflicting_law_refs) {
    if (st == kUS) continue;
    if (foreign.empty()) foreign = st;
    if (qualifying.empty() && agreement_in_force(c.pack, kUS, st, c.at)) qualifying = st;
  }
  if (foreign.empty()) foreign = gdpr_governing_state(c, kUS);
  if (foreign.empty()) return v(0);
  if (!qualifying.empty()) foreign = qualifying;
  if (!agreement_in_force(c.pack, kUS, foreign, c.at)) return v(1, arg_state(foreign));
  if (us_person(c.q.subject) == Tri::True || c.q.subject.residence_state.is(kUS)) return v(2, arg_state(foreign));
  return v(3, arg_state(foreign));
}

}  // namespace

void register_routing(std::vector<KindSpec>& out) {
  out.insert(
      out.end(),
      {
          {"requested_state_reach",
           {{"not_applicable", N},
            {"pass_data", P},
            {"pass_entity", P},
            {"pass_law", P},
            {"pass_target", P},
            {"review_connection", R}},
           {"state", "type", "factors"},
           {},
           requested_state_reach},
          {"conflict_of_laws",
           {{"pass", P}, {"pass_agreement", P}, {"review_recorded", R}, {"review_gdpr", R}, {"review_blocking", R}},
           {"state", "basis"},
           {},
           conflict_of_laws},
          {"us_warrant_unsettled",
           {{"not_applicable", N}, {"pass_in_us", P}, {"review_unsettled", R}, {"review_location_unknown", R}},
           {"state"},
           {},
           us_warrant_unsettled},
          {"us_warrant_territorial",
           {{"not_applicable", N},
            {"pass_in_us", P},
            {"review_location_unknown", R},
            {"fail_abroad", F},
            {"review_abroad_non_content", R},
            {"review_split", R}},
           {"state"},
           {},
           us_warrant_territorial},
          {"us_warrant_control",
           {{"not_applicable", N}, {"pass_in_us", P}, {"pass_control", P}},
           {},
           {},
           us_warrant_control},
          {"us_comity_motion",
           {{"not_applicable", N}, {"pass_no_agreement", P}, {"pass_us_person", P}, {"review_motion", R}},
           {"state"},
           {},
           us_comity_motion},
      });
}

}  // namespace comity::kinds
