// The audit trail (docs/store.md): who did what to which object, and the
// SHA-256 of what they sent or saw. Append-only — the database refuses an
// UPDATE or DELETE of an entry. Every change any repository stores takes
// its audit entry in the same call, so no change is ever stored unaudited;
// this repository adds the entries that record reads of sensitive fields.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "comity/util/date.hpp"

namespace comity {

struct AuditEntry {
  int64_t id = 0;  // assigned by the store
  Instant at = 0;
  std::string actor, action, object, payload_sha256;  // sha256: 64 hex digits of the payload
};

class AuditRepository {
 public:
  virtual ~AuditRepository() = default;
  // Appends one audit entry on its own (reads of sensitive fields).
  virtual void append_audit(const AuditEntry& audit) = 0;
  // Entries with id > after_id, oldest first, at most `limit`.
  virtual std::vector<AuditEntry> audit_after(int64_t after_id, int limit) = 0;
};

}  // namespace comity
