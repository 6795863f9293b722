// Node credentials, peer lists, envelopes and receipts (fed/peers.hpp,
// fed/messages.hpp): each accepted when right, and each refused, with the
// member at fault, when forged, widened, stale or altered.
#include <gtest/gtest.h>

#include "comity/crypto/age.hpp"
#include "comity/fed/messages.hpp"
#include "comity/fed/peers.hpp"
#include "comity/ledger/checkpoint.hpp"
#include "comity/ledger/merkle.hpp"
#include "comity/util/jcs.hpp"
#include "comity/util/sha256.hpp"

namespace comity::fed {
namespace {

using nlohmann::json;
using trust::TrustError;

const Instant T0 = *parse_instant("2026-11-01T00:00:00Z");
const Instant kDay = 86400;

std::string recipient() {
  return crypto::age_recipient(crypto::AgeIdentity::generate().public_key());
}

struct NodeKeys {
  crypto::SigningKey node = crypto::SigningKey::generate(), log = crypto::SigningKey::generate(),
                     witness = crypto::SigningKey::generate();
};

trust::Subject node_subject(const char* id, const char* state, const NodeKeys& k,
                            std::vector<trust::HostedParty> hosts) {
  trust::Subject s;
  s.party = id;
  s.state = state;
  s.kind = "node";
  s.name = std::string(id) + " node";
  s.signing_key = trust::key_text(k.node.public_key());
  s.log_key = trust::key_text(k.log.public_key());
  s.witness_key = trust::key_text(k.witness.public_key());
  s.hosts = std::move(hosts);
  return s;
}

// DE and NL, each with an anchor and a node; NL's node hosts a provider and
// the enforcing authority.
struct Federation {
  crypto::SigningKey de_anchor = crypto::SigningKey::generate(), nl_anchor = crypto::SigningKey::generate();
  NodeKeys de, nl, rogue;
  json de_anchor_doc, nl_anchor_doc, de_cred, nl_cred;
  trust::TrustStore trust;

  Federation() {
    de_anchor_doc =
        trust::make_anchor({"DE", "de-central", "BfJ", "", recipient(), T0, T0 + 900 * kDay, "", {}}, de_anchor);
    nl_anchor_doc =
        trust::make_anchor({"NL", "nl-central", "JenV", "", recipient(), T0, T0 + 900 * kDay, "", {}}, nl_anchor);
    de_cred = trust::issue_credential("cred-de-node",
                                      node_subject("de-node", "DE", de, {{"DE-STA-BERLIN", "issuing_authority"}}),
                                      de_anchor, T0, T0 + 365 * kDay);
    nl_cred = trust::issue_credential(
        "cred-nl-node", node_subject("nl-node", "NL", nl, {{"NL-MAILCO", "provider"}, {"NL-OM", "central_authority"}}),
        nl_anchor, T0, T0 + 365 * kDay);
    trust.add_bundle({{"type", "comity.trust-bundle/v1"},
                      {"anchors", {de_anchor_doc, nl_anchor_doc}},
                      {"credentials", {de_cred, nl_cred}}},
                     trust::AnchorChange::RequireCrossSignature);
  }

  PeerList de_list(int64_t version, std::vector<std::string> narrowed = {}) const {
    PeerList l;
    l.node = "de-node";
    l.version = version;
    l.issued_at = T0 + kDay;
    l.peers.push_back(peer_from_credential(trust::parse_credential(nl_cred), "http://127.0.0.1:8443", "nl.example/log",
                                           "nl.example/witness", narrowed));
    return l;
  }
};

template <class F>
std::string refusal_path(F&& f) {
  try {
    f();
  } catch (const TrustError& e) {
    return std::string(trust::error_code(e.code)) + " " + e.path;
  }
  return "accepted";
}

TEST(NodeCredential, CarriesItsThreeKeysAndTheHostedParties) {
  Federation f;
  trust::Credential c = trust::parse_credential(f.nl_cred);
  EXPECT_EQ(c.subject.kind, "node");
  ASSERT_EQ(c.subject.hosts.size(), 2u);
  EXPECT_EQ(c.subject.hosts[1].party, "NL-OM");
  EXPECT_EQ(c.subject.log_key, trust::key_text(f.nl.log.public_key()));
  EXPECT_TRUE(c.subject.encryption_key.empty());
  // It chains to NL's anchor like a party's credential.
  trust::Chain chain = f.trust.verify_signer(c.subject.signing_key, T0 + kDay, "$");
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[1].state, "NL");
}

TEST(NodeCredential, IsRefusedWithSharedKeysNoHostsOrAnEncryptionKey) {
  Federation f;
  json same = f.nl_cred;
  same["subject"]["log_key"] = same["subject"]["signing_key"];
  EXPECT_EQ(refusal_path([&] { trust::parse_credential(same); }), "malformed $.subject.witness_key");
  json none = f.nl_cred;
  none["subject"]["hosts"] = json::array();
  EXPECT_EQ(refusal_path([&] { trust::parse_credential(none); }), "malformed $.subject.hosts");
  json hosted_node = f.nl_cred;
  hosted_node["subject"]["hosts"][0]["kind"] = "node";
  EXPECT_EQ(refusal_path([&] { trust::parse_credential(hosted_node); }), "malformed $.subject.hosts[0].kind");
  json with_recipient = f.nl_cred;
  with_recipient["subject"]["encryption_key"] = recipient();
  EXPECT_EQ(refusal_path([&] { trust::parse_credential(with_recipient); }), "malformed $.subject.encryption_key");
  json party = f.nl_cred;
  party["subject"]["kind"] = "provider";
  EXPECT_EQ(refusal_path([&] { trust::parse_credential(party); }), "malformed $.subject.log_key");
}

TEST(PeerList, SignedAndCheckedAgainstThePeersAnchor) {
  Federation f;
  json doc = sign_peer_list(f.de_list(1), f.de.node);
  PeerList l = parse_peer_list(doc);
  EXPECT_EQ(l.version, 1);
  ASSERT_EQ(l.peers.size(), 1u);
  EXPECT_EQ(l.peers[0].speaks_for.size(), 2u);
  EXPECT_NO_THROW(check_peers(l, f.trust, T0 + kDay));
  EXPECT_EQ(find_peer_by_key(l, trust::key_text(f.nl.node.public_key())), &l.peers[0]);
  EXPECT_EQ(find_peer_by_key(l, trust::key_text(f.rogue.node.public_key())), nullptr);
  EXPECT_TRUE(speaks_for(l.peers[0], "NL-MAILCO"));
  EXPECT_FALSE(speaks_for(l.peers[0], "DE-STA-BERLIN"));
}

TEST(PeerList, NarrowsButNeverWidensWhatTheAnchorGranted) {
  Federation f;
  PeerList narrow = parse_peer_list(sign_peer_list(f.de_list(1, {"NL-MAILCO"}), f.de.node));
  ASSERT_EQ(narrow.peers[0].speaks_for.size(), 1u);
  EXPECT_NO_THROW(check_peers(narrow, f.trust, T0 + kDay));

  PeerList wide = f.de_list(1);
  wide.peers[0].speaks_for.push_back({"NL-POLICE", "issuing_authority"});
  PeerList parsed = parse_peer_list(sign_peer_list(wide, f.de.node));
  EXPECT_EQ(refusal_path([&] { check_peers(parsed, f.trust, T0 + kDay); }), "wrong_chain $.peers[0].speaks_for[2]");
  EXPECT_EQ(refusal_path([&] { f.de_list(1, {"NL-POLICE"}); }), "wrong_chain $.subject.hosts");
}

TEST(PeerList, RefusesAKeyNoAnchorCertifiedOrAnotherStatesAnchor) {
  Federation f;
  PeerList forged = f.de_list(1);
  forged.peers[0].signing_key = trust::key_text(f.rogue.node.public_key());
  PeerList parsed = parse_peer_list(sign_peer_list(forged, f.de.node));
  EXPECT_EQ(refusal_path([&] { check_peers(parsed, f.trust, T0 + kDay); }), "unknown_signer $.peers[0].credential");

  // A node credential for an NL node issued by DE's anchor: the chain must
  // end at the anchor of the peer's own State.
  trust::TrustStore t = f.trust;
  json cross =
      trust::issue_credential("cred-cross", node_subject("nl-node", "NL", f.rogue, {{"NL-MAILCO", "provider"}}),
                              f.de_anchor, T0, T0 + 365 * kDay);
  t.add_credential(cross);
  PeerList l;
  l.node = "de-node";
  l.version = 1;
  l.issued_at = T0;
  l.peers.push_back(peer_from_credential(trust::parse_credential(cross), "http://127.0.0.1:1", "nl/log", "nl/w"));
  PeerList p2 = parse_peer_list(sign_peer_list(l, f.de.node));
  EXPECT_EQ(refusal_path([&] { check_peers(p2, t, T0 + kDay); }), "wrong_chain $.peers[0].signing_key");

  // Past its credential's end.
  PeerList ok = parse_peer_list(sign_peer_list(f.de_list(1), f.de.node));
  EXPECT_EQ(refusal_path([&] { check_peers(ok, f.trust, T0 + 400 * kDay); }), "expired $.peers[0].signing_key");
}

// A node speaks for parties of its own State, and each party has one node:
// NL's anchor cannot make NL's node speak for a German authority, and a
// second node for NL's provider is refused (which answered first would
// otherwise be taken for it).
TEST(PeerList, EachPartyHasOneNodeOfItsOwnState) {
  Federation f;
  trust::TrustStore t = f.trust;
  crypto::SigningKey sta = crypto::SigningKey::generate();
  trust::Subject party;
  party.party = "DE-STA-BERLIN";
  party.state = "DE";
  party.kind = "issuing_authority";
  party.name = "Staatsanwaltschaft Berlin";
  party.signing_key = trust::key_text(sta.public_key());
  party.encryption_key = recipient();
  t.add_credential(trust::issue_credential("cred-de-sta", party, f.de_anchor, T0, T0 + 365 * kDay));
  NodeKeys k2;
  json grab = trust::issue_credential(
      "cred-nl-node-2",
      node_subject("nl-node-2", "NL", k2, {{"DE-STA-BERLIN", "issuing_authority"}, {"NL-MAILCO", "provider"}}),
      f.nl_anchor, T0, T0 + 365 * kDay);
  t.add_credential(grab);
  PeerList l;
  l.node = "us-node";
  l.version = 1;
  l.issued_at = T0;
  l.peers.push_back(peer_from_credential(trust::parse_credential(grab), "https://nl2.example", "nl2/log", "nl2/w",
                                         {"DE-STA-BERLIN"}));
  EXPECT_EQ(refusal_path([&] { check_peers(parse_peer_list(sign_peer_list(l, f.de.node)), t, T0 + kDay); }),
            "wrong_chain $.peers[0].speaks_for[0]");
  l.peers.clear();
  l.peers.push_back(peer_from_credential(trust::parse_credential(f.nl_cred), "https://nl.example", "nl/log", "nl/w"));
  l.peers.push_back(
      peer_from_credential(trust::parse_credential(grab), "https://nl2.example", "nl2/log", "nl2/w", {"NL-MAILCO"}));
  EXPECT_EQ(refusal_path([&] { check_peers(parse_peer_list(sign_peer_list(l, f.de.node)), t, T0 + kDay); }),
            "wrong_chain $.peers[1].speaks_for[0]");
  l.peers.pop_back();
  EXPECT_EQ(refusal_path([&] { check_peers(parse_peer_list(sign_peer_list(l, f.de.node)), t, T0 + kDay); }),
            "accepted");
}

TEST(PeerList, AlteredOrStaleListsAreRefused) {
  Federation f;
  json doc = sign_peer_list(f.de_list(2), f.de.node);
  json altered = doc;
  altered["peers"][0]["endpoint"] = "https://evil.example";
  EXPECT_EQ(refusal_path([&] { parse_peer_list(altered); }), "bad_signature $.signature");
  json slash = doc;
  slash["peers"][0]["endpoint"] = "http://x/";
  EXPECT_EQ(refusal_path([&] { parse_peer_list(slash); }), "malformed $.peers[0].endpoint");
  // Plain HTTP only on loopback.
  for (const char* e :
       {"http://nl.example", "http://127.0.0.2:80", "http://localhost.example", "http://[::2]:1", "http://[::1"}) {
    PeerList l = f.de_list(2);
    l.peers[0].endpoint = e;
    EXPECT_EQ(refusal_path([&] { parse_peer_list(sign_peer_list(l, f.de.node)); }), "malformed $.peers[0].endpoint")
        << e;
  }
  for (const char* e : {"http://127.0.0.1", "http://127.0.0.1:8443", "http://localhost:1", "http://[::1]:8443",
                        "https://nl.example:8443"}) {
    PeerList l = f.de_list(2);
    l.peers[0].endpoint = e;
    EXPECT_EQ(refusal_path([&] { parse_peer_list(sign_peer_list(l, f.de.node)); }), "accepted") << e;
  }

  PeerList v2 = parse_peer_list(doc);
  PeerList v1 = parse_peer_list(sign_peer_list(f.de_list(1), f.de.node));
  PeerList v3 = parse_peer_list(sign_peer_list(f.de_list(3), f.de.node));
  EXPECT_EQ(refusal_path([&] { check_successor(&v2, v1); }), "stale $.version");
  EXPECT_EQ(refusal_path([&] { check_successor(&v2, v2); }), "stale $.version");
  EXPECT_NO_THROW(check_successor(&v2, v3));
  PeerList other = parse_peer_list(sign_peer_list(f.de_list(4), f.rogue.node));
  EXPECT_EQ(refusal_path([&] { check_successor(&v2, other); }), "wrong_chain $.signer");
}

Envelope sample_envelope() {
  Envelope e;
  e.id = new_message_id("msg-");
  e.from = "de-node";
  e.to = "nl-node";
  e.from_party = "DE-STA-BERLIN";
  e.to_party = "NL-MAILCO";
  e.case_ref = new_message_id("fc-");
  e.seq = 1;
  e.kind = "order.transmit";
  e.created_at = T0;
  e.expires_at = T0 + kEnvelopeLifetimeSeconds;
  e.actor_credential = "cred-officer";
  e.actor_role = "officer";
  e.body = {{"certificate", {{"a", 1}}}};
  return e;
}

TEST(Envelope, RoundTripsAndItsDigestCoversTheSignature) {
  Federation f;
  json doc = sign_envelope(sample_envelope(), f.de.node);
  Envelope e = parse_envelope(doc);
  EXPECT_EQ(e.kind, "order.transmit");
  EXPECT_EQ(e.seq, 1);
  EXPECT_EQ(e.signer, trust::key_text(f.de.node.public_key()));
  EXPECT_EQ(envelope_digest(doc), sha256_hex(canonical_json(doc)));
  json resigned = sign_envelope(sample_envelope(), f.de.node);
  EXPECT_NE(envelope_digest(resigned), envelope_digest(doc));  // fresh ids
}

TEST(Envelope, RefusesAlteredUnknownOrIllFormedMessages) {
  Federation f;
  json doc = sign_envelope(sample_envelope(), f.de.node);
  json altered = doc;
  altered["body"]["certificate"]["a"] = 2;
  EXPECT_EQ(refusal_path([&] { parse_envelope(altered); }), "bad_signature $.signature");
  json extra = doc;
  extra["priority"] = "high";
  EXPECT_EQ(refusal_path([&] { parse_envelope(extra); }), "malformed $.priority");
  Envelope e = sample_envelope();
  e.kind = "order.execute";
  EXPECT_EQ(refusal_path([&] { parse_envelope(sign_envelope(e, f.de.node)); }), "malformed $.kind");
  e = sample_envelope();
  e.seq = 0;
  EXPECT_EQ(refusal_path([&] { parse_envelope(sign_envelope(e, f.de.node)); }), "malformed $.seq");
  e = sample_envelope();
  e.to = e.from;
  EXPECT_EQ(refusal_path([&] { parse_envelope(sign_envelope(e, f.de.node)); }), "malformed $.to");
  e = sample_envelope();
  e.expires_at = e.created_at;
  EXPECT_EQ(refusal_path([&] { parse_envelope(sign_envelope(e, f.de.node)); }), "malformed $.expires_at");
  e = sample_envelope();
  e.kind = "peer.hello";
  EXPECT_EQ(refusal_path([&] { parse_envelope(sign_envelope(e, f.de.node)); }), "malformed $.case_ref");
  e.case_ref = "";
  EXPECT_EQ(refusal_path([&] { parse_envelope(sign_envelope(e, f.de.node)); }), "accepted");
  e.seq = 0;
  EXPECT_EQ(refusal_path([&] { parse_envelope(sign_envelope(e, f.de.node)); }), "malformed $.seq");
}

// A receiver's log holding some leaves and then the receipt's.
struct ReceiverLog {
  ledger::MerkleTree tree;
  std::vector<std::string> leaves;
  void add(const std::string& leaf) {
    leaves.push_back(leaf);
    tree.append(ledger::leaf_hash(leaf));
  }
};

Receipt delivered_receipt(const json& envelope) {
  Envelope e = parse_envelope(envelope);
  Receipt r;
  r.id = new_message_id("rcpt-");
  r.message = e.id;
  r.message_sha256 = envelope_digest(envelope);
  r.from = e.to;
  r.to = e.from;
  r.case_ref = e.case_ref;
  r.seq = e.seq;
  r.status = ReceiptStatus::Delivered;
  r.received_at = T0 + 5;
  r.delivered_at = T0 + 5;
  r.salt = new_message_id("").substr(0, 32);
  return r;
}

TEST(Receipt, VerifiesOfflineWithItsProofAndCheckpoint) {
  Federation f;
  json env = sign_envelope(sample_envelope(), f.de.node);
  json doc = sign_receipt(delivered_receipt(env), f.nl.node);
  Receipt r = parse_receipt(doc);
  EXPECT_EQ(r.status, ReceiptStatus::Delivered);
  EXPECT_FALSE(r.proof);

  ReceiverLog log;
  for (int i = 0; i < 5; ++i) log.add("{\"other\":" + std::to_string(i) + "}");
  log.add(receipt_leaf(r, "NL", "DE"));
  log.add("{\"later\":1}");
  const uint64_t index = 5;
  ledger::Checkpoint cp{"nl.example/log", log.tree.size(), log.tree.root()};
  std::string note = ledger::sign_checkpoint(cp, f.nl.log);
  json proven = with_proof(doc, {index, log.tree.inclusion_proof(index, log.tree.size()), note});
  ledger::NoteVerifier v = ledger::parse_verifier_key(ledger::verifier_key("nl.example/log", f.nl.log.public_key()));
  const std::string nl_key = trust::key_text(f.nl.node.public_key());
  EXPECT_NO_THROW(verify_receipt(proven, nl_key, v, "NL", "DE"));

  // The proof is outside the signature, but cannot be moved to another leaf,
  // nor the receipt to other States, nor verified under another key.
  json moved = with_proof(doc, {4, log.tree.inclusion_proof(4, log.tree.size()), note});
  EXPECT_THROW(verify_receipt(moved, nl_key, v, "NL", "DE"), ledger::LedgerError);
  EXPECT_THROW(verify_receipt(proven, nl_key, v, "NL", "FR"), ledger::LedgerError);
  EXPECT_EQ(refusal_path([&] { verify_receipt(proven, trust::key_text(f.de.node.public_key()), v, "NL", "DE"); }),
            "unknown_signer $.signer");
  EXPECT_EQ(refusal_path([&] { verify_receipt(doc, nl_key, v, "NL", "DE"); }), "malformed $.proof");
  ledger::NoteVerifier other =
      ledger::parse_verifier_key(ledger::verifier_key("nl.example/log", f.rogue.log.public_key()));
  EXPECT_THROW(verify_receipt(proven, nl_key, other, "NL", "DE"), ledger::LedgerError);
  json altered = proven;
  altered["delivered_at"] = format_instant(T0 + 3600);
  EXPECT_EQ(refusal_path([&] { verify_receipt(altered, nl_key, v, "NL", "DE"); }), "bad_signature $.signature");
}

TEST(Receipt, RefusalsCarryACodeAndItsRemReason) {
  Federation f;
  json env = sign_envelope(sample_envelope(), f.de.node);
  Receipt r = delivered_receipt(env);
  r.status = ReceiptStatus::Refused;
  r.reason = "wrong_peer";
  r.detail = "not addressed to this node";
  json doc = sign_receipt(r, f.nl.node);
  EXPECT_EQ(doc["rem_reason"], "UnknownRecipient");
  EXPECT_EQ(doc["rem_event"], "RelayRejection");
  EXPECT_FALSE(doc.contains("delivered_at"));
  EXPECT_EQ(parse_receipt(doc).reason, "wrong_peer");
  r.reason = "because";
  EXPECT_EQ(refusal_path([&] { parse_receipt(sign_receipt(r, f.nl.node)); }), "malformed $.reason");
  json lying = doc;
  lying["rem_event"] = "ContentHandover";
  EXPECT_EQ(refusal_path([&] { parse_receipt(lying); }), "malformed $.rem_event");
}

}  // namespace
}  // namespace comity::fed
