// The federation repository's contract (fed_repository.hpp), as every
// backend must keep it: the same typed suite as store_conformance_test.cpp,
// run against SQLite (a file in a temporary directory) and PostgreSQL (a new
// database in the tests' scratch cluster, tests/pg_cluster.hpp), through
// open_store — and, for the append-only peer lists, through raw SQL that
// bypasses the store. Last, a SQLite node's federation tables move to
// PostgreSQL with `db copy` (copy.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <type_traits>

#include "comity/store/copy.hpp"
#include "comity/store/open_store.hpp"
#include "comity/store/pg.hpp"
#include "comity/store/sqlite.hpp"
#include "comity/util/sha256.hpp"
#include "pg_cluster.hpp"
#include "test_support.hpp"

namespace comity {
namespace {

const Instant kT0 = *parse_instant("2026-09-15T09:00:00Z");
constexpr Instant kDay = 86400;
const int64_t kT0Ms = kT0 * 1000;

AuditEntry audit(const std::string& action, const std::string& object) {
  return {0, kT0, "node:test", action, object, sha256_hex(object)};
}

size_t audit_count(Store& s) {
  return s.audit_after(0, 1'000'000).size();
}

template <class F>
::testing::AssertionResult throws_store_error(StoreError::Code want, F&& f) {
  try {
    f();
  } catch (const StoreError& e) {
    if (e.code == want) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "StoreError " << static_cast<int>(e.code) << " instead of "
                                         << static_cast<int>(want) << ": " << e.what();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "not a StoreError: " << e.what();
  }
  return ::testing::AssertionFailure() << "no error (want StoreError " << static_cast<int>(want) << ")";
}

// A message to `peer` about `case_ref`, due at kT0.
OutboxMessage outbox(const std::string& id, const std::string& peer, const std::string& case_ref, int64_t seq) {
  OutboxMessage m;
  m.id = id;
  m.peer = peer;
  m.case_ref = case_ref;
  m.seq = seq;
  m.kind = "order.transmit";
  m.envelope = R"({"type":"comity.fed.message/v1","id":")" + id + R"("})";
  m.created_at = kT0 - 10;
  m.expires_at = kT0 + 7 * kDay;
  m.next_attempt_at = kT0;
  return m;
}

InboxMessage inbox(const std::string& id, const std::string& peer, const std::string& case_ref, int64_t seq,
                   InboxState state) {
  InboxMessage m;
  m.id = id;
  m.peer = peer;
  m.case_ref = case_ref;
  m.seq = seq;
  m.kind = "ack";
  m.digest = sha256_hex(id);
  m.envelope = R"({"id":")" + id + R"("})";
  m.state = state;
  m.receipt = R"({"type":"comity.fed.receipt/v1","message":")" + id + R"("})";
  m.received_at = kT0;
  m.expires_at = kT0 + 7 * kDay;
  return m;
}

std::vector<std::string> ids_of(const std::vector<OutboxMessage>& ms) {
  std::vector<std::string> out;
  for (const auto& m : ms) out.push_back(m.id);
  std::sort(out.begin(), out.end());
  return out;
}

using Ids = std::vector<std::string>;

// The stores under test, each with a way around the store for the checks
// the database itself must make.
struct SqliteBackend {
  static constexpr const char* kName = "Sqlite";
  test::TempDir dir;
  int n = 0;
  std::string where() { return (dir.path() / ("fed-" + std::to_string(++n) + ".db")).string(); }
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
struct FedStoreConformance : ::testing::Test {
  B backend;
  std::string where = backend.where();
  std::unique_ptr<Store> open() { return open_store(where); }
  void raw_exec(const std::string& sql) { B::raw_exec(where, sql); }
};

using Backends = ::testing::Types<SqliteBackend, PostgresBackend>;
TYPED_TEST_SUITE(FedStoreConformance, Backends, BackendNames);

// ---- Peer lists ----

// Versions only rise: an equal or lower one is a Conflict and writes
// nothing (no audit entry either); every version is kept.
TYPED_TEST(FedStoreConformance, PeerListVersionsOnlyRiseAndEveryOneIsKept) {
  auto store = this->open();
  FedRepository& fed = store->fed();
  EXPECT_FALSE(fed.peer_list());
  EXPECT_TRUE(fed.peer_lists().empty());
  fed.add_peer_list({1, R"({"type":"comity.peers/v1","version":1})", kT0}, audit("peer_list", "1"));
  fed.add_peer_list({3, R"({"type":"comity.peers/v1","version":3})", kT0 + 60}, audit("peer_list", "3"));
  EXPECT_TRUE(throws_store_error(StoreError::Code::Conflict, [&] {
    fed.add_peer_list({3, R"({"other":"content"})", kT0 + 120}, audit("peer_list", "3 again"));
  }));
  EXPECT_TRUE(throws_store_error(StoreError::Code::Conflict, [&] {
    fed.add_peer_list({2, "{}", kT0 + 120}, audit("peer_list", "2"));
  }));
  EXPECT_EQ(audit_count(*store), 2u);
  auto latest = fed.peer_list();
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->version, 3);
  EXPECT_EQ(latest->doc, R"({"type":"comity.peers/v1","version":3})");
  EXPECT_EQ(latest->stored_at, kT0 + 60);
  EXPECT_EQ(fed.peer_list(1)->doc, R"({"type":"comity.peers/v1","version":1})");
  EXPECT_FALSE(fed.peer_list(2));
  auto all = this->open()->peer_lists();  // also from another connection
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].version, 1);
  EXPECT_EQ(all[1].version, 3);
}

// A stored version can be neither changed nor removed, even by SQL that
// bypasses the store.
TYPED_TEST(FedStoreConformance, PeerListsAreAppendOnlyInTheDatabase) {
  auto store = this->open();
  store->add_peer_list({1, "v1", kT0}, audit("peer_list", "1"));
  EXPECT_THROW(this->raw_exec("UPDATE fed_peer_lists SET doc = 'rewritten'"), StoreError);
  EXPECT_THROW(this->raw_exec("DELETE FROM fed_peer_lists"), StoreError);
  EXPECT_THROW(this->raw_exec("UPDATE fed_peer_lists SET version = 9"), StoreError);
  if constexpr (std::is_same_v<TypeParam, PostgresBackend>) {
    EXPECT_THROW(this->raw_exec("TRUNCATE fed_peer_lists"), StoreError);
  }
  EXPECT_EQ(store->peer_lists().size(), 1u);
  EXPECT_EQ(store->peer_list()->doc, "v1");
}

// ---- The outbox ----

// Seqs count per (peer, case_ref) from 1; an id or a seq already there is a
// Conflict and writes nothing; a message reads back as stored, pending and
// without a lease whatever it was given with.
TYPED_TEST(FedStoreConformance, OutboxSeqsCountPerPeerAndCaseAndRefuseDuplicates) {
  auto store = this->open();
  EXPECT_EQ(store->next_outbox_seq("nl-node", "fc-1"), 1);
  OutboxMessage first = outbox("msg-1", "nl-node", "fc-1", 1);
  first.state = OutboxState::Delivered;  // ignored: a new message is pending
  first.lease_holder = "someone";
  first.lease_until_ms = kT0Ms;
  store->add_outbox(first, audit("fed_send", "msg-1"));
  EXPECT_EQ(store->next_outbox_seq("nl-node", "fc-1"), 2);
  EXPECT_EQ(store->next_outbox_seq("nl-node", "fc-2"), 1);
  EXPECT_EQ(store->next_outbox_seq("fr-node", "fc-1"), 1);
  EXPECT_EQ(store->next_outbox_seq("nl-node", ""), 1);
  store->add_outbox(outbox("msg-2", "nl-node", "fc-1", 2), audit("fed_send", "msg-2"));
  store->add_outbox(outbox("msg-3", "fr-node", "fc-1", 1), audit("fed_send", "msg-3"));
  store->add_outbox(outbox("msg-hello", "nl-node", "", 1), audit("fed_send", "msg-hello"));
  EXPECT_EQ(store->next_outbox_seq("nl-node", "fc-1"), 3);
  EXPECT_TRUE(throws_store_error(StoreError::Code::Conflict, [&] {
    store->add_outbox(outbox("msg-1", "nl-node", "fc-9", 1), audit("fed_send", "msg-1 again"));
  }));
  EXPECT_TRUE(throws_store_error(StoreError::Code::Conflict, [&] {
    store->add_outbox(outbox("msg-4", "nl-node", "fc-1", 2), audit("fed_send", "msg-4"));
  }));
  EXPECT_FALSE(store->outbox_message("msg-4"));
  EXPECT_EQ(audit_count(*store), 4u);

  auto m = store->outbox_message("msg-1");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->peer, "nl-node");
  EXPECT_EQ(m->case_ref, "fc-1");
  EXPECT_EQ(m->seq, 1);
  EXPECT_EQ(m->kind, "order.transmit");
  EXPECT_EQ(m->envelope, first.envelope);
  EXPECT_EQ(m->state, OutboxState::Pending);
  EXPECT_EQ(m->attempts, 0);
  EXPECT_EQ(m->created_at, kT0 - 10);
  EXPECT_EQ(m->expires_at, kT0 + 7 * kDay);
  EXPECT_EQ(m->next_attempt_at, kT0);
  EXPECT_EQ(m->lease_holder, "");
  EXPECT_EQ(m->lease_until_ms, 0);
  EXPECT_EQ(m->last_error, "");
  EXPECT_EQ(m->receipt, "");
  EXPECT_FALSE(store->outbox_message("msg-none"));

  // By peer, then seq; "" lists the messages outside any case.
  auto fc1 = store->outbox_for_case("fc-1");
  ASSERT_EQ(fc1.size(), 3u);
  EXPECT_EQ(fc1[0].id, "msg-3");  // fr-node
  EXPECT_EQ(fc1[1].id, "msg-1");
  EXPECT_EQ(fc1[2].id, "msg-2");
  ASSERT_EQ(store->outbox_for_case("").size(), 1u);
  EXPECT_EQ(store->outbox_for_case("")[0].id, "msg-hello");
  EXPECT_TRUE(store->outbox_for_case("fc-none").empty());
  EXPECT_EQ(store->count_outbox(OutboxState::Pending), 4);
  EXPECT_EQ(store->count_outbox(OutboxState::Sending), 0);
}

// Of each (peer, case_ref) only the lowest seq not yet accepted,
// delivered, refused or dead goes out; different cases go in parallel; an
// accepted message (held at the receiver) no longer holds its case back.
TYPED_TEST(FedStoreConformance, LeasesGoOutInSeqOrderPerCase) {
  auto store = this->open();
  store->add_outbox(outbox("a1", "nl-node", "fc-a", 1), audit("fed_send", "a1"));
  store->add_outbox(outbox("a2", "nl-node", "fc-a", 2), audit("fed_send", "a2"));
  store->add_outbox(outbox("a3", "nl-node", "fc-a", 3), audit("fed_send", "a3"));
  store->add_outbox(outbox("b1", "nl-node", "fc-b", 1), audit("fed_send", "b1"));
  store->add_outbox(outbox("c1", "fr-node", "fc-a", 1), audit("fed_send", "c1"));  // same case_ref, other peer
  const int64_t until = kT0Ms + 3'600'000;  // longer than the test: no lease expires in it
  auto leased = store->lease_outbox("sender-1", kT0, kT0Ms, until, 10, {});
  EXPECT_EQ(ids_of(leased), (Ids{"a1", "b1", "c1"}));
  for (const auto& m : leased) {
    EXPECT_EQ(m.state, OutboxState::Sending);
    EXPECT_EQ(m.attempts, 1);
    EXPECT_EQ(m.lease_holder, "sender-1");
    EXPECT_EQ(m.lease_until_ms, until);
  }
  EXPECT_EQ(store->outbox_message("a1")->state, OutboxState::Sending);
  EXPECT_EQ(store->count_outbox(OutboxState::Sending), 3);
  // a1 sending (its lease live): a2 waits.
  EXPECT_TRUE(store->lease_outbox("sender-2", kT0 + 1, kT0Ms + 1000, until, 10, {}).empty());

  // a1 fails and waits a minute: still pending, so a2 still waits; not due
  // before then.
  EXPECT_TRUE(store->finish_outbox("a1", "sender-1", OutboxState::Pending, "", "connection refused", kT0 + 60));
  auto a1 = store->outbox_message("a1");
  EXPECT_EQ(a1->state, OutboxState::Pending);
  EXPECT_EQ(a1->next_attempt_at, kT0 + 60);
  EXPECT_EQ(a1->last_error, "connection refused");
  EXPECT_EQ(a1->lease_holder, "");
  EXPECT_EQ(a1->lease_until_ms, 0);
  EXPECT_TRUE(store->lease_outbox("sender-1", kT0 + 59, kT0Ms + 59'000, until + 59'000, 10, {}).empty());
  leased = store->lease_outbox("sender-1", kT0 + 60, kT0Ms + 60'000, until + 60'000, 10, {});
  ASSERT_EQ(ids_of(leased), (Ids{"a1"}));
  EXPECT_EQ(leased[0].attempts, 2);

  // a1 accepted (held at the receiver): a2 may go, a3 still waits for it.
  EXPECT_TRUE(store->finish_outbox("a1", "sender-1", OutboxState::Accepted, R"({"status":"accepted"})", "", 0));
  EXPECT_EQ(store->outbox_message("a1")->next_attempt_at, kT0 + 60);  // kept: only a retry waits
  leased = store->lease_outbox("sender-1", kT0 + 61, kT0Ms + 61'000, until + 61'000, 10, {});
  EXPECT_EQ(ids_of(leased), (Ids{"a2"}));
  EXPECT_TRUE(store->finish_outbox("a2", "sender-1", OutboxState::Refused, R"({"status":"refused"})", "", 0));
  EXPECT_EQ(ids_of(store->lease_outbox("sender-1", kT0 + 62, kT0Ms + 62'000, until + 62'000, 10, {})), (Ids{"a3"}));
  EXPECT_TRUE(store->finish_outbox("a3", "sender-1", OutboxState::Dead, "", "expired", 0));
  EXPECT_TRUE(store->finish_outbox("b1", "sender-1", OutboxState::Delivered, R"({"status":"delivered"})", "", 0));
  EXPECT_TRUE(store->lease_outbox("sender-1", kT0 + 63, kT0Ms + 63'000, until + 63'000, 10, {}).empty());
  EXPECT_EQ(store->outbox_message("a2")->receipt, R"({"status":"refused"})");
  EXPECT_EQ(store->outbox_message("a3")->last_error, "expired");
  // A message no longer sending cannot be finished again.
  EXPECT_FALSE(store->finish_outbox("a2", "sender-1", OutboxState::Pending, "", "late", kT0 + 100));
  EXPECT_FALSE(store->finish_outbox("none", "sender-1", OutboxState::Delivered, "", "", 0));
  EXPECT_EQ(store->count_outbox(OutboxState::Pending), 0);
  EXPECT_EQ(store->count_outbox(OutboxState::Sending), 1);  // c1
  EXPECT_EQ(store->count_outbox(OutboxState::Accepted), 1);
  EXPECT_EQ(store->count_outbox(OutboxState::Delivered), 1);
  EXPECT_EQ(store->count_outbox(OutboxState::Refused), 1);
  EXPECT_EQ(store->count_outbox(OutboxState::Dead), 1);
}

// `limit` bounds a lease (the earliest due first); held peers are skipped.
TYPED_TEST(FedStoreConformance, LeasesSkipHeldPeersAndTakeAtMostTheLimit) {
  auto store = this->open();
  for (int i = 1; i <= 4; ++i) {
    OutboxMessage m = outbox("nl-" + std::to_string(i), "nl-node", "fc-" + std::to_string(i), 1);
    m.next_attempt_at = kT0 - 10 * i;  // nl-4 due first
    store->add_outbox(m, audit("fed_send", m.id));
  }
  store->add_outbox(outbox("fr-1", "fr-node", "fc-1", 1), audit("fed_send", "fr-1"));
  store->add_outbox(outbox("be-1", "be-node", "fc-1", 1), audit("fed_send", "be-1"));
  const int64_t until = kT0Ms + 30'000;
  EXPECT_TRUE(store->lease_outbox("s", kT0, kT0Ms, until, 0, {}).empty());
  EXPECT_EQ(ids_of(store->lease_outbox("s", kT0, kT0Ms, until, 10, {"nl-node", "fr-node"})), (Ids{"be-1"}));
  EXPECT_EQ(ids_of(store->lease_outbox("s", kT0, kT0Ms, until, 2, {"fr-node"})), (Ids{"nl-3", "nl-4"}));
  EXPECT_EQ(ids_of(store->lease_outbox("s", kT0, kT0Ms, until, 10, {"fr-node"})), (Ids{"nl-1", "nl-2"}));
  EXPECT_TRUE(store->lease_outbox("s", kT0, kT0Ms, until, 10, {"fr-node"}).empty());
  EXPECT_EQ(ids_of(store->lease_outbox("s", kT0, kT0Ms, until, 10, {})), (Ids{"fr-1"}));
}

// A sender that dies leaves its lease to expire: after lease_until_ms
// another sender (here on another connection) takes the message, and the
// first one can no longer finish it.
TYPED_TEST(FedStoreConformance, AnExpiredLeaseIsTakenOverAndItsOldHolderCannotFinish) {
  auto a = this->open();
  auto b = this->open();
  a->add_outbox(outbox("m1", "nl-node", "fc-1", 1), audit("fed_send", "m1"));
  a->add_outbox(outbox("m2", "nl-node", "fc-1", 2), audit("fed_send", "m2"));
  const int64_t until = kT0Ms + 30'000;
  EXPECT_EQ(ids_of(a->lease_outbox("sender-a", kT0, kT0Ms, until, 10, {})), (Ids{"m1"}));
  EXPECT_TRUE(b->lease_outbox("sender-b", kT0 + 10, kT0Ms + 10'000, until + 10'000, 10, {}).empty());
  // Expired only once lease_until_ms is before now_ms.
  EXPECT_TRUE(b->lease_outbox("sender-b", kT0 + 30, until, until + 30'000, 10, {}).empty());
  auto taken = b->lease_outbox("sender-b", kT0 + 31, until + 1, until + 31'000, 10, {});
  ASSERT_EQ(ids_of(taken), (Ids{"m1"}));  // m2 still waits behind it
  EXPECT_EQ(taken[0].attempts, 2);
  EXPECT_EQ(taken[0].lease_holder, "sender-b");
  EXPECT_EQ(taken[0].lease_until_ms, until + 31'000);
  EXPECT_FALSE(a->finish_outbox("m1", "sender-a", OutboxState::Delivered, "stale", "", 0));
  EXPECT_EQ(b->outbox_message("m1")->state, OutboxState::Sending);
  EXPECT_TRUE(b->finish_outbox("m1", "sender-b", OutboxState::Delivered, "receipt-b", "", 0));
  EXPECT_EQ(a->outbox_message("m1")->receipt, "receipt-b");
  EXPECT_EQ(ids_of(a->lease_outbox("sender-a", kT0 + 32, until + 2'000, until + 32'000, 10, {})), (Ids{"m2"}));
}

// A deferred receipt delivers a message to its own peer that has not ended,
// and the first answer's outcome, arriving after it, changes nothing.
TYPED_TEST(FedStoreConformance, ADeferredReceiptDeliversAMessageNotYetEnded) {
  auto store = this->open();
  store->add_outbox(outbox("m1", "nl-node", "fc-1", 1), audit("fed_send", "m1"));
  store->add_outbox(outbox("m2", "nl-node", "fc-2", 1), audit("fed_send", "m2"));
  store->add_outbox(outbox("m3", "nl-node", "fc-3", 1), audit("fed_send", "m3"));
  EXPECT_FALSE(store->settle_outbox("m1", "us-node", OutboxState::Delivered, "forged"));  // another peer's receipt
  EXPECT_FALSE(store->settle_outbox("none", "nl-node", OutboxState::Delivered, "x"));
  EXPECT_TRUE(store->settle_outbox("m3", "nl-node", OutboxState::Delivered,
                                   "receipt-m3"));  // pending: the first answer was lost
  EXPECT_EQ(store->outbox_message("m3")->state, OutboxState::Delivered);
  store->lease_outbox("s", kT0, kT0Ms, kT0Ms + 30'000, 10, {});
  EXPECT_TRUE(
      store->settle_outbox("m2", "nl-node", OutboxState::Delivered, "receipt-m2"));  // overtakes the sender's outcome
  EXPECT_FALSE(store->finish_outbox("m2", "s", OutboxState::Accepted, "receipt-accepted", "", 0));
  EXPECT_EQ(store->outbox_message("m2")->state, OutboxState::Delivered);
  EXPECT_EQ(store->outbox_message("m2")->receipt, "receipt-m2");
  ASSERT_TRUE(store->finish_outbox("m1", "s", OutboxState::Accepted, "receipt-accepted", "", 0));
  EXPECT_TRUE(store->settle_outbox("m1", "nl-node", OutboxState::Delivered, "receipt-delivered"));
  auto m = store->outbox_message("m1");
  EXPECT_EQ(m->state, OutboxState::Delivered);
  EXPECT_EQ(m->receipt, "receipt-delivered");
  EXPECT_FALSE(store->settle_outbox("m1", "nl-node", OutboxState::Delivered, "again"));
  EXPECT_EQ(store->outbox_message("m1")->receipt, "receipt-delivered");
  EXPECT_EQ(store->count_outbox(OutboxState::Delivered), 3);
  EXPECT_EQ(store->count_outbox(OutboxState::Accepted), 0);
  // A deferred refusal settles a message as refused.
  store->add_outbox(outbox("m4", "nl-node", "fc-4", 1), audit("fed_send", "m4"));
  EXPECT_TRUE(store->settle_outbox("m4", "nl-node", OutboxState::Refused, "receipt-refused"));
  EXPECT_EQ(store->outbox_message("m4")->state, OutboxState::Refused);
  EXPECT_EQ(store->outbox_message("m4")->receipt, "receipt-refused");
}

// ---- The inbox ----

// A party reads its delivered messages, newest first, a page at a time: the
// held and refused ones, and evidence chunks, are filtered before the
// limit, not after it.
TYPED_TEST(FedStoreConformance, APartyReadsItsDeliveredMessagesAPageAtATime) {
  auto store = this->open();
  for (int i = 1; i <= 5; ++i) {
    InboxMessage m =
        inbox("i" + std::to_string(i), "de-node", "fc-1", i, i % 2 ? InboxState::Held : InboxState::Applied);
    m.to_party = "nl-mailco";
    m.received_at = kT0 + i;
    store->add_inbox(m, audit("fed_receive", m.id));
  }
  // Evidence chunks newer than every act: left out before the limit.
  for (int i = 1; i <= 3; ++i) {
    InboxMessage c = inbox("c" + std::to_string(i), "de-node", "fc-1", 5 + i, InboxState::Applied);
    c.to_party = "nl-mailco";
    c.kind = "production.chunk";
    c.received_at = kT0 + 10 + i;
    store->add_inbox(c, audit("fed_receive", c.id));
  }
  InboxMessage other = inbox("o1", "de-node", "fc-2", 1, InboxState::Applied);
  other.to_party = "nl-other";
  store->add_inbox(other, audit("fed_receive", "o1"));
  auto ids = [](const std::vector<InboxMessage>& v) {
    Ids out;
    for (const auto& m : v) out.push_back(m.id);
    return out;
  };
  EXPECT_EQ(ids(store->inbox_for_party("nl-mailco", InboxState::Applied, kT0 + 100, 1)), (Ids{"i4"}));
  EXPECT_EQ(ids(store->inbox_for_party("nl-mailco", InboxState::Applied, kT0 + 4, 10)), (Ids{"i2"}));
  EXPECT_EQ(ids(store->inbox_for_party("nl-mailco", InboxState::Held, kT0 + 100, 10)), (Ids{"i5", "i3", "i1"}));
  EXPECT_TRUE(store->inbox_for_party("nl-mailco", InboxState::Refused, kT0 + 100, 10).empty());
}

TYPED_TEST(FedStoreConformance, InboxKeepsMessagesAndTheirReceiptsInSeqOrder) {
  auto store = this->open();
  EXPECT_EQ(store->last_inbox_seq("de-node", "fc-1"), 0);
  store->add_inbox(inbox("m1", "de-node", "fc-1", 1, InboxState::Applied), audit("fed_receive", "m1"));
  store->add_inbox(inbox("m4", "de-node", "fc-1", 4, InboxState::Held), audit("fed_receive", "m4"));
  store->add_inbox(inbox("m3", "de-node", "fc-1", 3, InboxState::Held), audit("fed_receive", "m3"));
  store->add_inbox(inbox("x1", "fr-node", "fc-1", 1, InboxState::Held), audit("fed_receive", "x1"));
  store->add_inbox(inbox("y2", "de-node", "fc-2", 2, InboxState::Held), audit("fed_receive", "y2"));
  EXPECT_TRUE(throws_store_error(StoreError::Code::Conflict, [&] {
    store->add_inbox(inbox("m1", "de-node", "fc-1", 2, InboxState::Held), audit("fed_receive", "m1 again"));
  }));
  EXPECT_EQ(audit_count(*store), 5u);
  auto m1 = store->inbox_message("m1");
  ASSERT_TRUE(m1);
  EXPECT_EQ(m1->peer, "de-node");
  EXPECT_EQ(m1->case_ref, "fc-1");
  EXPECT_EQ(m1->seq, 1);
  EXPECT_EQ(m1->kind, "ack");
  EXPECT_EQ(m1->digest, sha256_hex("m1"));
  EXPECT_EQ(m1->envelope, R"({"id":"m1"})");
  EXPECT_EQ(m1->state, InboxState::Applied);
  EXPECT_EQ(m1->receipt, R"({"type":"comity.fed.receipt/v1","message":"m1"})");
  EXPECT_EQ(m1->received_at, kT0);
  EXPECT_EQ(m1->expires_at, kT0 + 7 * kDay);
  EXPECT_FALSE(store->inbox_message("none"));

  EXPECT_EQ(store->last_inbox_seq("de-node", "fc-1"), 1);  // held ones do not count
  EXPECT_EQ(store->last_inbox_seq("fr-node", "fc-1"), 0);
  auto held = store->held_inbox("de-node", "fc-1");
  ASSERT_EQ(held.size(), 2u);
  EXPECT_EQ(held[0].id, "m3");
  EXPECT_EQ(held[1].id, "m4");
  EXPECT_EQ(store->held_inbox("de-node", "fc-2").size(), 1u);
  EXPECT_TRUE(store->held_inbox("de-node", "fc-9").empty());

  store->update_inbox("m3", InboxState::Refused, "receipt-refused");
  EXPECT_EQ(store->inbox_message("m3")->state, InboxState::Refused);
  EXPECT_EQ(store->inbox_message("m3")->receipt, "receipt-refused");
  EXPECT_EQ(store->last_inbox_seq("de-node", "fc-1"), 3);
  store->update_inbox("m4", InboxState::Applied, "receipt-delivered");
  EXPECT_EQ(store->last_inbox_seq("de-node", "fc-1"), 4);
  EXPECT_TRUE(store->held_inbox("de-node", "fc-1").empty());
  // Only a held message changes; an unknown one is not found.
  EXPECT_TRUE(throws_store_error(StoreError::Code::Conflict,
                                 [&] { store->update_inbox("m4", InboxState::Refused, "rewritten"); }));
  EXPECT_EQ(store->inbox_message("m4")->receipt, "receipt-delivered");
  EXPECT_TRUE(
      throws_store_error(StoreError::Code::NotFound, [&] { store->update_inbox("none", InboxState::Applied, "x"); }));
}

// ---- Request nonces ----

// A (keyid, nonce) is accepted once while it lives — whichever connection
// sees it — and again once it has expired; keyids are independent.
TYPED_TEST(FedStoreConformance, RequestNoncesAreAcceptedOnceWhileTheyLiveAcrossConnections) {
  auto a = this->open();
  auto b = this->open();
  const Instant expires = kT0 + 300;
  EXPECT_TRUE(a->add_request_nonce("nl-node#k1", "n-1", expires, kT0));
  EXPECT_FALSE(a->add_request_nonce("nl-node#k1", "n-1", expires, kT0 + 1));
  EXPECT_FALSE(b->add_request_nonce("nl-node#k1", "n-1", expires + 100, kT0 + 2));  // another process
  EXPECT_TRUE(b->add_request_nonce("fr-node#k1", "n-1", expires, kT0 + 2));         // another key
  EXPECT_TRUE(b->add_request_nonce("nl-node#k1", "n-2", expires, kT0 + 2));
  EXPECT_FALSE(a->add_request_nonce("nl-node#k1", "n-1", expires, expires));  // live until expires_at
  // Expired: recorded again, until its new expiry.
  EXPECT_TRUE(b->add_request_nonce("nl-node#k1", "n-1", expires + 301, expires + 1));
  EXPECT_FALSE(a->add_request_nonce("nl-node#k1", "n-1", expires + 301, expires + 2));
  EXPECT_FALSE(a->add_request_nonce("nl-node#k1", "n-1", expires + 301, expires + 301));
  EXPECT_TRUE(a->add_request_nonce("nl-node#k1", "n-1", expires + 700, expires + 302));
  // n-2 and fr-node's expired long ago (and were purged): new again.
  EXPECT_TRUE(a->add_request_nonce("nl-node#k1", "n-2", expires + 700, expires + 302));
  EXPECT_TRUE(b->add_request_nonce("fr-node#k1", "n-1", expires + 700, expires + 302));
}

// ---- Atomicity ----

// Every federation write made in a Transaction that is not committed is
// undone, and leaves nothing another connection can see.
TYPED_TEST(FedStoreConformance, ATransactionNotCommittedLeavesNothing) {
  auto store = this->open();
  auto other = this->open();
  store->add_peer_list({1, "v1", kT0}, audit("peer_list", "1"));
  store->add_outbox(outbox("m1", "nl-node", "fc-1", 1), audit("fed_send", "m1"));
  store->add_outbox(outbox("m2", "nl-node", "fc-2", 1), audit("fed_send", "m2"));
  ASSERT_TRUE(store->lease_outbox("s", kT0, kT0Ms, kT0Ms + 30'000, 1, {}).size() == 1u);  // m1 (created first)
  store->add_inbox(inbox("i1", "de-node", "fc-1", 2, InboxState::Held), audit("fed_receive", "i1"));
  const size_t audits = audit_count(*store);
  {
    Transaction tx(*store);
    store->add_peer_list({2, "v2", kT0}, audit("peer_list", "2"));
    EXPECT_EQ(store->next_outbox_seq("nl-node", "fc-1"), 2);
    store->add_outbox(outbox("m3", "nl-node", "fc-1", 2), audit("fed_send", "m3"));
    EXPECT_EQ(ids_of(store->lease_outbox("s", kT0, kT0Ms, kT0Ms + 30'000, 10, {})), (Ids{"m2"}));
    EXPECT_TRUE(store->finish_outbox("m1", "s", OutboxState::Accepted, "r", "", 0));
    EXPECT_TRUE(store->settle_outbox("m1", "nl-node", OutboxState::Delivered, "r2"));
    store->add_inbox(inbox("i2", "de-node", "fc-1", 3, InboxState::Held), audit("fed_receive", "i2"));
    store->update_inbox("i1", InboxState::Applied, "r");
    EXPECT_TRUE(store->add_request_nonce("k", "n", kT0 + 300, kT0));
    EXPECT_EQ(store->peer_list()->version, 2);  // visible inside it
  }                                             // not committed
  for (Store* s : {store.get(), other.get()}) {
    EXPECT_EQ(s->peer_list()->version, 1);
    EXPECT_EQ(s->peer_lists().size(), 1u);
    EXPECT_FALSE(s->outbox_message("m3"));
    EXPECT_EQ(s->next_outbox_seq("nl-node", "fc-1"), 2);
    EXPECT_EQ(s->outbox_message("m1")->state, OutboxState::Sending);
    EXPECT_EQ(s->outbox_message("m1")->receipt, "");
    EXPECT_EQ(s->outbox_message("m2")->state, OutboxState::Pending);
    EXPECT_EQ(s->outbox_message("m2")->attempts, 0);
    EXPECT_FALSE(s->inbox_message("i2"));
    EXPECT_EQ(s->inbox_message("i1")->state, InboxState::Held);
    EXPECT_EQ(audit_count(*s), audits);
  }
  EXPECT_TRUE(other->add_request_nonce("k", "n", kT0 + 300, kT0));  // it was never recorded
}

// ---- Moving a node ----

// `db copy`: a SQLite node's peer lists, outbox and inbox arrive in
// PostgreSQL as they were, and the peer lists are append-only there too.
TEST(FedStoreCopy, FederationTablesMoveFromSqliteToPostgres) {
  test::TempDir dir;
  const std::string sqlite = (dir.path() / "node.db").string();
  {
    auto s = open_store(sqlite);
    s->add_peer_list({1, "v1", kT0}, audit("peer_list", "1"));
    s->add_peer_list({2, "v2", kT0 + 1}, audit("peer_list", "2"));
    s->add_outbox(outbox("m1", "nl-node", "fc-1", 1), audit("fed_send", "m1"));
    s->add_outbox(outbox("m2", "nl-node", "fc-1", 2), audit("fed_send", "m2"));
    s->lease_outbox("s", kT0, kT0Ms, kT0Ms + 30'000, 10, {});
    s->finish_outbox("m1", "s", OutboxState::Accepted, "receipt-1", "", 0);
    s->add_inbox(inbox("i1", "de-node", "fc-1", 1, InboxState::Applied), audit("fed_receive", "i1"));
    s->add_request_nonce("k", "n", kT0 + 300, kT0);
  }
  const std::string pg = test::PgCluster::shared().new_database();
  auto report = copy_sqlite_to_pg(sqlite, pg);
  auto rows = [&](const std::string& table) {
    for (const auto& [t, n] : report.rows)
      if (t == table) return n;
    return int64_t{-1};
  };
  EXPECT_EQ(rows("fed_peer_lists"), 2);
  EXPECT_EQ(rows("fed_outbox"), 2);
  EXPECT_EQ(rows("fed_inbox"), 1);
  EXPECT_EQ(rows("fed_request_nonces"), 1);
  auto s = open_store(pg);
  EXPECT_EQ(s->peer_list()->doc, "v2");
  EXPECT_TRUE(throws_store_error(StoreError::Code::Conflict, [&] {
    s->add_peer_list({2, "v2 again", kT0}, audit("peer_list", "2"));
  }));
  EXPECT_THROW(PgDb(pg).exec("UPDATE fed_peer_lists SET doc = 'x'"), StoreError);
  auto m1 = s->outbox_message("m1");
  EXPECT_EQ(m1->state, OutboxState::Accepted);
  EXPECT_EQ(m1->receipt, "receipt-1");
  EXPECT_EQ(m1->attempts, 1);
  EXPECT_EQ(s->next_outbox_seq("nl-node", "fc-1"), 3);
  EXPECT_EQ(ids_of(s->lease_outbox("t", kT0 + 1, kT0Ms + 1000, kT0Ms + 31'000, 10, {})), (Ids{"m2"}));
  EXPECT_EQ(s->inbox_message("i1")->receipt, inbox("i1", "de-node", "fc-1", 1, InboxState::Applied).receipt);
  EXPECT_EQ(s->last_inbox_seq("de-node", "fc-1"), 1);
  EXPECT_FALSE(s->add_request_nonce("k", "n", kT0 + 300, kT0 + 1));  // seen before the move
}

}  // namespace
}  // namespace comity
