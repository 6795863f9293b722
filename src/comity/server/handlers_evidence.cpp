// Evidence productions (docs/evidence-encryption.md): the addressed provider
// registers a production with its signed manifest and uploads each file's
// ciphertext in resumable chunks; the requesting authority's officers
// download it. The exchange holds ciphertext only.
#include <nlohmann/json.hpp>

#include "comity/server/handlers.hpp"

namespace comity::handlers {
namespace {

using nlohmann::json;

EvidenceService& evidence_of(Node& node) {
  if (!node.evidence)
    throw Error(ErrorKind::Unavailable, "this server keeps no evidence (no evidence directory configured)");
  return *node.evidence;
}

int64_t file_index(const Call& call) {
  const std::string& text = call.param(1);
  if (!small_decimal(text)) throw Error(ErrorKind::NotFound, "no such file");
  return std::stoll(text);
}

}  // namespace

uint64_t ciphertext_offset(const Call& call) {
  if (!media_type_is(call.req.header("Content-Type"), "application/octet-stream"))
    throw Error(ErrorKind::UnsupportedMediaType, "send the ciphertext as application/octet-stream",
                {{"$header.Content-Type", "application/octet-stream"}});
  const std::string offset_text = call.req.param("offset");
  if (!small_decimal(offset_text))
    throw Error(ErrorKind::Malformed, "offset must be the byte offset the chunk starts at",
                {{"$query.offset", "a non-negative integer"}});
  return std::stoull(offset_text);
}

void post_production(Node& node, Call& call) {
  EvidenceService& evidence = evidence_of(node);
  json body = json_body(call.req);
  const Actor actor = actor_of(call.principal());
  json out;
  {
    std::lock_guard<std::mutex> lock(node.store_mu);
    Production p = evidence.register_production(call.param(0), body, actor, *node.trusted(node.store));
    out = evidence.describe(p.id, actor);
  }
  call.res.set_header("Location", "/api/v1/productions/" + out["id"].get<std::string>());
  call.res.send_json(safe_dump(out), 201);
}

void get_production(Node& node, Call& call) {
  EvidenceService& evidence = evidence_of(node);
  json out;
  {
    std::lock_guard<std::mutex> lock(node.store_mu);
    out = evidence.describe(call.param(0), actor_of(call.principal()));
  }
  call.res.send_json(safe_dump(out));
}

// One chunk of a file's ciphertext at ?offset=N (resumable: GET the
// production for received_bytes). Checked on a read connection, streamed to
// the vault as it arrives (never held whole in memory) outside every store
// lock, committed only when the file is complete.
void post_chunk(Node& node, Call& call) {
  // A refused chunk's body may be left unread, so the connection cannot
  // carry another request: it closes unless the chunk was taken whole.
  call.res.set_header("Connection", "close");
  EvidenceService& evidence = evidence_of(node);
  const uint64_t offset = ciphertext_offset(call);
  const int64_t index = file_index(call);
  const std::string length_text = call.req.header("Content-Length");
  if (!small_decimal(length_text))
    throw Error(ErrorKind::LengthRequired, "send the chunk with a Content-Length (at most 1048576 bytes)",
                {{"$header.Content-Length", "the chunk's length in bytes"}});
  const uint64_t length = std::stoull(length_text);
  const Actor actor = actor_of(call.principal());
  uint64_t received = 0;
  try {
    EvidenceService::UploadSlot slot;
    {
      Node::ReadLease db(node);
      slot = evidence.prepare_upload(*db, call.param(0), index, offset, static_cast<size_t>(length), actor, &received);
    }
    COMITY_ASSERT(call.req.read_body != nullptr, "a streamed route reads its body as it arrives");
    auto out = evidence.write_chunk_from(slot, offset, [&](const EvidenceVault::PieceWriter& write) {
      call.req.read_body([&](const char* data, size_t n) { return write(std::string_view(data, n)); });
    });
    if (out.received != offset + length)
      throw Error(ErrorKind::Malformed,
                  "the chunk arrived incomplete; the upload continues at offset " + std::to_string(out.received));
    if (out.complete) node.durably([&] { evidence.record_complete(node.store, slot, actor); });
    call.res.erase_header("Connection");
    call.res.set_header("Upload-Offset", std::to_string(out.received));
    call.res.send_json(safe_dump(json{{"received_bytes", out.received}, {"complete", out.complete}}));
  } catch (const Error& e) {
    if (e.kind == ErrorKind::Conflict) call.res.set_header("Upload-Offset", std::to_string(received));
    throw;
  }
}

// The ciphertext, streamed from the vault, for the requesting authority's
// officers; the read is audited before the first byte leaves. 410 once the
// production is deleted; 409 (reason "incomplete") while a file is still
// being uploaded.
void get_file(Node& node, Call& call) {
  EvidenceService& evidence = evidence_of(node);
  const std::string id = call.param(0);
  const int64_t index = file_index(call);
  uint64_t size = 0;
  {
    std::lock_guard<std::mutex> lock(node.store_mu);
    size = evidence.authorize_download(id, index, actor_of(call.principal()));
  }
  EvidenceVault* v = node.vault.get();
  call.res.set_header("Content-Disposition", "attachment; filename=\"" + id + "-" + call.param(1) + ".age\"");
  call.res.content_type = "application/octet-stream";
  call.res.stream_size = size;
  call.res.stream = [v, id, index](uint64_t offset, const BodySink& sink) {
    bool ok = true;
    try {
      v->read(id, index, offset, [&](std::string_view piece) {
        ok = sink(piece.data(), piece.size());
        return false;  // one piece per call; the transport asks again from the new offset
      });
    } catch (const VaultError& e) {  // deleted meanwhile: the transfer stops short
      log_line({{"level", "error"}, {"msg", "evidence download"}, {"error", e.what()}});
      return false;
    }
    return ok;
  };
}

}  // namespace comity::handlers
