// The federation in SQL (store/fed_repository.hpp, docs/federation.md): the
// node's signed peer lists (append-only: triggers refuse UPDATE and DELETE),
// the outbox and inbox of messages to and from peers, and the nonces of
// signed HTTP requests. States are stored by name, checked by the schema.
//
// Every write runs in the writer's transaction (db_.transaction: SQLite's
// BEGIN IMMEDIATE, PostgreSQL's BEGIN under the advisory writer lock; a
// savepoint inside a caller's Transaction), so writers of every process are
// serialised: two senders cannot lease one message, two steps cannot take
// one seq, and a nonce is recorded once.
#include <string>

#include "comity/store/sql_store_impl.hpp"

namespace comity {

std::string_view outbox_state_name(OutboxState s) {
  switch (s) {
    case OutboxState::Pending: return "pending";
    case OutboxState::Sending: return "sending";
    case OutboxState::Accepted: return "accepted";
    case OutboxState::Delivered: return "delivered";
    case OutboxState::Refused: return "refused";
    case OutboxState::Dead: return "dead";
  }
  return "?";
}

std::string_view inbox_state_name(InboxState s) {
  switch (s) {
    case InboxState::Held: return "held";
    case InboxState::Applied: return "applied";
    case InboxState::Refused: return "refused";
  }
  return "?";
}

}  // namespace comity

namespace comity::sql_detail {
namespace {

OutboxState parse_outbox_state(const std::string& name, const std::string& id) {
  for (OutboxState s : {OutboxState::Pending, OutboxState::Sending, OutboxState::Accepted, OutboxState::Delivered,
                        OutboxState::Refused, OutboxState::Dead})
    if (outbox_state_name(s) == name) return s;
  throw StoreError(StoreError::Code::Corrupt, "outbox message " + id + ": unknown state " + name);
}

InboxState parse_inbox_state(const std::string& name, const std::string& id) {
  for (InboxState s : {InboxState::Held, InboxState::Applied, InboxState::Refused})
    if (inbox_state_name(s) == name) return s;
  throw StoreError(StoreError::Code::Corrupt, "inbox message " + id + ": unknown state " + name);
}

constexpr std::string_view kOutboxColumns =
    "SELECT id, peer, case_ref, seq, kind, envelope, state, attempts, created_at, expires_at, next_attempt_at, "
    "lease_holder, lease_until_ms, last_error, receipt FROM fed_outbox ";

constexpr std::string_view kInboxColumns =
    "SELECT id, peer, case_ref, seq, kind, digest, envelope, state, receipt, received_at, expires_at, to_party FROM "
    "fed_inbox ";

std::string sql(std::string_view columns, std::string_view rest) {
  return std::string(columns) + std::string(rest);
}

}  // namespace

// ---- Peer lists ----

// Versions only rise: the highest stored one is read inside the writer's
// transaction, so two writers cannot both store the next one.
void SqlStore::add_peer_list(const PeerListVersion& list, const AuditEntry& audit) {
  db_.transaction([&] {
    auto top = db_.prepare("SELECT coalesce(max(version), 0) FROM fed_peer_lists");
    top.step();
    const int64_t highest = top.integer(0);
    top.reset();
    if (list.version <= highest)
      throw StoreError(StoreError::Code::Conflict, "peer list version " + std::to_string(list.version) +
                                                       " is not above the stored version " + std::to_string(highest));
    db_.prepare("INSERT INTO fed_peer_lists(version, doc, stored_at) VALUES (?,?,?)")
        .bind(1, list.version)
        .bind(2, list.doc)
        .bind(3, list.stored_at)
        .run();
    insert_audit(audit);
  });
}

std::optional<PeerListVersion> SqlStore::peer_list(std::optional<int64_t> version) {
  auto s = version ? db_.prepare("SELECT version, doc, stored_at FROM fed_peer_lists WHERE version = ?")
                   : db_.prepare("SELECT version, doc, stored_at FROM fed_peer_lists ORDER BY version DESC LIMIT 1");
  if (version) s.bind(1, *version);
  if (!s.step()) return std::nullopt;
  return PeerListVersion{s.integer(0), s.text(1), s.integer(2)};
}

std::vector<PeerListVersion> SqlStore::peer_lists() {
  auto s = db_.prepare("SELECT version, doc, stored_at FROM fed_peer_lists ORDER BY version");
  std::vector<PeerListVersion> out;
  while (s.step()) out.push_back({s.integer(0), s.text(1), s.integer(2)});
  return out;
}

// ---- The outbox ----

int64_t SqlStore::next_outbox_seq(const std::string& peer, const std::string& case_ref) {
  auto s = db_.prepare("SELECT coalesce(max(seq), 0) + 1 FROM fed_outbox WHERE peer = ? AND case_ref = ?");
  s.bind(1, peer).bind(2, case_ref);
  s.step();
  return s.integer(0);
}

// A new message is pending and holds no lease, whatever `message` says.
// ON CONFLICT DO NOTHING covers both keys (the id, and peer, case_ref and
// seq): a message already there is a Conflict, and nothing is written.
void SqlStore::add_outbox(const OutboxMessage& m, const AuditEntry& audit) {
  db_.transaction([&] {
    db_.prepare(
           "INSERT INTO fed_outbox(id, peer, case_ref, seq, kind, envelope, state, attempts, created_at, expires_at, "
           "next_attempt_at, lease_holder, lease_until_ms, last_error, receipt) "
           "VALUES (?,?,?,?,?,?,'pending',?,?,?,?,'',0,?,?) ON CONFLICT DO NOTHING")
        .bind(1, m.id)
        .bind(2, m.peer)
        .bind(3, m.case_ref)
        .bind(4, m.seq)
        .bind(5, m.kind)
        .bind(6, m.envelope)
        .bind(7, int64_t{m.attempts})
        .bind(8, m.created_at)
        .bind(9, m.expires_at)
        .bind(10, m.next_attempt_at)
        .bind(11, m.last_error)
        .bind(12, m.receipt)
        .run();
    if (db_.changes() != 1)
      throw StoreError(StoreError::Code::Conflict, "outbox message " + m.id + " (to " + m.peer + ", case " +
                                                       m.case_ref + ", seq " + std::to_string(m.seq) +
                                                       "): that id or seq is in the outbox already");
    insert_audit(audit);
  });
}

// One statement picks the messages due: pending ones whose wait is over and
// sending ones whose lease expired, each the lowest seq of its (peer,
// case_ref) still pending or sending — accepted, delivered, refused and dead
// messages no longer hold a case back. The lowest open seq of every stream
// comes from one GROUP BY over the partial index of open messages
// (fed_outbox_open), so the cost follows the messages still open, not a
// stream's whole history (a correlated subquery per candidate made a long
// stream quadratic). It runs
// in the writer's transaction with the updates that take the leases, so no
// other writer sees those messages as due in between.
std::vector<OutboxMessage> SqlStore::lease_outbox(const std::string& holder, Instant now, int64_t now_ms,
                                                  int64_t lease_until_ms, int limit,
                                                  const std::vector<std::string>& held_peers) {
  std::vector<OutboxMessage> out;
  if (limit <= 0) return out;
  std::string query =
      "SELECT o.id FROM (SELECT peer, case_ref, min(seq) AS seq FROM fed_outbox "
      "WHERE state IN ('pending', 'sending') GROUP BY peer, case_ref) h "
      "JOIN fed_outbox o ON o.peer = h.peer AND o.case_ref = h.case_ref AND o.seq = h.seq "
      "WHERE ((o.state = 'pending' AND o.next_attempt_at <= ?) OR (o.state = 'sending' AND o.lease_until_ms < ?)) ";
  if (!held_peers.empty()) {
    // One bound parameter per held peer: the text holds only placeholders.
    query += "AND o.peer NOT IN (?";
    for (size_t i = 1; i < held_peers.size(); ++i) query += ", ?";
    query += ") ";
  }
  query += "ORDER BY o.next_attempt_at, o.created_at, o.id LIMIT ?";
  db_.transaction([&] {
    out.clear();
    std::vector<std::string> ids;
    {
      auto s = db_.prepare(query);
      s.bind(1, now).bind(2, now_ms);
      int p = 3;
      for (const auto& peer : held_peers) s.bind(p++, peer);
      s.bind(p, int64_t{limit});
      while (s.step()) ids.push_back(s.text(0));
    }
    auto take = db_.prepare(
        "UPDATE fed_outbox SET state = 'sending', attempts = attempts + 1, lease_holder = ?, lease_until_ms = ? "
        "WHERE id = ?");
    for (const auto& id : ids) {
      take.reset();
      take.bind(1, holder).bind(2, lease_until_ms).bind(3, id).run();
    }
    for (const auto& id : ids) {
      auto s = db_.prepare(sql(kOutboxColumns, "WHERE id = ?"));
      s.bind(1, id);
      auto one = read_outbox(s);
      if (one.size() != 1) throw StoreError(StoreError::Code::Other, "outbox message " + id + " vanished mid-lease");
      out.push_back(std::move(one.front()));
    }
  });
  return out;
}

bool SqlStore::finish_outbox(const std::string& id, const std::string& holder, OutboxState state,
                             const std::string& receipt, const std::string& error, Instant next_attempt_at) {
  COMITY_ASSERT(state != OutboxState::Sending, "an attempt ends in a state other than sending");
  bool finished = false;
  db_.transaction([&] {
    // A message going back to pending waits until next_attempt_at; one
    // reaching any other state keeps the time it was last due.
    const bool retry = state == OutboxState::Pending;
    db_.prepare(
           "UPDATE fed_outbox SET state = ?, receipt = ?, last_error = ?, next_attempt_at = coalesce(?, "
           "next_attempt_at), lease_holder = '', lease_until_ms = 0 "
           "WHERE id = ? AND state = 'sending' AND lease_holder = ?")
        .bind(1, outbox_state_name(state))
        .bind(2, receipt)
        .bind(3, error)
        .bind_opt(4, retry ? std::optional<int64_t>(next_attempt_at) : std::nullopt)
        .bind(5, id)
        .bind(6, holder)
        .run();
    finished = db_.changes() == 1;
  });
  return finished;
}

bool SqlStore::settle_outbox(const std::string& id, const std::string& peer, OutboxState state,
                             const std::string& receipt) {
  COMITY_ASSERT(state == OutboxState::Delivered || state == OutboxState::Refused,
                "a deferred receipt settles a message as delivered or refused");
  bool settled = false;
  db_.transaction([&] {
    db_.prepare(
           "UPDATE fed_outbox SET state = ?, receipt = ?, lease_holder = '', lease_until_ms = 0 "
           "WHERE id = ? AND peer = ? AND state IN ('accepted', 'pending', 'sending')")
        .bind(1, outbox_state_name(state))
        .bind(2, receipt)
        .bind(3, id)
        .bind(4, peer)
        .run();
    settled = db_.changes() == 1;
  });
  return settled;
}

std::optional<OutboxMessage> SqlStore::outbox_message(const std::string& id) {
  auto s = db_.prepare(sql(kOutboxColumns, "WHERE id = ?"));
  s.bind(1, id);
  auto all = read_outbox(s);
  if (all.empty()) return std::nullopt;
  return std::move(all.front());
}

std::vector<OutboxMessage> SqlStore::outbox_for_case(const std::string& case_ref) {
  auto s = db_.prepare(sql(kOutboxColumns, "WHERE case_ref = ? ORDER BY peer, seq"));
  s.bind(1, case_ref);
  return read_outbox(s);
}

int64_t SqlStore::count_outbox(OutboxState state) {
  auto s = db_.prepare("SELECT count(*) FROM fed_outbox WHERE state = ?");
  s.bind(1, outbox_state_name(state));
  s.step();
  return s.integer(0);
}

std::vector<OutboxMessage> SqlStore::read_outbox(SqlStmt& s) {
  std::vector<OutboxMessage> out;
  while (s.step()) {
    OutboxMessage m;
    m.id = s.text(0);
    m.peer = s.text(1);
    m.case_ref = s.text(2);
    m.seq = s.integer(3);
    m.kind = s.text(4);
    m.envelope = s.text(5);
    m.state = parse_outbox_state(s.text(6), m.id);
    m.attempts = static_cast<int>(s.integer(7));
    m.created_at = s.integer(8);
    m.expires_at = s.integer(9);
    m.next_attempt_at = s.integer(10);
    m.lease_holder = s.text(11);
    m.lease_until_ms = s.integer(12);
    m.last_error = s.text(13);
    m.receipt = s.text(14);
    out.push_back(std::move(m));
  }
  return out;
}

// ---- The inbox ----

std::optional<InboxMessage> SqlStore::inbox_message(const std::string& id) {
  auto s = db_.prepare(sql(kInboxColumns, "WHERE id = ?"));
  s.bind(1, id);
  auto all = read_inbox(s);
  if (all.empty()) return std::nullopt;
  return std::move(all.front());
}

void SqlStore::add_inbox(const InboxMessage& m, const AuditEntry& audit) {
  db_.transaction([&] {
    db_.prepare(
           "INSERT INTO fed_inbox(id, peer, case_ref, seq, kind, digest, envelope, state, receipt, received_at, "
           "expires_at, to_party) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO NOTHING")
        .bind(1, m.id)
        .bind(2, m.peer)
        .bind(3, m.case_ref)
        .bind(4, m.seq)
        .bind(5, m.kind)
        .bind(6, m.digest)
        .bind(7, m.envelope)
        .bind(8, inbox_state_name(m.state))
        .bind(9, m.receipt)
        .bind(10, m.received_at)
        .bind(11, m.expires_at)
        .bind(12, m.to_party)
        .run();
    if (db_.changes() != 1)
      throw StoreError(StoreError::Code::Conflict, "inbox message " + m.id + " was received already");
    insert_audit(audit);
  });
}

// Only a held message changes, once: to applied or refused. An unknown id
// is NotFound; a message no longer held is a Conflict.
void SqlStore::update_inbox(const std::string& id, InboxState state, const std::string& receipt) {
  COMITY_ASSERT(state != InboxState::Held, "a held message is updated once it is applied or refused");
  db_.transaction([&] {
    db_.prepare("UPDATE fed_inbox SET state = ?, receipt = ? WHERE id = ? AND state = 'held'")
        .bind(1, inbox_state_name(state))
        .bind(2, receipt)
        .bind(3, id)
        .run();
    if (db_.changes() == 1) return;
    auto s = db_.prepare("SELECT state FROM fed_inbox WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) throw StoreError(StoreError::Code::NotFound, "inbox message " + id + ": not received");
    throw StoreError(StoreError::Code::Conflict, "inbox message " + id + " is " + s.text(0) + ", not held");
  });
}

int64_t SqlStore::last_inbox_seq(const std::string& peer, const std::string& case_ref) {
  auto s = db_.prepare(
      "SELECT coalesce(max(seq), 0) FROM fed_inbox WHERE peer = ? AND case_ref = ? AND state IN ('applied', "
      "'refused')");
  s.bind(1, peer).bind(2, case_ref);
  s.step();
  return s.integer(0);
}

std::vector<InboxMessage> SqlStore::held_inbox(const std::string& peer, const std::string& case_ref) {
  auto s = db_.prepare(sql(kInboxColumns, "WHERE peer = ? AND case_ref = ? AND state = 'held' ORDER BY seq, id"));
  s.bind(1, peer).bind(2, case_ref);
  return read_inbox(s);
}

void SqlStore::add_case_ref(const std::string& case_ref, const std::string& case_id, Instant now) {
  db_.transaction([&] {
    if (std::optional<std::string> known = case_of_ref(case_ref)) {
      if (*known == case_id) return;
      throw StoreError(StoreError::Code::Constraint, "the case_ref " + case_ref + " names another case");
    }
    db_.prepare("INSERT INTO fed_case_refs (case_ref, case_id, created_at) VALUES (?, ?, ?)")
        .bind(1, case_ref)
        .bind(2, case_id)
        .bind(3, now)
        .run();
  });
}

std::optional<std::string> SqlStore::case_of_ref(const std::string& case_ref) {
  auto s = db_.prepare("SELECT case_id FROM fed_case_refs WHERE case_ref = ?");
  s.bind(1, case_ref);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

std::vector<InboxMessage> SqlStore::inbox_for_party(const std::string& party, InboxState state, Instant before,
                                                    int limit) {
  auto s = db_.prepare(sql(kInboxColumns,
                           "WHERE to_party = ? AND state = ? AND received_at < ? AND kind <> 'production.chunk' "
                           "ORDER BY received_at DESC, id DESC "
                           "LIMIT ?"));
  s.bind(1, party).bind(2, inbox_state_name(state)).bind(3, before).bind(4, static_cast<int64_t>(limit));
  return read_inbox(s);
}

std::vector<InboxMessage> SqlStore::read_inbox(SqlStmt& s) {
  std::vector<InboxMessage> out;
  while (s.step()) {
    InboxMessage m;
    m.id = s.text(0);
    m.peer = s.text(1);
    m.case_ref = s.text(2);
    m.seq = s.integer(3);
    m.kind = s.text(4);
    m.digest = s.text(5);
    m.envelope = s.text(6);
    m.state = parse_inbox_state(s.text(7), m.id);
    m.receipt = s.text(8);
    m.received_at = s.integer(9);
    m.expires_at = s.integer(10);
    m.to_party = s.text(11);
    out.push_back(std::move(m));
  }
  return out;
}

// ---- Request nonces ----

// A pair is live until its expires_at, inclusive. Pairs expired at `now` go
// first (by the expires_at index, so each call deletes only what expired
// since the calls before it); what is left is live, so the insert conflicts
// exactly with a replay. The primary key decides, in the writer's
// transaction, whichever process records the pair first.
bool SqlStore::add_request_nonce(const std::string& keyid, const std::string& nonce, Instant expires_at, Instant now) {
  bool recorded = false;
  db_.transaction([&] {
    db_.prepare("DELETE FROM fed_request_nonces WHERE expires_at < ?").bind(1, now).run();
    db_.prepare(
           "INSERT INTO fed_request_nonces(keyid, nonce, expires_at) VALUES (?,?,?) "
           "ON CONFLICT(keyid, nonce) DO NOTHING")
        .bind(1, keyid)
        .bind(2, nonce)
        .bind(3, expires_at)
        .run();
    recorded = db_.changes() == 1;
  });
  return recorded;
}

}  // namespace comity::sql_detail
