// The witness in SQL (store/witness_repository.hpp, docs/federation.md §6):
// its state per peer log, advanced by compare-and-swap on the stored size;
// fork evidence and peers' cosignatures, both append-only (triggers refuse
// UPDATE and DELETE, and TRUNCATE on PostgreSQL), each kept once.
//
// Every write runs in the writer's transaction (a savepoint inside the
// caller's), so the state a witness checked is the state it replaces: the
// check, the update and the cosignature given happen in one unit, and the
// size in the WHERE clause makes a second writer that read the same state
// change nothing.
#include "comity/store/sql_store_impl.hpp"
#include "comity/util/sha256.hpp"

namespace comity::sql_detail {

std::optional<WitnessState> SqlStore::witness_state(const std::string& origin) {
  auto s = db_.prepare("SELECT origin, size, root, note, updated_at FROM witness_state WHERE origin = ?");
  s.bind(1, origin);
  if (!s.step()) return std::nullopt;
  return WitnessState{s.text(0), s.integer(1), s.text(2), s.text(3), s.integer(4)};
}

// No row is size 0: the first cosignature inserts it, and an insert that
// finds the row there (another writer was first) changes nothing.
bool SqlStore::advance_witness_state(const WitnessState& next, int64_t expected_size) {
  bool moved = false;
  db_.transaction([&] {
    db_.prepare("UPDATE witness_state SET size = ?, root = ?, note = ?, updated_at = ? WHERE origin = ? AND size = ?")
        .bind(1, next.size)
        .bind(2, next.root)
        .bind(3, next.note)
        .bind(4, next.updated_at)
        .bind(5, next.origin)
        .bind(6, expected_size)
        .run();
    moved = db_.changes() == 1;
    if (moved || expected_size != 0) return;
    db_.prepare(
           "INSERT INTO witness_state(origin, size, root, note, updated_at) VALUES (?,?,?,?,?) "
           "ON CONFLICT(origin) DO NOTHING")
        .bind(1, next.origin)
        .bind(2, next.size)
        .bind(3, next.root)
        .bind(4, next.note)
        .bind(5, next.updated_at)
        .run();
    moved = db_.changes() == 1;
  });
  return moved;
}

bool SqlStore::add_fork_evidence(const ForkEvidence& e) {
  bool added = false;
  // One digest over both notes, each prefixed by its length, names the pair.
  const std::string pair =
      std::to_string(e.note_a.size()) + ":" + e.note_a + std::to_string(e.note_b.size()) + ":" + e.note_b;
  db_.transaction([&] {
    db_.prepare(
           "INSERT INTO fed_fork_evidence(origin, note_a, note_b, notes_sha256, detected_by, proof, detected_at) "
           "VALUES (?,?,?,?,?,?,?) ON CONFLICT(origin, notes_sha256, detected_by) DO NOTHING")
        .bind(1, e.origin)
        .bind(2, e.note_a)
        .bind(3, e.note_b)
        .bind(4, sha256_hex(pair))
        .bind(5, e.detected_by)
        .bind(6, e.proof)
        .bind(7, e.detected_at)
        .run();
    added = db_.changes() == 1;
  });
  return added;
}

std::vector<ForkEvidence> SqlStore::fork_evidence(const std::string& origin) {
  auto s = db_.prepare(
      "SELECT id, origin, note_a, note_b, detected_by, proof, detected_at FROM fed_fork_evidence "
      "WHERE ? = '' OR origin = ? ORDER BY id");
  s.bind(1, origin).bind(2, origin);
  std::vector<ForkEvidence> out;
  while (s.step()) out.push_back({s.integer(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.integer(6)});
  return out;
}

bool SqlStore::add_cosignature(const StoredCosignature& c) {
  bool added = false;
  db_.transaction([&] {
    db_.prepare(
           "INSERT INTO fed_cosignatures(size, root, witness, origin, line, stored_at) VALUES (?,?,?,?,?,?) "
           "ON CONFLICT(size, root, witness) DO NOTHING")
        .bind(1, c.size)
        .bind(2, c.root)
        .bind(3, c.witness)
        .bind(4, c.origin)
        .bind(5, c.line)
        .bind(6, c.stored_at)
        .run();
    added = db_.changes() == 1;
  });
  return added;
}

std::vector<StoredCosignature> SqlStore::cosignatures(int64_t size, const std::string& root) {
  auto s = db_.prepare(
      "SELECT origin, size, root, witness, line, stored_at FROM fed_cosignatures WHERE size = ? AND root = ? "
      "ORDER BY witness");
  s.bind(1, size).bind(2, root);
  std::vector<StoredCosignature> out;
  while (s.step()) out.push_back({s.text(0), s.integer(1), s.text(2), s.text(3), s.text(4), s.integer(5)});
  return out;
}

int64_t SqlStore::last_cosigned_size(const std::string& witness) {
  auto s = db_.prepare("SELECT coalesce(max(size), 0) FROM fed_cosignatures WHERE witness = ?");
  s.bind(1, witness);
  s.step();
  return s.integer(0);
}

}  // namespace comity::sql_detail
