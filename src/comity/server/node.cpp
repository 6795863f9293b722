#include "comity/server/node.hpp"

#include <openssl/crypto.h>

#include <iostream>

#include "comity/ledger/checkpoint.hpp"
#include "comity/service/federation.hpp"
#include "comity/service/packs.hpp"
#include "comity/service/transparency.hpp"
#include "comity/service/witness.hpp"
#include "comity/util/sha256.hpp"

namespace comity {

using nlohmann::json;

void log_line(const nlohmann::json& line) {
  std::cerr << safe_dump(line) + "\n";
}

Actor actor_of(const Principal& who) {
  return {who.user.id, who.user.role, who.party.id, who.party.state};
}

void Metrics::record(const std::string& method, const std::string& route, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mu);
  ++requests[{method, route, status}];
  auto& b = latency[route];
  size_t i = 0;
  while (i < std::size(kLatencyBuckets) && seconds > kLatencyBuckets[i]) ++i;
  ++b[i];
  latency_sum[route] += seconds;
}

namespace {

PackRegistry synced(PackRegistry packs, Store& store, const Clock& clock) {
  sync_packs(store, packs, clock.now());
  return packs;
}

}  // namespace

Node::Node(const PackRegistry& p, Store& s, const Clock& c, ServerOptions o)
    : packs(synced(p, s, c)),
      pack(packs.current()),
      store(s),
      clock(c),
      options(std::move(o)),
      cases(s, packs, c, ids),
      identity(s, c, ids),
      drafts(s, c, ids),
      log(options.log_origin,
          options.log_key ? options.log_key
                          : std::make_shared<const crypto::SigningKey>(crypto::SigningKey::generate()),
          process_holder_name(), options.lease_ttl),
      trust(s),
      committer(s, store_mu, [this](Store& writer) { log.sync(writer); }) {
  {
    std::lock_guard<std::mutex> lock(store_mu);
    if (!options.evidence_dir.empty()) {
      vault = std::make_unique<DirectoryVault>(options.evidence_dir);
      evidence = std::make_unique<EvidenceService>(store, *vault, clock, ids, options.evidence_holding_days);
    }
    log.check(store);
  }
  if (options.federation) {
    if (options.federation->log_origin != options.log_origin || !options.log_key ||
        options.log_key->public_key() != options.federation->log_key->public_key())
      throw Error(ErrorKind::Invalid,
                  "a federated node's log is the one its credential certifies: its origin and key (node dir)");
    // On PostgreSQL, a message a dead process was sending is sent by another
    // within 10 s. A post to a slow peer may outlast that (fed_client.cpp's
    // timeouts): then two processes send the same envelope, and the peer's
    // inbox, idempotent by message id, applies it once and answers both
    // with the same receipt.
    federation = std::make_unique<FederationService>(
        *options.federation, trust, log,
        options.lease_ttl.count() == 0 ? std::chrono::milliseconds(0) : std::chrono::milliseconds(10000));
    // Rule 7: an answer from a peer's party is a step on the case here,
    // taken only by the party the law sends the act to — the provider the
    // order is addressed to; an enforcing authority of the counterpart State
    // of a notified case; the central authority of the requested State of a
    // request between authorities — once the order was transmitted, with
    // every guard a local step has (docs/federation.md §3).
    federation->set_case_stepper([this](Store& db, const FederationService::CaseAct& act) {
      COMITY_ASSERT(&db == &store, "case acts are taken on the writer");
      std::optional<CaseRecord> r = db.cases().load_case(act.case_id);
      if (!r) throw Error(ErrorKind::NotFound, "no case " + act.case_id);
      bool theirs = false;
      switch (act.actor.role) {
        case PartyRole::Provider: theirs = !r->via_authorities && r->provider_party_id == act.actor.party_id; break;
        case PartyRole::EnforcingAuthority:
          theirs = r->notified && act.actor.party_state == r->counterpart_state;
          break;
        case PartyRole::CentralAuthority:
          theirs = r->via_authorities && act.actor.party_state == r->counterpart_state;
          break;
        default: break;
      }
      if (!theirs || !was_transmitted(r->c))
        throw Error(ErrorKind::Forbidden, act.actor.party_id + " is not a party this case's order was sent to");
      cases.step(act.case_id, act.event, act.actor, act.reason, {}, nullptr, act.ground);
    });
    // Evidence a peer's party sends for a case here lands in this node's
    // vault as a local upload does; a node without a vault refuses it.
    if (evidence)
      federation->set_evidence_sink({[this](Store& db, const std::string& case_id, const std::string& case_ref,
                                            const json& manifest, const Actor& actor) {
                                       COMITY_ASSERT(&db == &store, "evidence is registered on the writer");
                                       evidence->register_from_peer(db, case_id, case_ref, manifest, actor,
                                                                    *trusted(db));
                                     },
                                     [this](Store& db, const std::string& case_id, const std::string& manifest_id,
                                            int64_t file, uint64_t offset, std::string_view bytes, const Actor& actor) {
                                       COMITY_ASSERT(&db == &store, "evidence is received on the writer");
                                       evidence->receive_chunk(db, case_id, manifest_id, file, offset, bytes, actor);
                                     }});
    federation->set_receipt_clocks([this](Store& db, const std::string& case_id, const std::string& sent_by,
                                          std::string_view starts, Instant delivered_at) {
      COMITY_ASSERT(&db == &store, "clocks move on the writer");
      cases.start_clocks_at_receipt(case_id, sent_by, starts, delivered_at,
                                    Actor{"federation", PartyRole::System, "", ""});
    });
    witness = std::make_unique<WitnessService>(*federation, log);
  }
  if (options.open_reader)
    for (int i = 0; i < options.readers; ++i) {
      readers_.push_back(options.open_reader());
      idle_readers_.push_back(readers_.back().get());
    }
  Sweeper::Sink sink{[this](size_t events) {
                       std::lock_guard<std::mutex> m(metrics.mu);
                       metrics.expiry_events += events;
                     },
                     [this] {
                       std::lock_guard<std::mutex> m(metrics.mu);
                       ++metrics.sweeps;
                     },
                     [](const json& line) { log_line(line); }};
  sweeper_ = std::make_unique<Sweeper>(
      store, store_mu, cases, evidence.get(), log, clock, Sweeper::Every{options.sweep_every, options.checkpoint_every},
      [this] { publish_checkpoint(); }, std::move(sink));
}

Node::~Node() = default;

FederationService& Node::federated() {
  if (!federation) throw Error(ErrorKind::NotFound, "this node is not part of a federation (comity serve --node DIR)");
  return *federation;
}

Node::ReadLease::ReadLease(Node& node) : node_(node) {
  if (node.readers_.empty()) {
    writer_lock_ = std::unique_lock<std::mutex>(node.store_mu);
    db_ = &node.store;
    return;
  }
  std::unique_lock<std::mutex> lock(node.pool_mu_);
  node.pool_cv_.wait(lock, [&] { return !node.idle_readers_.empty(); });
  db_ = node.idle_readers_.back();
  node.idle_readers_.pop_back();
}

Node::ReadLease::~ReadLease() {
  if (writer_lock_.owns_lock()) return;
  {
    std::lock_guard<std::mutex> lock(node_.pool_mu_);
    node_.idle_readers_.push_back(db_);
  }
  node_.pool_cv_.notify_one();
}

StoredCheckpoint Node::publish_checkpoint() {
  std::lock_guard<std::mutex> order(publish_mu_);
  StoredCheckpoint out;
  {
    std::lock_guard<std::mutex> lock(store_mu);
    out = log.publish(store, clock.now());
  }
  sweeper_->published();
  if (witness) witness->wake();  // peers' witnesses get the new checkpoint
  return out;
}

StoredCheckpoint Node::checkpoint_covering(uint64_t index) {
  std::lock_guard<std::mutex> order(publish_mu_);
  {
    ReadLease db(*this);
    std::optional<StoredCheckpoint> latest = db->log().latest_checkpoint();
    if (latest && latest->tree_size > index) return *latest;
  }
  StoredCheckpoint out;
  {
    std::lock_guard<std::mutex> lock(store_mu);
    out = log.publish(store, clock.now());
  }
  sweeper_->published();
  if (witness) witness->wake();
  if (out.tree_size <= index)
    throw Error(ErrorKind::Unavailable, "another process signs this node's log and has not covered the leaf yet");
  return out;
}

StoredCheckpoint Node::current_checkpoint() {
  {
    ReadLease db(*this);
    if (auto last = db->latest_checkpoint()) return *last;
  }
  return publish_checkpoint();
}

nlohmann::ordered_json Node::statistics_report() {
  StoredCheckpoint last = current_checkpoint();
  std::lock_guard<std::mutex> lock(stats_mu_);
  if (stats_size_ != last.tree_size) {
    std::vector<std::string> leaves;
    {
      ReadLease db(*this);
      leaves = db->log_leaves(0, last.tree_size);
    }
    stats_ = log_statistics(leaves, last.tree_size, ledger::to_hex(last.root));
    stats_["checkpoint"] = last.note;
    stats_size_ = last.tree_size;
  }
  return stats_;
}

// Tokens are high-entropy secrets; only their SHA-256 digests are stored.
// The lookup by digest reveals at most timing about a digest, which gives
// no help in finding a token; the stored digest is then compared with the
// computed one in constant time, so acceptance never rests on a store's
// notion of equality (collations, truncation). A request that changes
// something under a session must carry the session's CSRF token in
// X-CSRF-Token: a cross-site page can make the browser send the cookie, but
// cannot read the token.
Principal Node::authenticate(Store& db, const HttpRequest& req) {
  auto same = [](const std::string& a, const std::string& b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
  };
  std::string h = req.header("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (h.size() > kBearer.size() && h.compare(0, kBearer.size(), kBearer) == 0 && h.size() < 512) {
    std::string digest = sha256_hex(std::string_view(h).substr(kBearer.size()));
    if (auto who = db.user_by_token(digest); who && same(who->stored_sha256, digest))
      return Principal{who->user, who->party, who->token_id};
  } else if (std::string token = session_cookie(req); !token.empty()) {
    std::string digest = sha256_hex(token);
    if (auto who = db.user_by_session(digest, clock.now()); who && same(who->stored_sha256, digest)) {
      if (req.method != "GET" && req.method != "HEAD" && !same(req.header("X-CSRF-Token"), csrf_token_for(token)))
        throw Error(ErrorKind::Forbidden, "a change under a browser session needs its X-CSRF-Token header",
                    {{"$header.X-CSRF-Token", "the session's CSRF token"}});
      return Principal{who->user, who->party, who->token_id};
    }
  }
  throw Error(ErrorKind::Unauthenticated, "send a valid API token (Authorization: Bearer TOKEN) or log in",
              {{"$header.Authorization", "Bearer TOKEN, or a browser session"}});
}

Principal Node::authenticated(const HttpRequest& req) {
  ReadLease db(*this);
  return authenticate(*db, req);
}

std::string Node::session_cookie(const HttpRequest& req) {
  std::string cookies = req.header("Cookie");
  constexpr std::string_view kName = "comity_session=";
  size_t at = 0;
  while (at < cookies.size()) {
    while (at < cookies.size() && (cookies[at] == ' ' || cookies[at] == ';')) ++at;
    size_t end = cookies.find(';', at);
    std::string_view c = std::string_view(cookies).substr(at, end == std::string::npos ? std::string::npos : end - at);
    if (c.substr(0, kName.size()) == kName && c.size() - kName.size() <= 128)
      return std::string(c.substr(kName.size()));
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return {};
}

std::string Node::session_cookie_header(const std::string& value, int64_t max_age) const {
  return "comity_session=" + value + "; Path=/; Max-Age=" + std::to_string(max_age) + "; HttpOnly; SameSite=Strict" +
         (options.secure_cookies ? "; Secure" : "");
}

std::pair<CaseRecord, Audience> Node::visible_case(Store& db, const Principal& who, const std::string& id) {
  auto r = db.load_case(id);
  Audience a = r ? audience_of(who, summary_of(*r)) : Audience::None;
  if (a == Audience::None) throw Error(ErrorKind::NotFound, "no case " + id);
  with_facts(*r);
  return {std::move(*r), a};
}

std::shared_ptr<const trust::TrustStore> Node::trusted() {
  ReadLease db(*this);
  return trust.current(*db);
}

std::string Node::render_metrics() {
  std::string out;
  {
    std::lock_guard<std::mutex> lock(metrics.mu);
    out += "# HELP comity_http_requests_total HTTP requests by method, route and status.\n";
    out += "# TYPE comity_http_requests_total counter\n";
    for (const auto& [k, n] : metrics.requests)
      out += "comity_http_requests_total{method=\"" + std::get<0>(k) + "\",route=\"" + std::get<1>(k) + "\",status=\"" +
             std::to_string(std::get<2>(k)) + "\"} " + std::to_string(n) + "\n";
    out += "# HELP comity_http_request_duration_seconds Request latency by route.\n";
    out += "# TYPE comity_http_request_duration_seconds histogram\n";
    for (const auto& [route, b] : metrics.latency) {
      uint64_t cum = 0;
      for (size_t i = 0; i <= std::size(kLatencyBuckets); ++i) {
        cum += b[i];
        std::string le = i < std::size(kLatencyBuckets) ? std::to_string(kLatencyBuckets[i]) : "+Inf";
        out += "comity_http_request_duration_seconds_bucket{route=\"" + route + "\",le=\"" + le + "\"} " +
               std::to_string(cum) + "\n";
      }
      out += "comity_http_request_duration_seconds_sum{route=\"" + route + "\"} " +
             std::to_string(metrics.latency_sum[route]) + "\n";
      out += "comity_http_request_duration_seconds_count{route=\"" + route + "\"} " + std::to_string(cum) + "\n";
    }
    out += "# HELP comity_clock_expiry_events_total Workflow events fired by the expiry sweep.\n";
    out += "# TYPE comity_clock_expiry_events_total counter\n";
    out += "comity_clock_expiry_events_total " + std::to_string(metrics.expiry_events) + "\n";
    out += "# HELP comity_expiry_sweeps_total Passes of the expiry sweep completed.\n";
    out += "# TYPE comity_expiry_sweeps_total counter\n";
    out += "comity_expiry_sweeps_total " + std::to_string(metrics.sweeps) + "\n";
  }
  ReadLease db(*this);
  out += "# HELP comity_cases Cases by workflow state.\n# TYPE comity_cases gauge\n";
  for (const auto& [state, n] : db->count_cases_by_state())
    out += "comity_cases{state=\"" + state + "\"} " + std::to_string(n) + "\n";
  out +=
      "# HELP comity_user_notice_reviews_due Delayed user notifications due for review (Reg. 2023/1543 Art 13(2)).\n";
  out += "# TYPE comity_user_notice_reviews_due gauge\n";
  out += "comity_user_notice_reviews_due " + std::to_string(db->count_notice_reviews_due(date_of(clock.now()).str())) +
         "\n";
  out += "# HELP comity_overdue_clocks Running legal clocks past their due time.\n";
  out += "# TYPE comity_overdue_clocks gauge\n";
  out += "comity_overdue_clocks " + std::to_string(db->count_overdue_clocks(clock.now())) + "\n";
  return out;
}

}  // namespace comity
