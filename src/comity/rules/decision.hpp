// The engine's output: every pathway with its status and every check behind it.
//
// Checks are stored once, in Decision::checks; the gate, the advisory
// criteria and each pathway refer to ranges of that vector. A check records
// the predicate (id, citation, tag), the outcome, the reason variant the kind
// chose and the arguments bound to it; render_reason() turns these into the
// plain-language sentence without the request. A Decision borrows the Pack
// (REQUIRES: the pack outlives the decision); it never borrows the Request.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "comity/rules/pack.hpp"

namespace comity {

enum class PathwayStatus : uint8_t { Available, AvailableWithConditions, Unavailable, NotApplicable };
std::string_view status_name(PathwayStatus s);

// One argument bound into a reason template.
struct Arg {
  enum class Type : uint8_t { None, Int, Str, State, Cats, List };
  Type type = Type::None;
  int64_t i = 0;            // Int value, State index, or bit mask
  const char* s = nullptr;  // Str: static or pack-owned text
  uint32_t len = 0;
  const std::string_view* table = nullptr;  // List: names of the bits in `i`
};

struct CheckResult {
  const PredicateDef* pred = nullptr;
  Outcome outcome = Outcome::NotApplicable;
  uint8_t variant = 0;
  std::array<Arg, 4> args{};
};

struct Range {
  uint32_t begin = 0, end = 0;
};

// Primary: fulfils the requested measure. PreservationCompanion: preserves the
// data while a slower primary pathway runs (offered for PRODUCE_STORED requests).
enum class Role : uint8_t { Primary, PreservationCompanion };

// Why an entry is not applicable.
enum class NaReason : uint8_t {
  None,
  Check,           // an applicability check answered not_applicable
  Measure,         // the pathway does not implement the requested measure
  RuleNotInForce,  // an applicability rule has no version in force on the date
};

struct PathwayResult {
  const PathwayDef* def = nullptr;
  NaReason na_reason = NaReason::None;
  Role role = Role::Primary;
  Measure measure = Measure::ProduceStored;
  Categories scope;  // data categories this entry covers
  PathwayStatus status = PathwayStatus::NotApplicable;
  Range applicability, checks;  // into Decision::checks
  bool split = false;           // one portion of a request split by data category
  StateCode counterpart;        // enforcing / executing / requested / partner state
  const Agreement* agreement = nullptr;
  const MlaInstrument* instrument = nullptr;
  bool notified = false;  // enforcing state must be notified (EU Art 8)
  bool ex_post_validation = false;
  // Routing::Connection entries: the factors J.1-J.5 (bit i = J.(i+1)) that
  // tie the requested State (counterpart) to the request, and whether its
  // connection is the strongest among this pathway's entries that apply.
  uint32_t connection = 0;
  bool strongest = false;
  bool reach_doubtful = false;  // MLA.REACH could not confirm the State can obtain the data
  int expected_hours = 0;       // advisory speed used for ranking
  int rank = 0;                 // 1 = best among its role; 0 = not ranked (not lawful)
};

struct JurisdictionFactor {
  StateCode state;
  int score = 0;
  uint32_t factors = 0;  // bit i set = factor J.(i+1) connects this state
};

struct Decision {
  const Pack* pack = nullptr;
  Date at;
  Measure measure = Measure::ProduceStored;
  Categories requested;
  StateCode requesting_state;
  bool emergency = false;
  std::vector<CheckResult> checks;
  Range gate, advisory;
  std::vector<PathwayResult> pathways;
  std::vector<JurisdictionFactor> factors;
  bool blocked = false;  // no production pathway is lawful for any requested category
  std::vector<std::string> assumed_defaults;
  std::string request_id;
};

// Renders a check's reason sentence.
std::string render_reason(const CheckResult& c);

// The deadlines, notifications and use limitations that apply to an entry.
std::vector<const Deadline*> deadlines_for(const Decision& d, const PathwayResult& p);
std::vector<const Notice*> notifications_for(const Decision& d, const PathwayResult& p);
std::vector<const Limitation*> limitations_for(const Decision& d, const PathwayResult& p);

// Ids of [U]/[P] predicates that decided something (outcome other than
// not_applicable) in the gate or in this pathway's checks.
std::vector<const PredicateDef*> unverified_basis(const Decision& d, const PathwayResult& p);

extern const char* const kRankingRule;

}  // namespace comity
