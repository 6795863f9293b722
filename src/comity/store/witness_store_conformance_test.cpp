// The witness repository's contract (witness_repository.hpp) on both
// backends, as fed_store_conformance_test.cpp runs the federation's: the
// state per origin moves only from the size it was read at; fork evidence
// and cosignatures are kept once each and, in the database itself, never
// changed or removed; and all three move to PostgreSQL with `db copy`.
#include <gtest/gtest.h>

#include "comity/store/copy.hpp"
#include "comity/store/open_store.hpp"
#include "comity/store/pg.hpp"
#include "comity/store/sqlite.hpp"
#include "pg_cluster.hpp"
#include "test_support.hpp"

namespace comity {
namespace {

const Instant kT0 = *parse_instant("2026-09-15T09:00:00Z");
const std::string kRootA(64, 'a'), kRootB(64, 'b');

struct SqliteBackend {
  static constexpr const char* kName = "Sqlite";
  test::TempDir dir;
  int n = 0;
  std::string where() { return (dir.path() / ("witness-" + std::to_string(++n) + ".db")).string(); }
  static void raw_exec(const std::string& where, const std::string& sql) { Db(where).exec(sql); }
};

struct PostgresBackend {
  static constexpr const char* kName = "Postgres";
  std::string where() { return test::PgCluster::shared().new_database(); }
  static void raw_exec(const std::string& where, const std::string& sql) { PgDb(where).exec(sql); }
};

struct BackendNames {
  template <class B>
  static std::string GetName(int) {
    return B::kName;
  }
};

template <class B>
struct WitnessStoreConformance : ::testing::Test {
  B backend;
  std::string where = backend.where();
  std::unique_ptr<Store> open() { return open_store(where); }
  void raw_exec(const std::string& sql) { B::raw_exec(where, sql); }
};

using Backends = ::testing::Types<SqliteBackend, PostgresBackend>;
TYPED_TEST_SUITE(WitnessStoreConformance, Backends, BackendNames);

WitnessState state(int64_t size, const std::string& root, const std::string& note) {
  return {"de.example/log", size, root, note, kT0 + size};
}

TYPED_TEST(WitnessStoreConformance, TheStateMovesOnlyFromTheSizeItWasReadAt) {
  auto store = this->open();
  auto other = this->open();  // another process on the same database
  WitnessRepository& w = store->witness();
  EXPECT_FALSE(w.witness_state("de.example/log"));
  EXPECT_FALSE(w.advance_witness_state(state(5, kRootA, "n5"), 3));  // no row is size 0
  EXPECT_TRUE(w.advance_witness_state(state(5, kRootA, "n5"), 0));
  EXPECT_FALSE(other->witness().advance_witness_state(state(4, kRootB, "n4"), 0));  // the first insert won
  EXPECT_TRUE(other->witness().advance_witness_state(state(9, kRootB, "n9"), 5));
  EXPECT_FALSE(w.advance_witness_state(state(7, kRootA, "n7"), 5));  // 5 is gone: nothing rolls back
  auto s = w.witness_state("de.example/log");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->size, 9);
  EXPECT_EQ(s->root, kRootB);
  EXPECT_EQ(s->note, "n9");
  EXPECT_EQ(s->updated_at, kT0 + 9);
  EXPECT_FALSE(w.witness_state("other.example/log"));
}

TYPED_TEST(WitnessStoreConformance, ForkEvidenceAndCosignaturesAreKeptOnceAndNeverChanged) {
  auto store = this->open();
  WitnessRepository& w = store->witness();
  ForkEvidence e{0, "de.example/log", "note a", "note b", "same_size_different_root", "", kT0};
  EXPECT_TRUE(w.add_fork_evidence(e));
  EXPECT_FALSE(w.add_fork_evidence(e));  // the same pair, found again
  ForkEvidence f = e;
  f.detected_by = "consistency_proof_failed";
  f.proof = "AAAA\n";
  EXPECT_TRUE(w.add_fork_evidence(f));
  ForkEvidence g{0, "nl.example/log", "x", "y", "same_size_different_root", "", kT0 + 1};
  EXPECT_TRUE(w.add_fork_evidence(g));
  auto de = w.fork_evidence("de.example/log");
  ASSERT_EQ(de.size(), 2u);
  EXPECT_EQ(de[0].note_a, "note a");
  EXPECT_EQ(de[0].note_b, "note b");
  EXPECT_EQ(de[1].proof, "AAAA\n");
  EXPECT_LT(de[0].id, de[1].id);
  EXPECT_EQ(w.fork_evidence("").size(), 3u);
  // A detection kind the schema does not know is refused by the database.
  ForkEvidence bad = g;
  bad.detected_by = "hunch";
  EXPECT_THROW(w.add_fork_evidence(bad), StoreError);

  StoredCosignature c{"de.example/log", 7, kRootA, "nl.example/witness", "\xe2\x80\x94 nl.example/witness AAAA\n", kT0};
  EXPECT_EQ(w.last_cosigned_size("nl.example/witness"), 0);
  EXPECT_TRUE(w.add_cosignature(c));
  StoredCosignature again = c;
  again.line = "another line";
  EXPECT_FALSE(w.add_cosignature(again));
  EXPECT_TRUE(w.add_cosignature({"de.example/log", 7, kRootA, "us.example/witness", "us line\n", kT0}));
  EXPECT_TRUE(w.add_cosignature({"de.example/log", 3, kRootB, "nl.example/witness", "old line\n", kT0}));
  auto on7 = w.cosignatures(7, kRootA);
  ASSERT_EQ(on7.size(), 2u);
  EXPECT_EQ(on7[0].witness, "nl.example/witness");
  EXPECT_EQ(on7[0].line, c.line);
  EXPECT_TRUE(w.cosignatures(7, kRootB).empty());  // that size, another root: not this checkpoint
  EXPECT_EQ(w.last_cosigned_size("nl.example/witness"), 7);

  for (const char* sql : {"UPDATE fed_fork_evidence SET note_b = 'rewritten'", "DELETE FROM fed_fork_evidence",
                          "UPDATE fed_cosignatures SET line = 'forged'", "DELETE FROM fed_cosignatures"})
    EXPECT_THROW(this->raw_exec(sql), StoreError) << sql;
  if (std::string(TypeParam::kName) == "Postgres") {
    EXPECT_THROW(this->raw_exec("TRUNCATE fed_fork_evidence"), StoreError);
    EXPECT_THROW(this->raw_exec("TRUNCATE fed_cosignatures"), StoreError);
  }
  EXPECT_EQ(w.fork_evidence("").size(), 3u);
  EXPECT_EQ(w.cosignatures(7, kRootA).size(), 2u);
}

TYPED_TEST(WitnessStoreConformance, ATransactionNotCommittedLeavesNothing) {
  auto store = this->open();
  {
    Transaction tx(*store);
    store->witness().advance_witness_state(state(5, kRootA, "n5"), 0);
    store->witness().add_fork_evidence({0, "de.example/log", "a", "b", "same_size_different_root", "", kT0});
    store->witness().add_cosignature({"de.example/log", 7, kRootA, "w", "line\n", kT0});
  }
  EXPECT_FALSE(store->witness().witness_state("de.example/log"));
  EXPECT_TRUE(store->witness().fork_evidence("").empty());
  EXPECT_TRUE(store->witness().cosignatures(7, kRootA).empty());
}

TEST(WitnessStoreCopy, TheWitnessTablesMoveFromSqliteToPostgres) {
  test::TempDir dir;
  const std::string sqlite = (dir.path() / "node.db").string();
  {
    auto s = open_store(sqlite);
    s->witness().advance_witness_state(state(5, kRootA, "n5"), 0);
    s->witness().add_fork_evidence({0, "de.example/log", "a", "b", "same_size_different_root", "", kT0});
    s->witness().add_cosignature({"de.example/log", 7, kRootA, "w", "line\n", kT0});
  }
  const std::string pg = test::PgCluster::shared().new_database();
  auto report = copy_sqlite_to_pg(sqlite, pg);
  auto rows = [&](const std::string& table) {
    for (const auto& [t, n] : report.rows)
      if (t == table) return n;
    return int64_t{-1};
  };
  EXPECT_EQ(rows("witness_state"), 1);
  EXPECT_EQ(rows("fed_fork_evidence"), 1);
  EXPECT_EQ(rows("fed_cosignatures"), 1);
  auto s = open_store(pg);
  EXPECT_EQ(s->witness().witness_state("de.example/log")->note, "n5");
  EXPECT_EQ(s->witness().fork_evidence("de.example/log").at(0).note_b, "b");
  EXPECT_EQ(s->witness().cosignatures(7, kRootA).at(0).line, "line\n");
  // The copied evidence is numbered on: the next row gets a fresh id.
  EXPECT_TRUE(s->witness().add_fork_evidence({0, "de.example/log", "c", "d", "same_size_different_root", "", kT0}));
  EXPECT_THROW(PgDb(pg).exec("DELETE FROM fed_cosignatures"), StoreError);
}

}  // namespace
}  // namespace comity
