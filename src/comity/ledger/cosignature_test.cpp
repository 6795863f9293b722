// Cosignatures and policies: the key id and the signed message rebuilt here
// byte by byte from tlog-cosignature v1.0.1; checkpoints and a consistency
// proof taken from the reference witness's tests (transparency-dev/witness,
// witness/witness_test.go), so Comity reads what another implementation
// wrote; and tlog-policy files, valid and each kind of invalid.
#include "comity/ledger/cosignature.hpp"

#include <gtest/gtest.h>

#include "comity/crypto/ed25519.hpp"
#include "comity/util/sha256.hpp"

namespace comity::ledger {
namespace {

// From transparency-dev/witness, witness/witness_test.go.
constexpr const char* kMonkeysKey = "monkeys+db4d9f7e+AULaJMvTtDLHPUcUrjdDad9vDlh/PTfC2VV60JUtCfWT";
constexpr const char* kMonkeys5 =
    "monkeys\n5\n41smjBUiAU70EtKlT6lIOIYtRTYxYXsDB+XHfcvu/BE=\n\n\xe2\x80\x94 monkeys "
    "202fftzGl3LVoqjXfwCFZZXs8I+5G22+Ek2K0AOyBuSJ/8/CZawNF+6fNlTKOCd622pbzJNkkJFWuw9DbicZCkEx9AY=\n";
constexpr const char* kMonkeys8 =
    "monkeys\n8\nV8K9aklZ4EPB+RMOk1/8VsJUdFZR77GDtZUQq84vSbo=\n\n\xe2\x80\x94 monkeys "
    "202ffoUEboiQYpHzICeaFmoy3RNviHTpAxYrq/eO4QQVQMvu9UebKBMX2MJC76NLthZaKsnKbCA8GxrjePZhvDCH7Ag=\n";
const char* kMonkeysProof5To8[] = {"b9e1d62618f7fee8034e4c5010f727ab24d8e4705cb296c374bf2025a87a10d2",
                                   "aac66cd7a79ce4012d80762fe8eec3a77f22d1ca4145c3f4cee022e7efcd599d",
                                   "89d0f753f66a290c483b39cd5e9eafb12021293395fad3d4a2ad053cfbcfdc9e",
                                   "29e40bb79c966f4c6fe96aff6f30acfce5f3e8d84c02215175d6e018a5dee833"};

std::string bytes_of(const auto& a) {
  return std::string(reinterpret_cast<const char*>(a.data()), a.size());
}

TEST(Cosignature, TheReferenceWitnessesCheckpointsAndProofVerify) {
  NoteVerifier v = parse_verifier_key(kMonkeysKey);
  Checkpoint a = open_checkpoint(kMonkeys5, v), b = open_checkpoint(kMonkeys8, v);
  EXPECT_EQ(a.size, 5u);
  EXPECT_EQ(b.size, 8u);
  std::vector<Hash> proof;
  for (const char* h : kMonkeysProof5To8) proof.push_back(*hash_from_hex(h));
  EXPECT_TRUE(verify_consistency(5, 8, a.root, b.root, proof));
  proof[1][0] ^= 1;
  EXPECT_FALSE(verify_consistency(5, 8, a.root, b.root, proof));
  // A note key is not a cosigner key: the type byte differs.
  EXPECT_THROW(parse_verifier_key(kMonkeysKey, kCosignatureV1), LedgerError);
}

TEST(Cosignature, KeyIdMessageAndLineAreThoseOfTheSpec) {
  auto key = crypto::SigningKey::generate();
  const std::string name = "fed.nl.example/nl-node/witness";
  const std::string text = "fed.de.example/de-node/log\n3\n" + crypto::base64_encode(std::string(32, 'x')) + "\n";
  const uint64_t t = 1795000000;
  // Key id: SHA-256(name || "\n" || 0x04 || key)[:4], big-endian.
  const std::string digest = sha256_hex(name + "\n" + std::string(1, '\x04') + bytes_of(key.public_key()));
  const auto id = static_cast<uint32_t>(std::stoul(digest.substr(0, 8), nullptr, 16));
  EXPECT_EQ(note_key_id(name, key.public_key(), kCosignatureV1), id);
  EXPECT_NE(note_key_id(name, key.public_key(), kCosignatureV1), note_key_id(name, key.public_key()));
  EXPECT_EQ(cosignature_message(text, t), "cosignature/v1\ntime 1795000000\n" + text);

  std::string line = cosign(text, name, key, t);
  const std::string dash = "\xe2\x80\x94 ";
  ASSERT_EQ(line.substr(0, dash.size() + name.size() + 1), dash + name + " ");
  ASSERT_EQ(line.back(), '\n');
  auto blob = crypto::base64_decode(
      line.substr(dash.size() + name.size() + 1, line.size() - 1 - dash.size() - name.size() - 1));
  ASSERT_TRUE(blob);
  ASSERT_EQ(blob->size(), 76u);  // key id, 8-byte timestamp, signature
  EXPECT_EQ(hex_encode(blob->substr(0, 4)), digest.substr(0, 8));
  uint64_t ts = 0;
  for (size_t i = 4; i < 12; ++i) ts = (ts << 8) | static_cast<uint8_t>((*blob)[i]);
  EXPECT_EQ(ts, t);
  crypto::Signature sig;
  std::copy(blob->begin() + 12, blob->end(), sig.begin());
  EXPECT_TRUE(crypto::verify(key.public_key(), "cosignature/v1\ntime 1795000000\n" + text, sig));

  // Found on the note by its verifier; the vkey round-trips with type 0x04.
  auto log_key = crypto::SigningKey::generate();
  std::string note = sign_note(text, "fed.de.example/de-node/log", log_key);
  std::string cosigned = add_signature_lines(note, line);
  NoteVerifier w = parse_verifier_key(verifier_key(name, key.public_key(), kCosignatureV1), kCosignatureV1);
  EXPECT_EQ(find_cosignature(split_note(cosigned), w), t);
  EXPECT_EQ(find_cosignature(split_note(note), w), std::nullopt);
  // The log's own signature still verifies beside the cosignature.
  EXPECT_EQ(
      verify_note(cosigned, {"fed.de.example/de-node/log",
                             note_key_id("fed.de.example/de-node/log", log_key.public_key()), log_key.public_key()}),
      text);
  // Over another checkpoint, the same line does not verify.
  std::string other = sign_note("fed.de.example/de-node/log\n4\n" + crypto::base64_encode(std::string(32, 'y')) + "\n",
                                "fed.de.example/de-node/log", log_key);
  EXPECT_THROW(find_cosignature(split_note(add_signature_lines(other, line)), w), LedgerError);
}

struct PolicyFixture : ::testing::Test {
  crypto::SigningKey log = crypto::SigningKey::generate(), de = crypto::SigningKey::generate(),
                     us = crypto::SigningKey::generate(), fr = crypto::SigningKey::generate();
  const std::string origin = "fed.nl.example/nl-node/log";
  std::string text = origin + "\n7\n" + crypto::base64_encode(std::string(32, 'r')) + "\n";
  std::string wkey(const std::string& name, const crypto::SigningKey& k) const {
    return verifier_key(name, k.public_key(), kCosignatureV1);
  }
  std::string policy(const std::string& tail) const {
    return "# peers of NL\nlog " + verifier_key(origin, log.public_key()) + "\n" + "witness de " +
           wkey("de.example/w", de) + " https://fed.de.example/fed/v1/witness\n" + "\twitness us  " +
           wkey("us.example/w", us) + "\n" + "witness fr " + wkey("fr.example/w", fr) + "\n\n" + tail;
  }
};

TEST_F(PolicyFixture, AQuorumOfGroupsIsCountedFromTheCosignaturesThatVerify) {
  Policy p = parse_policy(policy("group peers 2 de us fr\ngroup all-of-it all peers\nquorum all-of-it\n"));
  EXPECT_EQ(p.logs.size(), 1u);
  ASSERT_EQ(p.witnesses.size(), 3u);
  EXPECT_EQ(p.witnesses[0].url, "https://fed.de.example/fed/v1/witness");
  EXPECT_EQ(p.groups[0].threshold, 2u);
  EXPECT_EQ(p.groups[1].threshold, 1u);
  const uint64_t now = 1795000000;
  std::string note = sign_note(text, origin, log);
  QuorumReport r = check_quorum(note, p, now);
  EXPECT_EQ(r.log, origin);
  EXPECT_FALSE(r.satisfied);
  note = add_signature_lines(note, cosign(text, "de.example/w", de, now - 10));
  EXPECT_FALSE(check_quorum(note, p, now).satisfied);
  // A cosignature from the future is not counted; one from a key no one listed is ignored.
  std::string future = add_signature_lines(note, cosign(text, "us.example/w", us, now + 3600));
  r = check_quorum(future, p, now);
  EXPECT_FALSE(r.satisfied);
  ASSERT_EQ(r.refused.size(), 1u);
  EXPECT_NE(r.refused[0].find("future"), std::string::npos);
  auto stranger = crypto::SigningKey::generate();
  note = add_signature_lines(note, cosign(text, "us.example/w", stranger, now));
  EXPECT_FALSE(check_quorum(note, p, now).satisfied);
  note = add_signature_lines(note, cosign(text, "fr.example/w", fr, now));
  r = check_quorum(note, p, now);
  EXPECT_TRUE(r.satisfied);
  EXPECT_EQ(r.cosigned, (std::vector<std::string>{"de", "fr"}));
  // Signed by a log the policy does not list: refused outright.
  auto other_log = crypto::SigningKey::generate();
  EXPECT_THROW(check_quorum(sign_note(text, origin, other_log), p, now), LedgerError);
  // quorum none needs no cosignature.
  EXPECT_TRUE(check_quorum(sign_note(text, origin, log), parse_policy(policy("quorum none\n")), now).satisfied);
}

TEST_F(PolicyFixture, EveryMalformedPolicyIsRefusedNamingItsLine) {
  auto refused = [&](const std::string& tail, const std::string& why) {
    try {
      parse_policy(policy(tail));
      ADD_FAILURE() << "accepted: " << tail;
    } catch (const LedgerError& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  };
  refused("", "no quorum line");
  refused("quorum de\nquorum us\n", "exactly one quorum");
  refused("quorum nobody\n", "not a witness or group defined before");
  refused("group g 2 de\nquorum g\n", "threshold");
  refused("group g 0 de us\nquorum g\n", "threshold");
  refused("group g 02 de us\nquorum g\n", "threshold");
  refused("group g any de de\nquorum g\n", "listed twice");
  refused("group g any later\nwitness later " + wkey("l.example/w", crypto::SigningKey::generate()) + "\nquorum g\n",
          "not a witness or group defined before");
  refused("witness de " + wkey("x.example/w", crypto::SigningKey::generate()) + "\nquorum de\n", "taken");
  refused("witness none " + wkey("x.example/w", crypto::SigningKey::generate()) + "\nquorum none\n", "predefined");
  refused("witness again " + wkey("again.example/w", de) + "\nquorum de\n", "listed already");
  refused("witness w " + verifier_key("w.example", de.public_key()) + "\nquorum w\n", "0x04");
  refused("log " + verifier_key(origin, log.public_key()) + "\nquorum none\n", "listed already");
  refused("logs x\nquorum none\n", "expected log, witness, group or quorum");
  refused("quorum none", "end in a newline");
  refused("quorum none\r\n", "control characters");
  try {
    parse_policy(policy("quorum none\nbogus\n"));
  } catch (const LedgerError& e) {
    EXPECT_NE(std::string(e.what()).find("policy line 8:"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace comity::ledger
