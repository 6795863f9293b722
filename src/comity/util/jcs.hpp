// RFC 8785 JSON Canonicalization Scheme (JCS): the one byte string a JSON
// value signs to, whoever serialised it.
//
// The rules (RFC 8785 §3.2): no whitespace; object members sorted by their
// names compared as arrays of UTF-16 code units; strings in UTF-8 with only
// the escapes JSON requires (\" \\ \b \f \n \r \t, other control characters
// as \u00xx in lower case); numbers as ECMAScript's Number.prototype.toString
// writes an IEEE 754 double (shortest round-trip digits; 1e+21 and up and
// below 1e-6 in exponent form; -0 as 0); literals as they are.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <stdexcept>
#include <string>

#include "comity/util/error.hpp"

namespace comity {

// A value JCS cannot represent: NaN or an infinity, an integer outside
// ±2^53 (it would not survive the trip through a double), or a string that
// is not valid UTF-8.
// ErrorKind::Invalid: a value RFC 8785 cannot represent.
struct CanonicalJsonError : Error {
  explicit CanonicalJsonError(const std::string& what) : Error(ErrorKind::Invalid, what) {}
};

// The canonical serialization of `value`. Throws CanonicalJsonError.
std::string canonical_json(const nlohmann::json& value);

}  // namespace comity
