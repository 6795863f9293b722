// Group commit (docs/store.md): the node's writes, from every handler
// thread, go through one committer thread. It takes every job waiting at
// that moment (up to kMaxBatch), runs them under the writer lock inside one
// Store::group_commit — one transaction, each job's store calls still
// atomic on their own — and one durable COMMIT, then wakes each job's
// caller. What the group buys is one fsync for many writes.
//
// A caller returns only after the COMMIT that holds its work returned, so
// no unsynced write is ever acknowledged. Failures stay with their owners:
// each job runs in its own savepoint (a Transaction inside the batch's), so
// a job that throws fails alone with its own exception and everything it
// wrote is undone (the other jobs of its batch commit); a COMMIT that fails
// fails every job of the batch that had not failed already, with the
// COMMIT's exception. Nothing of the batch is then stored — except when the
// connection is lost during the COMMIT itself, when PostgreSQL cannot say
// whether it held: callers retry with their idempotency keys.
//
// Each waiter sleeps on its own condition variable, so a commit wakes
// exactly the threads whose work it holds, not the herd waiting for the
// next one. Transport-free: the server's Node owns one; nothing here knows
// of HTTP.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

#include "comity/store/store.hpp"

namespace comity {

class GroupCommitter {
 public:
  static constexpr size_t kMaxBatch = 1024;  // jobs in one COMMIT at most

  // Starts the committer thread. `after_commit(store)` runs after each
  // COMMIT (under `store_mu`; the node syncs its log there); what it throws
  // is dropped, since the batch is stored — the hook's work must be
  // retried by its next user. REQUIRES: `store` and `store_mu` outlive this object;
  // `store_mu` is the lock every user of `store`'s connection takes.
  GroupCommitter(Store& store, std::mutex& store_mu, std::function<void(Store&)> after_commit = {});
  // Commits every job still queued, waits until their callers have
  // returned, then joins the thread. A durably() call that starts once
  // destruction has begun throws Error{Unavailable}. REQUIRES: none is
  // still entering durably() when the object's memory goes.
  ~GroupCommitter();
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Runs `work` (calls on the store or on services over it) in the next
  // group commit and returns once that commit is durable. Rethrows what
  // `work` threw, or the commit's failure. REQUIRES: the caller does not
  // hold `store_mu` (the committer takes it to run `work`).
  void durably(std::function<void()> work);

  // Jobs queued and not yet taken into a batch (a seam for tests).
  size_t waiting();

 private:
  struct Job {
    std::function<void()> work;
    std::exception_ptr error;
    bool done = false;             // guarded by mu_
    std::condition_variable wake;  // the job's own thread waits here
  };
  void run();

  Store& store_;
  std::mutex& store_mu_;
  const std::function<void(Store&)> after_commit_;
  std::mutex mu_;  // the queue and each job's `done`
  std::condition_variable cv_;
  std::condition_variable idle_cv_;  // the destructor waits here for callers to leave
  std::deque<Job*> queue_;           // guarded by mu_
  size_t in_flight_ = 0;             // durably() calls not yet returned; guarded by mu_
  bool stopping_ = false;            // guarded by mu_
  std::thread thread_;               // last: started once the rest is built
};

}  // namespace comity
