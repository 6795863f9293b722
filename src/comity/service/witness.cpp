// The witness and its submitter (witness.hpp). The witness's checks run in
// the order tlog-witness v1.0.0 gives them, on the writer inside the
// caller's transaction, so that reading the state, comparing the old size
// and writing the new state are one atomic step (the race the
// specification describes: a request for size N checked before one for
// N+K must not roll the state back once N+K is stored). The state's row is
// then advanced by compare-and-swap on the size that was checked, which
// also holds if two processes of the node check at once.
//
// The submitter is the log side of the same protocol: it remembers, per
// peer witness, the largest size that witness cosigned (fed_cosignatures),
// proves consistency from there, and learns the witness's real size from a
// 409 when another submitter (another process, a monitor) moved it.
#include "comity/service/witness.hpp"

#include <algorithm>
#include <charconv>

#include "comity/ledger/checkpoint.hpp"
#include "comity/ledger/cosignature.hpp"
#include "comity/trust/credentials.hpp"

namespace comity {

namespace {

constexpr size_t kMaxProof = 63;

bool decimal(std::string_view s, uint64_t& out) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::string_view as_chars(const ledger::Hash& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}

ledger::NoteVerifier verifier_of(const std::string& name, const std::string& key_text, uint8_t type,
                                 const std::string& path) {
  crypto::PublicKey key = trust::parse_key_text(key_text, path);
  return {name, ledger::note_key_id(name, key, type), key, type};
}

const fed::Peer* peer_of_log(const fed::PeerList& list, std::string_view origin) {
  for (const fed::Peer& p : list.peers)
    if (p.log_origin == origin) return &p;
  return nullptr;
}

}  // namespace

std::string add_checkpoint_body(const AddCheckpoint& r) {
  std::string out = "old " + std::to_string(r.old_size) + "\n";
  for (const ledger::Hash& h : r.proof) out += crypto::base64_encode(as_chars(h)) + "\n";
  out += "\n";
  out += r.checkpoint;
  return out;
}

AddCheckpoint parse_add_checkpoint(std::string_view body) {
  auto bad = [](const std::string& where, const std::string& expected) {
    return Error(ErrorKind::Malformed, "add-checkpoint: " + where + ": expected " + expected,
                 {{"$body." + where, expected}});
  };
  AddCheckpoint r;
  size_t at = 0;
  auto next_line = [&](const std::string& where) {
    size_t end = body.find('\n', at);
    if (end == std::string_view::npos) throw bad(where, "a line ending in a newline");
    std::string_view line = body.substr(at, end - at);
    at = end + 1;
    return line;
  };
  std::string_view first = next_line("old");
  if (first.substr(0, 4) != "old " || !decimal(first.substr(4), r.old_size))
    throw bad("old", "old <size>, the size in decimal without leading zeros");
  for (;;) {
    const std::string where = "proof[" + std::to_string(r.proof.size()) + "]";
    std::string_view line = next_line(where);
    if (line.empty()) break;
    if (r.proof.size() == kMaxProof) throw bad(where, "at most 63 proof lines, then an empty line");
    auto bytes = crypto::base64_decode(line);
    if (!bytes || bytes->size() != 32 || crypto::base64_encode(*bytes) != line)
      throw bad(where, "a 32-byte hash in base64");
    ledger::Hash h;
    std::copy(bytes->begin(), bytes->end(), h.begin());
    r.proof.push_back(h);
  }
  r.checkpoint = std::string(body.substr(at));
  if (r.checkpoint.empty()) throw bad("checkpoint", "a signed checkpoint after the empty line");
  return r;
}

WitnessService::WitnessService(FederationService& fed, LogService& log) : fed_(fed), log_(log) {}

WitnessVerdict WitnessService::refuse(int status, std::string detail) const {
  WitnessVerdict v;
  v.status = status;
  v.detail = std::move(detail);
  return v;
}

WitnessVerdict WitnessService::add_checkpoint(Store& db, std::string_view body, Instant now) {
  // 1. The request's shape.
  AddCheckpoint q;
  try {
    if (body.size() > kMaxBody) return refuse(400, "add-checkpoint: the body exceeds 16384 bytes");
    q = parse_add_checkpoint(body);
  } catch (const Error& e) {
    return refuse(400, e.what());
  }
  // 2. A log this node witnesses: a listed peer's.
  const std::string origin(std::string_view(q.checkpoint).substr(0, q.checkpoint.find('\n')));
  std::shared_ptr<const fed::PeerList> list = fed_.peers(db);
  const fed::Peer* peer = list ? peer_of_log(*list, origin) : nullptr;
  if (!peer) return refuse(404, "add-checkpoint: checkpoint origin " + origin + " is not the log of a listed peer");
  // 3. Signed by that peer's log key.
  const ledger::NoteVerifier log_key = verifier_of(origin, peer->log_key, ledger::kNoteEd25519, "$.log_key");
  try {
    ledger::verify_note(q.checkpoint, log_key);
  } catch (const ledger::LedgerError& e) {
    return refuse(403, std::string("add-checkpoint: checkpoint: ") + e.what());
  }
  ledger::Checkpoint cp;
  try {
    cp = ledger::open_checkpoint(q.checkpoint, log_key);
  } catch (const ledger::LedgerError& e) {
    return refuse(400, std::string("add-checkpoint: ") + e.what());
  }
  const std::optional<WitnessState> state = db.witness().witness_state(origin);
  const uint64_t held = state ? static_cast<uint64_t>(state->size) : 0;
  const std::string root_hex = ledger::to_hex(cp.root);
  WitnessVerdict fork;
  auto keep_fork = [&](const std::string& how, const std::string& proof) {
    ForkEvidence e{0, origin, state->note, q.checkpoint, how, proof, now};
    db.witness().add_fork_evidence(e);
    fork.fork_recorded = true;
  };
  // Two signed checkpoints of one size with two roots: a fork, whatever
  // the old size this request gives.
  if (state && held == cp.size && state->root != root_hex) keep_fork("same_size_different_root", "");
  auto refused = [&](int status, std::string detail) {
    WitnessVerdict v = refuse(status, std::move(detail));
    v.fork_recorded = fork.fork_recorded;
    return v;
  };
  // 4. The old size within the checkpoint.
  if (q.old_size > cp.size)
    return refused(400, "add-checkpoint: old size " + std::to_string(q.old_size) + " is above the checkpoint's " +
                            std::to_string(cp.size));
  // 5. The old size is the size cosigned last.
  if (q.old_size != held) {
    WitnessVerdict v = refused(409, "add-checkpoint: old size " + std::to_string(q.old_size) +
                                        " is not the size last cosigned, " + std::to_string(held));
    v.body = std::to_string(held) + "\n";
    v.content_type = "text/x.tlog.size";
    return v;
  }
  // 6. and 7. Consistent with what was cosigned.
  if (q.old_size == 0 || q.old_size == cp.size) {
    if (!q.proof.empty())
      return refused(422, "add-checkpoint: the proof must be empty from size " + std::to_string(q.old_size));
    if (state && held == cp.size && state->root != root_hex)
      return refused(409, "add-checkpoint: size " + std::to_string(cp.size) +
                              " was cosigned with another root: fork evidence kept");
  } else if (!ledger::verify_consistency(held, cp.size, *ledger::hash_from_hex(state->root), cp.root, q.proof)) {
    std::string proof;
    for (const ledger::Hash& h : q.proof) proof += crypto::base64_encode(as_chars(h)) + "\n";
    keep_fork("consistency_proof_failed", proof);
    return refused(422, "add-checkpoint: the consistency proof from size " + std::to_string(held) + " to " +
                            std::to_string(cp.size) + " does not verify");
  }
  // The state advances only from the size checked.
  if (!db.witness().advance_witness_state({origin, static_cast<int64_t>(cp.size), root_hex, q.checkpoint, now},
                                          static_cast<int64_t>(held))) {
    const auto moved = db.witness().witness_state(origin);
    WitnessVerdict v = refused(409, "add-checkpoint: another request moved the state first");
    v.body = std::to_string(moved ? moved->size : 0) + "\n";
    v.content_type = "text/x.tlog.size";
    return v;
  }
  const FedIdentity& me = fed_.identity();
  WitnessVerdict v;
  v.body = ledger::cosign(ledger::split_note(q.checkpoint).text, me.witness_name, *me.witness_key,
                          static_cast<uint64_t>(std::max<Instant>(now, 0)));
  return v;
}

std::string WitnessService::post(Store& writer, std::mutex& writer_mu, PeerTransport& transport, Job& job,
                                 const StoredCheckpoint& cp, std::string& error) {
  const fed::Peer& peer = job.peer;
  for (int attempt = 0; attempt < 2; ++attempt) {
    PeerPost p;
    p.endpoint = peer.endpoint;
    p.path = kAddCheckpointPath;
    p.body = add_checkpoint_body(job.request);
    p.content_type = "text/plain";
    PeerReply reply = transport.send(p);
    if (reply.status == 200) {
      const ledger::NoteVerifier w =
          verifier_of(peer.witness_name, peer.witness_key, ledger::kCosignatureV1, "$.witness_key");
      ledger::SplitNote note = ledger::split_note(cp.note);
      std::string kept;
      // Each line the witness returned, kept if it is its own and verifies.
      size_t at = 0;
      while (at < reply.body.size()) {
        size_t end = reply.body.find('\n', at);
        if (end == std::string::npos) break;
        const std::string line = reply.body.substr(at, end + 1 - at);
        at = end + 1;
        try {
          ledger::SplitNote one = ledger::split_note(cp.note + line);
          one.signatures.erase(one.signatures.begin(),
                               one.signatures.begin() + static_cast<long>(note.signatures.size()));
          if (ledger::find_cosignature(one, w)) kept += line;
        } catch (const ledger::LedgerError& e) {
          error = std::string("a cosignature that does not verify: ") + e.what();
        }
      }
      if (kept.empty() && error.empty()) error = "no cosignature by " + peer.witness_name + " in the answer";
      return kept;
    }
    uint64_t size = 0;
    std::string_view b(reply.body);
    if (reply.status == 409 && attempt == 0 && !b.empty() && b.back() == '\n' &&
        decimal(b.substr(0, b.size() - 1), size) && size <= cp.tree_size) {
      job.request.old_size = size;
      std::lock_guard<std::mutex> lock(writer_mu);
      job.request.proof = size == 0 || size == cp.tree_size ? std::vector<ledger::Hash>{}
                                                            : log_.with_tree(writer, [&](const ledger::MerkleTree& t) {
                                                                return t.consistency_proof(size, cp.tree_size);
                                                              });
      continue;
    }
    error = reply.status == 0 ? "no answer: " + reply.error
                              : "HTTP " + std::to_string(reply.status) + ": " + reply.body.substr(0, 200);
    return {};
  }
  error = "the witness's size moved twice";
  return {};
}

int WitnessService::submit_due(Store& writer, std::mutex& writer_mu, PeerTransport& transport, Instant now) {
  std::vector<Job> jobs;
  StoredCheckpoint cp;
  {
    std::lock_guard<std::mutex> lock(writer_mu);
    std::optional<StoredCheckpoint> latest = writer.log().latest_checkpoint();
    std::shared_ptr<const fed::PeerList> list = fed_.peers(writer);
    if (!latest || !list) return 0;
    cp = *latest;
    const auto given = writer.witness().cosignatures(static_cast<int64_t>(cp.tree_size), ledger::to_hex(cp.root));
    std::lock_guard<std::mutex> b(mu_);
    for (const fed::Peer& peer : list->peers) {
      if (std::any_of(given.begin(), given.end(),
                      [&](const StoredCosignature& c) { return c.witness == peer.witness_name; }))
        continue;
      if (auto it = backoff_.find(peer.id); it != backoff_.end() && it->second.second > now) continue;
      const auto last = static_cast<uint64_t>(writer.witness().last_cosigned_size(peer.witness_name));
      Job job{peer, {last <= cp.tree_size ? last : 0, {}, cp.note}};
      if (job.request.old_size > 0 && job.request.old_size < cp.tree_size)
        job.request.proof = log_.with_tree(writer, [&](const ledger::MerkleTree& t) {
          return t.consistency_proof(job.request.old_size, cp.tree_size);
        });
      jobs.push_back(std::move(job));
    }
  }
  int kept = 0;
  for (Job& job : jobs) {
    std::string error;
    std::string lines = post(writer, writer_mu, transport, job, cp, error);
    if (!lines.empty()) {
      std::lock_guard<std::mutex> lock(writer_mu);
      Transaction tx(writer);
      writer.witness().add_cosignature({fed_.identity().log_origin, static_cast<int64_t>(cp.tree_size),
                                        ledger::to_hex(cp.root), job.peer.witness_name, lines, now});
      tx.commit();
      ++kept;
    }
    std::lock_guard<std::mutex> b(mu_);
    if (lines.empty()) {
      auto& [failures, next] = backoff_[job.peer.id];
      failures = std::min(failures + 1, 9);
      next = now + std::min<Instant>(300, Instant{1} << (failures - 1));
    } else {
      backoff_.erase(job.peer.id);
    }
  }
  return kept;
}

void WitnessService::run(Store& writer, std::mutex& writer_mu, PeerTransport& transport, const Clock& clock,
                         std::chrono::milliseconds idle) {
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(run_mu_);
      if (stopping_) return;
      woken_ = false;
    }
    try {
      submit_due(writer, writer_mu, transport, clock.now());
    } catch (const std::exception&) {
      // The store was busy or failed, or a peer entry did not parse: the next pass tries again.
    }
    std::unique_lock<std::mutex> lock(run_mu_);
    run_cv_.wait_for(lock, idle, [&] { return woken_ || stopping_; });
  }
}

void WitnessService::wake() {
  std::lock_guard<std::mutex> lock(run_mu_);
  woken_ = true;
  run_cv_.notify_all();
}

void WitnessService::stop() {
  std::lock_guard<std::mutex> lock(run_mu_);
  stopping_ = true;
  run_cv_.notify_all();
}

}  // namespace comity
