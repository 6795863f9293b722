// What the SQLite backend does inside its database file, beyond the Store
// contract (which store_conformance_test.cpp tests for every backend): the
// durable settings, the migrations, append-only tables that refuse raw
// UPDATE and DELETE, the statement cache of the Db layer, tokens kept only
// as digests, and how open_store names a SQLite file. Also the evidence
// vault, which lives beside the store.
#include <gtest/gtest.h>

#include <filesystem>

#include "comity/store/evidence_vault.hpp"
#include "comity/store/migrations.hpp"
#include "comity/store/open_store.hpp"
#include "comity/store/store.hpp"
#include "comity/util/sha256.hpp"
#include "test_support.hpp"

namespace comity {
namespace {

const Instant kT0 = *parse_instant("2026-09-15T09:00:00Z");

AuditEntry audit(const std::string& action, const std::string& object, const std::string& payload) {
  return {0, kT0, "officer:test", action, object, sha256_hex(payload)};
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

TEST_F(StoreTest, RefusesADatabaseFromANewerProgram) {
  { auto store = open_sqlite_store(path); }
  {
    Db db(path);
    db.exec("INSERT INTO schema_migrations(version, name) VALUES (99, 'future')");
  }
  EXPECT_THROW(open_sqlite_store(path), StoreError);
  EXPECT_THROW(open_sqlite_store(path, StoreAccess::ReadOnly), StoreError);
}

// The log's leaves can be neither changed nor removed, even by SQL that
// bypasses the Store.
TEST_F(StoreTest, LogLeavesAreAppendOnlyInTheDatabase) {
  auto store = open_sqlite_store(path);
  store->append_log({{"", -1, "leaf-0", "salt", "{}"}, {"", -1, "leaf-1", "salt", "{}"}});
  store->put_checkpoint({2, ledger::leaf_hash("root"), "note", kT0});
  Db raw(path);
  EXPECT_THROW(raw.exec("UPDATE log_leaves SET leaf = x'00' WHERE idx = 0"), StoreError);
  EXPECT_THROW(raw.exec("DELETE FROM log_leaves WHERE idx = 1"), StoreError);
  EXPECT_THROW(raw.exec("UPDATE log_checkpoints SET note = 'rewritten'"), StoreError);
  EXPECT_EQ(store->log_size(), 2u);
  EXPECT_EQ(store->log_leaves(0, 5), (std::vector<std::string>{"leaf-0", "leaf-1"}));
  EXPECT_EQ(store->latest_checkpoint()->note, "note");
}

TEST_F(StoreTest, AuditIsAppendOnlyInTheDatabase) {
  auto store = open_sqlite_store(path);
  store->append_audit(audit("read", "case-1", "x"));
  Db db(path);
  EXPECT_THROW(db.exec("UPDATE audit SET actor = 'someone else'"), StoreError);
  EXPECT_THROW(db.exec("DELETE FROM audit"), StoreError);
  auto entries = store->audit_after(0, 10);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].actor, "officer:test");
  EXPECT_EQ(entries[0].payload_sha256, sha256_hex("x"));
}

// Stored rule packs, provider statements and trust imports are history.
TEST_F(StoreTest, PublishedRecordsAreFinalInTheDatabase) {
  auto store = open_sqlite_store(path);
  store->put_rule_pack({"sha256:aa", "eu", "1", "[]", kT0}, audit("store_pack", "aa", "x"));
  store->put_provider_statement({"nl-mailco", 1, std::string(64, 'a'), "{}", "signer", kT0, 0},
                                audit("publish_statement", "nl-mailco", "x"), {"", -1, "leaf", "", "{}"});
  store->add_trust_import({"bundle", "cross_signed", kT0}, audit("import_trust", "b", "x"));
  Db db(path);
  EXPECT_THROW(db.exec("UPDATE rule_packs SET name = 'other'"), StoreError);
  EXPECT_THROW(db.exec("DELETE FROM rule_packs"), StoreError);
  EXPECT_THROW(db.exec("UPDATE provider_statements SET signer = 'other'"), StoreError);
  EXPECT_THROW(db.exec("DELETE FROM provider_statements"), StoreError);
  EXPECT_THROW(db.exec("UPDATE trust_imports SET bundle = 'other'"), StoreError);
  EXPECT_THROW(db.exec("DELETE FROM trust_imports"), StoreError);
  EXPECT_EQ(store->rule_packs().at(0).name, "eu");
  EXPECT_EQ(store->provider_statement("nl-mailco")->signer, "signer");
  EXPECT_EQ(store->trust_imports().at(0).bundle, "bundle");
}

TEST_F(StoreTest, TokensAreStoredOnlyAsDigests) {
  auto store = open_sqlite_store(path);
  store->put_party({"de-sta", "issuing_authority", "DE", "Staatsanwaltschaft Berlin"},
                   test::seed_audit("create_party", "p"));
  store->put_user({"u1", "de-sta", "Officer One", PartyRole::Officer}, test::seed_audit("create_user", "u"));
  store->put_token("t1", "u1", sha256_hex("cmt_secret-token"), kT0, test::seed_audit("issue_token", "t"));
  Db db(path);
  auto raw = db.prepare("SELECT count(*) FROM api_tokens WHERE token_sha256 LIKE '%secret%'");
  raw.step();
  EXPECT_EQ(raw.integer(0), 0);
  auto all = db.prepare("SELECT count(*) FROM api_tokens");
  all.step();
  EXPECT_EQ(all.integer(0), 1);
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

// A path, or `sqlite:PATH`, names a SQLite file; open_store opens the same
// database open_sqlite_store does.
TEST_F(StoreTest, OpenStoreNamesASqliteFileByItsPath) {
  EXPECT_EQ(backend_of(path), StoreBackend::Sqlite);
  EXPECT_EQ(backend_of("sqlite:" + path), StoreBackend::Sqlite);
  EXPECT_EQ(backend_of("relative/comity.db"), StoreBackend::Sqlite);
  EXPECT_EQ(backend_of("postgresql:///comity?host=/run/postgresql"), StoreBackend::Postgres);
  EXPECT_EQ(backend_of("postgres://db.example/comity"), StoreBackend::Postgres);
  EXPECT_EQ(sqlite_path_of("sqlite:" + path), path);
  EXPECT_EQ(sqlite_path_of(path), path);
  open_store("sqlite:" + path)->append_audit(audit("read", "x", "x"));
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_EQ(open_sqlite_store(path)->audit_after(0, 10).size(), 1u);
  EXPECT_EQ(open_store(path, StoreAccess::ReadOnly)->audit_after(0, 10).size(), 1u);
}

// The evidence vault (evidence_vault.hpp), where a production's ciphertext
// lives: appends only at the end, durable, and removal leaves nothing.
TEST_F(StoreTest, EvidenceVaultAppendsAtTheEndAndRemovesEverything) {
  DirectoryVault vault((dir.path() / "vault").string());
  EXPECT_EQ(vault.append("p-live", 0, 0, "01234"), 5u);
  EXPECT_THROW(vault.append("p-live", 0, 3, "xx"), VaultError);  // not the end
  EXPECT_EQ(vault.append("p-live", 0, 5, "56789"), 10u);
  EXPECT_EQ(vault.size("p-live", 0), 10u);
  EXPECT_EQ(vault.sha256("p-live", 0), sha256_hex("0123456789"));
  EXPECT_THROW(vault.append("../escape", 0, 0, "x"), VaultError);
  vault.remove("p-live");
  vault.remove("p-live");  // idempotent
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "vault" / "p-live"));
  EXPECT_EQ(vault.size("p-live", 0), 0u);
}

}  // namespace
}  // namespace comity
