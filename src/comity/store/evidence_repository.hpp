// Evidence productions as the store keeps them (docs/evidence-encryption.md):
// the signed manifest, the chain the exchange verified, each file's size
// and digest, and the retention that ends them. The ciphertext itself lives
// in the evidence vault (store/evidence_vault.hpp), never in the database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "comity/store/audit_repository.hpp"

namespace comity {

struct ProductionFile {
  int64_t index = 0;
  std::string name;
  uint64_t ciphertext_bytes = 0;
  std::string ciphertext_sha256;
  bool complete = false;  // every byte received and the digest matched
};

struct Production {
  std::string id, case_id, manifest_id, manifest_json, verification_json;
  Instant created_at = 0, expires_at = 0;
  std::optional<Instant> deleted_at;
  std::string deletion_reason;  // retention_ended, case_requires_deletion
  std::vector<ProductionFile> files;
};

class EvidenceRepository {
 public:
  virtual ~EvidenceRepository() = default;
  // The production and its files, with the audit entry (Conflict if the
  // case has a production with that manifest id).
  virtual void put_production(const Production& p, const AuditEntry& audit) = 0;
  virtual std::optional<Production> production(std::string_view id) = 0;
  virtual std::vector<Production> productions_for_case(std::string_view case_id) = 0;
  // A file received whole and checked.
  virtual void mark_file_complete(std::string_view production_id, int64_t index, const AuditEntry& audit) = 0;
  // Live productions whose retention ended by `now`, or whose case must
  // delete the data it obtained; oldest first.
  virtual std::vector<Production> productions_to_delete(Instant now, int limit) = 0;
  virtual void mark_production_deleted(std::string_view id, std::string_view reason, Instant at,
                                       const AuditEntry& audit) = 0;
};

}  // namespace comity
