// Provider statements published on a node (docs/provider-statements.md):
// signed by a person of the provider, checked against the node's trust and
// rule pack, kept per version, each version committed to the transparency
// log, served publicly, and read beside the law when a request addressed
// to that provider is evaluated.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "comity/model/provider_statement.hpp"
#include "comity/rules/decision.hpp"
#include "comity/rules/pack.hpp"
#include "comity/store/store.hpp"
#include "comity/trust/credentials.hpp"

namespace comity {

// Publishes the signed statement `signed_doc` at `now`, as `actor` (for the
// audit): its signature and signer's chain verify against `trust`
// (Untrusted with the trust error's code and path otherwise); the statement
// parses strictly and fits `pack` (Invalid with paths under $.statement);
// its provider is a registered provider party (Invalid at
// $.statement.provider.id); its version is newer than the provider's latest
// (Conflict) — the same version with the same content is returned as it is
// (`replayed` set). Stored with its log leaf in one transaction.
StoredStatement publish_statement(Store& store, const trust::TrustStore& trust, const Pack& pack,
                                  const nlohmann::json& signed_doc, Instant now, const std::string& actor,
                                  bool* replayed = nullptr);

// The statement's public log leaf (canonical JSON): {"day", "kind":
// "provider_statement", "provider", "sha256", "v": 1, "version"}.
std::string statement_leaf(const std::string& provider_id, int64_t version, const std::string& sha256, Instant at);

// The provider's current statement as published here, parsed, or nullopt.
std::optional<std::pair<StoredStatement, ProviderStatement>> current_statement(Store& store,
                                                                               const std::string& provider_id);

// What a case keeps of the statement `st` (parsed: `s`) in force when it
// opened on entry `p`: {"provider", "version", "sha256", "log_index",
// "published_at", "url", "says": the clauses that concern `p`}. The digest
// and the log index let anyone find the very version again and prove it
// was public then.
nlohmann::ordered_json statement_reference(const StoredStatement& st, const ProviderStatement& s,
                                           const PathwayResult& p);

}  // namespace comity
