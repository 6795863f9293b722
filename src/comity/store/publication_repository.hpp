// What a node publishes and keeps by content (docs/rule-packs.md,
// docs/provider-statements.md): the rule packs its cases rest on, under
// their content hashes, and the providers' signed statements, per version,
// each committed to by a transparency-log leaf stored in the same
// transaction. Neither is ever changed once stored.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "comity/store/audit_repository.hpp"
#include "comity/store/log_repository.hpp"

namespace comity {

// A rule pack as a node keeps it (rules/pack_registry.hpp): its content
// hash, name, version and its files as a JSON array of [path, text] pairs.
struct StoredPack {
  std::string content_hash, name, version, sources_json;
  Instant stored_at = 0;
};

// A provider statement as published on this node: the signed document, its
// statement's version and SHA-256 (of the statement's canonical form), who
// signed it, and the index of the transparency-log leaf that commits to it.
struct StoredStatement {
  std::string provider_id;
  int64_t version = 0;
  std::string sha256, signed_json, signer;
  Instant imported_at = 0;
  uint64_t log_index = 0;  // set by the store
};

class PublicationRepository {
 public:
  virtual ~PublicationRepository() = default;
  // Stores a pack's text under its content hash, with the audit entry, and
  // returns true; a hash already stored is left as it is (equal hashes,
  // equal text) and returns false, writing nothing.
  virtual bool put_rule_pack(const StoredPack& pack, const AuditEntry& audit) = 0;
  // Every stored pack, in the order stored.
  virtual std::vector<StoredPack> rule_packs() = 0;

  // Stores a new version with its audit entry and appends `leaf` (which
  // commits to it) to the log, in one transaction, and returns the leaf's
  // index. Constraint when that provider has this version already.
  virtual uint64_t put_provider_statement(const StoredStatement& s, const AuditEntry& audit, const LogLeaf& leaf) = 0;
  // The provider's statement of `version`, or its latest when version is 0.
  virtual std::optional<StoredStatement> provider_statement(std::string_view provider_id, int64_t version = 0) = 0;
};

}  // namespace comity
