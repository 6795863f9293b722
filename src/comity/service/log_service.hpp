// The node's transparency log across every process on its database
// (docs/transparency-log.md, docs/scale-out.md).
//
// Leaves are sequenced by the store: each is written in the transaction of
// the case change it records, and every write transaction holds the one
// writer lock (SQLite's single writer; PostgreSQL's advisory lock taken by
// every process), so the next index is read and used by one transaction at
// a time in the whole deployment — no index twice, none skipped, whichever
// process wrote it. Each process keeps the Merkle tree of the committed
// leaves in memory and brings it up to date from the store before it
// serves a proof or a tile (leaves never change once committed, so any
// connection may be read).
//
// Checkpoints are signed by one process at a time: the holder of the
// "log-signer" lease (a row with an epoch, Store::take_lease). The holder
// renews it on every pass of its sweeper; when it dies, the lease expires
// and another process takes it with the next epoch. A checkpoint is stored
// fenced by the epoch its signer holds, in the transaction that checks it,
// so a process that lost its lease (paused, partitioned) cannot publish.
// Every process signs with the node's one log key; a process started with
// another key refuses to serve a log it did not sign.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "comity/crypto/ed25519.hpp"
#include "comity/ledger/merkle.hpp"
#include "comity/store/store.hpp"

namespace comity {

class LogService {
 public:
  static constexpr const char* kSignerLease = "log-signer";

  // `holder`: this process's name in the lease (unique per process run).
  LogService(std::string origin, std::shared_ptr<const crypto::SigningKey> key, std::string holder,
             std::chrono::milliseconds lease_ttl);

  // Appends to the in-memory tree the leaves committed since it was last
  // synced, read through `db` (any connection of this node's store).
  void sync(Store& db);

  // Syncs from `db`, then refuses to serve (StoreError{Corrupt}) a store
  // whose latest checkpoint the stored leaves do not extend (history
  // rewritten or leaves lost), or (Error{Untrusted}) one this key did not sign.
  void check(Store& db);

  // Takes or renews the signer's lease through `writer` (the caller holds
  // the writer connection, no transaction open). True while this process
  // holds it.
  bool hold_lease(Store& writer);
  // Gives the lease up, so another process takes it at once (a clean stop).
  void release_lease(Store& writer);

  // In one transaction on `writer` (held by the caller, no transaction
  // open): renews or takes the signer's lease; as its holder, when the log
  // grew past the latest checkpoint, signs one over every committed leaf
  // and stores it fenced by the lease's epoch. Returns the latest
  // checkpoint — this one, or the last published. Throws
  // Error{Unavailable} when none is published yet and another process is
  // the signer (it publishes within its interval).
  StoredCheckpoint publish(Store& writer, Instant now);

  // Runs `f(tree)` on the tree synced from `db`, under the tree's lock.
  template <class F>
  auto with_tree(Store& db, F&& f) {
    sync(db);
    std::lock_guard<std::mutex> lock(mu_);
    return f(static_cast<const ledger::MerkleTree&>(tree_));
  }

  // The C2SP signed-note verifier key of the log.
  std::string verifier_key() const;
  const std::string& holder() const { return holder_; }

 private:
  Lease take(Store& writer);

  const std::string origin_;
  const std::shared_ptr<const crypto::SigningKey> key_;
  const std::string holder_;
  const std::chrono::milliseconds ttl_;
  std::mutex mu_;            // the tree
  ledger::MerkleTree tree_;  // guarded by mu_
};

// A name for this process run in leases: host, process id and a random part.
std::string process_holder_name();

}  // namespace comity
