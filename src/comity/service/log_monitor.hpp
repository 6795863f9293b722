// A monitor of the transparency log: what `comity log verify` runs. It
// trusts nothing the log server says beyond what it can check: the
// checkpoint's signature by the configured key; the leaves and hashes in the
// tiles against that checkpoint's root; a previously seen checkpoint as a
// prefix of the new tree (history not rewritten); a party's own saved case
// log (commitments opened, leaves present at their indexes, proofs valid);
// and the published statistics recomputed from the leaves.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "comity/ledger/checkpoint.hpp"

namespace comity {

// Fetches a path below the server's base URL ("/log/checkpoint", ...);
// returns the body of a 200 answer, or nullopt.
using LogFetch = std::function<std::optional<std::string>(const std::string& path)>;

struct MonitorOptions {
  ledger::NoteVerifier key;
  std::string previous_checkpoint;  // a note seen before ("" if none)
  std::string case_log;             // a party's saved GET /api/v1/cases/{id}/log ("" if none)
};

// Runs every check; returns a report (the checkpoint verified, what was
// checked, the recomputed statistics). Throws ledger::LedgerError naming the
// first check that failed.
nlohmann::ordered_json monitor_log(const LogFetch& fetch, const MonitorOptions& options);

}  // namespace comity
