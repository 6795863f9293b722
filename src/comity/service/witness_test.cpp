// The witness service on a real store (witness.hpp): NL witnesses DE's log
// and answers each check of tlog-witness v1.0.0 in its order; a fork is
// kept as evidence in the same transaction as the refusal; the reference
// witness's own checkpoints and proof (transparency-dev/witness) are
// cosigned as it cosigns them; and DE's submitter, through a transport
// that is NL's witness in-process, follows a 409 and keeps what NL signs.
#include "comity/service/witness.hpp"

#include <gtest/gtest.h>

#include "comity/ledger/cosignature.hpp"
#include "comity/store/open_store.hpp"
#include "comity/trust/credentials.hpp"
#include "test_support.hpp"

namespace comity {
namespace {

const Instant kNow = *parse_instant("2026-11-23T10:00:00Z");

struct Keys {
  std::shared_ptr<const crypto::SigningKey> node = std::make_shared<crypto::SigningKey>(crypto::SigningKey::generate()),
                                            log = std::make_shared<crypto::SigningKey>(crypto::SigningKey::generate()),
                                            witness =
                                                std::make_shared<crypto::SigningKey>(crypto::SigningKey::generate());
};

FedIdentity identity(const std::string& id, const std::string& state, const Keys& k) {
  FedIdentity me;
  me.id = id;
  me.state = state;
  me.endpoint = "https://" + id + ".example";
  me.log_origin = id + ".example/log";
  me.witness_name = id + ".example/witness";
  me.node_key = k.node;
  me.log_key = k.log;
  me.witness_key = k.witness;
  me.credential.subject.party = id;
  me.credential.subject.state = state;
  me.credential.subject.kind = "node";
  me.credential.subject.signing_key = trust::key_text(k.node->public_key());
  me.credential.subject.log_key = trust::key_text(k.log->public_key());
  me.credential.subject.witness_key = trust::key_text(k.witness->public_key());
  return me;
}

fed::Peer peer_entry(const FedIdentity& p) {
  return {p.id,
          p.state,
          p.endpoint,
          "cred-" + p.id,
          trust::key_text(p.node_key->public_key()),
          trust::key_text(p.log_key->public_key()),
          trust::key_text(p.witness_key->public_key()),
          p.log_origin,
          p.witness_name,
          {}};
}

// One node: its store, log, trust and federation with the others as peers.
struct TestNode {
  Keys keys;
  FedIdentity me;
  std::unique_ptr<Store> store;
  LogService log;
  TrustService trust;
  FederationService fed;
  WitnessService witness;
  std::mutex mu;

  TestNode(const std::string& id, const std::string& state, const std::string& db)
      : me(identity(id, state, keys)),
        store(open_store(db)),
        log(me.log_origin, keys.log, "test", std::chrono::milliseconds(0)),
        trust(*store),
        fed(me, trust, log, std::chrono::milliseconds(0)),
        witness(fed, log) {}

  void list(const std::vector<fed::Peer>& peers) {
    fed::PeerList l;
    l.node = me.id;
    l.version = 1;
    l.issued_at = kNow;
    l.peers = peers;
    store->fed().add_peer_list({1, fed::sign_peer_list(l, *keys.node).dump(), kNow},
                               {0, kNow, "test", "store_peer_list", "1", std::string(64, '0')});
  }
  WitnessVerdict add(const std::string& body) {
    Transaction tx(*store);
    WitnessVerdict v = witness.add_checkpoint(*store, body, kNow);
    tx.commit();
    return v;
  }
};

struct WitnessFixture : ::testing::Test {
  test::TempDir dir;
  TestNode nl{"nl-node", "NL", (dir.path() / "nl.db").string()};
  Keys de_keys;
  FedIdentity de = identity("de-node", "DE", de_keys);
  ledger::MerkleTree tree;

  void SetUp() override { nl.list({peer_entry(de)}); }

  // DE's log grown to `n` leaves, and its checkpoint signed by `key`.
  std::string checkpoint(uint64_t n, const crypto::SigningKey* key = nullptr) {
    while (tree.size() < n) tree.append(ledger::leaf_hash("leaf " + std::to_string(tree.size())));
    return ledger::sign_checkpoint({de.log_origin, n, tree.root(n)}, key ? *key : *de_keys.log);
  }
  std::string body(uint64_t old, const std::string& note, std::vector<ledger::Hash> proof = {}) {
    return add_checkpoint_body({old, std::move(proof), note});
  }
  ledger::NoteVerifier nl_witness() const {
    const auto& k = nl.keys.witness->public_key();
    return {nl.me.witness_name, ledger::note_key_id(nl.me.witness_name, k, ledger::kCosignatureV1), k,
            ledger::kCosignatureV1};
  }
};

TEST_F(WitnessFixture, CosignsALogThatGrowsAndAnswersEachCheckInTheSpecsOrder) {
  const std::string c3 = checkpoint(3);
  WitnessVerdict v = nl.add(body(0, c3));
  ASSERT_EQ(v.status, 200) << v.detail;
  EXPECT_EQ(ledger::find_cosignature(ledger::split_note(c3 + v.body), nl_witness()), uint64_t(kNow));
  EXPECT_EQ(nl.store->witness().witness_state(de.log_origin)->size, 3);

  // 409: the old size is not the one cosigned, and the answer says which.
  v = nl.add(body(0, checkpoint(5)));
  EXPECT_EQ(v.status, 409);
  EXPECT_EQ(v.body, "3\n");
  EXPECT_EQ(v.content_type, "text/x.tlog.size");
  // 200 with a proof from 3 to 5; the same checkpoint again is cosigned again.
  const std::string c5 = checkpoint(5);
  ASSERT_EQ(nl.add(body(3, c5, tree.consistency_proof(3, 5))).status, 200);
  EXPECT_EQ(nl.add(body(5, c5)).status, 200);
  // 400 before 409: an old size above the checkpoint's.
  EXPECT_EQ(nl.add(body(6, c5)).status, 400);
  // 404 before 403: an origin no peer has; then a checkpoint DE's log key did not sign.
  auto stranger = crypto::SigningKey::generate();
  EXPECT_EQ(nl.add(body(5, ledger::sign_checkpoint({"us.example/log", 9, tree.root(5)}, stranger))).status, 404);
  EXPECT_EQ(nl.add(body(5, checkpoint(7, &stranger))).status, 403);
  // 400: bodies that are not the protocol's.
  for (const char* bad : {"", "old 05\n\n", "old 5\nnot base64\n\n", "old -5\n\n", "new 5\n\n"})
    EXPECT_EQ(nl.add(std::string(bad) + (std::string(bad).empty() ? "" : c5)).status, 400) << bad;
  EXPECT_EQ(nl.add("old 5\n\n").status, 400);  // no checkpoint
  std::string long_proof = "old 5\n";
  for (int i = 0; i < 64; ++i) long_proof += crypto::base64_encode(std::string(32, 'h')) + "\n";
  EXPECT_EQ(nl.add(long_proof + "\n" + c5).status, 400);  // 64 proof lines: one too many
  // 422: a proof where there must be none.
  EXPECT_EQ(nl.add(body(5, c5, {tree.root(1)})).status, 422);
  EXPECT_TRUE(nl.store->witness().fork_evidence("").empty());
  EXPECT_EQ(nl.store->witness().witness_state(de.log_origin)->size, 5);
}

TEST_F(WitnessFixture, AForkIsRefusedAndKeptAsEvidenceWithBothNotes) {
  const std::string c5 = checkpoint(5);
  ASSERT_EQ(nl.add(body(0, c5)).status, 200);
  // DE's key signs another tree of the same size.
  ledger::MerkleTree other;
  for (int i = 0; i < 5; ++i) other.append(ledger::leaf_hash("rewritten " + std::to_string(i)));
  const std::string forked = ledger::sign_checkpoint({de.log_origin, 5, other.root()}, *de_keys.log);
  WitnessVerdict v = nl.add(body(5, forked));
  EXPECT_EQ(v.status, 409);
  EXPECT_TRUE(v.content_type.empty());  // not a size to retry from
  EXPECT_TRUE(v.fork_recorded);
  // Presented with a stale old size, it is still recognised.
  EXPECT_EQ(nl.add(body(0, forked)).status, 409);
  auto found = nl.store->witness().fork_evidence(de.log_origin);
  ASSERT_EQ(found.size(), 1u);  // the same pair once
  EXPECT_EQ(found[0].detected_by, "same_size_different_root");
  EXPECT_EQ(found[0].note_a, c5);
  EXPECT_EQ(found[0].note_b, forked);
  // A longer rewritten tree with a proof that cannot hold: 422, kept with its proof.
  for (int i = 5; i < 8; ++i) other.append(ledger::leaf_hash("rewritten " + std::to_string(i)));
  const std::string forked8 = ledger::sign_checkpoint({de.log_origin, 8, other.root()}, *de_keys.log);
  v = nl.add(body(5, forked8, other.consistency_proof(5, 8)));
  EXPECT_EQ(v.status, 422);
  EXPECT_TRUE(v.fork_recorded);
  found = nl.store->witness().fork_evidence(de.log_origin);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[1].detected_by, "consistency_proof_failed");
  EXPECT_FALSE(found[1].proof.empty());
  // Nothing was cosigned past the original history.
  EXPECT_EQ(nl.store->witness().witness_state(de.log_origin)->note, c5);
}

// The reference witness's test log, checkpoints and proof, cosigned here.
TEST(WitnessInterop, TheReferenceWitnessesCheckpointsAreCosignedInTurn) {
  test::TempDir dir;
  TestNode nl("nl-node", "NL", (dir.path() / "nl.db").string());
  ledger::NoteVerifier monkeys =
      ledger::parse_verifier_key("monkeys+db4d9f7e+AULaJMvTtDLHPUcUrjdDad9vDlh/PTfC2VV60JUtCfWT");
  Keys other;
  FedIdentity peer = identity("mk-node", "FR", other);
  fed::Peer entry = peer_entry(peer);
  entry.log_origin = "monkeys";
  entry.log_key = trust::key_text(monkeys.key);
  nl.list({entry});
  const std::string m5 =
      "monkeys\n5\n41smjBUiAU70EtKlT6lIOIYtRTYxYXsDB+XHfcvu/BE=\n\n\xe2\x80\x94 monkeys "
      "202fftzGl3LVoqjXfwCFZZXs8I+5G22+Ek2K0AOyBuSJ/8/CZawNF+6fNlTKOCd622pbzJNkkJFWuw9DbicZCkEx9AY=\n";
  const std::string m8 =
      "monkeys\n8\nV8K9aklZ4EPB+RMOk1/8VsJUdFZR77GDtZUQq84vSbo=\n\n\xe2\x80\x94 monkeys "
      "202ffoUEboiQYpHzICeaFmoy3RNviHTpAxYrq/eO4QQVQMvu9UebKBMX2MJC76NLthZaKsnKbCA8GxrjePZhvDCH7Ag=\n";
  std::vector<ledger::Hash> proof;
  for (const char* h : {"b9e1d62618f7fee8034e4c5010f727ab24d8e4705cb296c374bf2025a87a10d2",
                        "aac66cd7a79ce4012d80762fe8eec3a77f22d1ca4145c3f4cee022e7efcd599d",
                        "89d0f753f66a290c483b39cd5e9eafb12021293395fad3d4a2ad053cfbcfdc9e",
                        "29e40bb79c966f4c6fe96aff6f30acfce5f3e8d84c02215175d6e018a5dee833"})
    proof.push_back(*ledger::hash_from_hex(h));
  EXPECT_EQ(nl.add(add_checkpoint_body({0, {}, m5})).status, 200);
  WitnessVerdict v = nl.add(add_checkpoint_body({5, proof, m8}));
  ASSERT_EQ(v.status, 200) << v.detail;
  EXPECT_EQ(nl.store->witness().witness_state("monkeys")->size, 8);
}

// NL's witness, reached in-process: what DE's submitter posts to.
struct InProcess : PeerTransport {
  TestNode& witness;
  std::vector<std::string> bodies;
  explicit InProcess(TestNode& w) : witness(w) {}
  PeerReply send(const PeerPost& post) override {
    bodies.push_back(post.body);
    std::lock_guard<std::mutex> lock(witness.mu);
    WitnessVerdict v = witness.add(post.body);
    return {v.status, v.body, "", 0};
  }
};

TEST(WitnessSubmitter, SubmitsFollowsA409AndKeepsTheVerifiedCosignature) {
  test::TempDir dir;
  TestNode de("de-node", "DE", (dir.path() / "de.db").string());
  TestNode nl("nl-node", "NL", (dir.path() / "nl.db").string());
  de.list({peer_entry(nl.me)});
  nl.list({peer_entry(de.me)});
  InProcess transport(nl);
  auto grow = [&](int leaves) {
    std::vector<LogLeaf> batch;
    for (int i = 0; i < leaves; ++i) batch.push_back({"", -1, "{\"v\":1,\"n\":" + std::to_string(i) + "}", "", ""});
    de.store->append_log(batch);
    std::lock_guard<std::mutex> lock(de.mu);
    return de.log.publish(*de.store, kNow);
  };
  EXPECT_EQ(de.witness.submit_due(*de.store, de.mu, transport, kNow), 0);  // nothing published yet
  StoredCheckpoint cp = grow(3);
  EXPECT_EQ(de.witness.submit_due(*de.store, de.mu, transport, kNow), 1);
  auto kept = de.store->witness().cosignatures(static_cast<int64_t>(cp.tree_size), ledger::to_hex(cp.root));
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].witness, nl.me.witness_name);
  EXPECT_EQ(de.witness.submit_due(*de.store, de.mu, transport, kNow), 0);  // already cosigned
  // The cosignature record lost (a restored backup): a 409 tells DE where NL is.
  cp = grow(2);
  {
    std::lock_guard<std::mutex> lock(nl.mu);
    Transaction tx(*nl.store);
    WitnessVerdict v = nl.witness.add_checkpoint(
        *nl.store,
        add_checkpoint_body(
            {3, de.log.with_tree(*de.store, [](const ledger::MerkleTree& t) { return t.consistency_proof(3, 5); }),
             cp.note}),
        kNow);
    ASSERT_EQ(v.status, 200) << v.detail;
    tx.commit();
  }
  cp = grow(1);
  transport.bodies.clear();
  EXPECT_EQ(de.witness.submit_due(*de.store, de.mu, transport, kNow + 1), 1);
  ASSERT_EQ(transport.bodies.size(), 2u);
  EXPECT_EQ(transport.bodies[0].substr(0, 6), "old 3\n");
  EXPECT_EQ(transport.bodies[1].substr(0, 6), "old 5\n");
  EXPECT_EQ(nl.store->witness().witness_state(de.me.log_origin)->size, 6);
}

}  // namespace
}  // namespace comity
