// In-memory form of a rule pack (docs/rule-packs.md).
//
// Law is data: the pack holds the registry (states, agreements, MLA
// instruments, policies), the offence taxonomy, the predicates (id, citation,
// verification tag, effective dates, reason templates, hint) and the pathway
// definitions (which predicates each pathway runs, its deadlines, notifications
// and use limitations). Code holds only the predicate *kinds* (kinds.hpp).
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "comity/model/codes.hpp"
#include "comity/util/date.hpp"
#include "comity/util/error.hpp"

namespace comity {

enum class Outcome : uint8_t { Pass, Fail, NeedsReview, NotApplicable };
enum class Tag : uint8_t { V, P, U };
enum class DeathPenaltyStatus : uint8_t { Abolitionist, Retentionist, AbolitionistInPractice };

std::string_view outcome_name(Outcome o);  // pass / fail / needs_review / not_applicable
std::string_view tag_name(Tag t);          // V / P / U

// A reason template compiled into literal and argument segments. "{name}" in
// the source text refers to an argument the predicate kind binds.
struct ReasonTemplate {
  struct Segment {
    std::string literal;
    int arg = -1;  // >= 0: index of the kind's argument
  };
  std::vector<Segment> segments;
};

// Typed parameters a predicate may carry; each kind declares which it reads.
struct PredicateParams {
  int months = 0;                    // a threshold in months
  Outcome severity = Outcome::Fail;  // fail or needs_review, where a kind lets the pack choose
  std::vector<std::string> fields;   // named switches, e.g. "nationality"
};

struct KindSpec;

struct LintIssue {
  std::string file, where, message;
};

struct PredicateDef {
  std::string id, title, citation, hint, source;  // source: what was read to verify
  Tag tag = Tag::U;
  Date from = kNoDateMin, to = kNoDateMax;  // effective [from, to]
  const KindSpec* kind = nullptr;
  PredicateParams params;
  std::vector<std::string> reads;           // input fields (JSON paths without "$.")
  std::vector<ReasonTemplate> reasons;      // indexed by the kind's variant index
  std::vector<std::string> reason_sources;  // template source text, same indexing
  bool advisory = false;                    // shown, never changes a pathway's status
  bool tag_set = false;
  std::string file;  // pack file it came from
  int group = -1;    // index into Pack::groups (all versions of this id)
};

enum class Family : uint8_t {
  Domestic,
  EuEpoc,
  EuEpocPr,
  Eio,
  CloudEa,
  Sap6,
  Sap7,
  Sap8,
  Sap9,
  Sap10,
  BcMla,
  BcPreserve,
  Mlat,
  LettersRogatory,
  Voluntary
};

// When a deadline, notification or use limitation applies.
enum class When : uint8_t {
  Always,
  Emergency,
  NotEmergency,
  Notified,
  NotNotified,
  NotifiedNotEmergency,
  NotNotifiedNotEmergency,
  NotifiedEmergency,
  ExPostValidation,
  Preservation,
  Production
};

struct Deadline {
  std::string id, label, duration, starts;  // duration: ISO 8601, e.g. P10D, PT8H
  When when = When::Always;
  std::string extends;  // a deadline this one prolongs (its due time + duration), e.g. EU.DL.10b → EU.DL.10
};

struct Notice {
  std::string id, to, text;
  When when = When::Always;
  bool to_counterpart = false;  // addressed to the pathway's counterpart State
};

struct Limitation {
  std::string id, text;
  When when = When::Always;
};

// When a transition is lawful beyond who takes it (docs/workflow.md,
// "Guards"): a fact of the case, or a clock condition, possibly negated.
// Facts fixed when the case opens: the request declares an emergency; the
// decision found issue without prior validation lawful (Reg. 2023/1543 Art
// 4(5)); the request names a validating authority; the enforcing State is
// notified (Art 8). Facts of its history: validated; issued without prior
// validation and not yet validated or refused ex post; acknowledged by the
// addressee. `within D…`: one of the clocks D is running and not yet due.
struct Guard {
  enum class Fact : uint8_t {
    Emergency,
    ExPostAllowed,
    ValidatorNamed,
    Notified,
    Validated,
    ExPostPending,
    Acknowledged,
    Within
  };
  Fact fact = Fact::Emergency;
  bool negated = false;
  std::vector<std::string> deadlines;  // Within: the clocks, any of which
  std::string text;                    // as written in the pack, e.g. "not validator_named"
};

// A case state machine (docs/workflow.md). Transitions name the deadlines
// they start and stop; a case starts only the deadlines that apply to it.
struct WorkflowTransition {
  std::string event;
  std::vector<std::string> from;           // states; "*" = any non-terminal state
  std::string to;                          // a state, or "stay"
  std::vector<std::string> roles;          // who may fire it; "system" fires expiries
  std::vector<std::string> starts, stops;  // deadline ids; stops may be "*" (every running clock)
  int max_times = 0;                       // 0 = unlimited (e.g. preservation extension: once)
  bool requires_reason = false;            // refusals, objections, inability, overrides
  std::string grounds;                     // id of the coded-ground list the step must cite ("" = none)
  bool delete_data = false;                // marks obtained data for deletion (failed ex-post validation)
  std::vector<Guard> when;                 // every guard must hold for this case (empty: none)
  std::string law;                         // the article(s) the guards come from
  // The audiences, besides the case's issuing side and the actor's own side,
  // that read the step's free-text reason (e.g. the requested State reads
  // the officer's supplement): "requested", "enforcing". Never the addressee
  // or oversight (docs/permissions.md).
  std::vector<std::string> reason_to;
};

// A coded ground a step cites (a refusal ground, an Annex III reason, an
// objection): its code, label, the article it rests on and that article's
// verification tag. `pathways` limits it to those pathways (empty: any).
struct Ground {
  std::string code, label, citation, tag;
  std::vector<std::string> pathways;
};

// The workflow a preservation companion entry follows, whatever its pathway's own.
inline constexpr std::string_view kPreservationWorkflow = "preservation";

struct WorkflowDef {
  std::string id, initial, file;
  std::vector<std::string> states, terminal;
  std::vector<WorkflowTransition> transitions;
  std::vector<std::pair<std::string, std::string>> on_expiry;  // deadline id → event fired by "system"
  bool is_terminal(std::string_view s) const {
    for (const auto& t : terminal)
      if (t == s) return true;
    return false;
  }
};

// To which State a pathway's request goes. Provider: the provider's own State
// (or, for direct orders, the provider itself). Connection: one entry per State
// with a jurisdictional connection to the request — where the data are stored,
// where the entity holding them is established, the subject's and the
// victims' States (the Access Now factor analysis) — each with its instrument.
enum class Routing : uint8_t { Provider, Connection };

struct PathwayDef {
  std::string id, name, instrument, channel, role;  // role: production | preservation
  // True when the order goes to the provider itself (EPOC, EPOC-PR, CLOUD
  // agreement orders, SAP Arts 6-7, voluntary disclosure, national orders):
  // only then is the provider a party to the case. Under MLA, the EIO and
  // SAP Arts 8-10 the requested State's own authorities reach the provider.
  bool addresses_provider() const {
    return family == Family::EuEpoc || family == Family::EuEpocPr || family == Family::CloudEa ||
           family == Family::Sap6 || family == Family::Sap7 || family == Family::Voluntary ||
           family == Family::Domestic;
  }
  std::string workflow;  // id of the case state machine
  Family family = Family::Mlat;
  std::string agreement;                // CloudEa: agreement id
  std::vector<Measure> measures;        // measures this pathway implements
  bool preservation_companion = false;  // also offered as preservation beside production
  Routing routing = Routing::Provider;
  std::vector<std::string> applicability;  // predicate ids that decide not_applicable
  std::vector<std::string> checks;         // predicate ids evaluated when applicable
  std::vector<Deadline> deadlines;
  std::vector<Notice> notifications;
  std::vector<Limitation> use_limitations;
  int speed_days = 365;        // advisory expected time to data (ordinary)
  int emergency_hours = 0;     // advisory expected time in emergencies (0 = no faster track)
  int preservation_hours = 0;  // advisory time to a preservation (0 = speed_days)
  int safeguard_strength = 0;  // ranking tie-break
  std::string speed_source;
  // Resolved at load: indexes into Pack::groups.
  std::vector<int> applicability_idx, checks_idx;
  std::string file;
};

// A fact the law of a pathway family names (rules/facts.yaml): the request
// field, the article, and — when no predicate of the family reads it — the
// stated reason. The lint fails when a named fact without a reason is read by
// none of the family's predicates (gate included).
struct LawName {
  Family family = Family::Mlat;
  std::string family_name, field, law, not_read;
  std::string file;
};

struct SapDeclarations {
  bool art7_2b_supervision = false, art7_5a_notification = false, art7_8_article8_first = false,
       art7_9a_no_art7 = false, art8_11_central_authority = false, art8_13_no_traffic = false,
       art9_1b_no_subscriber_only = false;
};

struct StatePolicy {
  EnumSet<InfoSensitivity> sensitive_require_mla;  // JFH.1
  bool first_use_mla_required = false;             // JFH.2
  bool access_now_binding = false;                 // AN.* criteria bind instead of advising
  int min_connection_score = 2;                    // AN.2
};

struct StateInfo {
  StateCode code;
  std::string name, central_authority;
  bool eu_member = false, reg_2023_1543_bound = false, eio_participant = false;
  std::optional<Date> budapest_party_since, sap_party_since, untoc_party_since;
  SapDeclarations sap;
  DeathPenaltyStatus death_penalty = DeathPenaltyStatus::Abolitionist;
  std::string content_blocking_statute;  // provider law bars content disclosure to foreign govts
  bool voluntary_noncontent_permitted = false;
  std::optional<StatePolicy> policy;  // overrides Pack::default_policy
  int incoming_mla_days = 0;          // advisory speed of incoming MLA (0 = pathway default)
  std::string citation, source;
  Tag tag = Tag::U;
  std::string file;
};

enum class AgreementStatus : uint8_t { InForce, Signed, Negotiating };

struct Agreement {
  std::string id, name;
  StateCode a, b;  // b is none when the other side is the European Union (other_side_eu)
  bool other_side_eu = false;
  // Only an agreement in force opens routes; a signed or negotiated one is a
  // registry fact shown for what it is, with the date its status was reached.
  AgreementStatus status = AgreementStatus::InForce;
  Date status_since = kNoDateMin;
  Date in_force_from = kNoDateMax;
  int serious_crime_min_months = 36;
  std::vector<std::pair<StateCode, std::string>> essential_interests;  // state → DEATH_PENALTY|FREE_SPEECH
  std::vector<std::pair<StateCode, std::string>> designated_authorities;
  std::string citation;
  Tag tag = Tag::U;
};

// A State's signature and ratification of an instrument tracked per State.
struct InstrumentStatus {
  StateCode state;
  std::optional<Date> signed_on, ratified_on;  // ratified_on: deposit of ratification or accession
};

struct MlaInstrument {
  std::string id, name, kind;      // kind: bilateral | multilateral
  std::vector<StateCode> parties;  // bilateral: exactly two; with `status`, the States that ratified
  std::string party_group;         // multilateral: "EU+US" etc.; parties listed explicitly
  // When set, the instrument binds only pairs that include this State: the
  // EU–US MLA Agreement applies between the United States and each Member
  // State, never between two Member States.
  StateCode hub;
  Date in_force_from = kNoDateMin;
  int min_penalty_months = 0;    // e.g. UNTOC: serious crime, max ≥ 4 years
  bool organised_crime = false;  // e.g. UNTOC: involves an organised criminal group
  // e.g. the UN Convention against Cybercrime: offences established under it,
  // or serious crime punishable by at least this many months (0 = no such rule).
  int own_offences_or_serious_months = 0;
  // Tracked per State (e.g. the UN Convention against Cybercrime): a State is
  // bound from the instrument's entry into force, or `later_ratification_days`
  // after its own ratification, whichever is later; without `status`, every
  // listed party is bound from `in_force_from`.
  bool per_state = false;  // tracked by `status`
  std::vector<InstrumentStatus> status;
  int later_ratification_days = 0;
  std::string citation;
  Tag tag = Tag::U;

  // The status entry of `s`, or nullptr.
  const InstrumentStatus* status_of(StateCode s) const {
    for (const auto& x : status)
      if (x.state == s) return &x;
    return nullptr;
  }
  // True when the instrument binds `s` on `at`.
  bool binds(StateCode s, Date at) const;
};

struct IccsCode {
  std::string code, label;
  Tag tag = Tag::U;
  AnnexIV annex_iv = AnnexIV::None;  // Annex IV crosswalk (heuristic)
  bool speed_critical = false;       // Access Now AN.3 list
  bool speech = false;               // HR.SPEECH screening
  bool political = false;            // political-offence screening
};

struct Pack {
  std::string name, version, content_hash;  // content_hash: SHA-256 over all pack files
  // Coded-ground lists by id (workflows.yaml `grounds`).
  std::vector<std::pair<std::string, std::vector<Ground>>> grounds;
  const std::vector<Ground>* ground_list(std::string_view id) const {
    for (const auto& [k, v] : grounds)
      if (k == id) return &v;
    return nullptr;
  }
  Date eu_regulation_applies_from;         // Reg. 2023/1543 Art 34(2)
  Date sap_in_force_from = kNoDateMax;     // CETS 224; kNoDateMax = not in force
  Date eio_applies_from = kNoDateMax;      // Dir. 2014/41 Art 34(1): replaces the conventions from this day
  Date gdpr_applies_from = kNoDateMax;     // Reg. (EU) 2016/679 Art 99(2)
  std::vector<StateCode> gdpr_eea_states;  // non-EU States where the GDPR applies (EEA Agreement)
  // States outside the EEA whose own law carries GDPR Art 48 (the UK GDPR):
  // each is a data-protection area of its own.
  std::vector<StateCode> gdpr_art48_states;
  // True when the GDPR applies in `s` on `at` (an EU Member State or an EEA State).
  bool gdpr_state(StateCode s, Date at) const;
  // The data-protection area `s` belongs to on `at` for GDPR Art 48: 0 none,
  // 1 the EU and the EEA, 2 + i for gdpr_art48_states[i]. An order from one
  // area to data governed by another is a third-country order there.
  int gdpr_area(StateCode s, Date at) const;
  std::vector<StateInfo> states;
  std::array<int16_t, 676> state_index{};  // StateCode::index() → states[i], -1 if absent
  std::vector<Agreement> agreements;
  std::vector<MlaInstrument> mla_instruments;
  StatePolicy default_policy;
  std::vector<IccsCode> iccs;
  std::vector<PredicateDef> predicates;           // all versions; several may share an id
  std::vector<std::vector<int>> groups;           // per predicate id: indexes of its versions
  std::unordered_map<std::string, int> group_of;  // id → index into groups
  std::vector<PathwayDef> pathways;
  std::vector<LawName> law_names;
  std::vector<WorkflowDef> workflows;
  std::vector<std::string> gate, advisory;  // HR.* run before any pathway; AN.* after all
  std::vector<int> gate_idx, advisory_idx;  // indexes into groups
  std::vector<std::string> files;           // relative paths, in hashing order
  // The pack's text as it was loaded: pack.yaml first, then `files` in
  // order. The content hash is over exactly these; a node persists them so
  // that a case keeps its pack after the node moves to another.
  std::vector<std::pair<std::string, std::string>> sources;
  std::vector<LintIssue> load_issues;  // soft problems found while loading

  const StateInfo* state(StateCode c) const {
    if (c.empty()) return nullptr;
    int16_t i = state_index[c.index()];
    return i < 0 ? nullptr : &states[static_cast<size_t>(i)];
  }
  // The version of the predicate group in force on `at`, or nullptr.
  const PredicateDef* predicate_at(int group, Date at) const;
  const PredicateDef* find_predicate(std::string_view id) const;
  const IccsCode* iccs_code(std::string_view code) const;  // exact, else the nearest ancestor
  const WorkflowDef* workflow(std::string_view id) const {
    for (const auto& w : workflows)
      if (w.id == id) return &w;
    return nullptr;
  }
  const StatePolicy& policy(StateCode c) const {
    const StateInfo* s = state(c);
    return s && s->policy ? *s->policy : default_policy;
  }
};

// Loads and binds a pack from a directory holding pack.yaml. Throws PackError
// with the file and key path on any problem (syntax, unknown key, unknown
// kind, bad value). Does not lint cross-references; see lint_pack().
std::unique_ptr<Pack> load_pack(const std::string& dir);

// A pack's files as (relative path, text): "pack.yaml" first, then the files
// it lists, in its order.
using PackSources = std::vector<std::pair<std::string, std::string>>;

// Reads the files of the pack in `dir` (PackError when one is missing or a
// path leaves the pack). load_pack(dir) is load_pack_sources(read_pack_dir(dir)).
PackSources read_pack_dir(const std::string& dir);

// Loads and binds a pack from its files, as load_pack does, without I/O.
// PackError when `sources` do not start with pack.yaml or do not hold
// exactly the files it lists, in its order.
std::unique_ptr<Pack> load_pack_sources(const PackSources& sources);

// ErrorKind::PackInvalid: a rule pack that cannot be loaded.
struct PackError : Error {
  explicit PackError(const std::string& what) : Error(ErrorKind::PackInvalid, what) {}
};

// Checks a loaded pack: every predicate has a citation, a tag and a reason
// for each variant its kind can produce; state codes are assigned ISO codes;
// every referenced predicate, agreement and instrument exists; versions of
// one predicate id do not overlap in time. Returns the issues (empty = clean).
std::vector<LintIssue> lint_pack(const Pack& pack);

}  // namespace comity
