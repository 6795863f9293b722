// Black-box tests of `comity serve`: the real binary on a loopback port,
// driven over HTTP with cpp-httplib's client: the API, permissions, the web app.
#include "comity/util/error.hpp"
#include "server/harness.hpp"

namespace comity {
namespace {

using namespace server_test;

TEST_F(ServerTest, HealthAndReadiness) {
  auto h = http.Get("/healthz");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  auto r = http.Get("/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(r->body)["pack"].get<std::string>().rfind("sha256:", 0), 0u);
}

TEST_F(ServerTest, EvaluatesARequest) {
  auto body = test::read_text(test::source_dir() + "/examples/s02-eu-content-prosecutor-no-judge.json");
  problem_of(http.Post("/api/v1/evaluate?at=2026-09-15", body, "application/json"), 401);  // no token
  problem_of(http.Post("/api/v1/evaluate", bearer("revoked"), body, "application/json"), 401);
  auto r = http.Post("/api/v1/evaluate?at=2026-09-15", bearer("officer-de"), body, "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  json d = json::parse(r->body);
  EXPECT_EQ(d["format"], "comity.decision/1");
  EXPECT_EQ(d["summary"]["preserve_now"], "P_EU_EPOC_PR");
}

TEST_F(ServerTest, BadInputGetsProblemDetailsWithFieldPaths) {
  auto h = bearer("officer-de");
  json p = problem_of(http.Post("/api/v1/evaluate", h, R"({"requesting_state": "XX", "extra": 1})", "application/json"),
                      422);
  std::set<std::string> paths;
  for (const auto& e : p["errors"]) paths.insert(e["path"].get<std::string>());
  EXPECT_TRUE(paths.count("$.requesting_state"));
  EXPECT_TRUE(paths.count("$.extra"));
  problem_of(http.Post("/api/v1/evaluate", h, "{not json", "application/json"), 400);
  problem_of(http.Post("/api/v1/evaluate", h, std::string(10000, '[') + std::string(10000, ']'), "application/json"),
             400);
  problem_of(http.Post("/api/v1/evaluate", h, "{}", "text/plain"), 415);
  // A member repeated in one object is named, never resolved silently.
  json dup = problem_of(
      http.Post("/api/v1/evaluate", h, R"({"requesting_state": "DE", "requesting_state": "FR"})", "application/json"),
      422);
  EXPECT_EQ(dup["errors"][0]["path"], "$.requesting_state");
  dup = problem_of(http.Post("/api/v1/drafts", h, R"({"request": {}, "request": {}})", "application/json"), 422);
  EXPECT_EQ(dup["errors"][0]["path"], "$.request");
  problem_of(http.Post("/api/v1/evaluate?at=2026-13-01", h, "{}", "application/json"), 400);
  problem_of(http.Post("/api/v1/evaluate", h, std::string(2 << 20, ' '), "application/json"), 413);
  problem_of(http.Get("/api/v1/nothing-here"), 404);
  // The server is still healthy after all of that.
  auto health = http.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(ServerTest, MetricsCountRequestsAndClocks) {
  http.Get("/healthz");
  http.Post("/api/v1/evaluate", bearer("officer-de"), "{}", "application/json");
  auto m = http.Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_NE(m->body.find("comity_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"),
            std::string::npos)
      << m->body;
  EXPECT_NE(m->body.find("route=\"/api/v1/evaluate\",status=\"422\"} 1"), std::string::npos);
  EXPECT_NE(m->body.find("comity_overdue_clocks 0"), std::string::npos);
  EXPECT_NE(m->body.find("comity_http_request_duration_seconds_bucket"), std::string::npos);
}

TEST_F(ServerTest, OpenApiDocumentMatchesTheRoutes) {
  auto r = http.Get("/api/v1/openapi.json");
  ASSERT_TRUE(r);
  json doc = json::parse(r->body);
  EXPECT_EQ(doc["openapi"], "3.1.0");
  std::set<std::string> documented, served;
  for (auto& [path, ops] : doc["paths"].items())
    for (auto& [method, op] : ops.items()) {
      std::string m = method;
      std::transform(m.begin(), m.end(), m.begin(), ::toupper);
      documented.insert(m + " " + path);
    }
  for (const auto& route : api_routes()) served.insert(route.method + " " + route.path);
  EXPECT_EQ(documented, served);
  EXPECT_EQ(json::parse(test::read_text(test::source_dir() + "/api/openapi.json")), doc);
  // The problem schema names every kind of the one error taxonomy, in order.
  std::vector<std::string> kinds;
  for (auto k = static_cast<uint8_t>(ErrorKind::Malformed); k <= static_cast<uint8_t>(ErrorKind::Internal); ++k)
    kinds.emplace_back(error_kind_info(static_cast<ErrorKind>(k)).name);
  EXPECT_EQ(doc["components"]["schemas"]["Problem"]["properties"]["kind"]["enum"].get<std::vector<std::string>>(),
            kinds);
}

TEST_F(ServerTest, EpocFromOfficerToProviderWithPermissionsOnEveryRoute) {
  json request = json::parse(test::read_text(test::source_dir() + "/examples/s01-eu-subscriber-prosecutor.json"));
  // Only officers open cases; the body is checked field by field.
  problem_of(post("/api/v1/cases", {{"request", request}, {"pathway", "P_EU_EPOC"}}, "provider-nl"), 403);
  json bad =
      problem_of(post("/api/v1/cases", {{"request", {{"requesting_state", "XX"}}}, {"pathway", "P_EU_EPOC"}, {"x", 1}},
                      "officer-de"),
                 422);
  EXPECT_EQ(bad["errors"][0]["path"], "$.x");
  bad = problem_of(
      post("/api/v1/cases", {{"request", {{"requesting_state", "XX"}}}, {"pathway", "P_EU_EPOC"}}, "officer-de"), 422);
  EXPECT_EQ(bad["errors"][0]["path"], "$.request.requesting_state");
  auto created = post("/api/v1/cases", {{"request", request}, {"pathway", "P_EU_EPOC"}}, "officer-de");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  json c = json::parse(created->body);
  std::string id = c["id"], path = "/api/v1/cases/" + id;
  EXPECT_EQ(created->get_header_value("Location"), path);
  EXPECT_EQ(c["state"], "draft");

  // Before transmission the provider cannot see the order at all.
  problem_of(get(path, "provider-nl"), 404);
  for (const char* e : {"submit", "mark_ready", "transmit"}) {
    auto r = post(path + "/events", {{"event", e}}, "officer-de");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << e << " " << r->body;
  }
  // The addressed provider now sees the order — not the facts or the reasoning.
  auto seen = get(path, "provider-nl");
  ASSERT_TRUE(seen);
  ASSERT_EQ(seen->status, 200);
  json order = json::parse(seen->body);
  EXPECT_EQ(order["view"], "order");
  EXPECT_FALSE(order.contains("request"));
  EXPECT_FALSE(order.contains("decision_url"));
  EXPECT_EQ(order["order"]["pathway"], "P_EU_EPOC");
  EXPECT_EQ(order["order"]["role"], "primary");
  EXPECT_FALSE(order["order"]["data_categories"].empty());
  problem_of(get(path + "/decision", "provider-nl"), 403);  // the order, not the reasoning
  // The issuing authority reads the decision the case was opened on.
  auto decided = get(path + "/decision", "officer-de");
  ASSERT_EQ(decided->status, 200);
  json decision = json::parse(decided->body);
  EXPECT_EQ(decision["format"], "comity.decision/1");
  EXPECT_EQ(decision["pack"]["content_hash"], json::parse(get(path, "officer-de")->body)["rule_pack"]);
  // Rendered again from the recorded request, pack and date: the same as evaluating it then.
  auto again = http.Post("/api/v1/evaluate?at=" + decision["evaluated_at"].get<std::string>(), bearer("officer-de"),
                         request.dump(), "application/json");
  ASSERT_EQ(again->status, 200);
  EXPECT_EQ(json::parse(again->body), decision);
  EXPECT_EQ(order["allowed_events"], json({"acknowledge", "report_inability", "object", "produce"}));
  // Another provider reaches for it: not found, by reading or by acting.
  problem_of(get(path, "provider-us"), 404);
  problem_of(post(path + "/events", {{"event", "produce"}}, "provider-us"), 404);
  // Another State's officer: not found. Oversight: metadata, and may not act.
  problem_of(get(path, "officer-fr"), 404);
  auto meta = get(path, "overseer");
  ASSERT_TRUE(meta);
  json m = json::parse(meta->body);
  EXPECT_EQ(m["view"], "metadata");
  EXPECT_FALSE(m.contains("request"));
  problem_of(post(path + "/events", {{"event", "close"}}, "overseer"), 403);
  // The workflow's own rules: wrong role, missing reason, impossible step.
  problem_of(post(path + "/events", {{"event", "produce"}}, "officer-de"), 403);
  json why = problem_of(post(path + "/events", {{"event", "report_inability"}}, "provider-nl"), 422);
  EXPECT_EQ(why["errors"][0]["path"], "$.reason");
  problem_of(post(path + "/events", {{"event", "close"}}, "officer-de"), 409);
  problem_of(post(path + "/events", {{"event", "teleport"}}, "officer-de"), 422);
  ASSERT_EQ(post(path + "/events", {{"event", "acknowledge"}}, "provider-nl")->status, 200);
  auto produced = post(path + "/events", {{"event", "produce"}}, "provider-nl");
  ASSERT_EQ(produced->status, 200);
  EXPECT_EQ(json::parse(produced->body)["state"], "produced");
  // Lists show each party only its own cases.
  auto mine = get("/api/v1/cases", "provider-nl");
  EXPECT_EQ(json::parse(mine->body)["items"].size(), 1u);
  EXPECT_EQ(json::parse(get("/api/v1/cases", "provider-us")->body)["items"].size(), 0u);
  EXPECT_EQ(json::parse(get("/api/v1/cases", "officer-fr")->body)["items"].size(), 0u);
  problem_of(get("/api/v1/cases?limit=0", "officer-de"), 400);
  problem_of(http.Get("/api/v1/cases"), 401);
}

TEST_F(ServerTest, CursorPagination) {
  json request = json::parse(test::read_text(test::source_dir() + "/examples/s01-eu-subscriber-prosecutor.json"));
  std::set<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    auto r = post("/api/v1/cases", {{"request", request}, {"pathway", "P_EU_EPOC"}}, "officer-de");
    ASSERT_EQ(r->status, 201);
    ids.insert(json::parse(r->body)["id"].get<std::string>());
  }
  std::set<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    auto r = get("/api/v1/cases?limit=2" + (cursor.empty() ? std::string() : "&cursor=" + cursor), "officer-de");
    json body = json::parse(r->body);
    for (const auto& item : body["items"]) EXPECT_TRUE(seen.insert(item["id"].get<std::string>()).second);
    if (body["next_cursor"].is_null()) break;
    cursor = body["next_cursor"];
  }
  EXPECT_EQ(seen, ids);
}

TEST_F(ServerTest, IdempotencyKeysMakePostsRetrySafe) {
  json request = json::parse(test::read_text(test::source_dir() + "/examples/s01-eu-subscriber-prosecutor.json"));
  json body = {{"request", request}, {"pathway", "P_EU_EPOC"}};
  auto h = bearer("officer-de");
  h.emplace("Idempotency-Key", "create-0001");
  auto first = http.Post("/api/v1/cases", h, body.dump(), "application/json");
  auto retry = http.Post("/api/v1/cases", h, body.dump(), "application/json");
  ASSERT_EQ(first->status, 201);
  ASSERT_EQ(retry->status, 201);
  EXPECT_EQ(retry->get_header_value("Idempotent-Replayed"), "true");
  std::string id = json::parse(first->body)["id"];
  EXPECT_EQ(json::parse(retry->body)["id"], id);
  EXPECT_EQ(json::parse(get("/api/v1/cases", "officer-de")->body)["items"].size(), 1u);  // one case, not two
  json other = body;
  other["pathway"] = "P_EIO";
  problem_of(http.Post("/api/v1/cases", h, other.dump(), "application/json"), 422);  // same key, other request
  auto hs = bearer("officer-de");
  hs.emplace("Idempotency-Key", "step-submit");
  std::string events = "/api/v1/cases/" + id + "/events";
  ASSERT_EQ(http.Post(events, hs, R"({"event":"submit"})", "application/json")->status, 200);
  auto again = http.Post(events, hs, R"({"event":"submit"})", "application/json");
  ASSERT_EQ(again->status, 200);  // not 409: the step was already taken with this key
  EXPECT_EQ(again->get_header_value("Idempotent-Replayed"), "true");
  EXPECT_EQ(json::parse(again->body)["history"].size(), 1u);
  problem_of(http.Post(events, hs, R"({"event":"withdraw","reason":"x"})", "application/json"), 422);
  auto bad = bearer("officer-de");
  bad.emplace("Idempotency-Key", std::string(201, 'k'));
  problem_of(http.Post("/api/v1/cases", bad, body.dump(), "application/json"), 400);
}

// The public transparency page counts what the latest checkpoint holds.
TEST_F(ServerTest, PublicTransparencyPage) {
  open_case(*this, "s01-eu-subscriber-prosecutor.json", "P_EU_EPOC", "officer-de");
  ASSERT_EQ(post("/api/v1/log/checkpoint", json::object(), "admin")->status, 201);
  auto r = http.Get("/transparency");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(r->get_header_value("Content-Security-Policy").rfind("default-src 'none'", 0), 0u);
  EXPECT_NE(r->body.find("<tr><th scope=\"row\">Cases opened</th><td>1</td></tr>"), std::string::npos);
  EXPECT_NE(r->body.find("<tr><th scope=\"row\">P_EU_EPOC</th><td>1</td></tr>"), std::string::npos);
  EXPECT_NE(r->body.find("<tr><th scope=\"row\">DE-NL</th><td>1</td></tr>"), std::string::npos);
  // Nothing of the request's facts: no authority, no case reference.
  EXPECT_EQ(r->body.find("DE-STA-BERLIN"), std::string::npos);
  EXPECT_EQ(r->body.find("254 Js"), std::string::npos);
}

// The web app is served from the binary: its page under a strict policy,
// its files revalidated by digest, nothing else under /app/.
TEST_F(ServerTest, WebAppIsServedFromTheBinary) {
  auto page = http.Get("/");
  ASSERT_TRUE(page);
  ASSERT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("script-src 'self'"), std::string::npos);
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_NE(page->body.find("/app/app.js"), std::string::npos);
  auto js = http.Get("/app/app.js");
  ASSERT_EQ(js->status, 200);
  EXPECT_EQ(js->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js->get_header_value("X-Content-Type-Options"), "nosniff");
  httplib::Headers again = {{"If-None-Match", js->get_header_value("ETag")}};
  EXPECT_EQ(http.Get("/app/app.js", again)->status, 304);
  EXPECT_EQ(problem_of(http.Get("/app/nothing.js"), 404)["detail"], "no file nothing.js");
  EXPECT_EQ(http.Get("/app/../api/v1/openapi.json")->status, 404);
  json labels = json::parse(http.Get("/app/labels.json")->body);
  EXPECT_EQ(labels["codes"]["DataCategory"]["SUBSCRIBER"][2], "Teilnehmerdaten");
  EXPECT_EQ(json::parse(http.Get("/api/v1")->body)["name"], "Comity");
}

// A desk's queue is ordered by the running clock due first; the documents
// come in the reader's language, and the addressee's holds no reasons.
TEST_F(ServerTest, QueuesCarryTheNextDeadlineAndDocumentsTheReadersLanguage) {
  std::string id = open_case(*this, "s01-eu-subscriber-prosecutor.json", "P_EU_EPOC", "officer-de");
  json listed = json::parse(get("/api/v1/cases", "officer-de")->body)["items"][0];
  EXPECT_TRUE(listed["next_deadline"].is_null());  // a draft runs no clock
  for (const char* e : {"submit", "mark_ready", "transmit"}) step(*this, id, e, "officer-de");
  json c = json::parse(get("/api/v1/cases/" + id, "officer-de")->body);
  std::string first_due;
  std::string first_deadline;
  for (const auto& k : c["clocks"])
    if (k["status"] != "stopped" && (first_due.empty() || k["due"].get<std::string>() < first_due)) {
      first_due = k["due"];
      first_deadline = k["deadline"];
    }
  ASSERT_FALSE(first_due.empty());
  listed = json::parse(get("/api/v1/cases", "provider-nl")->body)["items"][0];
  EXPECT_EQ(listed["next_deadline"], json({{"deadline", first_deadline}, {"due", first_due}}));
  // The addressee's view carries what the order must, not the facts.
  json order = json::parse(get("/api/v1/cases/" + id, "provider-nl")->body);
  EXPECT_EQ(order["certificate"]["identifiers"][0]["type"], "EMAIL");
  EXPECT_FALSE(order["certificate"].contains("facts_summary"));
  EXPECT_FALSE(order.contains("request"));

  auto pdf = get("/api/v1/cases/" + id + "/document?lang=de", "provider-nl");
  ASSERT_EQ(pdf->status, 200);
  EXPECT_EQ(pdf->get_header_value("Content-Type"), "application/pdf");
  EXPECT_EQ(pdf->body.rfind("%PDF-1.7", 0), 0u);
  EXPECT_NE(pdf->body.find("/Lang (de)"), std::string::npos);
  EXPECT_EQ(pdf->body.find("delivered nothing"), std::string::npos);
  auto full = get("/api/v1/cases/" + id + "/document?lang=en", "officer-de");
  EXPECT_NE(full->body.find("delivered nothing"), std::string::npos);
  EXPECT_NE(full->body.find("This order was not signed electronically."), std::string::npos);  // --orders unsigned
  EXPECT_EQ(problem_of(get("/api/v1/cases/" + id + "/document?lang=es", "officer-de"), 400)["errors"][0]["path"],
            "$query.lang");
  // Each document given out is audited with the digest of its bytes.
  json audit = json::parse(get("/api/v1/audit?limit=200", "overseer")->body)["items"];
  int documents = 0;
  for (const auto& a : audit)
    if (a["action"] == "read_case:document") {
      ++documents;
      EXPECT_TRUE(a["payload_sha256"] == sha256_hex(pdf->body) || a["payload_sha256"] == sha256_hex(full->body));
    }
  EXPECT_EQ(documents, 2);
}

// Drafts: saved, listed, replaced with optimistic versions, private to their author.
TEST_F(ServerTest, DraftsAreTheAuthorsOwnAndNeverOverwriteNewerWork) {
  json partial = {{"requesting_state", "DE"}, {"case_reference", "StA Berlin 1/26"}};
  auto created = post("/api/v1/drafts", {{"request", partial}}, "officer-de");
  ASSERT_EQ(created->status, 201) << created->body;
  json d = json::parse(created->body);
  const std::string path = "/api/v1/drafts/" + d["id"].get<std::string>();
  EXPECT_EQ(d["version"], 1);
  EXPECT_EQ(d["request"], partial);
  partial["data_categories"] = {"SUBSCRIBER"};
  auto saved = post(path, {{"version", 1}, {"request", partial}}, "officer-de");
  ASSERT_EQ(saved->status, 200) << saved->body;
  EXPECT_EQ(json::parse(saved->body)["version"], 2);
  // A save from a stale tab is refused, not applied.
  problem_of(post(path, {{"version", 1}, {"request", json::object()}}, "officer-de"), 409);
  EXPECT_EQ(json::parse(get(path, "officer-de")->body)["request"], partial);
  // A revoked token is refused; another officer finds nothing.
  problem_of(get(path, "revoked"), 401);
  problem_of(get(path, "officer-fr"), 404);
  problem_of(post(path, {{"version", 2}, {"request", json::object()}}, "officer-fr"), 404);
  json list = json::parse(get("/api/v1/drafts", "officer-de")->body);
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_FALSE(list["items"][0].contains("request"));
  EXPECT_EQ(json::parse(get("/api/v1/drafts", "officer-fr")->body)["items"].size(), 0u);
  // A draft is an object; deleting it is for its author.
  EXPECT_EQ(problem_of(post("/api/v1/drafts", {{"request", "text"}}, "officer-de"), 422)["errors"][0]["path"],
            "$.request");
  problem_of(post(path + "/delete", json::object(), "officer-fr"), 404);
  ASSERT_EQ(post(path + "/delete", json::object(), "officer-de")->status, 200);
  problem_of(get(path, "officer-de"), 404);
}

TEST_F(ServerTest, MlaThroughBothCentralAuthorities) {
  // S13: a UK request for a dual national's content from a US provider: the CLOUD
  // agreement is barred, so it goes by MLA (the US-UK treaty).
  std::string id = open_case(*this, "s13-uk-us-dual-national.json", "P_MLAT", "officer-gb");
  std::string path = "/api/v1/cases/" + id;
  step(*this, id, "submit", "officer-gb");
  step(*this, id, "send_to_central_authority", "officer-gb");
  problem_of(get(path, "ca-us"), 404);             // the requested side sees nothing before transmission
  step(*this, id, "transmit", "officer-gb", 403);  // only a central authority transmits
  step(*this, id, "transmit", "ca-gb");
  ASSERT_EQ(get(path, "ca-us")->status, 200);
  step(*this, id, "receive", "ca-gb", 403);  // the requesting side cannot take the requested side's steps
  json c = step(*this, id, "receive", "ca-us");
  EXPECT_EQ(c["allowed_events"], json({"accept", "refuse", "request_supplement"}));
  step(*this, id, "accept", "ca-gb", 403);
  // The requested side asks for more; the officer answers; the file returns to its review.
  c = step(*this, id, "request_supplement", "ca-us", 200, "which account: the two e-mail addresses differ");
  EXPECT_EQ(c["state"], "supplement_requested");
  c = step(*this, id, "provide_supplement", "officer-gb", 200, "the address in field 3");
  EXPECT_EQ(c["state"], "requested_review");
  c = step(*this, id, "accept", "ca-us");
  EXPECT_EQ(c["state"], "executing");
  c = step(*this, id, "return_evidence", "ca-us");
  c = step(*this, id, "close", "officer-gb");
  EXPECT_EQ(c["state"], "closed");
  EXPECT_EQ(c["history"].size(), 9u);
  problem_of(get(path, "provider-us"), 404);  // MLA never puts the provider in the case
}

TEST_F(ServerTest, UkOrderToAUsProviderUnderTheCloudAgreement) {
  std::string id = open_case(*this, "s12-uk-us-cloud-agreement.json", "P_CLOUD_UKUS", "officer-gb");
  step(*this, id, "submit", "officer-gb");
  step(*this, id, "mark_ready", "officer-gb");
  step(*this, id, "transmit", "officer-gb");
  auto seen = get("/api/v1/cases/" + id, "provider-us");
  ASSERT_EQ(seen->status, 200);
  json order = json::parse(seen->body);
  EXPECT_EQ(order["order"]["pathway"], "P_CLOUD_UKUS");
  EXPECT_FALSE(order["order"]["use_limitations"].empty());  // no onward transfer without consent, …
  step(*this, id, "acknowledge", "provider-us");
  json c = step(*this, id, "produce", "provider-us");
  EXPECT_EQ(c["state"], "produced");
  problem_of(get("/api/v1/cases/" + id, "provider-nl"), 404);
}

TEST_F(ServerTest, NotifiedEpocForContentRefusedByTheEnforcingAuthority) {
  // S05b: residence unknown, so PL is notified and may refuse within 10 days.
  std::string id = open_case(*this, "s05b-eu-notification-residence-unknown.json", "P_EU_EPOC", "officer-es");
  std::string path = "/api/v1/cases/" + id;
  step(*this, id, "submit", "officer-es");
  step(*this, id, "mark_ready", "officer-es");
  problem_of(get(path, "enforcing-pl"), 404);  // not before the simultaneous notification
  json c = step(*this, id, "transmit", "officer-es");
  std::set<std::string> clocks;
  for (const auto& k : c["clocks"]) clocks.insert(k["deadline"].get<std::string>());
  EXPECT_TRUE(clocks.count("EU.DL.2") && clocks.count("EU.DL.5")) << c["clocks"].dump();
  auto seen = get(path, "enforcing-pl");
  ASSERT_EQ(seen->status, 200);
  EXPECT_EQ(json::parse(seen->body)["view"], "full");  // the enforcing authority receives (a)-(j)
  step(*this, id, "refuse", "provider-pl", 403);
  step(*this, id, "refuse", "enforcing-pl", 422);  // a refusal needs its reason
  // ... and its coded ground, from the list the case offers the enforcing authority.
  json offered = json::parse(get(path, "enforcing-pl")->body)["grounds"]["refuse"];
  ASSERT_EQ(offered.size(), 4u);
  EXPECT_EQ(offered[3]["code"], "dual_criminality");
  EXPECT_EQ(offered[3]["citation"], "Reg. (EU) 2023/1543 Art 12(1)(d)");
  json p = problem_of(t_post_event(*this, id, {{"event", "refuse"}, {"reason", "x"}}, "enforcing-pl"), 422);
  EXPECT_EQ(p["errors"][0]["path"], "$.ground");
  p = problem_of(
      t_post_event(*this, id, {{"event", "refuse"}, {"reason", "x"}, {"ground", "fiscal_offence"}}, "enforcing-pl"),
      422);
  EXPECT_EQ(p["errors"][0]["path"], "$.ground");
  c = step(*this, id, "refuse", "enforcing-pl", 200, "Art 12(1)(d): the conduct is not an offence in PL",
           "dual_criminality");
  EXPECT_EQ(c["state"], "refused");
  for (const auto& k : c["clocks"]) EXPECT_EQ(k["status"], "stopped");
  EXPECT_EQ(c["history"].back()["reason"], "Art 12(1)(d): the conduct is not an offence in PL");
  EXPECT_EQ(c["history"].back()["ground"], "dual_criminality");
  // Oversight sees the coded ground, not the words.
  json meta = json::parse(get(path, "overseer")->body)["history"].back();
  EXPECT_EQ(meta["ground"], "dual_criminality");
  EXPECT_FALSE(meta.contains("reason"));
  EXPECT_EQ(get(path, "enforcing-pl")->status, 200);  // it keeps reading the case it refused
}

TEST_F(ServerTest, AdminRegistersPartiesUsersAndTokensAndEveryChangeIsAudited) {
  // Only an admin registers; the body is checked field by field.
  problem_of(post("/api/v1/parties", {{"id", "it-ca"}, {"kind", "central_authority"}, {"state", "IT"}, {"name", "x"}},
                  "officer-de"),
             403);
  json bad = problem_of(
      post("/api/v1/parties", {{"id", "it ca"}, {"kind", "ministry"}, {"state", "UK"}, {"name", ""}}, "admin"), 422);
  std::set<std::string> paths;
  for (const auto& e : bad["errors"]) paths.insert(e["path"]);
  EXPECT_EQ(paths, (std::set<std::string>{"$.id", "$.kind", "$.state", "$.name"}));
  auto created =
      post("/api/v1/parties",
           {{"id", "it-ca"}, {"kind", "central_authority"}, {"state", "IT"}, {"name", "Ministero della Giustizia"}},
           "admin");
  ASSERT_EQ(created->status, 201) << created->body;
  EXPECT_EQ(created->get_header_value("Location"), "/api/v1/parties/it-ca");
  EXPECT_EQ(json::parse(get("/api/v1/parties/it-ca", "provider-us")->body)["state"], "IT");  // a directory
  problem_of(post("/api/v1/parties", {{"id", "it-ca"}, {"kind", "central_authority"}, {"state", "IT"}, {"name", "x"}},
                  "admin"),
             409);
  // One central authority per State: the single point of contact.
  problem_of(post("/api/v1/parties", {{"id", "it-ca-2"}, {"kind", "central_authority"}, {"state", "IT"}, {"name", "x"}},
                  "admin"),
             409);
  // A user's role must fit its party's kind.
  json misfit = problem_of(
      post("/api/v1/users", {{"id", "it-officer"}, {"party_id", "it-ca"}, {"role", "officer"}, {"name", "x"}}, "admin"),
      422);
  EXPECT_EQ(misfit["errors"][0]["path"], "$.role");
  problem_of(post("/api/v1/users", {{"id", "it-x"}, {"party_id", "it-ca"}, {"role", "system"}, {"name", "x"}}, "admin"),
             422);
  ASSERT_EQ(
      post("/api/v1/users",
           {{"id", "ca-it"}, {"party_id", "it-ca"}, {"role", "central_authority"}, {"name", "Ufficio II"}}, "admin")
          ->status,
      201);
  problem_of(post("/api/v1/users/ca-it/tokens", json::object(), "officer-de"), 403);
  problem_of(post("/api/v1/users/nobody/tokens", json::object(), "admin"), 404);
  auto issued = post("/api/v1/users/ca-it/tokens", json::object(), "admin");
  ASSERT_EQ(issued->status, 201);
  EXPECT_EQ(issued->get_header_value("Cache-Control"), "no-store");
  json t = json::parse(issued->body);
  std::string token = t["token"], token_id = t["id"];
  httplib::Headers auth = {{"Authorization", "Bearer " + token}};
  auto me = http.Get("/api/v1/me", auth);
  ASSERT_EQ(me->status, 200);
  EXPECT_EQ(json::parse(me->body)["user"]["id"], "ca-it");
  EXPECT_EQ(json::parse(me->body)["party"]["state"], "IT");
  // Another user cannot revoke it (nor learn that it exists); its holder can.
  problem_of(post("/api/v1/tokens/" + token_id + "/revoke", json::object(), "officer-de"), 404);
  ASSERT_EQ(http.Post("/api/v1/tokens/" + token_id + "/revoke", auth, "{}", "application/json")->status, 200);
  problem_of(http.Get("/api/v1/me", auth), 401);
  problem_of(post("/api/v1/tokens/" + token_id + "/revoke", json::object(), "admin"), 409);  // already revoked

  // The trail: each change once, as its author, and never the token itself.
  problem_of(get("/api/v1/audit", "officer-de"), 403);
  auto trail = get("/api/v1/audit?limit=200", "overseer");
  ASSERT_EQ(trail->status, 200);
  EXPECT_EQ(trail->body.find(token), std::string::npos);
  std::vector<std::string> actions;
  json entries = json::parse(trail->body)["items"];
  for (const auto& a : entries)
    if (a["actor"] != "system:test-seed")
      actions.push_back(a["actor"].get<std::string>() + " " + a["action"].get<std::string>());
  // The node keeps the rule pack it runs (by content hash) before serving.
  EXPECT_EQ(actions,
            (std::vector<std::string>{"system rule_pack_stored", "admin:admin create_party", "admin:admin create_user",
                                      "admin:admin issue_token", "central_authority:ca-it revoke_token"}));
}

TEST_F(ServerTest, ReadsOfFactsAndOrdersAreAudited) {
  std::string id = open_case(*this, "s01-eu-subscriber-prosecutor.json", "P_EU_EPOC", "officer-de");
  for (const char* e : {"submit", "mark_ready", "transmit"}) step(*this, id, e, "officer-de");
  auto full = get("/api/v1/cases/" + id, "officer-de");
  auto order = get("/api/v1/cases/" + id, "provider-nl");
  ASSERT_EQ(get("/api/v1/cases/" + id, "overseer")->status, 200);  // metadata: no facts, no read entry
  json items = json::parse(get("/api/v1/audit?limit=200", "overseer")->body)["items"];
  std::vector<json> reads;
  for (const auto& a : items)
    if (a["action"].get<std::string>().rfind("read_case", 0) == 0) reads.push_back(a);
  ASSERT_EQ(reads.size(), 2u);
  EXPECT_EQ(reads[0]["actor"], "officer:officer-de");
  EXPECT_EQ(reads[0]["action"], "read_case:full");
  EXPECT_EQ(reads[0]["object"], id);
  EXPECT_EQ(reads[0]["payload_sha256"], sha256_hex(full->body));  // exactly what was shown
  EXPECT_EQ(reads[1]["actor"], "provider:provider-nl");
  EXPECT_EQ(reads[1]["action"], "read_case:order");
  EXPECT_EQ(reads[1]["payload_sha256"], sha256_hex(order->body));
}

// Every role against every endpoint, on an EPOC from a German prosecutor to
// NL-MAILCO that has been transmitted (subscriber data: no notification).
// A route missing from this table fails the test, so new routes get a row.
TEST_F(ServerTest, PermissionMatrixEveryRoleEveryEndpoint) {
  std::string id = open_case(*this, "s01-eu-subscriber-prosecutor.json", "P_EU_EPOC", "officer-de");
  for (const char* e : {"submit", "mark_ready", "transmit"}) step(*this, id, e, "officer-de");
  json request = json::parse(test::read_text(test::source_dir() + "/examples/s01-eu-subscriber-prosecutor.json"));
  // Callers, in the order the table's status lists follow. Those that change
  // something come last: officer-de opens a case, admin revokes a token,
  // provider-nl acknowledges the order.
  const std::vector<std::string> callers = {"",         "revoked",    "officer-fr",  "validator-de",
                                            "ca-de",    "ca-nl",      "provider-us", "enforcing-pl",
                                            "overseer", "officer-de", "admin",       "provider-nl"};
  const std::vector<std::string> caller_roles = {"",
                                                 "",
                                                 "officer",
                                                 "validator",
                                                 "central_authority",
                                                 "central_authority",
                                                 "provider",
                                                 "enforcing_authority",
                                                 "oversight",
                                                 "officer",
                                                 "admin",
                                                 "provider"};
  // The route table says who may call each route: the matrix must agree.
  std::map<std::string, RouteSpec> table;
  for (const auto& route : api_routes()) table[route.method + " " + route.path] = route;
  struct Row {
    std::string method, path;
    json body;
    std::vector<int> status;  // one per caller
  };
  int n = 0;
  auto fresh = [&n](const char* prefix) { return std::string(prefix) + std::to_string(n++); };
  std::string c = "/api/v1/cases/" + id;
  //                                                anon revk fr   vd   cade canl pus  epl  ovs  ode  adm  pnl
  const std::vector<Row> rows = {
      {"GET", "/", {}, {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET", "/app/app.js", {}, {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET", "/api/v1", {}, {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET", "/healthz", {}, {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET", "/readyz", {}, {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET", "/metrics", {}, {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET", "/api/v1/openapi.json", {}, {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"POST", "/api/v1/evaluate", request, {401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      // officer-fr: a German request is not France's to issue.
      {"POST",
       "/api/v1/cases",
       {{"request", request}, {"pathway", "P_EU_EPOC"}},
       {401, 401, 422, 403, 403, 403, 403, 403, 403, 201, 403, 403}},
      {"GET", "/api/v1/cases", {}, {401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET", c, {}, {401, 401, 404, 200, 200, 404, 404, 404, 200, 200, 404, 200}},
      {"GET", c + "/decision", {}, {401, 401, 404, 200, 200, 404, 404, 404, 200, 200, 404, 403}},
      // The formal document: the order's parties; oversight sees metadata only.
      {"GET", c + "/document?lang=fr", {}, {401, 401, 404, 200, 200, 404, 404, 404, 403, 200, 404, 200}},
      // The requesting side reviews once: the validator first, so its central authority finds it done.
      {"POST",
       c + "/review",
       {{"verdicts", json::array()}, {"agree_rest", true}},
       {401, 401, 403, 201, 409, 404, 403, 404, 403, 403, 403, 403}},
      {"POST", c + "/notice", {{"action", "notified"}}, {401, 401, 404, 403, 403, 403, 403, 403, 403, 200, 403, 403}},
      // The requesting side may decide again; the case rests on the current pack already (409).
      {"POST", c + "/redecide", {{"reason", "x"}}, {401, 401, 404, 409, 409, 404, 403, 403, 403, 409, 403, 403}},
      {"POST", c + "/events", {{"event", "acknowledge"}}, {401, 401, 404, 403, 403, 404, 404, 404, 403, 403, 403, 200}},
      {"GET", "/api/v1/me", {}, {401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET", "/api/v1/parties", {}, {401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET", "/api/v1/parties/NL-MAILCO", {}, {401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"POST",
       "/api/v1/parties",
       {{"id", "*"}, {"kind", "provider"}, {"state", "IE"}, {"name", "Newco"}},
       {401, 401, 403, 403, 403, 403, 403, 403, 403, 403, 201, 403}},
      {"POST",
       "/api/v1/users",
       {{"id", "*"}, {"party_id", "NL-MAILCO"}, {"role", "provider"}, {"name", "Clerk"}},
       {401, 401, 403, 403, 403, 403, 403, 403, 403, 403, 201, 403}},
      {"POST",
       "/api/v1/users/spare/tokens",
       json::object(),
       {401, 401, 403, 403, 403, 403, 403, 403, 403, 403, 201, 403}},
      // Only the admin or the holder may revoke; to anyone else the token does not exist.
      {"POST",
       "/api/v1/tokens/t-spare/revoke",
       json::object(),
       {401, 401, 404, 404, 404, 404, 404, 404, 404, 404, 200, 404}},
      {"GET", "/api/v1/audit", {}, {401, 401, 403, 403, 403, 403, 403, 403, 200, 403, 200, 403}},
      // Provider statements: anyone reads (none published here); only the provider's own people publish,
      // and an empty body is not a signed statement.
      {"GET",
       "/api/v1/providers/US-CLOUDCO/statement",
       {},
       {404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404}},
      {"POST",
       "/api/v1/providers/US-CLOUDCO/statement",
       json::object(),
       {401, 401, 403, 403, 403, 403, 422, 403, 403, 403, 403, 403}},
      // The log is public; salts go to the case's parties (the addressee: its own events).
      {"GET", "/log/checkpoint", {}, {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET", "/log/tile/0/000.p/1", {}, {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET", "/api/v1/log", {}, {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET",
       "/api/v1/log/inclusion?index=0&tree_size=1",
       {},
       {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET", "/api/v1/log/consistency?from=1&to=2", {}, {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"POST", "/api/v1/log/checkpoint", json::object(), {401, 401, 403, 403, 403, 403, 403, 403, 201, 403, 201, 403}},
      {"GET", "/api/v1/log/statistics", {}, {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET", c + "/log", {}, {401, 401, 404, 200, 200, 404, 404, 404, 403, 200, 404, 200}},
      // What the exchange trusts is public; only an admin imports.
      {"GET", "/api/v1/trust", {}, {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"POST",
       "/api/v1/trust",
       {{"type", "comity.trust-bundle/v1"}},
       {401, 401, 403, 403, 403, 403, 403, 403, 403, 403, 201, 403}},
      // Evidence: only providers register and upload (403 for every other role,
      // which may read the case but never produce); the addressed provider's
      // empty manifest is refused as malformed, another provider finds no case;
      // productions that do not exist are 404 to those who may read them;
      // chunks must be application/octet-stream; only officers download.
      {"POST", c + "/productions", json::object(), {401, 401, 403, 403, 403, 403, 404, 403, 403, 403, 403, 422}},
      {"GET", "/api/v1/productions/nope", {}, {401, 401, 404, 403, 403, 403, 404, 403, 403, 404, 403, 404}},
      {"POST",
       "/api/v1/productions/nope/files/0?offset=0",
       json::object(),
       {401, 401, 403, 403, 403, 403, 415, 403, 403, 403, 403, 415}},
      {"GET", "/api/v1/productions/nope/files/0", {}, {401, 401, 404, 403, 403, 403, 403, 403, 403, 404, 403, 403}},
      // Browser sessions: a login for nobody fails for everyone; API tokens are not sessions.
      {"POST",
       "/api/v1/session",
       {{"user", "nobody"}, {"password", "not a password"}},
       {401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401}},
      {"GET", "/api/v1/session", {}, {401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401}},
      {"GET", "/transparency", {}, {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      // The federation: this node is not federated (404), and only its admin sees its peers and outbox.
      {"POST", "/fed/v1/messages", json::object(), {404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404}},
      {"GET", "/fed/v1/node", {}, {404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404}},
      {"POST",
       "/fed/v1/witness/add-checkpoint",
       json::object(),
       {404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404}},
      {"GET", "/api/v1/federation/peers", {}, {401, 401, 403, 403, 403, 403, 403, 403, 403, 403, 404, 403}},
      {"POST",
       "/api/v1/federation/hello",
       {{"peer", "nl-node"}},
       {401, 401, 403, 403, 403, 403, 403, 403, 403, 403, 404, 403}},
      {"GET", "/api/v1/federation/outbox", {}, {401, 401, 403, 403, 403, 403, 403, 403, 403, 403, 404, 403}},
      {"GET", "/api/v1/federation/inbox", {}, {401, 401, 404, 404, 404, 404, 404, 404, 403, 404, 403, 404}},
      {"POST",
       "/api/v1/federation/inbox/msg-none/answer",
       {{"event", "acknowledge"}},
       {401, 401, 403, 403, 404, 404, 404, 404, 403, 403, 403, 404}},
      {"POST",
       "/api/v1/federation/inbox/msg-none/productions",
       json::object(),
       {401, 401, 403, 403, 404, 404, 404, 403, 403, 403, 403, 404}},
      {"POST",
       "/api/v1/federation/inbox/msg-none/productions/m-none/files/0?offset=0",
       json::object(),
       {401, 401, 403, 403, 404, 404, 404, 403, 403, 403, 403, 404}},
      // Drafts: officers' own; a draft that is not one's own does not exist.
      {"POST",
       "/api/v1/drafts",
       {{"request", json::object()}},
       {401, 401, 201, 403, 403, 403, 403, 403, 403, 201, 403, 403}},
      {"GET", "/api/v1/drafts", {}, {401, 401, 200, 403, 403, 403, 403, 403, 403, 200, 403, 403}},
      {"GET", "/api/v1/drafts/draft-none", {}, {401, 401, 404, 403, 403, 403, 403, 403, 403, 404, 403, 403}},
      {"POST",
       "/api/v1/drafts/draft-none",
       {{"version", 1}, {"request", json::object()}},
       {401, 401, 404, 403, 403, 403, 403, 403, 403, 404, 403, 403}},
      {"POST",
       "/api/v1/drafts/draft-none/delete",
       json::object(),
       {401, 401, 404, 403, 403, 403, 403, 403, 403, 404, 403, 403}},
      {"POST", "/api/v1/session/logout", json::object(), {401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401}},
  };
  std::set<std::string> covered;
  for (const auto& row : rows) {
    std::string route = row.path;
    if (route.rfind(c, 0) == 0) route = "/api/v1/cases/{id}" + route.substr(c.size());
    if (route == "/api/v1/parties/NL-MAILCO") route = "/api/v1/parties/{id}";
    if (route == "/api/v1/providers/US-CLOUDCO/statement") route = "/api/v1/providers/{id}/statement";
    if (route == "/api/v1/users/spare/tokens") route = "/api/v1/users/{id}/tokens";
    if (route == "/api/v1/tokens/t-spare/revoke") route = "/api/v1/tokens/{id}/revoke";
    if (route.rfind("/log/tile/", 0) == 0) route = "/log/tile/{tile}";
    if (route.rfind("/app/", 0) == 0) route = "/app/{file}";
    if (route.rfind("/api/v1/productions/nope/files/0", 0) == 0) route = "/api/v1/productions/{id}/files/{n}";
    if (route == "/api/v1/productions/nope") route = "/api/v1/productions/{id}";
    if (route == "/api/v1/federation/inbox/msg-none/answer") route = "/api/v1/federation/inbox/{id}/answer";
    if (route == "/api/v1/federation/inbox/msg-none/productions") route = "/api/v1/federation/inbox/{id}/productions";
    if (route.rfind("/api/v1/federation/inbox/msg-none/productions/m-none/files/0", 0) == 0)
      route = "/api/v1/federation/inbox/{id}/productions/{manifest}/files/{n}";
    if (route.rfind("/api/v1/drafts/draft-none", 0) == 0) route = "/api/v1/drafts/{id}" + route.substr(25);
    route = route.substr(0, route.find('?'));
    covered.insert(row.method + " " + route);
    ASSERT_EQ(row.status.size(), callers.size()) << row.path;
    ASSERT_TRUE(table.count(row.method + " " + route)) << row.method << " " << route << " is not in the route table";
    const RouteSpec& spec = table[row.method + " " + route];
    for (size_t i = 0; i < callers.size(); ++i) {
      const bool named = std::find(spec.roles.begin(), spec.roles.end(), caller_roles[i]) != spec.roles.end();
      if (!spec.authenticated) {
        EXPECT_EQ(row.status[i], row.status[0]) << route << ": a public route answers every caller alike";
      } else if (i < 2) {
        EXPECT_EQ(row.status[i], 401) << route;
      } else if (!spec.roles.empty() && !named) {
        EXPECT_EQ(row.status[i], 403) << route << " as " << callers[i] << ": the table does not name its role";
      }
    }
    for (size_t i = 0; i < callers.size(); ++i) {
      httplib::Headers h;
      if (!callers[i].empty()) h = bearer(callers[i]);
      json body = row.body;
      if (body.is_object() && body.contains("id") && body["id"] == "*") body["id"] = fresh("new-");
      auto r = row.method == "GET" ? http.Get(row.path, h) : http.Post(row.path, h, body.dump(), "application/json");
      ASSERT_TRUE(r) << row.method << " " << row.path;
      EXPECT_EQ(r->status, row.status[i]) << row.method << " " << row.path << " as "
                                          << (callers[i].empty() ? "anonymous" : callers[i]) << ": " << r->body;
    }
  }
  std::set<std::string> served;
  for (const auto& route : api_routes()) served.insert(route.method + " " + route.path);
  EXPECT_EQ(covered, served) << "every route needs a row in the matrix";
}

TEST_F(ServerTest, StopsCleanlyOnSigterm) {
  EXPECT_EQ(server->stop(), 0);
}

}  // namespace
}  // namespace comity
