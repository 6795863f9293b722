// Envelopes and receipts: strict reading, signing, digests, the receipt's
// log leaf and its offline verification.
//
// Both documents follow the trust layer's rules (trust/fields.hpp): every
// member known, every required one present with its shape, and a signature
// over the RFC 8785 form without `signature`. A receipt's `proof` is also
// left out of what is signed, so a node can give the signed receipt at once
// and attach a proof when its log is next checkpointed — or the sender can
// fetch one later against a newer checkpoint — without signing again.
//
// verify_receipt is what a court or the sender runs years later, with only
// the receipt, the receiver's node key and the receiver's log key: the
// signature, then the leaf rebuilt from the receipt (so a proof for some
// other leaf cannot be passed off), then the inclusion proof against the
// root in a checkpoint signed by the log key.
#include "comity/fed/messages.hpp"

#include <algorithm>
#include <array>

#include "comity/trust/credentials.hpp"
#include "comity/trust/fields.hpp"
#include "comity/util/jcs.hpp"
#include "comity/util/sha256.hpp"

namespace comity::fed {

using nlohmann::json;
using trust::malformed;
using trust::Reader;
using trust::TrustError;

namespace {

constexpr const char* kEnvelopeType = "comity.fed.message/v1";
constexpr const char* kReceiptType = "comity.fed.receipt/v1";

constexpr std::array<std::string_view, 18> kKinds = {"peer.hello",
                                                     "order.transmit",
                                                     "notification.send",
                                                     "notification.answer",
                                                     "ack",
                                                     "inability",
                                                     "objection",
                                                     "refusal",
                                                     "production.manifest",
                                                     "production.chunk",
                                                     "production.complete",
                                                     "mla.transmit",
                                                     "mla.supplement.request",
                                                     "mla.supplement.provide",
                                                     "mla.execution",
                                                     "withdraw",
                                                     "clarify",
                                                     "receipt"};

struct RefusalCode {
  std::string_view code, rem;
};
constexpr std::array<RefusalCode, 13> kRefusals = {{{"malformed", "InvalidMessageFormat"},
                                                    {"too_large", "InvalidMessageFormat"},
                                                    {"bad_signature", "PolicyViolation"},
                                                    {"not_authorised", "PolicyViolation"},
                                                    {"not_yet_valid", "PolicyViolation"},
                                                    {"expired", "PolicyViolation"},
                                                    {"order_invalid", "PolicyViolation"},
                                                    {"wrong_peer", "UnknownRecipient"},
                                                    {"unknown_party", "UnknownRecipient"},
                                                    {"conflict", "DuplicateMsgID"},
                                                    {"case_unknown", "Other"},
                                                    {"transition_refused", "Other"},
                                                    {"peer_suspended", "Other"}}};

bool is_hex(std::string_view s, size_t n) {
  return s.size() == n &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string prefixed_id(const Reader& r, const char* key, std::string_view prefix, bool required = true) {
  std::string id = r.str(key, required, 64);
  if (id.empty() && !required) return id;
  if (id.rfind(prefix, 0) != 0 || !is_hex(std::string_view(id).substr(prefix.size()), 32))
    malformed(r.at(key), "expected \"" + std::string(prefix) + "\" and 32 lower-case hex digits");
  return id;
}

int64_t seq_of(const Reader& r, const json& doc) {
  const json& v = r.get("seq");
  (void)doc;
  if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > (int64_t{1} << 53))
    malformed(r.at("seq"), "expected a non-negative integer");
  return v.get<int64_t>();
}

void check_signature(const json& signed_part, const json& doc, const std::string& signer, const std::string& path,
                     const std::string& what) {
  if (!crypto::verify(trust::parse_key_text(signer, path + ".signer"), trust::signed_bytes(signed_part),
                      trust::signature_of(doc, "signature", path)))
    throw TrustError(TrustError::Code::BadSignature, path + ".signature",
                     what + " is not signed by its signer " + signer);
}

std::string hash_b64(const ledger::Hash& h) {
  return crypto::base64_encode(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

}  // namespace

bool known_message_kind(std::string_view kind) {
  return std::find(kKinds.begin(), kKinds.end(), kind) != kKinds.end();
}

json sign_envelope(const Envelope& e, const crypto::SigningKey& node_key) {
  json doc = {{"type", kEnvelopeType},
              {"id", e.id},
              {"from", e.from},
              {"to", e.to},
              {"from_party", e.from_party},
              {"to_party", e.to_party},
              {"case_ref", e.case_ref},
              {"seq", e.seq},
              {"kind", e.kind},
              {"created_at", format_instant(e.created_at)},
              {"expires_at", format_instant(e.expires_at)},
              {"actor_credential", e.actor_credential},
              {"actor_role", e.actor_role},
              {"body", e.body},
              {"signer", trust::key_text(node_key.public_key())}};
  return trust::sign_document(std::move(doc), node_key);
}

Envelope parse_envelope(const json& doc, const std::string& path) {
  Reader r(doc, path,
           {"type", "id", "from", "to", "from_party", "to_party", "case_ref", "seq", "kind", "created_at", "expires_at",
            "actor_credential", "actor_role", "body", "signer", "signature"});
  r.type(kEnvelopeType);
  Envelope e;
  e.id = prefixed_id(r, "id", "msg-");
  e.from = r.str("from", true, 128);
  e.to = r.str("to", true, 128);
  if (e.from == e.to) malformed(r.at("to"), "a message goes to another node");
  e.from_party = r.str("from_party", true, 128);
  e.to_party = r.str("to_party", true, 128);
  e.kind = r.str("kind", true, 64);
  if (!known_message_kind(e.kind)) malformed(r.at("kind"), "not a known message kind: " + e.kind);
  const json& cr = r.get("case_ref");
  if (!cr.is_string()) malformed(r.at("case_ref"), "expected a string");
  e.case_ref = cr.get<std::string>();
  e.seq = seq_of(r, doc);
  if (e.kind == "peer.hello") {
    if (!e.case_ref.empty()) malformed(r.at("case_ref"), "peer.hello belongs to no case: \"\"");
  } else {
    prefixed_id(r, "case_ref", "fc-");
  }
  if (e.seq < 1) malformed(r.at("seq"), "messages count from 1, per peer and case (or outside cases)");
  e.created_at = r.instant("created_at");
  e.expires_at = r.instant("expires_at");
  if (e.expires_at <= e.created_at || e.expires_at - e.created_at > 30 * 86400)
    malformed(r.at("expires_at"), "expected after created_at and at most 30 days later");
  for (const char* k : {"actor_credential", "actor_role"})
    if (!r.get(k).is_string() || r.get(k).get_ref<const std::string&>().size() > 128)
      malformed(r.at(k), "expected a string of at most 128 bytes");
  e.actor_credential = r.get("actor_credential").get<std::string>();
  e.actor_role = r.get("actor_role").get<std::string>();
  e.body = r.get("body");
  if (!e.body.is_object()) malformed(r.at("body"), "expected an object");
  e.signer = r.key("signer");
  check_signature(doc, doc, e.signer, path, "the message " + e.id);
  e.doc = doc;
  return e;
}

std::string envelope_digest(const json& doc) {
  return sha256_hex(canonical_json(doc));
}

std::string new_message_id(std::string_view prefix) {
  std::string raw = crypto::random_bytes(16);
  static const char* hex = "0123456789abcdef";
  std::string out(prefix);
  for (unsigned char c : raw) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

std::string_view receipt_status_name(ReceiptStatus s) {
  switch (s) {
    case ReceiptStatus::Accepted: return "accepted";
    case ReceiptStatus::Delivered: return "delivered";
    case ReceiptStatus::Refused: return "refused";
  }
  return "refused";
}

std::string_view rem_event(ReceiptStatus s) {
  switch (s) {
    case ReceiptStatus::Accepted: return "RelayAcceptance";
    case ReceiptStatus::Delivered: return "ContentHandover";
    case ReceiptStatus::Refused: return "RelayRejection";
  }
  return "RelayRejection";
}

bool known_refusal(std::string_view code) {
  return std::any_of(kRefusals.begin(), kRefusals.end(), [&](const RefusalCode& r) { return r.code == code; });
}

std::string_view rem_reason(std::string_view code) {
  for (const RefusalCode& r : kRefusals)
    if (r.code == code) return r.rem;
  return "Other";
}

namespace {

json receipt_signed_part(const Receipt& r, const std::string& signer) {
  json doc = {{"type", kReceiptType},
              {"id", r.id},
              {"message", r.message},
              {"message_sha256", r.message_sha256},
              {"from", r.from},
              {"to", r.to},
              {"case_ref", r.case_ref},
              {"seq", r.seq},
              {"status", receipt_status_name(r.status)},
              {"rem_event", rem_event(r.status)},
              {"received_at", format_instant(r.received_at)},
              {"salt", r.salt},
              {"signer", signer}};
  if (r.status == ReceiptStatus::Delivered) doc["delivered_at"] = format_instant(r.delivered_at);
  if (r.status == ReceiptStatus::Refused) {
    doc["reason"] = r.reason;
    doc["rem_reason"] = rem_reason(r.reason);
    doc["detail"] = r.detail;
  }
  return doc;
}

json without_proof(json doc) {
  doc.erase("proof");
  return doc;
}

ReceiptProof read_proof(const json& j, const std::string& path) {
  Reader r(j, path, {"leaf_index", "inclusion", "checkpoint"});
  ReceiptProof p;
  const json& i = r.get("leaf_index");
  if (!i.is_number_unsigned()) malformed(r.at("leaf_index"), "expected a non-negative integer");
  p.leaf_index = i.get<uint64_t>();
  const json& inc = r.get("inclusion");
  if (!inc.is_array() || inc.size() > 64) malformed(r.at("inclusion"), "expected at most 64 base64 hashes");
  for (size_t k = 0; k < inc.size(); ++k) {
    auto raw = inc[k].is_string() ? crypto::base64_decode(inc[k].get<std::string>()) : std::nullopt;
    if (!raw || raw->size() != 32)
      malformed(r.at("inclusion") + "[" + std::to_string(k) + "]", "expected the base64 of a 32-byte hash");
    ledger::Hash h;
    std::copy(raw->begin(), raw->end(), h.begin());
    p.inclusion.push_back(h);
  }
  p.checkpoint = r.str("checkpoint", true, 8192);
  return p;
}

}  // namespace

json sign_receipt(const Receipt& r, const crypto::SigningKey& node_key) {
  return trust::sign_document(receipt_signed_part(r, trust::key_text(node_key.public_key())), node_key);
}

Receipt parse_receipt(const json& doc, const std::string& path) {
  Reader r(doc, path,
           {"type", "id", "message", "message_sha256", "from", "to", "case_ref", "seq", "status", "rem_event",
            "received_at", "delivered_at", "reason", "rem_reason", "detail", "salt", "signer", "signature", "proof"});
  r.type(kReceiptType);
  Receipt out;
  out.id = prefixed_id(r, "id", "rcpt-");
  out.message = prefixed_id(r, "message", "msg-");
  out.message_sha256 = r.str("message_sha256", true, 64);
  if (!is_hex(out.message_sha256, 64)) malformed(r.at("message_sha256"), "expected 64 lower-case hex digits");
  out.from = r.str("from", true, 128);
  out.to = r.str("to", true, 128);
  const json& cr = r.get("case_ref");
  if (!cr.is_string() || cr.get_ref<const std::string&>().size() > 64) malformed(r.at("case_ref"), "expected a string");
  out.case_ref = cr.get<std::string>();
  out.seq = seq_of(r, doc);
  std::string status = r.str("status");
  if (status == "accepted")
    out.status = ReceiptStatus::Accepted;
  else if (status == "delivered")
    out.status = ReceiptStatus::Delivered;
  else if (status == "refused")
    out.status = ReceiptStatus::Refused;
  else
    malformed(r.at("status"), "expected accepted, delivered or refused");
  if (r.str("rem_event") != rem_event(out.status))
    malformed(r.at("rem_event"), "expected " + std::string(rem_event(out.status)) + " for a " + status + " receipt");
  out.received_at = r.instant("received_at");
  if (out.status == ReceiptStatus::Delivered) {
    out.delivered_at = r.instant("delivered_at");
    if (out.delivered_at < out.received_at) malformed(r.at("delivered_at"), "must not be before received_at");
  } else if (r.has("delivered_at")) {
    malformed(r.at("delivered_at"), "only in a delivered receipt");
  }
  if (out.status == ReceiptStatus::Refused) {
    out.reason = r.str("reason", true, 64);
    if (!known_refusal(out.reason)) malformed(r.at("reason"), "not a known refusal code: " + out.reason);
    if (r.str("rem_reason") != rem_reason(out.reason))
      malformed(r.at("rem_reason"), "expected " + std::string(rem_reason(out.reason)) + " for " + out.reason);
    const json& d = r.get("detail");
    if (!d.is_string() || d.get_ref<const std::string&>().size() > 2048) malformed(r.at("detail"), "expected a string");
    out.detail = d.get<std::string>();
  } else {
    for (const char* k : {"reason", "rem_reason", "detail"})
      if (r.has(k)) malformed(r.at(k), "only in a refused receipt");
  }
  out.salt = r.str("salt", true, 32);
  if (!is_hex(out.salt, 32)) malformed(r.at("salt"), "expected 32 lower-case hex digits");
  out.signer = r.key("signer");
  json signed_part = without_proof(doc);
  check_signature(signed_part, doc, out.signer, path, "the receipt " + out.id);
  if (r.has("proof")) out.proof = read_proof(r.get("proof"), r.at("proof"));
  out.doc = std::move(signed_part);
  return out;
}

json with_proof(json doc, const ReceiptProof& p) {
  json inclusion = json::array();
  for (const auto& h : p.inclusion) inclusion.push_back(hash_b64(h));
  doc["proof"] = {{"leaf_index", p.leaf_index}, {"inclusion", inclusion}, {"checkpoint", p.checkpoint}};
  return doc;
}

std::string receipt_leaf(const Receipt& r, std::string_view receiver_state, std::string_view sender_state) {
  json signed_part = r.doc.is_object() ? r.doc : json();
  std::string commitment = sha256_hex(r.salt + canonical_json(signed_part));
  return canonical_json({{"v", 1},
                         {"kind", "fed_receipt"},
                         {"day", date_of(r.received_at).str()},
                         {"from", receiver_state},
                         {"to", sender_state},
                         {"status", receipt_status_name(r.status)},
                         {"rem_event", rem_event(r.status)},
                         {"commitment", commitment}});
}

void verify_receipt(const json& doc, const std::string& node_key, const ledger::NoteVerifier& log,
                    std::string_view receiver_state, std::string_view sender_state) {
  Receipt r = parse_receipt(doc);
  if (r.signer != node_key)
    throw TrustError(TrustError::Code::UnknownSigner, "$.signer",
                     "the receipt is signed by " + r.signer + ", not by the receiver's node key " + node_key);
  if (!r.proof) malformed("$.proof", "the receipt carries no proof of its place in the receiver's log");
  ledger::Checkpoint cp = ledger::open_checkpoint(r.proof->checkpoint, log);
  if (r.proof->leaf_index >= cp.size)
    malformed("$.proof.leaf_index", "the leaf lies beyond the checkpoint's tree size");
  ledger::Hash leaf = ledger::leaf_hash(receipt_leaf(r, receiver_state, sender_state));
  if (!ledger::verify_inclusion(leaf, r.proof->leaf_index, cp.size, r.proof->inclusion, cp.root))
    throw ledger::LedgerError("the receipt " + r.id + " is not at leaf " + std::to_string(r.proof->leaf_index) +
                              " of the checkpoint of " + cp.origin + " at size " + std::to_string(cp.size));
}

}  // namespace comity::fed
