#include "comity/service/sweeper.hpp"

#include <string>
#include <vector>

#include "comity/util/date.hpp"

namespace comity {

using Clk = std::chrono::steady_clock;

Sweeper::Sweeper(Store& store, std::mutex& store_mu, CaseService& cases, EvidenceService* evidence, LogService& log,
                 const Clock& clock, Every every, std::function<void()> publish, Sink sink)
    : store_(store),
      store_mu_(store_mu),
      cases_(cases),
      evidence_(evidence),
      log_(log),
      clock_(clock),
      every_(every),
      publish_(std::move(publish)),
      sink_(std::move(sink)),
      last_publish_(Clk::now().time_since_epoch().count()) {}

void Sweeper::published() {
  last_publish_ = Clk::now().time_since_epoch().count();
}

// Acts on the clocks that ran out, a bounded batch per query. A case that
// cannot be saved (e.g. a concurrent step got there first, which itself
// acted on the expiry) is logged and left to the next pass.
int Sweeper::sweep() {
  constexpr int kBatch = 100;
  int changed = 0;
  for (int round = 0; round < 10; ++round) {
    std::vector<std::string> due;
    {
      std::lock_guard<std::mutex> lock(store_mu_);
      due = store_.cases_with_unhandled_expiries(clock_.now(), kBatch);
    }
    for (const auto& id : due) {
      try {
        std::lock_guard<std::mutex> lock(store_mu_);
        auto fired = cases_.expire(id);
        log_.sync(store_);
        ++changed;
        sink_.expiry_events(fired.size());
        if (!fired.empty())
          sink_.log({{"ts", format_instant(clock_.now())},
                     {"level", "info"},
                     {"msg", "clock expired"},
                     {"case", id},
                     {"events", fired}});
      } catch (const std::exception& e) {
        sink_.log({{"level", "error"}, {"msg", "expiry sweep"}, {"case", id}, {"error", e.what()}});
      }
    }
    if (due.size() < kBatch) break;
  }
  // Evidence whose retention ended, or whose case must delete what it obtained.
  if (evidence_) {
    try {
      std::lock_guard<std::mutex> lock(store_mu_);
      int deleted = evidence_->purge();
      changed += deleted;
      if (deleted)
        sink_.log({{"ts", format_instant(clock_.now())},
                   {"level", "info"},
                   {"msg", "evidence deleted"},
                   {"productions", deleted}});
    } catch (const std::exception& e) {
      sink_.log({{"level", "error"}, {"msg", "evidence retention"}, {"error", e.what()}});
    }
  }
  sink_.swept();
  return changed;
}

void Sweeper::start_run() {
  std::lock_guard<std::mutex> lock(mu_);
  stopping_ = false;
}

void Sweeper::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
}

bool Sweeper::hold_lease() {
  try {
    std::lock_guard<std::mutex> store_lock(store_mu_);
    return log_.hold_lease(store_);
  } catch (const std::exception& e) {
    // Cannot tell: stand by (the fence refuses a stale signer's checkpoint anyway).
    sink_.log({{"level", "error"}, {"msg", "log signer lease"}, {"error", e.what()}});
    return false;
  }
}

void Sweeper::release_lease() {
  try {
    std::lock_guard<std::mutex> store_lock(store_mu_);
    log_.release_lease(store_);
  } catch (const std::exception& e) {
    sink_.log({{"level", "error"}, {"msg", "log signer lease"}, {"error", e.what()}});
  }
}

void Sweeper::run() {
  bool signer = false;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    const bool was_signer = signer;
    signer = hold_lease();
    if (signer != was_signer)
      sink_.log({{"ts", format_instant(clock_.now())},
                 {"level", "info"},
                 {"msg", signer ? "this process signs the log and sweeps the clocks" : "another process signs the log"},
                 {"holder", log_.holder()}});
    if (signer) {
      sweep();
      // A new signer publishes at once what its predecessor left unsigned.
      if (!was_signer || Clk::now() - Clk::time_point(Clk::duration(last_publish_.load())) >= every_.checkpoint) try {
          publish_();
        } catch (const std::exception& e) {
          sink_.log({{"level", "error"}, {"msg", "checkpoint"}, {"error", e.what()}});
        }
    }
    lock.lock();
    cv_.wait_for(lock, every_.sweep, [this] { return stopping_; });
  }
  lock.unlock();
  if (signer) release_lease();
}

}  // namespace comity
