#include "comity/model/request_json.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace comity {
namespace {

using nlohmann::json;
using test::base_request;

// Returns the errors for `j`; fails the test if it parsed.
FieldErrors errors_of(const std::string& text) {
  auto r = parse_request(text);
  EXPECT_FALSE(r.request.has_value()) << "expected a rejection";
  EXPECT_FALSE(r.errors.empty());
  return r.errors;
}
FieldErrors errors_of(const json& j) {
  return errors_of(j.dump());
}

bool has_error(const FieldErrors& errs, const std::string& path, const std::string& fragment = "") {
  for (const auto& e : errs)
    if (e.path == path && e.message.find(fragment) != std::string::npos) return true;
  return false;
}

std::string dump(const FieldErrors& errs) {
  std::string s;
  for (const auto& e : errs) s += e.path + ": " + e.message + "\n";
  return s;
}

TEST(RequestJson, SampleRequestParses) {
  auto r = parse_request(base_request().dump());
  ASSERT_TRUE(r.request) << dump(r.errors);
  EXPECT_EQ(r.request->requesting_state.str(), "DE");
  EXPECT_TRUE(r.request->has_category(DataCategory::Subscriber));
  EXPECT_EQ(r.request->offences.at(0).max_penalty_months, 60);
  EXPECT_TRUE(r.request->subject.nationality.unknown);
  // Omitted safeguard flags are recorded as assumptions, never silently.
  auto& a = r.request->assumed_defaults;
  EXPECT_NE(std::find(a.begin(), a.end(), "$.offences[0].speech_related=false"), a.end());
}

TEST(RequestJson, UnknownFieldsAreRefusedWithTheirPath) {
  auto j = base_request();
  j["offences"][0]["maximum"] = 5;
  j["extra"] = true;
  auto errs = errors_of(j);
  EXPECT_TRUE(has_error(errs, "$.offences[0].maximum", "no such field")) << dump(errs);
  EXPECT_TRUE(has_error(errs, "$.extra", "no such field")) << dump(errs);
}

TEST(RequestJson, WrongTypesNameTheFieldAndWhatWasExpected) {
  auto j = base_request();
  j["offences"][0]["max_penalty_months"] = "five years";
  j["urgency"]["is_emergency"] = "yes";
  j["data_categories"] = "SUBSCRIBER";
  auto errs = errors_of(j);
  EXPECT_TRUE(has_error(errs, "$.offences[0].max_penalty_months", "months")) << dump(errs);
  EXPECT_TRUE(has_error(errs, "$.urgency.is_emergency", "true or false")) << dump(errs);
  EXPECT_TRUE(has_error(errs, "$.data_categories", "an array of")) << dump(errs);
}

TEST(RequestJson, UnknownStatesAndSpecialValuesInTheWrongPlace) {
  auto j = base_request();
  j["requesting_state"] = "XX";
  j["provider"]["hq_state"] = "UK";
  j["subject"]["nationality"] = {"DE", "SHARDED"};  // SHARDED is for storage only
  j["provider"]["data_location"] = {"STATELESS"};   // STATELESS is for nationality only
  auto errs = errors_of(j);
  EXPECT_TRUE(has_error(errs, "$.requesting_state", "not assigned")) << dump(errs);
  EXPECT_TRUE(has_error(errs, "$.provider.hq_state", "GB")) << dump(errs);
  EXPECT_TRUE(has_error(errs, "$.subject.nationality[1]")) << dump(errs);
  EXPECT_TRUE(has_error(errs, "$.provider.data_location[0]")) << dump(errs);
}

TEST(RequestJson, SpecialLocationValuesAreKeptApartFromStates) {
  auto j = base_request();
  j["provider"]["data_location"] = {"US", "SHARDED"};
  j["subject"]["nationality"] = {"STATELESS"};
  j["subject"]["residence_state"] = "UNKNOWN";
  auto q = test::parse_ok(j);
  EXPECT_TRUE(q.provider.data_location.sharded);
  EXPECT_TRUE(q.provider.data_location.contains(kUS));
  EXPECT_TRUE(q.subject.nationality.stateless);
  EXPECT_TRUE(q.subject.nationality.states.empty());
  EXPECT_TRUE(q.subject.residence_state.unknown);
}

TEST(RequestJson, MissingRequiredFieldsAreEachReported) {
  auto j = base_request();
  j.erase("requesting_state");
  j.erase("facts_summary");
  j["offences"][0].erase("iccs_code");
  j.erase("retention_period_days");
  auto errs = errors_of(j);
  EXPECT_TRUE(has_error(errs, "$.requesting_state", "required")) << dump(errs);
  EXPECT_TRUE(has_error(errs, "$.facts_summary", "required")) << dump(errs);
  EXPECT_TRUE(has_error(errs, "$.offences[0].iccs_code", "required")) << dump(errs);
  EXPECT_TRUE(has_error(errs, "$.retention_period_days", "review_interval_days")) << dump(errs);
}

TEST(RequestJson, CodedValuesAreValidated) {
  auto j = base_request();
  j["offences"][0]["iccs_code"] = "07X1";
  j["language"] = "xx";
  j["identifiers"] = {{{"type", "PHONE_E164"}, {"value", "0049 30 123"}},
                      {{"type", "IP_PORT_TIMESTAMP"}, {"value", "203.0.113.5:99999@2026-05-01T10:00:00Z"}},
                      {{"type", "IMEI"}, {"value", "12ab"}}};
  j["request_id"] = "not-a-uuid";
  j["created_at"] = "2026-09-15 10:00";
  auto errs = errors_of(j);
  EXPECT_TRUE(has_error(errs, "$.offences[0].iccs_code", "ICCS")) << dump(errs);
  EXPECT_TRUE(has_error(errs, "$.language", "ISO 639-1")) << dump(errs);
  EXPECT_TRUE(has_error(errs, "$.identifiers[0].value", "E.164")) << dump(errs);
  EXPECT_TRUE(has_error(errs, "$.identifiers[1].value", "IP:PORT")) << dump(errs);
  EXPECT_TRUE(has_error(errs, "$.identifiers[2].value", "IMEI")) << dump(errs);
  EXPECT_TRUE(has_error(errs, "$.request_id", "UUID")) << dump(errs);
  EXPECT_TRUE(has_error(errs, "$.created_at", "ISO 8601")) << dump(errs);
}

TEST(RequestJson, GoodCodedValuesAreAccepted) {
  auto j = base_request();
  j["identifiers"] = {{{"type", "PHONE_E164"}, {"value", "+4930123456"}},
                      {{"type", "IP_PORT_TIMESTAMP"}, {"value", "[2001:db8::1]:443@2026-05-01T10:00:00+02:00"}},
                      {{"type", "DOMAIN_NAME"}, {"value", "example.org"}}};
  j["offences"][0]["max_penalty_months"] = "LIFE";
  auto q = test::parse_ok(j);
  EXPECT_EQ(q.offences[0].max_penalty_months, Offence::kLifeMonths);
  EXPECT_EQ(q.identifiers.size(), 3u);
}

TEST(RequestJson, EmergencyNeedsItsType) {
  auto j = base_request();
  j["urgency"] = {{"is_emergency", true}};
  EXPECT_TRUE(has_error(errors_of(j), "$.urgency.emergency_type", "THREAT_TO_LIFE"));
}

TEST(RequestJson, NotJsonOrNotAnObject) {
  EXPECT_TRUE(has_error(errors_of(std::string("{\"a\": ")), "$", "valid JSON"));
  EXPECT_TRUE(has_error(errors_of(std::string("[1,2]")), "$", "an object"));
  EXPECT_TRUE(has_error(errors_of(std::string("")), "$", "valid JSON"));
  EXPECT_TRUE(has_error(errors_of(std::string("{\"x\": \"\xff\"}")), "$", "valid JSON"));  // invalid UTF-8
  EXPECT_TRUE(has_error(errors_of(std::string("{} // comment")), "$", "valid JSON"));
}

// RFC 8259 leaves a repeated member name to the parser; Comity refuses it,
// naming where: one request must not read DE to one reader and FR to another.
TEST(RequestJson, AMemberRepeatedInOneObjectIsRefusedWithItsPath) {
  std::string text = base_request().dump();
  auto at = text.find("\"requesting_state\"");
  ASSERT_NE(at, std::string::npos);
  text.insert(at, "\"requesting_state\": \"FR\", ");
  auto errs = errors_of(text);
  EXPECT_TRUE(has_error(errs, "$.requesting_state", "appears again")) << dump(errs);
  // Deeper, inside an array element.
  json j = base_request();
  std::string deep = j.dump();
  auto off = deep.find("\"max_penalty_months\"");
  ASSERT_NE(off, std::string::npos);
  deep.insert(off, "\"max_penalty_months\": 1, ");
  errs = errors_of(deep);
  EXPECT_TRUE(has_error(errs, "$.offences[0].max_penalty_months", "appears again")) << dump(errs);
  // The same name in two different objects is fine.
  EXPECT_TRUE(parse_request(base_request().dump()).request.has_value());
}

TEST(RequestJson, AnInterceptionEndsAfterItStarts) {
  json j = base_request();
  j["measure"] = "INTERCEPT_CONTENT";
  j["interception"] = {{"start", "2026-10-01T00:00:00Z"}, {"end", "2026-09-01T00:00:00Z"}};
  auto errs = errors_of(j);
  EXPECT_TRUE(has_error(errs, "$.interception.end", "on or after interception.start")) << dump(errs);
  j["interception"]["end"] = "2026-11-01T00:00:00Z";
  EXPECT_TRUE(parse_request(j.dump()).request.has_value());
}

TEST(RequestJson, TheAuthoritiesActInTheRequestingStatesName) {
  json j = base_request();
  j["issuing_authority"]["state"] = "FR";
  auto errs = errors_of(j);
  EXPECT_TRUE(has_error(errs, "$.issuing_authority.state", "the requesting State, DE")) << dump(errs);
  j = base_request();
  j["validating_authority"] = {{"state", "NL"}, {"type", "JUDGE"}, {"name", "Rechtbank"}, {"contact", "c"}};
  errs = errors_of(j);
  EXPECT_TRUE(has_error(errs, "$.validating_authority.state", "the requesting State, DE")) << dump(errs);
}

TEST(RequestJson, OverflowingNumbersAreAnErrorNotACrash) {
  // Found by the fuzzer: nlohmann throws out_of_range, not parse_error, here.
  EXPECT_TRUE(has_error(errors_of(std::string("{\"retention_period_days\": 44E444001568560704}")), "$", "valid JSON"));
  auto j = base_request();
  j["offences"][0]["max_penalty_months"] = 1e300;
  EXPECT_TRUE(has_error(errors_of(j), "$.offences[0].max_penalty_months", "months"));
  j = base_request();
  j["retention_period_days"] = 99999999999LL;
  EXPECT_TRUE(has_error(errors_of(j), "$.retention_period_days", "between"));
}

TEST(RequestJson, TenMegabytesOfGarbageIsRefusedBySize) {
  std::string garbage(10 * 1024 * 1024, '\x7f');
  auto errs = errors_of(garbage);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_NE(errs[0].message.find("at most"), std::string::npos);
}

TEST(RequestJson, TenThousandDeepNestingIsRefusedWithoutRecursion) {
  std::string deep = std::string(10000, '[') + std::string(10000, ']');
  auto errs = errors_of(deep);
  EXPECT_TRUE(has_error(errs, "$", "nested")) << dump(errs);
  std::string deep_obj;
  for (int i = 0; i < 10000; ++i) deep_obj += "{\"a\":";
  deep_obj += "1" + std::string(10000, '}');
  EXPECT_TRUE(has_error(errors_of(deep_obj), "$", "nested"));
  // Brackets inside strings do not count.
  auto j = base_request();
  j["facts_summary"] = std::string(5000, '[');
  EXPECT_TRUE(parse_request(j.dump()).request.has_value());
}

TEST(RequestJson, OversizedArraysAndStringsAreRefused) {
  auto j = base_request();
  j["data_items"] = json::array();
  for (int i = 0; i < 101; ++i) j["data_items"].push_back("x");
  j["facts_summary"] = std::string(20001, 'a');
  auto errs = errors_of(j);
  EXPECT_TRUE(has_error(errs, "$.data_items", "at most 100")) << dump(errs);
  EXPECT_TRUE(has_error(errs, "$.facts_summary", "at most 20000")) << dump(errs);
}

TEST(RequestJson, ErrorCountIsCapped) {
  auto j = base_request();
  j["identifiers"] = json::array();
  for (int i = 0; i < 100; ++i) j["identifiers"].push_back({{"type", "EMAIL"}, {"value", "no-at-sign"}, {"z", 1}});
  auto errs = errors_of(j);
  EXPECT_LE(errs.size(), 100u);
}

}  // namespace
}  // namespace comity
