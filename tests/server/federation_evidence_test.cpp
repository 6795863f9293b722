// The federation's later acts across real processes (docs/federation.md
// §3): a request between central authorities (an EIO, DE to NL) with its
// supplement, and evidence from the answering party's node to the issuing
// node — sealed before it leaves the answering party, carried in the case's
// stream in chunks under signed receipts, checked at home against its
// signed manifest and downloaded there byte for byte.
#include <fstream>

#include "comity/crypto/ed25519.hpp"
#include "server/federation_harness.hpp"

namespace comity::server_test {
namespace {

struct FederationEvidence : FederationBase {
  std::string clerk_keys, officer_age;

  // NL's ministry credentials its provider Mailco and Mailco its clerk (the
  // person who signs productions); DE imports them, as it would NL's bundle.
  // DE's officer has an encryption key the evidence is sealed to.
  void SetUp() override {
    FederationBase::SetUp();
    if (HasFatalFailure()) return;
    for (const char* who : {"mailco", "clerk", "de-officer"}) cli_ok({"keys", "gen", "--out", path(who)});
    cli_ok({"trust", "issue", "--issuer", path("nl-anchor"), "--subject", path("mailco") + "/public.json", "--party",
            "NL-MAILCO", "--state", "NL", "--kind", "provider", "--name", "Mailco B.V.", "--out", path("mailco.json")});
    cli_ok({"trust",   "issue",           "--issuer", path("mailco"), "--subject", path("clerk") + "/public.json",
            "--party", "NL-MAILCO",       "--state",  "NL",           "--kind",    "provider",
            "--user",  "provider-nl",     "--role",   "provider",     "--name",    "Clerk",
            "--out",   path("clerk.json")});
    cli_ok({"trust", "export", path("mailco.json"), path("clerk.json"), "--out", path("mailco-bundle.json")});
    cli_ok({"trust", "import", path("mailco-bundle.json"), "--db", de.db});
    clerk_keys = path("clerk");
    officer_age = json::parse(test::read_text(path("de-officer") + "/public.json"))["encryption_key"];
    de_server = start(de);
    nl_server = start(nl);
  }

  // Seals `bytes` as Mailco's clerk for the case NL knows as `case_ref`;
  // returns the manifest and writes the ciphertext to `out`.
  json seal(const std::string& name, const std::string& bytes, const std::string& case_ref, const std::string& out) {
    std::ofstream(path(name), std::ios::binary) << bytes;
    cli_ok({"evidence", "seal", "--to", officer_age, "--manifest", path(name + ".manifest.json"), "--keys", clerk_keys,
            "--case", case_ref, "--provider", "NL-MAILCO", path(name), out});
    return json::parse(test::read_text(path(name + ".manifest.json")));
  }

  // The first inbox message of `kind` for `user` on NL.
  json inbox_message(const std::string& user, const std::string& kind) {
    auto nl_http = client(nl);
    json found;
    EXPECT_TRUE(eventually([&] {
      auto got = nl_http.Get("/api/v1/federation/inbox", bearer(user));
      if (!got || got->status != 200) return false;
      const json listed = json::parse(got->body);
      for (const json& m : listed["messages"])
        if (m["kind"] == kind) found = m;
      return found.is_object();
    })) << user
        << " never received a " << kind
        << "; DE's outbox: " << client(de).Get("/api/v1/federation/outbox?case_ref=", bearer("admin"))->body;
    return found;
  }

  httplib::Result answer(const std::string& user, const std::string& message, const json& body) {
    return client(nl).Post("/api/v1/federation/inbox/" + message + "/answer", bearer(user), body.dump(),
                           "application/json");
  }

  // `user` offers NL the production `manifest` for inbox message `message`.
  httplib::Result offer(const std::string& user, const std::string& message, const json& manifest) {
    return client(nl).Post("/api/v1/federation/inbox/" + message + "/productions", bearer(user), manifest.dump(),
                           "application/json");
  }

  httplib::Result chunk(const std::string& user, const std::string& message, const std::string& manifest,
                        uint64_t offset, const std::string& bytes) {
    return client(nl).Post("/api/v1/federation/inbox/" + message + "/productions/" + manifest +
                               "/files/0?offset=" + std::to_string(offset),
                           bearer(user), bytes, "application/octet-stream");
  }

  json case_on_de(const std::string& at) {
    auto r = client(de).Get(at, bearer("officer-de"));
    return r && r->status == 200 ? json::parse(r->body) : json{{"error", r ? r->body : "no answer"}};
  }

  bool reaches(const std::string& at, const std::string& state) {
    return eventually([&] { return case_on_de(at)["state"] == state; });
  }

  // DE's officer opens s01 on `pathway` and takes `events`; returns the path.
  std::string opened(const std::string& pathway, std::initializer_list<std::pair<const char*, const char*>> events) {
    json request = json::parse(test::read_text(test::source_dir() + "/examples/s01-eu-subscriber-prosecutor.json"));
    auto de_http = client(de);
    auto created = de_http.Post("/api/v1/cases", bearer("officer-de"),
                                json{{"request", request}, {"pathway", pathway}}.dump(), "application/json");
    EXPECT_TRUE(created && created->status == 201) << (created ? created->body : "no answer");
    if (!created || created->status != 201) return "";
    const std::string at = "/api/v1/cases/" + json::parse(created->body)["id"].get<std::string>();
    for (const auto& [event, user] : events) {
      auto r = de_http.Post(at + "/events", bearer(user), json{{"event", event}}.dump(), "application/json");
      EXPECT_TRUE(r && r->status == 200) << event << " " << (r ? r->body : "no answer");
    }
    return at;
  }
};

std::string random_text(size_t n) {
  return crypto::random_bytes(n);
}

TEST_F(FederationEvidence, TheProvidersEvidenceReachesTheIssuingNodeSealedAndWhole) {
  const std::string home =
      opened("P_EU_EPOC", {{"submit", "officer-de"}, {"mark_ready", "officer-de"}, {"transmit", "officer-de"}});
  ASSERT_FALSE(HasFailure());
  const json order = inbox_message("provider-nl", "order.transmit");
  const std::string message = order["id"], case_ref = order["case_ref"];
  ASSERT_EQ(answer("provider-nl", message, {{"event", "acknowledge"}})->status, 202);
  ASSERT_TRUE(reaches(home, "acknowledged"));

  // 1.3 MiB of evidence: two offers (1 MiB and the rest), three messages.
  const std::string plaintext = random_text(1363149);
  const json manifest = seal("mailbox.bin", plaintext, case_ref, path("mailbox.age"));
  const std::string ciphertext = test::read_text(path("mailbox.age"));
  const std::string manifest_id = manifest["id"];
  auto nl_http = client(nl);
  // A manifest that names the home case otherwise is refused on NL.
  json wrong = seal("other.bin", "x", "fc-00000000000000000000000000000000", path("other.age"));
  auto refused = offer("provider-nl", message, wrong);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 422) << refused->body;
  EXPECT_NE(refused->body.find("$.case"), std::string::npos) << refused->body;
  // Only the order's addressee produces for it.
  auto stranger = offer("ca-nl", message, manifest);
  ASSERT_TRUE(stranger);
  EXPECT_EQ(stranger->status, 404) << stranger->body;

  auto offered = offer("provider-nl", message, manifest);
  ASSERT_TRUE(offered);
  ASSERT_EQ(offered->status, 201) << offered->body;
  EXPECT_EQ(json::parse(offered->body)["files"][0]["ciphertext_bytes"], ciphertext.size());
  auto again = offer("provider-nl", message, manifest);
  EXPECT_EQ(again->status, 409);

  const size_t first = 1 << 20;
  auto sent = chunk("provider-nl", message, manifest_id, 0, ciphertext.substr(0, first));
  ASSERT_TRUE(sent);
  ASSERT_EQ(sent->status, 202) << sent->body;
  EXPECT_EQ(json::parse(sent->body)["queued_bytes"], first);
  EXPECT_EQ(json::parse(sent->body)["complete"], false);
  // The same chunk again, or one past the end of what was queued: the
  // answer names where the file goes on.
  auto stale = chunk("provider-nl", message, manifest_id, 0, ciphertext.substr(0, first));
  EXPECT_EQ(stale->status, 409);
  EXPECT_NE(stale->body.find(std::to_string(first)), std::string::npos) << stale->body;
  // A last chunk that is not the sealed file cannot be queued.
  std::string altered = ciphertext.substr(first);
  altered[altered.size() / 2] ^= 1;
  auto bad = chunk("provider-nl", message, manifest_id, first, altered);
  EXPECT_EQ(bad->status, 422) << bad->body;
  auto last = chunk("provider-nl", message, manifest_id, first, ciphertext.substr(first));
  ASSERT_EQ(last->status, 202) << last->body;
  EXPECT_EQ(json::parse(last->body)["complete"], true);
  ASSERT_EQ(answer("provider-nl", message, {{"event", "produce"}})->status, 202);
  ASSERT_TRUE(reaches(home, "produced")) << case_on_de(home).dump();

  // DE holds the production, complete, and its officer downloads exactly
  // the ciphertext the clerk sealed; nothing on the way could open it.
  const json c = case_on_de(home);
  ASSERT_TRUE(c["productions"].is_array() && c["productions"].size() == 1) << c.dump();
  auto de_http = client(de);
  const std::string production = c["productions"][0]["id"];
  auto described = de_http.Get("/api/v1/productions/" + production, bearer("officer-de"));
  ASSERT_EQ(described->status, 200);
  EXPECT_EQ(json::parse(described->body)["files"][0]["complete"], true) << described->body;
  EXPECT_EQ(json::parse(described->body)["manifest"]["id"], manifest_id);
  auto file = de_http.Get("/api/v1/productions/" + production + "/files/0", bearer("officer-de"));
  ASSERT_EQ(file->status, 200);
  EXPECT_TRUE(file->body == ciphertext) << "the downloaded file differs from the sealed one";
  EXPECT_EQ(file->body.find(plaintext.substr(0, 64)), std::string::npos);
  std::ofstream(path("downloaded.age"), std::ios::binary) << file->body;
  cli_ok({"evidence", "open", "--identity", path("de-officer") + "/encryption.age", path("downloaded.age"),
          path("opened.bin")});
  EXPECT_TRUE(test::read_text(path("opened.bin")) == plaintext);

  // Each message of the stream has NL's delivered receipt.
  auto out = de_http.Get("/api/v1/federation/outbox?case_ref=" + case_ref, bearer("admin"));
  ASSERT_EQ(out->status, 200);
  auto nl_out = nl_http.Get("/api/v1/federation/outbox?case_ref=" + case_ref, bearer("admin"));
  ASSERT_EQ(nl_out->status, 200);
  int chunks = 0;
  const json nl_sent = json::parse(nl_out->body);
  for (const json& m : nl_sent["messages"]) {
    EXPECT_EQ(m["state"], "delivered") << m.dump();
    chunks += m["kind"] == "production.chunk";
  }
  EXPECT_EQ(chunks, 3);  // 512 KiB, 512 KiB, and the rest
}

TEST_F(FederationEvidence, AnMlaRequestGoesCentralAuthorityToCentralAuthorityWithItsSupplementAndEvidence) {
  const std::string home =
      opened("P_EIO", {{"submit", "officer-de"}, {"send_to_central_authority", "officer-de"}, {"transmit", "ca-de"}});
  ASSERT_FALSE(HasFailure());
  const json request = inbox_message("ca-nl", "mla.transmit");
  const std::string message = request["id"], case_ref = request["case_ref"];
  EXPECT_EQ(request["from_party"], "de-ca");
  EXPECT_EQ(request["body"]["request"]["pathway"], "P_EIO") << request.dump();
  EXPECT_TRUE(request["body"]["request"]["request"].is_object()) << request.dump();
  const std::string case_id = home.substr(home.rfind('/') + 1);
  EXPECT_EQ(request.dump().find(case_id), std::string::npos) << "the home case id crossed";
  // The provider is not the request's addressee: the central authority is.
  EXPECT_EQ(answer("provider-nl", message, {{"event", "receive"}})->status, 404);

  ASSERT_EQ(answer("ca-nl", message, {{"event", "receive"}})->status, 202);
  ASSERT_TRUE(reaches(home, "requested_review")) << case_on_de(home).dump();
  // A step the case refuses comes back as a signed refusal, not as a step.
  ASSERT_EQ(answer("ca-nl", message, {{"event", "return_evidence"}})->status, 202);
  ASSERT_EQ(answer("ca-nl", message, {{"event", "request_supplement"}, {"reason", "Which account, exactly?"}})->status,
            202);
  ASSERT_TRUE(reaches(home, "supplement_requested")) << case_on_de(home).dump();
  auto supplied = client(de).Post(
      home + "/events", bearer("officer-de"),
      json{{"event", "provide_supplement"}, {"reason", "The account alex@mailco.example"}}.dump(), "application/json");
  ASSERT_TRUE(supplied && supplied->status == 200) << (supplied ? supplied->body : "no answer");
  const json supplement = inbox_message("ca-nl", "mla.supplement.provide");
  EXPECT_EQ(supplement["body"]["supplement"], "The account alex@mailco.example") << supplement.dump();
  EXPECT_EQ(supplement["case_ref"], case_ref);
  ASSERT_TRUE(reaches(home, "requested_review"));
  ASSERT_EQ(answer("ca-nl", message, {{"event", "accept"}})->status, 202);
  ASSERT_TRUE(reaches(home, "executing")) << case_on_de(home).dump();

  // NL's central authority returns what Mailco produced, sealed by Mailco.
  const std::string plaintext = random_text(200000);
  const json manifest = seal("mla.bin", plaintext, case_ref, path("mla.age"));
  const std::string ciphertext = test::read_text(path("mla.age"));
  auto nl_http = client(nl);
  auto offered = offer("ca-nl", message, manifest);
  ASSERT_EQ(offered->status, 201) << offered->body;
  ASSERT_EQ(chunk("ca-nl", message, manifest["id"], 0, ciphertext)->status, 202);
  ASSERT_EQ(answer("ca-nl", message, {{"event", "return_evidence"}})->status, 202);
  ASSERT_TRUE(reaches(home, "evidence_returned")) << case_on_de(home).dump();
  const json c = case_on_de(home);
  ASSERT_EQ(c["productions"].size(), 1u) << c.dump();
  auto file = client(de).Get("/api/v1/productions/" + c["productions"][0]["id"].get<std::string>() + "/files/0",
                             bearer("officer-de"));
  ASSERT_EQ(file->status, 200);
  EXPECT_TRUE(file->body == ciphertext);

  // The refused return_evidence is in NL's outbox with DE's signed refusal.
  auto out = nl_http.Get("/api/v1/federation/outbox?case_ref=" + case_ref, bearer("admin"));
  int refusals = 0;
  const json nl_sent = json::parse(out->body);
  for (const json& m : nl_sent["messages"])
    refusals += m["state"] == "refused" && m["receipt"]["reason"] == "transition_refused";
  EXPECT_EQ(refusals, 1) << out->body;
}

}  // namespace
}  // namespace comity::server_test
