// Cases as the store keeps them (docs/store.md): the case row with its
// request and the decision it rests on, its history and clocks, the
// reviews of each side, its re-decisions and the signed order it was
// opened on. A case is saved whole with the audit entry of the change and
// the transparency-log leaves it makes, in one transaction, so no step is
// stored without its audit entry or its log leaf. Saves are optimistic:
// each carries the version it read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "comity/store/audit_repository.hpp"
#include "comity/store/log_repository.hpp"
#include "comity/workflow/case.hpp"

namespace comity {

struct CaseRecord {
  std::string id, request_id, requesting_state, pack_hash, request_json;
  // The decision the case was opened on is the request evaluated under the
  // rule pack `pack_hash` on `evaluated_on` (YYYY-MM-DD): the engine is
  // deterministic, so it is rendered again on demand. The case keeps the
  // entry it rests on — the chosen pathway with every check, its predicate
  // id, citation, tag, result and reason — in `entry_json`. Cases from
  // before schema v7 also keep the whole decision in `decision_json`.
  std::string evaluated_on, entry_json, decision_json;
  // The chosen pathway's entry as its addressee receives it (pathway, role,
  // data categories, deadlines, use limitations): no reasoning, no facts.
  std::string order_json = "{}";
  // Who the case concerns, for permissions: the issuing authority, the
  // addressed provider (if registered), the counterpart State and whether it
  // was notified (enforcing authority).
  std::string requesting_party_id, provider_party_id, counterpart_state;
  bool notified = false;
  // True when the case goes authority to authority (MLA, EIO, Budapest
  // Chapter III and its preservation): the requested State's central
  // authority is then a party to it; false for orders addressed to a provider.
  bool via_authorities = false;
  // The user-notification plan (Reg. 2023/1543 Art 13): the mode the request
  // gave ("" if none), its status ("pending": to inform without undue delay;
  // "delayed": delayed, restricted or omitted until the review date;
  // "notified") and the next review date (YYYY-MM-DD, or "").
  std::string notice_mode, notice_status, notice_review_date;
  // The case's public attributes for the transparency log (canonical JSON:
  // pathway, measure, corridor, data categories, emergency, and a random
  // case tag that links the case's leaves without naming the case).
  std::string public_json = "{}";
  // The signed order the case was opened on (docs/trust.md), empty for an
  // unsigned request: the envelope with its signatures, and the verified
  // chains as shown to the parties. Its id and nonce are used once; the
  // envelope and verification are saved again with every save_case.
  std::string signed_order_id, signed_order_nonce, signed_order_json, order_verification_json;
  int64_t version = 1;  // 1 when created; +1 per saved change
  Instant created_at = 0, updated_at = 0;
  Case c;
};

struct CaseSummary {
  std::string id, pathway, state, requesting_state;
  std::string workflow;  // direct_order, preservation, mla
  Instant updated_at = 0;
  std::string requesting_party_id, provider_party_id, counterpart_state;
  bool notified = false, transmitted = false, via_authorities = false;
  std::string notice_status, notice_review_date;
  // The running clock due first (a desk's queue order): its deadline id and
  // due instant; empty and 0 when no clock runs.
  std::string next_deadline;
  Instant next_due = 0;
};

// One consolidated review of a case by one side (the requesting side's
// validator or central authority; the requested side's central authority or
// enforcing authority): a verdict on every check of the chosen pathway.
struct CaseReview {
  std::string case_id, side, reviewer;  // side: requesting / requested; reviewer: role:user
  Instant at = 0;
  std::string verdicts_json;  // [{predicate, result, verdict: agree|override, reason}]
};

// A case decided again under another rule pack (CaseService::redecide): what
// it rested on before (pack, evaluation date, the chosen entry) and what it
// rests on now. Both decisions can be rendered again from these.
struct Redecision {
  std::string case_id;
  int64_t seq = 0;  // 1, 2, … per case
  std::string from_pack, from_date, from_entry, to_pack, to_date;
  std::string actor, reason;
  Instant at = 0;
};

// True once the case has been transmitted to its addressee (providers and
// enforcing authorities see it only from then on).
bool was_transmitted(const Case& c);

class CaseRepository {
 public:
  virtual ~CaseRepository() = default;
  // Creates the case (version 1), its history and clocks, the audit entry,
  // and appends `log` to the transparency log at the next indexes, all in
  // one transaction. Throws StoreError{Constraint} if the id exists.
  virtual void create_case(const CaseRecord& r, const AuditEntry& audit, const std::vector<LogLeaf>& log) = 0;
  void create_case(const CaseRecord& r, const AuditEntry& audit) { create_case(r, audit, {}); }
  virtual std::optional<CaseRecord> load_case(std::string_view id) = 0;
  // Saves `r` after one or more transitions: the case row, its clocks, the
  // history events from index `first_new_event` on, and the audit entry.
  // Appends `log` to the transparency log in the same transaction.
  // Throws StoreError{Conflict} if the stored version is no longer
  // `expected_version` (another writer got there first); r.version must be
  // expected_version + 1.
  virtual void save_case(const CaseRecord& r, int64_t expected_version, size_t first_new_event, const AuditEntry& audit,
                         const std::vector<LogLeaf>& log) = 0;
  void save_case(const CaseRecord& r, int64_t expected_version, size_t first_new_event, const AuditEntry& audit) {
    save_case(r, expected_version, first_new_event, audit, {});
  }
  // Saves the side's review with its audit entries; StoreError{Constraint}
  // if that side has reviewed the case already (one review per side).
  virtual void save_review(const CaseReview& review, const std::vector<AuditEntry>& audit) = 0;
  virtual std::vector<CaseReview> reviews(std::string_view case_id) = 0;
  // Saves `r` decided again — its pack_hash, evaluated_on, entry_json,
  // order_json and deadlines; state, clocks and history unchanged — with the
  // re-decision row and the audit entry, in one transaction. Conflict and
  // NotFound as save_case; Constraint if `d.seq` is taken.
  virtual void save_redecision(const CaseRecord& r, int64_t expected_version, const Redecision& d,
                               const AuditEntry& audit) = 0;
  // The case's re-decisions, oldest first.
  virtual std::vector<Redecision> redecisions(std::string_view case_id) = 0;
  // Whether a signed order with this id or this nonce opened a case already.
  virtual bool signed_order_used(std::string_view order_id, std::string_view nonce) = 0;

  // Cases ordered by id, strictly after `after_id`, at most `limit` (cursor pagination).
  virtual std::vector<CaseSummary> list_cases(std::string_view after_id, int limit) = 0;
  // Delayed user notifications whose review date is on or before `today` (YYYY-MM-DD).
  virtual int64_t count_notice_reviews_due(std::string_view today) = 0;
  virtual int64_t count_overdue_clocks(Instant now) = 0;
  // Ids of cases with a running clock due by `now` whose expiry has not been
  // acted on yet (what the expiry sweep visits), earliest due first, at most `limit`.
  virtual std::vector<std::string> cases_with_unhandled_expiries(Instant now, int limit) = 0;
  // (state, number of cases) for every state in use; for metrics.
  virtual std::vector<std::pair<std::string, int64_t>> count_cases_by_state() = 0;
};

}  // namespace comity
