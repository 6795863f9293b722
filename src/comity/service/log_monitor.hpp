// A monitor of the transparency log: what `comity log verify` runs. It
// trusts nothing the log server says beyond what it can check: the
// checkpoint's signature by the configured key; the leaves and hashes in the
// tiles against that checkpoint's root; a previously seen checkpoint as a
// prefix of the new tree (history not rewritten); a party's own saved case
// log (commitments opened, leaves present at their indexes, proofs valid);
// the published statistics recomputed from the leaves; a quorum of witness
// cosignatures on the checkpoint under a tlog-policy; and another signed
// checkpoint of the same log, which the leaves either extend or contradict
// (a fork: two notes signed by one key that cannot both be true).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "comity/ledger/checkpoint.hpp"
#include "comity/ledger/cosignature.hpp"

namespace comity {

// Fetches a path below the server's base URL ("/log/checkpoint", ...);
// returns the body of a 200 answer, or nullopt.
using LogFetch = std::function<std::optional<std::string>(const std::string& path)>;

struct MonitorOptions {
  ledger::NoteVerifier key;
  std::string previous_checkpoint;       // a note seen before ("" if none)
  std::string case_log;                  // a party's saved GET /api/v1/cases/{id}/log ("" if none)
  std::optional<ledger::Policy> policy;  // the witnesses' quorum the checkpoint must meet (none: not checked)
  uint64_t now = 0;                      // POSIX seconds: cosignatures from later are refused
  std::string other_checkpoint;          // a checkpoint of the same log from elsewhere ("" if none)
};

// Runs every check; returns a report (the checkpoint verified, what was
// checked, the recomputed statistics). When the other checkpoint is
// contradicted by the log's leaves, stops there and returns the report
// with "fork": {origin, detected_by, checkpoints: [the log's, the other]},
// evidence anyone can check offline. Throws ledger::LedgerError naming the
// first other check that failed (a quorum not met among them).
nlohmann::ordered_json monitor_log(const LogFetch& fetch, const MonitorOptions& options);

}  // namespace comity
