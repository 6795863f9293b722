// Decision → JSON (docs/decision-format.md) and → text memo.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "comity/model/request.hpp"
#include "comity/rules/decision.hpp"

namespace comity {

// The machine format, "comity.decision/1". `request` supplies the echoed
// request id and the assumed defaults.
nlohmann::ordered_json decision_to_json(const Decision& d, const Request& request);

// One entry of the decision's "pathways" array, exactly as decision_to_json
// renders it (the case records the entry it was opened on).
nlohmann::ordered_json pathway_entry_json(const Decision& d, const PathwayResult& p);

// A readable decision memo for people (English).
std::string decision_to_text(const Decision& d, const Request& request);

// A few lines per request: the answer per data category and the ranked
// lawful pathways with their status and first condition (for `make run`).
std::string decision_to_summary(const Decision& d, const Request& request);

// Summary helpers shared by the renderers.
// The lawful entries of `role`, best first (rank 1, 2, …).
std::vector<const PathwayResult*> ranked(const Decision& d, Role role);
const PathwayResult* best_for(const Decision& d, DataCategory c, Role role);
const PathwayResult* preserve_now(const Decision& d);

}  // namespace comity
