#include "comity/service/log_monitor.hpp"

#include "comity/crypto/ed25519.hpp"
#include "comity/service/transparency.hpp"

namespace comity {

namespace {

using ledger::LedgerError;

std::string must_fetch(const LogFetch& fetch, const std::string& path) {
  auto body = fetch(path);
  if (!body) throw LedgerError("cannot fetch " + path);
  return *body;
}

ledger::Hash hash_at(const std::string& bytes, size_t i) {
  ledger::Hash h;
  std::copy(bytes.begin() + static_cast<long>(32 * i), bytes.begin() + static_cast<long>(32 * (i + 1)), h.begin());
  return h;
}

std::vector<ledger::Hash> proof_of(const nlohmann::json& list, const std::string& where) {
  std::vector<ledger::Hash> out;
  if (!list.is_array()) throw LedgerError(where + ": no inclusion proof");
  for (const auto& h : list) {
    auto parsed = h.is_string() ? ledger::hash_from_hex(h.get<std::string>()) : std::nullopt;
    if (!parsed) throw LedgerError(where + ": a proof hash is not 64 hex digits");
    out.push_back(*parsed);
  }
  return out;
}

}  // namespace

nlohmann::ordered_json monitor_log(const LogFetch& fetch, const MonitorOptions& o) {
  // 1. The checkpoint, signed by the key we trust.
  std::string note = must_fetch(fetch, "/log/checkpoint");
  ledger::Checkpoint cp = ledger::open_checkpoint(note, o.key);

  // 2. Every leaf, from the entry bundles; every leaf hash, from the hash
  // tiles; both must agree and give the signed root.
  ledger::MerkleTree tree;
  std::vector<std::string> leaves;
  leaves.reserve(cp.size);
  for (uint64_t n = 0; n * ledger::kTileWidth < cp.size; ++n) {
    unsigned width = static_cast<unsigned>(std::min<uint64_t>(ledger::kTileWidth, cp.size - n * ledger::kTileWidth));
    std::string hashes = must_fetch(fetch, "/log/" + ledger::tile_path({false, 0, n, width}));
    std::string bundle = must_fetch(fetch, "/log/" + ledger::tile_path({true, 0, n, width}));
    if (hashes.size() != size_t{width} * 32) throw LedgerError("tile " + std::to_string(n) + ": wrong size");
    size_t at = 0;
    for (unsigned i = 0; i < width; ++i) {
      if (at + 2 > bundle.size()) throw LedgerError("entry bundle " + std::to_string(n) + " is truncated");
      size_t len = (size_t{static_cast<unsigned char>(bundle[at])} << 8) | static_cast<unsigned char>(bundle[at + 1]);
      if (at + 2 + len > bundle.size()) throw LedgerError("entry bundle " + std::to_string(n) + " is truncated");
      std::string leaf = bundle.substr(at + 2, len);
      at += 2 + len;
      ledger::Hash h = ledger::leaf_hash(leaf);
      uint64_t index = n * ledger::kTileWidth + i;
      if (h != hash_at(hashes, i)) throw LedgerError("leaf " + std::to_string(index) + " does not match its hash tile");
      tree.append(h);
      leaves.push_back(std::move(leaf));
    }
    if (at != bundle.size()) throw LedgerError("entry bundle " + std::to_string(n) + " has trailing bytes");
  }
  if (tree.root(cp.size) != cp.root) throw LedgerError("the leaves do not give the checkpoint's root");

  nlohmann::ordered_json report = {{"origin", cp.origin}, {"tree_size", cp.size}, {"root", ledger::to_hex(cp.root)}};

  // 3. The previous checkpoint is a prefix of this tree, and the server's
  // consistency proof says so too.
  if (!o.previous_checkpoint.empty()) {
    ledger::Checkpoint prev = ledger::open_checkpoint(o.previous_checkpoint, o.key);
    if (prev.size > cp.size)
      throw LedgerError("the log shrank: " + std::to_string(prev.size) + " leaves before, " + std::to_string(cp.size) +
                        " now");
    if (tree.root(prev.size) != prev.root)
      throw LedgerError("history rewritten: the tree of size " + std::to_string(prev.size) +
                        " no longer has the root that was signed");
    if (prev.size > 0 && prev.size < cp.size) {
      auto body = nlohmann::json::parse(must_fetch(fetch, "/api/v1/log/consistency?from=" + std::to_string(prev.size) +
                                                              "&to=" + std::to_string(cp.size)),
                                        nullptr, false);
      if (body.is_discarded() || !ledger::verify_consistency(prev.size, cp.size, prev.root, cp.root,
                                                             proof_of(body["proof"], "consistency proof")))
        throw LedgerError("the server's consistency proof does not verify");
    }
    report["consistent_with"] = prev.size;
  }

  // 3b. Another checkpoint of the same log, signed by its key: the leaves
  // give its root at its size, or the two are a fork. One ahead of the
  // tree served cannot be decided from these leaves, and is an error.
  if (!o.other_checkpoint.empty()) {
    ledger::Checkpoint other = ledger::open_checkpoint(o.other_checkpoint, o.key);
    if (other.size > cp.size)
      throw LedgerError("the other checkpoint has " + std::to_string(other.size) + " leaves, the log serves only " +
                        std::to_string(cp.size) + ": behind or rolled back");
    if (tree.root(other.size) != other.root) {
      report["fork"] = {{"type", "comity.fork-evidence/v1"},
                        {"origin", cp.origin},
                        {"detected_by", other.size == cp.size ? "same_size_different_root" : "leaves_contradict"},
                        {"checkpoints", {note, o.other_checkpoint}}};
      report["checkpoint"] = note;
      return report;
    }
    report["other_consistent_at"] = other.size;
  }

  // 3c. The witnesses' cosignatures on this checkpoint, against the policy.
  if (o.policy) {
    ledger::QuorumReport q = ledger::check_quorum(note, *o.policy, o.now, &o.key);
    report["witnesses"] = {{"quorum", o.policy->quorum}, {"cosigned", q.cosigned}, {"refused", q.refused}};
    if (!q.satisfied) {
      std::string who;
      for (const auto& w : q.cosigned) who += (who.empty() ? "" : ", ") + w;
      throw LedgerError("the checkpoint's cosignatures do not meet the policy's quorum " + o.policy->quorum +
                        " (verified: " + (who.empty() ? "none" : who) + ")");
    }
  }

  // 4. A party's own case log: each commitment opens, each leaf is in the
  // tree at its index, each proof verifies against its signed checkpoint.
  if (!o.case_log.empty()) {
    auto log = nlohmann::json::parse(o.case_log, nullptr, false);
    if (log.is_discarded() || !log.is_object() || !log["entries"].is_array())
      throw LedgerError("case log: not a saved GET /api/v1/cases/{id}/log answer");
    std::optional<ledger::Checkpoint> theirs;
    if (log["checkpoint"].is_string()) theirs = ledger::open_checkpoint(log["checkpoint"].get<std::string>(), o.key);
    if (theirs && (theirs->size > cp.size || tree.root(theirs->size) != theirs->root))
      throw LedgerError("case log: its checkpoint is not a prefix of the log");
    int checked = 0;
    for (const auto& e : log["entries"]) {
      std::string where = "case log entry " + std::to_string(checked);
      if (!e["index"].is_number_unsigned() || !e["leaf"].is_string() || !e["salt"].is_string() ||
          !e["event"].is_string())
        throw LedgerError(where + ": needs index, leaf, salt and event");
      uint64_t index = e["index"];
      std::string leaf = e["leaf"];
      auto salt = crypto::base64_decode(e["salt"].get<std::string>());
      auto public_leaf = nlohmann::json::parse(leaf, nullptr, false);
      if (!salt || public_leaf.is_discarded() ||
          public_leaf.value("commitment", "") != commitment(*salt, e["event"].get<std::string>()))
        throw LedgerError(where + ": the salt does not open the leaf's commitment");
      if (index >= cp.size || leaves[index] != leaf)
        throw LedgerError(where + ": leaf " + std::to_string(index) + " is not in the log");
      if (theirs && index < theirs->size &&
          !ledger::verify_inclusion(ledger::leaf_hash(leaf), index, theirs->size, proof_of(e["inclusion_proof"], where),
                                    theirs->root))
        throw LedgerError(where + ": the inclusion proof does not verify");
      ++checked;
    }
    report["case_entries_verified"] = checked;
  }

  // 5. The published statistics, recomputed from the leaves.
  auto stats = log_statistics(leaves, cp.size, ledger::to_hex(cp.root));
  auto published = nlohmann::ordered_json::parse(must_fetch(fetch, "/api/v1/log/statistics"), nullptr, false);
  if (!published.is_discarded() && published.value("tree_size", uint64_t{0}) == cp.size) {
    published.erase("checkpoint");
    if (published != stats) throw LedgerError("the published statistics differ from those the leaves give");
    report["statistics"] = "match";
  } else {
    report["statistics"] = "not checked: the published report is for another checkpoint";
  }
  report["recomputed_statistics"] = stats;
  report["checkpoint"] = note;
  return report;
}

}  // namespace comity
