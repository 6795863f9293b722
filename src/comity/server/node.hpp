// The node's state behind the HTTP layer: the store and its read
// connections, the services (service/: the cases, identity, drafts,
// evidence, the transparency log, trust, the group committer, the sweeper),
// authentication, the checkpoints and statistics served, and the metrics.
// Handlers (handlers_*.cpp) get a Node and a Call; the router (router.cpp)
// is the only caller of handlers.
//
// Locking (REQUIRES comments name them): store_mu serialises the writer
// connection; pool_mu the idle readers; publish_mu the order of
// checkpoints; stats_mu the statistics cache; metrics.mu the counters. The
// services keep their own (service/*.hpp): the committer its queue, the log
// service its tree, the trust service its trust store and its one import at
// a time, the sweeper its stop flag. Order: publish_mu, then store_mu, then
// the log's tree, the trust store's lock or metrics.mu; stats_mu before a
// read lease (pool_mu, or store_mu without readers); the trust service's
// import lock is held while its import waits for the committer, which takes
// store_mu.
#pragma once

#include <array>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "comity/ledger/merkle.hpp"
#include "comity/server/api_server.hpp"
#include "comity/server/http.hpp"
#include "comity/service/case_service.hpp"
#include "comity/service/committer.hpp"
#include "comity/service/drafts.hpp"
#include "comity/service/evidence.hpp"
#include "comity/service/identity.hpp"
#include "comity/service/log_service.hpp"
#include "comity/service/permissions.hpp"
#include "comity/service/sweeper.hpp"
#include "comity/service/trusted.hpp"
#include "comity/store/evidence_vault.hpp"
#include "comity/trust/credentials.hpp"

namespace comity {

class FederationService;
class WitnessService;
struct Route;

// One request being handled: the exchange, the route it matched, its path
// parameters (in the template's order) and, on authenticated routes, who
// called.
struct Call {
  const HttpRequest& req;
  HttpResponse& res;
  const Route& route;
  std::vector<std::string> params;
  std::optional<Principal> who;

  // REQUIRES: an authenticated route (the router set `who`).
  const Principal& principal() const {
    COMITY_ASSERT(who.has_value(), "an authenticated route has its principal");
    return *who;
  }
  const std::string& param(size_t i) const {
    COMITY_ASSERT(i < params.size(), "a route's handler reads only its own path parameters");
    return params[i];
  }
};

// One structured log line on stderr (JSON, always valid UTF-8).
void log_line(const nlohmann::json& line);

Actor actor_of(const Principal& who);

inline constexpr double kLatencyBuckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};

struct Metrics {
  std::mutex mu;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests;               // (method, route, status)
  std::map<std::string, std::array<uint64_t, std::size(kLatencyBuckets) + 1>> latency;  // route → buckets (+Inf)
  std::map<std::string, double> latency_sum;
  uint64_t expiry_events = 0;  // workflow events fired by the expiry sweep
  uint64_t sweeps = 0;         // expiry sweeps completed

  void record(const std::string& method, const std::string& route, int status, double seconds);
};

class Node {
 public:
  // Keeps the packs of `p` in the store and adds those the store kept
  // (sync_packs) before serving.
  Node(const PackRegistry& p, Store& s, const Clock& c, ServerOptions o);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const PackRegistry packs;  // every pack a case may rest on; filled before serving
  const Pack& pack;          // packs.current(): the pack new cases open under
  Store& store;
  const Clock& clock;
  const ServerOptions options;
  std::mutex store_mu;  // the writer connection is used by one thread at a time
  Metrics metrics;
  RandomIds ids;
  CaseService cases;
  IdentityService identity;
  DraftService drafts;
  // Evidence in transit (null without ServerOptions::evidence_dir).
  std::unique_ptr<EvidenceVault> vault;
  std::unique_ptr<EvidenceService> evidence;

  // A store to read from for the lifetime of the lease: a read connection
  // from the pool, or the writer under store_mu when there are none.
  class ReadLease {
   public:
    explicit ReadLease(Node& node);
    ~ReadLease();
    ReadLease(const ReadLease&) = delete;
    ReadLease& operator=(const ReadLease&) = delete;
    Store& operator*() const { return *db_; }
    Store* operator->() const { return db_; }

   private:
    Node& node_;
    Store* db_ = nullptr;
    std::unique_lock<std::mutex> writer_lock_;
  };

  // Runs `work` (calls on the store or the services) in the next group
  // commit and returns once that commit is durable (GroupCommitter::durably).
  // Rethrows what `work` threw, or the commit's failure. REQUIRES: store_mu
  // not held.
  void durably(std::function<void()> work) { committer.durably(std::move(work)); }

  // The principal behind "Authorization: Bearer TOKEN" or a browser session
  // cookie. Throws Error{Unauthenticated} (the caller adds WWW-Authenticate)
  // or, for a change under a session without its CSRF token, Forbidden.
  // REQUIRES: `db` is a read lease or the writer under store_mu.
  Principal authenticate(Store& db, const HttpRequest& req);
  // authenticate() on a read lease, released before returning.
  Principal authenticated(const HttpRequest& req);
  // The comity_session cookie's value, or "".
  static std::string session_cookie(const HttpRequest& req);
  std::string session_cookie_header(const std::string& value, int64_t max_age) const;

  // Loads the case `who` may see, with its facts set, and its audience.
  // Throws Error{NotFound} when it does not exist for `who` (ids cannot be probed).
  std::pair<CaseRecord, Audience> visible_case(Store& db, const Principal& who, const std::string& id);

  // What the exchange trusts, brought up to date from the store first
  // (another process may have imported since): through `db`, a read lease
  // or the writer under store_mu; or through a read lease taken here.
  std::shared_ptr<const trust::TrustStore> trusted(Store& db) { return trust.current(db); }
  std::shared_ptr<const trust::TrustStore> trusted();

  // The transparency log (docs/transparency-log.md, service/log_service.hpp).
  LogService log;
  // What the exchange trusts (docs/trust.md, service/trusted.hpp).
  TrustService trust;
  // Every write of the handlers, in group commits on `store`; syncs `log`
  // after each. Declared after the services its jobs use, so it is gone
  // (its queue drained) before they are.
  GroupCommitter committer;

  // The federation (service/federation.hpp): null unless the node has an
  // identity (ServerOptions::federation). Declared after the log and trust
  // it uses.
  std::unique_ptr<FederationService> federation;
  // *federation; Error{NotFound} when the node is not federated (it has no
  // federation routes to speak of).
  FederationService& federated();
  // The witness of peers' logs and the submitter of this node's own
  // checkpoints (service/witness.hpp): non-null exactly when `federation` is.
  std::unique_ptr<WitnessService> witness;
  // As the signer (the lease holder), signs and durably records a
  // checkpoint of the committed log unless the latest published one has
  // the same size; returns the latest. REQUIRES: store_mu not held.
  StoredCheckpoint publish_checkpoint();
  // A checkpoint whose tree holds leaf `index`: the latest published, if it
  // does, or one this process publishes now as the signer. Callers at the
  // same time share one publish (the first covers the others' leaves).
  // Throws Error{Unavailable} when another process is the signer and has
  // not covered the leaf yet. REQUIRES: store_mu not held.
  StoredCheckpoint checkpoint_covering(uint64_t index);
  // The latest published checkpoint; the first is published when asked for.
  StoredCheckpoint current_checkpoint();
  // The statistics of the latest checkpoint (recomputed when the log grew).
  nlohmann::ordered_json statistics_report();
  // Runs `f(tree)` on the log synced from the store (through `db`, a read
  // lease or the writer under store_mu; or through a read lease taken here).
  template <class F>
  auto with_log(Store& db, F&& f) {
    return log.with_tree(db, std::forward<F>(f));
  }
  template <class F>
  auto with_log(F&& f) {
    ReadLease db(*this);
    return log.with_tree(*db, std::forward<F>(f));
  }
  std::string log_verifier_key() const { return log.verifier_key(); }

  // The expiry sweep and the signer's loop (service/sweeper.hpp), whose
  // reports become metrics and log lines.
  int sweep() { return sweeper_->sweep(); }
  void run_sweeper() { sweeper_->run(); }
  void stop_sweeper() { sweeper_->stop(); }
  void start_sweeper_run() { sweeper_->start_run(); }

  std::string render_metrics();

 private:
  std::vector<std::unique_ptr<Store>> readers_;
  std::vector<Store*> idle_readers_;  // guarded by pool_mu_
  std::mutex pool_mu_;
  std::condition_variable pool_cv_;

  std::mutex publish_mu_;

  std::mutex stats_mu_;
  uint64_t stats_size_ = UINT64_MAX;  // guarded by stats_mu_
  nlohmann::ordered_json stats_;      // guarded by stats_mu_

  std::unique_ptr<Sweeper> sweeper_;  // made once `evidence` is
};

}  // namespace comity
