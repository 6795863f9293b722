// What nodes send each other (docs/federation.md §3, §5): the signed
// envelope that carries one act, and the signed receipt that answers it.
//
// An envelope is an RFC 8785 document signed by the sending node's key; its
// digest (SHA-256 of the canonical form, signature included) is what the
// receiver's inbox keys idempotent delivery on, together with its id. A
// receipt is signed by the receiving node's key over everything but its
// `proof`; the receiver commits to it in its own transparency log with a
// leaf of kind fed_receipt whose commitment is SHA-256(salt ‖ the receipt's
// canonical form without proof). The proof — the leaf's index, an inclusion
// proof and a checkpoint signed by the receiver's log key — depends on when
// the receiver's log is checkpointed, so it stands outside the signature,
// verifies on its own, and may be fetched again later against a newer
// checkpoint.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "comity/crypto/ed25519.hpp"
#include "comity/ledger/checkpoint.hpp"
#include "comity/util/date.hpp"

namespace comity::fed {

// How long an envelope may be retried and held by default.
inline constexpr int64_t kEnvelopeLifetimeSeconds = 7 * 86400;
// The largest envelope a node accepts (its canonical form).
inline constexpr size_t kMaxEnvelopeBytes = 1 << 20;

// The kinds of message, with who sends them to whom (docs/federation.md §3).
// "peer.hello" opens the channel; the others carry a case's acts.
bool known_message_kind(std::string_view kind);

struct Envelope {
  std::string id;        // "msg-" and 32 hex digits
  std::string from, to;  // node ids
  std::string from_party, to_party;
  std::string case_ref;  // "fc-…", or "" outside a case (peer.hello)
  int64_t seq = 0;       // per (from, to, case_ref), from 1 ("" counts the messages outside cases)
  std::string kind;
  Instant created_at = 0, expires_at = 0;
  std::string actor_credential, actor_role;  // the acting user's credential id and role ("" for node acts)
  nlohmann::json body = nlohmann::json::object();
  std::string signer;  // the sending node's key, "ed25519:…"
  nlohmann::json doc;
};

// Builds and signs an envelope from `e` (its signer and doc ignored).
// REQUIRES: e's fields valid as parse_envelope checks them.
nlohmann::json sign_envelope(const Envelope& e, const crypto::SigningKey& node_key);
// Parses an envelope: every member known and of its shape, the kind known,
// expires_at after created_at, the signature valid under `signer`. Throws
// trust::TrustError (Malformed naming the member, BadSignature).
Envelope parse_envelope(const nlohmann::json& doc, const std::string& path = "$");
// 64 hex digits: SHA-256 of the envelope's canonical form, signature included.
std::string envelope_digest(const nlohmann::json& doc);
// A fresh "msg-…" / "fc-…" / "rcpt-…" id (128 random bits).
std::string new_message_id(std::string_view prefix);

// The receipt statuses and the ETSI EN 319 522 event each stands for.
enum class ReceiptStatus : uint8_t { Accepted, Delivered, Refused };
std::string_view receipt_status_name(ReceiptStatus s);  // "accepted", "delivered", "refused"
std::string_view rem_event(ReceiptStatus s);            // RelayAcceptance, ContentHandover, RelayRejection

// The refusal codes a receipt may carry, each with its REM reason
// (docs/federation.md §5): malformed, too_large, bad_signature,
// not_authorised, not_yet_valid, expired, order_invalid, wrong_peer,
// unknown_party, conflict, case_unknown, transition_refused, peer_suspended.
bool known_refusal(std::string_view code);
std::string_view rem_reason(std::string_view code);

struct ReceiptProof {
  uint64_t leaf_index = 0;
  std::vector<ledger::Hash> inclusion;
  std::string checkpoint;  // the receiver's signed checkpoint note
};

struct Receipt {
  std::string id, message, message_sha256;  // the receipt's id; the message's id and digest
  std::string from, to;                     // from: the receiving node (the signer); to: the sender
  std::string case_ref;
  int64_t seq = 0;
  ReceiptStatus status = ReceiptStatus::Delivered;
  std::string reason, detail;  // a refusal's code and its explanation; "" otherwise
  Instant received_at = 0;
  Instant delivered_at = 0;  // a delivered receipt's: when the act took effect (clocks start here); 0 otherwise
  std::string salt;          // 32 hex digits: the log commitment's salt
  std::string signer;
  std::optional<ReceiptProof> proof;
  nlohmann::json doc;  // signed part only (no proof)
};

// Builds and signs a receipt (its signer, proof and doc ignored).
nlohmann::json sign_receipt(const Receipt& r, const crypto::SigningKey& node_key);
// Parses a receipt document, with or without "proof", and checks its
// signature under `signer`. Throws trust::TrustError.
Receipt parse_receipt(const nlohmann::json& doc, const std::string& path = "$");
// The document with its proof attached ("proof" replaced).
nlohmann::json with_proof(nlohmann::json receipt_doc, const ReceiptProof& proof);

// The public log leaf that commits to a receipt: canonical JSON
// {"v":1,"kind":"fed_receipt","day","from","to","status","rem_event","commitment"},
// where from/to are the States of the receiving and the sending node, day is
// received_at's date and commitment hex SHA-256(salt ‖ canonical receipt).
std::string receipt_leaf(const Receipt& r, std::string_view receiver_state, std::string_view sender_state);

// Verifies a receipt offline: its signature under `node_key` (the receiver's
// node key), its proof against a checkpoint signed by `log` (the receiver's
// log verifier), and that the leaf at the proof's index commits to it.
// Throws trust::TrustError or ledger::LedgerError naming what failed;
// Malformed when it carries no proof.
void verify_receipt(const nlohmann::json& doc, const std::string& node_key, const ledger::NoteVerifier& log,
                    std::string_view receiver_state, std::string_view sender_state);

}  // namespace comity::fed
