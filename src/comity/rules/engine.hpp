// The pathway engine: a pure function from (request, pack, date) to a
// decision. No I/O, no clock, no allocation beyond the decision itself.
#pragma once

#include "comity/model/request.hpp"
#include "comity/rules/decision.hpp"
#include "comity/rules/pack.hpp"

namespace comity {

// Evaluates every pathway in `pack` for `request` as the law stands on `at`.
// REQUIRES: `request` was produced by parse_request(); `pack` outlives the
// returned Decision. Thread-safe: reads `pack` only.
Decision evaluate(const Request& request, const Pack& pack, Date at);

}  // namespace comity
