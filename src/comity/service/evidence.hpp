// Evidence at the exchange (docs/evidence-encryption.md): a provider
// registers a production with its signed manifest, uploads each file's
// ciphertext in chunks (resumable: a chunk lands only at the current end),
// and the requesting authority's officer downloads it. The exchange keeps
// ciphertext only, checks each file against the manifest's size and
// SHA-256, and deletes it when the retention period ends or the case must
// delete the data it obtained (failed ex-post validation), with an audit
// entry each time.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "comity/service/actor.hpp"
#include "comity/service/ids.hpp"
#include "comity/store/evidence_vault.hpp"
#include "comity/store/store.hpp"
#include "comity/workflow/clock.hpp"

namespace comity::trust {
class TrustStore;
}

namespace comity {

// Largest chunk one upload call takes.
inline constexpr size_t kMaxEvidenceChunk = 1 << 20;

// A case's productions as its view lists them: id, link, file counts,
// expiry and deletion.
nlohmann::json productions_summary(const std::vector<Production>& productions);

class EvidenceService {
 public:
  // `holding_days`: the longest the exchange keeps ciphertext; a request's
  // own retention_period_days shortens it. REQUIRES: all outlive the service.
  EvidenceService(Store& store, EvidenceVault& vault, const Clock& clock, IdSource& ids, int holding_days = 90)
      : store_(store), vault_(vault), clock_(clock), ids_(ids), holding_days_(holding_days) {}

  // The case's addressed provider registers a production: the manifest is
  // verified against `trust` now (a provider-role person of the case's
  // provider; ServiceError{Untrusted} with reason and path otherwise), must
  // name this case and, for a signed order, its order id and only the
  // requesting side's encryption keys as recipients (Invalid at the
  // member). Forbidden for anyone else; Conflict if the case is not being
  // executed (transmitted, acknowledged or produced) or the manifest id
  // was used for this case.
  Production register_production(std::string_view case_id, const nlohmann::json& manifest, const Actor& actor,
                                 const trust::TrustStore& trust);

  // The home side of evidence between nodes (docs/federation.md §3): a
  // production a peer's party sent for case `case_id`, checked as
  // register_production checks one (signer, order, recipients, the case
  // being executed) except that the manifest names the case by `case_ref`,
  // the name the case goes by between nodes; the caller has checked that
  // `actor` is the party the order or request was sent to. Written through
  // `db` (the receiving transaction). A manifest sent again (its id already
  // registered for the case, with the same signed text) is taken as done.
  Production register_from_peer(Store& db, std::string_view case_id, std::string_view case_ref,
                                const nlohmann::json& manifest, const Actor& actor, const trust::TrustStore& trust);
  // Bytes of file `index` of the production registered under `manifest_id`
  // on case `case_id`, at `offset`: appended to the vault where its bytes
  // end (bytes already there from an attempt whose commit was lost are not
  // written twice); the last is checked against the manifest's SHA-256 and
  // the file marked complete through `db`. Throws as prepare_upload and
  // write_chunk do (NotFound, Gone, Conflict at another offset, Invalid).
  void receive_chunk(Store& db, std::string_view case_id, std::string_view manifest_id, int64_t index, uint64_t offset,
                     std::string_view bytes, const Actor& actor);

  // Uploading a chunk, in three steps so that a server reads on a read
  // connection, writes the bytes outside any store lock, and commits only
  // the completion:
  //   prepare_upload  the provider may write `size` bytes at `offset` of
  //                   file `index` (reads `db`): NotFound, Forbidden,
  //                   Conflict (deleted, complete, or the upload continues at
  //                   another offset: `received` holds where), Invalid
  //                   (over 1 MiB, or past the manifest's size)
  //   write_chunk     appends to the vault; the last chunk is checked against
  //                   the manifest's SHA-256 — a mismatch empties the file and
  //                   is Invalid
  //   record_complete marks a complete file received, with its audit entry
  struct UploadSlot {
    std::string production_id;
    int64_t index = 0;
    uint64_t ciphertext_bytes = 0;
    std::string ciphertext_sha256;
  };
  struct ChunkOutcome {
    uint64_t received = 0;
    bool complete = false;
  };
  UploadSlot prepare_upload(Store& db, std::string_view production_id, int64_t index, uint64_t offset, size_t size,
                            const Actor& actor, uint64_t* received = nullptr);
  ChunkOutcome write_chunk(const UploadSlot& slot, uint64_t offset, std::string_view bytes);
  // The same for a chunk that arrives in pieces (EvidenceVault::append_from);
  // a chunk cut short is kept (the upload resumes after it).
  ChunkOutcome write_chunk_from(const UploadSlot& slot, uint64_t offset,
                                const std::function<void(const EvidenceVault::PieceWriter&)>& source);
  void record_complete(Store& db, const UploadSlot& slot, const Actor& actor);
  // The three steps on this service's store (tests, single-threaded users).
  ChunkOutcome append(std::string_view production_id, int64_t index, uint64_t offset, std::string_view bytes,
                      const Actor& actor);

  // The production with each file's received byte count, for the provider
  // and the requesting authority; NotFound for anyone else.
  nlohmann::json describe(std::string_view production_id, const Actor& actor);

  // Checks that `actor` (the requesting authority's officer) may download a
  // complete file, appends the audit entry, and returns its size; NotFound,
  // Forbidden, or Conflict (gone: deleted, or not complete).
  uint64_t authorize_download(std::string_view production_id, int64_t index, const Actor& actor);

  // Deletes the ciphertext of every production whose retention ended or
  // whose case must delete its data; returns how many.
  int purge();

 private:
  // A production and its case, if `actor` is the case's provider (for
  // Role::Provider) or of the requesting party; NotFound otherwise.
  std::pair<Production, CaseRecord> visible(Store& db, std::string_view production_id, const Actor& actor);
  // register_production's checks and write for case `r`, whose manifest
  // names it `case_name`, through `db`.
  Production register_checked(Store& db, const CaseRecord& r, std::string_view case_name,
                              const nlohmann::json& manifest, const Actor& actor, const trust::TrustStore& trust);
  AuditEntry audit(const Actor& actor, std::string_view action, std::string_view object,
                   std::string_view payload) const;

  Store& store_;
  EvidenceVault& vault_;
  const Clock& clock_;
  IdSource& ids_;
  int holding_days_;
};

}  // namespace comity
