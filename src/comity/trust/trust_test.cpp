#include <gtest/gtest.h>

#include <map>
#include <set>

#include "comity/crypto/age.hpp"
#include "comity/trust/credentials.hpp"
#include "comity/trust/orders.hpp"
#include "comity/trust/production.hpp"

namespace comity::trust {
namespace {

using nlohmann::json;

const Instant T0 = *parse_instant("2026-11-01T00:00:00Z");
const Instant kDay = 86400;
const Instant kYear = 365 * kDay;

std::string recipient() {
  return crypto::age_recipient(crypto::AgeIdentity::generate().public_key());
}

// Two states, each with a central authority anchor; in FR a prosecutor's
// office with an officer and a court with a validator; in DE one officer.
struct World {
  crypto::SigningKey fr_anchor = crypto::SigningKey::generate(), de_anchor = crypto::SigningKey::generate();
  crypto::SigningKey pps = crypto::SigningKey::generate(), court = crypto::SigningKey::generate(),
                     sta = crypto::SigningKey::generate();
  crypto::SigningKey officer = crypto::SigningKey::generate(), judge = crypto::SigningKey::generate(),
                     de_officer = crypto::SigningKey::generate();
  json fr_anchor_doc, de_anchor_doc, pps_cred, court_cred, sta_cred, officer_cred, judge_cred, de_officer_cred;
  TrustStore store;

  static Subject party(const char* id, const char* state, const char* kind, const crypto::SigningKey& k) {
    return {id, state, kind, "", "", std::string(id) + " office", key_text(k.public_key()), recipient()};
  }
  static Subject user(const char* id, const char* party_id, const char* state, const char* kind, const char* role,
                      const crypto::SigningKey& k) {
    return {party_id, state, kind, id, role, id, key_text(k.public_key()), recipient()};
  }

  World() {
    fr_anchor_doc = make_anchor(
        {"FR", "fr-central", "Ministère de la Justice", "", recipient(), T0, T0 + 5 * kYear, "", {}}, fr_anchor);
    de_anchor_doc = make_anchor(
        {"DE", "de-central", "Bundesamt für Justiz", "", recipient(), T0, T0 + 5 * kYear, "", {}}, de_anchor);
    pps_cred =
        issue_credential("c-pps", party("FR-PPS-PARIS", "FR", "issuing_authority", pps), fr_anchor, T0, T0 + kYear);
    court_cred = issue_credential("c-court", party("FR-TJ-PARIS", "FR", "validating_authority", court), fr_anchor, T0,
                                  T0 + kYear);
    sta_cred =
        issue_credential("c-sta", party("DE-STA-BERLIN", "DE", "issuing_authority", sta), de_anchor, T0, T0 + kYear);
    officer_cred =
        issue_credential("c-officer", user("u-dupont", "FR-PPS-PARIS", "FR", "issuing_authority", "officer", officer),
                         pps, T0, T0 + 90 * kDay);
    judge_cred =
        issue_credential("c-judge", user("u-martin", "FR-TJ-PARIS", "FR", "validating_authority", "validator", judge),
                         court, T0, T0 + 90 * kDay);
    de_officer_cred = issue_credential(
        "c-de-officer", user("u-weber", "DE-STA-BERLIN", "DE", "issuing_authority", "officer", de_officer), sta, T0,
        T0 + 90 * kDay);
    store.add_bundle({{"type", "comity.trust-bundle/v1"},
                      {"anchors", {fr_anchor_doc, de_anchor_doc}},
                      {"credentials", {pps_cred, court_cred, sta_cred, officer_cred, judge_cred, de_officer_cred}}},
                     AnchorChange::RequireCrossSignature);
  }
};

json request(bool with_validator) {
  json r = {{"requesting_state", "FR"},
            {"issuing_authority", {{"id", "FR-PPS-PARIS"}, {"state", "FR"}, {"type", "PUBLIC_PROSECUTOR"}}},
            {"urgency", {{"is_emergency", true}}}};
  if (with_validator) r["validating_authority"] = {{"id", "FR-TJ-PARIS"}, {"state", "FR"}, {"type", "JUDGE"}};
  return r;
}

json order(bool with_validator = true) {
  return make_order(request(with_validator), "ord-1", "bm9uY2Utbm9uY2Utbm9uY2UtMTY=", T0 + kDay, T0 + 30 * kDay);
}

TrustError::Code refusal(const json& envelope, const TrustStore& store, Instant at,
                         Completeness c = Completeness::AllSignatures, std::string* path = nullptr) {
  try {
    verify_order(envelope, store, at, c);
  } catch (const TrustError& e) {
    if (path) *path = e.path;
    return e.code;
  }
  ADD_FAILURE() << "accepted: " << envelope.dump();
  return TrustError::Code::Malformed;
}

TEST(SignedOrders, OfficerThenValidatorGivesTheFullChain) {
  World w;
  json e = sign_order(order(), "officer", w.officer);
  auto partial = verify_order(e, w.store, T0 + 2 * kDay, Completeness::ValidatorMayFollow);
  EXPECT_TRUE(partial.awaiting_validator);
  EXPECT_EQ(refusal(e, w.store, T0 + 2 * kDay), TrustError::Code::MissingSignature);

  e = sign_order(e, "validator", w.judge);
  auto full = verify_order(e, w.store, T0 + 2 * kDay, Completeness::AllSignatures);
  EXPECT_FALSE(full.awaiting_validator);
  ASSERT_EQ(full.signatures.size(), 2u);
  const Chain& c = full.signatures[0].chain;
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].level, "user");
  EXPECT_EQ(c[0].user, "u-dupont");
  EXPECT_EQ(c[1].party, "FR-PPS-PARIS");
  EXPECT_EQ(c[2].level, "anchor");
  EXPECT_EQ(c[2].state, "FR");
  EXPECT_EQ(full.signatures[1].chain[1].party, "FR-TJ-PARIS");
}

TEST(SignedOrders, AlteredOrForgedSignaturesAreRefused) {
  World w;
  json e = sign_order(order(false), "officer", w.officer);
  json altered = e;
  altered["order"]["request"]["urgency"]["is_emergency"] = false;
  std::string path;
  EXPECT_EQ(refusal(altered, w.store, T0 + 2 * kDay, Completeness::AllSignatures, &path),
            TrustError::Code::BadSignature);
  EXPECT_EQ(path, "$.signatures[0].signature");

  // A signature by another key under the officer's name.
  json forged = sign_order(order(false), "officer", crypto::SigningKey::generate());
  forged["signatures"][0]["signer"] = key_text(w.officer.public_key());
  EXPECT_EQ(refusal(forged, w.store, T0 + 2 * kDay), TrustError::Code::BadSignature);

  // A key no credential names.
  EXPECT_EQ(refusal(sign_order(order(false), "officer", crypto::SigningKey::generate()), w.store, T0 + 2 * kDay),
            TrustError::Code::UnknownSigner);

  // A credential altered after issue (subject renamed) is refused on import.
  TrustStore other;
  json bad = w.officer_cred;
  bad["subject"]["name"] = "someone else";
  try {
    other.add_bundle(
        {{"type", "comity.trust-bundle/v1"}, {"anchors", {w.fr_anchor_doc}}, {"credentials", {w.pps_cred, bad}}},
        AnchorChange::RequireCrossSignature);
    ADD_FAILURE() << "an altered credential was imported";
  } catch (const TrustError& err) {
    EXPECT_EQ(err.code, TrustError::Code::BadSignature);
    EXPECT_EQ(err.path, "$.credentials[1].signature");
  }
}

TEST(SignedOrders, WrongChainsAreRefused) {
  World w;
  // An officer of another state's authority.
  std::string path;
  EXPECT_EQ(refusal(sign_order(order(false), "officer", w.de_officer), w.store, T0 + 2 * kDay,
                    Completeness::AllSignatures, &path),
            TrustError::Code::WrongChain);
  EXPECT_EQ(path, "$.signatures[0].signer");
  // A validator signing as the officer.
  EXPECT_EQ(refusal(sign_order(order(false), "officer", w.judge), w.store, T0 + 2 * kDay),
            TrustError::Code::WrongChain);
  // The party key itself rather than one of its people.
  EXPECT_EQ(refusal(sign_order(order(false), "officer", w.pps), w.store, T0 + 2 * kDay), TrustError::Code::WrongChain);
  // The anchor signs nothing but credentials.
  EXPECT_EQ(refusal(sign_order(order(false), "officer", w.fr_anchor), w.store, T0 + 2 * kDay),
            TrustError::Code::WrongChain);

  // A French office certified by the German anchor.
  crypto::SigningKey rogue = crypto::SigningKey::generate(), rogue_officer = crypto::SigningKey::generate();
  TrustStore s = w.store;
  s.add_credential(issue_credential("c-rogue", World::party("FR-PPS-PARIS", "FR", "issuing_authority", rogue),
                                    w.de_anchor, T0, T0 + kYear));
  s.add_credential(issue_credential(
      "c-rogue-officer", World::user("u-x", "FR-PPS-PARIS", "FR", "issuing_authority", "officer", rogue_officer), rogue,
      T0, T0 + kYear));
  EXPECT_EQ(refusal(sign_order(order(false), "officer", rogue_officer), s, T0 + 2 * kDay),
            TrustError::Code::WrongChain);

  // An officer certified by another French party (the court), not their own office.
  crypto::SigningKey stray = crypto::SigningKey::generate();
  s.add_credential(issue_credential("c-stray",
                                    World::user("u-y", "FR-PPS-PARIS", "FR", "issuing_authority", "officer", stray),
                                    w.court, T0, T0 + kYear));
  EXPECT_EQ(refusal(sign_order(order(false), "officer", stray), s, T0 + 2 * kDay), TrustError::Code::WrongChain);
}

TEST(SignedOrders, RevokedKeysAreRefusedFromTheirEffectiveInstant) {
  World w;
  json e = sign_order(order(false), "officer", w.officer);
  TrustStore s = w.store;
  s.add_revocations(
      sign_revocations(w.pps, 1, T0 + 3 * kDay, {{key_text(w.officer.public_key()), "compromised", T0 + 3 * kDay}}));
  EXPECT_NO_THROW(verify_order(e, s, T0 + 2 * kDay, Completeness::AllSignatures));
  EXPECT_EQ(refusal(e, s, T0 + 4 * kDay), TrustError::Code::Revoked);

  // The anchor can revoke a whole office; everyone under it falls.
  TrustStore t = w.store;
  t.add_revocations(sign_revocations(w.fr_anchor, 1, T0, {{key_text(w.pps.public_key()), "compromised", T0}}));
  EXPECT_EQ(refusal(e, t, T0 + 2 * kDay), TrustError::Code::Revoked);

  // A list from a stranger, or altered, is refused; a stale sequence never undoes a newer list.
  TrustStore u = w.store;
  EXPECT_THROW(u.add_revocations(sign_revocations(crypto::SigningKey::generate(), 1, T0, {})), TrustError);
  json altered = sign_revocations(w.pps, 1, T0, {{key_text(w.officer.public_key()), "compromised", T0}});
  altered["entries"] = json::array();
  try {
    u.add_revocations(altered);
    ADD_FAILURE();
  } catch (const TrustError& err) {
    EXPECT_EQ(err.code, TrustError::Code::BadSignature);
  }
  const json in_force = sign_revocations(w.pps, 2, T0, {{key_text(w.officer.public_key()), "left_office", T0}});
  u.add_revocations(in_force);
  // A stale list — older, or as old but saying something else — is refused
  // and names the sequence in force; the list in force sent again changes nothing.
  for (int64_t seq : {1, 2}) {
    try {
      u.add_revocations(sign_revocations(w.pps, seq, T0, {}));
      ADD_FAILURE() << "a stale list with sequence " << seq << " was taken";
    } catch (const TrustError& err) {
      EXPECT_EQ(err.code, TrustError::Code::Stale);
      EXPECT_EQ(err.kind, ErrorKind::Conflict);
      EXPECT_NE(std::string(err.what()).find("sequence 2"), std::string::npos) << err.what();
    }
  }
  u.add_revocations(in_force);
  EXPECT_EQ(refusal(e, u, T0 + 2 * kDay), TrustError::Code::Revoked);
}

TEST(SignedOrders, ExpiredCredentialsAndOrdersAreRefused) {
  World w;
  json e = sign_order(order(false), "officer", w.officer);
  std::string path;
  // The officer's credential ends at T0 + 90 days; the order at T0 + 30 days.
  EXPECT_EQ(refusal(e, w.store, T0 + 31 * kDay, Completeness::AllSignatures, &path), TrustError::Code::Expired);
  EXPECT_EQ(path, "$.order.expires_at");
  json long_order = sign_order(make_order(request(false), "ord-2", "bm9uY2Utbm9uY2Utbm9uY2UtMTY=", T0, T0 + 200 * kDay),
                               "officer", w.officer);
  EXPECT_EQ(refusal(long_order, w.store, T0 + 91 * kDay, Completeness::AllSignatures, &path),
            TrustError::Code::Expired);
  EXPECT_EQ(path, "$.signatures[0].signer");
  EXPECT_EQ(refusal(e, w.store, T0), TrustError::Code::NotYetValid);  // dated a day ahead
}

TEST(SignedOrders, MalformedEnvelopesNameTheMember) {
  World w;
  json e = sign_order(order(false), "officer", w.officer);
  auto path_of = [&](json bad) {
    std::string path;
    refusal(bad, w.store, T0 + 2 * kDay, Completeness::AllSignatures, &path);
    return path;
  };
  json a = e;
  a["order"]["nonce"] = "c2hvcnQ=";
  EXPECT_EQ(path_of(a), "$.order.nonce");
  json b = e;
  b["signatures"][0]["signature"] = "not base64!";
  EXPECT_EQ(path_of(b), "$.signatures[0].signature");
  json c = e;
  c["order"]["request"]["issuing_authority"].erase("id");
  EXPECT_EQ(path_of(c), "$.order.request.issuing_authority.id");
  json d = e;
  d["extra"] = 1;
  EXPECT_EQ(path_of(d), "$.extra");
  json f = e;
  f["signatures"].push_back(f["signatures"][0]);
  EXPECT_EQ(path_of(f), "$.signatures[1].role");
}

TEST(TrustAnchors, RotationNeedsTheOldAnchorsSignatureOrTheOperator) {
  World w;
  crypto::SigningKey next = crypto::SigningKey::generate();
  Anchor fields{"FR", "fr-central", "Ministère de la Justice", "", recipient(), T0, T0 + 5 * kYear, "", {}};
  TrustStore s = w.store;
  try {
    s.add_anchor(make_anchor(fields, next), AnchorChange::RequireCrossSignature);
    ADD_FAILURE();
  } catch (const TrustError& e) {
    EXPECT_EQ(e.code, TrustError::Code::AnchorConflict);
  }
  s.add_anchor(make_anchor(fields, next, &w.fr_anchor), AnchorChange::RequireCrossSignature);
  // A cross-signature by the wrong key does not verify.
  crypto::SigningKey other = crypto::SigningKey::generate();
  json forged = make_anchor(fields, other, &next);
  forged["replaces"] = key_text(w.fr_anchor.public_key());
  EXPECT_THROW(parse_anchor(forged), TrustError);
  // The operator may replace an anchor by hand.
  TrustStore t = w.store;
  EXPECT_NO_THROW(t.add_anchor(make_anchor(fields, other), AnchorChange::OperatorOverride));
  // Credentials the new anchor issues verify; so do the old one's until revoked.
  crypto::SigningKey office = crypto::SigningKey::generate(), person = crypto::SigningKey::generate();
  s.add_credential(
      issue_credential("c-new", World::party("FR-PPS-LYON", "FR", "issuing_authority", office), next, T0, T0 + kYear));
  s.add_credential(issue_credential("c-new-officer",
                                    World::user("u-z", "FR-PPS-LYON", "FR", "issuing_authority", "officer", person),
                                    office, T0, T0 + kYear));
  EXPECT_EQ(s.verify_signer(key_text(person.public_key()), T0 + kDay, "$").back().signing_key,
            key_text(next.public_key()));
  EXPECT_EQ(s.verify_signer(key_text(w.officer.public_key()), T0 + kDay, "$").back().signing_key,
            key_text(w.fr_anchor.public_key()));
  s.add_revocations(
      sign_revocations(next, 1, T0, {{key_text(w.fr_anchor.public_key()), "superseded", T0 + 10 * kDay}}));
  EXPECT_NO_THROW(s.verify_signer(key_text(w.officer.public_key()), T0 + kDay, "$"));
  EXPECT_THROW(s.verify_signer(key_text(w.officer.public_key()), T0 + 11 * kDay, "$"), TrustError);
}

TEST(TrustBundles, RoundTripAndAllOrNothing) {
  World w;
  TrustStore copy;
  copy.add_bundle(w.store.bundle(), AnchorChange::RequireCrossSignature);
  EXPECT_EQ(copy.bundle(), w.store.bundle());
  json e = sign_order(order(false), "officer", w.officer);
  EXPECT_NO_THROW(verify_order(e, copy, T0 + 2 * kDay, Completeness::AllSignatures));

  json broken = w.store.bundle();
  broken["credentials"].push_back({{"type", "comity.credential/v1"}});
  TrustStore before = copy;
  try {
    copy.add_bundle(broken, AnchorChange::RequireCrossSignature);
    ADD_FAILURE();
  } catch (const TrustError& err) {
    EXPECT_EQ(err.code, TrustError::Code::Malformed);
    EXPECT_EQ(err.path.rfind("$.credentials[6]", 0), 0u) << err.path;
  }
  EXPECT_EQ(copy.bundle(), before.bundle());
}

TEST(TrustCredentials, RolesMustFitTheirPartyKind) {
  World w;
  json c =
      issue_credential("c-bad", World::user("u-q", "FR-TJ-PARIS", "FR", "validating_authority", "officer", w.judge),
                       w.court, T0, T0 + kYear);
  try {
    parse_credential(c);
    ADD_FAILURE();
  } catch (const TrustError& e) {
    EXPECT_EQ(e.path, "$.subject.role");
  }
}

// A provider in the Netherlands, certified by the Dutch anchor, signs what it produces.
struct ProviderWorld : World {
  crypto::SigningKey nl_anchor = crypto::SigningKey::generate(), mailco = crypto::SigningKey::generate(),
                     clerk = crypto::SigningKey::generate();
  ProviderWorld() {
    store.add_anchor(
        make_anchor({"NL", "nl-central", "Ministerie van Justitie", "", recipient(), T0, T0 + 5 * kYear, "", {}},
                    nl_anchor),
        AnchorChange::RequireCrossSignature);
    store.add_credential(
        issue_credential("c-mailco", World::party("NL-MAILCO", "NL", "provider", mailco), nl_anchor, T0, T0 + kYear));
    store.add_credential(issue_credential(
        "c-clerk", World::user("u-clerk", "NL-MAILCO", "NL", "provider", "provider", clerk), mailco, T0, T0 + kYear));
  }
  static Manifest manifest() {
    Manifest m;
    m.id = "prod-1";
    m.case_id = "case-1";
    m.order_id = "ord-1";
    m.provider = "NL-MAILCO";
    m.recipients = {recipient()};
    m.files = {{"mailbox.mbox", 1000, 1100, std::string(64, 'a'), std::string(64, 'b'), T0 + kDay},
               {"subscriber.csv", 10, 210, std::string(64, 'c'), std::string(64, 'd'), T0 + kDay}};
    return m;
  }
};

TEST(ProductionManifests, SignedByTheProvidersPersonAndVerified) {
  ProviderWorld w;
  json doc = sign_manifest(ProviderWorld::manifest(), w.clerk, T0 + kDay);
  auto v = verify_manifest(doc, w.store, T0 + 2 * kDay);
  EXPECT_EQ(v.manifest.files.size(), 2u);
  EXPECT_EQ(v.chain.back().state, "NL");
  EXPECT_EQ(v.chain.front().role, "provider");

  auto reason = [&](const json& d, std::string* path = nullptr) {
    try {
      verify_manifest(d, w.store, T0 + 2 * kDay);
    } catch (const TrustError& e) {
      if (path) *path = e.path;
      return e.code;
    }
    ADD_FAILURE() << "accepted " << d.dump();
    return TrustError::Code::Malformed;
  };
  json altered = doc;
  altered["files"][0]["plaintext_sha256"] = std::string(64, 'e');
  EXPECT_EQ(reason(altered), TrustError::Code::BadSignature);
  // Signed by an officer, or for another provider: the wrong chain.
  EXPECT_EQ(reason(sign_manifest(ProviderWorld::manifest(), w.officer, T0 + kDay)), TrustError::Code::WrongChain);
  Manifest other = ProviderWorld::manifest();
  other.provider = "US-CLOUDCO";
  EXPECT_EQ(reason(sign_manifest(other, w.clerk, T0 + kDay)), TrustError::Code::WrongChain);
  // A file name that is a path.
  Manifest sneaky = ProviderWorld::manifest();
  sneaky.files[0].name = "../../etc/passwd";
  std::string path;
  EXPECT_EQ(reason(sign_manifest(sneaky, w.clerk, T0 + kDay), &path), TrustError::Code::Malformed);
  EXPECT_EQ(path, "$.files[0].name");
  // Revoked.
  TrustStore s = w.store;
  s.add_revocations(sign_revocations(w.mailco, 1, T0, {{key_text(w.clerk.public_key()), "left_office", T0}}));
  EXPECT_THROW(verify_manifest(doc, s, T0 + 2 * kDay), TrustError);
}

TEST(ProductionManifests, CaseUcoExportCarriesEveryFileAndHash) {
  ProviderWorld w;
  auto v = verify_manifest(sign_manifest(ProviderWorld::manifest(), w.clerk, T0 + kDay), w.store, T0 + 2 * kDay);
  json ld = case_uco(v);
  ASSERT_TRUE(ld.contains("@context"));
  std::map<std::string, int> types;
  std::set<std::string> hashes, names;
  for (const auto& node : ld["@graph"]) {
    ++types[node["@type"].get<std::string>()];
    for (const auto& facet : node.value("uco-core:hasFacet", json::array())) {
      if (facet.contains("uco-observable:fileName")) names.insert(facet["uco-observable:fileName"]);
      for (const auto& h : facet.value("uco-observable:hash", json::array()))
        hashes.insert(h["uco-types:hashValue"]["@value"].get<std::string>());
    }
  }
  EXPECT_EQ(types["uco-observable:File"], 2);
  EXPECT_EQ(types["uco-observable:ContentData"], 2);
  EXPECT_EQ(types["case-investigation:InvestigativeAction"], 1);
  EXPECT_EQ(types["case-investigation:ProvenanceRecord"], 1);
  EXPECT_EQ(names, (std::set<std::string>{"mailbox.mbox", "subscriber.csv"}));
  EXPECT_EQ(hashes, (std::set<std::string>{std::string(64, 'a'), std::string(64, 'b'), std::string(64, 'c'),
                                           std::string(64, 'd')}));
}

}  // namespace
}  // namespace comity::trust
