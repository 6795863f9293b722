// Cases for the demo world (`comity demo seed`), so that each desk of the
// web app has work on it: opened on orders signed with the demo's keys and
// taken through the case service like any other.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "comity/rules/pack.hpp"
#include "comity/store/store.hpp"
#include "comity/workflow/clock.hpp"

namespace comity::cli {

// Opens the demo cases in `store`: an EPOC for subscriber data sent to
// NL-MAILCO, an emergency EPOC (its 8-hour clock running), a notified EPOC
// for traffic data awaiting the court's validation, and a request for
// mutual assistance to the United States awaiting the German central
// authority. `keys_dir` holds the demo's key directories and `bundle` the
// trust bundle that certifies them (demo_trust). Returns one line per case.
// Throws what the case service throws (a demo that cannot be seeded is a bug).
std::vector<std::string> seed_demo_cases(Store& store, const Pack& pack, const Clock& clock,
                                         const nlohmann::json& bundle, const std::string& keys_dir);

}  // namespace comity::cli
