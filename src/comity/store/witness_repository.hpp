// The witness as the store keeps it (docs/federation.md §6): for each
// peer's log this node witnesses, the latest checkpoint it cosigned (one
// row per origin, advanced by compare-and-swap on its size, so two
// processes cannot both move it); the fork evidence found on the way —
// two checkpoints of one log, both validly signed by its key, that cannot
// both be true — kept append-only; and the cosignatures peers gave this
// node's own checkpoints, append-only, served with the checkpoint they sign.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "comity/util/date.hpp"

namespace comity {

// The latest checkpoint this node cosigned for one peer's log.
struct WitnessState {
  std::string origin;
  int64_t size = 0;
  std::string root;  // 64 hex digits
  std::string note;  // the signed checkpoint as submitted, byte for byte
  Instant updated_at = 0;
};

// Two signed checkpoints of one origin that contradict each other.
struct ForkEvidence {
  int64_t id = 0;  // set by the store
  std::string origin;
  std::string note_a;  // the one held before (the witness's state)
  std::string note_b;  // the one that contradicts it
  // "same_size_different_root": proof by the notes alone;
  // "consistency_proof_failed": the submitted proof (`proof`, base64 lines)
  // from note_a's size to note_b's did not verify — a claim to check
  // against the log's leaves (comity log verify --other).
  std::string detected_by;
  std::string proof;
  Instant detected_at = 0;
};

// A peer witness's cosignature on a checkpoint of this node's log.
struct StoredCosignature {
  std::string origin;
  int64_t size = 0;
  std::string root;     // 64 hex digits: the checkpoint cosigned
  std::string witness;  // the witness's key name
  std::string line;     // the signature line, "— name base64…\n"
  Instant stored_at = 0;
};

class WitnessRepository {
 public:
  virtual ~WitnessRepository() = default;

  virtual std::optional<WitnessState> witness_state(const std::string& origin) = 0;
  // Sets the state of next.origin to `next` if its stored size is still
  // `expected_size` (no row counts as size 0); returns false, writing
  // nothing, when another writer moved it first.
  virtual bool advance_witness_state(const WitnessState& next, int64_t expected_size) = 0;

  // Keeps `e` (its id is ignored). The same pair of notes detected the same
  // way is kept once: returns false when it was already there.
  virtual bool add_fork_evidence(const ForkEvidence& e) = 0;
  // The evidence for `origin` ("" for every origin), oldest first.
  virtual std::vector<ForkEvidence> fork_evidence(const std::string& origin) = 0;

  // Keeps `c`; a witness's cosignature on one checkpoint is kept once (the
  // first): returns false when one was already there.
  virtual bool add_cosignature(const StoredCosignature& c) = 0;
  // The cosignatures on the checkpoint of `size` and `root`, by witness name.
  virtual std::vector<StoredCosignature> cosignatures(int64_t size, const std::string& root) = 0;
  // The largest size `witness` cosigned of this node's log, 0 if none.
  virtual int64_t last_cosigned_size(const std::string& witness) = 0;
};

}  // namespace comity
