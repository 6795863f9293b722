// Evidence between nodes (docs/federation.md §3, "Evidence"). The party
// that answers an order or an MLA request — a provider, or the requested
// central authority that obtained the data — seals each file to the
// issuing side's keys before anything leaves its hands
// (evidence-encryption.md), signs the production's manifest, and hands
// both to its own node. That node sends them home in the case's stream,
// through the outbox like every other act: a production.manifest, then the
// ciphertext in production.chunk messages of at most 512 KiB, each under
// its own signed, logged receipt, so the sender holds offline-verifiable
// proof that the home node received every byte, and a node restarted
// mid-file loses nothing and repeats nothing (the outbox's idempotent,
// per-case ordered delivery). Neither node can open a file: both hold
// ciphertext only.
//
// On the answering node, the bytes queued for a file are counted from the
// outbox's own chunk messages (their headers are read without parsing the
// ciphertext), so an upload resumes at the offset the node reports, and the
// file's SHA-256 is checked against the manifest before its last chunk is
// queued. On the home node the manifest is checked as a local production's
// is (EvidenceService: its signer's chain, the order, only the issuing
// side's keys as recipients) but names the case by its case_ref, and each
// chunk lands in the vault at its offset; the last is checked against the
// manifest's digest there too.
#include <algorithm>
#include <charconv>

#include "comity/crypto/ed25519.hpp"
#include "comity/service/federation.hpp"
#include "comity/store/store_error.hpp"
#include "comity/trust/production.hpp"
#include "comity/util/sha256.hpp"

namespace comity {

using nlohmann::json;

namespace {

// Which message an evidence act goes with, and who sends it.
struct EvidenceOf {
  std::string_view order_kind;
  PartyRole role;
};
constexpr EvidenceOf kEvidenceOf[] = {{"order.transmit", PartyRole::Provider},
                                      {"mla.transmit", PartyRole::CentralAuthority}};

// What a production.chunk envelope says of its chunk, read from its
// canonical text without parsing the ciphertext: its body is
// {"bytes":N,"data":"…","file":F,"manifest":"ID","offset":O} (RFC 8785
// orders the members), and base64 holds no quote.
struct ChunkHeader {
  std::string manifest;
  int64_t file = -1;
  uint64_t offset = 0, bytes = 0;
  size_t data_at = 0, data_size = 0;  // the base64 text within the envelope
};
bool read_number(std::string_view text, size_t& at, uint64_t& out) {
  const char* first = text.data() + at;
  auto [ptr, ec] = std::from_chars(first, text.data() + text.size(), out);
  if (ec != std::errc() || ptr == first) return false;
  at += static_cast<size_t>(ptr - first);
  return true;
}
bool expect(std::string_view text, size_t& at, std::string_view word) {
  if (text.substr(at, word.size()) != word) return false;
  at += word.size();
  return true;
}
std::optional<ChunkHeader> chunk_header(std::string_view envelope) {
  ChunkHeader h;
  size_t at = envelope.find("\"body\":{\"bytes\":");
  if (at == std::string_view::npos) return std::nullopt;
  at += 16;
  uint64_t file = 0;
  if (!read_number(envelope, at, h.bytes) || !expect(envelope, at, ",\"data\":\"")) return std::nullopt;
  h.data_at = at;
  const size_t end = envelope.find('"', at);
  if (end == std::string_view::npos) return std::nullopt;
  h.data_size = end - at;
  at = end + 1;
  if (!expect(envelope, at, ",\"file\":") || !read_number(envelope, at, file) ||
      !expect(envelope, at, ",\"manifest\":\""))
    return std::nullopt;
  const size_t id_end = envelope.find('"', at);
  if (id_end == std::string_view::npos) return std::nullopt;
  h.manifest = std::string(envelope.substr(at, id_end - at));
  at = id_end + 1;
  if (!expect(envelope, at, ",\"offset\":") || !read_number(envelope, at, h.offset)) return std::nullopt;
  h.file = static_cast<int64_t>(file);
  return h;
}

using Refusal = std::optional<std::pair<std::string, std::string>>;
Refusal refused(const char* code, std::string detail) {
  return std::make_pair(std::string(code), std::move(detail));
}

}  // namespace

InboxMessage FederationService::answerable_order(Store& db, const std::string& message_id, const std::string& party,
                                                 const Acting& acting) {
  std::optional<InboxMessage> m = db.fed().inbox_message(message_id);
  const bool ok = m && m->to_party == party && m->state == InboxState::Applied &&
                  std::any_of(std::begin(kEvidenceOf), std::end(kEvidenceOf), [&](const EvidenceOf& k) {
                    return k.order_kind == m->kind && acting.role == role_name(k.role);
                  });
  if (!ok)
    throw Error(ErrorKind::NotFound, "no order or request " + message_id + " reached a " + acting.role + " of " +
                                         party + " to produce evidence for");
  refuse_if_suspended(db, m->peer);
  return *m;
}

json FederationService::offer_production(Store& db, const std::string& message_id, const std::string& party,
                                         const json& manifest, const Acting& acting, Instant now) {
  const InboxMessage m = answerable_order(db, message_id, party, acting);
  const trust::Manifest parsed = trust::parse_manifest(manifest);
  if (parsed.case_id != m.case_ref)
    throw Error(
        ErrorKind::Invalid,
        "the manifest must name the case as the order reached this node: " + m.case_ref + ", not " + parsed.case_id,
        {{"$.case", m.case_ref}});
  for (const OutboxMessage& o : db.fed().outbox_for_case(m.case_ref))
    if (o.kind == "production.manifest" && json::parse(o.envelope)["body"]["manifest"].value("id", "") == parsed.id)
      throw Error(ErrorKind::Conflict, "a production with manifest " + parsed.id + " was sent for this case",
                  {{"$.id", "a manifest id not used for this case"}});
  fed::Envelope e = reply_to(m, party, "production.manifest", acting);
  e.body = {{"manifest", manifest}, {"in_reply_to", message_id}};
  const json sent = queue(db, e, acting.audit_name, now);
  json files = json::array();
  for (size_t i = 0; i < parsed.files.size(); ++i)
    files.push_back({{"index", i},
                     {"name", parsed.files[i].name},
                     {"ciphertext_bytes", parsed.files[i].ciphertext_bytes},
                     {"queued_bytes", 0}});
  return {{"manifest", parsed.id}, {"message", sent["id"]}, {"case_ref", m.case_ref}, {"files", std::move(files)}};
}

json FederationService::offer_chunk(Store& db, const std::string& message_id, const std::string& party,
                                    const std::string& manifest_id, int64_t file, uint64_t offset,
                                    std::string_view bytes, const Acting& acting, Instant now) {
  const InboxMessage m = answerable_order(db, message_id, party, acting);
  const std::vector<OutboxMessage> sent = db.fed().outbox_for_case(m.case_ref);
  std::optional<trust::Manifest> manifest;
  for (const OutboxMessage& o : sent)
    if (o.kind == "production.manifest" && o.peer == m.peer) {
      const json doc = json::parse(o.envelope)["body"]["manifest"];
      if (doc.value("id", "") == manifest_id) manifest = trust::parse_manifest(doc);
    }
  if (!manifest) throw Error(ErrorKind::NotFound, "no production " + manifest_id + " was sent for " + message_id);
  if (file < 0 || file >= static_cast<int64_t>(manifest->files.size()))
    throw Error(ErrorKind::NotFound, "no file " + std::to_string(file) + " in production " + manifest_id);
  const trust::ManifestFile& f = manifest->files[static_cast<size_t>(file)];
  std::vector<const OutboxMessage*> chunks;
  uint64_t queued = 0;
  for (const OutboxMessage& o : sent) {
    if (o.kind != "production.chunk" || o.peer != m.peer) continue;
    std::optional<ChunkHeader> h = chunk_header(o.envelope);
    COMITY_ASSERT(h.has_value(), "a queued chunk's header reads back");
    if (h->manifest != manifest_id || h->file != file) continue;
    chunks.push_back(&o);
    queued += h->bytes;
  }
  if (queued == f.ciphertext_bytes)
    throw Error(ErrorKind::Conflict, "file " + std::to_string(file) + " of " + manifest_id + " was sent whole");
  if (offset != queued)
    throw Error(ErrorKind::Conflict, "the file continues at offset " + std::to_string(queued),
                {{"$query.offset", std::to_string(queued)}});
  if (bytes.empty()) throw Error(ErrorKind::Invalid, "an empty chunk", {{"$body", "at least one byte"}});
  if (bytes.size() > kMaxChunkOffer)
    throw Error(ErrorKind::Invalid, "at most 1 MiB per chunk", {{"$body", "at most 1048576 bytes"}});
  if (queued + bytes.size() > f.ciphertext_bytes)
    throw Error(ErrorKind::Invalid,
                "the manifest gives this file " + std::to_string(f.ciphertext_bytes) + " bytes of ciphertext",
                {{"$body", "at most " + std::to_string(f.ciphertext_bytes - queued) + " more bytes"}});
  const bool last = queued + bytes.size() == f.ciphertext_bytes;
  if (last) {
    // The whole file, as the home node will hold it, must be the one the
    // manifest signs: otherwise it could never be completed there.
    Sha256 digest;
    for (const OutboxMessage* o : chunks) {
      const ChunkHeader h = *chunk_header(o->envelope);
      std::optional<std::string> data =
          crypto::base64_decode(std::string_view(o->envelope).substr(h.data_at, h.data_size));
      COMITY_ASSERT(data.has_value(), "a queued chunk's data decodes");
      digest.update(*data);
    }
    digest.update(bytes);
    const std::string got = digest.hex_digest();
    if (got != f.ciphertext_sha256)
      throw Error(ErrorKind::Invalid,
                  "the file's ciphertext has SHA-256 " + got + ", the manifest says " + f.ciphertext_sha256 +
                      ": seal it again and send a new manifest",
                  {{"$body", "the ciphertext the manifest signs"}});
  }
  for (size_t at = 0; at < bytes.size(); at += kFedChunkBytes) {
    const std::string_view piece = bytes.substr(at, kFedChunkBytes);
    fed::Envelope e = reply_to(m, party, "production.chunk", acting);
    e.body = {{"manifest", manifest_id},
              {"file", file},
              {"offset", offset + at},
              {"bytes", piece.size()},
              {"data", crypto::base64_encode(piece)}};
    queue(db, e, acting.audit_name, now);
  }
  return {{"queued_bytes", queued + bytes.size()}, {"complete", last}};
}

std::optional<std::pair<std::string, std::string>> FederationService::apply_evidence(Store& db, const fed::Envelope& e,
                                                                                     const std::string& peer_state) {
  std::optional<std::string> case_id = db.fed().case_of_ref(e.case_ref);
  if (!case_id || !evidence_.manifest || !evidence_.chunk)
    return refused("case_unknown", "no case of this node goes by " + e.case_ref);
  // Only the party the case's order (or request) was sent to produces for
  // it, in the role that answers that message.
  const std::string order_kind = sent_to_sender(db, e, {kEvidenceOf[0].order_kind, kEvidenceOf[1].order_kind});
  const EvidenceOf* of = nullptr;
  for (const EvidenceOf& k : kEvidenceOf)
    if (k.order_kind == order_kind) of = &k;
  if (!of) return refused("not_authorised", e.from_party + " of " + e.from + " was sent no order of this case");
  if (parse_role(e.actor_role) != of->role)
    return refused("not_authorised", "evidence for a " + std::string(of->order_kind) + " comes from a " +
                                         std::string(role_name(of->role)));
  const Actor actor = peer_actor(e, of->role, peer_state);
  try {
    if (e.kind == "production.manifest") {
      auto it = e.body.find("manifest");
      if (it == e.body.end() || !it->is_object())
        return refused("malformed", "a production.manifest carries a manifest");
      evidence_.manifest(db, *case_id, e.case_ref, *it, actor);
      return std::nullopt;
    }
    const std::string manifest = e.body.value("manifest", "");
    const int64_t file = e.body.value("file", int64_t{-1});
    const uint64_t offset = e.body.value("offset", uint64_t{0}), size = e.body.value("bytes", uint64_t{0});
    std::optional<std::string> data = crypto::base64_decode(e.body.value("data", ""));
    if (manifest.empty() || file < 0 || !data || data->size() != size || size == 0)
      return refused("malformed", "a production.chunk carries its manifest, file, offset, bytes and data");
    evidence_.chunk(db, *case_id, manifest, file, offset, *data, actor);
  } catch (const StoreError&) {
    throw;  // not a refusal: the job fails, and the peer's retry meets the case anew
  } catch (const Error& x) {
    // Named by the member, never by the home case's id or state.
    const std::string at = x.field_errors.empty() ? "" : " at " + x.field_errors.front().path;
    switch (x.kind) {
      case ErrorKind::Untrusted:
        return refused("bad_signature", "the manifest's signer is not trusted here" + at + " (" + x.reason + ")");
      case ErrorKind::Invalid:
      case ErrorKind::Malformed: return refused("malformed", "the production was refused" + at);
      case ErrorKind::Conflict:
      case ErrorKind::Gone: return refused("transition_refused", "the case takes no evidence now" + at);
      case ErrorKind::Forbidden:
      case ErrorKind::NotFound: return refused("not_authorised", "not this party's evidence for this case");
      default: throw;
    }
  }
  return std::nullopt;
}

}  // namespace comity
