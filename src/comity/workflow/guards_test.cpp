// The transition × case-kind matrix: for every workflow, every state a case
// reaches by lawful steps, every step the workflow defines from that state,
// and every combination of the facts that change the answer — emergency (E),
// issue without prior validation allowed by the decision (X, Reg. 2023/1543
// Art 4(5)), validating authority named (V), enforcing State notified (N) —
// the answer the law gives, written here from the articles, not read from
// rules/workflows.yaml. History facts (validated or not, acknowledged or
// not, issued without prior validation, a period still running) come from
// the path that reached the state.
//
// A row's `allowed` lists fact patterns "EXVN" ('1', '0' or '*'): the step is
// lawful exactly for the combinations one of them matches. Every (workflow,
// state, step) a path reaches needs a row; every row must be reached.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "comity/workflow/case.hpp"
#include "test_support.hpp"

namespace comity {
namespace {

const Instant kT0 = *parse_instant("2026-09-15T09:00:00Z");
constexpr int64_t kDay = 86400;

struct Setup {
  const char* name;
  std::vector<const char*> path;  // steps from the initial state
  int64_t elapsed = kDay;         // when the step under test is tried, after the path
};

struct Row {
  const char* setup;
  const char* event;
  std::vector<std::string> allowed;  // "EXVN" patterns; empty: never
  const char* law;
};

struct WorkflowMatrix {
  const char* workflow;
  const char* pathway;  // whose deadlines the case runs
  std::vector<Setup> setups;
  std::vector<Row> rows;
};

const std::vector<std::string> kAlways = {"****"};
const std::vector<std::string> kNever = {};

// ---- direct orders (EPOC): Reg. (EU) 2023/1543 ----
WorkflowMatrix direct_order() {
  const char* art4 =
      "Art 4(1)-(3): a named validator validates; an order naming none is issued by a competent authority";
  const char* art45 =
      "Art 4(5): without prior validation only where the emergency exception applies; ex post only then";
  const char* art8 =
      "Arts 8, 10(2), 12(1): the notified enforcing authority, within 10 days (96 hours in an emergency)";
  const char* susp = "Arts 8(4), 10(2): notified, outside an emergency, transmission waits for day 10 or confirmation";
  return {"direct_order",
          "P_EU_EPOC",
          {
              {"draft", {}},
              {"submitted", {"submit"}},
              {"info_requested", {"submit", "request_information"}},
              {"awaiting_validation", {"submit", "request_validation"}},
              {"ready_validated", {"submit", "request_validation", "validate"}},
              {"ready_unvalidated", {"submit", "mark_ready"}},
              {"transmitted_validated", {"submit", "request_validation", "validate", "transmit"}},
              {"transmitted", {"submit", "mark_ready", "transmit"}},
              {"transmitted_day_11", {"submit", "mark_ready", "transmit"}, 11 * kDay},
              {"acknowledged", {"submit", "mark_ready", "transmit", "acknowledge"}},
              {"transmitted_emergency", {"submit", "transmit_emergency"}},
              {"acknowledged_emergency", {"submit", "transmit_emergency", "acknowledge"}},
              {"validated_ex_post", {"submit", "transmit_emergency", "validate_ex_post"}},
              {"produced", {"submit", "mark_ready", "transmit", "produce"}},
              {"produced_emergency", {"submit", "transmit_emergency", "produce"}},
              {"inability", {"submit", "mark_ready", "transmit", "report_inability"}},
              {"objected", {"submit", "mark_ready", "transmit", "object"}},
              {"refused", {"submit", "mark_ready", "transmit", "refuse"}},
          },
          {
              {"draft", "submit", kAlways, "drafting"},
              {"draft", "withdraw", kAlways, "the issuing authority withdraws at any time"},
              {"submitted", "request_validation", {"**1*"}, art4},
              {"submitted", "mark_ready", {"**0*"}, art4},
              {"submitted", "transmit_emergency", {"11**"}, art45},
              {"submitted", "request_information", kAlways, "the validator asks the issuer"},
              {"submitted", "withdraw", kAlways, "withdrawal"},
              {"info_requested", "provide_information", kAlways, "the issuer answers"},
              {"info_requested", "withdraw", kAlways, "withdrawal"},
              {"awaiting_validation", "validate", kAlways, art4},
              {"awaiting_validation", "reject", kAlways, art4},
              {"awaiting_validation", "request_information", kAlways, art4},
              {"awaiting_validation", "withdraw", kAlways, "withdrawal"},
              {"ready_validated", "transmit", kAlways, "Art 9: transmission of the EPOC"},
              {"ready_validated", "withdraw", kAlways, "withdrawal"},
              {"ready_unvalidated", "transmit", kAlways, "Art 9: transmission of the EPOC"},
              {"ready_unvalidated", "withdraw", kAlways, "withdrawal"},
              // Transmitted after validation, or issued by a competent authority alone.
              {"transmitted_validated", "validate_ex_post", kNever, art45},
              {"transmitted_validated", "refuse_ex_post", kNever, art45},
              {"transmitted_validated", "ex_post_validation_expired", kNever, art45},
              {"transmitted_validated", "acknowledge", kAlways, "Art 10: the addressee acts on receipt"},
              {"transmitted_validated", "confirm_no_refusal", {"0**1"}, art8},
              {"transmitted_validated", "refuse", {"***1"}, art8},
              {"transmitted_validated", "report_inability", kAlways, "Art 10(6)-(7), Annex III"},
              {"transmitted_validated", "object", kAlways, "Art 17"},
              {"transmitted_validated", "produce", {"1***", "***0"}, susp},
              {"transmitted_validated", "withdraw", kAlways, "withdrawal"},
              {"transmitted", "validate_ex_post", kNever, art45},
              {"transmitted", "refuse_ex_post", kNever, art45},
              {"transmitted", "ex_post_validation_expired", kNever, art45},
              {"transmitted", "acknowledge", kAlways, "Art 10"},
              {"transmitted", "confirm_no_refusal", {"0**1"}, art8},
              {"transmitted", "refuse", {"***1"}, art8},
              {"transmitted", "report_inability", kAlways, "Annex III"},
              {"transmitted", "object", kAlways, "Art 17"},
              {"transmitted", "produce", {"1***", "***0"}, susp},
              {"transmitted", "withdraw", kAlways, "withdrawal"},
              // Eleven days on: the enforcing authority's window has closed, the suspension ended.
              {"transmitted_day_11", "validate_ex_post", kNever, art45},
              {"transmitted_day_11", "refuse_ex_post", kNever, art45},
              {"transmitted_day_11", "ex_post_validation_expired", kNever, art45},
              {"transmitted_day_11", "acknowledge", kAlways, "Art 10"},
              {"transmitted_day_11", "confirm_no_refusal", kNever, art8},
              {"transmitted_day_11", "refuse", kNever, art8},
              {"transmitted_day_11", "report_inability", kAlways, "Annex III"},
              {"transmitted_day_11", "object", kAlways, "Art 17"},
              {"transmitted_day_11", "produce", kAlways, susp},
              {"transmitted_day_11", "withdraw", kAlways, "withdrawal"},
              {"acknowledged", "validate_ex_post", kNever, art45},
              {"acknowledged", "refuse_ex_post", kNever, art45},
              {"acknowledged", "ex_post_validation_expired", kNever, art45},
              {"acknowledged", "confirm_no_refusal", {"0**1"}, art8},
              {"acknowledged", "refuse", {"***1"}, art8},
              {"acknowledged", "report_inability", kAlways, "Annex III"},
              {"acknowledged", "object", kAlways, "Art 17"},
              {"acknowledged", "produce", {"1***", "***0"}, susp},
              {"acknowledged", "withdraw", kAlways, "withdrawal"},
              // Issued without prior validation (Art 4(5)): ex-post validation is pending.
              {"transmitted_emergency", "validate_ex_post", kAlways, art45},
              {"transmitted_emergency", "refuse_ex_post", kAlways, art45},
              {"transmitted_emergency", "ex_post_validation_expired", kAlways, art45},
              {"transmitted_emergency", "acknowledge", kAlways, "Art 10(4)"},
              {"transmitted_emergency", "confirm_no_refusal", kNever, "Art 10(4): an emergency is not suspended"},
              {"transmitted_emergency", "refuse", {"***1"}, art8},
              {"transmitted_emergency", "report_inability", kAlways, "Annex III"},
              {"transmitted_emergency", "object", kAlways, "Art 17"},
              {"transmitted_emergency", "produce", kAlways, "Art 10(4): within 8 hours"},
              {"transmitted_emergency", "withdraw", kAlways, "withdrawal"},
              {"acknowledged_emergency", "validate_ex_post", kAlways, art45},
              {"acknowledged_emergency", "refuse_ex_post", kAlways, art45},
              {"acknowledged_emergency", "ex_post_validation_expired", kAlways, art45},
              {"acknowledged_emergency", "confirm_no_refusal", kNever, "Art 10(4)"},
              {"acknowledged_emergency", "refuse", {"***1"}, art8},
              {"acknowledged_emergency", "report_inability", kAlways, "Annex III"},
              {"acknowledged_emergency", "object", kAlways, "Art 17"},
              {"acknowledged_emergency", "produce", kAlways, "Art 10(4)"},
              {"acknowledged_emergency", "withdraw", kAlways, "withdrawal"},
              {"validated_ex_post", "validate_ex_post", kNever, "validated once"},
              {"validated_ex_post", "refuse_ex_post", kNever, "validated, not refused"},
              {"validated_ex_post", "ex_post_validation_expired", kNever, "validated in time"},
              {"validated_ex_post", "acknowledge", kAlways, "Art 10"},
              {"validated_ex_post", "confirm_no_refusal", kNever, "Art 10(4)"},
              {"validated_ex_post", "refuse", {"***1"}, art8},
              {"validated_ex_post", "report_inability", kAlways, "Annex III"},
              {"validated_ex_post", "object", kAlways, "Art 17"},
              {"validated_ex_post", "produce", kAlways, "Art 10(4)"},
              {"validated_ex_post", "withdraw", kAlways, "withdrawal"},
              {"produced", "validate_ex_post", kNever, art45},
              {"produced", "refuse_ex_post", kNever, art45},
              {"produced", "ex_post_validation_expired", kNever, art45},
              {"produced", "close", kAlways, "the case ends"},
              {"produced", "withdraw", kAlways, "withdrawal"},
              {"produced_emergency", "validate_ex_post", kAlways, art45},
              {"produced_emergency", "refuse_ex_post", kAlways, "Art 4(5): refused, the data are deleted"},
              {"produced_emergency", "ex_post_validation_expired", kAlways, art45},
              {"produced_emergency", "close", kAlways, "the case ends"},
              {"produced_emergency", "withdraw", kAlways, "withdrawal"},
              {"inability", "clarify", kAlways, "Annex III: the issuer clarifies"},
              {"inability", "close", kAlways, "the case ends"},
              {"inability", "withdraw", kAlways, "withdrawal"},
              {"objected", "lift_objection", kAlways, "Art 17(3)"},
              {"objected", "close", kAlways, "the case ends"},
              {"objected", "withdraw", kAlways, "withdrawal"},
              {"refused", "close", kAlways, "the case ends"},
              {"refused", "withdraw", kAlways, "withdrawal"},
          }};
}

// ---- preservation (EPOC-PR; Budapest Art 29) ----
WorkflowMatrix preservation() {
  const char* art4 = "Art 4(3): a named validator validates; an order naming none is issued by a competent authority";
  const char* art45 = "Art 4(5): an EPOC-PR may issue without prior validation in an emergency; ex post only then";
  return {"preservation",
          "P_EU_EPOC_PR",
          {
              {"draft", {}},
              {"submitted", {"submit"}},
              {"info_requested", {"submit", "request_information"}},
              {"awaiting_validation", {"submit", "request_validation"}},
              {"ready_validated", {"submit", "request_validation", "validate"}},
              {"ready_unvalidated", {"submit", "mark_ready"}},
              {"preserving", {"submit", "mark_ready", "transmit"}},
              {"preserving_extended", {"submit", "mark_ready", "transmit", "extend"}},
              {"preserving_emergency", {"submit", "transmit_emergency"}},
              {"kept", {"submit", "mark_ready", "transmit", "confirm_production_request"}},
              {"kept_emergency", {"submit", "transmit_emergency", "confirm_production_request"}},
          },
          {
              {"draft", "submit", kAlways, "drafting"},
              {"draft", "withdraw", kAlways, "withdrawal"},
              {"submitted", "request_validation", {"**1*"}, art4},
              {"submitted", "mark_ready", {"**0*"}, art4},
              {"submitted", "transmit_emergency", {"11**"}, art45},
              {"submitted", "request_information", kAlways, "the validator asks the issuer"},
              {"submitted", "withdraw", kAlways, "withdrawal"},
              {"info_requested", "provide_information", kAlways, "the issuer answers"},
              {"info_requested", "withdraw", kAlways, "withdrawal"},
              {"awaiting_validation", "validate", kAlways, art4},
              {"awaiting_validation", "reject", kAlways, art4},
              {"awaiting_validation", "request_information", kAlways, art4},
              {"awaiting_validation", "withdraw", kAlways, "withdrawal"},
              {"ready_validated", "transmit", kAlways, "Art 9"},
              {"ready_validated", "withdraw", kAlways, "withdrawal"},
              {"ready_unvalidated", "transmit", kAlways, "Art 9"},
              {"ready_unvalidated", "withdraw", kAlways, "withdrawal"},
              {"preserving", "validate_ex_post", kNever, art45},
              {"preserving", "refuse_ex_post", kNever, art45},
              {"preserving", "ex_post_validation_expired", kNever, art45},
              {"preserving", "extend", kAlways, "Art 11(1), Annex VI: once by 30 days"},
              {"preserving", "confirm_production_request", kAlways, "Art 11(1), Annex V"},
              {"preserving", "preservation_lapsed", kAlways, "Art 11(1): 60 days"},
              {"preserving", "withdraw", kAlways, "withdrawal"},
              {"preserving_extended", "validate_ex_post", kNever, art45},
              {"preserving_extended", "refuse_ex_post", kNever, art45},
              {"preserving_extended", "ex_post_validation_expired", kNever, art45},
              {"preserving_extended", "extend", kNever, "Annex VI: one extension"},
              {"preserving_extended", "confirm_production_request", kAlways, "Annex V"},
              {"preserving_extended", "preservation_lapsed", kAlways, "Art 11(1)"},
              {"preserving_extended", "withdraw", kAlways, "withdrawal"},
              {"preserving_emergency", "validate_ex_post", kAlways, art45},
              {"preserving_emergency", "refuse_ex_post", kAlways, art45},
              {"preserving_emergency", "ex_post_validation_expired", kAlways, art45},
              {"preserving_emergency", "extend", kAlways, "Annex VI"},
              {"preserving_emergency", "confirm_production_request", kAlways, "Annex V"},
              {"preserving_emergency", "preservation_lapsed", kAlways, "Art 11(1)"},
              {"preserving_emergency", "withdraw", kAlways, "withdrawal"},
              {"kept", "validate_ex_post", kNever, art45},
              {"kept", "refuse_ex_post", kNever, art45},
              {"kept", "ex_post_validation_expired", kNever, art45},
              {"kept", "close", kAlways, "the case ends"},
              {"kept", "withdraw", kAlways, "withdrawal"},
              {"kept_emergency", "validate_ex_post", kAlways, art45},
              {"kept_emergency", "refuse_ex_post", kAlways, art45},
              {"kept_emergency", "ex_post_validation_expired", kAlways, art45},
              {"kept_emergency", "close", kAlways, "the case ends"},
              {"kept_emergency", "withdraw", kAlways, "withdrawal"},
          }};
}

// ---- mutual assistance (EIO, MLA): Directive 2014/41; treaties ----
WorkflowMatrix mla() {
  const char* art2c =
      "Directive 2014/41 Art 2(c)(ii): validated before transmission where the request names a validator";
  return {"mla",
          "P_EIO",
          {
              {"draft", {}},
              {"submitted", {"submit"}},
              {"awaiting_validation", {"submit", "request_validation"}},
              {"review_validated", {"submit", "request_validation", "validate"}},
              {"review", {"submit", "send_to_central_authority"}},
              {"info_requested", {"submit", "send_to_central_authority", "request_information"}},
              {"transmitted", {"submit", "send_to_central_authority", "transmit"}},
              {"requested_review", {"submit", "send_to_central_authority", "transmit", "receive"}},
              {"supplement_requested",
               {"submit", "send_to_central_authority", "transmit", "receive", "request_supplement"}},
              {"executing", {"submit", "send_to_central_authority", "transmit", "receive", "accept"}},
              {"evidence_returned",
               {"submit", "send_to_central_authority", "transmit", "receive", "accept", "return_evidence"}},
              {"refused", {"submit", "send_to_central_authority", "transmit", "receive", "refuse"}},
          },
          {
              {"draft", "submit", kAlways, "drafting"},
              {"draft", "withdraw", kAlways, "withdrawal"},
              {"submitted", "request_validation", {"**1*"}, art2c},
              {"submitted", "send_to_central_authority", {"**0*"}, art2c},
              {"submitted", "withdraw", kAlways, "withdrawal"},
              {"awaiting_validation", "validate", kAlways, art2c},
              {"awaiting_validation", "reject", kAlways, art2c},
              {"awaiting_validation", "withdraw", kAlways, "withdrawal"},
              {"review_validated", "transmit", kAlways, "the requesting central authority transmits"},
              {"review_validated", "request_information", kAlways, "its review asks the officer"},
              {"review_validated", "withdraw", kAlways, "withdrawal"},
              {"review", "transmit", kAlways, "the requesting central authority transmits"},
              {"review", "request_information", kAlways, "its review asks the officer"},
              {"review", "withdraw", kAlways, "withdrawal"},
              {"info_requested", "provide_information", kAlways, "the officer answers"},
              {"info_requested", "withdraw", kAlways, "withdrawal"},
              {"transmitted", "receive", kAlways, "Dir. 2014/41 Art 16(1): acknowledgement of receipt"},
              {"transmitted", "withdraw", kAlways, "withdrawal"},
              {"requested_review", "accept", kAlways, "Art 9: recognition"},
              {"requested_review", "refuse", kAlways, "Art 11"},
              {"requested_review", "request_supplement", kAlways, "Art 11(4): consult before refusing"},
              {"requested_review", "withdraw", kAlways, "withdrawal"},
              {"supplement_requested", "provide_supplement", kAlways, "the officer supplements"},
              {"supplement_requested", "withdraw", kAlways, "withdrawal"},
              {"executing", "return_evidence", kAlways, "Art 13: transfer of evidence"},
              {"executing", "withdraw", kAlways, "withdrawal"},
              {"evidence_returned", "close", kAlways, "the case ends"},
              {"evidence_returned", "withdraw", kAlways, "withdrawal"},
              {"refused", "close", kAlways, "the case ends"},
              {"refused", "withdraw", kAlways, "withdrawal"},
          }};
}

bool matches(const std::string& pattern, const CaseFacts& f) {
  const bool bits[] = {f.emergency, f.ex_post_allowed, f.validator_named, f.notified};
  for (size_t i = 0; i < 4; ++i)
    if (pattern[i] != '*' && (pattern[i] == '1') != bits[i]) return false;
  return true;
}

bool applies(When w, const CaseFacts& f) {
  switch (w) {
    case When::Emergency: return f.emergency;
    case When::NotEmergency: return !f.emergency;
    case When::Notified: return f.notified;
    case When::NotNotified: return !f.notified;
    case When::NotifiedNotEmergency: return f.notified && !f.emergency;
    case When::NotNotifiedNotEmergency: return !f.notified && !f.emergency;
    case When::NotifiedEmergency: return f.notified && f.emergency;
    case When::ExPostValidation: return f.ex_post_allowed;
    default: return true;
  }
}

const WorkflowTransition* transition(const WorkflowDef& wf, std::string_view event, std::string_view state) {
  for (const auto& t : wf.transitions)
    if (t.event == event && (std::find(t.from.begin(), t.from.end(), state) != t.from.end() ||
                             std::find(t.from.begin(), t.from.end(), "*") != t.from.end()))
      return &t;
  return nullptr;
}

// Takes `event` as the first role its transition names, with a reason and a valid ground.
std::optional<TransitionError> take(Case& c, const Pack& pack, const std::string& event, Instant at) {
  const WorkflowTransition* t = transition(*pack.workflow(c.workflow), event, c.state);
  PartyRole who = t && !t->roles.empty() ? *parse_role(t->roles.front()) : PartyRole::Officer;
  std::string ground;
  if (auto g = grounds_for(c, pack, event); !g.empty()) ground = g.front()->code;
  return apply_event(c, pack, event, who, at, "the reason for " + event, ground);
}

Case fresh(const Pack& pack, const WorkflowMatrix& m, const CaseFacts& facts) {
  Case c;
  c.workflow = m.workflow;
  c.pathway = m.pathway;
  c.state = pack.workflow(m.workflow)->initial;
  c.facts = facts;
  const PathwayDef* p = nullptr;
  for (const auto& def : pack.pathways)
    if (def.id == m.pathway) p = &def;
  for (const auto& d : p->deadlines)
    if (applies(d.when, facts)) c.deadlines.push_back({d.id, d.label, *parse_duration_seconds(d.duration), d.extends});
  return c;
}

void run(const WorkflowMatrix& m) {
  const Pack& pack = test::real_pack();
  const WorkflowDef& wf = *pack.workflow(m.workflow);
  std::map<std::pair<std::string, std::string>, const Row*> rows;
  for (const auto& r : m.rows)
    ASSERT_TRUE(rows.emplace(std::make_pair(r.setup, r.event), &r).second) << r.setup << " " << r.event;
  std::set<const Row*> reached;
  for (const auto& s : m.setups) {
    for (int bits = 0; bits < 16; ++bits) {
      const CaseFacts facts{(bits & 8) != 0, (bits & 4) != 0, (bits & 2) != 0, (bits & 1) != 0};
      const std::string combo = std::string(facts.emergency ? "E" : "e") + (facts.ex_post_allowed ? "X" : "x") +
                                (facts.validator_named ? "V" : "v") + (facts.notified ? "N" : "n");
      Case c = fresh(pack, m, facts);
      Instant at = kT0;
      bool reachable = true;
      for (const char* e : s.path) {
        at += 60;
        if (take(c, pack, e, at)) reachable = false;  // this kind of case never gets here
        if (!reachable) break;
      }
      if (!reachable) continue;
      const Instant when = at + s.elapsed;
      for (const auto& t : wf.transitions) {
        if (!transition(wf, t.event, c.state) || transition(wf, t.event, c.state) != &t) continue;
        if (wf.is_terminal(c.state)) continue;
        auto it = rows.find({s.name, t.event});
        ASSERT_NE(it, rows.end()) << m.workflow << ": no row for " << t.event << " in setup " << s.name << " ("
                                  << c.state << ")";
        const Row& row = *it->second;
        reached.insert(&row);
        const bool lawful = std::any_of(row.allowed.begin(), row.allowed.end(),
                                        [&](const std::string& p) { return matches(p, facts); });
        Case copy = c;
        auto err = take(copy, pack, t.event, when);
        EXPECT_EQ(!err, lawful) << m.workflow << " · " << s.name << " (" << c.state << ") · " << t.event << " · "
                                << combo << " — " << row.law << (err ? ": " + err->message : "");
        if (err && !lawful) {
          EXPECT_TRUE(err->kind == TransitionError::Kind::GuardUnmet ||
                      err->kind == TransitionError::Kind::LimitReached)
              << t.event << ": " << err->message;
        }
      }
    }
  }
  for (const auto& r : m.rows)
    EXPECT_TRUE(reached.count(&r)) << m.workflow << ": row " << r.setup << " " << r.event << " is never reached";
}

TEST(GuardMatrix, DirectOrders) {
  run(direct_order());
}
TEST(GuardMatrix, Preservation) {
  run(preservation());
}
TEST(GuardMatrix, MutualAssistance) {
  run(mla());
}

// CETS 224 Art 7(5): a Party that required simultaneous notification may, through
// its designated authority, instruct the provider not to disclose — on the
// Art 7(5)(c) grounds only, while the provider has not disclosed. The
// notification does not make the provider wait.
TEST(SapArticle7, TheNotifiedDesignatedAuthorityStopsDisclosureOnlyBeforeIt) {
  const Pack& pack = test::real_pack();
  WorkflowMatrix sap{"direct_order", "P_SAP_7", {}, {}};
  auto transmitted = [&](bool notified) {
    Case c = fresh(pack, sap, CaseFacts{false, false, false, notified});
    Instant at = kT0;
    for (const char* e : {"submit", "mark_ready", "transmit"}) {
      at += 60;
      EXPECT_FALSE(take(c, pack, e, at)) << e;
    }
    return c;
  };
  Case c = transmitted(true);
  std::vector<std::string> codes;
  for (const Ground* g : grounds_for(c, pack, "refuse")) codes.push_back(g->code);
  EXPECT_EQ(codes, (std::vector<std::string>{"prejudice_to_investigations", "convention_refusal_grounds"}));
  Case refused = c;
  ASSERT_FALSE(take(refused, pack, "refuse", kT0 + kDay));
  EXPECT_EQ(refused.state, "refused");
  // A ground of the EU Regulation is not one of Art 7(5)(c)'s.
  Case wrong = c;
  auto err =
      apply_event(wrong, pack, "refuse", PartyRole::EnforcingAuthority, kT0 + kDay, "reason", "fundamental_rights");
  ASSERT_TRUE(err);
  // The provider need not wait, and its disclosure ends the authority's window.
  Case produced = c;
  ASSERT_FALSE(take(produced, pack, "produce", kT0 + 120));
  EXPECT_TRUE(take(produced, pack, "refuse", kT0 + kDay));
  // After the provider's 30 days the instruction comes too late.
  Case late = c;
  err = take(late, pack, "refuse", kT0 + 31 * kDay);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind, TransitionError::Kind::GuardUnmet);
  // A Party that required no notification has no say in the order.
  Case quiet = transmitted(false);
  err = take(quiet, pack, "refuse", kT0 + kDay);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind, TransitionError::Kind::GuardUnmet);
}

TEST(GuardMatrix, UnknownFactsHoldNoGuard) {
  // A case whose facts were never set: no guarded step, fail closed.
  const Pack& pack = test::real_pack();
  Case c = fresh(pack, direct_order(), CaseFacts{});
  c.facts.reset();
  ASSERT_FALSE(take(c, pack, "submit", kT0));
  auto err = take(c, pack, "mark_ready", kT0);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind, TransitionError::Kind::GuardUnmet);
  EXPECT_TRUE(allowed_events(c, pack, PartyRole::Officer, kT0) == std::vector<std::string>{"withdraw"});
}

TEST(GuardMatrix, TheLintRefusesAStepWithoutTheGuardsItsKindNeeds) {
  Pack pack = test::real_pack();
  for (auto& wf : pack.workflows)
    for (auto& t : wf.transitions)
      if (t.event == "transmit_emergency" || t.event == "produce" || t.event == "refuse") t.when.clear();
  std::set<std::string> flagged;
  for (const auto& issue : lint_pack(pack)) flagged.insert(issue.where);
  for (const char* w : {"direct_order.transmit_emergency", "preservation.transmit_emergency", "direct_order.produce",
                        "direct_order.refuse"})
    EXPECT_TRUE(flagged.count(w)) << w << " lost its guards and the lint did not say so";
  EXPECT_FALSE(flagged.count("mla.refuse")) << "the requested State's refusal is not the enforcing authority's";
  EXPECT_TRUE(lint_pack(test::real_pack()).empty());
}

}  // namespace
}  // namespace comity
