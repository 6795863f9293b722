// libFuzzer target: the real router, in-process, on a seeded node (a real
// SQLite store on tmpfs, the real pack, two cases in flight). Each input is
// one HTTP request:
//
//   byte 0        the method: GET POST HEAD PUT DELETE OPTIONS PATCH, or (7) a
//                 raw method read up to the first space
//   byte 1        who calls: nobody, officer-de, validator-de, provider-nl,
//                 admin, overseer, enforcing-pl (a valid bearer token each)
//   then          the path up to "\n" ("?" starts the query; "{c}" becomes the
//                 transmitted EPOC's id, "{n}" the notified one's), header
//                 lines "Name: value" up to an empty line, and the body.
//
// The router must answer every input: a 5xx, a problem body that is not
// JSON, or an answer without nosniff is a bug (abort). A crash, a sanitizer
// report, a leak or a timeout is one too. Seeds: tests/fuzz/http_corpus/.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <string_view>

#include "comity/rules/pack.hpp"
#include "comity/server/node.hpp"
#include "comity/server/router.hpp"
#include "comity/server/routes.hpp"
#include "comity/store/open_store.hpp"
#include "comity/util/sha256.hpp"

namespace {

using namespace comity;

struct World {
  std::unique_ptr<Pack> pack;
  std::unique_ptr<Store> store;
  SystemClock clock;
  std::unique_ptr<Node> node;
  std::unique_ptr<Router> router;
  std::string epoc, notified;
};

AuditEntry seed_audit(const char* action) {
  return {0, 0, "fuzz:seed", action, "seed", sha256_hex(action)};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

World& world() {
  static World* w = [] {
    auto* x = new World;
    const char* dir = std::getenv("COMITY_PACK");
    const std::string source = COMITY_SOURCE_DIR;
    x->pack = load_pack(dir && *dir ? dir : source + "/rules");
    const std::string base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    const std::string scratch = base + "/comity-fuzz-http-" + std::to_string(getpid());
    std::filesystem::create_directories(scratch);
    // The scratch store goes when the fuzzer exits (libFuzzer ends with exit()).
    static std::string to_remove;
    to_remove = scratch;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(to_remove, ec);
    });
    x->store = open_sqlite_store(scratch + "/fuzz.db");
    const std::tuple<const char*, const char*, const char*> parties[] = {
        {"de-sta", "issuing_authority", "DE"},     {"de-ag", "validating_authority", "DE"},
        {"es-juzgado", "issuing_authority", "ES"}, {"NL-MAILCO", "provider", "NL"},
        {"PL-KOMUNIK", "provider", "PL"},          {"pl-ca", "central_authority", "PL"},
        {"comity-admin", "admin", "BE"},           {"eu-oversight", "oversight", "BE"}};
    for (auto [id, kind, state] : parties) x->store->put_party({id, kind, state, id}, seed_audit("create_party"));
    const std::tuple<const char*, const char*, PartyRole> users[] = {
        {"officer-de", "de-sta", PartyRole::Officer},       {"validator-de", "de-ag", PartyRole::Validator},
        {"provider-nl", "NL-MAILCO", PartyRole::Provider},  {"admin", "comity-admin", PartyRole::Admin},
        {"overseer", "eu-oversight", PartyRole::Oversight}, {"enforcing-pl", "pl-ca", PartyRole::EnforcingAuthority},
        {"officer-es", "es-juzgado", PartyRole::Officer},   {"provider-pl", "PL-KOMUNIK", PartyRole::Provider}};
    for (auto [id, party, role] : users) {
      x->store->put_user({id, party, id, role}, seed_audit("create_user"));
      x->store->put_token(std::string("t-") + id, id, sha256_hex(std::string("tok-") + id), 0,
                          seed_audit("issue_token"));
    }
    ServerOptions o;
    o.orders = OrderPolicy::SignedOrUnsigned;
    o.evidence_dir = scratch + "/evidence";
    o.request_log = ServerOptions::RequestLog::Off;
    x->node = std::make_unique<Node>(PackRegistry(*x->pack), *x->store, x->clock, o);
    x->router = std::make_unique<Router>(*x->node);
    // Two cases in flight: an EPOC to NL-MAILCO, and one notified to PL.
    const Actor de{"officer-de", PartyRole::Officer, "de-sta", "DE"},
        es{"officer-es", PartyRole::Officer, "es-juzgado", "ES"};
    auto& cases = x->node->cases;
    x->epoc =
        cases.open(read_file(source + "/examples/s01-eu-subscriber-prosecutor.json"), "P_EU_EPOC", Role::Primary, de)
            .id;
    x->notified = cases
                      .open(read_file(source + "/examples/s05b-eu-notification-residence-unknown.json"), "P_EU_EPOC",
                            Role::Primary, es)
                      .id;
    for (const char* e : {"submit", "mark_ready", "transmit"}) {
      cases.step(x->epoc, e, de);
      cases.step(x->notified, e, es);
    }
    return x;
  }();
  return *w;
}

std::string replace_all(std::string s, std::string_view from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  World& w = world();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (in.size() < 2) return 0;
  static const char* kMethods[] = {"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"};
  static const char* kWho[] = {"", "officer-de", "validator-de", "provider-nl", "admin", "overseer", "enforcing-pl"};
  HttpRequest req;
  const uint8_t m = static_cast<uint8_t>(in[0]) % 8, who = static_cast<uint8_t>(in[1]) % 7;
  in.remove_prefix(2);
  if (m < 7) {
    req.method = kMethods[m];
  } else {
    size_t sp = in.find(' ');
    req.method = std::string(in.substr(0, std::min<size_t>(sp, 16)));
    in.remove_prefix(sp == std::string_view::npos ? in.size() : sp + 1);
  }
  size_t nl = in.find('\n');
  std::string target(in.substr(0, nl));
  in.remove_prefix(nl == std::string_view::npos ? in.size() : nl + 1);
  target = replace_all(replace_all(target, "{c}", w.epoc), "{n}", w.notified);
  size_t q = target.find('?');
  req.path = target.substr(0, q);
  if (q != std::string::npos) {
    std::string_view query = std::string_view(target).substr(q + 1);
    while (!query.empty()) {
      size_t amp = query.find('&');
      std::string_view kv = query.substr(0, amp);
      size_t eq = kv.find('=');
      req.query.emplace(std::string(kv.substr(0, eq)),
                        eq == std::string_view::npos ? "" : std::string(kv.substr(eq + 1)));
      query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    }
  }
  while (!in.empty()) {
    nl = in.find('\n');
    std::string_view line = in.substr(0, nl);
    in.remove_prefix(nl == std::string_view::npos ? in.size() : nl + 1);
    if (line.empty()) break;
    size_t colon = line.find(':');
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    req.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  if (*kWho[who]) req.headers.emplace_back("Authorization", std::string("Bearer tok-") + kWho[who]);
  req.body = std::string(in);
  if (!req.has_header("Content-Length")) req.headers.emplace_back("Content-Length", std::to_string(req.body.size()));
  const std::string body = req.body;
  req.read_body = [&body](const BodySink& sink) {
    const size_t half = body.size() / 2;
    if (sink(body.data(), half)) sink(body.data() + half, body.size() - half);
  };

  HttpResponse res;
  w.router->handle(req, res);
  if (res.status < 100 || res.status > 599 || res.status >= 500) {
    std::cerr << "fuzz_http: " << req.method << " " << req.path << " answered " << res.status << ": " << res.body
              << "\n";
    std::abort();
  }
  if (res.content_type == "application/problem+json" && !nlohmann::json::accept(res.body)) {
    std::cerr << "fuzz_http: a problem body that is not JSON: " << res.body << "\n";
    std::abort();
  }
  if (res.header("X-Content-Type-Options") != "nosniff") {
    std::cerr << "fuzz_http: an answer without nosniff\n";
    std::abort();
  }
  if (res.stream) {  // a download: read it through, as a transport would
    for (uint64_t at = 0; at < res.stream_size;) {
      uint64_t before = at;
      if (!res.stream(at, [&](const char*, size_t n) {
            at += n;
            return true;
          }))
        break;
      if (at == before) break;
    }
  }
  return 0;
}
