#include "comity/rules/decision_json.hpp"

#include <algorithm>

namespace comity {

using nlohmann::ordered_json;

std::vector<const PathwayResult*> ranked(const Decision& d, Role role) {
  std::vector<const PathwayResult*> out;
  for (const auto& p : d.pathways)
    if (p.role == role && p.rank > 0) out.push_back(&p);
  std::sort(out.begin(), out.end(), [](const PathwayResult* a, const PathwayResult* b) { return a->rank < b->rank; });
  return out;
}

const PathwayResult* best_for(const Decision& d, DataCategory c, Role role) {
  const PathwayResult* best = nullptr;
  for (const auto& p : d.pathways)
    if (p.role == role && p.rank > 0 && p.scope.contains(c) && (!best || p.rank < best->rank)) best = &p;
  return best;
}

// A preservation companion is proposed when stored data are sought and some
// category has no lawful primary pathway, or the best one is slower than 30 days.
const PathwayResult* preserve_now(const Decision& d) {
  if (d.measure != Measure::ProduceStored && d.measure != Measure::DomainRegistration) return nullptr;
  bool slow = false;
  d.requested.for_each([&](DataCategory c) {
    const PathwayResult* b = best_for(d, c, Role::Primary);
    if (!b || b->expected_hours > 30 * 24) slow = true;
  });
  if (!slow) return nullptr;
  const PathwayResult* best = nullptr;
  for (const auto& p : d.pathways)
    if (p.role == Role::PreservationCompanion && p.rank > 0 && (!best || p.rank < best->rank)) best = &p;
  return best;
}

namespace {

ordered_json cats_json(Categories c) {
  ordered_json a = ordered_json::array();
  c.for_each([&](DataCategory x) { a.push_back(enum_name(x)); });
  return a;
}

ordered_json check_json(const CheckResult& c, std::string_view stage) {
  ordered_json j;
  j["predicate"] = c.pred->id;
  j["title"] = c.pred->title;
  j["result"] = outcome_name(c.outcome);
  j["reason"] = render_reason(c);
  j["citation"] = c.pred->citation;
  j["tag"] = tag_name(c.pred->tag);
  j["reads"] = c.pred->reads;
  j["stage"] = stage;
  if (c.pred->from != kNoDateMin || c.pred->to != kNoDateMax)
    j["effective"] = {{"from", c.pred->from == kNoDateMin ? ordered_json(nullptr) : ordered_json(c.pred->from.str())},
                      {"to", c.pred->to == kNoDateMax ? ordered_json(nullptr) : ordered_json(c.pred->to.str())}};
  if (c.pred->advisory) j["advisory"] = true;
  if ((c.outcome == Outcome::Fail || c.outcome == Outcome::NeedsReview) && !c.pred->hint.empty())
    j["hint"] = c.pred->hint;
  return j;
}

std::string_view role_name(Role r) {
  return r == Role::Primary ? "primary" : "preservation_companion";
}

}  // namespace

ordered_json pathway_entry_json(const Decision& d, const PathwayResult& p) {
  ordered_json j;
  j["pathway"] = p.def->id;
  j["name"] = p.def->name;
  j["instrument"] = p.def->instrument;
  if (p.agreement) j["agreement"] = p.agreement->name;
  if (p.instrument) j["legal_basis"] = p.instrument->name;
  j["channel"] = p.def->channel;
  j["role"] = role_name(p.role);
  j["measure"] = enum_name(p.measure);
  j["data_categories"] = cats_json(p.scope);
  j["split"] = p.split;
  j["status"] = status_name(p.status);
  if (p.na_reason == NaReason::Measure)
    j["not_applicable_reason"] = "the pathway does not provide for " + std::string(enum_name(p.measure));
  else if (p.na_reason == NaReason::RuleNotInForce)
    j["not_applicable_reason"] = "an applicability rule of this pathway has no version in force on the date";
  j["rank"] = p.rank > 0 ? ordered_json(p.rank) : ordered_json(nullptr);
  j["counterpart_state"] = p.counterpart.empty() ? ordered_json(nullptr) : ordered_json(p.counterpart.str());
  // Routed by connection: why this requested State (the factors J.1-J.5 that
  // tie it to the request) and whether its tie is the strongest of the
  // pathway's entries that apply.
  if (p.def->routing == Routing::Connection && !p.counterpart.empty()) {
    ordered_json names = ordered_json::array();
    for (int b = 0; b < 5; ++b)
      if (p.connection & (1u << b)) names.push_back("J." + std::to_string(b + 1));
    j["connection"] = {{"state", p.counterpart.str()}, {"factors", std::move(names)}, {"strongest", p.strongest}};
  }
  // What the case workflow's guards read (docs/workflow.md): the enforcing
  // State is notified (Reg. 2023/1543 Art 8); the order may issue without
  // prior validation and be validated ex post (Art 4(5)).
  j["notified"] = p.notified;
  j["issue_without_prior_validation"] = p.ex_post_validation;
  if (p.status == PathwayStatus::Available || p.status == PathwayStatus::AvailableWithConditions) {
    j["expected_time_hours"] = p.expected_hours;
    j["expected_time_source"] = p.def->speed_source;
  }
  ordered_json checks = ordered_json::array();
  for (uint32_t i = p.applicability.begin; i < p.applicability.end; ++i)
    checks.push_back(check_json(d.checks[i], "applicability"));
  for (uint32_t i = p.checks.begin; i < p.checks.end; ++i) checks.push_back(check_json(d.checks[i], "check"));
  j["checks"] = std::move(checks);

  ordered_json dl = ordered_json::array();
  for (const auto* x : deadlines_for(d, p))
    dl.push_back({{"id", x->id}, {"label", x->label}, {"duration", x->duration}, {"starts", x->starts}});
  j["deadlines"] = std::move(dl);
  ordered_json nt = ordered_json::array();
  for (const auto* x : notifications_for(d, p)) {
    ordered_json n{{"id", x->id}, {"to", x->to}, {"text", x->text}};
    if (x->to_counterpart && !p.counterpart.empty()) n["state"] = p.counterpart.str();
    if (p.agreement)  // the issuing party's Designated Authority reviews and transmits
      for (const auto& [st, name] : p.agreement->designated_authorities)
        if (st == d.requesting_state) n["authority"] = name;
    nt.push_back(std::move(n));
  }
  j["notifications"] = std::move(nt);
  ordered_json ul = ordered_json::array();
  for (const auto* x : limitations_for(d, p)) ul.push_back({{"id", x->id}, {"text", x->text}});
  j["use_limitations"] = std::move(ul);

  ordered_json hints = ordered_json::array();
  auto hint = [&](const CheckResult& c) {
    if (!c.pred->advisory && (c.outcome == Outcome::Fail || c.outcome == Outcome::NeedsReview) && !c.pred->hint.empty())
      hints.push_back({{"predicate", c.pred->id}, {"result", outcome_name(c.outcome)}, {"hint", c.pred->hint}});
  };
  if (p.status != PathwayStatus::NotApplicable) {
    for (uint32_t i = d.gate.begin; i < d.gate.end; ++i) hint(d.checks[i]);
    for (uint32_t i = p.applicability.begin; i < p.checks.end; ++i) hint(d.checks[i]);
  } else if (p.na_reason == NaReason::Check) {
    for (uint32_t i = p.applicability.begin; i < p.applicability.end; ++i) {
      const auto& c = d.checks[i];
      if (c.outcome == Outcome::NotApplicable && !c.pred->hint.empty())
        hints.push_back({{"predicate", c.pred->id}, {"result", "not_applicable"}, {"hint", c.pred->hint}});
    }
  }
  j["to_make_available"] = std::move(hints);

  ordered_json basis = ordered_json::array();
  if (p.status != PathwayStatus::NotApplicable)
    for (const auto* pred : unverified_basis(d, p))
      basis.push_back({{"predicate", pred->id}, {"tag", tag_name(pred->tag)}});
  j["needs_legal_confirmation"] = !basis.empty();
  j["unverified_basis"] = std::move(basis);
  return j;
}

ordered_json decision_to_json(const Decision& d, const Request& q) {
  ordered_json j;
  j["format"] = "comity.decision/1";
  j["request_id"] = q.request_id.empty() ? ordered_json(nullptr) : ordered_json(q.request_id);
  j["evaluated_at"] = d.at.str();
  j["pack"] = {{"name", d.pack->name}, {"version", d.pack->version}, {"content_hash", d.pack->content_hash}};
  j["requesting_state"] = q.requesting_state.str();
  j["measure"] = enum_name(d.measure);
  j["data_categories"] = cats_json(d.requested);
  j["emergency"] = d.emergency;
  j["outcome"] = d.blocked ? "blocked" : "pathways_available";

  ordered_json summary;
  const PathwayResult* top = nullptr;
  for (const auto& p : d.pathways)
    if (p.role == Role::Primary && p.rank == 1) top = &p;
  summary["recommended"] = top ? ordered_json(top->def->id) : ordered_json(nullptr);
  ordered_json coverage;
  d.requested.for_each([&](DataCategory c) {
    const PathwayResult* b = best_for(d, c, Role::Primary);
    coverage[std::string(enum_name(c))] = b ? ordered_json(b->def->id) : ordered_json(nullptr);
  });
  summary["coverage"] = std::move(coverage);
  const PathwayResult* pres = preserve_now(d);
  summary["preserve_now"] = pres ? ordered_json(pres->def->id) : ordered_json(nullptr);
  j["summary"] = std::move(summary);
  j["ranking_rule"] = kRankingRule;

  ordered_json gate = ordered_json::array();
  for (uint32_t i = d.gate.begin; i < d.gate.end; ++i) gate.push_back(check_json(d.checks[i], "gate"));
  j["gate"] = std::move(gate);

  ordered_json pathways = ordered_json::array();
  for (const auto& p : d.pathways) pathways.push_back(pathway_entry_json(d, p));
  j["pathways"] = std::move(pathways);

  ordered_json adv;
  ordered_json an = ordered_json::array();
  for (uint32_t i = d.advisory.begin; i < d.advisory.end; ++i) an.push_back(check_json(d.checks[i], "advisory"));
  adv["access_now_criteria"] = std::move(an);
  adv["access_now_binding"] = d.pack->policy(q.requesting_state).access_now_binding;
  ordered_json jf = ordered_json::array();
  for (const auto& f : d.factors) {
    ordered_json names = ordered_json::array();
    for (int b = 0; b < 9; ++b)
      if (f.factors & (1u << b)) names.push_back("J." + std::to_string(b + 1));
    jf.push_back({{"state", f.state.str()}, {"score", f.score}, {"factors", std::move(names)}});
  }
  adv["jurisdiction_factors"] = std::move(jf);
  adv["note"] = "Advisory only (legal-rules §7.1, §7.3): these never decide a pathway.";
  j["advisory"] = std::move(adv);
  j["assumed_defaults"] = q.assumed_defaults;
  return j;
}

}  // namespace comity
