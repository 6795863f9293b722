// The node's side of the federation (docs/federation.md): who this node is,
// whom it talks to (its peer list, kept in the store), messages queued in
// the outbox in the transaction of the act that sends them, the receiving
// pipeline that turns a signed request into a signed receipt, and the sender
// that drains the outbox with retries. Transport-free: the server gives it
// the request's parts and carries its answers, and hands the sender a
// PeerTransport to post with.
//
// Receiving, in order (each refusal with its code; docs/federation.md §3):
//   1. the HTTP signature verifies under the key the peer list gives the
//      keyid's node (a node not in the list: Forbidden unknown_peer; a key
//      it does not give: Unauthenticated), and its nonce was not seen in
//      its window by any process (Unauthenticated signature_replayed);
//   2. the envelope parses and is signed by that same peer as `from`
//      (otherwise a problem answer and no receipt: Comity signs nothing
//      about a message it cannot attribute);
//   3. `to` is this node, `to_party` a party it hosts, `from_party` one the
//      peer speaks for; `created_at` not ahead of the clock by more than the
//      skew; `expires_at` not past — else a signed refused receipt;
//   4. a message id seen before: the stored receipt if the digest matches,
//      else a refused receipt `conflict`;
//   5. per (peer, case_ref) the next seq is delivered, a later one held with
//      an accepted receipt until the gap is filled (its delivered receipt
//      then follows through this node's outbox as a `receipt` message), an
//      earlier one (a reused seq under a new id) refused as `conflict`.
// The inbox row, the receipt and its log leaf are written in one
// transaction, so a retry after a crash on either side finds the receipt.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "comity/crypto/ed25519.hpp"
#include "comity/fed/http_signature.hpp"
#include "comity/fed/messages.hpp"
#include "comity/fed/peers.hpp"
#include "comity/service/actor.hpp"
#include "comity/service/log_service.hpp"
#include "comity/service/trusted.hpp"
#include "comity/store/store.hpp"
#include "comity/workflow/clock.hpp"

namespace comity {

// Who this node is: its id, State and public endpoint, the names of its log
// and witness, its three keys and the node credential its State's anchor
// issued for them (docs/federation.md §2).
struct FedIdentity {
  std::string id, state, endpoint, log_origin, witness_name;
  std::shared_ptr<const crypto::SigningKey> node_key, log_key, witness_key;
  trust::Credential credential;
  // Whether this node hosts `party` (its credential's hosts).
  bool hosts(std::string_view party) const;
};

// Throws Error{Invalid} unless `me`'s credential is a node credential for
// its id, State and three keys (what a node directory must hold).
void check_fed_identity(const FedIdentity& me);

// Stores `signed_list` as the next version of the peer list of node
// `node_id` (whose node key is `node_key`, "ed25519:…"), in one write
// transaction on `writer` (or inside the caller's): it must be that node's,
// signed by that key, a higher version than the stored one, and every
// entry must check against what `writer`'s trust imports establish at
// `now` (fed::check_peers). Audited as store_peer_list by `actor`. Throws
// trust::TrustError (Untrusted; Conflict when stale), StoreError.
fed::PeerList store_peer_list(Store& writer, const std::string& node_id, const std::string& node_key,
                              const nlohmann::json& signed_list, const std::string& actor, Instant now);

// What the receiver was sent, as the transport saw it.
struct FedRequest {
  std::string method, authority, path, content_type;
  std::string content_digest, signature_input, signature;  // header values, "" when absent
  std::string body;
};

// The answer: HTTP status and JSON body (a receipt) — or a thrown Error for
// a request that gets no receipt.
struct FedAnswer {
  int status = 200;  // 200 accepted or delivered; 422 refused (the receipt says why)
  nlohmann::json receipt;
  // The receipt's leaf index, to attach a proof once the commit is durable;
  // nullopt for a stored receipt being given again (its leaf is older) too.
  std::optional<uint64_t> leaf_index;
};

// One POST to a peer, as the sender's transport performs it.
struct PeerPost {
  std::string endpoint, path, body;
  fed::SignedHeaders headers;
  std::string content_type = "application/json";
};
struct PeerReply {
  int status = 0;  // 0: no answer (connection refused, timeout)
  std::string body, error;
  int64_t retry_after = 0;  // seconds, from a Retry-After header; 0 if none
};
class PeerTransport {
 public:
  virtual ~PeerTransport() = default;
  // Performs `post` (TLS or not per its endpoint) and returns what came
  // back; never throws for a network failure (status 0 and `error`).
  // Called from several threads at once.
  virtual PeerReply send(const PeerPost& post) = 0;
  // Closes kept-alive connections unused for `idle` (so a peer that stops
  // is not held waiting for them). The sender calls it on every pass.
  virtual void close_idle(std::chrono::milliseconds idle) { (void)idle; }
};

class FederationService {
 public:
  // REQUIRES: `trust` and `log` outlive this object. `send_lease`: how long
  // a message being sent stays leased to this process; another process of
  // the node sends it once that has passed (so it must outlast a post's
  // timeouts). Zero on a one-process node (SQLite): only this process's
  // sender, one message at a time, ever leases, and a restart after a crash
  // resends at once what was in flight.
  FederationService(FedIdentity me, TrustService& trust, LogService& log, std::chrono::milliseconds send_lease);

  const FedIdentity& identity() const { return me_; }

  // The peer list in force, read through `db` (a cached parse while the
  // stored version is unchanged). Null when none was stored yet.
  std::shared_ptr<const fed::PeerList> peers(Store& db);

  // Queues a message in `db`'s open transaction (REQUIRES: one is open, so
  // the message commits with the act that sends it): its seq is the next
  // for (e.to, e.case_ref); it is signed with the node key and written to
  // the outbox with its audit entry. Returns the signed envelope. Throws
  // Error{Invalid} for a peer not in the list or a party it does not speak
  // for, Error{Invalid} at $.event for a signed message past
  // fed::kMaxEnvelopeBytes (a peer would refuse it, and the case's later
  // messages would wait behind it),
  // Error{Conflict} from the store.
  nlohmann::json queue(Store& db, fed::Envelope e, const std::string& actor, Instant now);

  // Who acts in a message sent for a user's step.
  struct Acting {
    std::string audit_name;  // the audit entry's actor ("officer:u-1")
    std::string role;        // the user's role, as the envelope's actor_role
    std::string credential;  // the user's credential id, "" when the user has none
    std::string party;       // the user's party (a central authority transmits an MLA request as its own)
  };
  // What the parties of a case would read of it on this node
  // (case_view_json): the addressee's (Audience::Addressee), the enforcing
  // authority's (Audience::Enforcing) and the requested central
  // authority's (Audience::Requested).
  struct CaseViews {
    nlohmann::json addressee, enforcing, requested;
  };
  // What step `event` on case `r` sends to peers, queued in `db`'s open
  // transaction — the step's — and returned as the envelopes (empty when no
  // peer is concerned):
  //   transmit, transmit_emergency on an order to a provider: to the peer
  //     that speaks for the provider, an order.transmit with the
  //     addressee's view narrowed to what the order is (pathway, workflow,
  //     States, the order's terms, its certificate and signed order;
  //     Reg. 2023/1543 Art 9); and in a notified case, to the peer of the
  //     counterpart State that speaks for its central authority, a
  //     notification.send with the notified copy (the request and the
  //     signed order; Art 8(1), (3)), queued first;
  //   transmit on a case between authorities (MLA, EIO, Budapest Chapter
  //     III): to the peer of the requested State that speaks for its
  //     central authority, an mla.transmit with the request, the signed
  //     order and the pathway (the requested central authority's view),
  //     from the transmitting central authority's own party;
  //   provide_supplement: mla.supplement.provide with the officer's answer
  //     to the requested central authority the request went to (the reason
  //     is the supplement; workflows.yaml gives it to the requested side);
  //   clarify: a clarify to the addressee (Art 10(6) [U]);
  //   withdraw: a withdraw to every party the case was sent to (no reason:
  //     the reason stays with the issuing side), except a suspended peer's.
  // Any other message to a suspended peer throws Error{Conflict,
  // peer_suspended}, so the step is not taken.
  // Never the home case's id, log, history or state. Records the case's
  // case_ref (fed_case_refs) so the answers find it. Throws Error{Invalid}
  // when this node does not host the sending party, or a notified order's
  // enforcing authority has no peer, so the step is not taken.
  std::vector<nlohmann::json> send_for_step(Store& db, const CaseRecord& r, std::string_view event,
                                            const CaseViews& views, const Acting& acting, Instant now);
  // Rule 7: a peer's act on a case homed here, as a step of the case
  // service. `actor` is the peer's party (role from the envelope, State the
  // peer's); the step runs on the writer inside the receiving transaction.
  struct CaseAct {
    std::string case_id, event, reason, ground;
    Actor actor;
  };
  // Takes `act` on `db` or throws: Error{Forbidden} when the party is not
  // the case's for this step, NotFound without the case, ServiceError with
  // `transition` when the workflow refuses it. Set once before serving.
  using CaseStepper = std::function<void(Store& db, const CaseAct& act)>;
  void set_case_stepper(CaseStepper stepper) { stepper_ = std::move(stepper); }
  // Art 10: when a peer's delivered receipt arrives for an order or a
  // notification this node sent about case `case_id`, the clocks the step
  // `sent_by` started that run from `starts` ("receipt of the EPOC",
  // "notification") start at `delivered_at` instead
  // (CaseService::start_clocks_at_receipt), on the writer inside the
  // transaction that records the receipt. Set once before serving.
  using ReceiptClocks = std::function<void(Store& db, const std::string& case_id, const std::string& sent_by,
                                           std::string_view starts, Instant delivered_at)>;
  void set_receipt_clocks(ReceiptClocks clocks) { clocks_ = std::move(clocks); }

  // A party's answer to what a peer delivered to it here: `party`'s user
  // takes `event` on inbox message `message_id` — on an order.transmit, the
  // addressee's acknowledge, report_inability, object or produce; on a
  // notification.send, the enforcing authority's confirm_no_refusal or
  // refuse; on an mla.transmit, the requested central authority's receive,
  // accept, refuse, request_supplement or return_evidence — with `reason`
  // and `ground` as the home node's workflow asks, queued in `db`'s open
  // transaction back to the node it came from (as ack, inability,
  // objection, production.complete, notification.answer, mla.execution,
  // refusal or mla.supplement.request). The home node's case takes the
  // step (rule 7) or refuses it with a transition_refused receipt, which
  // the outbox keeps. Throws Error{NotFound} for a message that is not such
  // an act delivered to `party` (or not to this user's role),
  // Error{Invalid} at $.event for a step that does not answer it.
  nlohmann::json answer(Store& db, const std::string& message_id, const std::string& party, std::string_view event,
                        std::string_view reason, std::string_view ground, const Acting& acting, Instant now);

  // Evidence from the answering side (docs/federation.md §3, "Evidence"):
  // the addressee of an order.transmit, or the requested central authority
  // of an mla.transmit, hands this node the signed manifest of a production
  // and then its files' ciphertext, sealed to the issuing side's keys, and
  // this node sends them home in the case's stream: a production.manifest,
  // then production.chunk messages of at most kFedChunkBytes each. This
  // node keeps ciphertext only, in its outbox, and opens nothing.
  //
  // offer_production: the manifest must parse (trust::parse_manifest) and
  // name the message's case_ref as its case; the home node checks its
  // signature, order and recipients. Throws Error{NotFound} as answer()
  // does, Error{Invalid} at the member, Error{Conflict} when a manifest of
  // that id was sent for the case. Returns the manifest's files with the
  // bytes queued so far (all 0).
  static constexpr size_t kFedChunkBytes = 512 * 1024;
  static constexpr size_t kMaxChunkOffer = 1 << 20;  // what one offer_chunk takes
  nlohmann::json offer_production(Store& db, const std::string& message_id, const std::string& party,
                                  const nlohmann::json& manifest, const Acting& acting, Instant now);
  // offer_chunk: `bytes` of file `file` of production `manifest_id` at
  // `offset`, which must be where the file's queued bytes end (Conflict
  // otherwise, with the offset to go on from); never past the manifest's
  // size (Invalid at $body). On the file's last byte, the ciphertext queued
  // must have the manifest's SHA-256 (Invalid otherwise: the file cannot
  // be completed, and a new manifest must be sent). Returns
  // {"queued_bytes", "complete"}.
  nlohmann::json offer_chunk(Store& db, const std::string& message_id, const std::string& party,
                             const std::string& manifest_id, int64_t file, uint64_t offset, std::string_view bytes,
                             const Acting& acting, Instant now);
  // The home side of evidence: a production.manifest or production.chunk
  // from the party a case's order or request was sent to, taken on the
  // writer inside the receiving transaction. `manifest` registers the
  // production on case `case_id` (the manifest names `case_ref`);
  // `chunk` appends bytes at an offset of a file of the production the
  // case holds under that manifest id. Each throws as EvidenceService
  // does (ServiceError with the member), which refuses the message. Set
  // once before serving.
  struct EvidenceSink {
    std::function<void(Store& db, const std::string& case_id, const std::string& case_ref,
                       const nlohmann::json& manifest, const Actor& actor)>
        manifest;
    std::function<void(Store& db, const std::string& case_id, const std::string& manifest_id, int64_t file,
                       uint64_t offset, std::string_view bytes, const Actor& actor)>
        chunk;
  };
  void set_evidence_sink(EvidenceSink sink) { evidence_ = std::move(sink); }
  // Whether `event` answers any act a peer sends (the route's first check).
  static bool is_answer_event(std::string_view event);

  // The name a case goes by between nodes: "fc-" and 32 hex digits derived
  // from the case id under this node's key (Ed25519 signatures are
  // deterministic), so it is stable without being stored and reveals
  // nothing of the case id to anyone else.
  std::string case_ref_of(const std::string& case_id) const;

  // A request whose HTTP signature and envelope were verified (steps 1-2
  // but the nonce): which peer sent it, under which list, and what.
  struct Authenticated {
    std::shared_ptr<const fed::PeerList> list;
    const fed::Peer* peer = nullptr;  // in *list
    fed::VerifiedSignature sig;
    fed::Envelope envelope;
    std::string digest;
  };
  // Steps 1 and 2 above, reading `db` only (a read lease), so the
  // signature checks stay out of the writer's critical section. Throws
  // SignatureError (Unauthenticated), Error{Forbidden} unknown_peer,
  // Error{Malformed} or trust::TrustError for an envelope that cannot be
  // attributed.
  Authenticated authenticate(Store& db, const FedRequest& request, Instant now);
  // The rest, on the writer `db` inside the caller's transaction (a group
  // commit's job): the peer still listed, the nonce not seen, then 3-5.
  FedAnswer accept(Store& db, const Authenticated& request, Instant now);
  // authenticate then accept, both on `db`.
  FedAnswer receive(Store& db, const FedRequest& request, Instant now);

  // The receipt with its proof in the latest checkpoint that covers its
  // leaf, read through `db`; the receipt unchanged when none covers it yet.
  nlohmann::json with_proof(Store& db, const nlohmann::json& receipt, uint64_t leaf_index);

  // One pass of the sender: leases due messages through `writer` (under
  // `writer_mu`, taken here for each store call and never across a post),
  // posts them through `transport`, up to 16 at once (each is the head of
  // its own case's stream), and records the outcomes in one transaction: delivered,
  // accepted or refused with the verified receipt; retried with full-jitter
  // back-off (0.5 s · 2^attempts, at most 300 s, at least Retry-After) on no
  // answer, 401, 403, 429 or 5xx, or a receipt that does not verify; dead
  // once past expires_at or on 400, 413 or 415. Returns the messages whose
  // attempt ended. REQUIRES: `writer_mu` not held.
  int send_due(Store& writer, std::mutex& writer_mu, PeerTransport& transport, Instant now);

  // The path every message is posted to.
  static constexpr const char* kMessagesPath = "/fed/v1/messages";

  // The sender's loop, on the caller's thread, until stop(): send_due, then
  // waits for wake() or `idle` when nothing was due. A pass that fails (the
  // store busy or down) is reported to `on_error` and tried again after
  // `idle`. REQUIRES: one run() at a time; `writer_mu` not held.
  void run(Store& writer, std::mutex& writer_mu, PeerTransport& transport, const Clock& clock,
           std::chrono::milliseconds idle, const std::function<void(const std::exception&)>& on_error);
  // Something was queued: the loop looks at the outbox now. Thread-safe.
  void wake();
  // Ends run() once its pass ends. Thread-safe.
  void stop();
  // Whether this node holds proof that `p`'s log forked: two checkpoints
  // of its origin, both signed by its log key, at one size with different
  // roots (fed_fork_evidence; a failed consistency proof is only a claim,
  // since anyone may submit one). Such a peer is suspended: its messages
  // are refused as peer_suspended and none are sent to it.
  static bool log_forked(Store& db, const fed::Peer& p);

 private:
  // What one attempt to send came to, recorded after the pass.
  struct Outcome {
    OutboxState state = OutboxState::Pending;
    std::string receipt, error;
    Instant next_attempt_at = 0;
  };
  // Throws Error{Conflict, reason peer_suspended} when `peer_id` is a
  // listed peer whose log forked: a user's act that would send it
  // something is not taken (a node's own messages wait instead).
  void refuse_if_suspended(Store& db, const std::string& peer_id);
  // Never throws: whatever goes wrong is the outcome (retried).
  Outcome attempt(const OutboxMessage& m, const fed::PeerList* list, const trust::TrustStore& trust,
                  PeerTransport& transport, Instant now) noexcept;
  Outcome try_attempt(const OutboxMessage& m, const fed::PeerList* list, const trust::TrustStore& trust,
                      PeerTransport& transport, Instant now);
  // Signs `r` as this node (its id, signer, a fresh id and salt if unset)
  // and sets r.doc to the signed document, which it returns.
  nlohmann::json sign_receipt(fed::Receipt& r);
  FedAnswer refuse(Store& db, const fed::Envelope& e, const std::string& digest, const std::string& peer_state,
                   const std::string& code, const std::string& detail, Instant now, bool store_it);
  FedAnswer deliver(Store& db, const fed::Envelope& e, const std::string& digest, const std::string& peer_state,
                    Instant now);
  // Applies a delivered message (a deferred receipt; a case act, rule 7).
  // Returns the refusal {code, detail} when the act is refused, nullopt
  // when it was applied or needs nothing.
  std::optional<std::pair<std::string, std::string>> apply(Store& db, const fed::Envelope& e,
                                                           const std::string& peer_state, Instant now);
  std::optional<std::pair<std::string, std::string>> apply_case_act(Store& db, const fed::Envelope& e,
                                                                    const std::string& peer_state);
  // A production.manifest or production.chunk, from the party the case's
  // order or request was sent to (federation_evidence.cpp).
  std::optional<std::pair<std::string, std::string>> apply_evidence(Store& db, const fed::Envelope& e,
                                                                    const std::string& peer_state);
  // The kind among `kinds` of a message of e's case that this node sent
  // e's peer for e's party (the act e answers or produces for); empty when
  // none was: then e's party may not act on the case.
  static std::string sent_to_sender(Store& db, const fed::Envelope& e, std::initializer_list<std::string_view> kinds);
  // The peer's party acting in `role` on a case homed here: the user id is
  // the peer and party (the user's claimed credential is not checked here).
  static Actor peer_actor(const fed::Envelope& e, PartyRole role, const std::string& peer_state);
  // An envelope of `kind` from `party` back to the node and party that
  // sent inbox message `m`, in m's case, acted by `acting` (its body unset).
  static fed::Envelope reply_to(const InboxMessage& m, const std::string& party, std::string kind,
                                const Acting& acting);
  // The order.transmit or mla.transmit `message_id` delivered here to
  // `party`, if `acting` holds the role that answers it; NotFound otherwise.
  InboxMessage answerable_order(Store& db, const std::string& message_id, const std::string& party,
                                const Acting& acting);
  // The clocks that run from `m`'s delivery (set_receipt_clocks); a
  // failure there leaves the delivery recorded.
  void on_delivered(Store& db, const OutboxMessage& m, const nlohmann::json& receipt) noexcept;
  uint64_t log_receipt(Store& db, const fed::Receipt& r, const std::string& sender_state);

  const FedIdentity me_;
  TrustService& trust_;
  LogService& log_;
  const std::string holder_;
  const std::chrono::milliseconds send_lease_;
  CaseStepper stepper_;
  ReceiptClocks clocks_;
  EvidenceSink evidence_;
  std::mutex mu_;                               // the cached peer list
  std::shared_ptr<const fed::PeerList> peers_;  // guarded by mu_
  std::mutex run_mu_;
  std::condition_variable run_cv_;
  bool woken_ = false, stopping_ = false;  // guarded by run_mu_
};

}  // namespace comity
