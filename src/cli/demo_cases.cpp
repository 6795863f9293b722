#include "cli/demo_cases.hpp"

#include "cli/trust_commands.hpp"
#include "comity/crypto/ed25519.hpp"
#include "comity/service/case_service.hpp"
#include "comity/service/ids.hpp"
#include "comity/trust/orders.hpp"
#include "comity/util/date.hpp"

namespace comity::cli {
namespace {

using nlohmann::json;

// The sample EPOC for subscriber data (examples/s01-…), in the demo's names.
json base_request(Instant now) {
  json r = json::parse(R"({
  "format": "comity.request/1",
  "requesting_state": "DE",
  "case_reference": "StA Berlin 254 Js 1234/26",
  "proceedings_type": "CRIMINAL_INVESTIGATION",
  "proceedings_instituted": true,
  "language": "de",
  "issuing_authority": {"id": "DE-STA-BERLIN", "name": "Staatsanwaltschaft Berlin", "state": "DE",
                        "type": "PUBLIC_PROSECUTOR", "contact": "poststelle@sta.berlin.example"},
  "domestic_legal_basis": ["StPO § 100j"],
  "domestic_parity_confirmed": true,
  "offences": [{"national_provision": "StGB § 263", "description": "Online sales fraud: goods paid for and never delivered",
                "iccs_code": "0701", "max_penalty_months": 60, "locus_states": ["DE"]}],
  "facts_summary": "Between May and July 2026 the account holder advertised electronics on a marketplace, took payment from 23 buyers in Germany and delivered nothing.",
  "relevance_statement": "The seller used the e-mail account below to correspond with every buyer; its subscriber data identify the seller.",
  "necessity_statement": "The seller's identity cannot be established otherwise; the request is limited to subscriber data of one account.",
  "provider_possession_basis": "The e-mail address is hosted by the provider (MX records and buyer correspondence).",
  "measure": "PRODUCE_STORED",
  "data_categories": ["SUBSCRIBER"],
  "data_items": ["name", "postal address", "payment data", "registration date and IP"],
  "identifiers": [{"type": "EMAIL", "value": "seller-2026@mail.example"}],
  "subject": {"known": false, "role": "SUSPECT", "nationality": ["UNKNOWN"], "residence_state": "DE",
              "current_location_state": "DE", "location_confidence": "PROBABLE", "is_us_person": false},
  "provider": {"id": "NL-MAILCO", "legal_name": "Mailco B.V.", "hq_state": "NL",
               "establishments": [{"state": "NL", "type": "DESIGNATED_ESTABLISHMENT", "legal_entity_id": "KvK 12345678"}],
               "services": ["ISS_COMMUNICATION", "ISS_STORAGE"], "offers_services_in": ["NL", "DE", "BE"],
               "role_for_data": "CONTROLLER", "data_location": ["NL"]},
  "urgency": {"is_emergency": false},
  "user_notification_plan": {"mode": "NOTIFY_NOW"},
  "intended_use": ["EVIDENCE_IN_PROSECUTION"],
  "retention_period_days": 730,
  "sensitive_data_expected": [],
  "automated_decision_use": false
})");
  r["created_at"] = format_instant(now);
  return r;
}

}  // namespace

std::vector<std::string> seed_demo_cases(Store& store, const Pack& pack, const Clock& clock, const json& bundle,
                                         const std::string& keys_dir) {
  RandomIds ids;
  CaseService cases(store, pack, clock, ids);
  trust::TrustStore trust;
  trust.add_bundle(bundle, trust::AnchorChange::RequireCrossSignature);
  const crypto::SigningKey officer_key = signing_key_of(keys_dir + "/officer");
  const Actor officer{"officer", PartyRole::Officer, "DE-STA-BERLIN", "DE"};
  const Instant now = clock.now();
  std::vector<std::string> out;

  // Opens a case on `request`, signed by the officer; returns its id.
  auto open = [&](json request, const char* pathway, const char* what) {
    request["request_id"] = ids.next();
    json order = trust::make_order(request, "ord-" + ids.next(), crypto::base64_encode(crypto::random_bytes(24)), now,
                                   now + 30 * 86400);
    order = trust::sign_order(std::move(order), "officer", officer_key);
    CaseRecord r = cases.commit_open(cases.attempt_open_signed(order, trust, pathway, Role::Primary, officer));
    out.push_back(r.id + "  " + what);
    return r.id;
  };
  auto steps = [&](const std::string& id, std::initializer_list<const char*> events) {
    for (const char* e : events) cases.step(id, e, officer);
  };

  // 1. For the provider: an EPOC for subscriber data, transmitted.
  const std::string epoc = open(base_request(now), "P_EU_EPOC", "EPOC for subscriber data, sent to NL-MAILCO");
  steps(epoc, {"submit", "mark_ready", "transmit"});

  // 2. An emergency: a child held, the 8-hour clock running. The prosecutor
  //    may issue an EPOC for subscriber data itself (Art 4(1)(b)), so it goes
  //    out at once, without the Art 4(5) track that an emergency issue
  //    without a competent authority's validation would need.
  json emergency = base_request(now);
  emergency["case_reference"] = "StA Berlin 276 Js 88/26";
  emergency["offences"][0] = {{"national_provision", "StGB § 239a"},
                              {"description", "Kidnapping for ransom"},
                              {"iccs_code", "020221"},
                              {"max_penalty_months", 180},
                              {"locus_states", {"DE"}}};
  emergency["urgency"] = {{"is_emergency", true},
                          {"emergency_type", "THREAT_TO_LIFE"},
                          {"justification", "A child is held; the kidnapper set a deadline for tonight."}};
  emergency["identifiers"] = {{{"type", "EMAIL"}, {"value", "ransom-2026@mail.example"}}};
  const std::string urgent = open(emergency, "P_EU_EPOC", "emergency EPOC (8 hours), sent to NL-MAILCO");
  steps(urgent, {"submit", "mark_ready", "transmit"});

  // 3. For the court: traffic data of a person living in the Netherlands
  //    (notified to NL once transmitted), awaiting validation.
  json traffic = base_request(now);
  traffic["case_reference"] = "StA Berlin 254 Js 1301/26";
  traffic["data_categories"] = {"TRAFFIC"};
  traffic["data_items"] = {"connection logs, 1 May to 31 July 2026"};
  traffic["subject"]["residence_state"] = "NL";
  traffic["subject"]["current_location_state"] = "NL";
  traffic["validating_authority"] = {
      {"id", "DE-AG-TIERGARTEN"}, {"name", "Amtsgericht Tiergarten"}, {"state", "DE"}, {"type", "JUDGE"}};
  const std::string notified = open(traffic, "P_EU_EPOC", "EPOC for traffic data, awaiting the court's validation");
  steps(notified, {"submit", "request_validation"});

  // 4. For the central authority: content held in the United States, by
  //    mutual legal assistance.
  json content = base_request(now);
  content["case_reference"] = "StA Berlin 254 Js 1402/26";
  content["data_categories"] = {"CONTENT"};
  content["data_items"] = {"stored e-mails, 1 May to 31 July 2026"};
  content["identifiers"] = {{{"type", "EMAIL"}, {"value", "seller@cloudco.example"}}};
  content["provider"] = {{"id", "US-CLOUDCO"},
                         {"legal_name", "Cloudco Inc."},
                         {"hq_state", "US"},
                         {"establishments", {{{"state", "US"}, {"type", "HQ"}}}},
                         {"services", {"ISS_COMMUNICATION"}},
                         {"offers_services_in", {"US"}},
                         {"role_for_data", "CONTROLLER"},
                         {"data_location", {"US"}}};
  const std::string mla =
      open(content, "P_MLAT", "mutual legal assistance to the United States, with the DE central authority");
  steps(mla, {"submit", "send_to_central_authority"});
  return out;
}

}  // namespace comity::cli
