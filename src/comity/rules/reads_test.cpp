// Every predicate's `reads` is what it reads (issue: the law, complete).
//
// The fact × pathway table (`comity rules facts`, docs/rule-packs.md) is
// generated from the predicates' `reads` lists, so those lists must be true:
// a fact a predicate decides on but does not declare would be missing from
// the table, and the lint that asks whether a pathway's law reads every fact
// it names would be checking a fiction. This test checks them by behaviour.
//
// Over seeded requests, it changes one field at a time — a top-level member,
// a member of an object, or a member of every element of an array of
// objects — to the value another seeded request holds there, evaluates both
// requests, and compares each check of each entry present in both decisions
// (same pathway, role, measure and data categories). A check whose verdict
// or reason changed must declare the field (or a part or a whole of it), or
// the field must be read by its pathway's applicability predicates, which
// bind the corridor (counterpart State, agreement, instrument) the check
// works in. The few kinds that look at other pathways' results may depend
// on whatever those read.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include "comity/model/request_json.hpp"
#include "comity/rules/engine.hpp"
#include "comity/rules/facts.hpp"
#include "comity/rules/kinds.hpp"
#include "comity/util/date.hpp"
#include "request_generator.hpp"
#include "test_support.hpp"

namespace comity {
namespace {

using nlohmann::json;

// Kinds whose verdict depends on other pathways' results (EvalCtx::earlier).
bool looks_at_other_pathways(std::string_view kind) {
  static const std::set<std::string, std::less<>> kinds = {"letters_rogatory_fallback", "an_reciprocal_corridor",
                                                           "an_official_channel"};
  return kinds.count(kind) != 0;
}

// The fields to vary: every member path present in any of the requests.
std::set<std::string> field_paths(const std::vector<json>& requests) {
  std::set<std::string> out;
  for (const auto& q : requests)
    for (const auto& [k, v] : q.items()) {
      out.insert(k);
      if (v.is_object())
        for (const auto& [s, _] : v.items()) out.insert(k + "." + s);
      if (v.is_array())
        for (const auto& e : v)
          if (e.is_object())
            for (const auto& [s, _] : e.items()) out.insert(k + "[]." + s);
    }
  return out;
}

// `to` with `field` set as `from` has it; nullopt when there is nothing to change.
std::optional<json> vary(const json& to, const json& from, const std::string& field) {
  json out = to;
  std::vector<std::string> seg;
  for (auto part : fact_path_segments(field)) seg.emplace_back(part);
  const bool each = field.find("[]") != std::string::npos;
  if (seg.size() == 1) {
    if (from.contains(seg[0]) == to.contains(seg[0]) && (!to.contains(seg[0]) || to[seg[0]] == from[seg[0]]))
      return std::nullopt;
    if (from.contains(seg[0]))
      out[seg[0]] = from[seg[0]];
    else
      out.erase(seg[0]);
    return out;
  }
  if (!to.contains(seg[0]) || !from.contains(seg[0])) return std::nullopt;
  if (!each) {
    if (!to[seg[0]].is_object() || !from[seg[0]].is_object()) return std::nullopt;
    const json& src = from[seg[0]];
    if (src.contains(seg[1]))
      out[seg[0]][seg[1]] = src[seg[1]];
    else
      out[seg[0]].erase(seg[1]);
  } else {
    if (!to[seg[0]].is_array() || !from[seg[0]].is_array() || from[seg[0]].empty()) return std::nullopt;
    const json& src = from[seg[0]];
    for (size_t i = 0; i < out[seg[0]].size(); ++i) {
      const json& d = src[i % src.size()];
      json& e = out[seg[0]][i];
      if (!e.is_object() || !d.is_object()) continue;
      if (d.contains(seg[1]))
        e[seg[1]] = d[seg[1]];
      else
        e.erase(seg[1]);
    }
  }
  if (out == to) return std::nullopt;
  return out;
}

// An entry is the same entry when pathway, role, measure, data categories
// and, for pathways routed by connection, the requested State are.
std::string entry_key(const PathwayResult& p) {
  return p.def->id + "/" + std::to_string(static_cast<int>(p.role)) + "/" +
         std::to_string(static_cast<int>(p.measure)) + "/" + std::to_string(p.scope.bits()) + "/" +
         (p.def->routing == Routing::Connection ? p.counterpart.str() : "");
}

std::string verdict_of(const CheckResult& c) {
  return std::to_string(c.variant) + ":" + render_reason(c);
}

TEST(PredicateReads, EveryFactACheckDecidesOnIsDeclared) {
  const Pack& pack = test::real_pack();
  const Date at = parse_date("2026-09-15").value();
  const auto requests = test::generate_requests(500, 7);
  const auto fields = field_paths(requests);
  // What every pathway's applicability predicates read.
  std::map<std::string, std::vector<std::string>> corridor;
  std::vector<std::string> everything;
  for (const auto& pr : pack.predicates) everything.insert(everything.end(), pr.reads.begin(), pr.reads.end());
  for (const auto& pw : pack.pathways)
    for (const auto& id : pw.applicability)
      if (const PredicateDef* pr = pack.find_predicate(id))
        corridor[pw.id].insert(corridor[pw.id].end(), pr->reads.begin(), pr->reads.end());

  std::map<std::string, std::set<std::string>> undeclared;  // "pred on pathway" → fields
  size_t compared = 0;
  for (size_t i = 0; i < requests.size(); ++i) {
    auto base = parse_request(requests[i].dump());
    ASSERT_TRUE(base.request) << i;
    const Decision d0 = evaluate(*base.request, pack, at);
    std::map<std::string, const PathwayResult*> before;
    for (const auto& p : d0.pathways) before[entry_key(p)] = &p;
    for (const auto& field : fields)
      for (size_t donor : {(i * 7 + 3) % requests.size(), (i * 13 + 5) % requests.size()}) {
        auto changed = vary(requests[i], requests[donor], field);
        if (!changed) continue;
        auto parsed = parse_request(changed->dump());
        if (!parsed.request) continue;  // the donor's value does not fit here
        const Decision d1 = evaluate(*parsed.request, pack, at);
        for (const auto& p : d1.pathways) {
          auto it = before.find(entry_key(p));
          if (it == before.end()) continue;
          const PathwayResult& q = *it->second;
          auto compare = [&](Range r0, Range r1) {
            if (r1.end - r1.begin != r0.end - r0.begin) return;
            for (uint32_t k = 0; k < r1.end - r1.begin; ++k) {
              const CheckResult& c0 = d0.checks[r0.begin + k];
              const CheckResult& c1 = d1.checks[r1.begin + k];
              if (c0.pred != c1.pred) continue;
              ++compared;
              if (verdict_of(c0) == verdict_of(c1)) continue;
              const auto& reads = c1.pred->reads;
              if (reads_declare(reads, field) || reads_declare(corridor[p.def->id], field)) continue;
              if (looks_at_other_pathways(c1.pred->kind->name) && reads_declare(everything, field)) continue;
              undeclared[c1.pred->id + " on " + p.def->id].insert(field);
            }
          };
          compare(q.applicability, p.applicability);
          compare(q.checks, p.checks);
        }
      }
  }
  EXPECT_GT(compared, 10000u) << "the variation compared too few checks to mean anything";
  std::ostringstream report;
  for (const auto& [where, fs] : undeclared) {
    report << "\n  " << where << " decides on";
    for (const auto& f : fs) report << " " << f;
  }
  EXPECT_TRUE(undeclared.empty()) << "checks decide on facts their predicate's `reads` does not declare:"
                                  << report.str();
}

TEST(PredicateReads, PathsOverlapBySegment) {
  EXPECT_TRUE(fact_paths_overlap("provider", "provider.hq_state"));
  EXPECT_TRUE(fact_paths_overlap("offences[].max_penalty_months", "offences"));
  EXPECT_TRUE(fact_paths_overlap("offences[].max_penalty_months", "offences[].max_penalty_months"));
  EXPECT_FALSE(fact_paths_overlap("provider.hq_state", "provider.establishments"));
  EXPECT_FALSE(fact_paths_overlap("subject", "subject_x"));
}

}  // namespace
}  // namespace comity
