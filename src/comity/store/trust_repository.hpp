// What the exchange trusts, as the store keeps it (docs/trust.md): the
// operator's trust-bundle imports in order, each with how a changed anchor
// was accepted. Replaying them rebuilds the trust store
// (service/trusted.hpp). Append-only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "comity/store/audit_repository.hpp"

namespace comity {

class TrustRepository {
 public:
  virtual ~TrustRepository() = default;
  struct TrustImport {
    std::string bundle, anchor_change;  // anchor_change: cross_signed or operator_override
    Instant imported_at = 0;
  };
  // Stores the import after every earlier one, with its audit entry.
  virtual void add_trust_import(const TrustImport& import, const AuditEntry& audit) = 0;
  // Every import, in the order the operator made them.
  virtual std::vector<TrustImport> trust_imports() = 0;
  // How many trust imports are stored (one query; a process checks it before
  // trusting what it replayed, since another may have imported since).
  virtual int64_t count_trust_imports() = 0;
};

}  // namespace comity
