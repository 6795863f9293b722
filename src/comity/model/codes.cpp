#include "comity/model/codes.hpp"

#include <bitset>

namespace comity {
namespace {

// ISO 3166-1 alpha-2 officially assigned elements (249), plus XK, the
// user-assigned code commonly used for Kosovo (legal-rules.md VOC.ISO.4).
constexpr std::string_view kAssigned =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW "
    "BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI "
    "FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN "
    "IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME "
    "MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF "
    "PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV "
    "SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE "
    "YT ZA ZM ZW XK";

std::bitset<676> build_assigned() {
  std::bitset<676> bits;
  for (size_t i = 0; i + 1 < kAssigned.size(); i += 3)
    bits.set(StateCode::from_letters(kAssigned[i], kAssigned[i + 1]).index());
  return bits;
}

const std::bitset<676>& assigned() {
  static const std::bitset<676> bits = build_assigned();
  return bits;
}

}  // namespace

std::string StateCode::str() const {
  if (empty()) return {};
  return {static_cast<char>('A' + v_ / 26), static_cast<char>('A' + v_ % 26)};
}

StateParse parse_state(std::string_view t) {
  StateParse r;
  if (t == "EL") {
    r.error = "\"EL\" is the EU's code for Greece; ISO 3166-1 uses GR";
    return r;
  }
  if (t == "UK") {
    r.error = "\"UK\" is not an ISO 3166-1 code; the United Kingdom is GB";
    return r;
  }
  if (t == "EU") {
    r.error = "\"EU\" is an organisation, not a state: name the Member State";
    return r;
  }
  if (t.size() != 2 || t[0] < 'A' || t[0] > 'Z' || t[1] < 'A' || t[1] > 'Z') {
    r.error = "an ISO 3166-1 alpha-2 state code (two upper-case letters, e.g. DE)";
    return r;
  }
  StateCode c = StateCode::from_letters(t[0], t[1]);
  if (!assigned().test(c.index())) {
    r.error = "an assigned ISO 3166-1 alpha-2 state code; \"" + std::string(t) + "\" is not assigned";
    return r;
  }
  r.code = c;
  return r;
}

}  // namespace comity
