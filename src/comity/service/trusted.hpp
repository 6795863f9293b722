// What the exchange trusts, as its store keeps it (docs/trust.md): the
// operator's trust-bundle imports in order, each with how a changed anchor
// was accepted. The server and the CLI rebuild the trust store from them.
//
// Several `comity serve` processes may share one database
// (docs/scale-out.md), and an import through any of them must take effect
// in all. So the store is the source of truth and each process's trust
// store in memory a cache of its first n imports: TrustService brings it up
// to date before it is used, as LogService does the log's tree. Imports are
// append-only (the database refuses UPDATE and DELETE), so the cache is
// current while the store holds n of them — one count query, the common
// path — and otherwise only the imports past n are replayed onto a copy.
//
// An import is checked and stored in one write transaction, under the
// writer lock every process takes (SQLite's one writer, PostgreSQL's
// advisory lock), against the imports stored at that moment: two processes
// importing at once cannot each check against a state without the other's
// import, and store a sequence that no longer replays.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "comity/service/committer.hpp"
#include "comity/store/store.hpp"
#include "comity/trust/credentials.hpp"

namespace comity {

// How an import takes a changed anchor, as stored and as the API names it:
// "cross_signed" or "operator_override".
std::string_view anchor_change_name(trust::AnchorChange change);
// nullopt for any other name.
std::optional<trust::AnchorChange> anchor_change_named(std::string_view name);

// The trust store `store`'s imports build, replayed in order. Throws
// trust::TrustError if a stored import no longer applies, StoreError if
// one is unreadable.
trust::TrustStore trusted_by(Store& store);

class TrustService {
 public:
  // What `db`'s imports build (trusted_by). REQUIRES: `db` is used by this
  // thread alone for the call.
  explicit TrustService(Store& db);
  TrustService(const TrustService&) = delete;
  TrustService& operator=(const TrustService&) = delete;

  // What the exchange trusts now: the imports `db` holds that this process
  // has not applied (another process's) are replayed first; when there are
  // none, one count query. REQUIRES: `db` is a connection of this node's
  // store used by this thread alone for the call (a read lease, or the
  // writer under its lock). Throws StoreError, or trust::TrustError if a
  // stored import no longer applies.
  std::shared_ptr<const trust::TrustStore> current(Store& db);

  // Imports `bundle`: in the next group commit of `committer` (whose store
  // is `writer`), checks it against every import stored at that moment and
  // stores it with its audit entry (action import_trust, by `actor`, at
  // `now`); it takes effect here once durable, and in the other processes
  // on their next current(). Returns what is trusted then. One import at a
  // time in this process. Throws trust::TrustError (Untrusted; Conflict for
  // a stale revocation list), having stored nothing, or the commit's
  // failure. REQUIRES: the caller holds neither the writer's lock nor a
  // read lease that holds it.
  std::shared_ptr<const trust::TrustStore> import(GroupCommitter& committer, Store& writer,
                                                  const nlohmann::json& bundle, trust::AnchorChange how,
                                                  const std::string& actor, Instant now);

 private:
  // A trust store and the number of stored imports it is made of.
  struct Applied {
    std::shared_ptr<const trust::TrustStore> trust;
    int64_t imports = 0;
  };
  Applied applied();
  // `from` brought up to the imports `db` holds (itself when it holds `from.imports`).
  static Applied caught_up(const Applied& from, Store& db);
  // Keeps `next` unless what is kept is made of as many imports or more.
  void keep(Applied next);

  std::mutex import_mu_;  // one import at a time, so none is lost
  std::mutex mu_;
  Applied applied_;  // guarded by mu_
};

}  // namespace comity
