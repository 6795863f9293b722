// Logs that witness each other, across real processes (docs/federation.md
// §6): DE and NL peered both ways, each `comity serve --node`. DE's
// checkpoint comes back from NL's witness cosigned and is served with the
// cosignature; `comity log verify --policy` counts it toward a quorum; a
// checkpoint DE's log key signs over another history is refused by NL and
// kept there as fork evidence, and `comity log verify --other` finds the
// same fork from the log's leaves. On SQLite, and on PostgreSQL with
// COMITY_TEST_STORE=postgres.
#include "comity/ledger/cosignature.hpp"
#include "comity/service/witness.hpp"
#include "server/federation_harness.hpp"

namespace comity::server_test {
namespace {

struct Witnessing : FederationBase {
  json node_card(const NodeSetup& n) {
    auto c = client(n);
    auto r = c.Get("/fed/v1/node");
    EXPECT_TRUE(r && r->status == 200);
    return r ? json::parse(r->body) : json();
  }
  // NL's witness as a policy names it: its key name and its key, type 0x04.
  ledger::NoteVerifier nl_witness() {
    json card = node_card(nl);
    trust::Credential cred = trust::parse_credential(card["credential"]);
    crypto::PublicKey key = trust::parse_key_text(cred.subject.witness_key, "$");
    const std::string name = card["witness_name"];
    return {name, ledger::note_key_id(name, key, ledger::kCosignatureV1), key, ledger::kCosignatureV1};
  }
  // NL sends DE a hello: DE logs the receipt it gives, and publishes a
  // checkpoint covering that leaf.
  void grow_de_log() {
    auto c = client(nl);
    auto r = c.Post("/api/v1/federation/hello", bearer("admin"), json{{"peer", "de-node"}}.dump(), "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 202) << r->body;
  }
  // DE's checkpoint as served, once NL's cosignature is on it.
  std::string cosigned_de_checkpoint() {
    const ledger::NoteVerifier w = nl_witness();
    std::string note;
    EXPECT_TRUE(eventually(
        [&] {
          auto c = client(de);
          auto r = c.Get("/log/checkpoint");
          if (!r || r->status != 200) return false;
          note = r->body;
          try {
            return ledger::split_note(note).text.find("\n0\n") == std::string::npos &&
                   ledger::find_cosignature(ledger::split_note(note), w).has_value();
          } catch (const ledger::LedgerError&) {
            return false;
          }
        },
        std::chrono::seconds(60)))
        << note;
    return note;
  }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(path(name)) << text;
    return path(name);
  }
};

TEST_F(Witnessing, DesCheckpointIsCosignedByNlAndAPolicyQuorumCountsIt) {
  nl_server = start(nl);
  de_server = start(de);
  grow_de_log();
  const std::string note = cosigned_de_checkpoint();
  const json de_card = node_card(de);
  const std::string de_key = de_card["log_verifier_key"];
  // The cosignature verifies offline with NL's witness key from its credential.
  const ledger::NoteVerifier w = nl_witness();
  auto ts = ledger::find_cosignature(ledger::split_note(note), w);
  ASSERT_TRUE(ts);
  EXPECT_LE(*ts, static_cast<uint64_t>(SystemClock().now()));
  // DE's own signature is still there beside it.
  EXPECT_NO_THROW(ledger::open_checkpoint(note, ledger::parse_verifier_key(de_key)));

  const std::string wkey = ledger::verifier_key(w.name, w.key, ledger::kCosignatureV1);
  const std::string one = write("one.policy", "log " + de_key + "\nwitness nl " + wkey + "\nquorum nl\n");
  CliResult r = run_cli({"log", "verify", "--url", de.endpoint(), "--key", de_key, "--policy", one});
  EXPECT_EQ(r.exit, 0) << r.out;
  EXPECT_NE(r.out.find("\"cosigned\""), std::string::npos) << r.out;
  // 2 of 2, with a witness that never cosigned: refused, naming the quorum.
  auto other = crypto::SigningKey::generate();
  const std::string two =
      write("two.policy", "log " + de_key + "\nwitness nl " + wkey + "\nwitness us " +
                              ledger::verifier_key("us.example/witness", other.public_key(), ledger::kCosignatureV1) +
                              "\ngroup both all nl us\nquorum both\n");
  r = run_cli({"log", "verify", "--url", de.endpoint(), "--key", de_key, "--policy", two});
  EXPECT_EQ(r.exit, 1) << r.out;
  EXPECT_NE(r.out.find("quorum both"), std::string::npos) << r.out;
  // A policy that does not parse is bad input.
  r = run_cli(
      {"log", "verify", "--url", de.endpoint(), "--key", de_key, "--policy", write("bad.policy", "quorum nobody\n")});
  EXPECT_EQ(r.exit, 2) << r.out;
  EXPECT_NE(r.out.find("--policy"), std::string::npos) << r.out;
}

TEST_F(Witnessing, AForkedCheckpointIsRefusedByNlAndKeptAsEvidence) {
  nl_server = start(nl);
  de_server = start(de);
  ASSERT_FALSE(transmitted_s01().empty());
  auto nl_http = client(nl);
  std::string order;
  ASSERT_TRUE(eventually([&] {
    auto got = nl_http.Get("/api/v1/federation/inbox", bearer("provider-nl"));
    if (!got || got->status != 200 || json::parse(got->body)["messages"].empty()) return false;
    order = json::parse(got->body)["messages"][0]["id"];
    return true;
  }));
  grow_de_log();
  const std::string note = cosigned_de_checkpoint();
  const json de_card = node_card(de);
  const std::string de_key = de_card["log_verifier_key"];
  const ledger::Checkpoint cp = ledger::open_checkpoint(note, ledger::parse_verifier_key(de_key));
  // DE's log key, taken from the node directory, signs another root at the same size.
  auto log_key = crypto::SigningKey::load_pem(de.dir + "/log.pem");
  ledger::Hash other_root = cp.root;
  other_root[0] ^= 0xff;
  const std::string forged = ledger::sign_checkpoint({cp.origin, cp.size, other_root}, log_key);
  auto c = client(nl);
  for (uint64_t old : {cp.size, uint64_t{0}}) {  // the right old size, and a stale one
    auto r = c.Post(WitnessService::kAddCheckpointPath, "old " + std::to_string(old) + "\n\n" + forged, "text/plain");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 409) << r->body;
  }
  // The honest checkpoint is still cosigned: the state did not move (and
  // the signatures on it a witness does not know are ignored).
  auto again =
      c.Post(WitnessService::kAddCheckpointPath, "old " + std::to_string(cp.size) + "\n\n" + note, "text/plain");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200) << again->body;
  // Kept on NL, both notes, once.
  auto evidence = open_store(nl.db, StoreAccess::ReadOnly)->witness().fork_evidence(cp.origin);
  ASSERT_EQ(evidence.size(), 1u);
  EXPECT_EQ(evidence[0].detected_by, "same_size_different_root");
  EXPECT_EQ(evidence[0].note_b, forged);
  EXPECT_NO_THROW(ledger::open_checkpoint(evidence[0].note_a, ledger::parse_verifier_key(de_key)));
  // NL suspends DE: what DE sends now is refused, signed, as peer_suspended,
  // and NL sends DE nothing more (its receipts would prove nothing).
  auto de_http = client(de);
  auto hello =
      de_http.Post("/api/v1/federation/hello", bearer("admin"), json{{"peer", "nl-node"}}.dump(), "application/json");
  ASSERT_TRUE(hello);
  ASSERT_EQ(hello->status, 202) << hello->body;
  const std::string hello_id = json::parse(hello->body)["message"];
  json refused;
  ASSERT_TRUE(eventually([&] {
    std::optional<OutboxMessage> m = open_store(de.db, StoreAccess::ReadOnly)->fed().outbox_message(hello_id);
    if (!m || m->state != OutboxState::Refused) return false;
    refused = json::parse(m->receipt);
    return true;
  }));
  EXPECT_EQ(refused["reason"], "peer_suspended") << refused.dump();
  // A person's act toward a suspended peer is not taken: the provider
  // cannot answer DE's order now, and is told why.
  auto answered = nl_http.Post("/api/v1/federation/inbox/" + order + "/answer", bearer("provider-nl"),
                               json{{"event", "acknowledge"}}.dump(), "application/json");
  ASSERT_TRUE(answered);
  EXPECT_EQ(answered->status, 409) << answered->body;
  EXPECT_NE(answered->body.find("peer_suspended"), std::string::npos) << answered->body;
  grow_de_log();  // NL's hello to DE waits
  ASSERT_TRUE(eventually([&] {
    for (const OutboxMessage& m : open_store(nl.db, StoreAccess::ReadOnly)->fed().outbox_for_case(""))
      if (m.state == OutboxState::Pending && m.last_error.rfind("peer_suspended", 0) == 0) return true;
    return false;
  }));
  // A monitor holding the forged checkpoint finds the fork from DE's own leaves.
  const std::string out = path("fork.json");
  CliResult r = run_cli({"log", "verify", "--url", de.endpoint(), "--key", de_key, "--other",
                         write("forged.txt", forged), "--fork-evidence", out});
  EXPECT_EQ(r.exit, 1) << r.out;
  json fork = json::parse(test::read_text(out));
  EXPECT_EQ(fork["detected_by"], "same_size_different_root");
  EXPECT_EQ(fork["checkpoints"][1], forged);
  // DE's honest checkpoint as --other: consistent.
  r = run_cli({"log", "verify", "--url", de.endpoint(), "--key", de_key, "--other", write("honest.txt", note)});
  EXPECT_EQ(r.exit, 0) << r.out;
}

}  // namespace
}  // namespace comity::server_test
