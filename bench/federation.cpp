// Federation benchmark (docs/federation.md §3-5): two federated nodes, DE
// and NL, as real `comity serve --node` processes on loopback, each on its
// own SQLite database (WAL, synchronous=FULL) in a temporary directory, set
// up through the CLI as two ministries would (anchors, node init and
// certify, trust export and import, node cards, peer add).
//
// 1. node to node: `--conns` client threads act as DE's sender. Each signs
//    an order.transmit envelope with DE's node key (a case_ref of its own,
//    seq 1, 2, 3, … on it; as body the certificate view, here the officer's
//    signed order of examples/s01, signed once as an officer signs it),
//    HTTP-signs the request (RFC 9421 over
//    RFC 9530 Content-Digest), posts it to NL's /fed/v1/messages on a
//    keep-alive connection, and counts it only once the answer verifies:
//    a receipt signed by NL's node key, for this message id and digest,
//    status delivered, and — when it carries a proof — fed::verify_receipt
//    against NL's log key. Signing and verification are in the timed span,
//    as they are in DE's sender; the scheduling of the outbox is not.
// 2. through DE's outbox: M = 100 × --seconds peer.hello messages queued
//    through DE's admin API (over --conns connections), timed from the first queue call until DE's store shows all M
//    delivered — the whole path: queue commit, lease, post, NL's receipt,
//    the receipt verified and recorded. Hellos share one stream (peer,
//    case_ref ""), and the sender posts only the lowest undelivered seq of
//    a stream, so this is the serial sender's figure, not a channel's.
//    Per-message times: each queue call's return, against when a poll of
//    DE's store (count of delivered, every millisecond) first showed that
//    message's seq delivered — a stream is delivered in seq order, so the
//    k-th delivered is seq k. So they are upper bounds, by up to a poll;
//    in a burst they are mostly the wait in the queue, and the sender's own
//    time per message is the total time / M (printed too).
// 3. inside one node: the comparator. The same signed order opened as a
//    case by POST /api/v1/cases on one `comity serve` process (as
//    bench_scale_out's SQLite submit figure does, same connections): the
//    client signs a fresh order each time; the server verifies it and its
//    chain, evaluates the rules, and commits case, audit entry and log leaf
//    in one group commit.
//
// Why 1 against 3 is fair: both are one signed act carried over one
// keep-alive HTTP request into one durable group commit with a log leaf,
// the client signing on the way out (the order in 3; envelope and request
// in 1). 1 adds what crossing a border costs: NL verifies two signatures,
// stores a nonce, signs a receipt and a checkpoint for its proof, and the
// client verifies both. It skips what NL does not do yet: re-verifying the
// officer's order (federation.md §8) and running rules. Both share the two
// cores with the load generator, which is measured with them.
// Not a test: it prints figures beside their targets and never fails.
// Usage: bench_federation [--seconds N] [--conns N]
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "comity/crypto/age.hpp"
#include "comity/fed/http_signature.hpp"
#include "comity/fed/messages.hpp"
#include "comity/fed/peers.hpp"
#include "comity/store/open_store.hpp"
#include "comity/trust/credentials.hpp"
#include "comity/trust/orders.hpp"
#include "comity/util/jcs.hpp"
#include "comity/workflow/clock.hpp"
#include "load.hpp"

namespace {

using namespace comity;
using namespace comity::bench;
using nlohmann::json;
namespace fs = std::filesystem;

// Runs `comity ARGS…`; returns its stdout; throws with its output unless it exits 0.
std::string cli(std::vector<std::string> args) {
  args.insert(args.begin(), COMITY_BINARY);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe");
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    execv(COMITY_BINARY, argv.data());
    _exit(127);
  }
  close(out[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = read(out[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("comity " + args[1] + " " + args[2] + " failed: " + text);
  return text;
}

// A loopback port nothing listens on now, for a node's endpoint.
int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error("no free port");
  close(fd);
  return ntohs(a.sin_port);
}

// `comity serve ARGS…` as a real process; ready once it printed its address
// (it prints it once it accepts connections); stopped with SIGTERM.
class Serve {
 public:
  Serve(std::vector<std::string> args, const fs::path& log) {
    args.insert(args.begin(), {COMITY_BINARY, "serve", "--pack", std::string(COMITY_SOURCE_DIR) + "/rules"});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      close(out[0]);
      if (FILE* err = std::fopen(log.c_str(), "a")) dup2(fileno(err), 2);  // the request log
      execv(COMITY_BINARY, argv.data());
      _exit(127);
    }
    close(out[1]);
    out_ = fdopen(out[0], "r");
    char line[512] = {};
    if (!fgets(line, sizeof line, out_))
      throw std::runtime_error("comity serve printed nothing (see " + log.string() + ")");
    std::string s(line);
    port_ = std::stoi(s.substr(s.find("127.0.0.1:") + 10));
  }
  ~Serve() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    fclose(out_);
  }
  Serve(const Serve&) = delete;
  Serve& operator=(const Serve&) = delete;
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  FILE* out_ = nullptr;
};

// The load generator's parties and tokens, and an admin "tok-admin".
void seed_db(const std::string& db) {
  auto store = open_store(db);
  seed(*store);
  auto a = [](const char* action) { return test::seed_audit(action, "bench"); };
  store->put_party({"comity-admin", "admin", "BE", "Operator"}, a("create_party"));
  store->put_user({"admin", "comity-admin", "Admin", PartyRole::Admin}, a("create_user"));
  store->put_token("t-admin", "admin", sha256_hex("tok-admin"), 0, a("issue_token"));
}

struct NodeDir {
  std::string name, state, id, dir, db;
  int port = 0;
};

// DE and NL, each with its anchor, node credential and the other as its peer.
void federate(const fs::path& tmp, NodeDir& de, NodeDir& nl) {
  auto p = [&](const std::string& name) { return (tmp / name).string(); };
  for (NodeDir* n : {&de, &nl}) {
    n->dir = p(n->name + "-node");
    n->db = p(n->name + ".db");
    n->port = free_port();
    seed_db(n->db);
    cli({"keys", "gen", "--out", p(n->name + "-anchor")});
    cli({"trust", "anchor", "--keys", p(n->name + "-anchor"), "--state", n->state, "--party", n->name + "-ca", "--name",
         n->state + " central authority", "--out", p(n->name + "-anchor.json")});
    cli({"node", "init", "--keys", n->dir, "--id", n->id, "--state", n->state, "--endpoint",
         "http://127.0.0.1:" + std::to_string(n->port)});
  }
  cli({"node", "certify", "--anchor", p("de-anchor"), "--node", de.dir + "/node.json", "--host",
       "de-sta:issuing_authority", "--out", de.dir + "/credential.json"});
  cli({"node", "certify", "--anchor", p("nl-anchor"), "--node", nl.dir + "/node.json", "--host", "NL-MAILCO:provider",
       "--out", nl.dir + "/credential.json"});
  cli({"trust", "export", p("de-anchor.json"), de.dir + "/credential.json", p("nl-anchor.json"),
       nl.dir + "/credential.json", "--out", p("bundle.json")});
  for (NodeDir* n : {&de, &nl}) {
    cli({"trust", "import", p("bundle.json"), "--db", n->db});
    std::ofstream(p(n->name + "-card.json")) << cli({"node", "card", "--keys", n->dir});
  }
  cli({"peer", "add", "--keys", de.dir, "--card", p("nl-card.json"), "--db", de.db});
  cli({"peer", "add", "--keys", nl.dir, "--card", p("de-card.json"), "--db", nl.db});
}

std::unique_ptr<Serve> start_node(const NodeDir& n, const fs::path& tmp) {
  return std::make_unique<Serve>(
      std::vector<std::string>{"--db", n.db, "--node", n.dir, "--listen", "127.0.0.1:" + std::to_string(n.port)},
      tmp / (n.name + "-serve.log"));
}

// DE's officer and the chain that certifies it: anchor → office → officer.
struct Officer {
  crypto::SigningKey anchor = crypto::SigningKey::generate(), office = crypto::SigningKey::generate(),
                     key = crypto::SigningKey::generate();
  json request =
      json::parse(test::read_text(std::string(COMITY_SOURCE_DIR) + "/examples/s01-eu-subscriber-prosecutor.json"));
  json bundle(Instant now) const {
    auto recipient = [] { return crypto::age_recipient(crypto::AgeIdentity::generate().public_key()); };
    const Instant day = 86400;
    return {
        {"type", "comity.trust-bundle/v1"},
        {"anchors",
         {trust::make_anchor(
             {"DE", "DE-central", "central authority", "", recipient(), now - day, now + 1000 * day, "", {}}, anchor)}},
        {"credentials",
         {trust::issue_credential("c-sta",
                                  {"DE-STA-BERLIN", "DE", "issuing_authority", "", "", "StA Berlin",
                                   trust::key_text(office.public_key()), recipient()},
                                  anchor, now - day, now + 365 * day),
          trust::issue_credential("c-officer",
                                  {"DE-STA-BERLIN", "DE", "issuing_authority", "officer", "officer", "A. Richter",
                                   trust::key_text(key.public_key()), recipient()},
                                  office, now - day, now + 90 * day)}}};
  }
  // A fresh order on the s01 request (its own id and nonce), signed.
  json signed_order() const {
    const Instant now = SystemClock().now();
    json order = trust::make_order(request, fed::new_message_id("ord-"),
                                   crypto::base64_encode(crypto::random_bytes(18)), now - 60, now + 86400);
    return trust::sign_order(order, "officer", key);
  }
};

// One figure per line: what, connections, rate, p50, p99, details, and the comparison.
void line(const std::string& what, int conns, double rate, double p50, double p99, const std::string& detail,
          const std::string& versus) {
  size_t width = 0;  // in columns: UTF-8 continuation bytes take none
  for (unsigned char c : what) width += (c & 0xC0) != 0x80;
  std::printf("%s%*s %4d conns  %7.0f msg/s  p50 %7.2f ms  p99 %7.2f ms  (%s)  %s\n", what.c_str(),
              static_cast<int>(width < 48 ? 48 - width : 0), "", conns, rate, p50, p99, detail.c_str(), versus.c_str());
  std::fflush(stdout);
}

std::string ratio_line(const Result& r) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%.2fx the target of 1,000 msg/s, p99 %.2fx the limit of 50 ms: %s", r.rps / 1000,
                r.p99_ms / 50, r.rps >= 1000 && r.p99_ms < 50 ? "met" : "NOT met");
  return buf;
}

// Figure 1: DE's part played by the client, against NL's real process.
Result node_to_node(const NodeDir& de, const NodeDir& nl, const fs::path& tmp, int conns, double seconds,
                    const Officer& officer, std::atomic<uint64_t>& proofs, std::atomic<size_t>& envelope_bytes) {
  const crypto::SigningKey de_key = crypto::SigningKey::load_pem(de.dir + "/node.pem");
  const std::string keyid = fed::request_keyid(de.id, trust::key_text(de_key.public_key()));
  json card = json::parse(test::read_text(tmp / "nl-card.json"));
  trust::Credential cred = trust::parse_credential(card["credential"]);
  const std::string nl_key = cred.subject.signing_key, origin = card["log_origin"];
  crypto::PublicKey log_key = trust::parse_key_text(cred.subject.log_key, "$");
  const ledger::NoteVerifier verifier{origin, ledger::note_key_id(origin, log_key), log_key};
  const std::string authority = "127.0.0.1:" + std::to_string(nl.port);
  const json body = {{"certificate", officer.signed_order()}};
  auto call = [&](httplib::Client& c, uint64_t) {
    // One case per connection (each drives its own thread): a case_ref, and its last seq.
    thread_local std::pair<std::string, int64_t> stream;
    if (stream.first.empty()) stream = {fed::new_message_id("fc-"), 0};
    try {
      fed::Envelope e;
      e.id = fed::new_message_id("msg-");
      e.from = de.id;
      e.to = nl.id;
      e.from_party = "de-sta";
      e.to_party = "NL-MAILCO";
      e.case_ref = stream.first;
      e.seq = ++stream.second;
      e.kind = "order.transmit";
      e.created_at = SystemClock().now();
      e.expires_at = e.created_at + fed::kEnvelopeLifetimeSeconds;
      e.body = body;
      const json env = fed::sign_envelope(e, de_key);
      const std::string text = canonical_json(env);
      fed::SignedHeaders h =
          fed::sign_request({"POST", authority, "/fed/v1/messages", "application/json"}, text, de_key, keyid,
                            e.created_at, crypto::base64_encode(crypto::random_bytes(16)));
      auto r = c.Post(
          "/fed/v1/messages",
          {{"Content-Digest", h.content_digest}, {"Signature-Input", h.signature_input}, {"Signature", h.signature}},
          text, "application/json");
      if (!r || r->status != 200) throw std::runtime_error(r ? r->body : "no answer");
      const json rj = json::parse(r->body);
      fed::Receipt got = fed::parse_receipt(rj);  // and its signature under its signer
      if (got.signer != nl_key || got.from != nl.id || got.to != de.id || got.message != e.id ||
          got.message_sha256 != fed::envelope_digest(env) || got.status != fed::ReceiptStatus::Delivered)
        throw std::runtime_error("not NL's delivered receipt for this message: " + r->body);
      if (got.proof) {
        fed::verify_receipt(rj, nl_key, verifier, nl.state, de.state);
        proofs.fetch_add(1);
      }
      envelope_bytes = text.size();
      return true;
    } catch (const std::exception& x) {
      static std::once_flag once;
      std::call_once(once, [&] { std::fprintf(stderr, "first failure: %.300s\n", x.what()); });
      stream.first.clear();  // a lost message leaves a gap: go on with a new case
      return false;
    }
  };
  return load(nl.port, conns, seconds, "/healthz", call);
}

// Figure 2: M hellos queued at DE over `conns` connections, until all are delivered.
void through_outbox(const NodeDir& de, int port, int conns, int total, double budget) {
  using ms = std::chrono::duration<double, std::milli>;
  std::mutex mu;
  std::map<std::string, Clk::time_point> queued;  // id → when its queue call returned
  std::atomic<int> next{0}, refused{0};
  std::string why_refused;                                            // the first refusal's status and body
  std::vector<Clk::time_point> seen(static_cast<size_t>(total) + 1);  // seen[k]: first poll with >= k delivered
  auto store = open_store(de.db, StoreAccess::ReadOnly);
  const int64_t before = store->fed().count_outbox(OutboxState::Delivered);
  const auto t0 = Clk::now();
  std::vector<std::thread> queuers;
  for (int c = 0; c < conns; ++c)
    queuers.emplace_back([&] {
      httplib::Client h("127.0.0.1", port);
      h.set_keep_alive(true);
      h.set_tcp_nodelay(true);
      while (next.fetch_add(1) < total) {
        auto r = h.Post("/api/v1/federation/hello", {{"Authorization", "Bearer tok-admin"}},
                        json{{"peer", "nl-node"}}.dump(), "application/json");
        if (!r || r->status != 202) {
          std::lock_guard<std::mutex> lock(mu);
          if (why_refused.empty())
            why_refused = r ? std::to_string(r->status) + " " + r->body.substr(0, 200) : httplib::to_string(r.error());
          refused.fetch_add(1);
          continue;
        }
        std::string id = json::parse(r->body)["message"];
        std::lock_guard<std::mutex> lock(mu);
        queued[id] = Clk::now();
      }
    });
  int64_t done = 0;
  // A queue call refused leaves one message fewer to wait for.
  while (done < total - refused.load() && ms(Clk::now() - t0).count() < budget * 1000) {
    int64_t now_done = store->fed().count_outbox(OutboxState::Delivered) - before;
    for (int64_t k = done + 1; k <= std::min<int64_t>(now_done, total); ++k) seen[static_cast<size_t>(k)] = Clk::now();
    done = std::max(done, now_done);
    if (done < total - refused.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));  // the poll's period
  }
  const double elapsed = std::chrono::duration<double>(Clk::now() - t0).count();
  for (auto& t : queuers) t.join();
  std::vector<double> lat;
  int proofs = 0;
  for (const OutboxMessage& m : store->fed().outbox_for_case("")) {
    auto q = queued.find(m.id);
    if (q == queued.end() || m.seq - before < 1 || m.seq - before > done) continue;
    lat.push_back(ms(seen[static_cast<size_t>(m.seq - before)] - q->second).count());
    proofs += m.receipt.find("\"proof\"") != std::string::npos;
  }
  std::sort(lat.begin(), lat.end());
  const double p50 = lat.empty() ? 0 : lat[lat.size() / 2], p99 = lat.empty() ? 0 : lat[lat.size() * 99 / 100];
  char detail[600];
  std::snprintf(
      detail, sizeof detail,
      "%lld of %d delivered, %d with a proof, in %.2f s: %.1f ms per message in the sender; %d not queued%s%s",
      static_cast<long long>(done), total, proofs, elapsed,
      elapsed * 1000 / static_cast<double>(std::max<int64_t>(done, 1)), refused.load(),
      why_refused.empty() ? "" : ", the first: ", why_refused.c_str());
  line("through DE's outbox: peer.hello, serial sender", conns, static_cast<double>(done) / elapsed, p50, p99, detail,
       "one stream, one message in flight; p50/p99: queued → seen delivered (1 ms poll of DE's store)");
}

// Figure 3: the same signed order opened as a case inside one node.
Result inside_one_node(const fs::path& tmp, int conns, double seconds, const Officer& officer) {
  const fs::path files = tmp / "single";
  fs::create_directories(files);
  const std::string db = (files / "single.db").string();
  seed_db(db);
  std::ofstream(files / "officer.json") << officer.bundle(SystemClock().now()).dump();
  cli({"trust", "import", (files / "officer.json").string(), "--db", db});
  Serve one({"--db", db, "--listen", "127.0.0.1:0", "--log-key", (files / "log-key.pem").string(), "--evidence-dir",
             (files / "evidence").string()},
            files / "serve.log");
  const httplib::Headers auth = {{"Authorization", "Bearer tok-officer"}};
  return load(one.port(), conns, seconds, "/healthz", [&](httplib::Client& c, uint64_t) {
    const std::string body = json{{"signed_order", officer.signed_order()}, {"pathway", "P_EU_EPOC"}}.dump();
    auto r = c.Post("/api/v1/cases", auth, body, "application/json");
    if (r && r->status == 201) return true;
    static std::once_flag once;
    std::call_once(once, [&] { std::fprintf(stderr, "first failure: %.300s\n", r ? r->body.c_str() : "no answer"); });
    return false;
  });
}

void run(const fs::path& tmp, double seconds, int conns) {
  NodeDir de{"de", "DE", "de-node", "", "", 0}, nl{"nl", "NL", "nl-node", "", "", 0};
  federate(tmp, de, nl);
  const Officer officer;
  std::atomic<uint64_t> proofs{0};
  std::atomic<size_t> envelope_bytes{0};
  Result fed;
  {
    auto nl_serve = start_node(nl, tmp);
    fed = node_to_node(de, nl, tmp, conns, seconds, officer, proofs, envelope_bytes);
    char detail[160];
    std::snprintf(detail, sizeof detail,
                  "%llu ok, %llu failed; %llu with a proof, all verified; envelopes of %zu bytes",
                  static_cast<unsigned long long>(fed.ok), static_cast<unsigned long long>(fed.failed),
                  static_cast<unsigned long long>(proofs.load()), envelope_bytes.load());
    line("node to node: order.transmit → verified receipt", conns, fed.rps, fed.p50_ms, fed.p99_ms, detail,
         ratio_line(fed));
    auto de_serve = start_node(de, tmp);
    const int messages = std::max(50, static_cast<int>(100 * seconds));
    through_outbox(de, de_serve->port(), conns, messages, std::max(60.0, 20 * seconds));
  }
  Result one = inside_one_node(tmp, conns, seconds, officer);
  char detail[96], versus[96];
  std::snprintf(detail, sizeof detail, "%llu ok, %llu failed; the same signed order",
                static_cast<unsigned long long>(one.ok), static_cast<unsigned long long>(one.failed));
  std::snprintf(versus, sizeof versus, "node to node is %.2fx this in messages/s, its p99 %.2fx this",
                fed.rps / one.rps, fed.p99_ms / one.p99_ms);
  line("inside one node: POST /api/v1/cases", conns, one.rps, one.p50_ms, one.p99_ms, detail, versus);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 5;
  int conns = 16;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--seconds") seconds = std::stod(argv[i + 1]);
    if (std::string(argv[i]) == "--conns") conns = std::max(1, std::stoi(argv[i + 1]));
  }
  signal(SIGPIPE, SIG_IGN);
  const fs::path tmp = fs::temp_directory_path() / ("comity-fed-bench-" + std::to_string(getpid()));
  fs::create_directories(tmp);
  std::printf("Comity federation benchmark: %.0f s per run, loopback, keep-alive; machine: %u hardware threads\n",
              seconds, std::thread::hardware_concurrency());
  std::printf("two nodes (DE, NL) as comity serve --node processes, each on SQLite WAL synchronous=FULL\n\n");
  int rc = 0;
  try {
    run(tmp, seconds, conns);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_federation: %s (logs in %s)\n", e.what(), tmp.c_str());
    rc = 1;
  }
  if (rc == 0) fs::remove_all(tmp);
  return rc;
}
