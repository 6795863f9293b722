// The model layer's error type: a list of field errors, each naming the JSON
// path of the offending value and what was expected there.
#pragma once

#include <string>
#include <vector>

namespace comity {

struct FieldError {
  std::string path;     // JSONPath, e.g. "$.offences[0].max_penalty_months"
  std::string message;  // what was expected, and what was found
};

using FieldErrors = std::vector<FieldError>;

}  // namespace comity
