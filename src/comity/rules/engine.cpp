// The pathway engine (legal-rules.md §8.2).
//
// 1. Gate. The human-rights predicates (HR.*) run once, before any pathway.
//    A gate failure makes every applicable pathway unavailable; a gate
//    needs_review puts conditions on every available one. Safeguards are
//    never relaxed on any path, including the slowest.
//
// 2. Pathways. Each pathway runs all its applicability predicates first;
//    any not_applicable ends it (the instrument does not reach this
//    corridor, measure or date), and every such reason is shown. Otherwise
//    every check runs — no short circuit — so the decision shows every
//    failing reason and every hint.
//    Status: any failing check → unavailable; else any needs_review (in the
//    gate or the pathway) → available with conditions; else available.
//    Advisory checks (predicted refusal grounds, policy criteria) are shown
//    but never change a status.
//
// 3. Splitting. The law often treats data categories differently (EU Art 4
//    and 5: subscriber vs traffic/content; SAP Art 7 vs 8; US voluntary
//    disclosure of non-content only). When a pathway is unavailable for the
//    whole request, it is evaluated per category; categories with the same
//    outcome are merged and re-evaluated together. If the outcomes differ,
//    the split entries replace the whole-request entry (scenarios S03, S07).
//
// 4. Preservation. When the request asks for stored data, pathways marked
//    as preservation companions are also evaluated for preservation, so a
//    fast preservation can run beside a slow production.
//
// 5. Routing by connection. Pathways the pack marks `routing: connection`
//    (mutual assistance, the EIO, letters rogatory) are evaluated once per
//    State tied to the request by the data, the entity holding them, the
//    person or the victims (J.1-J.4), strongest tie first, with that State
//    bound as the requested State (EvalCtx::requested); MLA.REACH says
//    whether it can obtain the data (kinds_routing.cpp).
//
// 6. Ranking. Lawful entries are ranked per role by: available before
//    available-with-conditions; then treaty routes before voluntary
//    disclosure (which has no treaty safeguards, so it never outranks one);
//    then a requested State that can obtain the data before one MLA.REACH
//    doubts; then shorter expected time to data (the pack's advisory speed,
//    the emergency track where one exists); then the stronger connection;
//    then stronger safeguards; then pack order. See kRankingRule.
//
// 7. Advisory analysis. The Access Now criteria (AN.*) run once after all
//    pathways; the jurisdiction factors (J.1-J.5) are scored for every state
//    connected to the request. Neither decides anything.
#include "comity/rules/engine.hpp"

#include <algorithm>
#include <bit>

#include "comity/rules/kinds.hpp"

namespace comity {

const char* const kRankingRule =
    "Lawful pathways are ranked within each role (primary, preservation companion) by: (1) available before "
    "available_with_conditions; (2) routes with treaty or statutory safeguards before voluntary disclosure, "
    "which has none; (3) mutual assistance to a State that can obtain the data (stored there, or the entity "
    "holding them established there) before a State tied only by the person or the victims; (4) shorter expected "
    "time to data, using the pack's advisory speed and the emergency track where the pathway has one; (5) the "
    "requested State's stronger connection (more jurisdiction factors); (6) stronger safeguards (prior judicial "
    "authorisation, notification of the affected State); (7) pack order. Speeds are advisory estimates, never legal "
    "findings.";

namespace {

struct Evaluator {
  const Request& q;
  const Pack& pack;
  Date at;
  Decision& d;
  bool gate_fail = false, gate_review = false;

  EvalCtx ctx(const PathwayDef* def, Measure measure, Categories scope, Role role, StateCode requested = {}) {
    EvalCtx c{.q = q, .pack = pack, .at = at};
    c.requested = requested;
    c.pathway = def;
    c.measure = measure;
    c.scope = scope;
    c.role = role;
    c.earlier = &d.pathways;
    return c;
  }

  // Runs the predicates of `groups`; returns the range of results.
  Range run(EvalCtx& c, const std::vector<int>& groups) {
    Range r{static_cast<uint32_t>(d.checks.size()), 0};
    for (int g : groups) {
      const PredicateDef* p = pack.predicate_at(g, at);
      if (!p) continue;  // no version of this rule is in force on `at`
      d.checks.push_back(run_predicate(c, *p));
    }
    r.end = static_cast<uint32_t>(d.checks.size());
    return r;
  }

  PathwayResult evaluate_entry(const PathwayDef& def, Measure measure, Categories scope, Role role,
                               StateCode requested) {
    // Domain-registration data held by a registry or registrar are stored
    // data (the request format treats them as subscriber data): a pathway
    // that does not name the Protocol's Art 6 measure takes it as a
    // production of stored data, so the same facts get the same routes
    // whichever of the two encodings the officer chose.
    if (measure == Measure::DomainRegistration &&
        std::find(def.measures.begin(), def.measures.end(), measure) == def.measures.end())
      measure = Measure::ProduceStored;
    EvalCtx c = ctx(&def, measure, scope, role, requested);
    PathwayResult r;
    if (!requested.empty()) connection_score(q, requested, &r.connection);
    r.def = &def;
    r.role = role;
    r.measure = measure;
    r.scope = scope;
    // Every applicability check runs, so a pathway that fails to apply for
    // several reasons says all of them (S21: not in force, and reserved).
    r.applicability = run(c, def.applicability_idx);
    bool na_check = false;
    for (uint32_t i = r.applicability.begin; i < r.applicability.end; ++i)
      na_check = na_check || d.checks[i].outcome == Outcome::NotApplicable;
    if (na_check)
      r.na_reason = NaReason::Check;
    else if (r.applicability.end - r.applicability.begin < def.applicability_idx.size())
      r.na_reason = NaReason::RuleNotInForce;  // applicability cannot be established
    else if (std::find(def.measures.begin(), def.measures.end(), measure) == def.measures.end())
      r.na_reason = NaReason::Measure;
    if (r.na_reason != NaReason::None) {
      r.counterpart = requested;  // routed: the candidate it does not reach
      r.status = PathwayStatus::NotApplicable;
      r.checks = {r.applicability.end, r.applicability.end};
      return r;
    }
    r.checks = run(c, def.checks_idx);
    bool fail = gate_fail, review = gate_review;
    for (uint32_t i = r.applicability.begin; i < r.checks.end; ++i) {
      const auto& ch = d.checks[i];
      if (ch.pred->advisory) continue;
      fail = fail || ch.outcome == Outcome::Fail;
      review = review || ch.outcome == Outcome::NeedsReview;
      // The one kind that asks whether a routed State can obtain the data at
      // all; a doubt there ranks the entry after the States that can.
      if (ch.outcome == Outcome::NeedsReview && ch.pred->kind->name == "requested_state_reach") r.reach_doubtful = true;
    }
    r.status = fail ? PathwayStatus::Unavailable
                    : (review ? PathwayStatus::AvailableWithConditions : PathwayStatus::Available);
    r.counterpart = c.counterpart.empty() ? requested : c.counterpart;
    r.agreement = c.agreement;
    r.instrument = c.instrument;
    r.notified = c.notified;
    r.ex_post_validation = c.ex_post_validation;
    int hours = def.speed_days * 24;
    if (def.family == Family::Mlat || def.family == Family::BcMla) {
      const StateInfo* st = pack.state(c.counterpart);
      if (st && st->incoming_mla_days > 0) hours = st->incoming_mla_days * 24;
    }
    if (measure == Measure::Preserve && def.preservation_hours > 0) hours = def.preservation_hours;
    if (q.urgency.is_emergency && def.emergency_hours > 0) hours = std::min(hours, def.emergency_hours);
    r.expected_hours = hours;
    return r;
  }

  // The set of non-advisory failing predicates of an entry, as group ids.
  std::vector<int> failing(const PathwayResult& r) const {
    std::vector<int> out;
    for (uint32_t i = r.applicability.begin; i < r.checks.end; ++i)
      if (!d.checks[i].pred->advisory && d.checks[i].outcome == Outcome::Fail) out.push_back(d.checks[i].pred->group);
    return out;
  }

  void add(const PathwayDef& def, Measure measure, Role role, StateCode requested = {}) {
    PathwayResult whole = evaluate_entry(def, measure, d.requested, role, requested);
    if (whole.status != PathwayStatus::Unavailable || d.requested.size() < 2) {
      d.pathways.push_back(whole);
      return;
    }
    // Split by data category; merge categories with the same outcome.
    struct Group {
      Categories cats;
      PathwayStatus status;
      std::vector<int> fails;
    };
    std::vector<Group> groups;
    size_t mark = d.checks.size();
    d.requested.for_each([&](DataCategory cat) {
      PathwayResult one = evaluate_entry(def, measure, Categories{cat}, role, requested);
      auto f = failing(one);
      for (auto& g : groups)
        if (g.status == one.status && g.fails == f) {
          g.cats.insert(cat);
          return;
        }
      groups.push_back({Categories{cat}, one.status, std::move(f)});
    });
    d.checks.resize(mark);  // the probes are re-run below with their merged scope
    if (groups.size() < 2) {
      d.pathways.push_back(whole);
      return;
    }
    for (const auto& g : groups) {
      PathwayResult part = evaluate_entry(def, measure, g.cats, role, requested);
      part.split = true;
      d.pathways.push_back(part);
    }
  }

  // The candidate requested States of a connection-routed pathway: every
  // State other than the requesting one tied to the request by the data's
  // location, the holding entity's establishment, the person or the victims
  // (J.1-J.4), strongest first — reach (data or entity there) before
  // personal ties, then more factors, then first mention. Empty when every
  // connection is the requesting State's own.
  std::vector<StateCode> candidates() const {
    std::vector<StateCode> all;
    auto put = [&](StateCode s) {
      if (!s.empty() && s != q.requesting_state && std::find(all.begin(), all.end(), s) == all.end()) all.push_back(s);
    };
    put(q.provider.hq_state);
    for (const auto& e : q.provider.establishments) put(e.state);
    for (auto s : q.provider.data_location.states) put(s);
    for (auto s : q.subject.nationality.states) put(s);
    if (!q.subject.residence_state.unknown) put(q.subject.residence_state.code);
    if (!q.subject.current_location_state.unknown) put(q.subject.current_location_state.code);
    for (const auto& n : q.victims_nationality)
      for (auto s : n.states) put(s);
    for (const auto& l : q.victims_location)
      if (!l.unknown) put(l.code);
    for (const auto& o : q.offences)
      for (auto s : o.harm_states.states) put(s);
    std::stable_sort(all.begin(), all.end(),
                     [&](StateCode a, StateCode b) { return connection_strength(q, a) > connection_strength(q, b); });
    return all;
  }

  // A connection-routed pathway: one set of entries per candidate State.
  // Candidates where the pathway does not apply are kept when the data or
  // the entity holding them is there (the user asks why not there); others
  // only when nothing applies anywhere, as the strongest candidate's entry.
  void add_routed(const PathwayDef& def, Measure measure, Role role) {
    auto states = candidates();
    if (states.empty()) {
      add(def, measure, role);
      return;
    }
    size_t first = d.pathways.size();
    std::vector<PathwayResult> kept;
    std::vector<PathwayResult> fallback;
    for (size_t i = 0; i < states.size(); ++i) {
      size_t mark = d.pathways.size();
      add(def, measure, role, states[i]);
      bool applies = false;
      for (size_t k = mark; k < d.pathways.size(); ++k) applies = applies || d.pathways[k].na_reason == NaReason::None;
      bool reach = (d.pathways[mark].connection & 0b11u) != 0;
      for (size_t k = mark; k < d.pathways.size(); ++k) {
        if (applies || reach) kept.push_back(d.pathways[k]);
        if (i == 0) fallback.push_back(d.pathways[k]);
      }
      d.pathways.resize(mark);
    }
    if (kept.empty()) kept = std::move(fallback);
    // The strongest connection among the candidates where the route applies.
    int best = -1;
    for (const auto& r : kept)
      if (r.na_reason == NaReason::None) best = std::max(best, connection_strength(q, r.counterpart));
    for (auto& r : kept) r.strongest = r.na_reason == NaReason::None && connection_strength(q, r.counterpart) == best;
    d.pathways.insert(d.pathways.begin() + static_cast<std::ptrdiff_t>(first), kept.begin(), kept.end());
  }

  void rank(Role role) {
    std::vector<PathwayResult*> lawful;
    for (auto& p : d.pathways)
      if (p.role == role &&
          (p.status == PathwayStatus::Available || p.status == PathwayStatus::AvailableWithConditions))
        lawful.push_back(&p);
    std::stable_sort(lawful.begin(), lawful.end(), [](const PathwayResult* a, const PathwayResult* b) {
      if (a->status != b->status) return a->status < b->status;
      bool ta = a->def->safeguard_strength > 0, tb = b->def->safeguard_strength > 0;
      if (ta != tb) return ta;  // routes without treaty safeguards (voluntary disclosure) come last
      if (a->reach_doubtful != b->reach_doubtful) return b->reach_doubtful;  // a State that can obtain the data first
      if (a->expected_hours != b->expected_hours) return a->expected_hours < b->expected_hours;
      if (a->connection != b->connection)
        return std::popcount(a->connection) > std::popcount(b->connection);  // the stronger tie
      return a->def->safeguard_strength > b->def->safeguard_strength;
    });
    for (size_t i = 0; i < lawful.size(); ++i) lawful[i]->rank = static_cast<int>(i + 1);
  }

  // Where the requesting State makes the Access Now criteria binding, an unmet
  // criterion puts conditions on every direct (provider-facing) pathway.
  void apply_binding_policy() {
    if (!pack.policy(q.requesting_state).access_now_binding) return;
    bool unmet = false;
    for (uint32_t i = d.advisory.begin; i < d.advisory.end; ++i)
      unmet = unmet || d.checks[i].outcome == Outcome::NeedsReview || d.checks[i].outcome == Outcome::Fail;
    if (!unmet) return;
    for (auto& p : d.pathways) {
      Family f = p.def->family;
      bool direct = f == Family::EuEpoc || f == Family::EuEpocPr || f == Family::CloudEa || f == Family::Sap6 ||
                    f == Family::Sap7 || f == Family::Voluntary;
      if (direct && p.status == PathwayStatus::Available) p.status = PathwayStatus::AvailableWithConditions;
    }
  }

  void factors() {
    std::vector<StateCode> states{q.requesting_state, q.provider.hq_state};
    for (const auto& e : q.provider.establishments) states.push_back(e.state);
    for (auto s : q.provider.data_location.states) states.push_back(s);
    for (auto s : q.subject.nationality.states) states.push_back(s);
    if (!q.subject.residence_state.unknown) states.push_back(q.subject.residence_state.code);
    if (!q.subject.current_location_state.unknown) states.push_back(q.subject.current_location_state.code);
    for (const auto& o : q.offences)
      for (auto s : o.locus_states.states) states.push_back(s);
    for (auto s : states) {
      if (s.empty()) continue;
      bool dup = false;
      for (const auto& f : d.factors) dup = dup || f.state == s;
      if (dup) continue;
      JurisdictionFactor f;
      f.state = s;
      f.score = connection_score(q, s, &f.factors);
      d.factors.push_back(f);
    }
    std::stable_sort(d.factors.begin(), d.factors.end(),
                     [](const JurisdictionFactor& a, const JurisdictionFactor& b) { return a.score > b.score; });
  }

  void run_all() {
    d.pack = &pack;
    d.at = at;
    d.measure = q.measure;
    d.requested = q.data_categories;
    d.requesting_state = q.requesting_state;
    d.emergency = q.urgency.is_emergency;
    d.checks.reserve(256);
    d.pathways.reserve(pack.pathways.size() + 8);

    EvalCtx g = ctx(nullptr, q.measure, q.data_categories, Role::Primary);
    d.gate = run(g, pack.gate_idx);
    for (uint32_t i = d.gate.begin; i < d.gate.end; ++i) {
      gate_fail = gate_fail || d.checks[i].outcome == Outcome::Fail;
      gate_review = gate_review || d.checks[i].outcome == Outcome::NeedsReview;
    }

    for (const auto& def : pack.pathways) {
      auto put = [&](Measure m, Role r) {
        if (def.routing == Routing::Connection)
          add_routed(def, m, r);
        else
          add(def, m, r);
      };
      bool preservation_only = def.role == "preservation";
      if (!preservation_only) put(q.measure, Role::Primary);
      // Stored data sought (registration data too): preserve them meanwhile.
      if ((q.measure == Measure::ProduceStored || q.measure == Measure::DomainRegistration) &&
          def.preservation_companion)
        put(Measure::Preserve, Role::PreservationCompanion);
      else if (preservation_only)
        put(q.measure, q.measure == Measure::Preserve ? Role::Primary : Role::PreservationCompanion);
    }

    EvalCtx a = ctx(nullptr, q.measure, q.data_categories, Role::Primary);
    d.advisory = run(a, pack.advisory_idx);
    apply_binding_policy();

    rank(Role::Primary);
    rank(Role::PreservationCompanion);
    d.blocked = std::none_of(d.pathways.begin(), d.pathways.end(),
                             [](const PathwayResult& p) { return p.role == Role::Primary && p.rank > 0; });
    factors();
  }
};

}  // namespace

Decision evaluate(const Request& request, const Pack& pack, Date at) {
  Decision d;
  Evaluator{request, pack, at, d}.run_all();
  return d;
}

std::string_view status_name(PathwayStatus s) {
  switch (s) {
    case PathwayStatus::Available: return "available";
    case PathwayStatus::AvailableWithConditions: return "available_with_conditions";
    case PathwayStatus::Unavailable: return "unavailable";
    default: return "not_applicable";
  }
}

namespace {

bool applies(When w, const Decision& d, const PathwayResult& p) {
  switch (w) {
    case When::Always: return true;
    case When::Emergency: return d.emergency;
    case When::NotEmergency: return !d.emergency;
    case When::Notified: return p.notified;
    case When::NotNotified: return !p.notified;
    case When::NotifiedNotEmergency: return p.notified && !d.emergency;
    case When::NotNotifiedNotEmergency: return !p.notified && !d.emergency;
    case When::NotifiedEmergency: return p.notified && d.emergency;
    case When::ExPostValidation: return p.ex_post_validation;
    case When::Preservation: return p.measure == Measure::Preserve;
    case When::Production: return p.measure != Measure::Preserve;
  }
  return false;
}

template <class T>
std::vector<const T*> select(const std::vector<T>& items, const Decision& d, const PathwayResult& p) {
  std::vector<const T*> out;
  if (p.status == PathwayStatus::NotApplicable || p.status == PathwayStatus::Unavailable) return out;
  for (const auto& it : items)
    if (applies(it.when, d, p)) out.push_back(&it);
  return out;
}

}  // namespace

std::vector<const Deadline*> deadlines_for(const Decision& d, const PathwayResult& p) {
  return select(p.def->deadlines, d, p);
}
std::vector<const Notice*> notifications_for(const Decision& d, const PathwayResult& p) {
  return select(p.def->notifications, d, p);
}
std::vector<const Limitation*> limitations_for(const Decision& d, const PathwayResult& p) {
  return select(p.def->use_limitations, d, p);
}

std::vector<const PredicateDef*> unverified_basis(const Decision& d, const PathwayResult& p) {
  std::vector<const PredicateDef*> out;
  auto take = [&](Range r) {
    for (uint32_t i = r.begin; i < r.end; ++i) {
      const auto& c = d.checks[i];
      if (c.outcome == Outcome::NotApplicable || c.pred->tag == Tag::V) continue;
      if (std::find(out.begin(), out.end(), c.pred) == out.end()) out.push_back(c.pred);
    }
  };
  take(d.gate);
  take(Range{p.applicability.begin, p.checks.end});
  return out;
}

std::string render_reason(const CheckResult& c) {
  std::string out;
  const auto& t = c.pred->reasons[c.variant];
  for (const auto& seg : t.segments) {
    if (seg.arg < 0) {
      out += seg.literal;
      continue;
    }
    const Arg& a = c.args[static_cast<size_t>(seg.arg)];
    switch (a.type) {
      case Arg::Type::Int: out += std::to_string(a.i); break;
      case Arg::Type::Str: out.append(a.s, a.len); break;
      case Arg::Type::State:
        if (a.i >= 0)
          out += StateCode::from_letters(static_cast<char>('A' + a.i / 26), static_cast<char>('A' + a.i % 26)).str();
        else
          out += "(unknown)";
        break;
      case Arg::Type::Cats: out += Categories::from_bits(static_cast<uint64_t>(a.i)).str(); break;
      case Arg::Type::List: {
        bool first = true;
        for (int b = 0; b < 64; ++b)
          if (static_cast<uint64_t>(a.i) & (uint64_t{1} << b)) {
            if (!first) out += ", ";
            out += a.table[b];
            first = false;
          }
        break;
      }
      case Arg::Type::None: out += "(?)"; break;
    }
  }
  return out;
}

}  // namespace comity
