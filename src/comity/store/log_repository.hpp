// The transparency log as the store keeps it (docs/transparency-log.md):
// its leaves in log order, the checkpoints published over them, and the
// lease that lets one process at a time sign them (docs/scale-out.md).
// Leaves are appended only with the change they record (a case's, a
// provider statement's) or by append_log, never changed or removed; the
// database refuses an UPDATE or DELETE.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "comity/ledger/merkle.hpp"
#include "comity/util/date.hpp"

namespace comity {

// A leaf of the transparency log to append: the public leaf bytes, and
// what only the case's parties see — the salt and the full event the
// leaf's commitment binds. event_seq: the event's index in the case
// history, or -1 for the opening of the case.
struct LogLeaf {
  std::string case_id;
  int64_t event_seq = -1;
  std::string leaf, salt, event_json;
};

// A stored leaf, with its index in the log.
struct LogEntry {
  uint64_t index = 0;
  std::string case_id;
  int64_t event_seq = -1;
  std::string leaf, salt, event_json;
};

// A published checkpoint: the signed note for a tree size and root.
struct StoredCheckpoint {
  uint64_t tree_size = 0;
  ledger::Hash root{};
  std::string note;
  Instant published_at = 0;
};

// A lease on a node role that one process at a time may hold across every
// process on the database (docs/scale-out.md): the log's checkpoint signer.
// The epoch rises by one whenever the lease passes to another holder, and
// is the fencing token a holder's writes carry. Times are wall-clock
// milliseconds since 1970 (not the legal clock, which tests may freeze).
struct Lease {
  std::string name, holder;  // holder "" when never granted
  int64_t epoch = 0;
  int64_t expires_ms = 0;
};

class LogRepository {
 public:
  virtual ~LogRepository() = default;
  // Appends the leaves at the next indexes (gapless: the indexes are taken
  // under the writer's lock, in its transaction).
  virtual void append_log(const std::vector<LogLeaf>& log) = 0;
  virtual uint64_t log_size() = 0;
  // Leaf hashes [from, from+limit) (fewer at the end of the log).
  virtual std::vector<ledger::Hash> log_hashes(uint64_t from, uint64_t limit) = 0;
  // Leaf bytes [from, from+limit).
  virtual std::vector<std::string> log_leaves(uint64_t from, uint64_t limit) = 0;
  // Every leaf of one case, in log order.
  virtual std::vector<LogEntry> log_entries_for_case(std::string_view case_id) = 0;

  // Records a published checkpoint; StoreError{Constraint} if one for that
  // tree size exists already, or if a larger one does (checkpoints only
  // grow). With a `fence`, in the same transaction: StoreError{Conflict}
  // unless that lease is still fence->holder's at fence->epoch — once
  // another process took it, the old holder cannot publish.
  virtual void put_checkpoint(const StoredCheckpoint& c, const Lease* fence = nullptr) = 0;
  virtual std::optional<StoredCheckpoint> latest_checkpoint() = 0;
  // The checkpoints published for tree sizes >= `from`, smallest first, at most `limit`.
  virtual std::vector<StoredCheckpoint> checkpoints(uint64_t from, int limit) = 0;

  // Grants lease `name` to `holder` until now_ms + ttl_ms when it was never
  // granted, has expired by now_ms, or is `holder`'s already (a renewal keeps
  // the epoch; a new holder gets epoch + 1). Returns the lease as it stands
  // after the call — someone else's if it is held. One transaction. Also
  // taken from `dead_holder` (a holder the caller knows has died) while it runs.
  virtual Lease take_lease(std::string_view name, std::string_view holder, int64_t now_ms, int64_t ttl_ms,
                           std::string_view dead_holder = {}) = 0;
  // Gives the lease up (expires it now) if `holder` holds it; the epoch stays.
  virtual void release_lease(std::string_view name, std::string_view holder) = 0;
};

}  // namespace comity
