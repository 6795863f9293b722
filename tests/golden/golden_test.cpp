// Golden scenarios (legal-rules.md §11): each tests/golden/*.expect.json names
// a sample request in examples/, the evaluation date and the decision the law
// requires: outcome, recommended pathway, gate results, and per pathway entry
// its status, rank, counterpart, key predicate results, deadlines,
// notifications, use limitations and hints. The check runs against the
// documented machine format (docs/decision-format.md), not internals.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "comity/model/request_json.hpp"
#include "comity/rules/decision_json.hpp"
#include "comity/rules/engine.hpp"
#include "comity/rules/statement_notes.hpp"
#include "test_support.hpp"

namespace comity {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using nlohmann::ordered_json;

std::vector<std::string> golden_files() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(test::source_dir() + "/tests/golden"))
    if (e.path().string().ends_with(".expect.json")) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> ids(const ordered_json& list) {
  std::vector<std::string> out;
  for (const auto& x : list) out.push_back(x.at(x.contains("id") ? "id" : "predicate").get<std::string>());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Finds the decision entry matching the expectation's pathway, role and categories.
const ordered_json* find_entry(const ordered_json& decision, const json& want) {
  std::string role = want.value("role", "primary");
  const ordered_json* found = nullptr;
  for (const auto& p : decision["pathways"]) {
    if (p["pathway"] != want["pathway"] || p["role"] != role) continue;
    if (want.contains("data_categories")) {
      auto a = sorted(want["data_categories"].get<std::vector<std::string>>());
      auto b = sorted(p["data_categories"].get<std::vector<std::string>>());
      if (a != b) continue;
    }
    // Routed by connection, a pathway has one entry per requested State.
    if (want.contains("counterpart_state") && p["counterpart_state"] != want["counterpart_state"]) continue;
    EXPECT_EQ(found, nullptr) << "ambiguous expectation for " << want["pathway"];
    found = &p;
  }
  return found;
}

// A golden may rest on registry facts that do not hold today — a treaty not
// yet in force, a declaration no State has made — stated under "assume" with
// the reason in "why". Only the keys below are honoured; any other key fails
// the test, so an assumption cannot be misspelt into silence.
const Pack& pack_for(const json& want, std::unique_ptr<Pack>& holder) {
  if (!want.contains("assume")) return test::real_pack();
  const json& a = want["assume"];
  EXPECT_TRUE(a.contains("why") && !a["why"].get<std::string>().empty()) << "an assumption states why";
  holder = test::fresh_pack();
  for (auto& [key, value] : a.items()) {
    if (key == "why") continue;
    if (key == "sap_in_force_from") {
      holder->sap_in_force_from = *parse_date(value.get<std::string>());
    } else if (key == "states") {
      for (auto& [code, facts] : value.items()) {
        StateCode sc = StateCode::from_letters(code.at(0), code.at(1));
        auto it = std::find_if(holder->states.begin(), holder->states.end(),
                               [&](const StateInfo& x) { return x.code == sc; });
        if (it == holder->states.end()) {
          ADD_FAILURE() << "assumed facts for a State the registry lacks: " << code;
          continue;
        }
        StateInfo& st = *it;
        for (auto& [fact, v] : facts.items()) {
          if (fact == "sap_party_since") {
            st.sap_party_since = *parse_date(v.get<std::string>());
          } else if (fact == "sap_declarations") {
            for (auto& [decl, on] : v.items()) {
              if (decl == "art7_5a_notification") {
                st.sap.art7_5a_notification = on.get<bool>();
              } else {
                ADD_FAILURE() << "unknown assumed declaration " << decl;
              }
            }
          } else {
            ADD_FAILURE() << "unknown assumed state fact " << fact;
          }
        }
      }
    } else if (key == "mla_instruments") {
      for (auto& [id, facts] : value.items()) {
        auto it = std::find_if(holder->mla_instruments.begin(), holder->mla_instruments.end(),
                               [&](const MlaInstrument& m) { return m.id == id; });
        if (it == holder->mla_instruments.end() || !it->per_state) {
          ADD_FAILURE() << "assumed facts for an instrument the registry does not track per State: " << id;
          continue;
        }
        for (auto& [fact, v] : facts.items()) {
          if (fact == "in_force_from") {
            it->in_force_from = *parse_date(v.get<std::string>());
          } else if (fact == "ratified") {
            for (auto& [code, on] : v.items()) {
              StateCode sc = StateCode::from_letters(code.at(0), code.at(1));
              auto st = std::find_if(it->status.begin(), it->status.end(),
                                     [&](const InstrumentStatus& x) { return x.state == sc; });
              if (st == it->status.end()) st = it->status.insert(it->status.end(), InstrumentStatus{sc, {}, {}});
              st->ratified_on = *parse_date(on.get<std::string>());
            }
          } else {
            ADD_FAILURE() << "unknown assumed instrument fact " << fact;
          }
        }
      }
    } else {
      ADD_FAILURE() << "unknown assumption " << key;
    }
  }
  return *holder;
}

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, DecisionMatchesTheLaw) {
  json want = json::parse(test::read_text(test::source_dir() + "/tests/golden/" + GetParam()));
  SCOPED_TRACE(want["scenario"].get<std::string>() + " — " + want["legal_rules"].get<std::string>());
  std::string text = test::read_text(test::source_dir() + "/" + want["request"].get<std::string>());
  auto parsed = parse_request(text);
  ASSERT_TRUE(parsed.request) << "sample request is invalid: " << parsed.errors.at(0).path << " "
                              << parsed.errors.at(0).message;
  std::unique_ptr<Pack> assumed;
  Decision d = evaluate(*parsed.request, pack_for(want, assumed), *parse_date(want["at"].get<std::string>()));
  ordered_json got = decision_to_json(d, *parsed.request);
  // The addressee's provider statement, shown beside the law (never changing it).
  if (want.contains("provider_statement")) {
    auto sp = parse_provider_statement(
        test::read_text(test::source_dir() + "/" + want["provider_statement"].get<std::string>()));
    ASSERT_TRUE(sp.statement) << sp.errors.at(0).path << " " << sp.errors.at(0).message;
    EXPECT_TRUE(check_statement(*sp.statement, test::real_pack()).empty());
    EXPECT_TRUE(statement_fits_request(*sp.statement, *parsed.request).empty());
    ordered_json plain = got;
    attach_statement(got, d, *sp.statement);
    for (size_t i = 0; i < plain["pathways"].size(); ++i) {
      ordered_json with = got["pathways"][i];
      with.erase("provider_says");
      EXPECT_EQ(with, plain["pathways"][i]) << "a statement changed the decision";
    }
  }

  if (want.contains("outcome")) {
    EXPECT_EQ(got["outcome"], want["outcome"]);
  }
  if (want.contains("recommended")) {
    EXPECT_EQ(got["summary"]["recommended"], want["recommended"]);
  }
  if (want.contains("preserve_now")) {
    EXPECT_EQ(got["summary"]["preserve_now"], want["preserve_now"]);
  }
  if (want.contains("coverage")) {
    for (auto& [cat, pw] : want["coverage"].items()) EXPECT_EQ(got["summary"]["coverage"][cat], pw) << cat;
  }
  if (want.contains("gate")) {
    for (auto& [pred, result] : want["gate"].items()) {
      auto it =
          std::find_if(got["gate"].begin(), got["gate"].end(), [&](const auto& c) { return c["predicate"] == pred; });
      ASSERT_NE(it, got["gate"].end()) << pred;
      EXPECT_EQ((*it)["result"], result) << pred << ": " << (*it)["reason"];
    }
  }
  for (const auto& w : want["pathways"]) {
    SCOPED_TRACE(w.dump());
    const ordered_json* p = find_entry(got, w);
    ASSERT_NE(p, nullptr) << "no entry for " << w["pathway"];
    EXPECT_EQ((*p)["status"], w["status"]);
    if (w.contains("rank")) {
      EXPECT_EQ((*p)["rank"], w["rank"]);
    }
    if (w.contains("split")) {
      EXPECT_EQ((*p)["split"], w["split"]);
    }
    if (w.contains("connection")) {
      EXPECT_EQ((*p)["connection"]["factors"], w["connection"]["factors"]);
      EXPECT_EQ((*p)["connection"]["strongest"], w["connection"]["strongest"]);
    }
    if (w.contains("notified")) {
      bool notified = false;
      for (const auto& n : (*p)["notifications"]) notified |= n.contains("state");
      EXPECT_EQ(notified, w["notified"].get<bool>());
    }
    if (w.contains("checks")) {
      for (auto& [pred, result] : w["checks"].items()) {
        const auto& checks = (*p)["checks"];
        auto it = std::find_if(checks.begin(), checks.end(), [&](const auto& c) { return c["predicate"] == pred; });
        ASSERT_NE(it, checks.end()) << pred << " did not run";
        EXPECT_EQ((*it)["result"], result) << pred << ": " << (*it)["reason"];
        EXPECT_FALSE((*it)["citation"].get<std::string>().empty()) << pred;
        EXPECT_FALSE((*it)["tag"].get<std::string>().empty()) << pred;
      }
    }
    if (w.contains("deadlines")) {
      EXPECT_EQ(ids((*p)["deadlines"]), sorted(w["deadlines"]));
    }
    if (w.contains("notifications")) {
      EXPECT_EQ(ids((*p)["notifications"]), sorted(w["notifications"]));
    }
    if (w.contains("use_limitations")) {
      EXPECT_EQ(ids((*p)["use_limitations"]), sorted(w["use_limitations"]));
    }
    if (w.contains("provider_says")) {
      std::vector<std::string> says;
      for (const auto& n : (*p)["provider_says"])
        says.push_back(n["kind"].get<std::string>() + ":" +
                       (n.contains("ground") ? n["ground"] : n["position"]).get<std::string>());
      EXPECT_EQ(sorted(says), sorted(w["provider_says"].get<std::vector<std::string>>()));
    }
    if (w.contains("hints"))
      for (const auto& h : w["hints"]) {
        auto hints = ids((*p)["to_make_available"]);
        EXPECT_NE(std::find(hints.begin(), hints.end(), h.get<std::string>()), hints.end()) << "no hint from " << h;
      }
  }
}

// Every golden states every pathway's outcome: each entry of the decision is
// matched by exactly one expectation, so a pathway that appears, vanishes or
// changes role fails here even when no expectation names it.
TEST_P(Golden, StatesEveryPathway) {
  json want = json::parse(test::read_text(test::source_dir() + "/tests/golden/" + GetParam()));
  std::string text = test::read_text(test::source_dir() + "/" + want["request"].get<std::string>());
  auto parsed = parse_request(text);
  ASSERT_TRUE(parsed.request);
  std::unique_ptr<Pack> assumed;
  Decision d = evaluate(*parsed.request, pack_for(want, assumed), *parse_date(want["at"].get<std::string>()));
  ordered_json got = decision_to_json(d, *parsed.request);
  EXPECT_EQ(want["pathways"].size(), got["pathways"].size()) << "the golden must state every pathway";
  for (const auto& p : got["pathways"]) {
    int matched = 0;
    for (const auto& w : want["pathways"]) {
      if (w["pathway"] != p["pathway"] || w.value("role", "primary") != p["role"]) continue;
      if (w.contains("data_categories") && sorted(w["data_categories"].get<std::vector<std::string>>()) !=
                                               sorted(p["data_categories"].get<std::vector<std::string>>()))
        continue;
      if (w.contains("counterpart_state") && w["counterpart_state"] != p["counterpart_state"]) continue;
      ++matched;
    }
    EXPECT_EQ(matched, 1) << "no single expectation states " << p["pathway"] << " (" << p["role"] << ", "
                          << p["data_categories"].dump() << ")";
  }
}

INSTANTIATE_TEST_SUITE_P(Scenarios, Golden, ::testing::ValuesIn(golden_files()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return param_info.param.substr(0, param_info.param.find('.'));
                         });

}  // namespace
}  // namespace comity
