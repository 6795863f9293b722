// The witness between federated nodes (docs/federation.md §6): each node
// cosigns its peers' checkpoints over C2SP tlog-witness v1.0.0
// (`add-checkpoint`) with its witness key (tlog-cosignature v1.0.1), and
// submits its own checkpoints to every peer, keeping the cosignatures they
// return so its checkpoint is served with them.
//
// add-checkpoint, the checks in the specification's order, each with its
// answer:
//   1. the body is `old <size>`, at most 63 base64 hashes, an empty line
//      and a note — else 400;
//   2. the checkpoint's origin is the log of a peer in the list in force —
//      else 404;
//   3. the peer's log key signed it (other signatures are ignored) — else
//      403;
//   4. the old size is not above the checkpoint's — else 400;
//   5. the old size is the size this node last cosigned for that origin (0
//      if never) — else 409, `text/x.tlog.size`, that size;
//   6. the proof shows the cosigned tree is a prefix of this one (RFC 6962
//      §2.1.2; empty when the old size is 0 or equals the new) — else 422;
//   7. at the same size, the same root — else 409.
// Then the state advances (compare-and-swap on the size checked) and the
// cosignature is returned. A checkpoint validly signed by the peer's log
// key that has the stored size and another root is fork evidence whatever
// the old size said; so is one whose proof from the stored checkpoint
// fails (a claim: the proof came with it). Either is kept with both notes,
// in the transaction of the answer, which is why the answer is a verdict
// and not an exception: a refusal must not undo the evidence.
//
// The request is not HTTP-signed (tlog-witness: no authentication beyond
// the checkpoint's signature). The log key of a listed peer is what
// authenticates it, so anyone holding a checkpoint the peer signed — a
// monitor, a court, another peer — may present it, and a fork one of them
// saw is caught here too.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "comity/ledger/merkle.hpp"
#include "comity/service/federation.hpp"
#include "comity/service/log_service.hpp"
#include "comity/store/store.hpp"
#include "comity/workflow/clock.hpp"

namespace comity {

// What add-checkpoint answers.
struct WitnessVerdict {
  int status = 200;          // 200, 400, 403, 404, 409 or 422
  std::string body;          // 200: the cosignature lines; 409 on the old size: "<size>\n"
  std::string content_type;  // "text/x.tlog.size" with that 409; "" otherwise
  std::string detail;        // why it was refused, naming the part ("" on 200)
  bool fork_recorded = false;
};

// The parts of an add-checkpoint request body.
struct AddCheckpoint {
  uint64_t old_size = 0;
  std::vector<ledger::Hash> proof;
  std::string checkpoint;  // the signed note
};
// The body for `r`: "old N\n", a base64 line per proof hash, "\n", the note.
std::string add_checkpoint_body(const AddCheckpoint& r);
// Parses a body. Throws Error{Malformed} naming the line and what was
// expected (tlog-witness: the old size without leading zeros, each proof
// line one base64 hash, at most 63, then an empty line and a note).
AddCheckpoint parse_add_checkpoint(std::string_view body);

class WitnessService {
 public:
  static constexpr const char* kAddCheckpointPath = "/fed/v1/witness/add-checkpoint";
  static constexpr size_t kMaxBody = 16 << 10;  // the reference witness's limit

  // REQUIRES: `fed` and `log` outlive this object; `log` is this node's own
  // log (what the submitter sends).
  WitnessService(FederationService& fed, LogService& log);

  // The checks above, on the writer `db` inside the caller's transaction
  // (REQUIRES: one is open, so the state checked is the state replaced),
  // cosigning at `now`. Never throws for a refusal: see WitnessVerdict.
  // Throws StoreError when the store fails.
  WitnessVerdict add_checkpoint(Store& db, std::string_view body, Instant now);

  // One pass of the submitter: for each peer without a cosignature on this
  // node's latest checkpoint, posts it with the proof from the size that
  // peer last cosigned (once more, from the size a 409 names), verifies
  // the cosignatures under the peer's witness key and keeps them. Peers
  // that fail wait, doubling from 1 s to 300 s. Store calls take
  // `writer_mu`, never held across a post. Returns the cosignatures kept.
  // REQUIRES: `writer_mu` not held.
  int submit_due(Store& writer, std::mutex& writer_mu, PeerTransport& transport, Instant now);

  // The submitter's loop on the caller's thread until stop(): submit_due,
  // then waits for wake() or `idle`. REQUIRES: one run() at a time.
  void run(Store& writer, std::mutex& writer_mu, PeerTransport& transport, const Clock& clock,
           std::chrono::milliseconds idle);
  // A checkpoint was published: the loop submits it now. Thread-safe.
  void wake();
  // Ends run() once its pass ends. Thread-safe.
  void stop();

 private:
  struct Job {
    fed::Peer peer;
    AddCheckpoint request;
  };
  // Posts `job`, follows one 409 to the size it names, and returns the
  // verified cosignature lines ("" when none); `error` says why not.
  std::string post(Store& writer, std::mutex& writer_mu, PeerTransport& transport, Job& job, const StoredCheckpoint& cp,
                   std::string& error);
  WitnessVerdict refuse(int status, std::string detail) const;

  FederationService& fed_;
  LogService& log_;
  std::mutex mu_;                                           // the back-off
  std::map<std::string, std::pair<int, Instant>> backoff_;  // peer id → failures, next try; guarded by mu_
  std::mutex run_mu_;
  std::condition_variable run_cv_;
  bool woken_ = false, stopping_ = false;  // guarded by run_mu_
};

}  // namespace comity
