#include "comity/service/evidence.hpp"

#include <algorithm>
#include <set>

#include "comity/trust/production.hpp"
#include "comity/util/sha256.hpp"

namespace comity {

using nlohmann::json;

namespace {

ServiceError invalid(const std::string& path, const std::string& message) {
  ServiceError e(ErrorKind::Invalid, message);
  e.field_errors.push_back({path, message});
  return e;
}

bool executing(const CaseRecord& r) {
  return r.c.state == "transmitted" || r.c.state == "acknowledged" || r.c.state == "produced" ||
         r.c.state == "executing";  // an MLA request the requested State executes
}

}  // namespace

AuditEntry EvidenceService::audit(const Actor& actor, std::string_view action, std::string_view object,
                                  std::string_view payload) const {
  return {0,
          clock_.now(),
          std::string(role_name(actor.role)) + ":" + actor.user_id,
          std::string(action),
          std::string(object),
          sha256_hex(payload)};
}

Production EvidenceService::register_production(std::string_view case_id, const json& manifest, const Actor& actor,
                                                const trust::TrustStore& trust) {
  auto r = store_.load_case(case_id);
  // A case the actor may not see does not exist for it.
  if (!r || actor.role != PartyRole::Provider || actor.party_id != r->provider_party_id || !was_transmitted(r->c))
    throw ServiceError(ErrorKind::NotFound, "no case " + std::string(case_id));
  return register_checked(store_, *r, r->id, manifest, actor, trust);
}

Production EvidenceService::register_checked(Store& db, const CaseRecord& r, std::string_view case_name,
                                             const json& manifest, const Actor& actor, const trust::TrustStore& trust) {
  if (!executing(r))
    throw ServiceError(ErrorKind::Conflict,
                       "evidence is produced while the order is executed, not in state " + r.c.state);
  const Instant now = clock_.now();
  trust::VerifiedManifest v;
  try {
    v = trust::verify_manifest(manifest, trust, now);
  } catch (const trust::TrustError& e) {
    ServiceError se(ErrorKind::Untrusted, e.what());
    se.reason = std::string(trust::error_code(e.code));
    se.field_errors.push_back({e.path, e.what()});
    throw se;
  }
  const trust::Manifest& m = v.manifest;
  // An MLA request may name no registered provider: then the data's
  // provider is whoever the requested State obtained it from, as signed.
  if ((!r.via_authorities || !r.provider_party_id.empty()) && m.provider != r.provider_party_id)
    throw invalid("$.provider", "the case's provider is " + r.provider_party_id + ", not " + m.provider);
  if (m.case_id != case_name)
    throw invalid("$.case", "the manifest is for case " + m.case_id + ", not " + std::string(case_name));
  if (!r.signed_order_id.empty()) {
    if (m.order_id != r.signed_order_id)
      throw invalid("$.order", "the case's order is " + r.signed_order_id + ", not " + m.order_id);
    // Only the requesting side may be able to open the evidence: the keys of
    // the order's signers and of their authorities.
    std::set<std::string> allowed;
    const json verification = json::parse(r.order_verification_json);
    for (const auto& sig : verification["signatures"])
      for (const auto& link : sig["chain"])
        if (link["level"] != "anchor" && link.contains("encryption_key"))
          allowed.insert(link["encryption_key"].get<std::string>());
    for (size_t i = 0; i < m.recipients.size(); ++i)
      if (!allowed.count(m.recipients[i]))
        throw invalid("$.recipients[" + std::to_string(i) + "]",
                      "not an encryption key of the order's officer, validator or their authorities");
  }
  Production p;
  p.id = "ev-" + ids_.next();
  p.case_id = r.id;
  p.manifest_id = m.id;
  p.manifest_json = manifest.dump();
  p.verification_json = trust::chain_json(v.chain).dump();
  p.created_at = now;
  int days = holding_days_;
  auto request = json::parse(r.request_json, nullptr, false);
  if (request.is_object() && request.contains("retention_period_days") &&
      request["retention_period_days"].is_number_integer())
    days = std::min<int>(days, request["retention_period_days"].get<int>());
  p.expires_at = now + int64_t{days} * 86400;
  for (size_t i = 0; i < m.files.size(); ++i)
    p.files.push_back(
        {static_cast<int64_t>(i), m.files[i].name, m.files[i].ciphertext_bytes, m.files[i].ciphertext_sha256, false});
  json payload = {{"production", p.id}, {"case", p.case_id}, {"manifest_sha256", sha256_hex(p.manifest_json)}};
  try {
    db.put_production(p, audit(actor, "register_production", p.id, payload.dump()));
  } catch (const StoreError& e) {
    if (e.code == StoreError::Code::Conflict) throw ServiceError(ErrorKind::Conflict, e.what());
    throw;
  }
  return p;
}

Production EvidenceService::register_from_peer(Store& db, std::string_view case_id, std::string_view case_ref,
                                               const json& manifest, const Actor& actor,
                                               const trust::TrustStore& trust) {
  std::optional<CaseRecord> r = db.load_case(case_id);
  if (!r || !was_transmitted(r->c)) throw ServiceError(ErrorKind::NotFound, "no case goes by " + std::string(case_ref));
  const std::string text = manifest.dump();
  for (const Production& p : db.productions_for_case(r->id))
    if (p.manifest_json == text) return p;  // sent again: taken once
  return register_checked(db, *r, case_ref, manifest, actor, trust);
}

void EvidenceService::receive_chunk(Store& db, std::string_view case_id, std::string_view manifest_id, int64_t index,
                                    uint64_t offset, std::string_view bytes, const Actor& actor) {
  std::optional<Production> found;
  for (Production& p : db.productions_for_case(case_id))
    if (p.manifest_id == manifest_id) found = std::move(p);
  if (!found) throw invalid("$.body.manifest", "a production the case holds");
  const Production& p = *found;
  if (p.deleted_at) throw ServiceError(ErrorKind::Gone, "the production was deleted (" + p.deletion_reason + ")");
  if (index < 0 || index >= static_cast<int64_t>(p.files.size()))
    throw invalid("$.body.file", "a file of the manifest");
  const ProductionFile& f = p.files[static_cast<size_t>(index)];
  if (f.complete) throw ServiceError(ErrorKind::Conflict, "the file is complete");
  const uint64_t have = vault_.size(p.id, index);
  // An attempt whose receipt was lost may have written these bytes already
  // (the vault is written before the receiving transaction commits).
  if (offset > have || offset + bytes.size() < have)
    throw ServiceError(ErrorKind::Conflict, "the file continues at offset " + std::to_string(have),
                       {{"$.body.offset", std::to_string(have)}});
  if (offset + bytes.size() > f.ciphertext_bytes)
    throw invalid("$.body.bytes", "at most the manifest's " + std::to_string(f.ciphertext_bytes) + " bytes");
  const UploadSlot slot{p.id, index, f.ciphertext_bytes, f.ciphertext_sha256};
  ChunkOutcome out;
  const std::string_view rest = bytes.substr(have - offset);
  if (rest.empty()) {
    out.received = have;
    out.complete = have == f.ciphertext_bytes;
    if (out.complete && vault_.sha256(p.id, index) != f.ciphertext_sha256) {
      vault_.truncate(p.id, index);
      throw invalid("$.body.data", "the file's SHA-256 is not the manifest's");
    }
  } else {
    out = write_chunk(slot, have, rest);
  }
  if (out.complete) record_complete(db, slot, actor);
}

std::pair<Production, CaseRecord> EvidenceService::visible(Store& db, std::string_view production_id,
                                                           const Actor& actor) {
  auto p = db.production(production_id);
  auto r = p ? db.load_case(p->case_id) : std::nullopt;
  bool provider = r && actor.role == PartyRole::Provider && actor.party_id == r->provider_party_id;
  bool requesting = r && !actor.party_id.empty() && actor.party_id == r->requesting_party_id;
  if (!p || !r || !(provider || requesting))
    throw ServiceError(ErrorKind::NotFound, "no production " + std::string(production_id));
  return {std::move(*p), std::move(*r)};
}

EvidenceService::UploadSlot EvidenceService::prepare_upload(Store& db, std::string_view production_id, int64_t index,
                                                            uint64_t offset, size_t size, const Actor& actor,
                                                            uint64_t* received) {
  auto [p, r] = visible(db, production_id, actor);
  if (actor.role != PartyRole::Provider) throw ServiceError(ErrorKind::Forbidden, "only the provider uploads");
  if (p.deleted_at) throw ServiceError(ErrorKind::Gone, "the production was deleted (" + p.deletion_reason + ")");
  if (index < 0 || index >= static_cast<int64_t>(p.files.size()))
    throw ServiceError(ErrorKind::NotFound, "no file " + std::to_string(index) + " in " + p.id);
  const ProductionFile& f = p.files[static_cast<size_t>(index)];
  uint64_t have = vault_.size(p.id, index);
  if (received) *received = have;
  if (f.complete) throw ServiceError(ErrorKind::Conflict, "file " + std::to_string(index) + " is complete");
  if (offset != have) throw ServiceError(ErrorKind::Conflict, "the upload continues at offset " + std::to_string(have));
  if (size > kMaxEvidenceChunk) throw invalid("$body", "at most 1 MiB per chunk");
  if (have + size > f.ciphertext_bytes)
    throw invalid("$body", "the manifest gives this file " + std::to_string(f.ciphertext_bytes) + " bytes");
  return {p.id, index, f.ciphertext_bytes, f.ciphertext_sha256};
}

EvidenceService::ChunkOutcome EvidenceService::write_chunk(const UploadSlot& slot, uint64_t offset,
                                                           std::string_view bytes) {
  return write_chunk_from(slot, offset, [&](const EvidenceVault::PieceWriter& write) { write(bytes); });
}

EvidenceService::ChunkOutcome EvidenceService::write_chunk_from(
    const UploadSlot& slot, uint64_t offset, const std::function<void(const EvidenceVault::PieceWriter&)>& source) {
  ChunkOutcome out;
  try {
    uint64_t limit = slot.ciphertext_bytes;  // never past the manifest's size, whatever arrives
    out.received =
        vault_.append_from(slot.production_id, slot.index, offset, [&](const EvidenceVault::PieceWriter& write) {
          uint64_t at = offset;
          source([&](std::string_view piece) {
            if (at + piece.size() > limit) return false;
            at += piece.size();
            return write(piece);
          });
        });
  } catch (const VaultError& e) {
    // Another upload got there first (the vault checks the offset under a lock).
    throw ServiceError(ErrorKind::Conflict, std::string("the upload moved on: ") + e.what());
  }
  out.complete = out.received == slot.ciphertext_bytes;
  if (out.complete) {
    std::string digest = vault_.sha256(slot.production_id, slot.index);
    if (digest != slot.ciphertext_sha256) {
      vault_.truncate(slot.production_id, slot.index);
      throw invalid("$body", "the file's SHA-256 is " + digest + ", the manifest says " + slot.ciphertext_sha256 +
                                 ": the upload was altered; it starts again at offset 0");
    }
  }
  return out;
}

void EvidenceService::record_complete(Store& db, const UploadSlot& slot, const Actor& actor) {
  json payload = {
      {"production", slot.production_id}, {"file", slot.index}, {"ciphertext_sha256", slot.ciphertext_sha256}};
  db.mark_file_complete(slot.production_id, slot.index,
                        audit(actor, "receive_evidence", slot.production_id, payload.dump()));
}

EvidenceService::ChunkOutcome EvidenceService::append(std::string_view production_id, int64_t index, uint64_t offset,
                                                      std::string_view bytes, const Actor& actor) {
  UploadSlot slot = prepare_upload(store_, production_id, index, offset, bytes.size(), actor);
  ChunkOutcome out = write_chunk(slot, offset, bytes);
  if (out.complete) record_complete(store_, slot, actor);
  return out;
}

json EvidenceService::describe(std::string_view production_id, const Actor& actor) {
  auto [p, r] = visible(store_, production_id, actor);
  json files = json::array();
  for (const auto& f : p.files)
    files.push_back({{"index", f.index},
                     {"name", f.name},
                     {"ciphertext_bytes", f.ciphertext_bytes},
                     {"ciphertext_sha256", f.ciphertext_sha256},
                     {"received_bytes", p.deleted_at ? 0 : vault_.size(p.id, f.index)},
                     {"complete", f.complete},
                     {"url", "/api/v1/productions/" + p.id + "/files/" + std::to_string(f.index)}});
  json out = {{"id", p.id},
              {"case", p.case_id},
              {"manifest", json::parse(p.manifest_json)},
              {"signer_chain", json::parse(p.verification_json)},
              {"created_at", format_instant(p.created_at)},
              {"expires_at", format_instant(p.expires_at)},
              {"deleted_at", p.deleted_at ? json(format_instant(*p.deleted_at)) : json(nullptr)},
              {"files", std::move(files)}};
  if (p.deleted_at) out["deletion_reason"] = p.deletion_reason;
  return out;
}

json productions_summary(const std::vector<Production>& productions) {
  json out = json::array();
  for (const auto& p : productions) {
    size_t complete =
        static_cast<size_t>(std::count_if(p.files.begin(), p.files.end(), [](const auto& f) { return f.complete; }));
    out.push_back({{"id", p.id},
                   {"url", "/api/v1/productions/" + p.id},
                   {"files", p.files.size()},
                   {"complete_files", complete},
                   {"expires_at", format_instant(p.expires_at)},
                   {"deleted_at", p.deleted_at ? json(format_instant(*p.deleted_at)) : json(nullptr)}});
  }
  return out;
}

uint64_t EvidenceService::authorize_download(std::string_view production_id, int64_t index, const Actor& actor) {
  auto [p, r] = visible(store_, production_id, actor);
  if (actor.role != PartyRole::Officer || actor.party_id != r.requesting_party_id)
    throw ServiceError(ErrorKind::Forbidden, "the requesting authority's officers download the evidence");
  if (index < 0 || index >= static_cast<int64_t>(p.files.size()))
    throw ServiceError(ErrorKind::NotFound, "no file " + std::to_string(index) + " in " + p.id);
  if (p.deleted_at) throw ServiceError(ErrorKind::Gone, "deleted (" + p.deletion_reason + ")");
  const ProductionFile& f = p.files[static_cast<size_t>(index)];
  if (!f.complete) {
    ServiceError e(ErrorKind::Conflict, "file " + std::to_string(index) + " of " + p.id +
                                            " has not been received whole yet: the provider's upload continues");
    e.reason = "incomplete";
    throw e;
  }
  json payload = {{"production", p.id}, {"file", index}, {"ciphertext_sha256", f.ciphertext_sha256}};
  store_.append_audit(audit(actor, "read_evidence", p.id, payload.dump()));
  return f.ciphertext_bytes;
}

int EvidenceService::purge() {
  const Instant now = clock_.now();
  int n = 0;
  for (const auto& p : store_.productions_to_delete(now, 100)) {
    vault_.remove(p.id);  // bytes first: a crash leaves a row to retry, never a file without its row
    std::string reason = p.expires_at <= now ? "retention_ended" : "case_requires_deletion";
    json payload = {{"production", p.id}, {"case", p.case_id}, {"reason", reason}};
    store_.mark_production_deleted(p.id, reason, now,
                                   {0, now, "system:retention", "delete_evidence", p.id, sha256_hex(payload.dump())});
    ++n;
  }
  return n;
}

}  // namespace comity
