#include "comity/util/jcs.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>

namespace comity {
namespace {

using nlohmann::json;

std::string jcs(const char* text) {
  return canonical_json(json::parse(text));
}

// RFC 8785 §3.2.2: the sample whose output the RFC prints.
TEST(CanonicalJson, Rfc8785Sample) {
  const char* in = R"({
    "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
    "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
    "literals": [null, true, false]
  })";
  EXPECT_EQ(jcs(in),
            "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
            "\"string\":\"\xE2\x82\xAC$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}

// RFC 8785 §3.2.3: members sort by UTF-16 code units, so U+1F600 (a
// surrogate pair, D83D DE00) sorts before U+FB33 although UTF-8 would put it after.
TEST(CanonicalJson, Rfc8785SortsByUtf16CodeUnits) {
  const char* in = R"({"\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh",
    "1": "One", "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control", "\u00f6": "Latin Small Letter O With Diaeresis"})";
  std::string canon = jcs(in);
  const char* expected[] = {"Carriage Return",
                            "One",
                            "Control",
                            "Latin Small Letter O With Diaeresis",
                            "Euro Sign",
                            "Emoji: Grinning Face",
                            "Hebrew Letter Dalet With Dagesh"};
  size_t last = 0;
  for (const char* value : expected) {
    size_t at = canon.find(value);
    ASSERT_NE(at, std::string::npos) << value;
    EXPECT_GT(at, last) << value << " is out of order in " << canon;
    last = at;
  }
}

// RFC 8785 Appendix B: IEEE 754 doubles and their ECMAScript strings.
TEST(CanonicalJson, NumbersAsEcmaScriptWritesThem) {
  struct Case {
    uint64_t bits;
    const char* text;
  } cases[] = {
      {0x0000000000000000, "0"},
      {0x8000000000000000, "0"},
      {0x0000000000000001, "5e-324"},
      {0x8000000000000001, "-5e-324"},
      {0x7fefffffffffffff, "1.7976931348623157e+308"},
      {0xffefffffffffffff, "-1.7976931348623157e+308"},
      {0x4340000000000000, "9007199254740992"},
      {0xc340000000000000, "-9007199254740992"},
      {0x4430000000000000, "295147905179352830000"},
      {0x44b52d02c7e14af5, "9.999999999999997e+22"},
      {0x44b52d02c7e14af6, "1e+23"},
      {0x44b52d02c7e14af7, "1.0000000000000001e+23"},
      {0x444b1ae4d6e2ef4e, "999999999999999700000"},
      {0x444b1ae4d6e2ef4f, "999999999999999900000"},
      {0x444b1ae4d6e2ef50, "1e+21"},
      {0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
      {0x3eb0c6f7a0b5ed8d, "0.000001"},
      {0x41b3de4355555553, "333333333.3333332"},
      {0x41b3de4355555554, "333333333.33333325"},
      {0x41b3de4355555555, "333333333.3333333"},
      {0x41b3de4355555556, "333333333.3333334"},
      {0x41b3de4355555557, "333333333.33333343"},
      {0xbecbf647612f3696, "-0.0000033333333333333333"},
      {0x43143ff3c1cb0959, "1424953923781206.2"},
  };
  for (const auto& c : cases) {
    double d;
    std::memcpy(&d, &c.bits, sizeof d);
    EXPECT_EQ(canonical_json(json(d)), c.text) << std::hex << c.bits;
  }
}

TEST(CanonicalJson, IntegersAndNesting) {
  EXPECT_EQ(jcs(R"({"b":[1,-2,{"z":0,"a":true}],"a":"x"})"), R"({"a":"x","b":[1,-2,{"a":true,"z":0}]})");
  EXPECT_EQ(canonical_json(json(int64_t{1} << 53)), "9007199254740992");
}

TEST(CanonicalJson, RefusesWhatHasNoCanonicalForm) {
  EXPECT_THROW(canonical_json(json(std::nan(""))), CanonicalJsonError);
  EXPECT_THROW(canonical_json(json((int64_t{1} << 53) + 1)), CanonicalJsonError);
  EXPECT_THROW(canonical_json(json(std::string("\xC0\x80"))), CanonicalJsonError);      // overlong NUL
  EXPECT_THROW(canonical_json(json(std::string("\xED\xA0\x80"))), CanonicalJsonError);  // a surrogate
  EXPECT_THROW(canonical_json(json::object({{std::string("\xFF"), 1}})), CanonicalJsonError);
}

}  // namespace
}  // namespace comity
