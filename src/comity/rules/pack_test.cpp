#include "comity/rules/pack.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "comity/rules/kinds.hpp"
#include "test_support.hpp"

namespace comity {
namespace {

namespace fs = std::filesystem;

// Copies the real pack into a temp dir so a test can break one thing.
class PackCopy {
 public:
  PackCopy() { fs::copy(test::source_dir() + "/rules", dir_.path(), fs::copy_options::recursive); }
  std::string dir() const { return dir_.path().string(); }
  // Replaces the first occurrence of `from` in `file`; fails the test if absent.
  void replace(const std::string& file, const std::string& from, const std::string& to) {
    auto path = dir_.path() / file;
    std::string text = test::read_text(path);
    auto pos = text.find(from);
    ASSERT_NE(pos, std::string::npos) << "'" << from << "' not in " << file;
    text.replace(pos, from.size(), to);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  }
  std::vector<LintIssue> lint() { return lint_pack(*load_pack(dir())); }

 private:
  test::TempDir dir_;
};

bool mentions(const std::vector<LintIssue>& issues, const std::string& where, const std::string& fragment) {
  for (const auto& i : issues)
    if (i.where.find(where) != std::string::npos && i.message.find(fragment) != std::string::npos) return true;
  return false;
}

TEST(Pack, RepositoryPackIsCleanAndComplete) {
  const Pack& p = test::real_pack();
  auto issues = lint_pack(p);
  for (const auto& i : issues) ADD_FAILURE() << i.file << ": " << i.where << ": " << i.message;
  EXPECT_EQ(p.content_hash.rfind("sha256:", 0), 0u);
  EXPECT_EQ(p.content_hash.size(), 7u + 64u);
  // Every pathway of legal-rules §1.2 is defined.
  for (const char* id :
       {"P_DOMESTIC", "P_EU_EPOC", "P_EU_EPOC_PR", "P_EIO", "P_CLOUD_UKUS", "P_CLOUD_AUUS", "P_SAP_6", "P_SAP_7",
        "P_SAP_8", "P_SAP_9", "P_SAP_10", "P_BC_MLA", "P_MLAT", "P_LETTERS_ROGATORY", "P_VOLUNTARY"}) {
    bool found = false;
    for (const auto& pw : p.pathways) found = found || pw.id == id;
    EXPECT_TRUE(found) << id;
  }
  // Every predicate carries an id, a citation and a tag; every variant a reason.
  for (const auto& pr : p.predicates) {
    EXPECT_FALSE(pr.citation.empty()) << pr.id;
    EXPECT_TRUE(pr.tag_set) << pr.id;
    for (const auto& r : pr.reason_sources) EXPECT_FALSE(r.empty()) << pr.id;
  }
}

TEST(Pack, RegistryFactsMatchTheReference) {
  const Pack& p = test::real_pack();
  auto st = [&](const char* c) { return p.state(parse_state(c).code); };
  EXPECT_FALSE(st("DK")->reg_2023_1543_bound);  // Denmark does not take part
  EXPECT_FALSE(st("DK")->eio_participant);
  EXPECT_FALSE(st("IE")->eio_participant);
  EXPECT_FALSE(st("IE")->budapest_party_since.has_value());  // not ratified (Dáil answers, 2025)
  EXPECT_EQ(p.eu_regulation_applies_from.str(), "2026-08-18");
  EXPECT_EQ(p.sap_in_force_from, kNoDateMax);  // CETS 224 not in force
  EXPECT_TRUE(st("JP")->sap.art7_9a_no_art7);
  EXPECT_TRUE(st("JP")->sap.art8_11_central_authority);
  EXPECT_FALSE(st("US")->sap_party_since.has_value());  // a signature is not Party status
  bool ukus = false;
  for (const auto& a : p.agreements)
    if (a.id == "US-GB") {
      ukus = true;
      EXPECT_EQ(a.in_force_from.str(), "2022-10-03");
      EXPECT_EQ(a.serious_crime_min_months, 36);
    }
  EXPECT_TRUE(ukus);
}

TEST(Pack, ContentHashIsStableAndCoversEveryFile) {
  PackCopy a;
  EXPECT_EQ(load_pack(a.dir())->content_hash, test::real_pack().content_hash);
  a.replace("taxonomy/iccs.yaml", "label: \"Fraud\"", "label: \"Fraud (any)\"");
  EXPECT_NE(load_pack(a.dir())->content_hash, test::real_pack().content_hash);
}

TEST(Pack, LintRefusesAPredicateWithoutCitationOrTag) {
  PackCopy a;
  a.replace("predicates/gate.yaml",
            "    citation: \"Comity registry (rules/registry/states.yaml); legal-rules §10.8\"\n    tag: V\n", "");
  auto issues = a.lint();
  EXPECT_TRUE(mentions(issues, "REG.1", "no citation"));
  EXPECT_TRUE(mentions(issues, "REG.1", "no verification tag"));
}

TEST(Pack, LintRefusesUnknownStateCodes) {
  PackCopy a;
  a.replace("registry/agreements.yaml", "parties: [US, GB]", "parties: [US, UK]");
  EXPECT_TRUE(mentions(a.lint(), "agreements[0].parties", "unknown state code"));
}

TEST(Pack, LintRefusesDanglingReferences) {
  PackCopy a;
  a.replace("pathways.yaml", "checks: [DOM.2, CONFLICT.1, US.SCA.1, US.SCA.2, JFH.1]", "checks: [DOM.2, DOM.99]");
  a.replace("pathways.yaml", "agreement: US-GB", "agreement: US-XX");
  auto issues = a.lint();
  EXPECT_TRUE(mentions(issues, "P_DOMESTIC.checks", "DOM.99"));
  EXPECT_TRUE(mentions(issues, "P_CLOUD_UKUS.agreement", "US-XX"));
}

TEST(Pack, LintRefusesAFactTheLawNamesButNoPredicateReads) {
  // A field named by the family's law and read by none of its predicates.
  PackCopy a;
  a.replace("facts.yaml", "{field: necessity_statement, law: \"Reg. 2023/1543 Art 5(2)\"}",
            "{field: time_range, law: \"Reg. 2023/1543 Art 5(5)(e)\"}");
  EXPECT_TRUE(mentions(a.lint(), "law_names.eu_epoc.time_range", "none of its predicates reads it"));
  // The same field is accepted when the entry says why it is not read...
  EXPECT_FALSE(mentions(PackCopy().lint(), "law_names.eu_epoc.time_range", "none of its predicates reads it"));
  // ...and refused again when the reason is taken away.
  PackCopy b;
  b.replace("facts.yaml", "      not_read: \"the order states the range",
            "      # not_read: \"the order states the range");
  EXPECT_TRUE(mentions(b.lint(), "law_names.eu_epoc.time_range", "none of its predicates reads it"));
  // A family the pack does not know is refused when the pack loads.
  PackCopy c;
  c.replace("facts.yaml", "  cloud_ea:\n", "  cloud_eax:\n");
  EXPECT_THROW(load_pack(c.dir()), PackError);
}

TEST(Pack, LintRefusesBrokenCodedGrounds) {
  PackCopy a;
  a.replace("workflows.yaml", "grounds: inability,", "grounds: inabilty,");
  a.replace("workflows.yaml", "tag: U, pathways: [P_SAP_7]}", "tag: U, pathways: [P_SAP_77]}");
  auto issues = a.lint();
  EXPECT_TRUE(mentions(issues, "direct_order.report_inability", "unknown ground list \"inabilty\""));
  EXPECT_TRUE(mentions(issues, "grounds.direct_order_refusal.prejudice_to_investigations", "P_SAP_77"));
  PackCopy b;
  b.replace("workflows.yaml", "tag: V, pathways: [P_EU_EPOC]}", "tag: X, pathways: [P_EU_EPOC]}");
  EXPECT_THROW(load_pack(b.dir()), PackError);
}

TEST(Pack, LintRefusesOverlappingEffectiveDates) {
  PackCopy a;
  // A second version of DOM.2 whose dates overlap the first (which has none).
  a.replace(
      "predicates/mla.yaml", "  - id: CONFLICT.1\n",
      "  - id: DOM.2\n    title: t\n    kind: domestic_legal_basis\n    citation: c\n    tag: U\n"
      "    effective: {from: 2020-01-01}\n    reasons: {pass: p, needs_review: r}\n    hint: h\n  - id: CONFLICT.1\n");
  EXPECT_TRUE(mentions(a.lint(), "DOM.2", "overlap"));
}

TEST(Pack, NonOverlappingVersionsAreSelectedByDate) {
  PackCopy a;
  a.replace("predicates/mla.yaml", "  - id: DOM.2\n    title: National legal basis stated\n",
            "  - id: DOM.2\n    title: National legal basis stated\n    effective: {from: 2026-01-01}\n");
  a.replace(
      "predicates/mla.yaml", "  - id: CONFLICT.1\n",
      "  - id: DOM.2\n    title: old version\n    kind: domestic_legal_basis\n    citation: c\n    tag: U\n"
      "    effective: {to: 2025-12-31}\n    reasons: {pass: p, needs_review: r}\n    hint: h\n  - id: CONFLICT.1\n");
  auto pack = load_pack(a.dir());
  EXPECT_TRUE(lint_pack(*pack).empty());
  int g = pack->group_of.at("DOM.2");
  EXPECT_EQ(pack->predicate_at(g, *parse_date("2025-06-01"))->title, "old version");
  EXPECT_EQ(pack->predicate_at(g, *parse_date("2026-06-01"))->title, "National legal basis stated");
}

TEST(Pack, StructuralErrorsNameFileAndKey) {
  {
    PackCopy a;
    a.replace("predicates/gate.yaml", "kind: states_in_registry", "kind: no_such_kind");
    EXPECT_THROW(
        {
          try {
            load_pack(a.dir());
          } catch (const PackError& e) {
            EXPECT_NE(std::string(e.what()).find("predicates/gate.yaml"), std::string::npos);
            EXPECT_NE(std::string(e.what()).find("no_such_kind"), std::string::npos);
            throw;
          }
        },
        PackError);
  }
  {
    PackCopy a;
    a.replace("predicates/gate.yaml", "\"The registry has no facts for {state}",
              "\"The registry has no facts for {nope}");
    EXPECT_THROW(load_pack(a.dir()), PackError);
  }
  {
    PackCopy a;
    a.replace("registry/constants.yaml", "eu_regulation_applies_from:", "eu_regulation_applies:");
    EXPECT_THROW(load_pack(a.dir()), PackError);
  }
  EXPECT_THROW(load_pack("/nonexistent-pack-dir"), PackError);
}

TEST(Pack, EveryKindIsUsedByTheRepositoryPack) {
  const Pack& p = test::real_pack();
  for (const auto& k : all_kinds()) {
    bool used = false;
    for (const auto& pr : p.predicates) used = used || pr.kind == &k;
    EXPECT_TRUE(used) << "kind " << k.name << " is registered but no predicate uses it";
  }
}

}  // namespace
}  // namespace comity
