// Coded vocabularies of the request model: every enum the request format uses,
// with the exact spelling it has in JSON, plus ISO 3166-1 state codes.
//
// Each enum E has an EnumInfo<E> with its names in declaration order, so that
// parse_enum / enum_name / enum_choices work for all of them alike. The special
// location and nationality values (UNKNOWN, SHARDED, STATELESS) are never state
// codes: they live in their own fields (legal-rules.md VOC.ISO.6).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace comity {

// ---- State codes ---------------------------------------------------------

// An ISO 3166-1 alpha-2 code packed into 16 bits; `none()` is the empty value.
class StateCode {
 public:
  constexpr StateCode() = default;
  // REQUIRES: two upper-case ASCII letters (not checked; use parse_state).
  static constexpr StateCode from_letters(char a, char b) {
    StateCode s;
    s.v_ = static_cast<uint16_t>((a - 'A') * 26 + (b - 'A'));
    return s;
  }
  static constexpr StateCode none() { return {}; }
  constexpr bool empty() const { return v_ == kNone; }
  constexpr uint16_t index() const { return v_; }  // 0..675 unless empty
  constexpr bool operator==(const StateCode&) const = default;
  std::string str() const;

 private:
  static constexpr uint16_t kNone = 0xFFFF;
  uint16_t v_ = kNone;
};

// Result of parsing a state code: the code, or a message saying what was wrong.
struct StateParse {
  StateCode code;
  std::string error;  // empty on success
};

// Parses an ISO 3166-1 alpha-2 code that is assigned (or the user-assigned XK
// for Kosovo, VOC.ISO.4). EL, UK and EU get a message naming the right code.
StateParse parse_state(std::string_view text);

constexpr StateCode kUS = StateCode::from_letters('U', 'S');
constexpr StateCode kGB = StateCode::from_letters('G', 'B');
constexpr StateCode kAU = StateCode::from_letters('A', 'U');

// ---- Enums ---------------------------------------------------------------

enum class Tri : uint8_t { False, True, Unknown };

enum class ProceedingsType : uint8_t {
  CriminalInvestigation,
  Prosecution,
  Trial,
  SentenceExecution,
  Intelligence,
  Civil,
  Administrative
};
enum class AuthorityType : uint8_t {
  Judge,
  Court,
  InvestigatingJudge,
  PublicProsecutor,
  PoliceInvestigatingAuthority,
  OtherCompetentAuthority
};
enum class ReviewType : uint8_t {
  PriorJudicialAuthorisation,
  PriorIndependentAuthority,
  EnforcementStageReviewAvailable,
  None
};
enum class Measure : uint8_t { ProduceStored, Preserve, RealtimeTraffic, InterceptContent, DomainRegistration };
enum class DataCategory : uint8_t { Subscriber, IdentificationOnly, Traffic, Content, DomainRegistration };
enum class IdentifierType : uint8_t {
  AccountId,
  Email,
  PhoneE164,
  Username,
  Imei,
  Imsi,
  DeviceSerial,
  IpPortTimestamp,
  IpAddress,
  DomainName,
  PersonName,
  CellTowerDump,
  GeoArea,
  IpRangeWide,
  Keyword,
  Hashtag,
  Wildcard,
  TimeWindowOnly,
  ProviderWide
};
enum class EuHarmonisedOffence : uint8_t {
  Dir2019_713_Art3_8,
  Dir2011_93_Art3_7,
  Dir2013_40_Art3_8,
  Dir2017_541_Art3_12_14,
  None
};
// The 32 categories of Reg. (EU) 2023/1543 Annex IV (same list as EIO Annex D).
enum class AnnexIV : uint8_t {
  CriminalOrganisation,
  Terrorism,
  TraffickingInHumanBeings,
  ChildSexualExploitation,
  DrugTrafficking,
  ArmsTrafficking,
  Corruption,
  Fraud,
  MoneyLaundering,
  CounterfeitingCurrency,
  ComputerRelatedCrime,
  EnvironmentalCrime,
  FacilitationUnauthorisedEntry,
  MurderGrievousBodilyInjury,
  OrganTrade,
  KidnappingHostageTaking,
  RacismXenophobia,
  OrganisedArmedRobbery,
  CulturalGoodsTrafficking,
  Swindling,
  RacketeeringExtortion,
  CounterfeitingPiracyProducts,
  ForgeryAdministrativeDocuments,
  ForgeryMeansOfPayment,
  HormonalSubstancesTrafficking,
  NuclearMaterialsTrafficking,
  StolenVehiclesTrafficking,
  Rape,
  Arson,
  IccCrimes,
  UnlawfulSeizureAircraftShips,
  Sabotage,
  None
};
enum class SubjectRole : uint8_t { Suspect, Accused, Victim, Witness, Other };
enum class Privilege : uint8_t { None, Lawyer, Medical, Journalist, Clergy, Parliamentarian, Other };
enum class LocationConfidence : uint8_t { Confirmed, Probable, Unknown };
enum class RiskLevel : uint8_t { None, Low, Substantial };
enum class RiskGround : uint8_t {
  Race,
  Sex,
  SexualOrientation,
  Religion,
  Nationality,
  EthnicOrigin,
  PoliticalOpinion,
  Other
};
enum class EstablishmentType : uint8_t { DesignatedEstablishment, LegalRepresentative, Subsidiary, Branch, Hq };
enum class Service : uint8_t {
  Ecs,
  IpNumbering,
  DomainRegistry,
  DomainRegistrar,
  PrivacyProxy,
  IssCommunication,
  IssStorage,
  FinancialService,
  Other
};
enum class RoleForData : uint8_t { Controller, Processor, Unknown };
enum class EmergencyType : uint8_t {
  ThreatToLife,
  ThreatToPhysicalIntegrity,
  ThreatToSafetyOfPerson,
  CriticalInfrastructure
};
enum class NoticeMode : uint8_t { NotifyNow, Delay, Restrict, Omit };
enum class IntendedUse : uint8_t { IntelligenceLead, EvidenceInProsecution, Sentencing };
enum class SensitiveData : uint8_t {
  RaceEthnic,
  Political,
  ReligiousBelief,
  TradeUnion,
  Genetic,
  Biometric,
  Health,
  SexLife
};
// Sensitivity of the information sought, for unilateral guidelines (legal-rules.md JFH.1).
enum class InfoSensitivity : uint8_t { Political, Financial, Journalistic, Religious, Health, Other };
enum class Assurance : uint8_t { NoDeathPenalty, Speciality, Confidentiality, ReturnOfMaterial };
enum class PreservationChannel : uint8_t { EpocPr, Budapest29, Network247, Us2703f, Direct };
enum class DualCriminality : uint8_t { Satisfied, NotSatisfied, NotRequired, Unassessed };
enum class PenaltyRisk : uint8_t { None, Low, High };
enum class Clarification : uint8_t { NotSought, Pending, ProtectionConfirmed, NoProtection };
enum class PriorOutcome : uint8_t { Pending, Granted, Refused, NoResponse, Withdrawn };

template <class E>
struct EnumInfo;
#define COMITY_ENUM_NAMES(E, ...)                              \
  template <>                                                  \
  struct EnumInfo<E> {                                         \
    static constexpr std::string_view names[] = {__VA_ARGS__}; \
    static constexpr std::string_view type_name = #E;          \
  };
COMITY_ENUM_NAMES(ProceedingsType, "CRIMINAL_INVESTIGATION", "PROSECUTION", "TRIAL", "SENTENCE_EXECUTION",
                  "INTELLIGENCE", "CIVIL", "ADMINISTRATIVE")
COMITY_ENUM_NAMES(AuthorityType, "JUDGE", "COURT", "INVESTIGATING_JUDGE", "PUBLIC_PROSECUTOR",
                  "POLICE_INVESTIGATING_AUTHORITY", "OTHER_COMPETENT_AUTHORITY")
COMITY_ENUM_NAMES(ReviewType, "PRIOR_JUDICIAL_AUTHORISATION", "PRIOR_INDEPENDENT_AUTHORITY",
                  "ENFORCEMENT_STAGE_REVIEW_AVAILABLE", "NONE")
COMITY_ENUM_NAMES(Measure, "PRODUCE_STORED", "PRESERVE", "REALTIME_TRAFFIC", "INTERCEPT_CONTENT", "DOMAIN_REGISTRATION")
COMITY_ENUM_NAMES(DataCategory, "SUBSCRIBER", "IDENTIFICATION_ONLY", "TRAFFIC", "CONTENT", "DOMAIN_REGISTRATION")
COMITY_ENUM_NAMES(IdentifierType, "ACCOUNT_ID", "EMAIL", "PHONE_E164", "USERNAME", "IMEI", "IMSI", "DEVICE_SERIAL",
                  "IP_PORT_TIMESTAMP", "IP_ADDRESS", "DOMAIN_NAME", "PERSON_NAME", "CELL_TOWER_DUMP", "GEO_AREA",
                  "IP_RANGE_WIDE", "KEYWORD", "HASHTAG", "WILDCARD", "TIME_WINDOW_ONLY", "PROVIDER_WIDE")
COMITY_ENUM_NAMES(EuHarmonisedOffence, "DIR_2019_713_ART3_8", "DIR_2011_93_ART3_7", "DIR_2013_40_ART3_8",
                  "DIR_2017_541_ART3_12_14", "NONE")
COMITY_ENUM_NAMES(AnnexIV, "CRIMINAL_ORGANISATION", "TERRORISM", "TRAFFICKING_IN_HUMAN_BEINGS",
                  "CHILD_SEXUAL_EXPLOITATION", "DRUG_TRAFFICKING", "ARMS_TRAFFICKING", "CORRUPTION", "FRAUD",
                  "MONEY_LAUNDERING", "COUNTERFEITING_CURRENCY", "COMPUTER_RELATED_CRIME", "ENVIRONMENTAL_CRIME",
                  "FACILITATION_UNAUTHORISED_ENTRY", "MURDER_GRIEVOUS_BODILY_INJURY", "ORGAN_TRADE",
                  "KIDNAPPING_HOSTAGE_TAKING", "RACISM_XENOPHOBIA", "ORGANISED_ARMED_ROBBERY",
                  "CULTURAL_GOODS_TRAFFICKING", "SWINDLING", "RACKETEERING_EXTORTION", "COUNTERFEITING_PIRACY_PRODUCTS",
                  "FORGERY_ADMINISTRATIVE_DOCUMENTS", "FORGERY_MEANS_OF_PAYMENT", "HORMONAL_SUBSTANCES_TRAFFICKING",
                  "NUCLEAR_MATERIALS_TRAFFICKING", "STOLEN_VEHICLES_TRAFFICKING", "RAPE", "ARSON", "ICC_CRIMES",
                  "UNLAWFUL_SEIZURE_AIRCRAFT_SHIPS", "SABOTAGE", "NONE")
COMITY_ENUM_NAMES(SubjectRole, "SUSPECT", "ACCUSED", "VICTIM", "WITNESS", "OTHER")
COMITY_ENUM_NAMES(Privilege, "NONE", "LAWYER", "MEDICAL", "JOURNALIST", "CLERGY", "PARLIAMENTARIAN", "OTHER")
COMITY_ENUM_NAMES(LocationConfidence, "CONFIRMED", "PROBABLE", "UNKNOWN")
COMITY_ENUM_NAMES(RiskLevel, "NONE", "LOW", "SUBSTANTIAL")
COMITY_ENUM_NAMES(RiskGround, "RACE", "SEX", "SEXUAL_ORIENTATION", "RELIGION", "NATIONALITY", "ETHNIC_ORIGIN",
                  "POLITICAL_OPINION", "OTHER")
COMITY_ENUM_NAMES(EstablishmentType, "DESIGNATED_ESTABLISHMENT", "LEGAL_REPRESENTATIVE", "SUBSIDIARY", "BRANCH", "HQ")
COMITY_ENUM_NAMES(Service, "ECS", "IP_NUMBERING", "DOMAIN_REGISTRY", "DOMAIN_REGISTRAR", "PRIVACY_PROXY",
                  "ISS_COMMUNICATION", "ISS_STORAGE", "FINANCIAL_SERVICE", "OTHER")
COMITY_ENUM_NAMES(RoleForData, "CONTROLLER", "PROCESSOR", "UNKNOWN")
COMITY_ENUM_NAMES(EmergencyType, "THREAT_TO_LIFE", "THREAT_TO_PHYSICAL_INTEGRITY", "THREAT_TO_SAFETY_OF_PERSON",
                  "CRITICAL_INFRASTRUCTURE")
COMITY_ENUM_NAMES(NoticeMode, "NOTIFY_NOW", "DELAY", "RESTRICT", "OMIT")
COMITY_ENUM_NAMES(IntendedUse, "INTELLIGENCE_LEAD", "EVIDENCE_IN_PROSECUTION", "SENTENCING")
COMITY_ENUM_NAMES(SensitiveData, "RACE_ETHNIC", "POLITICAL", "RELIGIOUS_BELIEF", "TRADE_UNION", "GENETIC", "BIOMETRIC",
                  "HEALTH", "SEX_LIFE")
COMITY_ENUM_NAMES(InfoSensitivity, "POLITICAL", "FINANCIAL", "JOURNALISTIC", "RELIGIOUS", "HEALTH", "OTHER")
COMITY_ENUM_NAMES(Assurance, "NO_DEATH_PENALTY", "SPECIALITY", "CONFIDENTIALITY", "RETURN_OF_MATERIAL")
COMITY_ENUM_NAMES(PreservationChannel, "EPOC_PR", "BUDAPEST_29", "NETWORK_247", "US_2703F", "DIRECT")
COMITY_ENUM_NAMES(DualCriminality, "SATISFIED", "NOT_SATISFIED", "NOT_REQUIRED", "UNASSESSED")
COMITY_ENUM_NAMES(PenaltyRisk, "NONE", "LOW", "HIGH")
COMITY_ENUM_NAMES(Clarification, "NOT_SOUGHT", "PENDING", "PROTECTION_CONFIRMED", "NO_PROTECTION")
COMITY_ENUM_NAMES(PriorOutcome, "PENDING", "GRANTED", "REFUSED", "NO_RESPONSE", "WITHDRAWN")
COMITY_ENUM_NAMES(Tri, "FALSE", "TRUE", "UNKNOWN")
#undef COMITY_ENUM_NAMES

template <class E>
constexpr std::string_view enum_name(E e) {
  return EnumInfo<E>::names[static_cast<size_t>(e)];
}

template <class E>
std::optional<E> parse_enum(std::string_view s) {
  const auto& names = EnumInfo<E>::names;
  for (size_t i = 0; i < std::size(names); ++i)
    if (names[i] == s) return static_cast<E>(i);
  return std::nullopt;
}

template <class E>
constexpr size_t enum_count() {
  return std::size(EnumInfo<E>::names);
}

// "one of A, B, C" — used in error messages.
template <class E>
std::string enum_choices() {
  std::string out = "one of ";
  const auto& names = EnumInfo<E>::names;
  for (size_t i = 0; i < std::size(names); ++i) {
    if (i) out += ", ";
    out += names[i];
  }
  return out;
}

// A small set of enum values as a bit mask (every enum here has < 64 values).
template <class E>
class EnumSet {
 public:
  constexpr EnumSet() = default;
  constexpr EnumSet(std::initializer_list<E> items) {
    for (E e : items) insert(e);
  }
  constexpr void insert(E e) { bits_ |= bit(e); }
  constexpr bool contains(E e) const { return (bits_ & bit(e)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr bool intersects(EnumSet o) const { return (bits_ & o.bits_) != 0; }
  constexpr bool subset_of(EnumSet o) const { return (bits_ & ~o.bits_) == 0; }
  constexpr EnumSet minus(EnumSet o) const { return from_bits(bits_ & ~o.bits_); }
  constexpr EnumSet intersect(EnumSet o) const { return from_bits(bits_ & o.bits_); }
  constexpr uint64_t bits() const { return bits_; }
  static constexpr EnumSet from_bits(uint64_t b) {
    EnumSet s;
    s.bits_ = b;
    return s;
  }
  constexpr bool operator==(const EnumSet&) const = default;
  int size() const { return __builtin_popcountll(bits_); }
  template <class F>
  void for_each(F&& f) const {
    for (size_t i = 0; i < enum_count<E>(); ++i)
      if (bits_ & (uint64_t{1} << i)) f(static_cast<E>(i));
  }
  // "A, B" in declaration order.
  std::string str() const {
    std::string out;
    for_each([&](E e) {
      if (!out.empty()) out += ", ";
      out += enum_name(e);
    });
    return out;
  }

 private:
  static constexpr uint64_t bit(E e) { return uint64_t{1} << static_cast<unsigned>(e); }
  uint64_t bits_ = 0;
};

using Categories = EnumSet<DataCategory>;

}  // namespace comity
