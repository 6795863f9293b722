// The federation's receiving pipeline and sender (docs/federation.md §3-5).
//
// Receiving is one group-commit job: every check that decides the answer
// reads the store through the writer, and everything the answer promises —
// the inbox row, the act applied, the receipt and the leaf that commits to
// it in this node's log — is written in that job's transaction. So a
// receipt is never given for a message that is not durably received, and a
// retry of a message whose receipt was lost (either side crashed, or the
// connection broke) finds the stored receipt and gets it again, byte for
// byte: delivery is exactly once however often the sender tries.
//
// Sending is a loop over the outbox. A message is leased (so no other
// process of this node sends it at the same time, and one that died with it
// leased loses it when the lease expires), posted with a fresh HTTP
// signature over the same envelope bytes, and its outcome recorded only if
// the receipt verifies: signed by the peer's node key, for this message's
// id and digest, and — when it carries a proof — at its leaf in a
// checkpoint signed by the peer's log key. Anything else is retried with
// full-jitter exponential back-off until the envelope expires, so a peer
// that is down for minutes gets its messages, in each case's order, when it
// returns.
#include "comity/service/federation.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <thread>

#include "comity/crypto/ed25519.hpp"
#include "comity/fed/http_signature.hpp"
#include "comity/model/json_guard.hpp"
#include "comity/store/store_error.hpp"
#include "comity/util/jcs.hpp"
#include "comity/util/sha256.hpp"

namespace comity {

using nlohmann::json;

namespace {

// The host[:port] of an http(s) endpoint, lower-cased.
std::string authority_of(const std::string& endpoint) {
  size_t start = endpoint.find("://");
  std::string rest = start == std::string::npos ? endpoint : endpoint.substr(start + 3);
  rest = rest.substr(0, rest.find('/'));
  std::transform(rest.begin(), rest.end(), rest.begin(), [](unsigned char c) { return std::tolower(c); });
  return rest;
}

std::string hex_salt() {
  return fed::new_message_id("").substr(0, 32);
}

AuditEntry audit(const std::string& actor, const std::string& action, const std::string& object,
                 std::string_view payload, Instant now) {
  return AuditEntry{0, now, actor, action, object, sha256_hex(payload)};
}

ledger::NoteVerifier log_verifier(const fed::Peer& p) {
  crypto::PublicKey key = trust::parse_key_text(p.log_key, "$.log_key");
  return ledger::NoteVerifier{p.log_origin, ledger::note_key_id(p.log_origin, key), key};
}

// Seconds until the next attempt: full jitter over 0.5 s · 2^attempts,
// capped at 300 s, no less than Retry-After, at least 1 s.
int64_t backoff(int attempts, int64_t retry_after) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  double cap = std::min(300.0, 0.5 * std::pow(2.0, std::min(attempts, 20)));
  double wait = std::uniform_real_distribution<double>(0.0, cap)(rng);
  return std::max<int64_t>({1, static_cast<int64_t>(std::ceil(wait)), retry_after});
}

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr Instant kPeerRemovedRetry = 60;
constexpr int kLeaseBatch = 64;       // messages leased per pass
constexpr size_t kSendParallel = 16;  // posts in flight at once

}  // namespace

bool FederationService::log_forked(Store& db, const fed::Peer& p) {
  const std::vector<ForkEvidence> evidence = db.witness().fork_evidence(p.log_origin);
  return std::any_of(evidence.begin(), evidence.end(),
                     [](const ForkEvidence& f) { return f.detected_by == "same_size_different_root"; });
}

bool FedIdentity::hosts(std::string_view party) const {
  return std::any_of(credential.subject.hosts.begin(), credential.subject.hosts.end(),
                     [&](const trust::HostedParty& h) { return h.party == party; });
}

void check_fed_identity(const FedIdentity& me) {
  const trust::Subject& s = me.credential.subject;
  auto fail = [](const std::string& what) {
    throw Error(ErrorKind::Invalid, "the node credential " + what, {{"credential.json", what}});
  };
  if (!me.node_key || !me.log_key || !me.witness_key) fail("needs the node's three keys");
  if (s.kind != "node") fail("is of kind " + s.kind + ", not node");
  if (s.party != me.id || s.state != me.state) fail("is for " + s.party + " (" + s.state + "), not " + me.id);
  if (s.signing_key != trust::key_text(me.node_key->public_key()) ||
      s.log_key != trust::key_text(me.log_key->public_key()) ||
      s.witness_key != trust::key_text(me.witness_key->public_key()))
    fail("certifies other keys than node.pem, log.pem and witness.pem");
}

FederationService::FederationService(FedIdentity me, TrustService& trust, LogService& log,
                                     std::chrono::milliseconds send_lease)
    : me_(std::move(me)), trust_(trust), log_(log), holder_(process_holder_name()), send_lease_(send_lease) {
  check_fed_identity(me_);
}

std::shared_ptr<const fed::PeerList> FederationService::peers(Store& db) {
  std::optional<PeerListVersion> stored = db.fed().peer_list();
  std::lock_guard<std::mutex> lock(mu_);
  if (!stored) return peers_ = nullptr;
  if (peers_ && peers_->version == stored->version) return peers_;
  peers_ = std::make_shared<const fed::PeerList>(fed::parse_peer_list(json::parse(stored->doc)));
  return peers_;
}

fed::PeerList store_peer_list(Store& writer, const std::string& node_id, const std::string& node_key,
                              const json& signed_list, const std::string& actor, Instant now) {
  Transaction tx(writer);
  fed::PeerList next = fed::parse_peer_list(signed_list);
  if (next.node != node_id)
    throw trust::TrustError(trust::TrustError::Code::WrongChain, "$.node",
                            "the peer list is " + next.node + "'s, not this node's (" + node_id + ")");
  if (next.signer != node_key)
    throw trust::TrustError(trust::TrustError::Code::WrongChain, "$.signer",
                            "the peer list is not signed by this node's key");
  std::optional<PeerListVersion> stored = writer.fed().peer_list();
  if (stored) {
    fed::PeerList current = fed::parse_peer_list(json::parse(stored->doc));
    fed::check_successor(&current, next);
  }
  fed::check_peers(next, trusted_by(writer), now);
  std::string text = canonical_json(signed_list);
  writer.fed().add_peer_list(PeerListVersion{next.version, text, now},
                             audit(actor, "store_peer_list", "peers/" + std::to_string(next.version), text, now));
  tx.commit();
  return next;
}

json FederationService::queue(Store& db, fed::Envelope e, const std::string& actor, Instant now) {
  std::shared_ptr<const fed::PeerList> list = peers(db);
  const fed::Peer* peer = list ? fed::find_peer(*list, e.to) : nullptr;
  if (!peer)
    throw Error(ErrorKind::Invalid, "the node " + e.to + " is not in this node's peer list", {{"$.to", "a peer"}});
  if (e.kind != "receipt" && e.kind != "peer.hello" && !fed::speaks_for(*peer, e.to_party))
    throw Error(ErrorKind::Invalid, "the node " + e.to + " does not speak for " + e.to_party,
                {{"$.to_party", "a party the peer speaks for"}});
  if (e.kind != "peer.hello" && !me_.hosts(e.from_party))
    throw Error(ErrorKind::Invalid, "this node does not host " + e.from_party, {{"$.from_party", "a hosted party"}});
  e.from = me_.id;
  if (e.id.empty()) e.id = fed::new_message_id("msg-");
  e.seq = db.fed().next_outbox_seq(e.to, e.case_ref);
  e.created_at = now;
  if (e.expires_at == 0) e.expires_at = now + fed::kEnvelopeLifetimeSeconds;
  json doc = fed::sign_envelope(e, *me_.node_key);
  OutboxMessage m;
  m.id = e.id;
  m.peer = e.to;
  m.case_ref = e.case_ref;
  m.seq = e.seq;
  m.kind = e.kind;
  m.envelope = canonical_json(doc);
  // One a peer would refuse as too large would never leave, and the case's
  // later messages would wait behind it: the act that sends it fails instead.
  if (m.envelope.size() > fed::kMaxEnvelopeBytes)
    throw Error(ErrorKind::Invalid,
                "the message this step sends would be " + std::to_string(m.envelope.size()) +
                    " bytes; a peer takes at most " + std::to_string(fed::kMaxEnvelopeBytes),
                {{"$.event",
                  "a step whose message to the peer is at most " + std::to_string(fed::kMaxEnvelopeBytes) + " bytes"}});
  m.created_at = now;
  m.expires_at = e.expires_at;
  m.next_attempt_at = now;
  db.fed().add_outbox(m, audit(actor, "queue_message", "messages/" + m.id, m.envelope, now));
  return doc;
}

json FederationService::sign_receipt(fed::Receipt& r) {
  r.from = me_.id;
  if (r.id.empty()) r.id = fed::new_message_id("rcpt-");
  if (r.salt.empty()) r.salt = hex_salt();
  json doc = fed::sign_receipt(r, *me_.node_key);
  r.signer = doc["signer"];
  r.doc = doc;  // what receipt_leaf commits to: the signed part, as parse_receipt would give it
  return doc;
}

uint64_t FederationService::log_receipt(Store& db, const fed::Receipt& r, const std::string& sender_state) {
  LogLeaf leaf;
  leaf.leaf = fed::receipt_leaf(r, me_.state, sender_state);
  leaf.salt = r.salt;
  leaf.event_json = canonical_json(r.doc);
  db.log().append_log({leaf});
  return db.log().log_size() - 1;
}

namespace {

fed::Receipt receipt_for(const fed::Envelope& e, const std::string& digest, fed::ReceiptStatus status, Instant now) {
  fed::Receipt r;
  r.message = e.id;
  r.message_sha256 = digest;
  r.to = e.from;
  r.case_ref = e.case_ref;
  r.seq = e.seq;
  r.status = status;
  r.received_at = now;
  if (status == fed::ReceiptStatus::Delivered) r.delivered_at = now;
  return r;
}

InboxMessage inbox_row(const fed::Envelope& e, const std::string& digest, InboxState state, const json& receipt,
                       Instant now) {
  InboxMessage m;
  m.id = e.id;
  m.peer = e.from;
  m.case_ref = e.case_ref;
  m.to_party = e.to_party;
  m.seq = e.seq;
  m.kind = e.kind;
  m.digest = digest;
  m.envelope = canonical_json(e.doc);
  m.state = state;
  m.receipt = canonical_json(receipt);
  m.received_at = now;
  m.expires_at = e.expires_at;
  return m;
}

}  // namespace

FedAnswer FederationService::refuse(Store& db, const fed::Envelope& e, const std::string& digest,
                                    const std::string& peer_state, const std::string& code, const std::string& detail,
                                    Instant now, bool store_it) {
  fed::Receipt r = receipt_for(e, digest, fed::ReceiptStatus::Refused, now);
  r.reason = code;
  r.detail = detail;
  json doc = sign_receipt(r);
  FedAnswer a{422, doc, std::nullopt};
  if (store_it) {
    a.leaf_index = log_receipt(db, r, peer_state);
    db.fed().add_inbox(inbox_row(e, digest, InboxState::Refused, doc, now),
                       audit(e.from, "refuse_message", "messages/" + e.id, code, now));
  }
  return a;
}

std::optional<std::pair<std::string, std::string>> FederationService::apply(Store& db, const fed::Envelope& e,
                                                                            const std::string& peer_state,
                                                                            Instant now) {
  (void)now;
  if (e.kind != "receipt") return apply_case_act(db, e, peer_state);
  const json& rj = e.body.contains("receipt") ? e.body["receipt"] : json();
  fed::Receipt r = fed::parse_receipt(rj, "$.body.receipt");
  if (r.signer != e.signer || r.to != me_.id || r.from != e.from)
    throw trust::TrustError(trust::TrustError::Code::WrongChain, "$.body.receipt",
                            "a deferred receipt must be the sending node's, for a message of this node");
  // It must answer a message this node sent that peer, as sent: the same
  // bytes, case and place in it, and settle it (an accepted receipt came
  // with the first answer).
  std::optional<OutboxMessage> sent = db.fed().outbox_message(r.message);
  if (!sent || sent->peer != e.from || sha256_hex(sent->envelope) != r.message_sha256 || sent->case_ref != r.case_ref ||
      sent->seq != r.seq || r.status == fed::ReceiptStatus::Accepted)
    throw trust::TrustError(trust::TrustError::Code::WrongChain, "$.body.receipt.message",
                            "the deferred receipt does not answer a message this node sent " + e.from + " as sent");
  if (db.fed().settle_outbox(r.message, e.from,
                             r.status == fed::ReceiptStatus::Delivered ? OutboxState::Delivered : OutboxState::Refused,
                             canonical_json(rj)) &&
      r.status == fed::ReceiptStatus::Delivered)
    on_delivered(db, *sent, rj);
  return std::nullopt;
}

FedAnswer FederationService::deliver(Store& db, const fed::Envelope& e, const std::string& digest,
                                     const std::string& peer_state, Instant now) {
  if (auto refused = apply(db, e, peer_state, now))
    return refuse(db, e, digest, peer_state, refused->first, refused->second, now, true);
  fed::Receipt r = receipt_for(e, digest, fed::ReceiptStatus::Delivered, now);
  json doc = sign_receipt(r);
  FedAnswer a{200, doc, log_receipt(db, r, peer_state)};
  db.fed().add_inbox(inbox_row(e, digest, InboxState::Applied, doc, now),
                     audit(e.from, "receive_message", "messages/" + e.id, digest, now));
  return a;
}

FederationService::Authenticated FederationService::authenticate(Store& db, const FedRequest& q, Instant now) {
  Authenticated a;
  a.list = peers(db);
  auto key_of = [&](std::string_view keyid) -> std::optional<crypto::PublicKey> {
    size_t slash = keyid.find('/');
    std::string node(keyid.substr(0, slash));
    const fed::Peer* p = a.list && slash != std::string_view::npos ? fed::find_peer(*a.list, node) : nullptr;
    if (!p)
      throw Error(ErrorKind::Forbidden, "the node " + node + " is not in this node's peer list",
                  {{"header:Signature-Input", "the keyid of a node in the peer list"}}, "unknown_peer");
    if (keyid.substr(slash + 1) != p->signing_key) return std::nullopt;
    a.peer = p;
    return trust::parse_key_text(p->signing_key, "header:Signature-Input");
  };
  if (q.path != kMessagesPath || authority_of("http://" + q.authority) != authority_of(me_.endpoint))
    throw fed::SignatureError(
        "wrong_authority", "Host",
        "this node is " + authority_of(me_.endpoint) + kMessagesPath + ", not " + q.authority + q.path);
  a.sig = fed::verify_request({q.method, q.authority, q.path, q.content_type}, q.body, q.content_digest,
                              q.signature_input, q.signature, now, key_of);
  COMITY_ASSERT(a.peer, "a verified signature names a peer");
  // The peer's credential must still hold: not revoked, not expired.
  try {
    trust_.current(db)->verify_signer(a.peer->signing_key, now, "header:Signature-Input");
  } catch (const trust::TrustError& e) {
    throw fed::SignatureError("unknown_key", "Signature-Input",
                              "the node credential of " + a.peer->id + " no longer holds: " + e.what());
  }
  FieldErrors errors;
  std::optional<json> doc = parse_json_guarded(q.body, JsonLimits{fed::kMaxEnvelopeBytes, 64}, errors);
  if (!doc) throw Error(ErrorKind::Malformed, "the body is not a message: " + errors.front().message, errors);
  a.envelope = fed::parse_envelope(*doc);
  if (a.envelope.from != a.peer->id || a.envelope.signer != a.peer->signing_key)
    throw trust::TrustError(trust::TrustError::Code::BadSignature, "$.signer",
                            "the message is not signed by the node that sent it, " + a.peer->id);
  a.digest = fed::envelope_digest(*doc);
  return a;
}

FedAnswer FederationService::receive(Store& db, const FedRequest& q, Instant now) {
  return accept(db, authenticate(db, q, now), now);
}

FedAnswer FederationService::accept(Store& db, const Authenticated& in, Instant now) {
  // The list may have changed since the request was authenticated: the
  // peer must still be in it, under the same key.
  std::shared_ptr<const fed::PeerList> list = peers(db);
  const fed::Peer* peer = list ? fed::find_peer(*list, in.peer->id) : nullptr;
  if (!peer || peer->signing_key != in.peer->signing_key)
    throw Error(ErrorKind::Forbidden, "the node " + in.peer->id + " is no longer in this node's peer list",
                {{"header:Signature-Input", "the keyid of a node in the peer list"}}, "unknown_peer");
  if (!db.fed().add_request_nonce(in.sig.keyid, in.sig.nonce, in.sig.expires, now))
    throw fed::SignatureError("signature_replayed", "Signature-Input",
                              "this request was received before; a retry is signed again with a new nonce");
  const fed::Envelope& e = in.envelope;
  const std::string& digest = in.digest;
  const bool suspended = log_forked(db, *peer);

  if (std::optional<InboxMessage> seen = db.fed().inbox_message(e.id)) {
    if (seen->digest == digest) {
      json receipt = json::parse(seen->receipt);
      return FedAnswer{seen->state == InboxState::Refused ? 422 : 200, receipt, std::nullopt};
    }
    return refuse(db, e, digest, peer->state, "conflict", "another message was received under the id " + e.id, now,
                  false);
  }
  if (suspended)
    return refuse(db, e, digest, peer->state, "peer_suspended",
                  "this node holds proof that the log of " + peer->id + " forked (two checkpoints of " +
                      peer->log_origin + " at one size); its messages are refused until its State settles it",
                  now, true);
  if (e.to != me_.id) return refuse(db, e, digest, peer->state, "wrong_peer", "this node is " + me_.id, now, true);
  // A peer.hello is between the nodes themselves; every other message
  // between parties each node hosts.
  const bool hello = e.kind == "peer.hello";
  if (hello ? e.to_party != me_.id : !me_.hosts(e.to_party))
    return refuse(db, e, digest, peer->state, "unknown_party", "this node does not host " + e.to_party, now, true);
  if (hello ? e.from_party != peer->id : !fed::speaks_for(*peer, e.from_party))
    return refuse(db, e, digest, peer->state, "not_authorised",
                  peer->id + " does not speak for " + e.from_party + " here", now, true);
  if (e.created_at > now + fed::kSignatureWindowSeconds)
    return refuse(db, e, digest, peer->state, "not_yet_valid", "created " + format_instant(e.created_at), now, true);
  if (e.expires_at <= now)
    return refuse(db, e, digest, peer->state, "expired", "expired " + format_instant(e.expires_at), now, true);

  if (e.case_ref.empty()) return deliver(db, e, digest, peer->state, now);
  const int64_t last = db.fed().last_inbox_seq(e.from, e.case_ref);
  std::vector<InboxMessage> held = db.fed().held_inbox(e.from, e.case_ref);
  if (e.seq <= last || std::any_of(held.begin(), held.end(), [&](const InboxMessage& h) { return h.seq == e.seq; }))
    return refuse(db, e, digest, peer->state, "conflict",
                  "seq " + std::to_string(e.seq) + " of this case was received already", now, true);
  if (e.seq > last + 1) {
    fed::Receipt r = receipt_for(e, digest, fed::ReceiptStatus::Accepted, now);
    json rdoc = sign_receipt(r);
    FedAnswer a{200, rdoc, log_receipt(db, r, peer->state)};
    db.fed().add_inbox(inbox_row(e, digest, InboxState::Held, rdoc, now),
                       audit(e.from, "hold_message", "messages/" + e.id, digest, now));
    return a;
  }
  FedAnswer answer = deliver(db, e, digest, peer->state, now);
  // The gap is filled: deliver the held messages that now follow, each with
  // a delivered receipt sent back through the outbox.
  int64_t next = e.seq + 1;
  for (const InboxMessage& h : held) {
    if (h.seq != next) break;
    fed::Envelope he = fed::parse_envelope(json::parse(h.envelope));
    // A held message that cannot be applied is refused on its own; it does
    // not take the message that filled its gap down with it.
    std::optional<std::pair<std::string, std::string>> refused;
    try {
      refused = apply(db, he, peer->state, now);
    } catch (const trust::TrustError& x) {
      refused = std::make_pair(std::string("malformed"), std::string(x.what()));
    }
    fed::Receipt r =
        receipt_for(he, h.digest, refused ? fed::ReceiptStatus::Refused : fed::ReceiptStatus::Delivered, now);
    r.received_at = h.received_at;
    if (refused) {
      r.reason = refused->first;
      r.detail = refused->second;
    }
    json rdoc = sign_receipt(r);
    log_receipt(db, r, peer->state);
    db.fed().update_inbox(h.id, refused ? InboxState::Refused : InboxState::Applied, canonical_json(rdoc));
    fed::Envelope back;
    back.to = he.from;
    back.from_party = he.to_party;
    back.to_party = he.from_party;
    back.case_ref = he.case_ref;
    back.kind = "receipt";
    back.body = {{"receipt", rdoc}};
    queue(db, back, me_.id, now);
    ++next;
  }
  return answer;
}

json FederationService::with_proof(Store& db, const json& receipt, uint64_t leaf_index) {
  std::optional<StoredCheckpoint> cp = db.log().latest_checkpoint();
  if (!cp || cp->tree_size <= leaf_index) return receipt;
  std::vector<ledger::Hash> path =
      log_.with_tree(db, [&](const ledger::MerkleTree& t) { return t.inclusion_proof(leaf_index, cp->tree_size); });
  return fed::with_proof(receipt, fed::ReceiptProof{leaf_index, std::move(path), cp->note});
}

FederationService::Outcome FederationService::attempt(const OutboxMessage& m, const fed::PeerList* list,
                                                      const trust::TrustStore& trust, PeerTransport& transport,
                                                      Instant now) noexcept {
  try {
    return try_attempt(m, list, trust, transport, now);
  } catch (const std::exception& e) {
    return {OutboxState::Pending, "", std::string("the attempt failed: ") + e.what(), now + backoff(m.attempts, 0)};
  } catch (...) {
    return {OutboxState::Pending, "", "the attempt failed", now + backoff(m.attempts, 0)};
  }
}

FederationService::Outcome FederationService::try_attempt(const OutboxMessage& m, const fed::PeerList* list,
                                                          const trust::TrustStore& trust, PeerTransport& transport,
                                                          Instant now) {
  if (now >= m.expires_at)
    return {OutboxState::Dead, "", "expired undelivered at " + format_instant(m.expires_at), now};
  const fed::Peer* peer = list ? fed::find_peer(*list, m.peer) : nullptr;
  if (!peer)
    return {OutboxState::Pending, "", "peer_removed: " + m.peer + " is not in the peer list", now + kPeerRemovedRetry};
  // Nothing goes to a node whose credential no longer holds (revoked,
  // expired): its receipts would prove nothing. It waits as for a removed
  // peer, until its State certifies it again or the message expires.
  try {
    trust.verify_signer(peer->signing_key, now, "$.peers.signing_key");
  } catch (const trust::TrustError& e) {
    return {OutboxState::Pending, "",
            "peer_untrusted: the node credential of " + m.peer + " no longer holds: " + e.what(),
            now + kPeerRemovedRetry};
  }
  PeerPost post;
  post.endpoint = peer->endpoint;
  post.path = kMessagesPath;
  post.body = m.envelope;
  std::string nonce = crypto::base64_encode(crypto::random_bytes(16));
  post.headers =
      fed::sign_request({"POST", authority_of(peer->endpoint), post.path, post.content_type}, post.body, *me_.node_key,
                        fed::request_keyid(me_.id, trust::key_text(me_.node_key->public_key())), now, nonce);
  PeerReply reply = transport.send(post);
  auto retry = [&](const std::string& why) {
    return Outcome{OutboxState::Pending, "", why, now + backoff(m.attempts, reply.retry_after)};
  };
  if (reply.status == 0) return retry("no answer: " + reply.error);
  if (reply.status != 200 && reply.status != 422) {
    std::string why = "HTTP " + std::to_string(reply.status) + ": " + reply.body.substr(0, 500);
    // The same bytes will not fare better: the peer cannot read them.
    if (reply.status == 400 || reply.status == 413 || reply.status == 415) return {OutboxState::Dead, "", why, now};
    return retry(why);
  }
  try {
    json rj = json::parse(reply.body);
    fed::Receipt r = fed::parse_receipt(rj);
    if (r.signer != peer->signing_key || r.from != peer->id || r.to != me_.id || r.message != m.id ||
        r.message_sha256 != sha256_hex(m.envelope))
      throw Error(ErrorKind::Untrusted, "the receipt is not the peer's for this message");
    if (r.proof) fed::verify_receipt(rj, peer->signing_key, log_verifier(*peer), peer->state, me_.state);
    OutboxState state = r.status == fed::ReceiptStatus::Delivered  ? OutboxState::Delivered
                        : r.status == fed::ReceiptStatus::Accepted ? OutboxState::Accepted
                                                                   : OutboxState::Refused;
    return {state, canonical_json(rj), r.status == fed::ReceiptStatus::Refused ? r.reason + ": " + r.detail : "", now};
  } catch (const std::exception& e) {
    if (reply.status == 422 && reply.body.find("comity.fed.receipt/v1") == std::string::npos)
      return {OutboxState::Dead, "", "refused without a receipt: " + reply.body.substr(0, 500), now};
    return retry(std::string("the answer is not a valid receipt: ") + e.what());
  }
}

int FederationService::send_due(Store& writer, std::mutex& writer_mu, PeerTransport& transport, Instant now) {
  std::vector<OutboxMessage> due;
  std::shared_ptr<const fed::PeerList> list;
  std::shared_ptr<const trust::TrustStore> trust;
  std::set<std::string> suspended;  // peers whose log forked
  {
    std::lock_guard<std::mutex> lock(writer_mu);
    Transaction tx(writer);
    list = peers(writer);
    trust = trust_.current(writer);
    if (list)
      for (const fed::Peer& p : list->peers)
        if (log_forked(writer, p)) suspended.insert(p.id);
    int64_t ms = wall_ms();
    // A pass may outlast the lease (node.cpp says why that is harmless).
    due = writer.fed().lease_outbox(holder_, now, ms, ms + send_lease_.count(), kLeaseBatch, {});
    tx.commit();
  }
  if (due.empty()) return 0;
  // Every message leased is the head of its own (peer, case) stream, so
  // they go out in parallel, each on a pooled keep-alive connection.
  std::vector<Outcome> outcomes(due.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < due.size();)
      outcomes[i] = suspended.count(due[i].peer) != 0
                        ? Outcome{OutboxState::Pending, "", "peer_suspended: the log of " + due[i].peer + " forked",
                                  now + kPeerRemovedRetry}
                        : attempt(due[i], list.get(), *trust, transport, now);
  };
  std::vector<std::thread> workers;
  for (size_t t = 1; t < std::min(due.size(), kSendParallel); ++t) workers.emplace_back(work);
  work();
  for (auto& w : workers) w.join();
  // One transaction records every outcome. Were it lost (a crash now), the
  // messages would be sent again and the peers would answer with the
  // receipts they stored: nothing is applied twice.
  int ended = 0;
  std::lock_guard<std::mutex> lock(writer_mu);
  Transaction tx(writer);
  for (size_t i = 0; i < due.size(); ++i) {
    const Outcome& o = outcomes[i];
    if (writer.fed().finish_outbox(due[i].id, holder_, o.state, o.receipt, o.error, o.next_attempt_at) &&
        o.state != OutboxState::Pending) {
      ++ended;
      if (o.state == OutboxState::Delivered) on_delivered(writer, due[i], json::parse(o.receipt));
    }
  }
  tx.commit();
  return ended;
}

void FederationService::run(Store& writer, std::mutex& writer_mu, PeerTransport& transport, const Clock& clock,
                            std::chrono::milliseconds idle,
                            const std::function<void(const std::exception&)>& on_error) {
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(run_mu_);
      if (stopping_) return;
      woken_ = false;
    }
    int sent = 0;
    transport.close_idle(std::chrono::seconds(1));
    try {
      sent = send_due(writer, writer_mu, transport, clock.now());
    } catch (const std::exception& e) {
      sent = 0;  // the store was busy or failed: the next pass tries again
      on_error(e);
    }
    std::unique_lock<std::mutex> lock(run_mu_);
    if (sent == 0) run_cv_.wait_for(lock, idle, [&] { return woken_ || stopping_; });
  }
}

void FederationService::wake() {
  std::lock_guard<std::mutex> lock(run_mu_);
  woken_ = true;
  run_cv_.notify_all();
}

void FederationService::stop() {
  std::lock_guard<std::mutex> lock(run_mu_);
  stopping_ = true;
  run_cv_.notify_all();
}

}  // namespace comity
