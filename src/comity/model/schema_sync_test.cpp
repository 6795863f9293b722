// Keeps schemas/request.schema.json in step with the parser: the same
// enum spellings, the same required fields, and no field one accepts that the
// other refuses.
#include <gtest/gtest.h>

#include "comity/model/codes.hpp"
#include "comity/model/request_json.hpp"
#include "test_support.hpp"

namespace comity {
namespace {

using nlohmann::json;

json schema() {
  return json::parse(test::read_text(test::source_dir() + "/schemas/request.schema.json"));
}

template <class E>
void expect_enum(const json& defs, const char* name) {
  std::vector<std::string> want;
  for (auto n : EnumInfo<E>::names) want.emplace_back(n);
  EXPECT_EQ(defs.at(name).at("enum").get<std::vector<std::string>>(), want) << name;
}

TEST(Schema, EnumsMatchTheParser) {
  auto defs = schema().at("$defs");
  expect_enum<ProceedingsType>(defs, "ProceedingsType");
  expect_enum<AuthorityType>(defs, "AuthorityType");
  expect_enum<Measure>(defs, "Measure");
  expect_enum<DataCategory>(defs, "DataCategory");
  expect_enum<IdentifierType>(defs, "IdentifierType");
  expect_enum<AnnexIV>(defs, "AnnexIV");
  expect_enum<EstablishmentType>(defs, "EstablishmentType");
  expect_enum<Service>(defs, "Service");
  expect_enum<EmergencyType>(defs, "EmergencyType");
  expect_enum<NoticeMode>(defs, "NoticeMode");
  expect_enum<InfoSensitivity>(defs, "InfoSensitivity");
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
    auto j = json::parse(test::read_text(e.path()));
    for (auto& [name, v] : j.items()) EXPECT_TRUE(props.contains(name)) << name << " in " << e.path();
  }
}

}  // namespace
}  // namespace comity
