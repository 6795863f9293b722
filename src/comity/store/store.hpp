// The Store interface: what the workflow and the server need from
// persistence, and nothing that decides. The SQLite implementation is the
// embedded default; a PostgreSQL backend implements the same interface.
// Every method is atomic: it commits entirely or not at all.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "comity/ledger/merkle.hpp"
#include "comity/store/sqlite.hpp"
#include "comity/workflow/case.hpp"

namespace comity {

struct AuditEntry {
  int64_t id = 0;  // assigned by the store
  Instant at = 0;
  std::string actor, action, object, payload_sha256;  // sha256: 64 hex digits of the payload
};

struct Party {
  std::string id, kind, state, name;  // kind: issuing_authority, validating_authority, central_authority,
                                      // provider, oversight, admin
};

struct User {
  std::string id, party_id, name;
  PartyRole role = PartyRole::Officer;
};

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

// A leaf of the transparency log to append: the public leaf bytes, and
// what only the case's parties see — the salt and the full event the
// leaf's commitment binds. event_seq: the event's index in the case
// history, or -1 for the opening of the case.
struct LogLeaf {
  std::string case_id;
  int64_t event_seq = -1;
  std::string leaf, salt, event_json;
};

// A stored leaf, with its index in the log.
struct LogEntry {
  uint64_t index = 0;
  std::string case_id;
  int64_t event_seq = -1;
  std::string leaf, salt, event_json;
};

// A published checkpoint: the signed note for a tree size and root.
struct StoredCheckpoint {
  uint64_t tree_size = 0;
  ledger::Hash root{};
  std::string note;
  Instant published_at = 0;
};

// A lease on a node role that one process at a time may hold across every
// process on the database (docs/scale-out.md): the log's checkpoint signer.
// The epoch rises by one whenever the lease passes to another holder, and
// is the fencing token a holder's writes carry. Times are wall-clock
// milliseconds since 1970 (not the legal clock, which tests may freeze).
struct Lease {
  std::string name, holder;  // holder "" when never granted
  int64_t epoch = 0;
  int64_t expires_ms = 0;
};

// Evidence a provider produced for a case (docs/evidence-encryption.md): its
// signed manifest, the chain the exchange verified, and each file's
// ciphertext as received. The ciphertext itself lives in the evidence vault
// (store/evidence_vault.hpp), never in the database.
struct ProductionFile {
  int64_t index = 0;
  std::string name;
  uint64_t ciphertext_bytes = 0;
  std::string ciphertext_sha256;
  bool complete = false;  // every byte received and the digest matched
};

struct Production {
  std::string id, case_id, manifest_id, manifest_json, verification_json;
  Instant created_at = 0, expires_at = 0;
  std::optional<Instant> deleted_at;
  std::string deletion_reason;  // retention_ended, case_requires_deletion
  std::vector<ProductionFile> files;
};

// A request being written in the wizard, saved server-side: its author,
// times, a version for optimistic concurrency, and the partial request.
struct Draft {
  std::string id, user_id;
  Instant created_at = 0, updated_at = 0;
  int64_t version = 1;
  std::string body;  // JSON object: the request so far
};

// A rule pack as a node keeps it (rules/pack_registry.hpp): its content
// hash, name, version and its files as a JSON array of [path, text] pairs.
struct StoredPack {
  std::string content_hash, name, version, sources_json;
  Instant stored_at = 0;
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

// A provider statement as published on this node (docs/provider-statements.md):
// the signed document, its statement's version and SHA-256 (of the
// statement's canonical form), who signed it, and the index of the
// transparency-log leaf that commits to it.
struct StoredStatement {
  std::string provider_id;
  int64_t version = 0;
  std::string sha256, signed_json, signer;
  Instant imported_at = 0;
  uint64_t log_index = 0;  // set by the store
};

// True once the case has been transmitted to its addressee (providers and
// enforcing authorities see it only from then on).
bool was_transmitted(const Case& c);

class Store {
 public:
  virtual ~Store() = default;
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
  // Delayed user notifications whose review date is on or before `today` (YYYY-MM-DD).
  virtual int64_t count_notice_reviews_due(std::string_view today) = 0;
  // Cases ordered by id, strictly after `after_id`, at most `limit` (cursor pagination).
  virtual std::vector<CaseSummary> list_cases(std::string_view after_id, int limit) = 0;
  virtual int64_t count_overdue_clocks(Instant now) = 0;
  // Ids of cases with a running clock due by `now` whose expiry has not been
  // acted on yet (what the expiry sweep visits), earliest due first, at most `limit`.
  virtual std::vector<std::string> cases_with_unhandled_expiries(Instant now, int limit) = 0;
  // (state, number of cases) for every state in use; for metrics.
  virtual std::vector<std::pair<std::string, int64_t>> count_cases_by_state() = 0;
  // Group commit: runs `work` — calls on this store, each still atomic on its
  // own (a failed one is undone alone) — in one transaction made durable by
  // a single COMMIT at the end. If that COMMIT fails, throws, and nothing
  // `work` did is stored. Callers acknowledge an operation only after this
  // returns, so no unsynced write is ever acknowledged.
  virtual void group_commit(const std::function<void()>& work) = 0;
  // A trivial query: throws StoreError if the database cannot be read (readiness).
  virtual void ping() = 0;
  virtual std::vector<AuditEntry> audit_after(int64_t after_id, int limit) = 0;

  // The transparency log. Leaves are appended only with their case's change
  // (create_case, save_case) or by append_log, never changed or removed.
  virtual void append_log(const std::vector<LogLeaf>& log) = 0;
  virtual uint64_t log_size() = 0;
  // Leaf hashes [from, from+limit) (fewer at the end of the log).
  virtual std::vector<ledger::Hash> log_hashes(uint64_t from, uint64_t limit) = 0;
  // Leaf bytes [from, from+limit).
  virtual std::vector<std::string> log_leaves(uint64_t from, uint64_t limit) = 0;
  // Every leaf of one case, in log order.
  virtual std::vector<LogEntry> log_entries_for_case(std::string_view case_id) = 0;
  // Records a published checkpoint; StoreError{Constraint} if one for that
  // tree size exists already, or if a larger one does (checkpoints only
  // grow). With a `fence`, in the same transaction: StoreError{Conflict}
  // unless that lease is still fence->holder's at fence->epoch — once
  // another process took it, the old holder cannot publish.
  virtual void put_checkpoint(const StoredCheckpoint& c, const Lease* fence = nullptr) = 0;

  // Grants lease `name` to `holder` until now_ms + ttl_ms when it was never
  // granted, has expired by now_ms, or is `holder`'s already (a renewal keeps
  // the epoch; a new holder gets epoch + 1). Returns the lease as it stands
  // after the call — someone else's if it is held. One transaction. Also
  // taken from `dead_holder` (a holder the caller knows has died) while it runs.
  virtual Lease take_lease(std::string_view name, std::string_view holder, int64_t now_ms, int64_t ttl_ms,
                           std::string_view dead_holder = {}) = 0;
  // Gives the lease up (expires it now) if `holder` holds it; the epoch stays.
  virtual void release_lease(std::string_view name, std::string_view holder) = 0;
  virtual std::optional<StoredCheckpoint> latest_checkpoint() = 0;
  // The checkpoints published for tree sizes >= `from`, smallest first, at most `limit`.
  virtual std::vector<StoredCheckpoint> checkpoints(uint64_t from, int limit) = 0;

  // Appends one audit entry on its own (reads of sensitive fields).
  virtual void append_audit(const AuditEntry& audit) = 0;

  // Whether a signed order with this id or this nonce opened a case already.
  virtual bool signed_order_used(std::string_view order_id, std::string_view nonce) = 0;

  // Trust bundles in the order the operator imported them (anchor_change:
  // cross_signed or operator_override); replaying them rebuilds what the
  // exchange trusts.
  // Productions. put_production: the production and its files, with the
  // audit entry (Conflict if the case has a production with that manifest
  // id). mark_file_complete: a file received whole and checked.
  virtual void put_production(const Production& p, const AuditEntry& audit) = 0;
  virtual std::optional<Production> production(std::string_view id) = 0;
  virtual std::vector<Production> productions_for_case(std::string_view case_id) = 0;
  virtual void mark_file_complete(std::string_view production_id, int64_t index, const AuditEntry& audit) = 0;
  // Live productions whose retention ended by `now`, or whose case must
  // delete the data it obtained; oldest first.
  virtual std::vector<Production> productions_to_delete(Instant now, int limit) = 0;
  virtual void mark_production_deleted(std::string_view id, std::string_view reason, Instant at,
                                       const AuditEntry& audit) = 0;

  // Drafts. put_draft inserts version 1, or replaces version
  // `draft.version - 1` (Conflict if another version is stored).
  virtual void put_draft(const Draft& draft, const AuditEntry& audit) = 0;
  virtual std::optional<Draft> draft(std::string_view id) = 0;
  virtual std::vector<Draft> drafts_of(std::string_view user_id, int limit) = 0;
  virtual bool delete_draft(std::string_view id, const AuditEntry& audit) = 0;

  // Rule packs. put_rule_pack stores a pack's text under its content hash,
  // with the audit entry, and returns true; a hash already stored is left
  // as it is (equal hashes, equal text) and returns false, writing nothing.
  virtual bool put_rule_pack(const StoredPack& pack, const AuditEntry& audit) = 0;
  // Every stored pack, in the order stored.
  virtual std::vector<StoredPack> rule_packs() = 0;
  // Saves `r` decided again — its pack_hash, evaluated_on, entry_json,
  // order_json and deadlines; state, clocks and history unchanged — with the
  // re-decision row and the audit entry, in one transaction. Conflict and
  // NotFound as save_case; Constraint if `d.seq` is taken.
  virtual void save_redecision(const CaseRecord& r, int64_t expected_version, const Redecision& d,
                               const AuditEntry& audit) = 0;
  // The case's re-decisions, oldest first.
  virtual std::vector<Redecision> redecisions(std::string_view case_id) = 0;

  // Provider statements. put_provider_statement stores a new version with
  // its audit entry and appends `leaf` (which commits to it) to the log, in
  // one transaction, and returns the leaf's index. Constraint when that
  // provider has this version already.
  virtual uint64_t put_provider_statement(const StoredStatement& s, const AuditEntry& audit, const LogLeaf& leaf) = 0;
  // The provider's statement of `version`, or its latest when version is 0.
  virtual std::optional<StoredStatement> provider_statement(std::string_view provider_id, int64_t version = 0) = 0;

  struct TrustImport {
    std::string bundle, anchor_change;
    Instant imported_at = 0;
  };
  virtual void add_trust_import(const TrustImport& import, const AuditEntry& audit) = 0;
  virtual std::vector<TrustImport> trust_imports() = 0;
  // How many trust imports are stored (one query; a process checks it before
  // trusting what it replayed, since another may have imported since).
  virtual int64_t count_trust_imports() = 0;

  // Identity. Each change is saved with its audit entry in one transaction.
  // put_* insert (StoreError{Constraint} on a duplicate id or a missing party/user).
  virtual void put_party(const Party& p, const AuditEntry& audit) = 0;
  virtual std::optional<Party> party(std::string_view id) = 0;
  // Parties ordered by id, strictly after `after_id`, at most `limit`.
  virtual std::vector<Party> list_parties(std::string_view after_id, int limit) = 0;
  virtual void put_user(const User& u, const AuditEntry& audit) = 0;
  virtual std::optional<User> user(std::string_view id) = 0;
  virtual void put_token(std::string_view token_id, std::string_view user_id, std::string_view token_sha256, Instant at,
                         const AuditEntry& audit) = 0;
  // The user holding token `token_id` (revoked or not), if it exists.
  virtual std::optional<std::string> token_user(std::string_view token_id) = 0;
  // The user and party holding a live (unrevoked) token with this digest,
  // and the digest as stored (the caller compares it in constant time).
  struct TokenOwner {
    User user;
    Party party;
    std::string stored_sha256;
    std::string token_id;
  };
  virtual std::optional<TokenOwner> user_by_token(std::string_view token_sha256) = 0;
  // Returns false (and writes nothing) if no such live token.
  virtual bool revoke_token(std::string_view token_id, Instant at, const AuditEntry& audit) = 0;

  // Passwords (argon2id PHC strings), browser sessions, login lock-out.
  virtual void put_password(std::string_view user_id, std::string_view phc, Instant at, const AuditEntry& audit) = 0;
  virtual std::optional<std::string> password_of(std::string_view user_id) = 0;
  struct LoginFailures {
    int64_t failures = 0;
    Instant locked_until = 0;
  };
  virtual LoginFailures login_failures(std::string_view user_id) = 0;
  // Sets (or, with failures 0, clears) a user's failure count and lock.
  virtual void set_login_failures(std::string_view user_id, const LoginFailures& f) = 0;
  virtual void put_session(std::string_view id, std::string_view user_id, std::string_view token_sha256,
                           Instant created_at, Instant expires_at, const AuditEntry& audit) = 0;
  // The user and party of a live session (not ended, not expired at `now`);
  // token_id is the session id.
  virtual std::optional<TokenOwner> user_by_session(std::string_view token_sha256, Instant now) = 0;
  // Ends a live session; false if none.
  virtual bool end_session(std::string_view id, Instant at, const AuditEntry& audit) = 0;
};

enum class StoreAccess : uint8_t { ReadWrite, ReadOnly };

// Opens the SQLite store at `path`: read-write creates and migrates it;
// read-only requires the current schema and refuses every write (StoreError
// Io). Each store is one connection, for one thread at a time.
std::unique_ptr<Store> open_sqlite_store(const std::string& path, StoreAccess access = StoreAccess::ReadWrite);

}  // namespace comity
