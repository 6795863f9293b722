// The federation as the store keeps it (docs/federation.md): the node's
// signed peer lists, every version kept (append-only); the outbox of
// messages to peers, each written in the transaction of the step that sends
// it and leased by one sender at a time; the inbox of messages received,
// each with the receipt given for it, so a retry gets the same receipt; and
// the nonces of signed HTTP requests seen, so a request is not accepted
// twice within its signature's window by any process on the database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "comity/store/audit_repository.hpp"

namespace comity {

// One version of the node's peer list: the signed comity.peers/v1 document.
struct PeerListVersion {
  int64_t version = 0;
  std::string doc;  // the signed document as JSON text
  Instant stored_at = 0;
};

// Outbox states: pending → sending (leased) → accepted | delivered |
// refused | dead; sending → pending again when an attempt fails and may be
// retried. Final: delivered, refused, dead.
enum class OutboxState : uint8_t { Pending, Sending, Accepted, Delivered, Refused, Dead };
std::string_view outbox_state_name(OutboxState s);  // "pending", "sending", ...

struct OutboxMessage {
  std::string id;        // the envelope's message id (msg-…)
  std::string peer;      // the receiving node's id
  std::string case_ref;  // fc-… ("" for a message outside any case, e.g. peer.hello)
  int64_t seq = 0;       // per (peer, case_ref), from 1, no gaps
  std::string kind;      // the envelope's kind
  std::string envelope;  // the signed envelope, byte for byte as it is sent every time
  OutboxState state = OutboxState::Pending;
  int attempts = 0;
  Instant created_at = 0, expires_at = 0, next_attempt_at = 0;
  std::string lease_holder;  // "" unless sending
  int64_t lease_until_ms = 0;
  std::string last_error;  // the last attempt's failure, "" if none
  std::string receipt;     // the last signed receipt received (JSON text), "" if none
};

// Inbox states: held (verified and stored, waiting for an earlier seq),
// applied (delivered), refused (a signed refusal was given).
enum class InboxState : uint8_t { Held, Applied, Refused };
std::string_view inbox_state_name(InboxState s);  // "held", "applied", "refused"

struct InboxMessage {
  std::string id, peer, case_ref;
  std::string to_party;  // the party of this node it is addressed to (the envelope's to_party)
  int64_t seq = 0;
  std::string kind;
  std::string digest;    // 64 hex digits: SHA-256 of the envelope's canonical form
  std::string envelope;  // as received
  InboxState state = InboxState::Held;
  std::string receipt;  // the signed receipt given (JSON text)
  Instant received_at = 0, expires_at = 0;
};

class FedRepository {
 public:
  virtual ~FedRepository() = default;

  // Stores a new peer list version with its audit entry. Throws
  // StoreError(Conflict) unless `list.version` is above every stored one.
  virtual void add_peer_list(const PeerListVersion& list, const AuditEntry& audit) = 0;
  // The highest version, or the given one; nullopt if none is stored.
  virtual std::optional<PeerListVersion> peer_list(std::optional<int64_t> version = std::nullopt) = 0;
  // Every version, lowest first.
  virtual std::vector<PeerListVersion> peer_lists() = 0;

  // The seq the next message to `peer` about `case_ref` takes: one above the
  // highest in the outbox, 1 if none. Call it in the transaction that adds
  // the message, so two writers cannot take the same seq.
  virtual int64_t next_outbox_seq(const std::string& peer, const std::string& case_ref) = 0;
  // Adds a message (state pending), with its audit entry. Throws
  // StoreError(Conflict) for an id or a (peer, case_ref, seq) already there.
  virtual void add_outbox(const OutboxMessage& message, const AuditEntry& audit) = 0;
  // Leases up to `limit` messages for `holder` until `lease_until_ms`: those
  // pending whose next_attempt_at <= now, and those sending whose lease
  // expired before `now_ms` (their sender died). Of each (peer, case_ref)
  // only the message with the lowest seq not yet accepted, delivered,
  // refused or dead is eligible, so a case's messages go out in order.
  // Messages to a peer in `held_peers` are not leased. Each leased message
  // is returned with state sending and attempts + 1.
  virtual std::vector<OutboxMessage> lease_outbox(const std::string& holder, Instant now, int64_t now_ms,
                                                  int64_t lease_until_ms, int limit,
                                                  const std::vector<std::string>& held_peers) = 0;
  // Ends an attempt: the message takes `state` (accepted, delivered, refused
  // or dead), `receipt` and `error` and loses its lease. For pending it
  // waits until `next_attempt_at`. Does nothing unless `holder` still holds
  // the lease (returns false then).
  virtual bool finish_outbox(const std::string& id, const std::string& holder, OutboxState state,
                             const std::string& receipt, const std::string& error, Instant next_attempt_at) = 0;
  // Settles message `id` to `peer` as `state` (Delivered or Refused) with
  // the deferred receipt that says so: when it is accepted, or still
  // pending or being sent (the deferred receipt can overtake the first
  // answer's outcome, which then finds it no longer sending and leaves it
  // settled). Returns false when there is no such message to that peer or
  // it already ended.
  virtual bool settle_outbox(const std::string& id, const std::string& peer, OutboxState state,
                             const std::string& receipt) = 0;
  virtual std::optional<OutboxMessage> outbox_message(const std::string& id) = 0;
  // The messages about a case, by peer then seq ("" lists those outside cases).
  virtual std::vector<OutboxMessage> outbox_for_case(const std::string& case_ref) = 0;
  // How many messages are in each state (for metrics and the drain test):
  // the count for `state`.
  virtual int64_t count_outbox(OutboxState state) = 0;

  // Records that `case_ref` names case `case_id` (homed here), once: the
  // same pair again is a no-op; another case under the ref, or another ref
  // for the case, is StoreError{Constraint}.
  virtual void add_case_ref(const std::string& case_ref, const std::string& case_id, Instant now) = 0;
  // The case `case_ref` names, if this node sent it.
  virtual std::optional<std::string> case_of_ref(const std::string& case_ref) = 0;

  virtual std::optional<InboxMessage> inbox_message(const std::string& id) = 0;
  // Adds a received message with its audit entry. Throws StoreError(Conflict)
  // for an id already there.
  virtual void add_inbox(const InboxMessage& message, const AuditEntry& audit) = 0;
  // Sets a held message's state and receipt once it is applied or refused.
  virtual void update_inbox(const std::string& id, InboxState state, const std::string& receipt) = 0;
  // The highest seq applied or refused from `peer` about `case_ref`, 0 if none.
  virtual int64_t last_inbox_seq(const std::string& peer, const std::string& case_ref) = 0;
  // The held messages from `peer` about `case_ref`, lowest seq first.
  virtual std::vector<InboxMessage> held_inbox(const std::string& peer, const std::string& case_ref) = 0;
  // The messages in `state` addressed to `party` received before
  // `before`, newest first, at most `limit` (what the party reads:
  // docs/federation.md §1). Evidence chunks (kind production.chunk) are
  // not acts a person reads and are left out before the limit, so a
  // production of many chunks never fills a page.
  virtual std::vector<InboxMessage> inbox_for_party(const std::string& party, InboxState state, Instant before,
                                                    int limit) = 0;

  // Records a signed request's (keyid, nonce), kept until `expires_at`.
  // Returns false if that pair is already recorded and not yet expired at
  // `now` (a replay). Purges expired pairs as it goes.
  virtual bool add_request_nonce(const std::string& keyid, const std::string& nonce, Instant expires_at,
                                 Instant now) = 0;
};

}  // namespace comity
