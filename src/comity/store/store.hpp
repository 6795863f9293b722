// The Store: what the services and the server need from persistence, and
// nothing that decides — one repository per aggregate (cases, parties and
// users, trust, the log, evidence, drafts, publications, audit, the
// federation and its witness), each in its own header, so a service depends on the
// aggregates it uses and nothing else. Both backends (SQLite, the embedded
// default; PostgreSQL) implement all of them over SQL written once per
// aggregate (sql_cases.cpp, sql_identity.cpp, sql_log.cpp, sql_fed.cpp,
// sql_witness.cpp, sql_store.cpp); the conformance suites (store_conformance_test.cpp,
// fed_store_conformance_test.cpp) run against both.
//
// Atomicity. Every repository call is atomic: it commits entirely or not at
// all, and every change takes its audit entry (and, for a case or a
// statement, its transparency-log leaves) in the same call, so no change
// can be stored unaudited or unlogged. To make several calls one unit, the
// caller opens a Transaction: the calls join it, each still undone alone if
// it fails, and one COMMIT makes them durable together (group commit,
// docs/store.md). Errors are StoreError (store_error.hpp), whichever
// backend answered.
#pragma once

#include <functional>

#include "comity/store/audit_repository.hpp"
#include "comity/store/case_repository.hpp"
#include "comity/store/draft_repository.hpp"
#include "comity/store/evidence_repository.hpp"
#include "comity/store/fed_repository.hpp"
#include "comity/store/identity_repository.hpp"
#include "comity/store/log_repository.hpp"
#include "comity/store/publication_repository.hpp"
#include "comity/store/store_error.hpp"
#include "comity/store/trust_repository.hpp"
#include "comity/store/witness_repository.hpp"

namespace comity {

class Transaction;

class Store : public CaseRepository,
              public IdentityRepository,
              public TrustRepository,
              public LogRepository,
              public EvidenceRepository,
              public DraftRepository,
              public PublicationRepository,
              public AuditRepository,
              public FedRepository,
              public WitnessRepository {
 public:
  ~Store() override = default;

  CaseRepository& cases() { return *this; }
  IdentityRepository& identity() { return *this; }
  TrustRepository& trust() { return *this; }
  LogRepository& log() { return *this; }
  EvidenceRepository& evidence() { return *this; }
  DraftRepository& drafts() { return *this; }
  PublicationRepository& publications() { return *this; }
  AuditRepository& audit() { return *this; }
  FedRepository& fed() { return *this; }
  WitnessRepository& witness() { return *this; }

  // Group commit: runs `work` — calls on this store, each still atomic on
  // its own (a failed one is undone alone) — in one Transaction made
  // durable by a single COMMIT at the end. If that COMMIT fails, throws, and
  // nothing `work` did is stored. Callers acknowledge an operation only
  // after this returns, so no unsynced write is ever acknowledged. An
  // exception `work` lets out undoes everything and is rethrown.
  void group_commit(const std::function<void()>& work);
  // A trivial query: throws StoreError if the database cannot be read (readiness).
  virtual void ping() = 0;

 protected:
  friend class Transaction;
  // Opens a write transaction, or a savepoint inside the open one.
  virtual void begin_unit() = 0;
  // Commits (durably) the unit begin_unit opened last, or releases its savepoint.
  virtual void commit_unit() = 0;
  // Undoes the unit begin_unit opened last. Never throws.
  virtual void rollback_unit() noexcept = 0;
};

// A transaction the caller opens on `store` (one connection, one thread):
// every call on the store until commit() joins it. Each call is still
// atomic on its own — a call that throws is undone alone, and the caller
// decides whether to go on — and commit() makes all of them durable with
// one COMMIT (throwing StoreError, with nothing stored, if it fails).
// Destroyed without commit(), it undoes every call made in it. Opened while
// another is open on the same store, it is a savepoint of that one: its
// commit() keeps its calls for the outer one to commit. REQUIRES:
// Transactions on one store close innermost first, as nested scopes do.
class Transaction {
 public:
  explicit Transaction(Store& store) : store_(store) { store_.begin_unit(); }
  ~Transaction() {
    if (open_) store_.rollback_unit();
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // REQUIRES: not committed yet.
  void commit() {
    COMITY_ASSERT(open_, "a transaction commits once");
    open_ = false;
    try {
      store_.commit_unit();
    } catch (...) {
      store_.rollback_unit();
      throw;
    }
  }

 private:
  Store& store_;
  bool open_ = true;
};

inline void Store::group_commit(const std::function<void()>& work) {
  Transaction tx(*this);
  work();
  tx.commit();
}

enum class StoreAccess : uint8_t { ReadWrite, ReadOnly };

}  // namespace comity
