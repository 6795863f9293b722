#include "comity/report/case_document.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <regex>

#include "comity/model/codes.hpp"
#include "comity/report/pdf.hpp"
#include "comity/rules/pack.hpp"
#include "test_support.hpp"

namespace comity {
namespace {

using nlohmann::json;

const json& labels() {
  static const json j = json::parse(test::read_text(test::source_dir() + "/web/labels.json"));
  return j;
}

// A label group holds `code` in every language, none empty.
::testing::AssertionResult labelled(const std::string& group, const std::string& code) {
  const json& codes = labels().at("codes");
  if (!codes.contains(group)) return ::testing::AssertionFailure() << "no label group " << group;
  const json& g = codes.at(group);
  if (!g.contains(code)) return ::testing::AssertionFailure() << group << "." << code << " has no labels";
  const json& v = g.at(code);
  if (!v.is_array() || v.size() != labels().at("languages").size())
    return ::testing::AssertionFailure() << group << "." << code << " lacks a language";
  for (const auto& s : v)
    if (!s.is_string() || s.get<std::string>().empty())
      return ::testing::AssertionFailure() << group << "." << code << " has an empty label";
  return ::testing::AssertionSuccess();
}

template <class E>
void expect_enum_labelled() {
  for (auto name : EnumInfo<E>::names) EXPECT_TRUE(labelled(std::string(EnumInfo<E>::type_name), std::string(name)));
}

// The documents and the app translate every coded value: each enum of the
// request format, and each ICCS code, State, pathway, coded ground, case
// state and workflow step of the rule pack, in English, French and German.
TEST(Labels, EveryCodedValueHasEnglishFrenchAndGermanLabels) {
  EXPECT_EQ(labels().at("languages"), json({"en", "fr", "de"}));
  expect_enum_labelled<ProceedingsType>();
  expect_enum_labelled<AuthorityType>();
  expect_enum_labelled<ReviewType>();
  expect_enum_labelled<Measure>();
  expect_enum_labelled<DataCategory>();
  expect_enum_labelled<IdentifierType>();
  expect_enum_labelled<EuHarmonisedOffence>();
  expect_enum_labelled<AnnexIV>();
  expect_enum_labelled<SubjectRole>();
  expect_enum_labelled<Privilege>();
  expect_enum_labelled<LocationConfidence>();
  expect_enum_labelled<RiskLevel>();
  expect_enum_labelled<RiskGround>();
  expect_enum_labelled<EstablishmentType>();
  expect_enum_labelled<Service>();
  expect_enum_labelled<RoleForData>();
  expect_enum_labelled<EmergencyType>();
  expect_enum_labelled<NoticeMode>();
  expect_enum_labelled<IntendedUse>();
  expect_enum_labelled<SensitiveData>();
  expect_enum_labelled<InfoSensitivity>();
  expect_enum_labelled<Assurance>();
  expect_enum_labelled<PreservationChannel>();
  expect_enum_labelled<DualCriminality>();
  expect_enum_labelled<PenaltyRisk>();
  expect_enum_labelled<Clarification>();
  expect_enum_labelled<PriorOutcome>();
  expect_enum_labelled<Tri>();

  auto pack = load_pack(test::source_dir() + "/rules");
  for (const auto& c : pack->iccs) EXPECT_TRUE(labelled("iccs", c.code));
  for (const auto& s : pack->states) EXPECT_TRUE(labelled("state", s.code.str()));
  for (const auto& p : pack->pathways) EXPECT_TRUE(labelled("pathway", p.id));
  for (const auto& [list, grounds] : pack->grounds)
    for (const auto& g : grounds) EXPECT_TRUE(labelled("ground", g.code)) << list;
  for (const auto& w : pack->workflows) {
    for (const auto& s : w.states) EXPECT_TRUE(labelled("case_state", s)) << w.id;
    for (const auto& t : w.transitions) EXPECT_TRUE(labelled("event", t.event)) << w.id;
  }
  for (const char* role :
       {"officer", "validator", "central_authority", "requesting_central_authority", "requested_central_authority",
        "provider", "enforcing_authority", "oversight", "admin", "system"})
    EXPECT_TRUE(labelled("role", role));
  // Every document text too.
  for (const auto& [key, v] : labels().at("text").items()) {
    ASSERT_EQ(v.size(), 3u) << key;
    for (const auto& s : v) EXPECT_FALSE(s.get<std::string>().empty()) << key;
  }
}

TEST(Pdf, Windows1252CoversFrenchAndGermanAndReplacesTheRest) {
  EXPECT_EQ(pdf::to_cp1252("é ß œ € – “x”"), "\xE9 \xDF \x9C \x80 \x96 \x93x\x94");
  EXPECT_EQ(pdf::to_cp1252("\xE2\x86\x92"), "->");
  EXPECT_EQ(pdf::to_cp1252("日本"), "??");
  EXPECT_EQ(pdf::to_cp1252("a\xFF"
                           "b"),
            "a?b");  // not UTF-8: one replacement, nothing lost after it
  EXPECT_EQ(pdf::to_cp1252("a\x01"
                           "b"),
            "ab");  // control characters dropped
}

// The cross-reference table points at each object, and long text wraps
// within the page and onto further pages.
TEST(Pdf, OffsetsPointAtTheirObjectsAndLongTextWraps) {
  pdf::Document doc("Titre é", "fr");
  doc.footer("pied (de) page \\");
  std::string words;
  for (int i = 0; i < 2000; ++i) words += "mot" + std::to_string(i) + " ";
  doc.paragraph(words);
  std::string out = doc.finish();
  ASSERT_EQ(out.rfind("%PDF-1.7", 0), 0u);
  size_t xref = std::stoul(out.substr(out.rfind("startxref\n") + 10));
  ASSERT_EQ(out.compare(xref, 4, "xref"), 0);
  std::regex entry(R"((\d{10}) 00000 n )");
  int n = 1;
  for (auto it = std::sregex_iterator(out.begin() + static_cast<long>(xref), out.end(), entry);
       it != std::sregex_iterator(); ++it, ++n)
    EXPECT_EQ(out.compare(std::stoul((*it)[1]), std::to_string(n).size() + 6, std::to_string(n) + " 0 obj"), 0)
        << "object " << n;
  // Every object of the table was checked: "xref\n0 N" counts the free entry 0 too.
  size_t objects = std::stoul(out.substr(xref + 7));
  ASSERT_GT(objects, 3u);
  EXPECT_EQ(static_cast<size_t>(n), objects);
  std::smatch count;
  ASSERT_TRUE(std::regex_search(out, count, std::regex(R"(/Count (\d+))")));
  EXPECT_GT(std::stoi(count[1]), 2);  // 2000 words do not fit on two pages
  EXPECT_NE(out.find("/Lang (fr)"), std::string::npos);
  EXPECT_NE(out.find("(pied \\(de\\) page \\\\   1 / "), std::string::npos);  // escaped
  // No line is wider than the text column (595 - 2 x 56 points).
  std::regex tj(R"(BT /F1 10\.0 Tf [\d.]+ [\d.]+ Td \(([^)]*)\) Tj ET)");
  int lines = 0;
  for (auto it = std::sregex_iterator(out.begin(), out.end(), tj); it != std::sregex_iterator(); ++it, ++lines)
    EXPECT_LE(pdf::text_width((*it)[1].str(), pdf::Face::Regular, 10), 483.0) << (*it)[1];
  EXPECT_GT(lines, 100);  // the 2000 words were measured, line by line
}

// The text a reader sees: every shown string, unescaped, lines joined by spaces.
std::string shown_text(const std::string& pdf) {
  std::string out;
  std::regex tj(R"(\(((?:[^()\\]|\\.)*)\) Tj)");
  for (auto it = std::sregex_iterator(pdf.begin(), pdf.end(), tj); it != std::sregex_iterator(); ++it) {
    std::string s = (*it)[1];
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '\\') {
        out += s[i];
      } else if (i + 3 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
        out += static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8));
        i += 3;
      } else {
        out += s[++i];
      }
    }
    out += ' ';
  }
  return out;
}

json request() {
  return json::parse(test::read_text(test::source_dir() + "/examples/s01-eu-subscriber-prosecutor.json"));
}

// The addressee's certificate carries what the order must (Art 5(5)) and
// nothing of the reasons (Art 9(3)).
TEST(CaseDocument, TheAddresseeGetsTheOrderNotTheReasons) {
  json cert = order_certificate_fields(request());
  EXPECT_EQ(cert["identifiers"][0]["value"], "seller-2026@mail.example");
  EXPECT_EQ(cert["data_categories"], json({"SUBSCRIBER"}));
  EXPECT_EQ(cert["offences"][0],
            json({{"national_provision", "StGB § 263"}, {"iccs_code", "0701"}, {"max_penalty_months", 60}}));
  EXPECT_EQ(cert["issuing_authority"]["id"], "DE-STA-BERLIN");
  for (const char* withheld :
       {"facts_summary", "relevance_statement", "necessity_statement", "subject", "provider_possession_basis"})
    EXPECT_FALSE(cert.contains(withheld)) << withheld;
  EXPECT_FALSE(cert["offences"][0].contains("description"));

  CaseDocumentInput in{"case-1", "P_EU_EPOC", "direct_order", "NL", request(), nullptr, json::array()};
  std::string order_only = case_document_pdf(in, DocumentScope::OrderOnly, labels(), "de");
  std::string full = case_document_pdf(in, DocumentScope::Full, labels(), "de");
  auto has = [](const std::string& pdf, const std::string& utf8) {
    return shown_text(pdf).find(pdf::to_cp1252(utf8)) != std::string::npos;
  };
  EXPECT_TRUE(has(order_only, "Bescheinigung über eine Europäische Herausgabeanordnung"));
  EXPECT_TRUE(has(order_only, "Teilnehmerdaten"));
  EXPECT_TRUE(has(order_only, "seller-2026@mail.example"));
  EXPECT_FALSE(has(order_only, "delivered nothing"));
  EXPECT_TRUE(has(full, "delivered nothing"));
  std::string fr = case_document_pdf(in, DocumentScope::Full, labels(), "fr");
  EXPECT_TRUE(has(fr, "Données relatives aux abonnés"));
  EXPECT_TRUE(has(fr, "Procureur"));
  EXPECT_FALSE(has(fr, "Teilnehmerdaten"));
}

TEST(CaseDocument, MutualAssistanceIsALetterToTheCounterpartsCentralAuthority) {
  CaseDocumentInput in{"case-2", "P_MLAT", "mla", "US", request(), nullptr, json::array()};
  std::string en = case_document_pdf(in, DocumentScope::Full, labels(), "en");
  std::string text = shown_text(en);
  EXPECT_NE(text.find("Request for mutual legal assistance"), std::string::npos);
  EXPECT_NE(text.find("To the central authority of United States"), std::string::npos);
  EXPECT_NE(text.find("Summary of the facts"), std::string::npos);
  EXPECT_NE(text.find("This order was not signed electronically."), std::string::npos);
}

}  // namespace
}  // namespace comity
