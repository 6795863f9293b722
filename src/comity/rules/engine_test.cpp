// Properties every decision must have, checked over a seeded set of varied
// requests, plus the engine's split and ranking behaviour.
#include "comity/rules/engine.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "comity/model/request_json.hpp"
#include "comity/rules/decision_json.hpp"
#include "comity/rules/kinds.hpp"
#include "request_generator.hpp"
#include "test_support.hpp"

namespace comity {
namespace {

using test::entry;
using test::eval;
using test::parse_ok;
using test::real_pack;

std::vector<Request> varied(size_t n) {
  std::vector<Request> out;
  for (auto& j : test::generate_requests(n, 42)) out.push_back(parse_ok(j));
  return out;
}

TEST(Engine, EveryApplicablePathwayEvaluatesEveryCheck) {
  const Pack& pack = real_pack();
  for (const auto& q : varied(300)) {
    Decision d = eval(q, pack);
    for (const auto& p : d.pathways) {
      if (p.status == PathwayStatus::NotApplicable) continue;
      size_t in_force = 0;
      for (int g : p.def->checks_idx) in_force += pack.predicate_at(g, d.at) != nullptr;
      EXPECT_EQ(p.checks.end - p.checks.begin, in_force) << p.def->id;
      EXPECT_EQ(p.applicability.end - p.applicability.begin, p.def->applicability_idx.size()) << p.def->id;
    }
  }
}

TEST(Engine, StatusFollowsTheChecksAndNeverHidesAReview) {
  int failed = 0, reviewed = 0, clean = 0;
  for (const auto& q : varied(300)) {
    Decision d = eval(q, real_pack());
    bool gate_fail = false, gate_review = false;
    for (uint32_t i = d.gate.begin; i < d.gate.end; ++i) {
      gate_fail |= d.checks[i].outcome == Outcome::Fail;
      gate_review |= d.checks[i].outcome == Outcome::NeedsReview;
    }
    bool binding_unmet = false;
    if (real_pack().policy(q.requesting_state).access_now_binding)
      for (uint32_t i = d.advisory.begin; i < d.advisory.end; ++i)
        binding_unmet |= d.checks[i].outcome == Outcome::NeedsReview || d.checks[i].outcome == Outcome::Fail;
    for (const auto& p : d.pathways) {
      if (p.status == PathwayStatus::NotApplicable) continue;
      bool fail = gate_fail, review = gate_review;
      for (uint32_t i = p.applicability.begin; i < p.checks.end; ++i) {
        if (d.checks[i].pred->advisory) continue;
        fail |= d.checks[i].outcome == Outcome::Fail;
        review |= d.checks[i].outcome == Outcome::NeedsReview;
      }
      if (fail) {
        ++failed;
        EXPECT_EQ(p.status, PathwayStatus::Unavailable) << p.def->id;
      } else if (review) {
        ++reviewed;
        EXPECT_EQ(p.status, PathwayStatus::AvailableWithConditions) << p.def->id;  // review is never a pass
      } else {
        // A clean pathway is offered: available, or with conditions only where
        // the requesting State makes the advisory criteria binding.
        ++clean;
        if (binding_unmet) {
          EXPECT_TRUE(p.status == PathwayStatus::Available || p.status == PathwayStatus::AvailableWithConditions)
              << p.def->id << " is clean but " << status_name(p.status);
        } else {
          EXPECT_EQ(p.status, PathwayStatus::Available) << p.def->id << " is clean but " << status_name(p.status);
        }
      }
      bool offered = p.status == PathwayStatus::Available || p.status == PathwayStatus::AvailableWithConditions;
      EXPECT_EQ(p.rank > 0, offered) << p.def->id;
    }
  }
  // The sample must exercise every branch, or the test proves nothing.
  EXPECT_GT(failed, 0);
  EXPECT_GT(reviewed, 0);
  EXPECT_GT(clean, 0);
}

TEST(Engine, RanksAreContiguousAndVoluntaryNeverOutranksATreatyRoute) {
  for (const auto& q : varied(300)) {
    Decision d = eval(q, real_pack());
    for (Role role : {Role::Primary, Role::PreservationCompanion}) {
      std::vector<const PathwayResult*> ranked;
      for (const auto& p : d.pathways)
        if (p.role == role && p.rank > 0) ranked.push_back(&p);
      std::sort(ranked.begin(), ranked.end(), [](auto* a, auto* b) { return a->rank < b->rank; });
      for (size_t i = 0; i < ranked.size(); ++i) EXPECT_EQ(ranked[i]->rank, static_cast<int>(i + 1));
      for (size_t i = 0; i + 1 < ranked.size(); ++i) {
        EXPECT_LE(ranked[i]->status, ranked[i + 1]->status);
        if (ranked[i]->status == ranked[i + 1]->status && ranked[i]->def->family == Family::Voluntary) {
          EXPECT_EQ(ranked[i + 1]->def->family, Family::Voluntary);
        }
      }
    }
    EXPECT_EQ(d.blocked, std::none_of(d.pathways.begin(), d.pathways.end(),
                                      [](const PathwayResult& p) { return p.role == Role::Primary && p.rank > 0; }));
  }
}

TEST(Engine, SplitEntriesPartitionTheRequestedCategories) {
  for (const auto& q : varied(300)) {
    Decision d = eval(q, real_pack());
    for (const auto& def : real_pack().pathways) {
      for (Role role : {Role::Primary, Role::PreservationCompanion}) {
        // Per requested State: a pathway routed by connection has entries
        // for several States, each of which partitions the categories.
        std::map<std::string, uint64_t> seen;
        for (const auto& p : d.pathways) {
          if (p.def != &def || p.role != role) continue;
          uint64_t& s = seen[p.counterpart.str()];
          EXPECT_EQ(s & p.scope.bits(), 0u) << def.id << ": overlapping split scopes";
          s |= p.scope.bits();
        }
        for (const auto& [state, bits] : seen) EXPECT_EQ(bits, d.requested.bits()) << def.id << " to " << state;
        if (def.routing == Routing::Provider) {
          EXPECT_LE(seen.size(), 1u) << def.id << " is routed by the provider: one requested State at most";
        }
      }
    }
  }
}

// Routed by connection, mutual assistance goes to every State the data, the
// entity holding them, the person or the victims tie to the request, and
// never to the requesting State itself; where it applies, one entry per
// pathway and role holds the strongest connection.
TEST(Engine, MutualAssistanceGoesToEveryConnectedState) {
  for (const auto& q : varied(300)) {
    Decision d = eval(q, real_pack());
    for (const auto& p : d.pathways) {
      if (p.def->routing != Routing::Connection || p.counterpart.empty()) continue;
      EXPECT_NE(p.counterpart, q.requesting_state) << p.def->id;
      uint32_t bits = 0;
      connection_score(q, p.counterpart, &bits);
      EXPECT_EQ(p.connection, bits) << p.def->id;
      EXPECT_NE(bits & 0b1111u, 0u) << p.def->id << " to " << p.counterpart.str() << " has no J.1-J.4 connection";
      if (p.status == PathwayStatus::NotApplicable) {
        EXPECT_FALSE(p.strongest);
      }
      if (p.strongest) {
        for (const auto& o : d.pathways)
          if (o.def == p.def && o.role == p.role && o.status != PathwayStatus::NotApplicable) {
            EXPECT_LE(connection_strength(q, o.counterpart), connection_strength(q, p.counterpart)) << p.def->id;
          }
      }
    }
  }
}

TEST(Engine, ReasonsRenderCompletelyAndOutputIsDeterministic) {
  for (const auto& q : varied(100)) {
    Decision a = eval(q, real_pack());
    Decision b = eval(q, real_pack());
    EXPECT_EQ(decision_to_json(a, q).dump(), decision_to_json(b, q).dump());
    for (const auto& c : a.checks) {
      auto r = render_reason(c);
      EXPECT_FALSE(r.empty()) << c.pred->id;
      EXPECT_EQ(r.find("(?)"), std::string::npos) << c.pred->id << ": " << r;
      EXPECT_EQ(r.find('{'), std::string::npos) << c.pred->id << ": " << r;
    }
  }
}

TEST(Engine, DecisionRecordsThePackVersion) {
  auto q = parse_ok(test::base_request());
  auto j = decision_to_json(eval(q, real_pack()), q);
  EXPECT_EQ(j["pack"]["content_hash"], real_pack().content_hash);
  EXPECT_EQ(j["format"], "comity.decision/1");
  EXPECT_EQ(j["evaluated_at"], "2026-09-15");
}

TEST(Engine, GateFailureBlocksEveryApplicablePathway) {
  auto j = test::base_request();
  j["identifiers"] = {{{"type", "WILDCARD"}, {"value", "*"}}};
  Decision d = eval(parse_ok(j), real_pack());
  EXPECT_TRUE(d.blocked);
  for (const auto& p : d.pathways)
    EXPECT_TRUE(p.status == PathwayStatus::Unavailable || p.status == PathwayStatus::NotApplicable) << p.def->id;
}

TEST(Engine, SplitsWhereTheLawTreatsCategoriesDifferently) {
  auto j = test::base_request();  // S03 shape: BE judge, harassment 24 months, subscriber + traffic
  j["requesting_state"] = "BE";
  j["issuing_authority"] = {{"state", "BE"}, {"type", "INVESTIGATING_JUDGE"}};
  j["data_categories"] = {"SUBSCRIBER", "TRAFFIC"};
  j["offences"][0]["max_penalty_months"] = 24;
  j["offences"][0]["committed_via_information_system"] = true;
  Decision d = eval(parse_ok(j), real_pack());
  auto* sub = entry(d, "P_EU_EPOC", Role::Primary, DataCategory::Subscriber);
  auto* tra = entry(d, "P_EU_EPOC", Role::Primary, DataCategory::Traffic);
  ASSERT_TRUE(sub && tra);
  EXPECT_NE(sub, tra);
  EXPECT_TRUE(sub->split && tra->split);
  EXPECT_EQ(sub->status, PathwayStatus::Available);
  EXPECT_EQ(tra->status, PathwayStatus::Unavailable);
  // Preservation runs beside the slower route for the traffic data.
  EXPECT_EQ(preserve_now(d)->def->id, "P_EU_EPOC_PR");
}

TEST(Engine, APathwayWhoseApplicabilityRuleIsNotInForceIsNotApplicable) {
  auto pack = test::fresh_pack();
  for (auto& p : pack->predicates)
    if (p.id == "EU.SCOPE.3") p.from = *parse_date("2030-01-01");  // hypothetical later version only
  Decision d = eval(parse_ok(test::base_request()), *pack);
  auto* e = entry(d, "P_EU_EPOC");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, PathwayStatus::NotApplicable);
  EXPECT_EQ(e->na_reason, NaReason::RuleNotInForce);
}

TEST(Engine, DatedChecksDoNotRunBeforeTheirInstrument) {
  // EU Regulation checks carry effective.from 2026-08-18; the pathway is not
  // applicable before that (EU.APP.1) and none of its checks runs.
  Decision d = eval(parse_ok(test::base_request()), real_pack(), "2026-01-01");
  auto* e = entry(d, "P_EU_EPOC");
  EXPECT_EQ(e->status, PathwayStatus::NotApplicable);
  EXPECT_EQ(e->checks.end - e->checks.begin, 0u);
  EXPECT_EQ(d.checks[e->applicability.begin].pred->id, "EU.APP.1");
}

TEST(Engine, EmergencyUsesTheFastTrackForRanking) {
  auto j = test::base_request();
  j["urgency"] = {{"is_emergency", true}, {"emergency_type", "THREAT_TO_LIFE"}, {"justification", "hostage"}};
  Decision d = eval(parse_ok(j), real_pack());
  EXPECT_EQ(entry(d, "P_EU_EPOC")->expected_hours, 8);
  bool eight = false;
  for (const auto* dl : deadlines_for(d, *entry(d, "P_EU_EPOC"))) eight |= dl->duration == "PT8H";
  EXPECT_TRUE(eight);
}

}  // namespace
}  // namespace comity
