#include "request_generator.hpp"

#include <random>
#include <string>

namespace comity::test {
namespace {

template <class T, size_t N>
const T& pick(std::mt19937_64& rng, const T (&items)[N]) {
  return items[std::uniform_int_distribution<size_t>(0, N - 1)(rng)];
}

bool chance(std::mt19937_64& rng, double p) {
  return std::uniform_real_distribution<double>(0, 1)(rng) < p;
}

}  // namespace

std::vector<nlohmann::json> generate_requests(size_t count, uint64_t seed) {
  using nlohmann::json;
  std::mt19937_64 rng(seed);
  static const char* kStates[] = {"DE", "FR", "NL", "BE", "IE", "PL", "ES", "IT", "DK", "SE",
                                  "GB", "US", "AU", "JP", "RS", "CA", "CH", "BR", "IN", "TV"};
  static const char* kAuth[] = {"JUDGE",
                                "COURT",
                                "INVESTIGATING_JUDGE",
                                "PUBLIC_PROSECUTOR",
                                "POLICE_INVESTIGATING_AUTHORITY",
                                "OTHER_COMPETENT_AUTHORITY"};
  static const char* kCats[] = {"SUBSCRIBER", "IDENTIFICATION_ONLY", "TRAFFIC", "CONTENT"};
  static const char* kMeasures[] = {"PRODUCE_STORED", "PRODUCE_STORED",    "PRODUCE_STORED",
                                    "PRESERVE",       "INTERCEPT_CONTENT", "REALTIME_TRAFFIC"};
  static const char* kIccs[] = {"0101",  "020221", "0204", "0208",  "030221", "0401",  "0601", "0701",
                                "07041", "0803",   "0903", "09031", "0904",   "09051", "0906"};
  static const int kPenalty[] = {6, 12, 24, 35, 36, 48, 60, 84, 120, 240};
  static const char* kEstTypes[] = {"DESIGNATED_ESTABLISHMENT", "LEGAL_REPRESENTATIVE", "SUBSIDIARY", "BRANCH"};
  static const char* kIdTypes[] = {"ACCOUNT_ID", "EMAIL",           "USERNAME",    "IMEI",   "ACCOUNT_ID",
                                   "EMAIL",      "CELL_TOWER_DUMP", "PERSON_NAME", "HASHTAG"};
  static const char* kIdValues[] = {"acct-1", "a@b.example", "user_1", "490154203237518", "acct-2", "c@d.example",
                                    "cell 1", "A Name",      "#tag"};
  static const char* kHarmonised[] = {
      "NONE", "NONE", "NONE", "DIR_2013_40_ART3_8", "DIR_2011_93_ART3_7", "DIR_2017_541_ART3_12_14"};
  static const char* kEmergency[] = {"THREAT_TO_LIFE", "THREAT_TO_PHYSICAL_INTEGRITY", "CRITICAL_INFRASTRUCTURE"};
  static const char* kNotice[] = {"NOTIFY_NOW", "NOTIFY_NOW", "DELAY"};
  static const char* kPrivilege[] = {"NONE", "NONE", "NONE", "NONE", "JOURNALIST", "LAWYER"};

  std::vector<json> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    std::string is = pick(rng, kStates);
    std::string ps = pick(rng, kStates);
    json q;
    q["requesting_state"] = is;
    q["proceedings_type"] = chance(rng, 0.97) ? "CRIMINAL_INVESTIGATION" : "INTELLIGENCE";
    q["issuing_authority"] = {{"state", is}, {"type", pick(rng, kAuth)}, {"name", "Authority"}, {"contact", "c"}};
    if (chance(rng, 0.3)) q["validating_authority"] = {{"state", is}, {"type", pick(rng, kAuth)}};
    q["domestic_legal_basis"] = {"Code of criminal procedure"};
    if (chance(rng, 0.8)) q["domestic_parity_confirmed"] = true;
    json offence = {{"national_provision", "Penal code"},
                    {"iccs_code", pick(rng, kIccs)},
                    {"max_penalty_months", pick(rng, kPenalty)},
                    {"locus_states", {is}},
                    {"committed_via_information_system", chance(rng, 0.5)},
                    {"eu_harmonised_offence_ref", pick(rng, kHarmonised)},
                    {"speech_related", chance(rng, 0.05)},
                    {"death_penalty_available", is == "US" && chance(rng, 0.2)}};
    q["offences"] = {offence};
    q["facts_summary"] = "Facts of the case.";
    q["relevance_statement"] = "The account was used to commit the offence.";
    q["necessity_statement"] = "No other means.";
    q["measure"] = pick(rng, kMeasures);
    json cats = json::array();
    for (const char* c : kCats)
      if (chance(rng, 0.4)) cats.push_back(c);
    if (cats.empty()) cats.push_back(pick(rng, kCats));
    q["data_categories"] = cats;
    json ids = json::array();
    size_t k = std::uniform_int_distribution<size_t>(0, std::size(kIdTypes) - 1)(rng);
    ids.push_back({{"type", kIdTypes[k]}, {"value", kIdValues[k]}});
    if (chance(rng, 0.3)) ids.push_back({{"type", "EMAIL"}, {"value", "x@y.example"}});
    q["identifiers"] = ids;
    if (q["measure"] == "INTERCEPT_CONTENT" || q["measure"] == "REALTIME_TRAFFIC")
      q["interception"] = {{"end", "2026-12-01T00:00:00Z"}, {"less_intrusive_assessment", "none suffices"}};
    std::string loc = chance(rng, 0.5) ? is : pick(rng, kStates);
    q["subject"] = {{"known", true},
                    {"nationality", chance(rng, 0.2) ? json::array({"UNKNOWN"}) : json::array({pick(rng, kStates)})},
                    {"residence_state", chance(rng, 0.2) ? std::string("UNKNOWN") : loc},
                    {"current_location_state", loc},
                    {"is_us_person", chance(rng, 0.8) ? json(false) : json("UNKNOWN")},
                    {"professional_privilege", pick(rng, kPrivilege)}};
    json ests = json::array({{{"state", ps}, {"type", "HQ"}}});
    if (chance(rng, 0.7)) ests.push_back({{"state", pick(rng, kStates)}, {"type", pick(rng, kEstTypes)}});
    q["provider"] = {{"hq_state", ps},
                     {"establishments", ests},
                     {"services", {"ISS_COMMUNICATION", "ISS_STORAGE"}},
                     {"offers_services_in", ps == is ? json::array({ps}) : json::array({ps, is})},
                     {"data_location", chance(rng, 0.3) ? json::array({"SHARDED"}) : json::array({ps})}};
    if (chance(rng, 0.15)) {
      q["urgency"] = {
          {"is_emergency", true}, {"emergency_type", pick(rng, kEmergency)}, {"justification", "Imminent threat."}};
      q["domestic_similar_case_allows_no_validation"] = chance(rng, 0.5);
    }
    q["designated_authority_review"] = {{"passed", chance(rng, 0.8)}};
    std::string notice = pick(rng, kNotice);
    q["user_notification_plan"] = notice == "DELAY"
                                      ? json{{"mode", "DELAY"}, {"justification", "j"}, {"review_date", "2027-01-01"}}
                                      : json{{"mode", notice}};
    q["retention_period_days"] = 365;
    out.push_back(std::move(q));
  }
  return out;
}

}  // namespace comity::test
