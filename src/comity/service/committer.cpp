#include "comity/service/committer.hpp"

#include <vector>

namespace comity {

GroupCommitter::GroupCommitter(Store& store, std::mutex& store_mu, std::function<void(Store&)> after_commit)
    : store_(store), store_mu_(store_mu), after_commit_(std::move(after_commit)), thread_([this] { run(); }) {}

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();  // after the queue is empty
  // A woken caller still holds mu_ as it leaves durably(): wait for it.
  std::unique_lock<std::mutex> lock(mu_);
  idle_cv_.wait(lock, [this] { return in_flight_ == 0; });
}

void GroupCommitter::durably(std::function<void()> work) {
  Job job;
  job.work = std::move(work);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) throw Error(ErrorKind::Unavailable, "the node is stopping: the write was not taken");
    queue_.push_back(&job);
    ++in_flight_;
  }
  cv_.notify_one();
  {
    std::unique_lock<std::mutex> lock(mu_);
    job.wake.wait(lock, [&] { return job.done; });
    // Notified under mu_, so the destructor cannot end before this returns.
    if (--in_flight_ == 0 && stopping_) idle_cv_.notify_all();
  }
  if (job.error) std::rethrow_exception(job.error);
}

size_t GroupCommitter::waiting() {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

void GroupCommitter::run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing left to commit
    std::vector<Job*> batch;
    while (!queue_.empty() && batch.size() < kMaxBatch) {
      batch.push_back(queue_.front());
      queue_.pop_front();
    }
    lock.unlock();
    bool committed = false;
    try {
      std::lock_guard<std::mutex> store_lock(store_mu_);
      store_.group_commit([&] {
        for (Job* j : batch) {
          try {
            Transaction own(store_);  // a savepoint: a job that throws is undone whole
            j->work();
            own.commit();
          } catch (...) {
            j->error = std::current_exception();
          }
        }
      });
      committed = true;
    } catch (...) {
      auto failed = std::current_exception();
      for (Job* j : batch)
        if (!j->error) j->error = failed;  // the COMMIT failed: nothing of the batch is stored
    }
    // After a COMMIT that held: its jobs are stored whatever the hook does.
    // The hook (the node's log sync) is retried before every use of what it
    // keeps, so a failure here is left to that next use.
    if (committed && after_commit_) try {
        std::lock_guard<std::mutex> store_lock(store_mu_);
        after_commit_(store_);
      } catch (...) {
      }
    lock.lock();
    // Under mu_: a job's thread cannot see `done` and destroy the job
    // before notify_one returns.
    for (Job* j : batch) {
      j->done = true;
      j->wake.notify_one();
    }
  }
}

}  // namespace comity
