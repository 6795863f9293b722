// The SQLite store, on real database files in a temporary directory.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "comity/model/request_json.hpp"
#include "comity/rules/decision_json.hpp"
#include "comity/rules/engine.hpp"
#include "comity/store/evidence_vault.hpp"
#include "comity/store/migrations.hpp"
#include "comity/store/store.hpp"
#include "comity/util/sha256.hpp"
#include "test_support.hpp"

namespace comity {
namespace {

const Instant kT0 = *parse_instant("2026-09-15T09:00:00Z");

AuditEntry audit(const std::string& action, const std::string& object, const std::string& payload) {
  return {0, kT0, "officer:test", action, object, sha256_hex(payload)};
}

// A case for the EPOC of sample S01, as the server will create it.
CaseRecord s01_case(const std::string& id) {
  std::string text = test::read_text(test::source_dir() + "/examples/s01-eu-subscriber-prosecutor.json");
  Request q = *parse_request(text).request;
  Decision d = test::eval(q, test::real_pack());
  CaseRecord r;
  r.id = id;
  r.request_id = q.request_id;
  r.requesting_state = q.requesting_state.str();
  r.pack_hash = test::real_pack().content_hash;
  r.request_json = text;
  r.decision_json = decision_to_json(d, q).dump();
  r.created_at = r.updated_at = kT0;
  r.c = open_case(d, *test::entry(d, "P_EU_EPOC"));
  r.c.facts = CaseFacts{};  // s01: no emergency, no validator named, not notified
  return r;
}

struct StoreTest : ::testing::Test {
  test::TempDir dir;
  std::string path = (dir.path() / "comity.db").string();
};

TEST_F(StoreTest, FreshDatabaseIsMigratedWithDurableSettings) {
  auto store = open_sqlite_store(path);
  Db db(path);
  EXPECT_EQ(schema_version(db), kSchemaVersion);
  EXPECT_EQ(migrate(db), kSchemaVersion);  // idempotent
  auto mode = db.prepare("PRAGMA journal_mode");
  mode.step();
  EXPECT_EQ(mode.text(0), "wal");
  auto sync = db.prepare("PRAGMA synchronous");
  sync.step();
  EXPECT_EQ(sync.integer(0), 2);  // FULL
  auto fk = db.prepare("PRAGMA foreign_keys");
  fk.step();
  EXPECT_EQ(fk.integer(0), 1);
}

TEST_F(StoreTest, CaseRoundTripsWithHistoryAndClocks) {
  auto store = open_sqlite_store(path);
  CaseRecord r = s01_case("case-1");
  ASSERT_FALSE(apply_event(r.c, test::real_pack(), "submit", PartyRole::Officer, kT0));
  ASSERT_FALSE(apply_event(r.c, test::real_pack(), "mark_ready", PartyRole::Officer, kT0));
  ASSERT_FALSE(apply_event(r.c, test::real_pack(), "transmit", PartyRole::Officer, kT0));
  store->create_case(r, audit("create", "case-1", r.request_json));
  store.reset();  // survives closing and reopening
  store = open_sqlite_store(path);
  auto got = store->load_case("case-1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->c.state, "transmitted");
  EXPECT_EQ(got->c.workflow, "direct_order");
  EXPECT_EQ(got->c.history.size(), 3u);
  EXPECT_EQ(got->c.history[2].event, "transmit");
  ASSERT_EQ(got->c.clocks.size(), r.c.clocks.size());
  EXPECT_EQ(got->c.clocks[0].due, r.c.clocks[0].due);
  EXPECT_EQ(got->c.deadlines.size(), r.c.deadlines.size());
  EXPECT_EQ(got->version, 1);
  EXPECT_EQ(got->pack_hash, test::real_pack().content_hash);
  EXPECT_FALSE(store->load_case("case-2"));
  EXPECT_THROW(store->create_case(r, audit("create", "case-1", "again")), StoreError);  // duplicate id
}

TEST_F(StoreTest, TransitionsSaveWithOptimisticConcurrency) {
  auto store = open_sqlite_store(path);
  CaseRecord r = s01_case("case-1");
  store->create_case(r, audit("create", "case-1", "x"));
  CaseRecord a = *store->load_case("case-1");
  CaseRecord b = a;  // a second writer with the same snapshot
  size_t first_new = a.c.history.size();
  ASSERT_FALSE(apply_event(a.c, test::real_pack(), "submit", PartyRole::Officer, kT0 + 10));
  a.version = 2;
  a.updated_at = kT0 + 10;
  store->save_case(a, 1, first_new, audit("submit", "case-1", "a"));
  ASSERT_FALSE(apply_event(b.c, test::real_pack(), "withdraw", PartyRole::Officer, kT0 + 20, "duplicate"));
  b.version = 2;
  try {
    store->save_case(b, 1, first_new, audit("withdraw", "case-1", "b"));
    FAIL() << "stale write accepted";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.code, StoreError::Code::Conflict);
  }
  auto got = store->load_case("case-1");
  EXPECT_EQ(got->c.state, "submitted");
  EXPECT_EQ(got->version, 2);
  EXPECT_EQ(store->audit_after(0, 10).size(), 2u);  // create + submit; the stale write left nothing
}

TEST_F(StoreTest, AFailedTransitionWritesNothing) {
  auto store = open_sqlite_store(path);
  CaseRecord r = s01_case("case-1");
  store->create_case(r, audit("create", "case-1", "x"));
  CaseRecord a = *store->load_case("case-1");
  a.c.facts = CaseFacts{};  // the store keeps no guard facts: the case service derives them
  size_t first_new = a.c.history.size();
  ASSERT_FALSE(apply_event(a.c, test::real_pack(), "submit", PartyRole::Officer, kT0));
  ASSERT_FALSE(apply_event(a.c, test::real_pack(), "mark_ready", PartyRole::Officer, kT0));
  ASSERT_FALSE(apply_event(a.c, test::real_pack(), "transmit", PartyRole::Officer, kT0));
  a.version = 2;
  AuditEntry bad = audit("transmit", "case-1", "x");
  bad.payload_sha256 = "not-a-digest";  // violates the audit table's CHECK, after the case rows were written
  EXPECT_THROW(store->save_case(a, 1, first_new, bad), StoreError);
  auto got = store->load_case("case-1");
  EXPECT_EQ(got->c.state, "draft");
  EXPECT_TRUE(got->c.history.empty());
  EXPECT_TRUE(got->c.clocks.empty());
  EXPECT_EQ(got->version, 1);
  EXPECT_EQ(store->count_overdue_clocks(kT0 + 365 * 86400), 0);
}

// The log is appended in the case's transaction: a leaf that cannot be
// stored undoes the transition and the leaves before it; stored leaves can
// be neither changed nor removed.
TEST_F(StoreTest, LogLeavesCommitWithTheirCaseAndAreAppendOnly) {
  auto store = open_sqlite_store(path);
  CaseRecord r = s01_case("case-1");
  store->create_case(r, audit("create", "case-1", "x"), {{"case-1", -1, "{\"event\":\"open\"}", "salt", "{}"}});
  CaseRecord a = *store->load_case("case-1");
  a.c.facts = CaseFacts{};  // the store keeps no guard facts: the case service derives them
  size_t first_new = a.c.history.size();
  ASSERT_FALSE(apply_event(a.c, test::real_pack(), "submit", PartyRole::Officer, kT0));
  a.version = 2;
  std::vector<LogLeaf> leaves = {{"case-1", 0, "{\"event\":\"submit\"}", "salt", "{}"},
                                 {"no-such-case", 0, "{}", "salt", "{}"}};  // fails its foreign key
  EXPECT_THROW(store->save_case(a, 1, first_new, audit("submit", "case-1", "x"), leaves), StoreError);
  EXPECT_EQ(store->log_size(), 1u);
  EXPECT_EQ(store->load_case("case-1")->version, 1);
  leaves.pop_back();
  store->save_case(a, 1, first_new, audit("submit", "case-1", "x"), leaves);
  ASSERT_EQ(store->log_size(), 2u);
  EXPECT_EQ(store->log_leaves(1, 5), std::vector<std::string>{"{\"event\":\"submit\"}"});
  EXPECT_EQ(store->log_hashes(1, 5).at(0), ledger::leaf_hash("{\"event\":\"submit\"}"));

  Db raw(path);
  EXPECT_THROW(raw.exec("UPDATE log_leaves SET leaf = x'00' WHERE idx = 0"), StoreError);
  EXPECT_THROW(raw.exec("DELETE FROM log_leaves WHERE idx = 1"), StoreError);
  EXPECT_EQ(store->log_size(), 2u);

  StoredCheckpoint c{2, ledger::leaf_hash("root"), "note", kT0};
  store->put_checkpoint(c);
  EXPECT_THROW(store->put_checkpoint(c), StoreError);  // one checkpoint per size
  EXPECT_EQ(store->latest_checkpoint()->root, c.root);
  EXPECT_EQ(store->checkpoints(0, 10).size(), 1u);
  EXPECT_TRUE(store->checkpoints(3, 10).empty());
}

TEST_F(StoreTest, GroupCommitKeepsEachOperationAtomic) {
  auto store = open_sqlite_store(path);
  store->create_case(s01_case("case-0"), audit("create", "case-0", "x"));
  bool duplicate_refused = false;
  store->group_commit([&] {
    store->create_case(s01_case("case-1"), audit("create", "case-1", "x"));
    try {
      store->create_case(s01_case("case-0"), audit("create", "case-0", "again"));  // exists: undone alone
    } catch (const StoreError& e) {
      duplicate_refused = e.code == StoreError::Code::Constraint;
    }
    store->create_case(s01_case("case-2"), audit("create", "case-2", "x"));
  });
  EXPECT_TRUE(duplicate_refused);
  EXPECT_EQ(store->list_cases("", 10).size(), 3u);
  EXPECT_EQ(store->audit_after(0, 10).size(), 3u);  // the refused creation left no audit entry
  // A group that fails as a whole stores nothing.
  EXPECT_THROW(store->group_commit([&] {
    store->create_case(s01_case("case-3"), audit("create", "case-3", "x"));
    throw std::runtime_error("the commit fails");
  }),
               std::runtime_error);
  EXPECT_FALSE(store->load_case("case-3"));
  EXPECT_EQ(store->audit_after(0, 10).size(), 3u);
}

TEST_F(StoreTest, CachedStatementsAreResetAndNeverShared) {
  Db db(path);
  db.exec("CREATE TABLE t(x INTEGER)");
  for (int64_t i = 0; i < 3; ++i) db.prepare("INSERT INTO t VALUES (?)").bind(1, i).run();
  // The same SQL while the first statement is mid-iteration: a separate statement.
  auto outer = db.prepare("SELECT x FROM t ORDER BY x");
  ASSERT_TRUE(outer.step());
  EXPECT_EQ(outer.integer(0), 0);
  {
    auto inner = db.prepare("SELECT x FROM t ORDER BY x");
    int n = 0;
    while (inner.step()) ++n;
    EXPECT_EQ(n, 3);
  }
  ASSERT_TRUE(outer.step());
  EXPECT_EQ(outer.integer(0), 1);  // undisturbed by the inner one
  // A reused statement starts afresh, with no bindings left over.
  auto q = db.prepare("SELECT count(*) FROM t WHERE x >= ?");
  q.bind(1, int64_t{2});
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.integer(0), 1);
}

TEST_F(StoreTest, AuditIsAppendOnly) {
  auto store = open_sqlite_store(path);
  store->create_case(s01_case("case-1"), audit("create", "case-1", "x"));
  Db db(path);
  EXPECT_THROW(db.exec("UPDATE audit SET actor = 'someone else'"), StoreError);
  EXPECT_THROW(db.exec("DELETE FROM audit"), StoreError);
  auto entries = store->audit_after(0, 10);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].actor, "officer:test");
  EXPECT_EQ(entries[0].payload_sha256, sha256_hex("x"));
}

TEST_F(StoreTest, CursorPaginationAndOverdueClocks) {
  auto store = open_sqlite_store(path);
  for (int i = 0; i < 5; ++i) {
    CaseRecord r = s01_case("case-" + std::to_string(i));
    ASSERT_FALSE(apply_event(r.c, test::real_pack(), "submit", PartyRole::Officer, kT0));
    ASSERT_FALSE(apply_event(r.c, test::real_pack(), "mark_ready", PartyRole::Officer, kT0));
    ASSERT_FALSE(apply_event(r.c, test::real_pack(), "transmit", PartyRole::Officer, kT0 + i * 86400));
    store->create_case(r, audit("create", r.id, r.id));
  }
  auto page1 = store->list_cases("", 2);
  ASSERT_EQ(page1.size(), 2u);
  EXPECT_EQ(page1[0].id, "case-0");
  auto page2 = store->list_cases(page1.back().id, 2);
  ASSERT_EQ(page2.size(), 2u);
  EXPECT_EQ(page2[0].id, "case-2");
  EXPECT_EQ(store->list_cases("case-4", 2).size(), 0u);
  // The 10-day clocks (and the 10-day objection windows) of cases transmitted on days 0..4.
  EXPECT_EQ(store->count_overdue_clocks(kT0 + 10 * 86400 + 3600), 2);  // case-0's two clocks
  EXPECT_EQ(store->count_overdue_clocks(kT0), 0);
  // The sweep visits cases with expiries not yet acted on, earliest first.
  EXPECT_TRUE(store->cases_with_unhandled_expiries(kT0, 10).empty());
  EXPECT_EQ(store->cases_with_unhandled_expiries(kT0 + 12 * 86400, 10),
            (std::vector<std::string>{"case-0", "case-1", "case-2"}));
  EXPECT_EQ(store->cases_with_unhandled_expiries(kT0 + 12 * 86400, 1), (std::vector<std::string>{"case-0"}));
  CaseRecord r = *store->load_case("case-0");
  tick(r.c, test::real_pack(), kT0 + 12 * 86400);  // no expiry event for these clocks: marked handled
  r.version = 2;
  store->save_case(r, 1, r.c.history.size(), audit("expire", r.id, r.id));
  EXPECT_EQ(store->cases_with_unhandled_expiries(kT0 + 12 * 86400, 10), (std::vector<std::string>{"case-1", "case-2"}));
  EXPECT_EQ(store->count_overdue_clocks(kT0 + 12 * 86400), 6);  // still overdue: the law's clock ran out
}

TEST_F(StoreTest, RefusesADatabaseFromANewerProgram) {
  { auto store = open_sqlite_store(path); }
  {
    Db db(path);
    db.exec("INSERT INTO schema_migrations(version, name) VALUES (99, 'future')");
  }
  EXPECT_THROW(open_sqlite_store(path), StoreError);
}

TEST_F(StoreTest, PartiesUsersAndRevocableTokens) {
  auto store = open_sqlite_store(path);
  store->put_party({"de-ca", "central_authority", "DE", "Bundesamt für Justiz"}, test::seed_audit("create_party", "p"));
  store->put_party({"de-sta", "issuing_authority", "DE", "Staatsanwaltschaft Berlin"},
                   test::seed_audit("create_party", "p"));
  store->put_user({"u1", "de-sta", "Officer One", PartyRole::Officer}, test::seed_audit("create_user", "u"));
  std::string digest = sha256_hex("cmt_secret-token");
  store->put_token("t1", "u1", digest, kT0, test::seed_audit("issue_token", "t"));
  auto who = store->user_by_token(digest);
  ASSERT_TRUE(who);
  EXPECT_EQ(who->user.id, "u1");
  EXPECT_EQ(who->user.role, PartyRole::Officer);
  EXPECT_EQ(who->party.state, "DE");
  EXPECT_EQ(who->stored_sha256, digest);
  EXPECT_FALSE(store->user_by_token(sha256_hex("cmt_other")));
  EXPECT_TRUE(store->revoke_token("t1", kT0 + 1, test::seed_audit("revoke_token", "t")));
  EXPECT_FALSE(store->user_by_token(digest));
  EXPECT_FALSE(store->revoke_token("t1", kT0 + 2, test::seed_audit("revoke_token", "t")));  // already revoked
  // One central authority per State; users and tokens must point at something real.
  EXPECT_THROW(
      store->put_party({"de-ca2", "central_authority", "DE", "another"}, test::seed_audit("create_party", "p")),
      StoreError);
  EXPECT_THROW(store->put_user({"u2", "no-such-party", "x", PartyRole::Officer}, test::seed_audit("create_user", "u")),
               StoreError);
  EXPECT_THROW(store->put_token("t2", "no-such-user", sha256_hex("y"), kT0, test::seed_audit("issue_token", "t")),
               StoreError);
  EXPECT_THROW(store->put_party({"xx", "wizard", "DE", "x"}, test::seed_audit("create_party", "p")),
               StoreError);  // unknown kind
  // Tokens are stored only as digests.
  Db db(path);
  auto raw = db.prepare("SELECT count(*) FROM api_tokens WHERE token_sha256 LIKE '%secret%'");
  raw.step();
  EXPECT_EQ(raw.integer(0), 0);
}

TEST_F(StoreTest, CasesRecordTheirPartiesAndTransmission) {
  auto store = open_sqlite_store(path);
  store->put_party({"de-sta", "issuing_authority", "DE", "Staatsanwaltschaft Berlin"},
                   test::seed_audit("create_party", "p"));
  store->put_party({"nl-mailco", "provider", "NL", "Mailco B.V."}, test::seed_audit("create_party", "p"));
  CaseRecord r = s01_case("case-1");
  r.requesting_party_id = "de-sta";
  r.provider_party_id = "nl-mailco";
  r.counterpart_state = "NL";
  store->create_case(r, audit("create", "case-1", "x"));
  auto list = store->list_cases("", 10);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].provider_party_id, "nl-mailco");
  EXPECT_FALSE(list[0].transmitted);
  CaseRecord a = *store->load_case("case-1");
  a.c.facts = CaseFacts{};  // the store keeps no guard facts: the case service derives them
  size_t first_new = a.c.history.size();
  for (const char* e : {"submit", "mark_ready", "transmit"})
    ASSERT_FALSE(apply_event(a.c, test::real_pack(), e, PartyRole::Officer, kT0));
  a.version = 2;
  store->save_case(a, 1, first_new, audit("transmit", "case-1", "x"));
  EXPECT_TRUE(store->list_cases("", 10)[0].transmitted);
  EXPECT_EQ(store->load_case("case-1")->requesting_party_id, "de-sta");
  r.id = "case-2";
  r.provider_party_id = "unregistered";
  EXPECT_THROW(store->create_case(r, audit("create", "case-2", "x")), StoreError);  // foreign key
}

// Productions are due for deletion when their retention ends or when their
// case must delete the data it obtained (failed ex-post validation), and
// never twice; the vault's bytes go with them.
TEST_F(StoreTest, ProductionsAreDueForDeletionByRetentionOrByTheirCase) {
  auto store = open_sqlite_store(path);
  CaseRecord keep = s01_case("c-keep"), purge = s01_case("c-purge");
  store->create_case(keep, audit("open_case", "c-keep", "{}"), {});
  purge.c.data_marked_for_deletion = true;
  store->create_case(purge, audit("open_case", "c-purge", "{}"), {});
  auto production = [&](const std::string& id, const std::string& case_id, Instant expires,
                        const std::string& manifest_id = "") {
    Production p{id, case_id, manifest_id.empty() ? "m-" + id : manifest_id, "{}", "[]", kT0, expires, std::nullopt,
                 "", {}};
    p.files = {{0, "a.bin", 10, std::string(64, 'a'), false}, {1, "b.bin", 20, std::string(64, 'b'), false}};
    store->put_production(p, audit("register_production", id, "{}"));
  };
  production("p-live", "c-keep", kT0 + 100);
  production("p-old", "c-keep", kT0 + 10);
  production("p-case", "c-purge", kT0 + 100);
  // A case's manifest id registers once.
  EXPECT_THROW(production("p-again", "c-keep", kT0 + 100, "m-p-live"), StoreError);
  EXPECT_FALSE(store->production("p-again"));
  auto due = [&](Instant now) {
    std::set<std::string> ids;
    for (const auto& p : store->productions_to_delete(now, 10)) ids.insert(p.id);
    return ids;
  };
  EXPECT_EQ(due(kT0), (std::set<std::string>{"p-case"}));
  EXPECT_EQ(due(kT0 + 10), (std::set<std::string>{"p-case", "p-old"}));
  store->mark_production_deleted("p-case", "case_requires_deletion", kT0 + 10,
                                 audit("delete_evidence", "p-case", "{}"));
  EXPECT_THROW(store->mark_production_deleted("p-case", "again", kT0 + 11, audit("delete_evidence", "p-case", "{}")),
               StoreError);
  EXPECT_EQ(due(kT0 + 10), (std::set<std::string>{"p-old"}));
  auto p = store->production("p-case");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->deletion_reason, "case_requires_deletion");
  EXPECT_EQ(p->files.size(), 2u);
  store->mark_file_complete("p-live", 1, audit("receive_evidence", "p-live", "{}"));
  EXPECT_TRUE(store->production("p-live")->files[1].complete);
  EXPECT_FALSE(store->production("p-live")->files[0].complete);

  // The vault: appends only at the end, durable, and removal leaves nothing.
  EvidenceVault vault((dir.path() / "vault").string());
  EXPECT_EQ(vault.append("p-live", 0, 0, "01234"), 5u);
  EXPECT_THROW(vault.append("p-live", 0, 3, "xx"), VaultError);  // not the end
  EXPECT_EQ(vault.append("p-live", 0, 5, "56789"), 10u);
  EXPECT_EQ(vault.sha256("p-live", 0), sha256_hex("0123456789"));
  EXPECT_THROW(vault.append("../escape", 0, 0, "x"), VaultError);
  vault.remove("p-live");
  vault.remove("p-live");  // idempotent
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "vault" / "p-live"));
  EXPECT_EQ(vault.size("p-live", 0), 0u);
}

TEST_F(StoreTest, SqlIsParameterised) {
  auto store = open_sqlite_store(path);
  CaseRecord r = s01_case("x'); DROP TABLE cases; --");
  store->create_case(r, audit("create", r.id, "x"));
  EXPECT_TRUE(store->load_case("x'); DROP TABLE cases; --"));
  EXPECT_EQ(store->list_cases("", 10).size(), 1u);
}

}  // namespace
}  // namespace comity
