// The transparency log in SQL (store/log_repository.hpp): leaves appended at
// max(idx) + 1 inside the writer's transaction (writers are serialised on
// both backends, so indexes are gapless), checkpoints that only grow, fenced
// by the signer's lease epoch in the same transaction.
#include "comity/store/sql_store_impl.hpp"

namespace comity::sql_detail {

void SqlStore::append_log(const std::vector<LogLeaf>& log) {
  db_.transaction([&] { insert_log(log); });
}

uint64_t SqlStore::log_size() {
  auto s = db_.prepare("SELECT coalesce(max(idx) + 1, 0) FROM log_leaves");
  s.step();
  return static_cast<uint64_t>(s.integer(0));
}

std::vector<ledger::Hash> SqlStore::log_hashes(uint64_t from, uint64_t limit) {
  auto s = db_.prepare("SELECT leaf_hash FROM log_leaves WHERE idx >= ? ORDER BY idx LIMIT ?");
  s.bind(1, static_cast<int64_t>(from)).bind(2, static_cast<int64_t>(limit));
  std::vector<ledger::Hash> out;
  while (s.step()) {
    std::string h = s.text(0);
    if (h.size() != 32) throw StoreError(StoreError::Code::Corrupt, "log leaf hash is not 32 bytes");
    out.emplace_back();
    std::copy(h.begin(), h.end(), out.back().begin());
  }
  return out;
}

std::vector<std::string> SqlStore::log_leaves(uint64_t from, uint64_t limit) {
  auto s = db_.prepare("SELECT leaf FROM log_leaves WHERE idx >= ? ORDER BY idx LIMIT ?");
  s.bind(1, static_cast<int64_t>(from)).bind(2, static_cast<int64_t>(limit));
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

std::vector<LogEntry> SqlStore::log_entries_for_case(std::string_view case_id) {
  auto s = db_.prepare(
      "SELECT idx, case_id, event_seq, leaf, salt, event_json FROM log_leaves WHERE case_id = ? ORDER BY idx");
  s.bind(1, case_id);
  std::vector<LogEntry> out;
  while (s.step())
    out.push_back({static_cast<uint64_t>(s.integer(0)), s.text(1), s.integer(2), s.text(3), s.text(4), s.text(5)});
  return out;
}

void SqlStore::put_checkpoint(const StoredCheckpoint& c, const Lease* fence) {
  db_.transaction([&] {
    if (fence) {
      auto l = db_.prepare("SELECT holder, epoch FROM leases WHERE name = ?");
      l.bind(1, fence->name);
      if (!l.step() || l.text(0) != fence->holder || l.integer(1) != fence->epoch)
        throw StoreError(StoreError::Code::Conflict, "lease " + fence->name + " at epoch " +
                                                         std::to_string(fence->epoch) +
                                                         " is no longer held by this process: checkpoint refused");
    }
    auto top = db_.prepare("SELECT coalesce(max(tree_size), -1) FROM log_checkpoints");
    top.step();
    if (top.integer(0) > static_cast<int64_t>(c.tree_size))
      throw StoreError(StoreError::Code::Constraint, "a checkpoint for tree size " + std::to_string(top.integer(0)) +
                                                         " is published already: checkpoints only grow");
    db_.prepare("INSERT INTO log_checkpoints(tree_size, root, note, published_at) VALUES (?,?,?,?)")
        .bind(1, static_cast<int64_t>(c.tree_size))
        .bind_blob(2, std::string_view(reinterpret_cast<const char*>(c.root.data()), c.root.size()))
        .bind(3, c.note)
        .bind(4, c.published_at)
        .run();
  });
}

Lease SqlStore::take_lease(std::string_view name, std::string_view holder, int64_t now_ms, int64_t ttl_ms,
                           std::string_view dead_holder) {
  Lease out;
  db_.transaction([&] {
    auto s = db_.prepare("SELECT holder, epoch, expires_ms FROM leases WHERE name = ?");
    s.bind(1, name);
    if (!s.step()) {
      out = {std::string(name), std::string(holder), 1, now_ms + ttl_ms};
      db_.prepare("INSERT INTO leases(name, holder, epoch, expires_ms) VALUES (?,?,?,?)")
          .bind(1, name)
          .bind(2, holder)
          .bind(3, out.epoch)
          .bind(4, out.expires_ms)
          .run();
      return;
    }
    out = {std::string(name), s.text(0), s.integer(1), s.integer(2)};
    s.reset();
    // Someone else's, still running (unless the caller knows it died).
    if (out.holder != holder && out.expires_ms > now_ms && (dead_holder.empty() || out.holder != dead_holder)) return;
    if (out.holder != holder) ++out.epoch;
    out.holder = std::string(holder);
    out.expires_ms = now_ms + ttl_ms;
    db_.prepare("UPDATE leases SET holder = ?, epoch = ?, expires_ms = ? WHERE name = ?")
        .bind(1, holder)
        .bind(2, out.epoch)
        .bind(3, out.expires_ms)
        .bind(4, name)
        .run();
  });
  return out;
}

void SqlStore::release_lease(std::string_view name, std::string_view holder) {
  db_.transaction([&] {
    db_.prepare("UPDATE leases SET expires_ms = 0 WHERE name = ? AND holder = ?").bind(1, name).bind(2, holder).run();
  });
}

std::optional<StoredCheckpoint> SqlStore::latest_checkpoint() {
  auto s =
      db_.prepare("SELECT tree_size, root, note, published_at FROM log_checkpoints ORDER BY tree_size DESC LIMIT 1");
  auto all = read_checkpoints(s);
  if (all.empty()) return std::nullopt;
  return all.front();
}

std::vector<StoredCheckpoint> SqlStore::checkpoints(uint64_t from, int limit) {
  auto s = db_.prepare(
      "SELECT tree_size, root, note, published_at FROM log_checkpoints WHERE tree_size >= ? ORDER BY tree_size "
      "LIMIT ?");
  s.bind(1, static_cast<int64_t>(from)).bind(2, int64_t{limit});
  return read_checkpoints(s);
}

std::vector<StoredCheckpoint> SqlStore::read_checkpoints(SqlStmt& s) {
  std::vector<StoredCheckpoint> out;
  while (s.step()) {
    StoredCheckpoint c;
    c.tree_size = static_cast<uint64_t>(s.integer(0));
    std::string root = s.text(1);
    if (root.size() != 32) throw StoreError(StoreError::Code::Corrupt, "checkpoint root is not 32 bytes");
    std::copy(root.begin(), root.end(), c.root.begin());
    c.note = s.text(2);
    c.published_at = s.integer(3);
    out.push_back(std::move(c));
  }
  return out;
}

// Appends leaves at the next indexes (the writer is the only one, inside
// its transaction, so max(idx) + 1 is gapless).
void SqlStore::insert_log(const std::vector<LogLeaf>& log) {
  if (log.empty()) return;
  int64_t next = static_cast<int64_t>(log_size());
  auto s = db_.prepare(
      "INSERT INTO log_leaves(idx, leaf, leaf_hash, case_id, event_seq, salt, event_json) VALUES (?,?,?,?,?,?,?)");
  for (const auto& l : log) {
    ledger::Hash h = ledger::leaf_hash(l.leaf);
    s.reset();
    s.bind(1, next++)
        .bind_blob(2, l.leaf)
        .bind_blob(3, std::string_view(reinterpret_cast<const char*>(h.data()), h.size()))
        .bind_text_or_null(4, l.case_id)
        .bind(5, l.event_seq)
        .bind_blob(6, l.salt)
        .bind(7, l.event_json)
        .run();
  }
}

}  // namespace comity::sql_detail
