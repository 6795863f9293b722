// The store's error type, shared by every backend (docs/store.md).
#pragma once

#include "comity/util/error.hpp"

namespace comity {

// A store failure: `code` is what SQLite (or the store's own checks) said;
// the ErrorKind follows from it (Busy → Unavailable, Conflict and
// Constraint → Conflict, NotFound → NotFound, the rest → StoreFailed).
struct StoreError : Error {
  // Invalid: a value the database cannot hold (PostgreSQL: text with NUL
  // or not UTF-8), refused before anything is written.
  enum class Code : uint8_t { Io, Busy, Constraint, Corrupt, NotFound, Conflict, Invalid, Other };
  StoreError(Code c, const std::string& what) : Error(kind_of(c), what), code(c) {}
  Code code;

 private:
  static ErrorKind kind_of(Code c) {
    switch (c) {
      case Code::Busy: return ErrorKind::Unavailable;
      case Code::Constraint:
      case Code::Conflict: return ErrorKind::Conflict;
      case Code::NotFound: return ErrorKind::NotFound;
      case Code::Invalid: return ErrorKind::Invalid;
      default: return ErrorKind::StoreFailed;
    }
  }
};

}  // namespace comity
