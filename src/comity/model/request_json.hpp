// JSON → Request, with strict validation (docs/request-format.md,
// schemas/request.schema.json). Unknown fields are errors; every error names
// the JSON path and what was expected. Never throws on bad input.
#pragma once

#include <optional>
#include <string_view>

#include "comity/model/errors.hpp"
#include "comity/model/json_guard.hpp"
#include "comity/model/request.hpp"

namespace comity {

struct RequestParse {
  std::optional<Request> request;  // set iff errors is empty
  FieldErrors errors;
};

// Parses and validates a request. Collects as many errors as it can find in
// one pass (it does not stop at the first), up to a cap of 100.
RequestParse parse_request(std::string_view json_text, const JsonLimits& limits = {});

// Same, from an already-parsed JSON value.
RequestParse parse_request_value(const nlohmann::json& value);

}  // namespace comity
