// The Store in SQL (sql_store.hpp), for the files that implement it and no
// one else: one class over one connection, its member functions defined by
// aggregate — cases (sql_cases.cpp), identity (sql_identity.cpp), the log
// (sql_log.cpp), the federation (sql_fed.cpp), the rest and the transactions
// (sql_store.cpp). Every write is one transaction (a savepoint inside one the
// caller opened).
#pragma once

#include <memory>
#include <string_view>

#include "comity/store/sql.hpp"
#include "comity/store/store.hpp"

namespace comity::sql_detail {

class SqlStore final : public Store {
 public:
  explicit SqlStore(std::unique_ptr<SqlDb> db) : owned_(std::move(db)), db_(*owned_) {}

  // Cases (sql_cases.cpp).
  void create_case(const CaseRecord& r, const AuditEntry& audit, const std::vector<LogLeaf>& log) override;
  bool signed_order_used(std::string_view order_id, std::string_view nonce) override;
  void save_redecision(const CaseRecord& r, int64_t expected_version, const Redecision& d,
                       const AuditEntry& audit) override;
  std::vector<Redecision> redecisions(std::string_view case_id) override;
  std::optional<CaseRecord> load_case(std::string_view id) override;
  void save_case(const CaseRecord& r, int64_t expected_version, size_t first_new_event, const AuditEntry& audit,
                 const std::vector<LogLeaf>& log) override;
  std::vector<CaseSummary> list_cases(std::string_view after_id, int limit) override;
  int64_t count_overdue_clocks(Instant now) override;
  std::vector<std::string> cases_with_unhandled_expiries(Instant now, int limit) override;
  std::vector<std::pair<std::string, int64_t>> count_cases_by_state() override;
  void save_review(const CaseReview& v, const std::vector<AuditEntry>& audit) override;
  std::vector<CaseReview> reviews(std::string_view case_id) override;
  int64_t count_notice_reviews_due(std::string_view today) override;

  // Parties, users, tokens, passwords and sessions (sql_identity.cpp).
  void put_password(std::string_view user_id, std::string_view phc, Instant at, const AuditEntry& audit) override;
  std::optional<std::string> password_of(std::string_view user_id) override;
  LoginFailures login_failures(std::string_view user_id) override;
  void set_login_failures(std::string_view user_id, const LoginFailures& f) override;
  void put_session(std::string_view id, std::string_view user_id, std::string_view token_sha256, Instant created_at,
                   Instant expires_at, const AuditEntry& audit) override;
  std::optional<TokenOwner> user_by_session(std::string_view token_sha256, Instant now) override;
  bool end_session(std::string_view id, Instant at, const AuditEntry& audit) override;
  int64_t add_rate_hit(std::string_view bucket, Instant window_start) override;
  void put_party(const Party& p, const AuditEntry& audit) override;
  std::optional<Party> party(std::string_view id) override;
  std::vector<Party> list_parties(std::string_view after_id, int limit) override;
  void put_user(const User& u, const AuditEntry& audit) override;
  std::optional<User> user(std::string_view id) override;
  void put_token(std::string_view token_id, std::string_view user_id, std::string_view token_sha256, Instant at,
                 const AuditEntry& audit) override;
  std::optional<std::string> token_user(std::string_view token_id) override;
  std::optional<TokenOwner> user_by_token(std::string_view token_sha256) override;
  bool revoke_token(std::string_view token_id, Instant at, const AuditEntry& audit) override;

  // The transparency log, its checkpoints and the signer's lease (sql_log.cpp).
  void append_log(const std::vector<LogLeaf>& log) override;
  uint64_t log_size() override;
  std::vector<ledger::Hash> log_hashes(uint64_t from, uint64_t limit) override;
  std::vector<std::string> log_leaves(uint64_t from, uint64_t limit) override;
  std::vector<LogEntry> log_entries_for_case(std::string_view case_id) override;
  void put_checkpoint(const StoredCheckpoint& c, const Lease* fence) override;
  Lease take_lease(std::string_view name, std::string_view holder, int64_t now_ms, int64_t ttl_ms,
                   std::string_view dead_holder) override;
  void release_lease(std::string_view name, std::string_view holder) override;
  std::optional<StoredCheckpoint> latest_checkpoint() override;
  std::vector<StoredCheckpoint> checkpoints(uint64_t from, int limit) override;

  // The federation: peer lists, outbox, inbox, request nonces (sql_fed.cpp).
  void add_peer_list(const PeerListVersion& list, const AuditEntry& audit) override;
  std::optional<PeerListVersion> peer_list(std::optional<int64_t> version) override;
  std::vector<PeerListVersion> peer_lists() override;
  int64_t next_outbox_seq(const std::string& peer, const std::string& case_ref) override;
  void add_outbox(const OutboxMessage& message, const AuditEntry& audit) override;
  std::vector<OutboxMessage> lease_outbox(const std::string& holder, Instant now, int64_t now_ms,
                                          int64_t lease_until_ms, int limit,
                                          const std::vector<std::string>& held_peers) override;
  bool finish_outbox(const std::string& id, const std::string& holder, OutboxState state, const std::string& receipt,
                     const std::string& error, Instant next_attempt_at) override;
  bool settle_outbox(const std::string& id, const std::string& peer, OutboxState state,
                     const std::string& receipt) override;
  std::optional<OutboxMessage> outbox_message(const std::string& id) override;
  std::vector<OutboxMessage> outbox_for_case(const std::string& case_ref) override;
  int64_t count_outbox(OutboxState state) override;
  void add_case_ref(const std::string& case_ref, const std::string& case_id, Instant now) override;
  std::optional<std::string> case_of_ref(const std::string& case_ref) override;
  std::optional<InboxMessage> inbox_message(const std::string& id) override;
  void add_inbox(const InboxMessage& message, const AuditEntry& audit) override;
  void update_inbox(const std::string& id, InboxState state, const std::string& receipt) override;
  int64_t last_inbox_seq(const std::string& peer, const std::string& case_ref) override;
  std::vector<InboxMessage> held_inbox(const std::string& peer, const std::string& case_ref) override;
  std::vector<InboxMessage> inbox_for_party(const std::string& party, InboxState state, Instant before,
                                            int limit) override;
  bool add_request_nonce(const std::string& keyid, const std::string& nonce, Instant expires_at, Instant now) override;

  // The witness: its state per peer log, fork evidence, peers' cosignatures (sql_witness.cpp).
  std::optional<WitnessState> witness_state(const std::string& origin) override;
  bool advance_witness_state(const WitnessState& next, int64_t expected_size) override;
  bool add_fork_evidence(const ForkEvidence& e) override;
  std::vector<ForkEvidence> fork_evidence(const std::string& origin) override;
  bool add_cosignature(const StoredCosignature& c) override;
  std::vector<StoredCosignature> cosignatures(int64_t size, const std::string& root) override;
  int64_t last_cosigned_size(const std::string& witness) override;

  // Evidence, drafts, trust, rule packs and statements, audit, transactions (sql_store.cpp).
  void put_production(const Production& p, const AuditEntry& audit) override;
  std::optional<Production> production(std::string_view id) override;
  std::vector<Production> productions_for_case(std::string_view case_id) override;
  void mark_file_complete(std::string_view production_id, int64_t index, const AuditEntry& audit) override;
  std::vector<Production> productions_to_delete(Instant now, int limit) override;
  void mark_production_deleted(std::string_view id, std::string_view reason, Instant at,
                               const AuditEntry& audit) override;
  void put_draft(const Draft& d, const AuditEntry& audit) override;
  std::optional<Draft> draft(std::string_view id) override;
  std::vector<Draft> drafts_of(std::string_view user_id, int limit) override;
  bool delete_draft(std::string_view id, const AuditEntry& audit) override;
  void add_trust_import(const TrustImport& t, const AuditEntry& audit) override;
  bool put_rule_pack(const StoredPack& p, const AuditEntry& audit) override;
  std::vector<StoredPack> rule_packs() override;
  uint64_t put_provider_statement(const StoredStatement& st, const AuditEntry& audit, const LogLeaf& leaf) override;
  std::optional<StoredStatement> provider_statement(std::string_view provider_id, int64_t version) override;
  std::vector<TrustImport> trust_imports() override;
  int64_t count_trust_imports() override;
  void append_audit(const AuditEntry& audit) override;
  void ping() override;
  std::vector<AuditEntry> audit_after(int64_t after_id, int limit) override;
  void begin_unit() override { db_.begin_unit(); }
  void commit_unit() override { db_.end_unit(); }
  void rollback_unit() noexcept override { db_.undo_unit(); }

 private:
  std::optional<CaseRecord> load_case_now(std::string_view id);       // sql_cases.cpp
  static std::vector<StoredCheckpoint> read_checkpoints(SqlStmt& s);  // sql_log.cpp
  void insert_log(const std::vector<LogLeaf>& log);                   // sql_log.cpp
  // The user, party, stored digest and id behind an API token or a session
  // (`t`): the columns kOwnerColumns selects, read by token_owner.
  static constexpr std::string_view kOwnerColumns =
      "SELECT u.id, u.party_id, u.name, u.role, p.id, p.kind, p.state, p.name, t.token_sha256, t.id ";
  static TokenOwner token_owner(SqlStmt& s);                                                       // sql_identity.cpp
  std::vector<Production> load_productions(const char* where, std::string_view param, int limit);  // sql_store.cpp
  void insert_events(const CaseRecord& r, size_t from);                                            // sql_cases.cpp
  void insert_clocks(const CaseRecord& r);                                                         // sql_cases.cpp
  void insert_audit(const AuditEntry& a);                                                          // sql_store.cpp
  static std::vector<OutboxMessage> read_outbox(SqlStmt& s);                                       // sql_fed.cpp
  static std::vector<InboxMessage> read_inbox(SqlStmt& s);                                         // sql_fed.cpp
  std::unique_ptr<SqlDb> owned_;
  SqlDb& db_;
};

}  // namespace comity::sql_detail
