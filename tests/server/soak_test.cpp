// A bounded soak of the real binary on loopback: a fixed count of seeded
// random requests over every route of the route table — valid and broken
// bodies, wrong media types, junk and non-UTF-8 path parameters, every
// caller — with injected client faults (connections cut mid-body, bytes no
// client library writes). Afterwards the server answers /healthz, and not
// one answer was a 5xx.
#include <random>

#include "server/harness.hpp"

namespace comity {
namespace {

using namespace server_test;

constexpr int kRequests = 3000;

struct Soak {
  std::mt19937 rng{20261204};
  std::vector<std::string> case_ids;

  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); }
  bool chance(int percent) { return static_cast<int>(pick(100)) < percent; }

  std::string param(std::string_view name) {
    static const std::vector<std::string> junk = {
        "x", "..", "%C0",       "\xc0\xae", "0",         "999999", "a.b", std::string(80, 'z'),
        "-", "_",  "NL-MAILCO", "t-spare",  "draft-none"};
    if (name == "n") return chance(70) ? "0" : junk[pick(junk.size())];
    if (name == "file") return chance(60) ? "app.js" : junk[pick(junk.size())] + ".js";
    if (name == "tile") return chance(60) ? "0/000.p/1" : junk[pick(junk.size())];
    if (!case_ids.empty() && chance(60)) return case_ids[pick(case_ids.size())];
    return junk[pick(junk.size())];
  }

  std::string path_of(std::string_view tmpl) {
    std::string out;
    for (size_t i = 0; i < tmpl.size(); ++i) {
      if (tmpl[i] != '{') {
        out += tmpl[i];
        continue;
      }
      size_t close = tmpl.find('}', i);
      out += param(tmpl.substr(i + 1, close - i - 1));
      i = close;
    }
    static const std::vector<std::string> queries = {
        "",           "?limit=1",       "?limit=0",       "?limit=abc",           "?cursor=%FF",  "?lang=de",
        "?lang=xx",   "?at=2026-09-15", "?at=not-a-date", "?index=0&tree_size=1", "?from=1&to=1", "?offset=0",
        "?format=csv"};
    return out + queries[pick(queries.size())];
  }

  json random_json(int depth = 0) {
    switch (pick(depth > 3 ? 4 : 7)) {
      case 0: return nullptr;
      case 1: return static_cast<int64_t>(pick(1000)) - 500;
      case 2: return chance(50);
      case 3: {
        static const std::vector<std::string> words = {
            "acknowledge", "produce", "transmit_emergency", "refuse_ex_post", "P_EU_EPOC",
            "officer",     "",        "ne_bis_in_idem",     "2026-01-01"};
        return words[pick(words.size())];
      }
      case 4: {
        json a = json::array();
        for (size_t i = pick(4); i > 0; --i) a.push_back(random_json(depth + 1));
        return a;
      }
      default: {
        static const std::vector<std::string> keys = {
            "event", "reason",   "ground", "request", "pathway", "signature", "verdicts", "agree_rest", "action",
            "user",  "password", "id",     "kind",    "state",   "name",      "version",  "type",       "role"};
        json o = json::object();
        for (size_t i = pick(5); i > 0; --i) o[keys[pick(keys.size())]] = random_json(depth + 1);
        return o;
      }
    }
  }

  std::string body() {
    static const json s01 =
        json::parse(test::read_text(test::source_dir() + "/examples/s01-eu-subscriber-prosecutor.json"));
    switch (pick(6)) {
      case 0: return "";
      case 1: return json{{"event", random_json(3)}, {"reason", "soak"}}.dump();
      case 2: return json{{"request", s01}, {"pathway", "P_EU_EPOC"}}.dump();
      case 3: {  // bytes flipped in a valid document, invalid UTF-8 among them
        std::string b = s01.dump();
        for (size_t i = pick(8) + 1; i > 0; --i) b[pick(b.size())] = static_cast<char>(pick(256));
        return b;
      }
      case 4:
        return std::string(pick(2) ? "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                                   : "{\"a\":\"\xff\"}");
      default: return random_json().dump();
    }
  }
};

TEST(ServerSoak, ThousandsOfRandomRequestsAndNotOne5xx) {
  test::TempDir dir;
  const std::string db = test_store(dir);
  seed(db);
  Server server(db, {"--evidence-dir", (dir.path() / "evidence").string()});
  httplib::Client http = server.client();
  Soak soak;
  for (const char* example : {"s01-eu-subscriber-prosecutor.json", "s02b-eu-content-validated-by-judge.json"}) {
    json request = json::parse(test::read_text(test::source_dir() + "/examples/" + example));
    auto r = http.Post("/api/v1/cases", bearer("officer-de"),
                       json{{"request", request}, {"pathway", "P_EU_EPOC"}}.dump(), "application/json");
    if (r && r->status == 201) soak.case_ids.push_back(json::parse(r->body)["id"]);
  }
  ASSERT_FALSE(soak.case_ids.empty());
  const std::vector<std::string> callers = {"",         "officer-de",  "officer-fr",  "validator-de",
                                            "ca-de",    "provider-nl", "provider-us", "enforcing-pl",
                                            "overseer", "admin",       "revoked"};
  const std::vector<std::string> types = {"application/json", "application/json; charset=utf-8", "application/jsonx",
                                          "text/plain",       "application/octet-stream",        ""};
  const auto routes = api_routes();
  std::map<int, int> statuses;
  int faults = 0;
  for (int i = 0; i < kRequests; ++i) {
    const RouteSpec& route = routes[soak.pick(routes.size())];
    std::string path = soak.path_of(route.path);
    httplib::Headers h;
    const std::string& who = callers[soak.pick(callers.size())];
    if (!who.empty()) h.emplace("Authorization", "Bearer tok-" + who);
    if (soak.chance(10)) h.emplace("Idempotency-Key", soak.chance(50) ? "k-" + std::to_string(soak.pick(20)) : "\x7f");
    if (soak.chance(5)) {
      // Injected client faults: a body cut short, or bytes no client library writes.
      ++faults;
      std::string b = soak.body();
      std::string raw =
          "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\x01\r\nContent-Length: " +
          std::to_string(b.size() + 100) + "\r\n" + (who.empty() ? "" : "Authorization: Bearer tok-" + who + "\r\n") +
          "\r\n" + b.substr(0, b.size() / 2);
      std::string answer = raw_request(server.port(), raw, Then::Hangup);
      if (answer.rfind("HTTP/1.1 ", 0) == 0) ++statuses[std::stoi(answer.substr(9, 3))];
      continue;
    }
    httplib::Result r = route.method == "GET" ? http.Get(path, h)
                                              : http.Post(path, h, soak.body(), types[soak.pick(types.size())].c_str());
    ASSERT_TRUE(r) << route.method << " " << path << ": no answer (request " << i << ")";
    ++statuses[r->status];
    EXPECT_LT(r->status, 500) << route.method << " " << path << " as " << (who.empty() ? "anonymous" : who) << ": "
                              << r->body;
    EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff") << path;
  }
  std::string seen;
  for (auto [status, n] : statuses) seen += std::to_string(status) + "×" + std::to_string(n) + " ";
  std::cerr << "soak: " << kRequests << " requests (" << faults << " injected faults): " << seen << "\n";
  for (auto [status, n] : statuses) EXPECT_LT(status, 500) << n << " answers with " << status;
  auto health = http.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_GT(statuses[200] + statuses[201], 0) << "the soak reached no handler's success path";
  EXPECT_GT(statuses.size(), 5u) << "the soak met too few kinds of answer to be a soak";
}

}  // namespace
}  // namespace comity
