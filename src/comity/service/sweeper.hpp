// The node's background duties, one process at a time (docs/scale-out.md,
// docs/transparency-log.md): the expiry sweep — acting on the legal clocks
// that ran out and deleting evidence past its retention — and publishing
// checkpoints of the transparency log.
//
// Every process of a node runs a sweeper; on each pass (every sweep_every)
// it takes or renews the log signer's lease. Only the holder sweeps and
// publishes, so a clock's expiry is acted on by one process and the log has
// one signer; the others stand by and take the lease over within its time
// when the holder dies. A new holder publishes at once what its predecessor
// left unsigned, and from then on every checkpoint_every (counted from the
// last checkpoint published by any caller, see published()). A clean stop
// gives the lease up, so another process takes it at once.
//
// Transport-free: what it did is reported through a Sink (the server turns
// it into metrics and log lines); its failures are logged there and never
// end the loop — the next pass tries again.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>

#include "comity/service/case_service.hpp"
#include "comity/service/evidence.hpp"
#include "comity/service/log_service.hpp"
#include "comity/store/store.hpp"
#include "comity/workflow/clock.hpp"

namespace comity {

class Sweeper {
 public:
  // Where the sweeper reports. Each function may be called from the
  // sweeper's thread or from sweep()'s caller; none may be empty.
  struct Sink {
    std::function<void(size_t events)> expiry_events;  // workflow events one case's expired clocks fired
    std::function<void()> swept;                       // a pass of the sweep completed
    std::function<void(const nlohmann::json&)> log;    // a structured log line
  };
  struct Every {
    std::chrono::milliseconds sweep;       // between passes (and lease renewals)
    std::chrono::milliseconds checkpoint;  // between checkpoints of the holder
  };

  // `publish` signs and records a checkpoint of the committed log (the
  // node's publish_checkpoint, which calls published()). `evidence` may be
  // null (no evidence kept). REQUIRES: every reference outlives this
  // object; `store_mu` is the lock every user of `store` takes.
  Sweeper(Store& store, std::mutex& store_mu, CaseService& cases, EvidenceService* evidence, LogService& log,
          const Clock& clock, Every every, std::function<void()> publish, Sink sink);
  Sweeper(const Sweeper&) = delete;
  Sweeper& operator=(const Sweeper&) = delete;

  // One pass of the expiry sweep, whoever holds the lease: acts on the
  // clocks that ran out by the clock's now, then on evidence past its
  // retention. Returns the number of cases and productions changed.
  // REQUIRES: store_mu not held.
  int sweep();

  // The loop, on the caller's thread, until stop(): every `every.sweep`,
  // takes or renews the signer's lease and, while holding it, sweeps and
  // publishes. Releases the lease on the way out. REQUIRES: store_mu not
  // held; one run() at a time; start_run() before it.
  void run();
  // Ends run() (now, or once its pass ends). Thread-safe.
  void stop();
  // Clears a previous stop(), so run() may start again. REQUIRES: run() is not running.
  void start_run();

  // A checkpoint was just published (by this sweeper or anyone): the next
  // is due `every.checkpoint` from now. Thread-safe.
  void published();

 private:
  // Takes or renews the lease; whether this process holds it.
  bool hold_lease();
  void release_lease();

  Store& store_;
  std::mutex& store_mu_;
  CaseService& cases_;
  EvidenceService* const evidence_;
  LogService& log_;
  const Clock& clock_;
  const Every every_;
  const std::function<void()> publish_;
  const Sink sink_;
  std::atomic<std::chrono::steady_clock::rep> last_publish_;  // steady_clock ticks

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
};

}  // namespace comity
