#include "comity/service/log_service.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "comity/ledger/checkpoint.hpp"
#include "comity/service/ids.hpp"
#include "comity/util/error.hpp"

namespace comity {
namespace {

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string process_holder_name() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host) + "/" + std::to_string(getpid()) + "/" + RandomIds().next().substr(0, 8);
}

LogService::LogService(std::string origin, std::shared_ptr<const crypto::SigningKey> key, std::string holder,
                       std::chrono::milliseconds lease_ttl)
    : origin_(std::move(origin)), key_(std::move(key)), holder_(std::move(holder)), ttl_(lease_ttl) {
  COMITY_ASSERT(key_ != nullptr, "the log has a signing key");
}

void LogService::sync(Store& db) {
  std::lock_guard<std::mutex> lock(mu_);
  for (;;) {
    auto hashes = db.log_hashes(tree_.size(), 65536);
    for (const auto& h : hashes) tree_.append(h);
    if (hashes.size() < 65536) return;
  }
}

void LogService::check(Store& db) {
  sync(db);
  auto last = db.latest_checkpoint();
  if (!last) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (last->tree_size > tree_.size() || tree_.root(last->tree_size) != last->root)
      throw StoreError(StoreError::Code::Corrupt,
                       "transparency log: the stored leaves do not match the checkpoint published for tree size " +
                           std::to_string(last->tree_size));
  }
  try {
    ledger::open_checkpoint(last->note, ledger::parse_verifier_key(verifier_key()));
  } catch (const std::exception&) {
    throw Error(ErrorKind::Untrusted, "transparency log: its checkpoints were signed with another key than " +
                                          verifier_key() +
                                          "; every process of a node signs with the node's one log key (--log-key)");
  }
}

namespace {

// A holder named by a process of this host that no longer runs (a crash
// and restart on one machine need not wait for its lease to run out). A
// process id reused since only makes us wait; a wrong guess (another
// machine of the same name) costs the other process its turn, never the
// log: its checkpoints are fenced by the epoch it lost.
bool died_here(const std::string& holder, const std::string& me) {
  auto host_end = holder.find('/'), my_host_end = me.find('/');
  if (host_end == std::string::npos || holder.compare(0, host_end, me, 0, my_host_end) != 0 || host_end != my_host_end)
    return false;
  auto pid_end = holder.find('/', host_end + 1);
  if (pid_end == std::string::npos) return false;
  long pid = std::strtol(holder.c_str() + host_end + 1, nullptr, 10);
  return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

}  // namespace

Lease LogService::take(Store& writer) {
  Lease l = writer.take_lease(kSignerLease, holder_, wall_ms(), ttl_.count());
  if (l.holder != holder_ && died_here(l.holder, holder_))
    l = writer.take_lease(kSignerLease, holder_, wall_ms(), ttl_.count(), l.holder);
  return l;
}

bool LogService::hold_lease(Store& writer) {
  return take(writer).holder == holder_;
}

void LogService::release_lease(Store& writer) {
  writer.release_lease(kSignerLease, holder_);
}

StoredCheckpoint LogService::publish(Store& writer, Instant now) {
  std::optional<StoredCheckpoint> out;
  writer.group_commit([&] {
    Lease lease = take(writer);
    out = writer.latest_checkpoint();
    if (lease.holder != holder_) return;
    // Under the writer lock no other process appends: the tree synced here
    // holds every committed leaf, and no uncommitted one of this transaction.
    sync(writer);
    ledger::Checkpoint c{origin_, 0, {}};
    {
      std::lock_guard<std::mutex> lock(mu_);
      c.size = tree_.size();
      c.root = tree_.root();
    }
    if (out && out->tree_size >= c.size) return;
    StoredCheckpoint stored{c.size, c.root, ledger::sign_checkpoint(c, *key_), now};
    writer.put_checkpoint(stored, &lease);
    out = stored;
  });
  if (!out) {
    Error e(ErrorKind::Unavailable,
            "the transparency log's first checkpoint is not published yet (another process signs it); retry");
    e.retry_after = 1;
    throw e;
  }
  return *out;
}

std::string LogService::verifier_key() const {
  return ledger::verifier_key(origin_, key_->public_key());
}

}  // namespace comity
