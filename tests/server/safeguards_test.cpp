// The safeguards, replayed as an attacker or a careless client would try to
// walk around them, against the real binary. One test per finding of the
// safeguards review (docs/testing.md lists them), each named for what must hold.
#include "server/harness.hpp"

namespace comity {
namespace {

using namespace server_test;

json s01() {
  return json::parse(test::read_text(test::source_dir() + "/examples/s01-eu-subscriber-prosecutor.json"));
}

// s01 (a German prosecutor's EPOC for subscriber data to NL-MAILCO) naming a judge as its validator.
json s01_with_validator() {
  json r = s01();
  r["validating_authority"] = {{"id", "DE-AG-BERLIN"},
                               {"name", "Amtsgericht Berlin"},
                               {"state", "DE"},
                               {"type", "JUDGE"},
                               {"contact", "ag@berlin.example"}};
  return r;
}

std::string opened(ServerTest& t, const json& request, const char* user = "officer-de") {
  auto r = t.post("/api/v1/cases", {{"request", request}, {"pathway", "P_EU_EPOC"}}, user);
  EXPECT_TRUE(r);
  EXPECT_EQ(r->status, 201) << r->body;
  return json::parse(r->body)["id"];
}

bool alive(httplib::Client& http) {
  auto h = http.Get("/healthz");
  return h && h->status == 200;
}

// Finding 1: a path that decodes to invalid UTF-8 used to kill the server
// from the 404 handler; every such path is a problem, and the server lives.
TEST_F(ServerTest, PathsThatAreNotUtf8AreProblemsAndCrashNothing) {
  for (const char* path : {"/%C0", "/%FF", "/app/%C0", "/log/tile/%C0", "/api/v1/cases/%C0%AE", "/%ED%A0%80",
                           "/api/v1/%00", "/%0A%0D", "/api/v1/parties/%F0%9F"}) {
    SCOPED_TRACE(path);
    auto r = http.Get(path);
    ASSERT_TRUE(r) << "the server stopped answering";
    EXPECT_EQ(r->status, 404);
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/problem+json");
    EXPECT_TRUE(json::accept(r->body)) << "a problem body is valid JSON (and UTF-8)";
    ASSERT_TRUE(alive(http));
  }
  // With a token too, and on POST.
  auto r = http.Post("/api/v1/cases/%C0/events", bearer("officer-de"), "{}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_TRUE(alive(http));
}

// Finding 2: invalid UTF-8 inside a JSON string answered 500 on every JSON
// route; it is 400 "not JSON", at the path $.
TEST_F(ServerTest, InvalidUtf8InsideJsonIsRefusedAsNotJson) {
  const std::string bad = "{\"user\":\"officer\",\"password\":\"\xff\"}";
  struct Route {
    const char* path;
    const char* user;
  };
  for (auto [path, user] :
       {Route{"/api/v1/session", ""}, Route{"/api/v1/evaluate", "officer-de"}, Route{"/api/v1/cases", "officer-de"},
        Route{"/api/v1/drafts", "officer-de"}, Route{"/api/v1/parties", "admin"}, Route{"/api/v1/trust", "admin"}}) {
    SCOPED_TRACE(path);
    httplib::Headers h;
    if (*user) h = bearer(user);
    json p = problem_of(http.Post(path, h, bad, "application/json"), 400);
    EXPECT_EQ(p["kind"], "malformed");
    ASSERT_FALSE(p["errors"].empty());
    EXPECT_EQ(p["errors"][0]["path"], "$");
  }
  EXPECT_TRUE(alive(http));
}

// Finding 3: an officer could send a non-emergency order that names its
// validator straight to the provider with transmit_emergency. Only an order
// the Art 4(5) exception covers goes out without prior validation.
TEST_F(ServerTest, NoEmergencyTrackForAnOrderTheEmergencyExceptionDoesNotCover) {
  std::string id = opened(*this, s01_with_validator());
  json c = step(*this, id, "submit", "officer-de");
  for (const auto& e : c["allowed_events"]) EXPECT_NE(e, "transmit_emergency") << "offered on an ordinary case";
  json p = problem_of(t_post_event(*this, id, {{"event", "transmit_emergency"}}, "officer-de"), 409);
  EXPECT_EQ(p["reason"], "emergency");
  EXPECT_NE(p["detail"].get<std::string>().find("Art 4(5)"), std::string::npos) << p.dump();
  // Nor without the validator: mark_ready is refused while a validator is named.
  EXPECT_EQ(problem_of(t_post_event(*this, id, {{"event", "mark_ready"}}, "officer-de"), 409)["reason"],
            "not validator_named");
  json now = json::parse(get("/api/v1/cases/" + id, "officer-de")->body);
  EXPECT_EQ(now["state"], "submitted");  // nothing moved
  EXPECT_EQ(now["history"].size(), 1u);
  // An emergency that the exception covers (a police authority, subscriber
  // data, a similar domestic case allows it) does go out, with its 48 hours.
  std::string urgent = open_case(*this, "s07-eu-emergency-kidnapping.json", "P_EU_EPOC", "officer-be");
  step(*this, urgent, "submit", "officer-be");
  json sent = step(*this, urgent, "transmit_emergency", "officer-be");
  bool ex_post = false;
  for (const auto& k : sent["clocks"]) ex_post = ex_post || k["deadline"] == "EU.DL.11";
  EXPECT_TRUE(ex_post) << "an order issued without prior validation runs its ex-post clock";
}

// Finding 4: a validator could refuse_ex_post any transmitted order and so
// withdraw it and mark its data for deletion. Ex-post validation exists only
// for an order issued without prior validation.
TEST_F(ServerTest, ExPostRefusalOnlyForAnOrderIssuedWithoutPriorValidation) {
  std::string id = opened(*this, s01());
  for (const char* e : {"submit", "mark_ready", "transmit"}) step(*this, id, e, "officer-de");
  json p =
      problem_of(t_post_event(*this, id, {{"event", "refuse_ex_post"}, {"reason", "not needed"}}, "validator-de"), 409);
  EXPECT_EQ(p["reason"], "ex_post_pending");
  problem_of(t_post_event(*this, id, {{"event", "validate_ex_post"}}, "validator-de"), 409);
  json c = json::parse(get("/api/v1/cases/" + id, "officer-de")->body);
  EXPECT_EQ(c["state"], "transmitted");
  EXPECT_FALSE(c["data_marked_for_deletion"].get<bool>());
}

// Finding 5: the provider saw the validator's free-text reason in the
// timeline and the case. An addressee reads no one's words — in the case,
// its steps' answers, or the log openings.
TEST_F(ServerTest, TheAddresseeReadsNoFreeText) {
  const std::string secret = "VALIDATOR-WORDS-ABOUT-THE-SUSPECT";
  std::string id = opened(*this, s01_with_validator());
  step(*this, id, "submit", "officer-de");
  step(*this, id, "request_information", "validator-de", 200, secret.c_str());
  step(*this, id, "provide_information", "officer-de", 200, "OFFICER-ANSWER");
  step(*this, id, "request_validation", "officer-de");
  step(*this, id, "validate", "validator-de", 200, "VALIDATED-BECAUSE");
  step(*this, id, "transmit", "officer-de");
  json ack = step(*this, id, "acknowledge", "provider-nl");
  for (const std::string& body : {get("/api/v1/cases/" + id, "provider-nl")->body, ack.dump(),
                                  get("/api/v1/cases/" + id + "/log", "provider-nl")->body,
                                  get("/api/v1/cases?limit=200", "provider-nl")->body}) {
    EXPECT_EQ(body.find(secret), std::string::npos) << body;
    EXPECT_EQ(body.find("OFFICER-ANSWER"), std::string::npos);
    EXPECT_EQ(body.find("VALIDATED-BECAUSE"), std::string::npos);
  }
  json c = json::parse(get("/api/v1/cases/" + id, "provider-nl")->body);
  for (const auto& h : c["history"]) EXPECT_FALSE(h.contains("reason")) << h.dump();
  EXPECT_FALSE(c.contains("request"));
  EXPECT_TRUE(c.contains("certificate"));
  // Oversight reads none either; the issuing side reads them all.
  EXPECT_EQ(get("/api/v1/cases/" + id, "overseer")->body.find(secret), std::string::npos);
  EXPECT_NE(get("/api/v1/cases/" + id, "officer-de")->body.find(secret), std::string::npos);
}

// Finding 6: a role that may read a case but never produce evidence got
// 404 "no case" on POST /cases/{id}/productions; it is 403. A provider the
// order is not addressed to still finds no case (404).
TEST_F(ServerTest, ARoleThatMayNotProduceGets403NotNotFound) {
  std::string id = opened(*this, s01());
  for (const char* e : {"submit", "mark_ready", "transmit"}) step(*this, id, e, "officer-de");
  for (const char* user : {"officer-de", "validator-de", "ca-de", "overseer", "admin"}) {
    SCOPED_TRACE(user);
    json p = problem_of(post("/api/v1/cases/" + id + "/productions", json::object(), user), 403);
    EXPECT_EQ(p["kind"], "forbidden");
  }
  problem_of(post("/api/v1/cases/" + id + "/productions", json::object(), "provider-us"), 404);
  problem_of(get("/api/v1/productions/nope/files/0", "provider-nl"), 403);  // providers upload, officers download
}

// Finding 7: the Content-Type check was a prefix match.
TEST_F(ServerTest, TheMediaTypeIsMatchedExactly) {
  const std::string body = s01().dump();
  for (const std::string& type :
       {std::string("application/jsonx"), std::string("application/json\x01"),
        std::string("application/json-patch+json"), std::string("text/json"), std::string("application/")}) {
    SCOPED_TRACE(type);
    auto r = http.Post("/api/v1/evaluate?at=2026-09-15", bearer("officer-de"), body, type.c_str());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 415) << r->body;
  }
  for (const char* type : {"application/json", "application/json; charset=utf-8", "Application/JSON"}) {
    SCOPED_TRACE(type);
    auto r = http.Post("/api/v1/evaluate?at=2026-09-15", bearer("officer-de"), body, type);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
  }
  // A NUL in the header (sent raw: clients will not write one) never passes as JSON.
  const std::string answer =
      raw_request(server->port(),
                  "POST /api/v1/evaluate?at=2026-09-15 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok-officer-de\r\n"
                  "Content-Type: application/json" +
                      std::string(1, '\0') + "\r\nContent-Length: " + std::to_string(body.size()) +
                      "\r\nConnection: close\r\n\r\n" + body);
  EXPECT_EQ(answer.rfind("HTTP/1.1 ", 0), 0u) << answer;
  EXPECT_EQ(answer.find("HTTP/1.1 200"), std::string::npos) << "a Content-Type with a NUL byte was taken as JSON";
}

// Review finding: cpp-httplib inflated a gzip or brotli body before any
// limit or route saw it, so a small compressed body could inflate without
// bound. A compressed body is refused before it is read.
TEST_F(ServerTest, ACompressedBodyIsRefusedBeforeItIsInflated) {
  const std::string body = s01().dump();
  httplib::Client gz("127.0.0.1", server->port());
  gz.set_compress(true);  // the client gzips the body and says so in Content-Encoding
  auto r = gz.Post("/api/v1/evaluate?at=2026-09-15", bearer("officer-de"), body, "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 415) << r->body;
  json p = json::parse(r->body);
  EXPECT_EQ(p["errors"][0]["path"], "header:Content-Encoding") << r->body;
  EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
  // The same body as it is passes.
  auto plain = http.Post("/api/v1/evaluate?at=2026-09-15", bearer("officer-de"), body, "application/json");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 200) << plain->body;
}

// Finding 9: API answers lacked nosniff; case JSON and personal data lacked no-store.
TEST_F(ServerTest, EveryAnswerForbidsSniffingAndPersonalDataIsNeverCached) {
  std::string id = opened(*this, s01());
  struct Read {
    std::string path, user, cache;
  };
  const std::vector<Read> reads = {
      {"/api/v1/cases/" + id, "officer-de", "no-store"},
      {"/api/v1/cases", "officer-de", "no-store"},
      {"/api/v1/cases/" + id + "/decision", "officer-de", "no-store"},
      {"/api/v1/cases/" + id + "/document", "officer-de", "no-store"},
      {"/api/v1/cases/" + id + "/log", "officer-de", "no-store"},
      {"/api/v1/me", "officer-de", "no-store"},
      {"/api/v1/parties", "officer-de", "no-store"},
      {"/api/v1/drafts", "officer-de", "no-store"},
      {"/api/v1/audit", "overseer", "no-store"},
      {"/api/v1/cases/nope", "officer-de", "no-store"},  // a problem
      {"/healthz", "", "no-store"},
      {"/log/checkpoint", "", "no-cache"},
      {"/api/v1/log/statistics", "", "no-cache"},
      {"/", "", "no-cache"},
      {"/nowhere", "", "no-store"},
  };
  for (const auto& r : reads) {
    SCOPED_TRACE(r.path);
    auto got = r.user.empty() ? http.Get(r.path) : get(r.path, r.user);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->get_header_value("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(got->get_header_value("Cache-Control"), r.cache);
  }
  auto tile = http.Get("/log/tile/0/000.p/1");
  ASSERT_TRUE(tile);
  EXPECT_EQ(tile->get_header_value("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(tile->get_header_value("X-Content-Type-Options"), "nosniff");
}

// Finding 11 (an officer whose party has no State issued for any State) is
// replayed below the HTTP layer, where it can arise: the store refuses a party
// without a two-letter State (its CHECK constraint), so no principal of no
// State reaches the server. ServiceTest.UnlawfulPathwayAndInvalidRequestsAreRefused
// and Permissions.APartyWithoutAStateSeesNoCase hold the service and the
// permissions to fail closed all the same.

// Finding 12: the enforcing authority opened the officer's log leaves, which
// the documents said it could not. One rule, the view table's: each party
// opens exactly the history it reads in full.
TEST_F(ServerTest, EachPartyOpensTheLogLeavesOfTheHistoryItReads) {
  std::string id = open_case(*this, "s05b-eu-notification-residence-unknown.json", "P_EU_EPOC", "officer-es");
  for (const char* e : {"submit", "mark_ready", "transmit"}) step(*this, id, e, "officer-es");
  step(*this, id, "report_inability", "provider-pl", 200, "PROVIDER-INABILITY", "insufficient_information");
  step(*this, id, "clarify", "officer-es", 200, "OFFICER-CLARIFICATION");
  ASSERT_EQ(post("/api/v1/log/checkpoint", json::object(), "admin")->status, 201);
  auto events_for = [&](const char* user) {
    std::vector<std::string> out;
    auto r = get("/api/v1/cases/" + id + "/log", user);
    EXPECT_EQ(r->status, 200) << user << ": " << r->body;
    const json log = json::parse(r->body);
    for (const auto& e : log["entries"]) out.push_back(json::parse(e["event"].get<std::string>())["event"]);
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(events_for("officer-es"), (V{"open", "submit", "mark_ready", "transmit", "report_inability", "clarify"}));
  // The enforcing authority: the request (Art 8(3)), the steps without words, the Annex III report
  // addressed to it; not the officer's clarification.
  EXPECT_EQ(events_for("enforcing-pl"), (V{"open", "submit", "mark_ready", "transmit", "report_inability"}));
  // The addressee: steps without words only, not even its own report.
  EXPECT_EQ(events_for("provider-pl"), (V{"submit", "mark_ready", "transmit"}));
  problem_of(get("/api/v1/cases/" + id + "/log", "overseer"), 403);
}

}  // namespace
}  // namespace comity
