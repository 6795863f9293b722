// A provider's statement beside the law: which of its clauses concern each
// pathway of a decision (docs/provider-statements.md). The decision itself —
// statuses, checks, ranks — never depends on a statement; this only adds what
// the provider says it will do, with the clause and the statement version.
#pragma once

#include <nlohmann/json.hpp>

#include "comity/model/provider_statement.hpp"
#include "comity/model/request.hpp"
#include "comity/rules/decision.hpp"

namespace comity {

// Checks a statement against the pack: every pathway it names exists, and
// every challenge cites a coded ground of rules/workflows.yaml. Empty when
// it fits.
FieldErrors check_statement(const ProviderStatement& s, const Pack& pack);

// Checks that `s` is the statement of the request's addressee. Empty when it is.
FieldErrors statement_fits_request(const ProviderStatement& s, const Request& q);

// The clauses of `s` that concern entry `p`, as JSON notes.
nlohmann::ordered_json statement_notes(const ProviderStatement& s, const PathwayResult& p);

// Adds to a decision rendered by decision_to_json the statement's summary
// ("provider_statement") and, on every pathway entry, its notes
// ("provider_says"). REQUIRES: `decision_json` rendered from `d`.
void attach_statement(nlohmann::ordered_json& decision_json, const Decision& d, const ProviderStatement& s);

// The same for people: a section to print after the decision memo.
std::string statement_text(const Decision& d, const ProviderStatement& s);

}  // namespace comity
