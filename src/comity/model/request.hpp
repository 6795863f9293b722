// The structured cross-border evidence request (docs/request-format.md).
//
// A Request is a plain value, produced only by parse_request(), which has
// already checked every field's type, code and range. Optional facts that the
// law treats as "not stated" stay distinguishable from stated ones (std::optional,
// Tri::Unknown, empty strings), so the engine can answer needs_review rather
// than guess. Where the format gives a documented default, the parser records
// the assumption in `assumed_defaults` so the decision can show it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "comity/model/codes.hpp"
#include "comity/util/date.hpp"

namespace comity {

// A set of states that may also be UNKNOWN and, for storage, SHARDED.
struct StateSet {
  std::vector<StateCode> states;
  bool unknown = false;
  bool sharded = false;    // storage only: many or unknowable locations
  bool stateless = false;  // nationality only
  bool contains(StateCode s) const {
    for (auto c : states)
      if (c == s) return true;
    return false;
  }
  bool only(StateCode s) const { return !unknown && !sharded && states.size() == 1 && states[0] == s; }
};

// A single state or UNKNOWN.
struct StateOrUnknown {
  StateCode code;  // empty when unknown
  bool unknown = true;
  bool is(StateCode s) const { return !unknown && code == s; }
};

struct Authority {
  std::string id, name, contact;
  StateCode state;
  AuthorityType type = AuthorityType::OtherCompetentAuthority;
  std::optional<Date> validated_at;  // validating authority only
};

struct SentenceExecution {
  int sentence_months = 0;
  bool in_absentia = false;
  bool absconded = false;
};

struct Offence {
  std::string national_provision, description, iccs_code;
  int max_penalty_months = 0;  // kLifeMonths for LIFE
  bool death_penalty_available = false;
  Tri death_penalty_sought = Tri::False;
  bool committed_via_information_system = false;
  EuHarmonisedOffence eu_harmonised = EuHarmonisedOffence::None;
  AnnexIV annex_iv = AnnexIV::None;
  StateSet locus_states;
  StateSet harm_states;
  bool speech_related = false;
  bool political_claim = false;
  bool military_offence = false;
  bool fiscal_offence = false;
  static constexpr int kLifeMonths = 100000;
};

struct Identifier {
  IdentifierType type;
  std::string value;
};

struct Person {
  bool present = false;  // false when the request omits the person (purpose_person)
  bool known = false;
  SubjectRole role = SubjectRole::Suspect;
  StateSet nationality;  // unknown / stateless flags used
  StateOrUnknown residence_state;
  StateOrUnknown current_location_state;
  LocationConfidence location_confidence = LocationConfidence::Unknown;
  std::string location_basis;
  Tri is_us_person = Tri::Unknown;
  Tri is_australian_person = Tri::Unknown;
  Privilege professional_privilege = Privilege::None;
  bool immunity = false;
  bool is_minor = false;
  bool privilege_waived = false;
};

struct Establishment {
  StateCode state;
  EstablishmentType type;
  std::string legal_entity_id;
};

struct Provider {
  std::string id, legal_name, parent_id;
  StateCode hq_state;
  std::vector<Establishment> establishments;
  EnumSet<Service> services;
  std::vector<StateCode> offers_services_in;
  std::vector<StateCode> substantial_connection_states;
  RoleForData role_for_data = RoleForData::Unknown;
  StateCode processing_on_behalf_of_public_authority_state;  // empty = none
  StateSet data_location;
  std::vector<StateCode> subject_to_law_of;
};

struct Urgency {
  bool is_emergency = false;
  std::optional<EmergencyType> emergency_type;
  std::string justification;
};

struct NoticePlan {
  NoticeMode mode = NoticeMode::NotifyNow;
  std::string justification;
  std::optional<Date> review_date;
};

struct PriorPreservation {
  std::string ref;
  std::optional<Date> date;
  PreservationChannel channel = PreservationChannel::Direct;
};

struct PriorRequest {
  std::string pathway, ref;
  PriorOutcome outcome = PriorOutcome::Pending;
};

struct FinalJudgment {
  StateCode state;
  std::optional<Date> date;
  std::string court;
  bool same_facts = false;
};

struct OnwardTransfer {
  std::string recipient;  // ISO state code or organisation name
  std::string purpose;
  std::string authorisation_ref;
};

struct Interception {
  std::optional<Date> start, end;
  std::string duration;  // ISO 8601 duration, informational
  std::string less_intrusive_assessment;
};

struct Request {
  // 10.1 envelope
  std::string request_id, case_reference, language;
  std::optional<Date> created_at;
  StateCode requesting_state;
  ProceedingsType proceedings_type = ProceedingsType::CriminalInvestigation;
  bool proceedings_instituted = false;
  bool is_execution_of_foreign_request = false;
  bool requested_by_defence = false;
  std::optional<SentenceExecution> sentence_execution;
  std::vector<std::string> translations_available;

  // 10.2 authorities
  Authority issuing_authority;
  std::optional<Authority> validating_authority;
  ReviewType independent_review = ReviewType::None;
  bool independent_review_stated = false;
  std::vector<std::string> domestic_legal_basis;
  Tri domestic_parity_confirmed = Tri::Unknown;
  bool domestic_similar_case_allows_no_validation = false;
  std::optional<bool> designated_authority_review_passed;
  std::string designated_authority_certification_ref;
  std::string targeting_procedure_ref;
  std::string central_authority_ref;

  // 10.3 offences and facts
  std::vector<Offence> offences;
  std::vector<std::pair<StateCode, DualCriminality>> dual_criminality;
  std::vector<FinalJudgment> prior_final_judgments;
  std::vector<StateCode> parallel_proceedings_states;
  std::string facts_summary, relevance_statement, necessity_statement, probable_cause_statement,
      provider_possession_basis, processor_justification;
  Clarification press_immunity_clarification = Clarification::NotSought;
  bool us_inapplicability_notice = false;

  // 10.4 measure and data
  Measure measure = Measure::ProduceStored;
  Categories data_categories;
  std::vector<std::string> data_items;
  std::optional<Date> time_from, time_to;
  std::vector<Identifier> identifiers;
  std::optional<Interception> interception;
  std::optional<PriorPreservation> prior_preservation;
  std::vector<PriorRequest> prior_requests;

  // 10.5 persons
  Person subject;
  Person purpose_person;
  std::vector<StateSet> victims_nationality;
  std::vector<StateOrUnknown> victims_location;
  RiskLevel hr_risk_level = RiskLevel::None;
  EnumSet<RiskGround> hr_risk_grounds;

  // 10.6 provider
  Provider provider;
  std::vector<std::pair<StateCode, std::string>> conflicting_law_refs;
  PenaltyRisk provider_penalty_risk = PenaltyRisk::None;

  // 10.7 urgency, confidentiality, downstream handling
  Urgency urgency;
  bool non_disclosure_requested = false;
  std::optional<NoticePlan> user_notification_plan;
  EnumSet<IntendedUse> intended_use;
  std::string requested_on_behalf_of;  // state code or organisation; empty = none
  std::vector<std::string> intended_recipients;
  std::vector<OnwardTransfer> onward_transfer_plan;
  std::optional<int> retention_period_days;
  std::optional<int> review_interval_days;
  EnumSet<SensitiveData> sensitive_data_expected;
  EnumSet<InfoSensitivity> information_sensitivity;
  bool automated_decision_use = false;
  EnumSet<Assurance> assurances_offered;

  // Paths of optional fields the parser filled with the format's documented
  // neutral default (legal-rules.md §11 conventions), e.g. "offences[0].speech_related".
  std::vector<std::string> assumed_defaults;

  bool has_category(DataCategory c) const { return data_categories.contains(c); }
  int max_penalty_months() const {
    int m = 0;
    for (const auto& o : offences) m = o.max_penalty_months > m ? o.max_penalty_months : m;
    return m;
  }
};

}  // namespace comity
