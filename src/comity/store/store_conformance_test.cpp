// The Store contract (store.hpp), as every backend must keep it: one typed
// suite run against SQLite (a file in a temporary directory) and PostgreSQL
// (a new database in the tests' scratch cluster, tests/pg_cluster.hpp),
// through open_store only. What a backend enforces inside its database
// (append-only tables refusing raw UPDATE and DELETE, pragmas, schema
// checks) is tested per backend, beside that backend.
#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
#include <set>
#include <stdexcept>

#include "comity/model/request_json.hpp"
#include "comity/rules/decision_json.hpp"
#include "comity/rules/engine.hpp"
#include "comity/store/open_store.hpp"
#include "comity/util/sha256.hpp"
#include "pg_cluster.hpp"
#include "test_support.hpp"

namespace comity {
namespace {

const Instant kT0 = *parse_instant("2026-09-15T09:00:00Z");
constexpr Instant kDay = 86400;

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

// `r` moved on by `events` (by an officer at `at`), as the next version to save.
void advance(CaseRecord& r, std::initializer_list<const char*> events, Instant at) {
  r.c.facts = CaseFacts{};  // the store keeps no guard facts: the case service derives them
  for (const char* e : events) ASSERT_FALSE(apply_event(r.c, test::real_pack(), e, PartyRole::Officer, at)) << e;
  r.version += 1;
  r.updated_at = at;
}

std::string_view code_name(StoreError::Code c) {
  switch (c) {
    case StoreError::Code::Io: return "Io";
    case StoreError::Code::Busy: return "Busy";
    case StoreError::Code::Constraint: return "Constraint";
    case StoreError::Code::Corrupt: return "Corrupt";
    case StoreError::Code::NotFound: return "NotFound";
    case StoreError::Code::Conflict: return "Conflict";
    case StoreError::Code::Invalid: return "Invalid";
    case StoreError::Code::Other: return "Other";
  }
  return "?";
}

// Success when `f` throws a StoreError with code `want`; otherwise a failure
// saying what happened instead (with the error's message).
template <class F>
::testing::AssertionResult throws_store_error(StoreError::Code want, F&& f) {
  try {
    f();
  } catch (const StoreError& e) {
    if (e.code == want) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "StoreError " << code_name(e.code) << " instead of " << code_name(want)
                                         << ": " << e.what();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "not a StoreError (want " << code_name(want) << "): " << e.what();
  }
  return ::testing::AssertionFailure() << "no error (want StoreError " << code_name(want) << ")";
}

// Success when `f` throws a StoreError of any code (the contract names none).
template <class F>
::testing::AssertionResult throws_any_store_error(F&& f) {
  try {
    f();
  } catch (const StoreError&) {
    return ::testing::AssertionSuccess();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "not a StoreError: " << e.what();
  }
  return ::testing::AssertionFailure() << "no error (want a StoreError)";
}

size_t audit_count(Store& s) {
  return s.audit_after(0, 1'000'000).size();
}

// The stores under test: each gives a fresh, never-used location per call.
struct SqliteBackend {
  static constexpr const char* kName = "Sqlite";
  test::TempDir dir;
  int n = 0;
  std::string where() { return (dir.path() / ("store-" + std::to_string(++n) + ".db")).string(); }
};

struct PostgresBackend {
  static constexpr const char* kName = "Postgres";
  std::string where() { return test::PgCluster::shared().new_database(); }
};

struct BackendNames {
  template <class B>
  static std::string GetName(int) {
    return B::kName;
  }
};

template <class B>
struct StoreConformance : ::testing::Test {
  B backend;
  std::string where = backend.where();  // the store of this test
  std::unique_ptr<Store> open(StoreAccess access = StoreAccess::ReadWrite) { return open_store(where, access); }
  // Parties, a user of each, as the identity tests and drafts need them.
  void seed_identity(Store& s) {
    s.put_party({"de-sta", "issuing_authority", "DE", "Staatsanwaltschaft Berlin"},
                test::seed_audit("create_party", "p"));
    s.put_party({"nl-mailco", "provider", "NL", "Mailco B.V."}, test::seed_audit("create_party", "p"));
    s.put_user({"u1", "de-sta", "Officer One", PartyRole::Officer}, test::seed_audit("create_user", "u1"));
    s.put_user({"u2", "nl-mailco", "Provider Two", PartyRole::Provider}, test::seed_audit("create_user", "u2"));
  }
};

using Backends = ::testing::Types<SqliteBackend, PostgresBackend>;
TYPED_TEST_SUITE(StoreConformance, Backends, BackendNames);

// ---- Cases ----

// Every field of a case, its history and its clocks come back as saved, also
// from a store opened afresh.
TYPED_TEST(StoreConformance, CaseRoundTripsEveryFieldWithHistoryAndClocks) {
  auto store = this->open();
  CaseRecord r = s01_case("case-1");
  for (const char* e : {"submit", "mark_ready", "transmit"})
    ASSERT_FALSE(apply_event(r.c, test::real_pack(), e, PartyRole::Officer, kT0 + 60));
  ASSERT_GE(r.c.clocks.size(), 2u);
  r.c.history[0].idempotency_key = "idem-1";
  r.c.history[1].reason = "ready: checked twice";
  r.c.history[2].ground = "G-TEST";
  r.c.clocks[1].stopped = kT0 + 120;
  r.c.clocks[1].expiry_handled = true;
  r.c.data_marked_for_deletion = true;
  r.evaluated_on = "2026-09-15";
  r.entry_json = R"({"pathway":"P_EU_EPOC","checks":[]})";
  r.order_json = R"({"pathway":"P_EU_EPOC","role":"primary"})";
  r.public_json = R"({"case_tag":"abc","pathway":"P_EU_EPOC"})";
  r.counterpart_state = "NL";
  r.notified = true;
  r.via_authorities = true;
  r.notice_mode = "DELAY";
  r.notice_status = "delayed";
  r.notice_review_date = "2026-10-01";
  r.created_at = kT0;
  r.updated_at = kT0 + 60;
  store->create_case(r, audit("create", "case-1", r.request_json));
  store.reset();  // survives closing and reopening
  store = this->open();
  auto got = store->load_case("case-1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->id, "case-1");
  EXPECT_EQ(got->request_id, r.request_id);
  EXPECT_EQ(got->requesting_state, "DE");
  EXPECT_EQ(got->pack_hash, test::real_pack().content_hash);
  EXPECT_EQ(got->request_json, r.request_json);
  EXPECT_EQ(got->decision_json, r.decision_json);
  EXPECT_EQ(got->evaluated_on, "2026-09-15");
  EXPECT_EQ(got->entry_json, r.entry_json);
  EXPECT_EQ(got->order_json, r.order_json);
  EXPECT_EQ(got->public_json, r.public_json);
  EXPECT_EQ(got->requesting_party_id, "");
  EXPECT_EQ(got->provider_party_id, "");
  EXPECT_EQ(got->counterpart_state, "NL");
  EXPECT_TRUE(got->notified);
  EXPECT_TRUE(got->via_authorities);
  EXPECT_EQ(got->notice_mode, "DELAY");
  EXPECT_EQ(got->notice_status, "delayed");
  EXPECT_EQ(got->notice_review_date, "2026-10-01");
  EXPECT_EQ(got->version, 1);
  EXPECT_EQ(got->created_at, kT0);
  EXPECT_EQ(got->updated_at, kT0 + 60);
  EXPECT_EQ(got->signed_order_id, "");
  EXPECT_EQ(got->signed_order_json, "");
  EXPECT_EQ(got->c.pathway, "P_EU_EPOC");
  EXPECT_EQ(got->c.workflow, "direct_order");
  EXPECT_EQ(got->c.state, "transmitted");
  EXPECT_TRUE(got->c.data_marked_for_deletion);
  ASSERT_EQ(got->c.history.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const auto &want = r.c.history[i], &have = got->c.history[i];
    EXPECT_EQ(have.event, want.event) << i;
    EXPECT_EQ(have.actor, PartyRole::Officer) << i;
    EXPECT_EQ(have.at, kT0 + 60) << i;
    EXPECT_EQ(have.from, want.from) << i;
    EXPECT_EQ(have.to, want.to) << i;
    EXPECT_EQ(have.reason, want.reason) << i;
    EXPECT_EQ(have.ground, want.ground) << i;
    EXPECT_EQ(have.idempotency_key, want.idempotency_key) << i;
  }
  EXPECT_EQ(got->c.history[2].event, "transmit");
  ASSERT_EQ(got->c.clocks.size(), r.c.clocks.size());
  for (size_t i = 0; i < r.c.clocks.size(); ++i) {
    const auto &want = r.c.clocks[i], &have = got->c.clocks[i];
    EXPECT_EQ(have.deadline_id, want.deadline_id) << i;
    EXPECT_EQ(have.label, want.label) << i;
    EXPECT_EQ(have.started, want.started) << i;
    EXPECT_EQ(have.due, want.due) << i;
    EXPECT_EQ(have.stopped, want.stopped) << i;
    EXPECT_EQ(have.expiry_handled, want.expiry_handled) << i;
  }
  ASSERT_EQ(got->c.deadlines.size(), r.c.deadlines.size());
  for (size_t i = 0; i < r.c.deadlines.size(); ++i) {
    EXPECT_EQ(got->c.deadlines[i].id, r.c.deadlines[i].id) << i;
    EXPECT_EQ(got->c.deadlines[i].label, r.c.deadlines[i].label) << i;
    EXPECT_EQ(got->c.deadlines[i].seconds, r.c.deadlines[i].seconds) << i;
    EXPECT_EQ(got->c.deadlines[i].extends, r.c.deadlines[i].extends) << i;
  }
  EXPECT_FALSE(got->c.facts);  // guard facts are the case service's, never stored
  EXPECT_FALSE(store->load_case("case-2"));
}

TYPED_TEST(StoreConformance, CreateCaseRefusesADuplicateIdAndWritesNothing) {
  auto store = this->open();
  CaseRecord r = s01_case("case-1");
  store->create_case(r, audit("create", "case-1", "x"), {{"case-1", -1, "open", "salt", "{}"}});
  CaseRecord again = s01_case("case-1");
  again.request_json = "{}";
  ASSERT_FALSE(apply_event(again.c, test::real_pack(), "submit", PartyRole::Officer, kT0));
  EXPECT_TRUE(throws_store_error(StoreError::Code::Constraint, [&] {
    store->create_case(again, audit("create", "case-1", "again"), {{"case-1", -1, "open again", "salt", "{}"}});
  }));
  auto got = store->load_case("case-1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->request_json, r.request_json);
  EXPECT_EQ(got->c.state, "draft");
  EXPECT_TRUE(got->c.history.empty());
  EXPECT_EQ(audit_count(*store), 1u);
  EXPECT_EQ(store->log_size(), 1u);
}

TYPED_TEST(StoreConformance, SaveCaseWithAStaleVersionIsAConflict) {
  auto store = this->open();
  store->create_case(s01_case("case-1"), audit("create", "case-1", "x"));
  CaseRecord a = *store->load_case("case-1");
  CaseRecord b = a;  // a second writer with the same snapshot
  size_t first_new = a.c.history.size();
  advance(a, {"submit"}, kT0 + 10);
  store->save_case(a, 1, first_new, audit("submit", "case-1", "a"), {{"case-1", 0, "submit", "s", "{}"}});
  ASSERT_FALSE(apply_event(b.c, test::real_pack(), "withdraw", PartyRole::Officer, kT0 + 20, "duplicate"));
  b.version = 2;
  EXPECT_TRUE(throws_store_error(StoreError::Code::Conflict, [&] {
    store->save_case(b, 1, first_new, audit("withdraw", "case-1", "b"), {{"case-1", 0, "withdraw", "s", "{}"}});
  }));
  auto got = store->load_case("case-1");
  EXPECT_EQ(got->c.state, "submitted");
  EXPECT_EQ(got->version, 2);
  EXPECT_EQ(got->updated_at, kT0 + 10);
  ASSERT_EQ(got->c.history.size(), 1u);
  EXPECT_EQ(got->c.history[0].event, "submit");
  EXPECT_EQ(audit_count(*store), 2u);  // create + submit; the stale write left nothing
  EXPECT_EQ(store->log_size(), 1u);
  // A version that is not expected_version + 1 is refused, and writes nothing.
  CaseRecord c = *got;
  c.version = 4;
  EXPECT_TRUE(throws_any_store_error([&] { store->save_case(c, 2, c.c.history.size(), audit("x", "case-1", "c")); }));
  EXPECT_EQ(store->load_case("case-1")->version, 2);
  EXPECT_EQ(audit_count(*store), 2u);
}

TYPED_TEST(StoreConformance, SaveCaseOfAnUnknownCaseIsNotFound) {
  auto store = this->open();
  CaseRecord r = s01_case("ghost");
  r.version = 2;
  EXPECT_TRUE(throws_store_error(StoreError::Code::NotFound,
                                 [&] { store->save_case(r, 1, 0, audit("submit", "ghost", "x")); }));
  EXPECT_FALSE(store->load_case("ghost"));
  EXPECT_EQ(audit_count(*store), 0u);
}

// A save that fails after the case's rows were written (its audit entry
// breaks the audit's rules) leaves the case as it was.
TYPED_TEST(StoreConformance, AFailedSaveWritesNothing) {
  auto store = this->open();
  store->create_case(s01_case("case-1"), audit("create", "case-1", "x"));
  CaseRecord a = *store->load_case("case-1");
  size_t first_new = a.c.history.size();
  advance(a, {"submit", "mark_ready", "transmit"}, kT0);
  AuditEntry bad = audit("transmit", "case-1", "x");
  bad.payload_sha256 = "not-a-digest";  // not 64 hex digits
  EXPECT_TRUE(throws_any_store_error([&] {
    store->save_case(a, 1, first_new, bad, {{"case-1", 0, "transmit", "s", "{}"}});
  }));
  auto got = store->load_case("case-1");
  EXPECT_EQ(got->c.state, "draft");
  EXPECT_TRUE(got->c.history.empty());
  EXPECT_TRUE(got->c.clocks.empty());
  EXPECT_EQ(got->version, 1);
  EXPECT_EQ(store->count_overdue_clocks(kT0 + 365 * kDay), 0);
  EXPECT_EQ(store->log_size(), 0u);
  EXPECT_EQ(audit_count(*store), 1u);
}

TYPED_TEST(StoreConformance, CasesRecordTheirPartiesAndTransmission) {
  auto store = this->open();
  this->seed_identity(*store);
  CaseRecord r = s01_case("case-1");
  r.requesting_party_id = "de-sta";
  r.provider_party_id = "nl-mailco";
  r.counterpart_state = "NL";
  store->create_case(r, audit("create", "case-1", "x"));
  auto list = store->list_cases("", 10);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].requesting_party_id, "de-sta");
  EXPECT_EQ(list[0].provider_party_id, "nl-mailco");
  EXPECT_EQ(list[0].counterpart_state, "NL");
  EXPECT_FALSE(list[0].transmitted);
  CaseRecord a = *store->load_case("case-1");
  size_t first_new = a.c.history.size();
  advance(a, {"submit", "mark_ready", "transmit"}, kT0);
  store->save_case(a, 1, first_new, audit("transmit", "case-1", "x"));
  EXPECT_TRUE(store->list_cases("", 10)[0].transmitted);
  EXPECT_EQ(store->load_case("case-1")->requesting_party_id, "de-sta");
  EXPECT_EQ(store->load_case("case-1")->provider_party_id, "nl-mailco");
  r.id = "case-2";
  r.provider_party_id = "unregistered";  // a party that does not exist
  EXPECT_TRUE(
      throws_store_error(StoreError::Code::Constraint, [&] { store->create_case(r, audit("create", "case-2", "x")); }));
  EXPECT_FALSE(store->load_case("case-2"));
}

// Two connections to one store (two processes of a node): each sees the
// other's commits, and optimistic concurrency holds between them.
TYPED_TEST(StoreConformance, TwoConnectionsShareOneStore) {
  auto a = this->open();
  auto b = this->open();
  a->create_case(s01_case("case-1"), audit("create", "case-1", "x"), {{"case-1", -1, "open", "s", "{}"}});
  CaseRecord seen_by_b = *b->load_case("case-1");
  EXPECT_EQ(b->log_size(), 1u);
  CaseRecord by_a = *a->load_case("case-1");
  size_t first_new = by_a.c.history.size();
  advance(by_a, {"submit"}, kT0 + 1);
  a->save_case(by_a, 1, first_new, audit("submit", "case-1", "a"), {{"case-1", 0, "submit", "s", "{}"}});
  ASSERT_FALSE(apply_event(seen_by_b.c, test::real_pack(), "withdraw", PartyRole::Officer, kT0 + 2, "duplicate"));
  seen_by_b.version = 2;
  EXPECT_TRUE(throws_store_error(StoreError::Code::Conflict,
                                 [&] { b->save_case(seen_by_b, 1, first_new, audit("withdraw", "case-1", "b")); }));
  EXPECT_EQ(b->load_case("case-1")->c.state, "submitted");
  EXPECT_EQ(b->log_size(), 2u);
  b->append_log({{"case-1", 1, "from b", "s", "{}"}});
  EXPECT_EQ(a->log_size(), 3u);
  EXPECT_EQ(a->log_leaves(2, 1), std::vector<std::string>{"from b"});
  EXPECT_EQ(audit_count(*a), 2u);
}

TYPED_TEST(StoreConformance, SqlIsParameterised) {
  auto store = this->open();
  const std::string id = "x'); DROP TABLE cases; --";
  store->create_case(s01_case(id), audit("create", id, "x"));
  store->append_audit({0, kT0, "o'brien\"; --", "read'", "x\\y", sha256_hex("q")});
  EXPECT_TRUE(store->load_case(id));
  EXPECT_EQ(store->load_case(id)->id, id);
  EXPECT_EQ(store->list_cases("", 10).size(), 1u);
  auto entries = store->audit_after(0, 10);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].actor, "o'brien\"; --");
  EXPECT_EQ(entries[1].action, "read'");
  EXPECT_EQ(entries[1].object, "x\\y");
}

// ---- Queues: pagination, clocks, expiries, notices, metrics ----

TYPED_TEST(StoreConformance, CursorPaginationAndOverdueClocks) {
  auto store = this->open();
  for (int i = 0; i < 5; ++i) {
    CaseRecord r = s01_case("case-" + std::to_string(i));
    ASSERT_FALSE(apply_event(r.c, test::real_pack(), "submit", PartyRole::Officer, kT0));
    ASSERT_FALSE(apply_event(r.c, test::real_pack(), "mark_ready", PartyRole::Officer, kT0));
    ASSERT_FALSE(apply_event(r.c, test::real_pack(), "transmit", PartyRole::Officer, kT0 + i * kDay));
    store->create_case(r, audit("create", r.id, r.id));
  }
  auto page1 = store->list_cases("", 2);
  ASSERT_EQ(page1.size(), 2u);
  EXPECT_EQ(page1[0].id, "case-0");
  EXPECT_EQ(page1[1].id, "case-1");
  auto page2 = store->list_cases(page1.back().id, 2);
  ASSERT_EQ(page2.size(), 2u);
  EXPECT_EQ(page2[0].id, "case-2");
  EXPECT_EQ(page2[1].id, "case-3");
  auto page3 = store->list_cases(page2.back().id, 2);
  ASSERT_EQ(page3.size(), 1u);
  EXPECT_EQ(page3[0].id, "case-4");
  EXPECT_EQ(store->list_cases("case-4", 2).size(), 0u);
  EXPECT_EQ(store->list_cases("case-1x", 10).size(), 3u);  // strictly after, by id order
  // The summary: what a desk's queue shows, with the running clock due first.
  CaseRecord c3 = *store->load_case("case-3");
  const CaseClock* first = nullptr;
  for (const auto& k : c3.c.clocks)
    if (k.running() && (!first || k.due < first->due)) first = &k;
  ASSERT_TRUE(first);
  const CaseSummary& s = page2[1];
  EXPECT_EQ(s.pathway, "P_EU_EPOC");
  EXPECT_EQ(s.workflow, "direct_order");
  EXPECT_EQ(s.state, "transmitted");
  EXPECT_EQ(s.requesting_state, "DE");
  EXPECT_EQ(s.updated_at, kT0);
  EXPECT_TRUE(s.transmitted);
  EXPECT_FALSE(s.notified);
  EXPECT_FALSE(s.via_authorities);
  EXPECT_EQ(s.next_due, first->due);
  EXPECT_EQ(s.next_due, kT0 + 3 * kDay + 10 * kDay);
  EXPECT_EQ(s.next_deadline, first->deadline_id);
  // The 10-day clocks (and the 10-day objection windows) of cases transmitted on days 0..4.
  EXPECT_EQ(store->count_overdue_clocks(kT0 + 10 * kDay + 3600), 2);  // case-0's two clocks
  EXPECT_EQ(store->count_overdue_clocks(kT0), 0);
  // The sweep visits cases with expiries not yet acted on, earliest first.
  EXPECT_TRUE(store->cases_with_unhandled_expiries(kT0, 10).empty());
  EXPECT_EQ(store->cases_with_unhandled_expiries(kT0 + 12 * kDay, 10),
            (std::vector<std::string>{"case-0", "case-1", "case-2"}));
  EXPECT_EQ(store->cases_with_unhandled_expiries(kT0 + 12 * kDay, 1), (std::vector<std::string>{"case-0"}));
  CaseRecord r = *store->load_case("case-0");
  tick(r.c, test::real_pack(), kT0 + 12 * kDay);  // no expiry event for these clocks: marked handled
  r.version = 2;
  store->save_case(r, 1, r.c.history.size(), audit("expire", r.id, r.id));
  EXPECT_EQ(store->cases_with_unhandled_expiries(kT0 + 12 * kDay, 10), (std::vector<std::string>{"case-1", "case-2"}));
  EXPECT_EQ(store->count_overdue_clocks(kT0 + 12 * kDay), 6);  // still overdue: the law's clock ran out
}

// Earliest due first regardless of id order; a stopped clock is not visited.
TYPED_TEST(StoreConformance, ExpiriesAreVisitedEarliestDueFirst) {
  auto store = this->open();
  // Transmitted on days 2, 0, 1: ids and due order disagree.
  const std::pair<const char*, Instant> cases[] = {{"a", 2 * kDay}, {"b", 0}, {"c", kDay}};
  for (auto [id, offset] : cases) {
    CaseRecord r = s01_case(id);
    for (const char* e : {"submit", "mark_ready", "transmit"})
      ASSERT_FALSE(apply_event(r.c, test::real_pack(), e, PartyRole::Officer, kT0 + offset));
    store->create_case(r, audit("create", id, id));
  }
  EXPECT_EQ(store->cases_with_unhandled_expiries(kT0 + 30 * kDay, 10), (std::vector<std::string>{"b", "c", "a"}));
  EXPECT_EQ(store->cases_with_unhandled_expiries(kT0 + 30 * kDay, 2), (std::vector<std::string>{"b", "c"}));
  CaseRecord c = *store->load_case("c");
  for (auto& k : c.c.clocks) k.stopped = kT0 + kDay + 1;
  c.version = 2;
  store->save_case(c, 1, c.c.history.size(), audit("stop", "c", "c"));
  EXPECT_EQ(store->cases_with_unhandled_expiries(kT0 + 30 * kDay, 10), (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(store->load_case("c")->c.clocks.at(0).stopped, kT0 + kDay + 1);
}

TYPED_TEST(StoreConformance, NoticeReviewsAndCasesByState) {
  auto store = this->open();
  CaseRecord delayed = s01_case("c-delayed");
  delayed.notice_mode = "DELAY";
  delayed.notice_status = "delayed";
  delayed.notice_review_date = "2026-10-01";
  store->create_case(delayed, audit("create", "c-delayed", "x"));
  CaseRecord pending = s01_case("c-pending");
  pending.notice_mode = "NOTIFY_NOW";
  pending.notice_status = "pending";
  pending.notice_review_date = "2026-09-01";
  store->create_case(pending, audit("create", "c-pending", "x"));
  CaseRecord sent = s01_case("c-sent");
  for (const char* e : {"submit", "mark_ready", "transmit"})
    ASSERT_FALSE(apply_event(sent.c, test::real_pack(), e, PartyRole::Officer, kT0));
  store->create_case(sent, audit("create", "c-sent", "x"));
  EXPECT_EQ(store->count_notice_reviews_due("2026-09-30"), 0);
  EXPECT_EQ(store->count_notice_reviews_due("2026-10-01"), 1);
  EXPECT_EQ(store->count_notice_reviews_due("2027-01-01"), 1);
  auto by_state = store->count_cases_by_state();
  std::sort(by_state.begin(), by_state.end());
  EXPECT_EQ(by_state, (std::vector<std::pair<std::string, int64_t>>{{"draft", 2}, {"transmitted", 1}}));
  // A notice's status and review date are saved with the case.
  CaseRecord d = *store->load_case("c-delayed");
  d.notice_status = "notified";
  d.notice_review_date = "";
  d.version = 2;
  store->save_case(d, 1, d.c.history.size(), audit("notify", "c-delayed", "x"));
  EXPECT_EQ(store->count_notice_reviews_due("2027-01-01"), 0);
  EXPECT_EQ(store->load_case("c-delayed")->notice_status, "notified");
}

TYPED_TEST(StoreConformance, ReviewsAreOnePerSide) {
  auto store = this->open();
  store->create_case(s01_case("case-1"), audit("create", "case-1", "x"));
  const std::string verdicts = R"([{"predicate":"p","result":"pass","verdict":"agree","reason":""}])";
  store->save_review({"case-1", "requesting", "validator:v1", kT0 + 1, verdicts},
                     {audit("review", "case-1", "a"), audit("review_check", "case-1", "b")});
  EXPECT_EQ(audit_count(*store), 3u);
  EXPECT_TRUE(throws_store_error(StoreError::Code::Constraint, [&] {
    store->save_review({"case-1", "requesting", "validator:v2", kT0 + 2, "[]"}, {audit("review", "case-1", "c")});
  }));
  EXPECT_EQ(audit_count(*store), 3u);
  store->save_review({"case-1", "requested", "central_authority:c1", kT0 + 3, "[]"}, {audit("review", "case-1", "d")});
  auto got = store->reviews("case-1");
  std::sort(got.begin(), got.end(), [](const CaseReview& x, const CaseReview& y) { return x.side < y.side; });
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].side, "requested");
  EXPECT_EQ(got[0].reviewer, "central_authority:c1");
  EXPECT_EQ(got[1].side, "requesting");
  EXPECT_EQ(got[1].reviewer, "validator:v1");
  EXPECT_EQ(got[1].at, kT0 + 1);
  EXPECT_EQ(got[1].verdicts_json, verdicts);
  EXPECT_TRUE(store->reviews("case-2").empty());
}

// ---- Group commit ----

TYPED_TEST(StoreConformance, GroupCommitKeepsEachOperationAtomic) {
  auto store = this->open();
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
  EXPECT_EQ(audit_count(*store), 3u);  // the refused creation left no audit entry
  // A group that fails as a whole stores nothing.
  EXPECT_THROW(store->group_commit([&] {
    store->create_case(s01_case("case-3"), audit("create", "case-3", "x"));
    throw std::runtime_error("the commit fails");
  }),
               std::runtime_error);
  EXPECT_FALSE(store->load_case("case-3"));
  EXPECT_EQ(audit_count(*store), 3u);
  // The store is usable after a failed group.
  store->create_case(s01_case("case-3"), audit("create", "case-3", "x"));
  EXPECT_TRUE(store->load_case("case-3"));
}

// An operation that fails midway inside a group (after writing the case's
// rows and before its audit entry) is undone alone, leaves no hole in the
// log, and the operations before and after it commit.
TYPED_TEST(StoreConformance, GroupCommitUndoesAFailedOperationAlone) {
  auto store = this->open();
  store->create_case(s01_case("case-1"), audit("create", "case-1", "x"));
  CaseRecord a = *store->load_case("case-1");
  size_t first_new = a.c.history.size();
  advance(a, {"submit"}, kT0 + 5);
  bool failed = false;
  store->group_commit([&] {
    store->append_log({{"case-1", -1, "leaf-0", "s", "{}"}});
    AuditEntry bad = audit("submit", "case-1", "x");
    bad.payload_sha256 = "short";
    try {
      store->save_case(a, 1, first_new, bad, {{"case-1", 0, "undone", "s", "{}"}});
    } catch (const StoreError&) {
      failed = true;
    }
    store->append_audit(audit("read", "case-1", "y"));
    store->append_log({{"case-1", -1, "leaf-1", "s", "{}"}});
    store->create_case(s01_case("case-2"), audit("create", "case-2", "x"), {{"case-2", -1, "leaf-2", "s", "{}"}});
  });
  EXPECT_TRUE(failed);
  auto got = store->load_case("case-1");
  EXPECT_EQ(got->version, 1);
  EXPECT_EQ(got->c.state, "draft");
  EXPECT_TRUE(got->c.history.empty());
  EXPECT_TRUE(store->load_case("case-2"));
  EXPECT_EQ(audit_count(*store), 3u);  // create case-1, read, create case-2
  ASSERT_EQ(store->log_size(), 3u);
  EXPECT_EQ(store->log_leaves(0, 10), (std::vector<std::string>{"leaf-0", "leaf-1", "leaf-2"}));
  // The case saves normally afterwards.
  store->save_case(a, 1, first_new, audit("submit", "case-1", "x"), {{"case-1", 0, "leaf-3", "s", "{}"}});
  EXPECT_EQ(store->log_size(), 4u);
  EXPECT_EQ(store->load_case("case-1")->c.state, "submitted");
}

// ---- Transactions the caller opens ----

// Calls on several repositories in one Transaction: invisible to another
// connection until commit(), then all there; a Transaction destroyed
// without commit() leaves nothing, in any repository.
TYPED_TEST(StoreConformance, ATransactionCommitsCallsOnEveryRepositoryTogether) {
  auto store = this->open();
  auto other = this->open();
  this->seed_identity(*store);
  const size_t audit_before = audit_count(*store);
  {
    Transaction tx(*store);
    store->cases().create_case(s01_case("case-1"), audit("create", "case-1", "x"), {{"case-1", -1, "l0", "s", "{}"}});
    store->drafts().put_draft({"d1", "u1", kT0, kT0, 1, "{}"}, audit("create_draft", "d1", "{}"));
    store->trust().add_trust_import({"{}", "cross_signed", kT0}, audit("import_trust", "cross_signed", "{}"));
    store->audit().append_audit(audit("read", "case-1", "y"));
    tx.commit();
  }
  EXPECT_TRUE(other->load_case("case-1"));
  EXPECT_TRUE(other->draft("d1"));
  EXPECT_EQ(other->trust_imports().size(), 1u);
  EXPECT_EQ(other->log_size(), 1u);
  EXPECT_EQ(audit_count(*other), audit_before + 4);
  {
    Transaction tx(*store);
    store->create_case(s01_case("case-2"), audit("create", "case-2", "x"), {{"case-2", -1, "l1", "s", "{}"}});
    store->put_draft({"d2", "u1", kT0, kT0, 1, "{}"}, audit("create_draft", "d2", "{}"));
    store->add_trust_import({"{}", "cross_signed", kT0}, audit("import_trust", "cross_signed", "{}"));
  }  // not committed: undone
  for (Store* s : {store.get(), other.get()}) {
    EXPECT_FALSE(s->load_case("case-2"));
    EXPECT_FALSE(s->draft("d2"));
    EXPECT_EQ(s->trust_imports().size(), 1u);
    EXPECT_EQ(s->log_size(), 1u);
    EXPECT_EQ(audit_count(*s), audit_before + 4);
  }
  // The connection is usable afterwards, and the log goes on gapless.
  store->create_case(s01_case("case-2"), audit("create", "case-2", "x"), {{"case-2", -1, "l1", "s", "{}"}});
  EXPECT_EQ(store->log_leaves(0, 10), (std::vector<std::string>{"l0", "l1"}));
}

// Inside a Transaction a failing call is undone alone (the caller goes on);
// a Transaction opened inside another is a savepoint of it: undone alone
// when dropped, committed only with the outer one.
TYPED_TEST(StoreConformance, ATransactionInsideAnotherIsASavepointOfIt) {
  auto store = this->open();
  auto other = this->open();
  store->create_case(s01_case("case-0"), audit("create", "case-0", "x"));
  {
    Transaction outer(*store);
    store->create_case(s01_case("case-1"), audit("create", "case-1", "x"));
    EXPECT_TRUE(throws_store_error(StoreError::Code::Constraint, [&] {
      store->create_case(s01_case("case-0"), audit("create", "case-0", "again"));
    }));
    {
      Transaction inner(*store);
      store->create_case(s01_case("case-2"), audit("create", "case-2", "x"));
    }  // dropped: case-2 undone, case-1 kept
    {
      Transaction inner(*store);
      store->create_case(s01_case("case-3"), audit("create", "case-3", "x"));
      inner.commit();
    }
    EXPECT_FALSE(other->load_case("case-3"));  // the outer one has not committed yet
    outer.commit();
  }
  EXPECT_TRUE(other->load_case("case-1"));
  EXPECT_FALSE(other->load_case("case-2"));
  EXPECT_TRUE(other->load_case("case-3"));
  EXPECT_EQ(audit_count(*other), 3u);  // case-0, case-1, case-3
  // An exception out of group_commit's work undoes the whole group.
  EXPECT_THROW(store->group_commit([&] {
    store->create_case(s01_case("case-4"), audit("create", "case-4", "x"));
    Transaction inner(*store);
    store->create_case(s01_case("case-5"), audit("create", "case-5", "x"));
    inner.commit();
    throw std::runtime_error("the group fails");
  }),
               std::runtime_error);
  EXPECT_FALSE(other->load_case("case-4"));
  EXPECT_FALSE(other->load_case("case-5"));
}

// ---- The transparency log ----

// The log is appended in the case's transaction: a leaf that cannot be
// stored undoes the transition and the leaves before it.
TYPED_TEST(StoreConformance, LogLeavesCommitWithTheirCase) {
  auto store = this->open();
  EXPECT_EQ(store->log_size(), 0u);
  EXPECT_TRUE(store->log_leaves(0, 10).empty());
  EXPECT_TRUE(store->log_hashes(0, 10).empty());
  store->create_case(s01_case("case-1"), audit("create", "case-1", "x"),
                     {{"case-1", -1, "{\"event\":\"open\"}", "salt", "{}"}});
  CaseRecord a = *store->load_case("case-1");
  size_t first_new = a.c.history.size();
  advance(a, {"submit"}, kT0);
  std::vector<LogLeaf> leaves = {{"case-1", 0, "{\"event\":\"submit\"}", "salt", "{}"},
                                 {"no-such-case", 0, "{}", "salt", "{}"}};  // names no case
  EXPECT_TRUE(throws_store_error(StoreError::Code::Constraint,
                                 [&] { store->save_case(a, 1, first_new, audit("submit", "case-1", "x"), leaves); }));
  EXPECT_EQ(store->log_size(), 1u);
  EXPECT_EQ(store->load_case("case-1")->version, 1);
  EXPECT_EQ(audit_count(*store), 1u);
  leaves.pop_back();
  store->save_case(a, 1, first_new, audit("submit", "case-1", "x"), leaves);
  ASSERT_EQ(store->log_size(), 2u);
  EXPECT_EQ(store->log_leaves(1, 5), std::vector<std::string>{"{\"event\":\"submit\"}"});
  EXPECT_EQ(store->log_hashes(1, 5).at(0), ledger::leaf_hash("{\"event\":\"submit\"}"));
  // A create_case whose leaf fails stores no case either.
  EXPECT_TRUE(throws_any_store_error([&] {
    store->create_case(s01_case("case-2"), audit("create", "case-2", "x"), {{"no-such-case", -1, "x", "s", "{}"}});
  }));
  EXPECT_FALSE(store->load_case("case-2"));
  EXPECT_EQ(store->log_size(), 2u);
}

// Leaf indexes are gapless and in commit order whichever call appends them,
// failed calls take none, and leaf bytes and salts are bytes (NUL, 0xff).
TYPED_TEST(StoreConformance, LogIndexesAreGaplessAndInOrderAcrossEveryWriter) {
  auto store = this->open();
  const std::string bin_leaf("\x00\x01\xff{leaf}\x00", 10), bin_salt("\xff\x00\x80salt\x00", 9);
  store->create_case(s01_case("case-1"), audit("create", "case-1", "x"),
                     {{"case-1", -1, "L0", bin_salt, "{\"e\":0}"}, {"case-1", -1, bin_leaf, "s1", "{\"e\":1}"}});
  CaseRecord a = *store->load_case("case-1");
  size_t first_new = a.c.history.size();
  advance(a, {"submit"}, kT0 + 1);
  store->save_case(a, 1, first_new, audit("submit", "case-1", "x"), {{"case-1", 0, "L2", "s2", "{\"e\":2}"}});
  store->append_log({{"case-1", 0, "L3", "s3", "{\"e\":3}"}, {"", -1, "L4", "", "{}"}});
  StoredStatement st{"nl-mailco", 1, std::string(64, 'a'), "{\"signed\":1}", "signer", kT0, 0};
  EXPECT_EQ(store->put_provider_statement(st, audit("publish_statement", "nl-mailco", "1"), {"", -1, "L5", "", "{}"}),
            5u);
  // Failed writers take no index.
  EXPECT_TRUE(throws_store_error(StoreError::Code::Constraint, [&] {
    store->put_provider_statement(st, audit("publish_statement", "nl-mailco", "1"), {"", -1, "bad", "", "{}"});
  }));
  EXPECT_TRUE(throws_store_error(StoreError::Code::Conflict, [&] {
    store->save_case(a, 1, first_new, audit("submit", "case-1", "x"), {{"case-1", 0, "bad", "s", "{}"}});
  }));
  EXPECT_TRUE(throws_any_store_error([&] { store->append_log({{"no-such-case", 0, "bad", "s", "{}"}}); }));
  store->append_log({{"case-1", 0, "L6", "s6", "{\"e\":6}"}});
  ASSERT_EQ(store->log_size(), 7u);
  EXPECT_EQ(store->log_leaves(0, 100), (std::vector<std::string>{"L0", bin_leaf, "L2", "L3", "L4", "L5", "L6"}));
  EXPECT_EQ(store->log_leaves(5, 100), (std::vector<std::string>{"L5", "L6"}));
  EXPECT_EQ(store->log_leaves(2, 2), (std::vector<std::string>{"L2", "L3"}));
  EXPECT_TRUE(store->log_leaves(7, 5).empty());
  EXPECT_TRUE(store->log_leaves(100, 5).empty());
  auto hashes = store->log_hashes(0, 100);
  ASSERT_EQ(hashes.size(), 7u);
  EXPECT_EQ(hashes[1], ledger::leaf_hash(bin_leaf));
  EXPECT_EQ(hashes[6], ledger::leaf_hash("L6"));
  EXPECT_EQ(store->log_hashes(6, 100).size(), 1u);
  auto entries = store->log_entries_for_case("case-1");
  ASSERT_EQ(entries.size(), 5u);
  const uint64_t want_index[] = {0, 1, 2, 3, 6};
  const int64_t want_seq[] = {-1, -1, 0, 0, 0};
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].index, want_index[i]) << i;
    EXPECT_EQ(entries[i].case_id, "case-1") << i;
    EXPECT_EQ(entries[i].event_seq, want_seq[i]) << i;
  }
  EXPECT_EQ(entries[0].salt, bin_salt);
  EXPECT_EQ(entries[0].event_json, "{\"e\":0}");
  EXPECT_EQ(entries[1].leaf, bin_leaf);
  EXPECT_EQ(entries[4].leaf, "L6");
  EXPECT_EQ(entries[4].salt, "s6");
  EXPECT_TRUE(store->log_entries_for_case("case-2").empty());
}

TYPED_TEST(StoreConformance, CheckpointsAreOnePerTreeSize) {
  auto store = this->open();
  EXPECT_FALSE(store->latest_checkpoint());
  EXPECT_TRUE(store->checkpoints(0, 10).empty());
  ledger::Hash root2 = ledger::leaf_hash("root-2");
  root2[0] = 0;  // bytes, not text
  root2[31] = 0xff;
  store->put_checkpoint({2, root2, "note 2\n", kT0});
  store->put_checkpoint({3, ledger::leaf_hash("root-3"), "note 3", kT0 + 1});
  store->put_checkpoint({5, ledger::leaf_hash("root-5"), "note 5", kT0 + 2});
  EXPECT_TRUE(throws_store_error(StoreError::Code::Constraint, [&] {
    store->put_checkpoint({5, ledger::leaf_hash("other"), "another note", kT0 + 3});
  }));
  // Checkpoints only grow: none below the latest, even for an unused size.
  EXPECT_TRUE(throws_store_error(StoreError::Code::Constraint, [&] {
    store->put_checkpoint({4, ledger::leaf_hash("root-4"), "note 4", kT0 + 3});
  }));
  auto latest = store->latest_checkpoint();
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->tree_size, 5u);
  EXPECT_EQ(latest->root, ledger::leaf_hash("root-5"));
  EXPECT_EQ(latest->note, "note 5");
  EXPECT_EQ(latest->published_at, kT0 + 2);
  auto all = store->checkpoints(0, 10);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].tree_size, 2u);
  EXPECT_EQ(all[0].root, root2);
  EXPECT_EQ(all[0].note, "note 2\n");
  EXPECT_EQ(all[0].published_at, kT0);
  EXPECT_EQ(all[1].tree_size, 3u);
  EXPECT_EQ(all[2].tree_size, 5u);
  auto from3 = store->checkpoints(3, 10);
  ASSERT_EQ(from3.size(), 2u);
  EXPECT_EQ(from3[0].tree_size, 3u);
  EXPECT_EQ(from3[1].tree_size, 5u);
  auto first2 = store->checkpoints(0, 2);
  ASSERT_EQ(first2.size(), 2u);
  EXPECT_EQ(first2[1].tree_size, 3u);
  EXPECT_TRUE(store->checkpoints(6, 10).empty());
}

// ---- Leases (the log signer's, docs/scale-out.md) ----

// One holder at a time until the lease expires; a renewal keeps the epoch,
// a new holder gets the next; a checkpoint fenced by a lease another
// process took since is refused and nothing is written.
TYPED_TEST(StoreConformance, LeasesHaveOneHolderAndFenceCheckpoints) {
  auto store = this->open();
  Lease a = store->take_lease("log-signer", "proc-a", 1000, 500);
  EXPECT_EQ(a.holder, "proc-a");
  EXPECT_EQ(a.epoch, 1);
  EXPECT_EQ(a.expires_ms, 1500);
  // Another process, while it runs: refused, and told who holds it.
  Lease b = store->take_lease("log-signer", "proc-b", 1400, 500);
  EXPECT_EQ(b.holder, "proc-a");
  EXPECT_EQ(b.epoch, 1);
  // A renewal keeps the epoch and extends the time.
  a = store->take_lease("log-signer", "proc-a", 1450, 500);
  EXPECT_EQ(a.epoch, 1);
  EXPECT_EQ(a.expires_ms, 1950);
  // Other names are other leases.
  EXPECT_EQ(store->take_lease("other", "proc-b", 1450, 500).holder, "proc-b");
  store->put_checkpoint({1, ledger::leaf_hash("r1"), "n1", kT0}, &a);
  // Expired: the next process takes it with the next epoch.
  b = store->take_lease("log-signer", "proc-b", 1950, 500);
  EXPECT_EQ(b.holder, "proc-b");
  EXPECT_EQ(b.epoch, 2);
  EXPECT_TRUE(throws_store_error(StoreError::Code::Conflict, [&] {
    store->put_checkpoint({2, ledger::leaf_hash("r2"), "n2", kT0}, &a);
  }));
  EXPECT_EQ(store->latest_checkpoint()->tree_size, 1u);
  store->put_checkpoint({2, ledger::leaf_hash("r2"), "n2", kT0}, &b);
  // Released: taken at once, by the next epoch; a release by another is ignored.
  store->release_lease("log-signer", "proc-a");
  EXPECT_EQ(store->take_lease("log-signer", "proc-a", 2000, 500).holder, "proc-b");
  store->release_lease("log-signer", "proc-b");
  a = store->take_lease("log-signer", "proc-a", 2001, 500);
  EXPECT_EQ(a.holder, "proc-a");
  EXPECT_EQ(a.epoch, 3);
  // Leases live in the database: another connection sees the same one.
  auto other = this->open();
  EXPECT_EQ(other->take_lease("log-signer", "proc-c", 2002, 500).holder, "proc-a");
  // Taken from a holder the caller names as dead, and only from that one.
  EXPECT_EQ(other->take_lease("log-signer", "proc-c", 2003, 500, "proc-x").holder, "proc-a");
  Lease c = other->take_lease("log-signer", "proc-c", 2003, 500, "proc-a");
  EXPECT_EQ(c.holder, "proc-c");
  EXPECT_EQ(c.epoch, 4);
}

// ---- Audit ----

// Entries are read in the order appended, by cursor, as they were written.
// That the database itself refuses to change or remove them is tested per
// backend (sqlite_store_test.cpp for SQLite).
TYPED_TEST(StoreConformance, AuditEntriesAreAppendedInOrderAndReadByCursor) {
  auto store = this->open();
  EXPECT_TRUE(store->audit_after(0, 10).empty());
  for (int i = 0; i < 5; ++i)
    store->append_audit({0, kT0 + i, "officer:u" + std::to_string(i), "read_field", "case-" + std::to_string(i),
                         sha256_hex(std::to_string(i))});
  auto all = store->audit_after(0, 10);
  ASSERT_EQ(all.size(), 5u);
  for (size_t i = 0; i < all.size(); ++i) {
    if (i > 0) {
      EXPECT_GT(all[i].id, all[i - 1].id);
    }
    EXPECT_GT(all[i].id, 0);
    EXPECT_EQ(all[i].at, kT0 + static_cast<Instant>(i));
    EXPECT_EQ(all[i].actor, "officer:u" + std::to_string(i));
    EXPECT_EQ(all[i].action, "read_field");
    EXPECT_EQ(all[i].object, "case-" + std::to_string(i));
    EXPECT_EQ(all[i].payload_sha256, sha256_hex(std::to_string(i)));
  }
  auto page = store->audit_after(all[1].id, 2);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].id, all[2].id);
  EXPECT_EQ(page[1].id, all[3].id);
  EXPECT_TRUE(store->audit_after(all[4].id, 10).empty());
  // An entry that breaks the audit's rules (a digest that is not 64 hex digits) is refused.
  EXPECT_TRUE(throws_any_store_error([&] { store->append_audit({0, kT0, "a", "b", "c", "abc"}); }));
  EXPECT_EQ(audit_count(*store), 5u);
}

// ---- Identity: parties, users, tokens, passwords, sessions ----

TYPED_TEST(StoreConformance, PartiesUsersAndRevocableTokens) {
  auto store = this->open();
  store->put_party({"de-ca", "central_authority", "DE", "Bundesamt für Justiz"}, test::seed_audit("create_party", "p"));
  store->put_party({"de-sta", "issuing_authority", "DE", "Staatsanwaltschaft Berlin"},
                   test::seed_audit("create_party", "p"));
  store->put_user({"u1", "de-sta", "Officer One", PartyRole::Officer}, test::seed_audit("create_user", "u"));
  std::string digest = sha256_hex("cmt_secret-token");
  store->put_token("t1", "u1", digest, kT0, test::seed_audit("issue_token", "t"));
  auto who = store->user_by_token(digest);
  ASSERT_TRUE(who);
  EXPECT_EQ(who->user.id, "u1");
  EXPECT_EQ(who->user.party_id, "de-sta");
  EXPECT_EQ(who->user.name, "Officer One");
  EXPECT_EQ(who->user.role, PartyRole::Officer);
  EXPECT_EQ(who->party.id, "de-sta");
  EXPECT_EQ(who->party.kind, "issuing_authority");
  EXPECT_EQ(who->party.state, "DE");
  EXPECT_EQ(who->party.name, "Staatsanwaltschaft Berlin");
  EXPECT_EQ(who->stored_sha256, digest);
  EXPECT_EQ(who->token_id, "t1");
  EXPECT_EQ(store->token_user("t1"), "u1");
  EXPECT_FALSE(store->token_user("t9"));
  EXPECT_FALSE(store->user_by_token(sha256_hex("cmt_other")));
  size_t before = audit_count(*store);
  EXPECT_TRUE(store->revoke_token("t1", kT0 + 1, test::seed_audit("revoke_token", "t")));
  EXPECT_EQ(audit_count(*store), before + 1);
  EXPECT_FALSE(store->user_by_token(digest));
  EXPECT_EQ(store->token_user("t1"), "u1");                                                 // revoked, but it exists
  EXPECT_FALSE(store->revoke_token("t1", kT0 + 2, test::seed_audit("revoke_token", "t")));  // already revoked
  EXPECT_FALSE(store->revoke_token("no-such-token", kT0 + 2, test::seed_audit("revoke_token", "t")));
  EXPECT_EQ(audit_count(*store), before + 1);  // a refused revocation writes nothing
  // Lookups.
  EXPECT_EQ(store->party("de-ca")->name, "Bundesamt für Justiz");
  EXPECT_EQ(store->party("de-ca")->kind, "central_authority");
  EXPECT_FALSE(store->party("fr-ca"));
  EXPECT_EQ(store->user("u1")->party_id, "de-sta");
  EXPECT_EQ(store->user("u1")->role, PartyRole::Officer);
  EXPECT_FALSE(store->user("u2"));
  // Duplicates, one central authority per State; users and tokens must point at something real.
  EXPECT_TRUE(throws_store_error(StoreError::Code::Constraint, [&] {
    store->put_party({"de-sta", "provider", "DE", "again"}, test::seed_audit("create_party", "p"));
  }));
  EXPECT_TRUE(throws_store_error(StoreError::Code::Constraint, [&] {
    store->put_party({"de-ca2", "central_authority", "DE", "another"}, test::seed_audit("create_party", "p"));
  }));
  EXPECT_TRUE(throws_store_error(StoreError::Code::Constraint, [&] {
    store->put_user({"u2", "no-such-party", "x", PartyRole::Officer}, test::seed_audit("create_user", "u"));
  }));
  EXPECT_TRUE(throws_store_error(StoreError::Code::Constraint, [&] {
    store->put_user({"u1", "de-sta", "again", PartyRole::Validator}, test::seed_audit("create_user", "u"));
  }));
  EXPECT_TRUE(throws_store_error(StoreError::Code::Constraint, [&] {
    store->put_token("t2", "no-such-user", sha256_hex("y"), kT0, test::seed_audit("issue_token", "t"));
  }));
  EXPECT_TRUE(throws_store_error(StoreError::Code::Constraint, [&] {
    store->put_token("t1", "u1", sha256_hex("z"), kT0, test::seed_audit("issue_token", "t"));
  }));
  EXPECT_TRUE(throws_any_store_error([&] {
    store->put_party({"xx", "wizard", "DE", "x"}, test::seed_audit("create_party", "p"));
  }));  // unknown kind
  EXPECT_FALSE(store->party("xx"));
  EXPECT_EQ(store->user("u1")->name, "Officer One");
  EXPECT_EQ(audit_count(*store), before + 1);  // refused writes left no audit entry
}

TYPED_TEST(StoreConformance, PartiesListByCursor) {
  auto store = this->open();
  for (const char* id : {"c-party", "a-party", "e-party", "b-party", "d-party"})
    store->put_party({id, "provider", "NL", std::string("name of ") + id}, test::seed_audit("create_party", id));
  auto page1 = store->list_parties("", 2);
  ASSERT_EQ(page1.size(), 2u);
  EXPECT_EQ(page1[0].id, "a-party");
  EXPECT_EQ(page1[0].name, "name of a-party");
  EXPECT_EQ(page1[1].id, "b-party");
  auto page2 = store->list_parties(page1.back().id, 10);
  ASSERT_EQ(page2.size(), 3u);
  EXPECT_EQ(page2[0].id, "c-party");
  EXPECT_EQ(page2[2].id, "e-party");
  EXPECT_TRUE(store->list_parties("e-party", 10).empty());
}

TYPED_TEST(StoreConformance, PasswordsAndLoginFailures) {
  auto store = this->open();
  this->seed_identity(*store);
  EXPECT_FALSE(store->password_of("u1"));
  const std::string phc1 = "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA", phc2 = "$argon2id$v=19$m=65536,t=3,p=1$b$c";
  store->put_password("u1", phc1, kT0, test::seed_audit("set_password", "u1"));
  EXPECT_EQ(store->password_of("u1"), phc1);
  store->put_password("u1", phc2, kT0 + 1, test::seed_audit("set_password", "u1"));  // replaces it
  EXPECT_EQ(store->password_of("u1"), phc2);
  EXPECT_FALSE(store->password_of("u2"));
  EXPECT_TRUE(throws_any_store_error(
      [&] { store->put_password("no-such-user", phc1, kT0, test::seed_audit("set_password", "x")); }));
  EXPECT_TRUE(throws_any_store_error(
      [&] { store->put_password("u2", "plain-text", kT0, test::seed_audit("set_password", "u2")); }));  // not argon2id
  EXPECT_FALSE(store->password_of("u2"));

  auto f = store->login_failures("u1");
  EXPECT_EQ(f.failures, 0);
  EXPECT_EQ(f.locked_until, 0);
  store->set_login_failures("u1", {3, kT0 + 900});
  f = store->login_failures("u1");
  EXPECT_EQ(f.failures, 3);
  EXPECT_EQ(f.locked_until, kT0 + 900);
  store->set_login_failures("u1", {4, kT0 + 1800});
  EXPECT_EQ(store->login_failures("u1").failures, 4);
  EXPECT_EQ(store->login_failures("u2").failures, 0);
  store->set_login_failures("u1", {0, 0});  // cleared
  f = store->login_failures("u1");
  EXPECT_EQ(f.failures, 0);
  EXPECT_EQ(f.locked_until, 0);
}

// Rate limits: one count per bucket and window, shared by every connection;
// a later window starts again at one and forgets the earlier ones; a hit
// made in a transaction that is undone is undone with it.
TYPED_TEST(StoreConformance, RateHitsCountPerBucketAndWindowAcrossConnections) {
  auto a = this->open();
  auto b = this->open();
  EXPECT_EQ(a->add_rate_hit("login:10.0.0.1", kT0), 1);
  EXPECT_EQ(b->add_rate_hit("login:10.0.0.1", kT0), 2);
  EXPECT_EQ(a->add_rate_hit("login:10.0.0.2", kT0), 1);
  EXPECT_EQ(b->add_rate_hit("login:10.0.0.1", kT0), 3);
  EXPECT_EQ(a->add_rate_hit("login:10.0.0.2", kT0 + 60), 1);
  EXPECT_EQ(b->add_rate_hit("login:10.0.0.1", kT0 + 60), 1);
  {
    Transaction tx(*a);
    EXPECT_EQ(a->add_rate_hit("login:10.0.0.1", kT0 + 60), 2);
  }
  EXPECT_EQ(b->add_rate_hit("login:10.0.0.1", kT0 + 60), 2);
  // The window before is kept (a process whose clock lags still counts in
  // it); an older one is forgotten: hitting it again counts from one.
  EXPECT_EQ(a->add_rate_hit("login:10.0.0.1", kT0), 4);
  EXPECT_EQ(b->add_rate_hit("login:10.0.0.9", kT0 + 120), 1);
  EXPECT_EQ(a->add_rate_hit("login:10.0.0.1", kT0), 1);
}

TYPED_TEST(StoreConformance, SessionsLiveUntilTheyEndOrExpire) {
  auto store = this->open();
  this->seed_identity(*store);
  const std::string digest = sha256_hex("session-secret");
  store->put_session("s1", "u1", digest, kT0, kT0 + 3600, test::seed_audit("login", "u1"));
  auto who = store->user_by_session(digest, kT0);
  ASSERT_TRUE(who);
  EXPECT_EQ(who->user.id, "u1");
  EXPECT_EQ(who->user.role, PartyRole::Officer);
  EXPECT_EQ(who->party.id, "de-sta");
  EXPECT_EQ(who->stored_sha256, digest);
  EXPECT_EQ(who->token_id, "s1");
  EXPECT_TRUE(store->user_by_session(digest, kT0 + 3599));
  EXPECT_FALSE(store->user_by_session(digest, kT0 + 3600));  // expired at its expiry instant
  EXPECT_FALSE(store->user_by_session(digest, kT0 + 7200));
  EXPECT_FALSE(store->user_by_session(sha256_hex("other"), kT0));
  size_t before = audit_count(*store);
  EXPECT_TRUE(store->end_session("s1", kT0 + 10, test::seed_audit("logout", "u1")));
  EXPECT_FALSE(store->user_by_session(digest, kT0 + 11));
  EXPECT_FALSE(store->end_session("s1", kT0 + 12, test::seed_audit("logout", "u1")));  // ended already
  EXPECT_FALSE(store->end_session("no-such-session", kT0 + 12, test::seed_audit("logout", "u1")));
  EXPECT_EQ(audit_count(*store), before + 1);
  EXPECT_TRUE(throws_any_store_error([&] {
    store->put_session("s2", "no-such-user", sha256_hex("x"), kT0, kT0 + 60, test::seed_audit("login", "x"));
  }));
  EXPECT_TRUE(throws_any_store_error(
      [&] { store->put_session("s1", "u2", sha256_hex("y"), kT0, kT0 + 60, test::seed_audit("login", "u2")); }));
  // A session of the second user is its own.
  store->put_session("s3", "u2", sha256_hex("z"), kT0, kT0 + 60, test::seed_audit("login", "u2"));
  EXPECT_EQ(store->user_by_session(sha256_hex("z"), kT0)->party.id, "nl-mailco");
}

// ---- Drafts, rule packs, re-decisions, statements, trust ----

TYPED_TEST(StoreConformance, DraftsReplaceOnlyTheVersionTheyRead) {
  auto store = this->open();
  this->seed_identity(*store);
  size_t before = audit_count(*store);
  store->put_draft({"d1", "u1", kT0, kT0, 1, R"({"a":1})"}, audit("save_draft", "d1", "1"));
  auto d = store->draft("d1");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->user_id, "u1");
  EXPECT_EQ(d->created_at, kT0);
  EXPECT_EQ(d->version, 1);
  EXPECT_EQ(d->body, R"({"a":1})");
  store->put_draft({"d1", "u1", kT0, kT0 + 5, 2, R"({"a":2})"}, audit("save_draft", "d1", "2"));
  EXPECT_EQ(store->draft("d1")->version, 2);
  EXPECT_EQ(store->draft("d1")->body, R"({"a":2})");
  EXPECT_EQ(store->draft("d1")->updated_at, kT0 + 5);
  EXPECT_EQ(store->draft("d1")->created_at, kT0);
  // A writer that read version 1 too late, one that skips a version, a draft that is gone.
  EXPECT_TRUE(throws_store_error(StoreError::Code::Conflict, [&] {
    store->put_draft({"d1", "u1", kT0, kT0 + 6, 2, R"({"stale":1})"}, audit("save_draft", "d1", "s"));
  }));
  EXPECT_TRUE(throws_store_error(StoreError::Code::Conflict, [&] {
    store->put_draft({"d1", "u1", kT0, kT0 + 6, 4, R"({"skip":1})"}, audit("save_draft", "d1", "s"));
  }));
  EXPECT_TRUE(throws_store_error(StoreError::Code::Conflict, [&] {
    store->put_draft({"nope", "u1", kT0, kT0 + 6, 2, "{}"}, audit("save_draft", "nope", "s"));
  }));
  EXPECT_TRUE(throws_any_store_error([&] {
    store->put_draft({"d1", "u1", kT0, kT0 + 6, 1, "{}"}, audit("save_draft", "d1", "dup"));
  }));
  EXPECT_TRUE(throws_any_store_error([&] {
    store->put_draft({"d9", "no-such-user", kT0, kT0, 1, "{}"}, audit("save_draft", "d9", "x"));
  }));
  EXPECT_EQ(store->draft("d1")->body, R"({"a":2})");
  EXPECT_FALSE(store->draft("nope"));
  EXPECT_EQ(audit_count(*store), before + 2);
  // A user's drafts, most recently updated first; another user's are not among them.
  store->put_draft({"d2", "u1", kT0 + 1, kT0 + 7, 1, "{}"}, audit("save_draft", "d2", "1"));
  store->put_draft({"d3", "u2", kT0 + 1, kT0 + 8, 1, "{}"}, audit("save_draft", "d3", "1"));
  auto mine = store->drafts_of("u1", 10);
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[0].id, "d2");
  EXPECT_EQ(mine[1].id, "d1");
  EXPECT_EQ(mine[1].version, 2);
  EXPECT_EQ(store->drafts_of("u1", 1).size(), 1u);
  EXPECT_TRUE(store->drafts_of("nobody", 10).empty());
  before = audit_count(*store);
  EXPECT_TRUE(store->delete_draft("d1", audit("delete_draft", "d1", "x")));
  EXPECT_FALSE(store->draft("d1"));
  EXPECT_FALSE(store->delete_draft("d1", audit("delete_draft", "d1", "x")));
  EXPECT_EQ(audit_count(*store), before + 1);
  EXPECT_EQ(store->drafts_of("u1", 10).size(), 1u);
}

TYPED_TEST(StoreConformance, RulePacksAreStoredOnceByContentHash) {
  auto store = this->open();
  EXPECT_TRUE(store->rule_packs().empty());
  const std::string sources_a = R"([["pack.yaml","name: eu\n"],["predicates.yaml","- id: x\n"]])";
  EXPECT_TRUE(store->put_rule_pack({"sha256:aaaa", "eu", "1.0.0", sources_a, kT0}, audit("store_pack", "a", "a")));
  EXPECT_FALSE(store->put_rule_pack({"sha256:aaaa", "eu", "1.0.0", sources_a, kT0 + 5}, audit("store_pack", "a", "a")));
  EXPECT_FALSE(store->put_rule_pack({"sha256:aaaa", "other", "9", "[]", kT0 + 6}, audit("store_pack", "a", "b")));
  EXPECT_TRUE(store->put_rule_pack({"sha256:bbbb", "eu", "1.1.0", "[]", kT0 + 7}, audit("store_pack", "b", "b")));
  EXPECT_EQ(audit_count(*store), 2u);  // the packs left as they were wrote nothing
  auto packs = store->rule_packs();
  ASSERT_EQ(packs.size(), 2u);
  EXPECT_EQ(packs[0].content_hash, "sha256:aaaa");
  EXPECT_EQ(packs[0].name, "eu");
  EXPECT_EQ(packs[0].version, "1.0.0");
  EXPECT_EQ(packs[0].sources_json, sources_a);
  EXPECT_EQ(packs[0].stored_at, kT0);
  EXPECT_EQ(packs[1].content_hash, "sha256:bbbb");
  EXPECT_EQ(packs[1].stored_at, kT0 + 7);
}

TYPED_TEST(StoreConformance, RedecisionsChangeTheDecisionOnlyAndKeepTheirHistory) {
  auto store = this->open();
  CaseRecord r = s01_case("case-1");
  r.evaluated_on = "2026-09-15";
  r.entry_json = R"({"v":1})";
  ASSERT_FALSE(apply_event(r.c, test::real_pack(), "submit", PartyRole::Officer, kT0));
  store->create_case(r, audit("create", "case-1", "x"));
  CaseRecord n = *store->load_case("case-1");
  ASSERT_GE(n.c.deadlines.size(), 1u);
  n.pack_hash = "sha256:newpack";
  n.evaluated_on = "2026-10-01";
  n.entry_json = R"({"v":2})";
  n.order_json = R"({"o":2})";
  n.c.deadlines.pop_back();
  size_t deadlines = n.c.deadlines.size();
  n.c.state = "not-saved-by-a-redecision";
  n.version = 2;
  n.updated_at = kT0 + 50;
  Redecision d{"case-1",     1,         r.pack_hash, "2026-09-15", R"({"v":1})", "sha256:newpack",
               "2026-10-01", "admin:a", "pack fix",  kT0 + 50};
  store->save_redecision(n, 1, d, audit("redecide", "case-1", "1"));
  auto got = store->load_case("case-1");
  EXPECT_EQ(got->version, 2);
  EXPECT_EQ(got->pack_hash, "sha256:newpack");
  EXPECT_EQ(got->evaluated_on, "2026-10-01");
  EXPECT_EQ(got->entry_json, R"({"v":2})");
  EXPECT_EQ(got->order_json, R"({"o":2})");
  EXPECT_EQ(got->c.deadlines.size(), deadlines);
  EXPECT_EQ(got->updated_at, kT0 + 50);
  EXPECT_EQ(got->c.state, "submitted");  // state, clocks and history unchanged
  EXPECT_EQ(got->c.history.size(), 1u);
  EXPECT_EQ(got->c.clocks.size(), r.c.clocks.size());
  EXPECT_EQ(got->request_json, r.request_json);
  // seq taken, stale version, unknown case.
  CaseRecord n3 = *got;
  n3.version = 3;
  EXPECT_TRUE(throws_store_error(StoreError::Code::Constraint,
                                 [&] { store->save_redecision(n3, 2, d, audit("redecide", "case-1", "dup")); }));
  EXPECT_EQ(store->load_case("case-1")->version, 2);
  Redecision d2 = d;
  d2.seq = 2;
  d2.reason = "second";
  EXPECT_TRUE(throws_store_error(StoreError::Code::Conflict,
                                 [&] { store->save_redecision(n, 1, d2, audit("redecide", "case-1", "stale")); }));
  CaseRecord ghost = n;
  ghost.id = "ghost";
  Redecision dg = d;
  dg.case_id = "ghost";
  EXPECT_TRUE(throws_store_error(StoreError::Code::NotFound,
                                 [&] { store->save_redecision(ghost, 1, dg, audit("redecide", "ghost", "x")); }));
  store->save_redecision(n3, 2, d2, audit("redecide", "case-1", "2"));
  auto all = store->redecisions("case-1");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].seq, 1);
  EXPECT_EQ(all[0].case_id, "case-1");
  EXPECT_EQ(all[0].from_pack, r.pack_hash);
  EXPECT_EQ(all[0].from_date, "2026-09-15");
  EXPECT_EQ(all[0].from_entry, R"({"v":1})");
  EXPECT_EQ(all[0].to_pack, "sha256:newpack");
  EXPECT_EQ(all[0].to_date, "2026-10-01");
  EXPECT_EQ(all[0].actor, "admin:a");
  EXPECT_EQ(all[0].reason, "pack fix");
  EXPECT_EQ(all[0].at, kT0 + 50);
  EXPECT_EQ(all[1].seq, 2);
  EXPECT_EQ(all[1].reason, "second");
  EXPECT_EQ(store->load_case("case-1")->version, 3);
  EXPECT_TRUE(store->redecisions("ghost").empty());
  EXPECT_EQ(audit_count(*store), 3u);  // create and two re-decisions
}

TYPED_TEST(StoreConformance, ProviderStatementsAreVersionedAndLogged) {
  auto store = this->open();
  store->append_log({{"", -1, "earlier leaf", "", "{}"}});
  StoredStatement v1{"nl-mailco", 1, sha256_hex("v1"), R"({"statement":1})", "key:abc", kT0, 0};
  StoredStatement v2{"nl-mailco", 2, sha256_hex("v2"), R"({"statement":2})", "key:abc", kT0 + 9, 0};
  EXPECT_EQ(store->put_provider_statement(v1, audit("publish_statement", "nl-mailco", "1"), {"", -1, "st-1", "", "{}"}),
            1u);
  EXPECT_EQ(store->put_provider_statement(v2, audit("publish_statement", "nl-mailco", "2"), {"", -1, "st-2", "", "{}"}),
            2u);
  EXPECT_TRUE(throws_store_error(StoreError::Code::Constraint, [&] {
    store->put_provider_statement(v2, audit("publish_statement", "nl-mailco", "2"), {"", -1, "st-2b", "", "{}"});
  }));
  EXPECT_EQ(store->log_size(), 3u);
  EXPECT_EQ(audit_count(*store), 2u);
  EXPECT_EQ(store->log_leaves(1, 10), (std::vector<std::string>{"st-1", "st-2"}));
  auto latest = store->provider_statement("nl-mailco");
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->version, 2);
  EXPECT_EQ(latest->sha256, sha256_hex("v2"));
  EXPECT_EQ(latest->signed_json, R"({"statement":2})");
  EXPECT_EQ(latest->signer, "key:abc");
  EXPECT_EQ(latest->imported_at, kT0 + 9);
  EXPECT_EQ(latest->log_index, 2u);
  auto first = store->provider_statement("nl-mailco", 1);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->version, 1);
  EXPECT_EQ(first->log_index, 1u);
  EXPECT_EQ(first->signed_json, R"({"statement":1})");
  EXPECT_FALSE(store->provider_statement("nl-mailco", 3));
  EXPECT_FALSE(store->provider_statement("be-other"));
}

TYPED_TEST(StoreConformance, SignedOrdersAreUsedOnce) {
  auto store = this->open();
  CaseRecord r = s01_case("case-1");
  r.signed_order_id = "order-1";
  r.signed_order_nonce = "nonce-1";
  r.signed_order_json = R"({"envelope":1})";
  r.order_verification_json = R"({"chain":1})";
  store->create_case(r, audit("create", "case-1", "x"));
  EXPECT_TRUE(store->signed_order_used("order-1", "other"));
  EXPECT_TRUE(store->signed_order_used("other", "nonce-1"));
  EXPECT_FALSE(store->signed_order_used("order-2", "nonce-2"));
  auto got = store->load_case("case-1");
  EXPECT_EQ(got->signed_order_id, "order-1");
  EXPECT_EQ(got->signed_order_nonce, "nonce-1");
  EXPECT_EQ(got->signed_order_json, R"({"envelope":1})");
  EXPECT_EQ(got->order_verification_json, R"({"chain":1})");
  // The envelope and its verification are saved again with the case (a validator's signature joined it).
  CaseRecord a = *got;
  size_t first_new = a.c.history.size();
  advance(a, {"submit"}, kT0 + 1);
  a.signed_order_json = R"({"envelope":2})";
  a.order_verification_json = R"({"chain":2})";
  store->save_case(a, 1, first_new, audit("submit", "case-1", "x"));
  got = store->load_case("case-1");
  EXPECT_EQ(got->signed_order_json, R"({"envelope":2})");
  EXPECT_EQ(got->order_verification_json, R"({"chain":2})");
  EXPECT_EQ(got->signed_order_id, "order-1");
  // The same id, or the same nonce, opens no second case.
  CaseRecord same_id = r, same_nonce = r;
  same_id.id = "case-2";
  same_id.signed_order_nonce = "nonce-2";
  same_nonce.id = "case-3";
  same_nonce.signed_order_id = "order-3";
  EXPECT_TRUE(throws_store_error(StoreError::Code::Constraint,
                                 [&] { store->create_case(same_id, audit("create", "case-2", "x")); }));
  EXPECT_TRUE(throws_store_error(StoreError::Code::Constraint,
                                 [&] { store->create_case(same_nonce, audit("create", "case-3", "x")); }));
  EXPECT_FALSE(store->load_case("case-2"));
  EXPECT_FALSE(store->load_case("case-3"));
  EXPECT_FALSE(store->signed_order_used("order-3", "nonce-2"));
}

TYPED_TEST(StoreConformance, TrustImportsKeepTheirOrder) {
  auto store = this->open();
  EXPECT_TRUE(store->trust_imports().empty());
  EXPECT_EQ(store->count_trust_imports(), 0);
  store->add_trust_import({"bundle-b", "cross_signed", kT0 + 5}, audit("import_trust", "b", "b"));
  EXPECT_EQ(store->count_trust_imports(), 1);
  store->add_trust_import({"bundle-a", "operator_override", kT0}, audit("import_trust", "a", "a"));
  EXPECT_TRUE(throws_any_store_error([&] {
    store->add_trust_import({"bundle-c", "because", kT0}, audit("import_trust", "c", "c"));
  }));
  EXPECT_EQ(store->count_trust_imports(), 2) << "a refused import is not counted";
  auto all = store->trust_imports();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].bundle, "bundle-b");
  EXPECT_EQ(all[0].anchor_change, "cross_signed");
  EXPECT_EQ(all[0].imported_at, kT0 + 5);
  EXPECT_EQ(all[1].bundle, "bundle-a");
  EXPECT_EQ(all[1].anchor_change, "operator_override");
  EXPECT_EQ(audit_count(*store), 2u);
}

// ---- Productions ----

// Productions are due for deletion when their retention ends or when their
// case must delete the data it obtained (failed ex-post validation), oldest
// first, and never twice.
TYPED_TEST(StoreConformance, ProductionsAreDueForDeletionByRetentionOrByTheirCase) {
  auto store = this->open();
  CaseRecord keep = s01_case("c-keep"), purge = s01_case("c-purge");
  store->create_case(keep, audit("open_case", "c-keep", "{}"), {});
  purge.c.data_marked_for_deletion = true;
  store->create_case(purge, audit("open_case", "c-purge", "{}"), {});
  auto production = [&](const std::string& id, const std::string& case_id, Instant created, Instant expires,
                        const std::string& manifest_id = "") {
    Production p{id,
                 case_id,
                 manifest_id.empty() ? "m-" + id : manifest_id,
                 R"({"manifest":")" + id + "\"}",
                 "[]",
                 created,
                 expires,
                 std::nullopt,
                 "",
                 {}};
    p.files = {{0, "a.bin", 10, std::string(64, 'a'), false}, {1, "b.bin", 20, std::string(64, 'b'), false}};
    store->put_production(p, audit("register_production", id, "{}"));
  };
  production("p-live", "c-keep", kT0 + 3, kT0 + 100);
  production("p-old", "c-keep", kT0 + 2, kT0 + 10);
  production("p-case", "c-purge", kT0 + 1, kT0 + 100);
  // A case's manifest id registers once; another case may use it.
  size_t before = audit_count(*store);
  EXPECT_TRUE(throws_store_error(StoreError::Code::Conflict,
                                 [&] { production("p-again", "c-keep", kT0 + 4, kT0 + 100, "m-p-live"); }));
  EXPECT_FALSE(store->production("p-again"));
  EXPECT_EQ(audit_count(*store), before);
  production("p-other", "c-purge", kT0 + 5, kT0 + 100, "m-p-live");
  EXPECT_TRUE(throws_any_store_error([&] { production("p-orphan", "no-such-case", kT0, kT0 + 100); }));
  auto due = [&](Instant now, int limit = 10) {
    std::vector<std::string> ids;
    for (const auto& p : store->productions_to_delete(now, limit)) ids.push_back(p.id);
    return ids;
  };
  EXPECT_EQ(due(kT0), (std::vector<std::string>{"p-case", "p-other"}));
  EXPECT_EQ(due(kT0 + 10), (std::vector<std::string>{"p-case", "p-old", "p-other"}));  // oldest first
  EXPECT_EQ(due(kT0 + 10, 2), (std::vector<std::string>{"p-case", "p-old"}));
  EXPECT_EQ(due(kT0 + 100), (std::vector<std::string>{"p-case", "p-old", "p-live", "p-other"}));
  store->mark_production_deleted("p-case", "case_requires_deletion", kT0 + 10,
                                 audit("delete_evidence", "p-case", "{}"));
  EXPECT_TRUE(throws_any_store_error(
      [&] { store->mark_production_deleted("p-case", "again", kT0 + 11, audit("delete_evidence", "p-case", "{}")); }));
  EXPECT_TRUE(throws_any_store_error([&] {
    store->mark_production_deleted("p-none", "retention_ended", kT0 + 11, audit("delete_evidence", "p-none", "{}"));
  }));
  EXPECT_EQ(due(kT0 + 10), (std::vector<std::string>{"p-old", "p-other"}));
  auto p = store->production("p-case");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->case_id, "c-purge");
  EXPECT_EQ(p->manifest_id, "m-p-case");
  EXPECT_EQ(p->manifest_json, R"({"manifest":"p-case"})");
  EXPECT_EQ(p->verification_json, "[]");
  EXPECT_EQ(p->created_at, kT0 + 1);
  EXPECT_EQ(p->expires_at, kT0 + 100);
  EXPECT_EQ(p->deleted_at, kT0 + 10);
  EXPECT_EQ(p->deletion_reason, "case_requires_deletion");
  ASSERT_EQ(p->files.size(), 2u);
  EXPECT_EQ(p->files[1].index, 1);
  EXPECT_EQ(p->files[1].name, "b.bin");
  EXPECT_EQ(p->files[1].ciphertext_bytes, 20u);
  EXPECT_EQ(p->files[1].ciphertext_sha256, std::string(64, 'b'));
  EXPECT_FALSE(store->production("p-live")->deleted_at);
  store->mark_file_complete("p-live", 1, audit("receive_evidence", "p-live", "{}"));
  EXPECT_TRUE(store->production("p-live")->files[1].complete);
  EXPECT_FALSE(store->production("p-live")->files[0].complete);
  EXPECT_TRUE(throws_any_store_error(
      [&] { store->mark_file_complete("p-live", 7, audit("receive_evidence", "p-live", "{}")); }));
  auto of_keep = store->productions_for_case("c-keep");
  std::set<std::string> ids;
  for (const auto& q : of_keep) ids.insert(q.id);
  EXPECT_EQ(ids, (std::set<std::string>{"p-live", "p-old"}));
  EXPECT_TRUE(store->productions_for_case("no-such-case").empty());
}

// ---- Read-only stores ----

TYPED_TEST(StoreConformance, AReadOnlyStoreReadsButRefusesEveryWrite) {
  auto rw = this->open();
  this->seed_identity(*rw);
  rw->create_case(s01_case("case-1"), audit("create", "case-1", "x"), {{"case-1", -1, "open", "s", "{}"}});
  rw->put_checkpoint({1, ledger::leaf_hash("open"), "note", kT0});
  size_t audits = audit_count(*rw);
  auto ro = this->open(StoreAccess::ReadOnly);
  EXPECT_NO_THROW(ro->ping());
  EXPECT_EQ(ro->load_case("case-1")->version, 1);
  EXPECT_EQ(ro->list_cases("", 10).size(), 1u);
  EXPECT_EQ(ro->log_size(), 1u);
  EXPECT_EQ(ro->latest_checkpoint()->tree_size, 1u);
  EXPECT_EQ(ro->party("de-sta")->name, "Staatsanwaltschaft Berlin");
  EXPECT_EQ(audit_count(*ro), audits);
  EXPECT_TRUE(throws_any_store_error([&] { ro->create_case(s01_case("case-2"), audit("create", "case-2", "x")); }));
  CaseRecord a = *ro->load_case("case-1");
  size_t first_new = a.c.history.size();
  advance(a, {"submit"}, kT0 + 1);
  EXPECT_TRUE(throws_any_store_error([&] { ro->save_case(a, 1, first_new, audit("submit", "case-1", "x")); }));
  EXPECT_TRUE(throws_any_store_error([&] { ro->append_audit(audit("read", "case-1", "x")); }));
  EXPECT_TRUE(throws_any_store_error([&] { ro->append_log({{"case-1", 0, "leaf", "s", "{}"}}); }));
  EXPECT_TRUE(throws_any_store_error([&] { ro->put_checkpoint({2, ledger::leaf_hash("x"), "n", kT0}); }));
  EXPECT_TRUE(throws_any_store_error([&] {
    ro->put_party({"fr-x", "provider", "FR", "x"}, test::seed_audit("create_party", "p"));
  }));
  EXPECT_TRUE(throws_any_store_error([&] { ro->set_login_failures("u1", {1, kT0}); }));
  EXPECT_TRUE(throws_any_store_error([&] {
    ro->put_rule_pack({"sha256:cc", "eu", "1", "[]", kT0}, audit("store_pack", "c", "c"));
  }));
  EXPECT_TRUE(throws_any_store_error([&] { ro->group_commit([&] { ro->append_audit(audit("read", "x", "x")); }); }));
  // Nothing was written.
  EXPECT_EQ(audit_count(*rw), audits);
  EXPECT_EQ(rw->log_size(), 1u);
  EXPECT_EQ(rw->load_case("case-1")->version, 1);
  EXPECT_FALSE(rw->load_case("case-2"));
  EXPECT_FALSE(rw->party("fr-x"));
  EXPECT_EQ(rw->login_failures("u1").failures, 0);
  EXPECT_TRUE(rw->rule_packs().empty());
  EXPECT_EQ(rw->checkpoints(0, 10).size(), 1u);
  // The read-only store sees what the writer commits afterwards.
  rw->append_audit(audit("read", "case-1", "later"));
  EXPECT_EQ(audit_count(*ro), audits + 1);
}

// A read-only store needs the current schema: it never creates or migrates one.
TYPED_TEST(StoreConformance, AReadOnlyStoreRequiresAMigratedDatabase) {
  EXPECT_TRUE(throws_any_store_error([&] { this->open(StoreAccess::ReadOnly); }));
  auto rw = this->open();  // the location is still usable, and migrated now
  rw->append_audit(audit("read", "x", "x"));
  auto ro = this->open(StoreAccess::ReadOnly);
  EXPECT_EQ(audit_count(*ro), 1u);
}

// Opening a store that exists migrates nothing again and keeps its data.
TYPED_TEST(StoreConformance, ReopeningKeepsEverything) {
  {
    auto store = this->open();
    this->seed_identity(*store);
    store->create_case(s01_case("case-1"), audit("create", "case-1", "x"), {{"case-1", -1, "open", "s", "{}"}});
    store->put_checkpoint({1, ledger::leaf_hash("open"), "note", kT0});
  }
  auto store = this->open();
  EXPECT_NO_THROW(store->ping());
  EXPECT_TRUE(store->load_case("case-1"));
  EXPECT_EQ(store->log_size(), 1u);
  EXPECT_EQ(store->latest_checkpoint()->note, "note");
  EXPECT_EQ(store->user("u2")->party_id, "nl-mailco");
  EXPECT_EQ(audit_count(*store), 5u);
}

}  // namespace
}  // namespace comity
