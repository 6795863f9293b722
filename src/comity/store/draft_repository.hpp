// Requests being written in the wizard, saved server-side (docs/api.md):
// each its author's own, versioned for optimistic concurrency.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "comity/store/audit_repository.hpp"

namespace comity {

struct Draft {
  std::string id, user_id;
  Instant created_at = 0, updated_at = 0;
  int64_t version = 1;
  std::string body;  // JSON object: the request so far
};

class DraftRepository {
 public:
  virtual ~DraftRepository() = default;
  // Inserts version 1, or replaces version `draft.version - 1` (Conflict if
  // another version is stored).
  virtual void put_draft(const Draft& draft, const AuditEntry& audit) = 0;
  virtual std::optional<Draft> draft(std::string_view id) = 0;
  // The user's drafts, most recently updated first, at most `limit`.
  virtual std::vector<Draft> drafts_of(std::string_view user_id, int limit) = 0;
  // False (and nothing written) if there is no such draft.
  virtual bool delete_draft(std::string_view id, const AuditEntry& audit) = 0;
};

}  // namespace comity
