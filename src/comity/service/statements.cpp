#include "comity/service/statements.hpp"

#include "comity/rules/statement_notes.hpp"
#include "comity/service/actor.hpp"
#include "comity/store/store_error.hpp"
#include "comity/trust/statements.hpp"
#include "comity/util/date.hpp"
#include "comity/util/jcs.hpp"
#include "comity/util/sha256.hpp"

namespace comity {

namespace {

[[noreturn]] void invalid(const std::string& message, FieldErrors errors) {
  for (auto& e : errors) e.path = "$.statement" + e.path.substr(1);  // under the envelope's member
  ServiceError err(ErrorKind::Invalid, message);
  err.field_errors = std::move(errors);
  throw err;
}

}  // namespace

std::string statement_leaf(const std::string& provider_id, int64_t version, const std::string& sha256, Instant at) {
  return canonical_json({{"v", 1},
                         {"kind", "provider_statement"},
                         {"provider", provider_id},
                         {"version", version},
                         {"sha256", sha256},
                         {"day", date_of(at).str()}});
}

StoredStatement publish_statement(Store& store, const trust::TrustStore& trust, const Pack& pack,
                                  const nlohmann::json& signed_doc, Instant now, const std::string& actor,
                                  bool* replayed) {
  trust::VerifiedStatement v;
  try {
    v = trust::verify_statement(signed_doc, trust, now);
  } catch (const trust::TrustError& e) {
    ServiceError err(ErrorKind::Untrusted, e.what());
    err.reason = std::string(trust::error_code(e.code));
    err.field_errors.push_back({e.path, e.what()});
    throw err;
  }
  auto parsed = parse_provider_statement_value(v.statement);
  if (!parsed.statement) invalid("the statement does not match comity.provider-statement/1", parsed.errors);
  const ProviderStatement& s = *parsed.statement;
  if (auto errs = check_statement(s, pack); !errs.empty()) invalid("the statement does not fit the rule pack", errs);
  auto party = store.party(s.provider_id);
  if (!party || party->kind != "provider")
    invalid("the statement's provider is not registered here",
            {{"$.provider.id", "a provider registered on this node, not \"" + s.provider_id + "\""}});
  if (auto latest = store.provider_statement(s.provider_id)) {
    if (latest->version == s.version && latest->sha256 == s.sha256) {
      if (replayed) *replayed = true;
      return *latest;
    }
    if (latest->version >= s.version)
      throw ServiceError(ErrorKind::Conflict, "statement version " + std::to_string(s.version) + " of " +
                                                  s.provider_id + " is not newer than the published version " +
                                                  std::to_string(latest->version) + ": publish a new version");
  }
  StoredStatement st{s.provider_id, s.version, s.sha256, signed_doc.dump(), v.signer, now, 0};
  LogLeaf leaf;
  leaf.leaf = statement_leaf(s.provider_id, s.version, s.sha256, now);
  nlohmann::json payload = {{"provider", s.provider_id}, {"version", s.version}, {"sha256", s.sha256}};
  try {
    st.log_index = store.put_provider_statement(
        st, {0, now, actor, "publish_statement", s.provider_id, sha256_hex(payload.dump())}, leaf);
  } catch (const StoreError& e) {
    if (e.code == StoreError::Code::Constraint)
      throw ServiceError(ErrorKind::Conflict, "statement version " + std::to_string(s.version) + " of " +
                                                  s.provider_id + " is published already");
    throw;
  }
  return st;
}

std::optional<std::pair<StoredStatement, ProviderStatement>> current_statement(Store& store,
                                                                               const std::string& provider_id) {
  auto st = store.provider_statement(provider_id);
  if (!st) return std::nullopt;
  auto doc = nlohmann::json::parse(st->signed_json, nullptr, false);
  if (doc.is_discarded() || !doc.contains("statement"))
    throw StoreError(StoreError::Code::Corrupt, "provider statement " + provider_id + ": not the signed document");
  auto parsed = parse_provider_statement_value(doc["statement"]);
  if (!parsed.statement)
    throw StoreError(StoreError::Code::Corrupt, "provider statement " + provider_id + ": no longer parses");
  return std::make_pair(*st, *parsed.statement);
}

nlohmann::ordered_json statement_reference(const StoredStatement& st, const ProviderStatement& s,
                                           const PathwayResult& p) {
  return {{"provider", st.provider_id},
          {"version", st.version},
          {"sha256", st.sha256},
          {"log_index", st.log_index},
          {"published_at", format_instant(st.imported_at)},
          {"url", "/api/v1/providers/" + st.provider_id + "/statement?version=" + std::to_string(st.version)},
          {"says", statement_notes(s, p)}};
}

}  // namespace comity
