// Keeps schemas/request.schema.json in step with the parser: the same
// enum spellings, the same required fields, and no field one accepts that the
// other refuses.
#include <gtest/gtest.h>

#include <set>

#include "comity/model/codes.hpp"
#include "comity/model/request_json.hpp"
#include "test_support.hpp"

namespace comity {
namespace {

using nlohmann::json;

json schema() {
  return json::parse(test::read_text(test::source_dir() + "/schemas/request.schema.json"));
}

template <class... E>
std::set<std::string> expect_enums(const json& defs) {
  std::set<std::string> checked;
  auto one = [&]<class T>(T*) {
    std::string name(EnumInfo<T>::type_name);
    std::vector<std::string> want;
    for (auto n : EnumInfo<T>::names) want.emplace_back(n);
    ASSERT_TRUE(defs.contains(name)) << name << " is parsed but not in the schema";
    EXPECT_EQ(defs.at(name).at("enum").get<std::vector<std::string>>(), want) << name;
    checked.insert(name);
  };
  (one(static_cast<E*>(nullptr)), ...);
  return checked;
}

TEST(Schema, EnumsMatchTheParser) {
  auto defs = schema().at("$defs");
  // Every enum the parser knows (Tri is spelt as JSON true/false/null, not an enum).
  auto checked = expect_enums<ProceedingsType, AuthorityType, ReviewType, Measure, DataCategory, IdentifierType,
                              EuHarmonisedOffence, AnnexIV, SubjectRole, Privilege, LocationConfidence, RiskLevel,
                              RiskGround, EstablishmentType, Service, RoleForData, EmergencyType, NoticeMode,
                              IntendedUse, SensitiveData, InfoSensitivity, Assurance, PreservationChannel,
                              DualCriminality, PenaltyRisk, Clarification, PriorOutcome>(defs);
  // And every enum the schema defines is one of them: none is left unchecked.
  for (auto& [name, def] : defs.items()) {
    if (def.contains("enum")) {
      EXPECT_TRUE(checked.contains(name)) << name << " is in the schema only";
    }
  }
  EXPECT_EQ(checked.size(), 27u);
}

TEST(Schema, EveryRequiredFieldIsRequiredByTheParser) {
  const json s = schema();  // the loop must not reference into a temporary
  for (const auto& field : s.at("required")) {
    auto j = test::base_request();
    j.erase(field.get<std::string>());
    auto r = parse_request(j.dump());
    EXPECT_FALSE(r.request.has_value()) << field << " is required by the schema but not the parser";
  }
}

TEST(Schema, EveryTopLevelPropertyIsKnownToTheParser) {
  // A property the parser did not know would be refused as "no such field".
  const json s = schema();
  for (auto& [name, def] : s.at("properties").items()) {
    auto j = test::base_request();
    if (j.contains(name)) continue;
    j[name] = nullptr;  // null counts as absent, but the key must still be known
    auto r = parse_request(j.dump());
    for (const auto& e : r.errors)
      EXPECT_EQ(e.message.find("no such field"), std::string::npos) << name << " is in the schema only";
  }
  // And every field of the sample requests is in the schema.
  const auto& props = s.at("properties");
  for (const auto& e : std::filesystem::directory_iterator(test::source_dir() + "/examples")) {
    if (!e.is_regular_file() || e.path().extension() != ".json") continue;  // statements/ holds another format
    auto j = json::parse(test::read_text(e.path()));
    for (auto& [name, v] : j.items()) EXPECT_TRUE(props.contains(name)) << name << " in " << e.path();
  }
}

}  // namespace
}  // namespace comity
