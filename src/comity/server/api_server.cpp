#include "comity/server/api_server.hpp"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>
#include <nlohmann/json.hpp>

#include "comity/ledger/checkpoint.hpp"
#include "comity/model/request_json.hpp"
#include "comity/rules/decision_json.hpp"
#include "comity/rules/engine.hpp"
#include "comity/service/case_service.hpp"
#include "comity/service/identity.hpp"
#include "comity/service/permissions.hpp"
#include "comity/report/transparency_page.hpp"
#include "comity/service/drafts.hpp"
#include "comity/service/evidence.hpp"
#include "comity/service/transparency.hpp"
#include "comity/report/case_document.hpp"
#include "comity/server/web_assets.hpp"
#include "comity/service/trusted.hpp"
#include "comity/trust/credentials.hpp"
#include "comity/util/sha256.hpp"

#include <openssl/crypto.h>

namespace comity {

const std::vector<RouteSpec>& api_routes() {
  static const std::vector<RouteSpec> routes = {
      {"GET", "/"}, {"GET", "/app/{file}"}, {"GET", "/api/v1"}, {"GET", "/healthz"}, {"GET", "/readyz"}, {"GET", "/metrics"},
      {"GET", "/api/v1/openapi.json"}, {"POST", "/api/v1/evaluate"},
      {"POST", "/api/v1/cases"}, {"GET", "/api/v1/cases"}, {"GET", "/api/v1/cases/{id}"},
      {"POST", "/api/v1/cases/{id}/events"}, {"GET", "/api/v1/cases/{id}/decision"},
      {"POST", "/api/v1/cases/{id}/review"}, {"POST", "/api/v1/cases/{id}/notice"}, {"GET", "/api/v1/me"}, {"GET", "/api/v1/parties"},
      {"POST", "/api/v1/parties"}, {"GET", "/api/v1/parties/{id}"}, {"POST", "/api/v1/users"},
      {"POST", "/api/v1/users/{id}/tokens"}, {"POST", "/api/v1/tokens/{id}/revoke"}, {"GET", "/api/v1/audit"},
      {"GET", "/log/checkpoint"}, {"GET", "/log/tile/{tile}"}, {"GET", "/api/v1/log"},
      {"POST", "/api/v1/log/checkpoint"}, {"GET", "/api/v1/log/inclusion"}, {"GET", "/api/v1/log/consistency"},
      {"GET", "/api/v1/cases/{id}/log"}, {"GET", "/api/v1/log/statistics"},
      {"GET", "/api/v1/trust"}, {"POST", "/api/v1/trust"},
      {"POST", "/api/v1/session"}, {"GET", "/api/v1/session"}, {"POST", "/api/v1/session/logout"},
      {"GET", "/transparency"},
      {"POST", "/api/v1/drafts"}, {"GET", "/api/v1/drafts"}, {"GET", "/api/v1/drafts/{id}"},
      {"POST", "/api/v1/drafts/{id}"}, {"POST", "/api/v1/drafts/{id}/delete"},
      {"POST", "/api/v1/cases/{id}/productions"}, {"GET", "/api/v1/productions/{id}"},
      {"POST", "/api/v1/productions/{id}/files/{n}"}, {"GET", "/api/v1/productions/{id}/files/{n}"},
      {"GET", "/api/v1/cases/{id}/document"},
  };
  return routes;
}

namespace {

using nlohmann::json;
using Clk = std::chrono::steady_clock;

constexpr size_t kMaxBody = 1 << 20;
constexpr double kBuckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};

// 1-18 decimal digits: a count or id that fits in 64 bits, without sign or spaces.
bool small_decimal(const std::string& text) {
  return !text.empty() && text.size() <= 18 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// RFC 9457 problem details; `errors` carries field paths for validation
// errors, `reason` the code of a refused signature or document (docs/trust.md).
void problem(httplib::Response& res, int status, const std::string& title, const std::string& detail,
             const FieldErrors& errors = {}, std::string_view reason = {}) {
  json p = {{"type", "about:blank"}, {"title", title}, {"status", status}, {"detail", detail}};
  if (!reason.empty()) p["reason"] = reason;
  if (!errors.empty()) {
    json list = json::array();
    for (const auto& e : errors) list.push_back({{"path", e.path}, {"message", e.message}});
    p["errors"] = std::move(list);
  }
  res.status = status;
  res.set_content(p.dump(), "application/problem+json");
}

Actor actor_of(const Principal& who) { return {who.user.id, who.user.role, who.party.id, who.party.state}; }

// A case as `view` allows the principal to see it (docs/permissions.md).
// Whether a delayed user notification is due for review on `today`.
bool notice_review_due(std::string_view status, std::string_view review_date, Instant now) {
  return status == "delayed" && !review_date.empty() && review_date <= date_of(now).str();
}

// A case's legal clocks with their status at `now`.
json clocks_json(const CaseRecord& r, Instant now) {
  json clocks = json::array();
  for (const auto& k : r.c.clocks) {
    json c = {{"deadline", k.deadline_id}, {"label", k.label}, {"started", format_instant(k.started)},
              {"due", format_instant(k.due)}, {"status", clock_status_name(clock_status(k, now))}};
    if (k.stopped) c["stopped"] = format_instant(*k.stopped);
    clocks.push_back(std::move(c));
  }
  return clocks;
}

// `productions`: the case's productions, listed when given (a full read of
// the case; step answers leave them out).
json case_json(const CaseRecord& r, CaseView view, const Principal& who, const Pack& pack, Instant now,
               const std::vector<CaseReview>& reviews = {}, const std::vector<Production>* productions = nullptr) {
  json j = {{"id", r.id},
            {"pathway", r.c.pathway},
            {"workflow", r.c.workflow},
            {"state", r.c.state},
            {"requesting_state", r.requesting_state},
            {"counterpart_state", r.counterpart_state.empty() ? json(nullptr) : json(r.counterpart_state)},
            {"version", r.version},
            {"created_at", format_instant(r.created_at)},
            {"updated_at", format_instant(r.updated_at)},
            {"data_marked_for_deletion", r.c.data_marked_for_deletion},
            {"view", case_view_name(view)}};
  j["clocks"] = clocks_json(r, now);
  // Oversight sees what happened and on which coded ground, not the
  // parties' words (free text may carry facts about persons).
  json history = json::array();
  for (const auto& e : r.c.history) {
    json h = {{"event", e.event}, {"by", role_name(e.actor)}, {"at", format_instant(e.at)}, {"from", e.from},
              {"to", e.to}};
    if (view != CaseView::Metadata) h["reason"] = e.reason;
    if (!e.ground.empty()) h["ground"] = e.ground;
    history.push_back(std::move(h));
  }
  j["history"] = std::move(history);
  std::vector<std::string> allowed;
  if (may_act(view)) allowed = allowed_events(r.c, pack, acting_role(actor_of(who), r));
  j["allowed_events"] = allowed;
  // The coded grounds each allowed step must cite (refuse, report_inability, object).
  json grounds = json::object();
  for (const auto& ev : allowed) {
    json list = json::array();
    for (const Ground* g : grounds_for(r.c, pack, ev))
      list.push_back({{"code", g->code}, {"label", g->label}, {"citation", g->citation}, {"tag", g->tag}});
    if (!list.empty()) grounds[ev] = std::move(list);
  }
  j["grounds"] = std::move(grounds);
  if (view != CaseView::Order) {
    if (!r.notice_mode.empty())
      j["user_notification"] = {{"mode", r.notice_mode}, {"status", r.notice_status},
                                {"review_date", r.notice_review_date.empty() ? json(nullptr) : json(r.notice_review_date)},
                                {"review_due", notice_review_due(r.notice_status, r.notice_review_date, now)}};
    json rv = json::array();
    for (const auto& v : reviews) {
      json verdicts = json::parse(v.verdicts_json);
      int overrides = 0;
      for (auto& x : verdicts) {
        overrides += x["verdict"] == "override";
        // A reviewer's reasons are free text that may carry facts: not for oversight's metadata view.
        if (view == CaseView::Metadata) x.erase("reason");
      }
      rv.push_back({{"side", v.side}, {"reviewer", v.reviewer}, {"at", format_instant(v.at)}, {"overrides", overrides},
                    {"verdicts", std::move(verdicts)}});
    }
    j["reviews"] = std::move(rv);
  }
  // The case's parties get its leaves in the transparency log, with the
  // salts that open them and inclusion proofs.
  if (view == CaseView::Full || view == CaseView::Order) j["log_url"] = "/api/v1/cases/" + r.id + "/log";
  // The signatures the exchange verified, each with its chain to the
  // state's anchor (docs/trust.md); the order's parties see them, the
  // addressee included. null for a case opened on an unsigned request.
  if (view == CaseView::Full || view == CaseView::Order) {
    j["signed_order"] = r.order_verification_json.empty() ? json(nullptr) : json::parse(r.order_verification_json);
    // The requesting side gets the signed order itself, so that a validator
    // can countersign exactly these bytes (their RFC 8785 form) in the browser.
    if (view == CaseView::Full && j["signed_order"].is_object() && !r.signed_order_json.empty())
      j["signed_order"]["order"] = json::parse(r.signed_order_json)["order"];
    // Evidence produced for the case (docs/evidence-encryption.md).
    if (productions) j["productions"] = productions_summary(*productions);
  }
  if (view == CaseView::Order) {
    // The addressee gets the order, not the reasoning: the chosen entry's terms.
    j["order"] = json::parse(r.order_json);
    // What an order carries of the request (Reg. 2023/1543 Art 5(5)(a)-(h)):
    // whom and what to produce; never the facts or the reasons (Art 9(3)).
    j["certificate"] = order_certificate_fields(json::parse(r.request_json));
  } else {
    // The decision (every pathway, every check) is large; it has its own route.
    j["decision_url"] = "/api/v1/cases/" + r.id + "/decision";
    j["rule_pack"] = r.pack_hash;
  }
  return j;
}

// The case document as sent: case_json, and in the full view the request as
// stored — the compact JSON the case was opened with, checked then by the
// strict parser — spliced in rather than parsed and printed again.
std::string case_text(const CaseRecord& r, CaseView view, const Principal& who, const Pack& pack, Instant now,
                      const std::vector<CaseReview>& reviews = {}, const std::vector<Production>* productions = nullptr) {
  std::string out = case_json(r, view, who, pack, now, reviews, productions).dump();
  if (view == CaseView::Full) {
    out.pop_back();  // the closing brace
    out += ",\"request\":";
    out += r.request_json;
    out += '}';
  }
  return out;
}

struct Metrics {
  std::mutex mu;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests;  // (method, route, status)
  std::map<std::string, std::array<uint64_t, std::size(kBuckets) + 1>> latency;  // route → bucket counts (+Inf)
  std::map<std::string, double> latency_sum;
  uint64_t expiry_events = 0;  // workflow events fired by the expiry sweep

  void record(const std::string& method, const std::string& route, int status, double seconds) {
    std::lock_guard<std::mutex> lock(mu);
    ++requests[{method, route, status}];
    auto& b = latency[route];
    size_t i = 0;
    while (i < std::size(kBuckets) && seconds > kBuckets[i]) ++i;
    ++b[i];
    latency_sum[route] += seconds;
  }
};

}  // namespace

struct ApiServer::Impl {
  const Pack& pack;
  Store& store;
  const Clock& clock;
  ServerOptions options;
  std::mutex store_mu;  // the SQLite connection is used by one thread at a time
  httplib::Server http;
  Metrics metrics;
  RandomIds ids;
  CaseService cases;
  IdentityService identity;
  DraftService drafts;
  // What the exchange trusts (docs/trust.md), rebuilt from the store's
  // imports at start and replaced whole on each import; readers take a copy
  // of the pointer.
  std::mutex trust_mu;
  std::shared_ptr<const trust::TrustStore> trust_store;
  std::mutex trust_import_mu;  // one import at a time, so none is lost
  // Evidence in transit (null without ServerOptions::evidence_dir).
  std::unique_ptr<EvidenceVault> vault;
  std::unique_ptr<EvidenceService> evidence;
  std::mutex sweep_mu;
  std::condition_variable sweep_cv;
  bool stopping = false;  // guarded by sweep_mu

  // Group commit (docs/store.md): handlers hand their writes to one
  // committer thread, which runs every write waiting at that moment inside
  // one transaction and one durable COMMIT, then wakes their handlers. A
  // handler answers only after the COMMIT that holds its write returned.
  struct Job {
    std::function<void()> work;
    std::exception_ptr error;
    bool done = false;             // guarded by commit_mu
    std::condition_variable wake;  // the job's own thread waits here
  };
  std::mutex commit_mu;
  std::condition_variable commit_cv;
  std::deque<Job*> commit_queue;
  bool commit_stopping = false;  // guarded by commit_mu
  std::thread committer;

  // Read-only connections (ServerOptions::open_reader): reads then run in
  // parallel and never wait behind a commit's fsync. Without them, reads
  // use the writer under store_mu.
  std::vector<std::unique_ptr<Store>> readers;
  std::vector<Store*> idle_readers;  // guarded by pool_mu
  std::mutex pool_mu;
  std::condition_variable pool_cv;

  // A store to read from for the lifetime of the lease.
  class ReadLease {
   public:
    explicit ReadLease(Impl& impl) : impl_(impl) {
      if (impl.readers.empty()) {
        writer_lock_ = std::unique_lock<std::mutex>(impl.store_mu);
        db_ = &impl.store;
        return;
      }
      std::unique_lock<std::mutex> lock(impl.pool_mu);
      impl.pool_cv.wait(lock, [&] { return !impl.idle_readers.empty(); });
      db_ = impl.idle_readers.back();
      impl.idle_readers.pop_back();
    }
    ~ReadLease() {
      if (writer_lock_.owns_lock()) return;
      {
        std::lock_guard<std::mutex> lock(impl_.pool_mu);
        impl_.idle_readers.push_back(db_);
      }
      impl_.pool_cv.notify_one();
    }
    ReadLease(const ReadLease&) = delete;
    ReadLease& operator=(const ReadLease&) = delete;
    Store& operator*() const { return *db_; }
    Store* operator->() const { return db_; }

   private:
    Impl& impl_;
    Store* db_ = nullptr;
    std::unique_lock<std::mutex> writer_lock_;
  };

  // The transparency log in memory: every committed leaf hash, appended
  // after each commit (sync_log), so proofs and tiles never show a leaf
  // that is not durable. Guarded by log_mu; publish_mu orders publishing.
  ledger::MerkleTree log;
  std::mutex log_mu, publish_mu;
  std::shared_ptr<const crypto::SigningKey> log_key;
  std::atomic<Clk::rep> last_publish{Clk::now().time_since_epoch().count()};  // read by the sweeper

  Impl(const Pack& p, Store& s, const Clock& c, ServerOptions o)
      : pack(p), store(s), clock(c), options(std::move(o)), cases(s, p, c, ids), identity(s, c, ids), drafts(s, c, ids) {
    log_key = options.log_key ? options.log_key
                              : std::make_shared<const crypto::SigningKey>(crypto::SigningKey::generate());
    {
      std::lock_guard<std::mutex> lock(store_mu);
      trust_store = std::make_shared<const trust::TrustStore>(trusted_by(store));
      if (!options.evidence_dir.empty()) {
        vault = std::make_unique<EvidenceVault>(options.evidence_dir);
        evidence = std::make_unique<EvidenceService>(store, *vault, clock, ids, options.evidence_holding_days);
      }
      sync_log();
      // A published checkpoint the durable log does not extend would mean
      // history was rewritten (or leaves lost): refuse to serve.
      if (auto last = store.latest_checkpoint()) {
        std::lock_guard<std::mutex> l(log_mu);
        if (last->tree_size > log.size() || log.root(last->tree_size) != last->root)
          throw StoreError(StoreError::Kind::Corrupt,
                           "transparency log: the stored leaves do not match the checkpoint published for tree size " +
                               std::to_string(last->tree_size));
      }
    }
    if (options.open_reader)
      for (int i = 0; i < options.readers; ++i) {
        readers.push_back(options.open_reader());
        idle_readers.push_back(readers.back().get());
      }
    committer = std::thread([this] { run_committer(); });
  }

  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(commit_mu);
      commit_stopping = true;
    }
    commit_cv.notify_all();
    committer.join();
  }

  // Runs `work` (calls on the store or the services) in the next group
  // commit and returns once that commit is durable. Rethrows what `work`
  // threw, or the commit's failure. REQUIRES: store_mu not held.
  void durably(std::function<void()> work) {
    Job job;
    job.work = std::move(work);
    {
      std::lock_guard<std::mutex> lock(commit_mu);
      commit_queue.push_back(&job);
    }
    commit_cv.notify_one();
    {
      // Each waiter sleeps on its own condition, so a commit wakes exactly
      // the threads whose work it holds, not the herd waiting for the next.
      std::unique_lock<std::mutex> lock(commit_mu);
      job.wake.wait(lock, [&] { return job.done; });
    }
    if (job.error) std::rethrow_exception(job.error);
  }

  void run_committer() {
    std::unique_lock<std::mutex> lock(commit_mu);
    for (;;) {
      commit_cv.wait(lock, [this] { return commit_stopping || !commit_queue.empty(); });
      if (commit_queue.empty()) return;  // stopping, and nothing left to commit
      std::vector<Job*> batch;
      while (!commit_queue.empty() && batch.size() < 1024) {
        batch.push_back(commit_queue.front());
        commit_queue.pop_front();
      }
      lock.unlock();
      try {
        std::lock_guard<std::mutex> store_lock(store_mu);
        store.group_commit([&] {
          for (Job* j : batch) {
            try {
              j->work();
            } catch (...) {
              j->error = std::current_exception();
            }
          }
        });
        sync_log();
      } catch (...) {
        auto failed = std::current_exception();
        for (Job* j : batch)
          if (!j->error) j->error = failed;  // nothing of this group is stored
      }
      lock.lock();
      // Under commit_mu: a job's thread cannot see `done` and destroy the
      // job before notify_one returns.
      for (Job* j : batch) {
        j->done = true;
        j->wake.notify_one();
      }
    }
  }

  // Appends to the in-memory tree the leaves committed since it was last
  // synced. REQUIRES: store_mu held (the writer's view is committed data).
  void sync_log() {
    std::lock_guard<std::mutex> lock(log_mu);
    for (;;) {
      auto hashes = store.log_hashes(log.size(), 65536);
      for (const auto& h : hashes) log.append(h);
      if (hashes.size() < 65536) return;
    }
  }

  // Signs and durably records a checkpoint of the committed log, unless the
  // latest published one has the same size; returns the one to serve.
  StoredCheckpoint publish_checkpoint() {
    std::lock_guard<std::mutex> order(publish_mu);
    ledger::Checkpoint c{options.log_origin, 0, {}};
    {
      std::lock_guard<std::mutex> lock(log_mu);
      c.size = log.size();
      c.root = log.root();
    }
    std::optional<StoredCheckpoint> last;
    {
      ReadLease db(*this);
      last = db->latest_checkpoint();
    }
    if (last && last->tree_size == c.size) return *last;
    StoredCheckpoint stored{c.size, c.root, ledger::sign_checkpoint(c, *log_key), clock.now()};
    durably([&] { store.put_checkpoint(stored); });
    last_publish = Clk::now().time_since_epoch().count();
    return stored;
  }

  // The latest published checkpoint; the first is published when asked for.
  StoredCheckpoint current_checkpoint() {
    {
      ReadLease db(*this);
      if (auto last = db->latest_checkpoint()) return *last;
    }
    return publish_checkpoint();
  }

  // Acts on the clocks that ran out, a bounded batch per query. A case that
  // cannot be saved (e.g. a concurrent step got there first, which itself
  // acted on the expiry) is logged and left to the next pass.
  int sweep() {
    int changed = 0;
    for (int round = 0; round < 10; ++round) {
      std::vector<std::string> due;
      {
        std::lock_guard<std::mutex> lock(store_mu);
        due = store.cases_with_unhandled_expiries(clock.now(), 100);
      }
      for (const auto& id : due) {
        try {
          std::lock_guard<std::mutex> lock(store_mu);
          auto fired = cases.expire(id);
          sync_log();
          ++changed;
          {
            std::lock_guard<std::mutex> m(metrics.mu);
            metrics.expiry_events += fired.size();
          }
          if (!fired.empty())
            std::cerr << json{{"ts", format_instant(clock.now())}, {"level", "info"}, {"msg", "clock expired"},
                              {"case", id}, {"events", fired}}.dump()
                      << "\n";
        } catch (const std::exception& e) {
          std::cerr << json{{"level", "error"}, {"msg", "expiry sweep"}, {"case", id}, {"error", e.what()}}.dump()
                    << "\n";
        }
      }
      if (due.size() < 100) break;
    }
    // Evidence whose retention ended, or whose case must delete what it obtained.
    if (evidence) {
      try {
        std::lock_guard<std::mutex> lock(store_mu);
        int deleted = evidence->purge();
        changed += deleted;
        if (deleted)
          std::cerr << json{{"ts", format_instant(clock.now())}, {"level", "info"}, {"msg", "evidence deleted"},
                            {"productions", deleted}}.dump()
                    << "\n";
      } catch (const std::exception& e) {
        std::cerr << json{{"level", "error"}, {"msg", "evidence retention"}, {"error", e.what()}}.dump() << "\n";
      }
    }
    return changed;
  }

  void run_sweeper() {
    std::unique_lock<std::mutex> lock(sweep_mu);
    while (!stopping) {
      lock.unlock();
      sweep();
      if (Clk::now() - Clk::time_point(Clk::duration(last_publish.load())) >= options.checkpoint_every) try {
          publish_checkpoint();
        } catch (const std::exception& e) {
          std::cerr << json{{"level", "error"}, {"msg", "checkpoint"}, {"error", e.what()}}.dump() << "\n";
        }
      lock.lock();
      sweep_cv.wait_for(lock, options.sweep_every, [this] { return stopping; });
    }
  }

  // The principal behind "Authorization: Bearer TOKEN" or a browser session
  // cookie, or a 401 problem. A request that changes something under a
  // session must carry the session's CSRF token in X-CSRF-Token (403
  // otherwise): a cross-site page can make the browser send the cookie, but
  // cannot read the token.
  // Tokens are high-entropy secrets; only their SHA-256 digests are stored.
  // The lookup by digest reveals at most timing about a digest, which gives
  // no help in finding a token; the stored digest is then compared with the
  // computed one in constant time, so acceptance never rests on a store's
  // notion of equality (collations, truncation). REQUIRES: `db` is a read
  // lease or the writer under store_mu.
  std::optional<Principal> authenticate(Store& db, const httplib::Request& req, httplib::Response& res) {
    std::string h = req.get_header_value("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (h.size() > kBearer.size() && h.compare(0, kBearer.size(), kBearer) == 0 && h.size() < 512) {
      std::string digest = sha256_hex(std::string_view(h).substr(kBearer.size()));
      if (auto who = db.user_by_token(digest)) {
        if (who->stored_sha256.size() == digest.size() &&
            CRYPTO_memcmp(who->stored_sha256.data(), digest.data(), digest.size()) == 0)
          return Principal{who->user, who->party, who->token_id};
      }
    } else if (std::string token = session_cookie(req); !token.empty()) {
      std::string digest = sha256_hex(token);
      if (auto who = db.user_by_session(digest, clock.now())) {
        if (who->stored_sha256.size() == digest.size() &&
            CRYPTO_memcmp(who->stored_sha256.data(), digest.data(), digest.size()) == 0) {
          if (req.method != "GET" && req.method != "HEAD") {
            std::string sent = req.get_header_value("X-CSRF-Token"), expected = csrf_token_for(token);
            if (sent.size() != expected.size() || CRYPTO_memcmp(sent.data(), expected.data(), sent.size()) != 0) {
              problem(res, 403, "Forbidden", "a change under a browser session needs its X-CSRF-Token header");
              return std::nullopt;
            }
          }
          return Principal{who->user, who->party, who->token_id};
        }
      }
    }
    res.set_header("WWW-Authenticate", "Bearer");
    problem(res, 401, "Unauthorized", "send a valid API token (Authorization: Bearer TOKEN) or log in");
    return std::nullopt;
  }

  // The comity_session cookie's value, or "".
  static std::string session_cookie(const httplib::Request& req) {
    std::string cookies = req.get_header_value("Cookie");
    constexpr std::string_view kName = "comity_session=";
    size_t at = 0;
    while (at < cookies.size()) {
      while (at < cookies.size() && (cookies[at] == ' ' || cookies[at] == ';')) ++at;
      size_t end = cookies.find(';', at);
      std::string_view c = std::string_view(cookies).substr(at, end == std::string::npos ? std::string::npos : end - at);
      if (c.substr(0, kName.size()) == kName && c.size() - kName.size() <= 128) return std::string(c.substr(kName.size()));
      if (end == std::string::npos) break;
      at = end + 1;
    }
    return {};
  }

  std::string session_cookie_header(const std::string& value, int64_t max_age) const {
    return "comity_session=" + value + "; Path=/; Max-Age=" + std::to_string(max_age) + "; HttpOnly; SameSite=Strict" +
           (options.secure_cookies ? "; Secure" : "");
  }

  // POST /api/v1/session {user, password}: a browser session.
  void post_session(const httplib::Request& req, httplib::Response& res) {
    auto body = json_body(req, res);
    if (!body) return;
    FieldErrors errors;
    refuse_unknown_fields(*body, {"user", "password"}, errors);
    for (const char* k : {"user", "password"})
      if (!body->contains(k) || !(*body)[k].is_string() || (*body)[k].get_ref<const std::string&>().size() > 256)
        errors.push_back({std::string("$.") + k, "a string of at most 256 bytes"});
    if (!errors.empty()) return problem(res, 422, "Unprocessable Content", "the body does not match", errors);
    try {
      // argon2id takes tens of milliseconds: no store lock is held meanwhile.
      IdentityService::LoginAttempt attempt;
      {
        std::lock_guard<std::mutex> lock(store_mu);
        attempt = identity.prepare_login((*body)["user"].get<std::string>());
      }
      const bool matches = IdentityService::password_matches(attempt, (*body)["password"].get<std::string>());
      Session s;
      {
        std::lock_guard<std::mutex> lock(store_mu);
        s = identity.complete_login(attempt, matches);
      }
      res.status = 201;
      res.set_header("Set-Cookie", session_cookie_header(s.token, kSessionSeconds));
      res.set_header("Cache-Control", "no-store");
      res.set_content(json{{"user", s.user_id}, {"session", s.id}, {"csrf_token", s.csrf_token},
                           {"expires_at", format_instant(s.expires_at)}}.dump(),
                      "application/json");
    } catch (const ServiceError& e) {
      service_error(e, res);
    }
  }

  // GET /api/v1/session: the browser session's user and CSRF token.
  void get_session(const httplib::Request& req, httplib::Response& res) {
    std::string token = session_cookie(req);
    auto who = token.empty() ? std::nullopt : authenticated(req, res);
    if (!who) {
      if (token.empty()) problem(res, 401, "Unauthorized", "no browser session: log in with POST /api/v1/session");
      return;
    }
    res.set_header("Cache-Control", "no-store");
    res.set_content(json{{"user", {{"id", who->user.id}, {"name", who->user.name}, {"role", role_name(who->user.role)}}},
                         {"party", party_json(who->party)}, {"session", who->token_id},
                         {"csrf_token", csrf_token_for(token)}}.dump(),
                    "application/json");
  }

  // POST /api/v1/session/logout: ends the browser session (CSRF-checked).
  void post_logout(const httplib::Request& req, httplib::Response& res) {
    std::string token = session_cookie(req);
    if (token.empty()) return problem(res, 401, "Unauthorized", "no browser session");
    auto who = authenticated(req, res);
    if (!who) return;
    try {
      std::lock_guard<std::mutex> lock(store_mu);
      identity.logout(who->token_id, actor_of(*who));
    } catch (const ServiceError& e) {
      return service_error(e, res);
    }
    res.set_header("Set-Cookie", session_cookie_header("", 0));
    res.set_content(json{{"ended", who->token_id}}.dump(), "application/json");
  }

  // authenticate() on a read lease, released before returning.
  std::optional<Principal> authenticated(const httplib::Request& req, httplib::Response& res) {
    ReadLease db(*this);
    return authenticate(*db, req, res);
  }

  void service_error(const ServiceError& e, httplib::Response& res) {
    using SK = ServiceError::Kind;
    using TK = TransitionError::Kind;
    switch (e.kind) {
      case SK::InvalidRequest: problem(res, 422, "Unprocessable Content", e.what(), e.field_errors); return;
      case SK::NotLawful: problem(res, 422, "Unprocessable Content", e.what(), {{"$.pathway", e.what()}}); return;
      case SK::NotFound: problem(res, 404, "Not Found", e.what()); return;
      case SK::Forbidden: problem(res, 403, "Forbidden", e.what()); return;
      case SK::Conflict: problem(res, 409, "Conflict", e.what()); return;
      case SK::Unauthenticated: problem(res, 401, "Unauthorized", e.what()); return;
      case SK::TooManyAttempts:
        res.set_header("Retry-After", std::to_string(std::max<int64_t>(1, e.retry_after)));
        problem(res, 429, "Too Many Requests", e.what());
        return;
      case SK::Untrusted: {
        // A replayed order conflicts with the case it opened; any other
        // refusal is about the order's content. `reason` names which check.
        bool replay = e.reason == "replayed";
        problem(res, replay ? 409 : 422, replay ? "Conflict" : "Unprocessable Content", e.what(), e.field_errors,
                e.reason);
        return;
      }
      case SK::KeyReused:  // draft-ietf-httpapi-idempotency-key-header: a reused key with a different payload
        problem(res, 422, "Unprocessable Content", e.what(), {{"$header.Idempotency-Key", e.what()}});
        return;
      case SK::StepRefused:
        if (!e.transition || e.transition->kind == TK::RoleNotPermitted) problem(res, 403, "Forbidden", e.what());
        else if (e.transition->kind == TK::ReasonRequired)
          problem(res, 422, "Unprocessable Content", e.what(), {{"$.reason", "a reason is required for this step"}});
        else if (e.transition->kind == TK::GroundInvalid)
          problem(res, 422, "Unprocessable Content", e.what(), {{"$.ground", e.what()}});
        else if (e.transition->kind == TK::UnknownEvent)
          problem(res, 422, "Unprocessable Content", e.what(), {{"$.event", e.what()}});
        else problem(res, 409, "Conflict", e.what());
        return;
    }
  }

  // The Idempotency-Key header: absent (""), or 1-200 visible ASCII characters;
  // nullopt (after a 400 problem) when malformed.
  std::optional<std::string> idempotency_key(const httplib::Request& req, httplib::Response& res) {
    std::string k = req.get_header_value("Idempotency-Key");
    bool ok = k.size() <= 200 && std::all_of(k.begin(), k.end(), [](char c) { return c > 32 && c < 127; });
    if (!ok) {
      problem(res, 400, "Bad Request", "Idempotency-Key must be 1-200 visible ASCII characters",
              {{"$header.Idempotency-Key", "1-200 visible ASCII characters"}});
      return std::nullopt;
    }
    return k;
  }

  // Parses a JSON body with the request guard's limits, or answers 400/415.
  std::optional<json> json_body(const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("Content-Type").rfind("application/json", 0) != 0) {
      problem(res, 415, "Unsupported Media Type", "send application/json");
      return std::nullopt;
    }
    FieldErrors errors;
    auto j = parse_json_guarded(req.body, JsonLimits{}, errors);
    if (!j || !j->is_object()) {
      problem(res, 400, "Bad Request", j ? "the body must be a JSON object" : errors.at(0).message);
      return std::nullopt;
    }
    return j;
  }

  // The `limit` query parameter (default 50, 1..200), or nullopt after a 400 problem.
  static std::optional<int> page_limit(const httplib::Request& req, httplib::Response& res) {
    if (!req.has_param("limit")) return 50;
    int limit = -1;
    try {
      size_t used = 0;
      std::string text = req.get_param_value("limit");
      limit = std::stoi(text, &used);
      if (used != text.size()) limit = -1;
    } catch (const std::exception&) {
      limit = -1;
    }
    if (limit < 1 || limit > 200) {
      problem(res, 400, "Bad Request", "limit must be 1..200", {{"$query.limit", "an integer 1..200"}});
      return std::nullopt;
    }
    return limit;
  }

  // The string at `key` of `body`, or "" after appending an error naming it.
  static std::string required_string(const json& body, const char* key, const char* expected, FieldErrors& errors) {
    auto it = body.find(key);
    if (it == body.end() || !it->is_string()) {
      errors.push_back({std::string("$.") + key, std::string("required: ") + expected});
      return {};
    }
    return it->get<std::string>();
  }

  // Appends an error for every key of `body` not in `allowed`.
  static void refuse_unknown_fields(const json& body, std::initializer_list<std::string_view> allowed,
                                    FieldErrors& errors) {
    std::string expected;
    for (auto a : allowed) expected += (expected.empty() ? "" : ", ") + std::string(a);
    for (auto it = body.begin(); it != body.end(); ++it)
      if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end())
        errors.push_back({"$." + it.key(), "no such field: expected " + expected});
  }

  void create_case(const httplib::Request& req, httplib::Response& res) {
    auto who = authenticated(req, res);
    if (!who) return;
    if (who->user.role != PartyRole::Officer) {
      problem(res, 403, "Forbidden", "only an officer of an issuing authority opens a case");
      return;
    }
    auto body = json_body(req, res);
    if (!body) return;
    FieldErrors errors;
    refuse_unknown_fields(*body, {"request", "signed_order", "pathway", "role"}, errors);
    const bool is_signed = body->contains("signed_order");
    if (is_signed && body->contains("request"))
      errors.push_back({"$.request", "give the request inside signed_order, not beside it"});
    else if (!is_signed && options.orders == OrderPolicy::SignedOnly)
      errors.push_back({"$.signed_order",
                        "required: this exchange accepts signed orders only (docs/trust.md; comity order sign)"});
    else if (is_signed && !(*body)["signed_order"].is_object())
      errors.push_back({"$.signed_order", "an object {order, signatures} (docs/trust.md)"});
    else if (!is_signed && (!body->contains("request") || !(*body)["request"].is_object()))
      errors.push_back({"$.request", "required: the request (an object, docs/request-format.md)"});
    if (!body->contains("pathway") || !(*body)["pathway"].is_string())
      errors.push_back({"$.pathway", "required: the chosen pathway id, e.g. P_EU_EPOC"});
    std::string role_text = body->value("role", std::string("primary"));
    if (role_text != "primary" && role_text != "preservation_companion")
      errors.push_back({"$.role", "primary or preservation_companion"});
    if (!errors.empty()) {
      problem(res, 422, "Unprocessable Content", "the body does not match", errors);
      return;
    }
    auto key = idempotency_key(req, res);
    if (!key) return;
    try {
      bool replayed = false;
      CaseRecord r;
      // Parse, evaluate and render here, in parallel with other handlers; only
      // the insert joins the group commit.
      const Role role = role_text == "primary" ? Role::Primary : Role::PreservationCompanion;
      const std::string pathway = (*body)["pathway"].get<std::string>();
      OpenAttempt attempt = is_signed ? cases.attempt_open_signed((*body)["signed_order"], *trusted(), pathway, role,
                                                                  actor_of(*who), *key)
                                      : cases.attempt_open((*body)["request"], pathway, role, actor_of(*who), *key);
      durably([&] { r = cases.commit_open(attempt, &replayed); });
      if (replayed) res.set_header("Idempotent-Replayed", "true");
      res.status = 201;
      res.set_header("Location", "/api/v1/cases/" + r.id);
      res.set_content(case_text(r, CaseView::Full, *who, pack, clock.now()), "application/json");
    } catch (const ServiceError& e) {
      // Field errors sit under the member that carried them: the request,
      // or the signed order (whose request is at order.request).
      ServiceError moved = e;
      const std::string base = !is_signed ? "$.request"
                               : e.kind == ServiceError::Kind::Untrusted ? "$.signed_order"
                                                                         : "$.signed_order.order.request";
      for (auto& fe : moved.field_errors) fe.path = base + fe.path.substr(1);
      service_error(moved, res);
    }
  }

  void list_cases(const httplib::Request& req, httplib::Response& res) {
    ReadLease db(*this);
    auto who = authenticate(*db, req, res);
    if (!who) return;
    auto limit_or = page_limit(req, res);
    if (!limit_or) return;
    int limit = *limit_or;
    std::string cursor = req.get_param_value("cursor");
    std::string due_filter = req.get_param_value("notice_review_due");
    if (!due_filter.empty() && due_filter != "true" && due_filter != "false")
      return problem(res, 400, "Bad Request", "notice_review_due must be true or false",
                     {{"$query.notice_review_due", "true or false"}});
    Instant now = clock.now();
    json items = json::array();
    std::string last = cursor;
    bool more = true;
    // Scan forward in pages until `limit` visible cases are found (bounded work per call).
    for (int scanned = 0; more && static_cast<int>(items.size()) < limit && scanned < 2000;) {
      auto page = db->list_cases(last, 200);
      more = page.size() == 200;
      for (const auto& c : page) {
        ++scanned;
        last = c.id;
        CaseView v = case_view(*who, c);
        if (v == CaseView::None) continue;
        bool due = v != CaseView::Order && notice_review_due(c.notice_status, c.notice_review_date, now);
        if (!due_filter.empty() && due != (due_filter == "true")) continue;
        items.push_back({{"id", c.id}, {"pathway", c.pathway}, {"state", c.state},
                         {"requesting_state", c.requesting_state}, {"updated_at", format_instant(c.updated_at)},
                         {"view", case_view_name(v)}, {"notice_review_due", due},
                         {"next_deadline", c.next_deadline.empty() ? json(nullptr)
                                                                   : json{{"deadline", c.next_deadline},
                                                                          {"due", format_instant(c.next_due)}}}});
        if (static_cast<int>(items.size()) == limit) break;
      }
    }
    json out = {{"items", items}, {"next_cursor", more || static_cast<int>(items.size()) == limit ? json(last) : json(nullptr)}};
    res.set_content(out.dump(), "application/json");
  }

  // Loads the case the principal may see, or answers 404 (a case one may not
  // see does not exist, so ids cannot be probed).
  std::optional<std::pair<CaseRecord, CaseView>> visible_case(Store& db, const Principal& who, const std::string& id,
                                                              httplib::Response& res) {
    auto r = db.load_case(id);
    CaseView v = r ? case_view(who, summary_of(*r)) : CaseView::None;
    if (v == CaseView::None) {
      problem(res, 404, "Not Found", "no case " + id);
      return std::nullopt;
    }
    return std::make_pair(std::move(*r), v);
  }

  void get_case(const httplib::Request& req, httplib::Response& res) {
    std::string body;
    std::optional<AuditEntry> read;
    {
      ReadLease db(*this);
      auto who = authenticate(*db, req, res);
      if (!who) return;
      auto found = visible_case(*db, *who, req.matches[1], res);
      if (!found) return;
      const auto productions = db->productions_for_case(found->first.id);
      body = case_text(found->first, found->second, *who, pack, clock.now(), db->reviews(found->first.id),
                       &productions);
      // Reading the request's facts or an order is recorded: who, when, which
      // case, and the SHA-256 of exactly what was shown.
      if (found->second == CaseView::Full || found->second == CaseView::Order)
        read = AuditEntry{0, clock.now(), std::string(role_name(who->user.role)) + ":" + who->user.id,
                          std::string("read_case:") + std::string(case_view_name(found->second)), found->first.id,
                          sha256_hex(body)};
    }
    // Shown only once its record is durable.
    if (read) durably([&] { store.append_audit(*read); });
    res.set_content(body, "application/json");
  }

  // The decision the case was opened on (rendered again from the recorded
  // request, rule pack and date). Not for the addressee: it gets the order,
  // not the reasoning.
  void get_decision(const httplib::Request& req, httplib::Response& res) {
    ReadLease db(*this);
    auto who = authenticate(*db, req, res);
    if (!who) return;
    auto found = visible_case(*db, *who, req.matches[1], res);
    if (!found) return;
    if (found->second == CaseView::Order)
      return problem(res, 403, "Forbidden", "the addressee receives the order, not the reasoning (Reg. 2023/1543 Art 9)");
    try {
      res.set_content(cases.decision_text(found->first), "application/json");
    } catch (const ServiceError& e) {
      service_error(e, res);
    }
  }

  // The case's formal document as PDF in the reader's language (?lang=en|fr|de,
  // default en): the full file for the requesting side and the authorities,
  // the order's fields only for the addressee (Reg. 2023/1543 Art 9(3)); not
  // for oversight, which sees metadata. Audited like a read of the case.
  void get_document(const httplib::Request& req, httplib::Response& res) {
    std::string lang = req.has_param("lang") ? req.get_param_value("lang") : "en";
    const auto& langs = labels().at("languages");
    if (std::find(langs.begin(), langs.end(), lang) == langs.end())
      return problem(res, 400, "Bad Request", "lang must be en, fr or de", {{"$query.lang", "en, fr or de"}});
    auto pdf_bytes = audited_party_read(
        req, res, "read_case:document", "oversight sees a case's metadata, not its documents",
        [&](Store&, const Principal&, const CaseRecord& r, CaseView view) {
          CaseDocumentInput in{r.id,
                               r.c.pathway,
                               r.c.workflow,
                               r.counterpart_state,
                               json::parse(r.request_json),
                               r.order_verification_json.empty() ? json(nullptr) : json::parse(r.order_verification_json),
                               clocks_json(r, clock.now())};
          return case_document_pdf(in, view == CaseView::Full ? DocumentScope::Full : DocumentScope::OrderOnly,
                                   labels(), lang);
        });
    if (!pdf_bytes) return;
    res.set_header("Content-Disposition",
                   "inline; filename=\"comity-" + std::string(req.matches[1]) + "-" + lang + ".pdf\"");
    res.set_header("Cache-Control", "no-store");
    res.set_content(*pdf_bytes, "application/pdf");
  }

  // A read of a case's contents by one of its parties (the full or the order
  // view): `render(store, who, case, view)` makes the body, which is given
  // out only once its audit entry — `action`, with the SHA-256 of exactly
  // these bytes — is durable. Otherwise answers the problem (401; 404 for a
  // case the caller may not see; 403 with `forbidden` for oversight's
  // metadata view) and returns nullopt.
  template <class F>
  std::optional<std::string> audited_party_read(const httplib::Request& req, httplib::Response& res,
                                                const char* action, const char* forbidden, F&& render) {
    std::string body;
    std::optional<AuditEntry> read;
    {
      ReadLease db(*this);
      auto who = authenticate(*db, req, res);
      if (!who) return std::nullopt;
      auto found = visible_case(*db, *who, req.matches[1], res);
      if (!found) return std::nullopt;
      if (found->second != CaseView::Full && found->second != CaseView::Order) {
        problem(res, 403, "Forbidden", forbidden);
        return std::nullopt;
      }
      body = render(*db, *who, found->first, found->second);
      read = AuditEntry{0, clock.now(), std::string(role_name(who->user.role)) + ":" + who->user.id, action,
                        found->first.id, sha256_hex(body)};
    }
    durably([&] { store.append_audit(*read); });
    return body;
  }

  // web/labels.json, parsed once.
  static const json& labels() {
    static const json parsed = json::parse(find_web_asset("labels.json")->bytes);
    return parsed;
  }

  // An embedded file of the web app, revalidated by its digest. The app's
  // pages run only their own scripts and styles, and cannot be framed.
  void serve_asset(const httplib::Request& req, httplib::Response& res, const std::string& path) {
    const WebAsset* a = find_web_asset(path);
    if (!a) return problem(res, 404, "Not Found", "no file " + path);
    std::string etag = "\"" + std::string(a->sha256.substr(0, 32)) + "\"";
    res.set_header("ETag", etag);
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    if (a->media_type.rfind("text/html", 0) == 0) {
      res.set_header("Content-Security-Policy",
                     "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                     "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
      res.set_header("X-Frame-Options", "DENY");
    }
    if (req.get_header_value("If-None-Match") == etag) {
      res.status = 304;
      return;
    }
    res.set_content(std::string(a->bytes), std::string(a->media_type));
  }

  // Authenticates, loads the case the caller may act on (404 if it may not
  // see it, 403 if it may only read it) and parses the JSON body; nullopt
  // after answering with the problem.
  struct ActOn {
    Principal who;
    CaseRecord record;
    CaseView view;
    json body;
  };
  std::optional<ActOn> act_on(const httplib::Request& req, httplib::Response& res) {
    std::optional<Principal> who;
    std::optional<std::pair<CaseRecord, CaseView>> found;
    {
      ReadLease db(*this);
      who = authenticate(*db, req, res);
      if (!who) return std::nullopt;
      found = visible_case(*db, *who, req.matches[1], res);
      if (!found) return std::nullopt;
    }
    if (!may_act(found->second)) {
      problem(res, 403, "Forbidden", "this party may read the case but not act on it");
      return std::nullopt;
    }
    auto body = json_body(req, res);
    if (!body) return std::nullopt;
    return ActOn{std::move(*who), std::move(found->first), found->second, std::move(*body)};
  }

  void post_review(const httplib::Request& req, httplib::Response& res) {
    auto a = act_on(req, res);
    if (!a) return;
    FieldErrors errors;
    refuse_unknown_fields(a->body, {"verdicts", "agree_rest"}, errors);
    std::vector<CheckVerdict> verdicts;
    if (!a->body.contains("verdicts") || !a->body["verdicts"].is_array() || a->body["verdicts"].size() > 500) {
      errors.push_back({"$.verdicts", "required: an array (at most 500) of {predicate, verdict, reason?}"});
    } else {
      for (size_t i = 0; i < a->body["verdicts"].size(); ++i) {
        const json& v = a->body["verdicts"][i];
        std::string at = "$.verdicts[" + std::to_string(i) + "]";
        if (!v.is_object()) {
          errors.push_back({at, "an object {predicate, verdict, reason?}"});
          continue;
        }
        FieldErrors inner;
        refuse_unknown_fields(v, {"predicate", "verdict", "reason"}, inner);
        CheckVerdict cv{required_string(v, "predicate", "a predicate id of the chosen pathway", inner),
                        required_string(v, "verdict", "agree or override", inner),
                        v.contains("reason") && v["reason"].is_string() ? v["reason"].get<std::string>() : ""};
        if (v.contains("reason") && !v["reason"].is_string()) inner.push_back({"$.reason", "a string"});
        for (auto& e : inner) errors.push_back({at + e.path.substr(1), e.message});
        verdicts.push_back(std::move(cv));
      }
    }
    if (a->body.contains("agree_rest") && !a->body["agree_rest"].is_boolean())
      errors.push_back({"$.agree_rest", "true or false"});
    if (!errors.empty()) return problem(res, 422, "Unprocessable Content", "the body does not match", errors);
    try {
      CaseReview rv;
      durably([&] { rv = cases.review(a->record.id, actor_of(a->who), verdicts, a->body.value("agree_rest", false)); });
      res.status = 201;
      res.set_content(json{{"case", rv.case_id}, {"side", rv.side}, {"reviewer", rv.reviewer}, {"at", format_instant(rv.at)},
                           {"verdicts", json::parse(rv.verdicts_json)}}.dump(),
                      "application/json");
    } catch (const ServiceError& e) {
      service_error(e, res);
    }
  }

  void post_notice(const httplib::Request& req, httplib::Response& res) {
    auto a = act_on(req, res);
    if (!a) return;
    FieldErrors errors;
    refuse_unknown_fields(a->body, {"action", "review_date", "reason"}, errors);
    std::string action = required_string(a->body, "action", "notified or delay", errors);
    if (!action.empty() && action != "notified" && action != "delay") errors.push_back({"$.action", "notified or delay"});
    for (const char* k : {"review_date", "reason"})
      if (a->body.contains(k) && !a->body[k].is_string()) errors.push_back({std::string("$.") + k, "a string"});
    if (!errors.empty()) return problem(res, 422, "Unprocessable Content", "the body does not match", errors);
    try {
      CaseRecord r;
      durably([&] {
        r = cases.record_notice(a->record.id, actor_of(a->who),
                                action == "notified" ? NoticeAction::Notified : NoticeAction::Delay,
                                a->body.value("review_date", std::string()), a->body.value("reason", std::string()));
      });
      res.set_content(case_text(r, a->view, a->who, pack, clock.now()), "application/json");
    } catch (const ServiceError& e) {
      service_error(e, res);
    }
  }

  void post_event(const httplib::Request& req, httplib::Response& res) {
    // Who may see a case depends on facts fixed at its opening and on
    // transmission, which is never undone: act_on's check stays true for the step.
    auto a = act_on(req, res);
    if (!a) return;
    FieldErrors errors;
    refuse_unknown_fields(a->body, {"event", "reason", "ground", "signature"}, errors);
    if (a->body.contains("signature") && !a->body["signature"].is_object())
      errors.push_back({"$.signature", "an object {role: validator, signer, signature} (docs/trust.md)"});
    if (!a->body.contains("event") || !a->body["event"].is_string())
      errors.push_back({"$.event", "required: the step, e.g. acknowledge"});
    if (a->body.contains("reason") && !a->body["reason"].is_string()) errors.push_back({"$.reason", "a string"});
    if (a->body.contains("ground") && !a->body["ground"].is_string())
      errors.push_back({"$.ground", "a string: the coded ground, e.g. ne_bis_in_idem"});
    if (!errors.empty()) return problem(res, 422, "Unprocessable Content", "the body does not match", errors);
    auto key = idempotency_key(req, res);
    if (!key) return;
    try {
      bool replayed = false;
      CaseRecord r;
      std::string event = a->body["event"].get<std::string>(), reason = a->body.value("reason", std::string()),
                  ground = a->body.value("ground", std::string());
      auto trust_now = trusted();
      std::optional<CaseService::Countersignature> counter;
      if (a->body.contains("signature")) counter.emplace(CaseService::Countersignature{a->body["signature"], *trust_now});
      durably([&] {
        r = cases.step(a->record.id, event, actor_of(a->who), reason, *key, &replayed, ground,
                       counter ? &*counter : nullptr);
      });
      if (replayed) res.set_header("Idempotent-Replayed", "true");
      res.set_content(case_text(r, a->view, a->who, pack, clock.now()), "application/json");
    } catch (const ServiceError& e) {
      service_error(e, res);
    }
  }

  // Drafts (docs/api.md): the author's own, under the writer lock (small,
  // rare writes; reads of one's own drafts).
  template <typename F>
  void with_drafts(const httplib::Request& req, httplib::Response& res, F&& work) {
    auto who = authenticated(req, res);
    if (!who) return;
    try {
      std::lock_guard<std::mutex> lock(store_mu);
      work(actor_of(*who));
    } catch (const ServiceError& e) {
      service_error(e, res);
    }
  }

  void post_draft(const httplib::Request& req, httplib::Response& res) {
    auto body = json_body(req, res);
    if (!body) return;
    FieldErrors errors;
    refuse_unknown_fields(*body, {"request"}, errors);
    if (!errors.empty()) return problem(res, 422, "Unprocessable Content", "the body does not match", errors);
    with_drafts(req, res, [&](const Actor& a) {
      Draft d = drafts.create(body->value("request", json::object()), a);
      res.status = 201;
      res.set_header("Location", "/api/v1/drafts/" + d.id);
      res.set_content(draft_json(d).dump(), "application/json");
    });
  }

  void save_draft(const httplib::Request& req, httplib::Response& res) {
    auto body = json_body(req, res);
    if (!body) return;
    FieldErrors errors;
    refuse_unknown_fields(*body, {"version", "request"}, errors);
    if (!body->contains("version") || !(*body)["version"].is_number_integer())
      errors.push_back({"$.version", "required: the version this save replaces"});
    if (!body->contains("request")) errors.push_back({"$.request", "required: the request so far"});
    if (!errors.empty()) return problem(res, 422, "Unprocessable Content", "the body does not match", errors);
    with_drafts(req, res, [&](const Actor& a) {
      Draft d = drafts.save(req.matches[1].str(), (*body)["version"].get<int64_t>(), (*body)["request"], a);
      res.set_content(draft_json(d).dump(), "application/json");
    });
  }

  void get_draft(const httplib::Request& req, httplib::Response& res) {
    with_drafts(req, res, [&](const Actor& a) {
      res.set_content(draft_json(drafts.get(req.matches[1].str(), a)).dump(), "application/json");
    });
  }

  void list_drafts(const httplib::Request& req, httplib::Response& res) {
    auto limit = page_limit(req, res);
    if (!limit) return;
    with_drafts(req, res, [&](const Actor& a) {
      json items = json::array();
      for (const auto& d : drafts.list(a, *limit)) {
        json j = draft_json(d);
        j.erase("request");
        items.push_back(std::move(j));
      }
      res.set_content(json{{"items", items}}.dump(), "application/json");
    });
  }

  void delete_draft(const httplib::Request& req, httplib::Response& res) {
    with_drafts(req, res, [&](const Actor& a) {
      drafts.remove(req.matches[1].str(), a);
      res.set_content(json{{"deleted", req.matches[1].str()}}.dump(), "application/json");
    });
  }

  bool evidence_configured(httplib::Response& res) {
    if (evidence) return true;
    problem(res, 503, "Service Unavailable", "this server keeps no evidence (no evidence directory configured)");
    return false;
  }

  // The provider registers a production with its signed manifest.
  void post_production(const httplib::Request& req, httplib::Response& res) {
    if (!evidence_configured(res)) return;
    auto who = authenticated(req, res);
    if (!who) return;
    auto body = json_body(req, res);
    if (!body) return;
    try {
      json out;
      auto trust_now = trusted();
      {
        std::lock_guard<std::mutex> lock(store_mu);
        Production p = evidence->register_production(req.matches[1].str(), *body, actor_of(*who), *trust_now);
        out = evidence->describe(p.id, actor_of(*who));
      }
      res.status = 201;
      res.set_header("Location", "/api/v1/productions/" + out["id"].get<std::string>());
      res.set_content(out.dump(), "application/json");
    } catch (const ServiceError& e) {
      service_error(e, res);
    }
  }

  void get_production(const httplib::Request& req, httplib::Response& res) {
    if (!evidence_configured(res)) return;
    auto who = authenticated(req, res);
    if (!who) return;
    try {
      json out;
      {
        std::lock_guard<std::mutex> lock(store_mu);
        out = evidence->describe(req.matches[1].str(), actor_of(*who));
      }
      res.set_content(out.dump(), "application/json");
    } catch (const ServiceError& e) {
      service_error(e, res);
    }
  }

  // One chunk of a file's ciphertext at ?offset=N (resumable: GET the
  // production for received_bytes). Checked on a read connection, streamed
  // to the vault as it arrives (never held whole in memory) outside every
  // store lock, committed only when the file is complete.
  void post_chunk(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
    // A refused chunk's body may be left unread, so the connection cannot
    // carry another request: it closes unless the chunk was taken whole.
    res.set_header("Connection", "close");
    if (!evidence_configured(res)) return;
    auto who = authenticated(req, res);
    if (!who) return;
    if (req.get_header_value("Content-Type") != "application/octet-stream")
      return problem(res, 415, "Unsupported Media Type", "send the ciphertext as application/octet-stream");
    std::string offset_text = req.get_param_value("offset");
    if (!small_decimal(offset_text))
      return problem(res, 400, "Bad Request", "offset must be the byte offset the chunk starts at",
                     {{"$query.offset", "a non-negative integer"}});
    const std::string index_text = req.matches[2].str();
    if (!small_decimal(index_text)) return problem(res, 404, "Not Found", "no such file");
    const std::string length_text = req.get_header_value("Content-Length");
    if (!small_decimal(length_text))
      return problem(res, 411, "Length Required", "send the chunk with a Content-Length (at most 1048576 bytes)");
    const uint64_t offset = std::stoull(offset_text), length = std::stoull(length_text);
    const int64_t index = std::stoll(index_text);
    uint64_t received = 0;
    try {
      EvidenceService::UploadSlot slot;
      {
        ReadLease db(*this);
        slot = evidence->prepare_upload(*db, req.matches[1].str(), index, offset, static_cast<size_t>(length),
                                        actor_of(*who), &received);
      }
      auto out = evidence->write_chunk_from(slot, offset, [&](const EvidenceVault::PieceWriter& write) {
        reader([&](const char* data, size_t n) { return write(std::string_view(data, n)); });
      });
      if (out.received != offset + length)
        return problem(res, 400, "Bad Request",
                       "the chunk arrived incomplete; the upload continues at offset " + std::to_string(out.received));
      if (out.complete) durably([&] { evidence->record_complete(store, slot, actor_of(*who)); });
      res.headers.erase("Connection");
      res.set_header("Upload-Offset", std::to_string(out.received));
      res.set_content(json{{"received_bytes", out.received}, {"complete", out.complete}}.dump(), "application/json");
    } catch (const ServiceError& e) {
      if (e.kind == ServiceError::Kind::Conflict) res.set_header("Upload-Offset", std::to_string(received));
      service_error(e, res);
    }
  }

  // The ciphertext, streamed from the vault, for the requesting authority's
  // officers; the read is audited before the first byte leaves.
  void get_file(const httplib::Request& req, httplib::Response& res) {
    if (!evidence_configured(res)) return;
    auto who = authenticated(req, res);
    if (!who) return;
    const std::string id = req.matches[1].str(), index_text = req.matches[2].str();
    if (!small_decimal(index_text)) return problem(res, 404, "Not Found", "no such file");
    const int64_t index = std::stoll(index_text);
    uint64_t size = 0;
    try {
      std::lock_guard<std::mutex> lock(store_mu);
      size = evidence->authorize_download(id, index, actor_of(*who));
    } catch (const ServiceError& e) {
      if (e.kind == ServiceError::Kind::Conflict) return problem(res, 410, "Gone", e.what());
      return service_error(e, res);
    }
    EvidenceVault* v = vault.get();
    res.set_header("Content-Disposition", "attachment; filename=\"" + id + "-" + index_text + ".age\"");
    res.set_content_provider(
        static_cast<size_t>(size), "application/octet-stream",
        [v, id, index](size_t offset, size_t, httplib::DataSink& sink) {
          bool ok = true;
          try {
            v->read(id, index, offset, [&](std::string_view piece) {
              ok = sink.write(piece.data(), piece.size());
              return false;  // one piece per call; httplib asks again from the new offset
            });
          } catch (const VaultError& e) {  // deleted meanwhile: the transfer stops short
            std::cerr << json{{"level", "error"}, {"msg", "evidence download"}, {"error", e.what()}}.dump() << "\n";
            return false;
          }
          return ok;
        });
  }

  std::shared_ptr<const trust::TrustStore> trusted() {
    std::lock_guard<std::mutex> lock(trust_mu);
    return trust_store;
  }

  // What the exchange trusts, as a bundle anyone may fetch to verify orders
  // and manifests offline (comity verify --trust).
  void get_trust(const httplib::Request&, httplib::Response& res) {
    res.set_content(trusted()->bundle().dump(), "application/json");
  }

  // An admin imports a bundle: every document is checked against what is
  // trusted already, and the import is stored with its audit entry before
  // it takes effect. ?anchor_change=operator_override replaces a state's
  // anchor without the old anchor's signature.
  void post_trust(const httplib::Request& req, httplib::Response& res) {
    auto who = authenticated(req, res);
    if (!who) return;
    if (who->user.role != PartyRole::Admin) return problem(res, 403, "Forbidden", "only an admin imports trust bundles");
    const std::string change = req.has_param("anchor_change") ? req.get_param_value("anchor_change") : "cross_signed";
    const auto how = anchor_change_named(change);
    if (!how)
      return problem(res, 400, "Bad Request", "anchor_change must be cross_signed or operator_override",
                     {{"$query.anchor_change", "cross_signed or operator_override"}});
    auto body = json_body(req, res);
    if (!body) return;
    std::lock_guard<std::mutex> one_import(trust_import_mu);
    auto next = std::make_shared<trust::TrustStore>(*trusted());
    try {
      next->add_bundle(*body, *how);
    } catch (const trust::TrustError& e) {
      return problem(res, 422, "Unprocessable Content", e.what(), {{e.path, e.what()}}, trust::error_code(e.kind));
    }
    std::string text = body->dump();
    AuditEntry audit{0, clock.now(), std::string(role_name(who->user.role)) + ":" + who->user.id, "import_trust",
                     change, sha256_hex(text)};
    durably([&] { store.add_trust_import({text, change, clock.now()}, audit); });
    {
      std::lock_guard<std::mutex> lock(trust_mu);
      trust_store = next;
    }
    json b = next->bundle();
    res.status = 201;
    res.set_content(json{{"anchors", b["anchors"].size()}, {"credentials", b["credentials"].size()},
                         {"revocations", b["revocations"].size()}}.dump(),
                    "application/json");
  }

  static json party_json(const Party& p) {
    return {{"id", p.id}, {"kind", p.kind}, {"state", p.state}, {"name", p.name}};
  }

  void me(const httplib::Request& req, httplib::Response& res) {
    ReadLease db(*this);
    auto who = authenticate(*db, req, res);
    if (!who) return;
    res.set_content(json{{"user", {{"id", who->user.id}, {"name", who->user.name}, {"role", role_name(who->user.role)}}},
                         {"party", party_json(who->party)}, {"token_id", who->token_id}}.dump(),
                    "application/json");
  }

  // The directory of parties: every authenticated user may read it (an
  // officer needs to find a provider, a central authority its counterpart).
  void list_parties(const httplib::Request& req, httplib::Response& res) {
    ReadLease db(*this);
    if (!authenticate(*db, req, res)) return;
    auto limit = page_limit(req, res);
    if (!limit) return;
    auto page = db->list_parties(req.get_param_value("cursor"), *limit);
    json items = json::array();
    for (const auto& p : page) items.push_back(party_json(p));
    json next = static_cast<int>(page.size()) == *limit ? json(page.back().id) : json(nullptr);
    res.set_content(json{{"items", items}, {"next_cursor", next}}.dump(), "application/json");
  }

  void get_party(const httplib::Request& req, httplib::Response& res) {
    ReadLease db(*this);
    if (!authenticate(*db, req, res)) return;
    auto p = db->party(std::string(req.matches[1]));
    if (!p) return problem(res, 404, "Not Found", "no party " + std::string(req.matches[1]));
    res.set_content(party_json(*p).dump(), "application/json");
  }

  void create_party(const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(store_mu);
    auto who = authenticate(store, req, res);
    if (!who) return;
    if (who->user.role != PartyRole::Admin) return problem(res, 403, "Forbidden", "only an admin registers parties");
    auto body = json_body(req, res);
    if (!body) return;
    FieldErrors errors;
    refuse_unknown_fields(*body, {"id", "kind", "state", "name"}, errors);
    Party p{required_string(*body, "id", "the party id", errors), required_string(*body, "kind", "the party kind", errors),
            required_string(*body, "state", "an ISO 3166-1 alpha-2 State code", errors),
            required_string(*body, "name", "the party's name", errors)};
    if (!errors.empty()) return problem(res, 422, "Unprocessable Content", "the body does not match", errors);
    try {
      identity.create_party(p, actor_of(*who));
      res.status = 201;
      res.set_header("Location", "/api/v1/parties/" + p.id);
      res.set_content(party_json(p).dump(), "application/json");
    } catch (const ServiceError& e) {
      service_error(e, res);
    }
  }

  void create_user(const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(store_mu);
    auto who = authenticate(store, req, res);
    if (!who) return;
    if (who->user.role != PartyRole::Admin) return problem(res, 403, "Forbidden", "only an admin registers users");
    auto body = json_body(req, res);
    if (!body) return;
    FieldErrors errors;
    refuse_unknown_fields(*body, {"id", "party_id", "role", "name"}, errors);
    User u{required_string(*body, "id", "the user id", errors), required_string(*body, "party_id", "the user's party", errors),
           required_string(*body, "name", "the user's name", errors), PartyRole::Officer};
    std::string role_text = required_string(*body, "role", "the user's role", errors);
    auto role = parse_role(role_text);
    if (!role_text.empty() && (!role || *role == PartyRole::System || *role == PartyRole::RequestingCentralAuthority ||
                               *role == PartyRole::RequestedCentralAuthority))
      errors.push_back({"$.role", "one of officer, validator, central_authority, provider, enforcing_authority, "
                                  "oversight, admin"});
    if (!errors.empty()) return problem(res, 422, "Unprocessable Content", "the body does not match", errors);
    u.role = *role;
    try {
      identity.create_user(u, actor_of(*who));
      res.status = 201;
      res.set_content(json{{"id", u.id}, {"party_id", u.party_id}, {"role", role_name(u.role)}, {"name", u.name}}.dump(),
                      "application/json");
    } catch (const ServiceError& e) {
      service_error(e, res);
    }
  }

  // Issues a token. Not replayable by design: the token is never stored, so
  // a retried request gets a second token (revoke the unused one).
  void issue_token(const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(store_mu);
    auto who = authenticate(store, req, res);
    if (!who) return;
    try {
      IssuedToken t = identity.issue_token(std::string(req.matches[1]), actor_of(*who));
      res.status = 201;
      res.set_header("Cache-Control", "no-store");
      res.set_content(json{{"id", t.id}, {"user_id", t.user_id}, {"token", t.token}}.dump(), "application/json");
    } catch (const ServiceError& e) {
      service_error(e, res);
    }
  }

  void revoke_token(const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(store_mu);
    auto who = authenticate(store, req, res);
    if (!who) return;
    try {
      identity.revoke_token(std::string(req.matches[1]), actor_of(*who));
      res.set_content(json{{"id", std::string(req.matches[1])}, {"revoked", true}}.dump(), "application/json");
    } catch (const ServiceError& e) {
      service_error(e, res);
    }
  }

  // The audit trail, oldest first: for oversight bodies and admins. Entries
  // carry who, when, what and a payload digest — never the payload.
  void list_audit(const httplib::Request& req, httplib::Response& res) {
    ReadLease db(*this);
    auto who = authenticate(*db, req, res);
    if (!who) return;
    if (who->user.role != PartyRole::Oversight && who->user.role != PartyRole::Admin)
      return problem(res, 403, "Forbidden", "the audit trail is for oversight bodies and admins");
    auto limit = page_limit(req, res);
    if (!limit) return;
    int64_t after = 0;
    if (req.has_param("cursor")) {
      std::string text = req.get_param_value("cursor");
      if (!small_decimal(text))
        return problem(res, 400, "Bad Request", "cursor must be an audit entry id", {{"$query.cursor", "a non-negative integer"}});
      after = std::stoll(text);
    }
    auto page = db->audit_after(after, *limit);
    json items = json::array();
    for (const auto& a : page)
      items.push_back({{"id", a.id}, {"at", format_instant(a.at)}, {"actor", a.actor}, {"action", a.action},
                       {"object", a.object}, {"payload_sha256", a.payload_sha256}});
    json next = static_cast<int>(page.size()) == *limit ? json(std::to_string(page.back().id)) : json(nullptr);
    res.set_content(json{{"items", items}, {"next_cursor", next}}.dump(), "application/json");
  }

  // ---- The transparency log (docs/transparency-log.md). Public: the
  // leaves carry no personal data. Only a case's parties get its salts.

  // The statistics of the latest checkpoint's leaves, recomputed when a new
  // checkpoint is published (guarded by stats_mu).
  std::mutex stats_mu;
  uint64_t stats_size = UINT64_MAX;
  nlohmann::ordered_json stats;

  // The statistics of the latest checkpoint (recomputed when the log grew).
  nlohmann::ordered_json statistics_report() {
    StoredCheckpoint last = current_checkpoint();
    std::lock_guard<std::mutex> lock(stats_mu);
    if (stats_size != last.tree_size) {
      std::vector<std::string> leaves;
      {
        ReadLease db(*this);
        leaves = db->log_leaves(0, last.tree_size);
      }
      stats = log_statistics(leaves, last.tree_size, ledger::to_hex(last.root));
      stats["checkpoint"] = last.note;
      stats_size = last.tree_size;
    }
    return stats;
  }

  // The public transparency page: the same figures as HTML, charts and tables.
  void get_transparency(const httplib::Request&, httplib::Response& res) {
    std::string page = transparency_page(statistics_report(), options.log_origin,
                                         ledger::verifier_key(options.log_origin, log_key->public_key()));
    res.set_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_content(page, "text/html; charset=utf-8");
  }

  void get_statistics(const httplib::Request& req, httplib::Response& res) {
    std::string format = req.has_param("format") ? req.get_param_value("format") : "json";
    if (format != "json" && format != "csv")
      return problem(res, 400, "Bad Request", "format is json or csv", {{"$query.format", "json or csv"}});
    nlohmann::ordered_json report = statistics_report();
    if (format == "csv") return res.set_content(statistics_csv(report), "text/csv; charset=utf-8");
    res.set_content(report.dump(), "application/json");
  }

  // A non-negative integer query parameter, or a 400 naming it.
  std::optional<uint64_t> count_param(const httplib::Request& req, httplib::Response& res, const char* name) {
    std::string text = req.has_param(name) ? req.get_param_value(name) : "";
    if (!small_decimal(text)) {
      problem(res, 400, "Bad Request", std::string("query parameter ") + name + " must be a non-negative integer",
              {{std::string("$query.") + name, "a non-negative integer"}});
      return std::nullopt;
    }
    return std::stoull(text);
  }

  static json hex_list(const std::vector<ledger::Hash>& hashes) {
    json out = json::array();
    for (const auto& h : hashes) out.push_back(ledger::to_hex(h));
    return out;
  }

  void get_checkpoint_note(const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-cache");
    res.set_content(current_checkpoint().note, "text/plain; charset=utf-8");
  }

  void get_tile(const httplib::Request& req, httplib::Response& res) {
    ledger::TileRef t;
    try {
      t = ledger::parse_tile_path(std::string(req.matches[1]));
    } catch (const ledger::LedgerError& e) {
      return problem(res, 404, "Not Found", e.what());
    }
    std::string body;
    if (!t.entries) {
      std::lock_guard<std::mutex> lock(log_mu);
      try {
        body = ledger::hash_tile(log, t);
      } catch (const ledger::LedgerError& e) {
        return problem(res, 404, "Not Found", e.what());
      }
    } else {
      uint64_t size;
      {
        std::lock_guard<std::mutex> lock(log_mu);
        size = log.size();
      }
      uint64_t first = t.index * ledger::kTileWidth;
      if (first + t.width > size) return problem(res, 404, "Not Found", ledger::tile_path(t) + " is beyond the tree");
      ReadLease db(*this);
      for (const auto& leaf : db->log_leaves(first, t.width)) ledger::append_bundle_entry(body, leaf);
    }
    // A tile's content never changes: a partial tile of width W is a
    // different path from the full one.
    res.set_header("Cache-Control", "public, max-age=31536000, immutable");
    res.set_content(body, "application/octet-stream");
  }

  void get_log_info(const httplib::Request&, httplib::Response& res) {
    res.set_content(json{{"origin", options.log_origin},
                         {"verifier_key", ledger::verifier_key(options.log_origin, log_key->public_key())},
                         {"checkpoint", current_checkpoint().note},
                         {"hashing", "RFC 9162 section 2.1 (SHA-256)"},
                         {"links",
                          {{"checkpoint", "/log/checkpoint"},
                           {"tiles", "/log/tile/"},
                           {"inclusion", "/api/v1/log/inclusion?index=I&tree_size=N"},
                           {"consistency", "/api/v1/log/consistency?from=M&to=N"}}}}
                        .dump(),
                    "application/json");
  }

  // Publishes a checkpoint now (oversight bodies and admins; the server also
  // publishes on its own interval).
  void post_checkpoint(const httplib::Request& req, httplib::Response& res) {
    {
      ReadLease db(*this);
      auto who = authenticate(*db, req, res);
      if (!who) return;
      if (who->user.role != PartyRole::Oversight && who->user.role != PartyRole::Admin)
        return problem(res, 403, "Forbidden", "publishing a checkpoint on demand is for oversight bodies and admins");
    }
    std::string note = publish_checkpoint().note;
    res.status = 201;
    res.set_content(json{{"checkpoint", note}}.dump(), "application/json");
  }

  void get_inclusion(const httplib::Request& req, httplib::Response& res) {
    auto index = count_param(req, res, "index");
    if (!index) return;
    auto size = count_param(req, res, "tree_size");
    if (!size) return;
    std::lock_guard<std::mutex> lock(log_mu);
    if (*size > log.size())
      return problem(res, 400, "Bad Request", "the log has " + std::to_string(log.size()) + " leaves",
                     {{"$query.tree_size", "at most " + std::to_string(log.size())}});
    if (*index >= *size)
      return problem(res, 400, "Bad Request", "the leaf index must be below the tree size",
                     {{"$query.index", "below " + std::to_string(*size)}});
    res.set_content(json{{"index", *index},
                         {"tree_size", *size},
                         {"leaf_hash", ledger::to_hex(log.node(0, *index))},
                         {"proof", hex_list(log.inclusion_proof(*index, *size))}}
                        .dump(),
                    "application/json");
  }

  void get_consistency(const httplib::Request& req, httplib::Response& res) {
    auto from = count_param(req, res, "from");
    if (!from) return;
    auto to = count_param(req, res, "to");
    if (!to) return;
    std::lock_guard<std::mutex> lock(log_mu);
    if (*to > log.size())
      return problem(res, 400, "Bad Request", "the log has " + std::to_string(log.size()) + " leaves",
                     {{"$query.to", "at most " + std::to_string(log.size())}});
    if (*from == 0 || *from > *to)
      return problem(res, 400, "Bad Request", "from must be 1..to", {{"$query.from", "1.." + std::to_string(*to)}});
    res.set_content(json{{"from", *from}, {"to", *to}, {"proof", hex_list(log.consistency_proof(*from, *to))}}.dump(),
                    "application/json");
  }

  // A case's leaves for its parties: the index, the public leaf, the salt
  // and full event that open its commitment, and an inclusion proof against
  // the latest published checkpoint (null until one covers the leaf). Those
  // who see the whole case get every leaf; an addressee (order view) gets
  // the leaves of its own events. Audited like any read of the facts.
  void get_case_log(const httplib::Request& req, httplib::Response& res) {
    auto body = audited_party_read(
        req, res, "read_case:log", "a case's log salts go to its parties only",
        [&](Store& db, const Principal& who, const CaseRecord& r, CaseView view) {
          auto last = db.latest_checkpoint();
          auto entries = db.log_entries_for_case(r.id);
          std::string own_role(role_name(who.user.role));
          json items = json::array();
          std::lock_guard<std::mutex> lock(log_mu);
          for (const auto& e : entries) {
            json event = json::parse(e.event_json);
            std::string actor = event.value("actor", "");
            if (view == CaseView::Order && actor.substr(0, actor.find(':')) != own_role) continue;
            json proof = nullptr;
            if (last && e.index < last->tree_size) proof = hex_list(log.inclusion_proof(e.index, last->tree_size));
            items.push_back({{"index", e.index},
                             {"leaf", e.leaf},
                             {"salt", crypto::base64_encode(e.salt)},
                             {"event", e.event_json},
                             {"inclusion_proof", proof}});
          }
          return json{{"case", r.id},
                      {"checkpoint", last ? json(last->note) : json(nullptr)},
                      {"tree_size", last ? json(last->tree_size) : json(nullptr)},
                      {"entries", items}}
              .dump();
        });
    if (body) res.set_content(*body, "application/json");
  }

  // Registers a handler that records metrics and a structured log line, and
  // turns any escaping exception into a 500 problem without internals.
  template <class F>
  void on(const char* method, const std::string& pattern, const std::string& route, F&& handler) {
    auto wrapped = [this, method, route, handler](const httplib::Request& req, httplib::Response& res) {
      observed(method, route, res, [&] { handler(req, res); });
    };
    if (std::string(method) == "GET") http.Get(pattern, wrapped);
    else http.Post(pattern, wrapped);
  }

  // A route served by a member function of this class.
  using Handler = void (Impl::*)(const httplib::Request&, httplib::Response&);
  void on(const char* method, const std::string& pattern, const std::string& route, Handler handler) {
    on(method, pattern, route,
       [this, handler](const httplib::Request& req, httplib::Response& res) { (this->*handler)(req, res); });
  }

  // A POST route whose body the handler reads as it arrives.
  template <typename F>
  void on_stream(const std::string& pattern, const std::string& route, F&& handler) {
    http.Post(pattern, [this, route, handler](const httplib::Request& req, httplib::Response& res,
                                              const httplib::ContentReader& reader) {
      observed("POST", route, res, [&] { handler(req, res, reader); });
    });
  }

  // Runs a handler: a 500 problem for what it throws, then metrics and the request log.
  template <typename F>
  void observed(const char* method, const std::string& route, httplib::Response& res, F&& run) {
    auto t0 = Clk::now();
    try {
      run();
    } catch (const std::exception& e) {
      std::cerr << json{{"level", "error"}, {"route", route}, {"error", e.what()}}.dump() << "\n";
      problem(res, 500, "Internal Server Error", "the request could not be completed");
    }
    if (res.status == -1) res.status = 200;  // httplib's "not set yet" means 200
    double secs = std::chrono::duration<double>(Clk::now() - t0).count();
    metrics.record(method, route, res.status, secs);
    std::cerr << json{{"ts", format_instant(clock.now())}, {"method", method}, {"route", route},
                      {"status", res.status}, {"ms", std::round(secs * 1e6) / 1e3}}.dump()
              << "\n";
  }

  void routes() {
    int threads = std::max(1, options.threads);
    http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
    http.set_payload_max_length(kMaxBody);
    // Answers go out at once: with Nagle's algorithm a small response can
    // wait for the client's delayed ACK (tens of milliseconds).
    http.set_tcp_nodelay(true);
    // Keep-alive connections serve many requests (cpp-httplib closes them
    // after 5 by default, which makes busy clients reconnect constantly).
    http.set_keep_alive_max_count(10000);
    http.set_read_timeout(10, 0);
    http.set_write_timeout(10, 0);
    http.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      if (res.status == 413) problem(res, 413, "Payload Too Large", "the body exceeds 1048576 bytes");
      else if (res.status == 404) problem(res, 404, "Not Found", "no route " + req.method + " " + req.path);
      else problem(res, res.status, "Error", "HTTP status " + std::to_string(res.status));
      metrics.record(req.method, "unmatched", res.status, 0);
    });

    on("GET", "/", "/", [this](const httplib::Request& req, httplib::Response& res) {
      serve_asset(req, res, "index.html");
    });
    on("GET", R"(/app/([A-Za-z0-9_-]{1,64}\.[a-z]{2,4}))", "/app/{file}",
       [this](const httplib::Request& req, httplib::Response& res) { serve_asset(req, res, req.matches[1]); });
    on("GET", "/api/v1", "/api/v1", [this](const httplib::Request&, httplib::Response& res) {
      json index = {{"name", "Comity"},
                    {"rule_pack", {{"name", pack.name}, {"version", pack.version}, {"content_hash", pack.content_hash}}},
                    {"links", {{"openapi", "/api/v1/openapi.json"}, {"evaluate", "/api/v1/evaluate"},
                               {"cases", "/api/v1/cases"}, {"health", "/healthz"}, {"metrics", "/metrics"}}}};
      res.set_content(index.dump(2), "application/json");
    });
    on("GET", "/healthz", "/healthz", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"status":"ok"})", "application/json");
    });
    on("GET", "/readyz", "/readyz", [this](const httplib::Request&, httplib::Response& res) {
      try {
        ReadLease db(*this);
        db->ping();
        res.set_content(json{{"status", "ready"}, {"pack", pack.content_hash}}.dump(), "application/json");
      } catch (const StoreError& e) {
        problem(res, 503, "Service Unavailable", "the store cannot be read");
      }
    });
    on("GET", "/metrics", "/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(render_metrics(), "text/plain; version=0.0.4");
    });
    on("GET", "/api/v1/openapi.json", "/api/v1/openapi.json", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(openapi_document(), "application/json");
    });
    on("POST", "/api/v1/evaluate", "/api/v1/evaluate", &Impl::evaluate);
    on("POST", "/api/v1/cases", "/api/v1/cases", &Impl::create_case);
    on("GET", "/api/v1/cases", "/api/v1/cases", &Impl::list_cases);
    on("GET", R"(/api/v1/cases/([A-Za-z0-9-]{1,64}))", "/api/v1/cases/{id}", &Impl::get_case);
    on("POST", R"(/api/v1/cases/([A-Za-z0-9-]{1,64})/events)", "/api/v1/cases/{id}/events", &Impl::post_event);
    on("POST", R"(/api/v1/cases/([A-Za-z0-9-]{1,64})/review)", "/api/v1/cases/{id}/review", &Impl::post_review);
    on("POST", R"(/api/v1/cases/([A-Za-z0-9-]{1,64})/notice)", "/api/v1/cases/{id}/notice", &Impl::post_notice);
    on("GET", R"(/api/v1/cases/([A-Za-z0-9-]{1,64})/decision)", "/api/v1/cases/{id}/decision", &Impl::get_decision);
    on("GET", R"(/api/v1/cases/([A-Za-z0-9-]{1,64})/document)", "/api/v1/cases/{id}/document", &Impl::get_document);
    on("GET", "/api/v1/me", "/api/v1/me", &Impl::me);
    on("GET", "/api/v1/parties", "/api/v1/parties", &Impl::list_parties);
    on("POST", "/api/v1/parties", "/api/v1/parties", &Impl::create_party);
    on("GET", R"(/api/v1/parties/([A-Za-z0-9._-]{1,64}))", "/api/v1/parties/{id}", &Impl::get_party);
    on("POST", "/api/v1/users", "/api/v1/users", &Impl::create_user);
    on("POST", R"(/api/v1/users/([A-Za-z0-9._-]{1,64})/tokens)", "/api/v1/users/{id}/tokens", &Impl::issue_token);
    on("POST", R"(/api/v1/tokens/([A-Za-z0-9._-]{1,64})/revoke)", "/api/v1/tokens/{id}/revoke", &Impl::revoke_token);
    on("GET", "/api/v1/audit", "/api/v1/audit", &Impl::list_audit);
    on("GET", "/log/checkpoint", "/log/checkpoint", &Impl::get_checkpoint_note);
    on("GET", R"(/log/(tile/[A-Za-z0-9./]{1,80}))", "/log/tile/{tile}", &Impl::get_tile);
    on("GET", "/api/v1/log", "/api/v1/log", &Impl::get_log_info);
    on("POST", "/api/v1/log/checkpoint", "/api/v1/log/checkpoint", &Impl::post_checkpoint);
    on("GET", "/api/v1/log/inclusion", "/api/v1/log/inclusion", &Impl::get_inclusion);
    on("GET", "/api/v1/log/consistency", "/api/v1/log/consistency", &Impl::get_consistency);
    on("GET", "/api/v1/log/statistics", "/api/v1/log/statistics", &Impl::get_statistics);
    on("GET", R"(/api/v1/cases/([A-Za-z0-9-]{1,64})/log)", "/api/v1/cases/{id}/log", &Impl::get_case_log);
    on("POST", R"(/api/v1/cases/([A-Za-z0-9-]{1,64})/productions)", "/api/v1/cases/{id}/productions",
       &Impl::post_production);
    on("GET", R"(/api/v1/productions/([A-Za-z0-9_-]{1,64}))", "/api/v1/productions/{id}", &Impl::get_production);
    on_stream(R"(/api/v1/productions/([A-Za-z0-9_-]{1,64})/files/([0-9]{1,6}))", "/api/v1/productions/{id}/files/{n}",
              [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
                post_chunk(req, res, reader);
              });
    on("GET", R"(/api/v1/productions/([A-Za-z0-9_-]{1,64})/files/([0-9]{1,6}))", "/api/v1/productions/{id}/files/{n}",
       &Impl::get_file);
    on("POST", "/api/v1/drafts", "/api/v1/drafts", &Impl::post_draft);
    on("GET", "/api/v1/drafts", "/api/v1/drafts", &Impl::list_drafts);
    on("GET", R"(/api/v1/drafts/([A-Za-z0-9-]{1,80}))", "/api/v1/drafts/{id}", &Impl::get_draft);
    on("POST", R"(/api/v1/drafts/([A-Za-z0-9-]{1,80}))", "/api/v1/drafts/{id}", &Impl::save_draft);
    on("POST", R"(/api/v1/drafts/([A-Za-z0-9-]{1,80})/delete)", "/api/v1/drafts/{id}/delete", &Impl::delete_draft);
    on("GET", "/transparency", "/transparency", &Impl::get_transparency);
    on("POST", "/api/v1/session", "/api/v1/session", &Impl::post_session);
    on("GET", "/api/v1/session", "/api/v1/session", &Impl::get_session);
    on("POST", "/api/v1/session/logout", "/api/v1/session/logout", &Impl::post_logout);
    on("GET", "/api/v1/trust", "/api/v1/trust", &Impl::get_trust);
    on("POST", "/api/v1/trust", "/api/v1/trust", &Impl::post_trust);
  }

  void evaluate(const httplib::Request& req, httplib::Response& res) {
    if (!authenticated(req, res)) return;
    std::string ct = req.get_header_value("Content-Type");
    if (ct.rfind("application/json", 0) != 0) {
      problem(res, 415, "Unsupported Media Type", "send the request as application/json");
      return;
    }
    Instant now = clock.now();
    Date at = date_of(now);
    if (req.has_param("at")) {
      auto d = parse_date(req.get_param_value("at"));
      if (!d) {
        problem(res, 400, "Bad Request", "query parameter at must be a date YYYY-MM-DD",
                {{"$query.at", "a date YYYY-MM-DD"}});
        return;
      }
      at = *d;
    }
    auto parsed = parse_request(req.body);
    if (!parsed.request) {
      bool syntax = parsed.errors.size() == 1 && parsed.errors[0].path == "$";
      problem(res, syntax ? 400 : 422, syntax ? "Bad Request" : "Unprocessable Content",
              syntax ? parsed.errors[0].message : "the request does not match the request format", parsed.errors);
      return;
    }
    Decision d = comity::evaluate(*parsed.request, pack, at);
    res.set_content(decision_to_json(d, *parsed.request).dump(), "application/json");
  }

  std::string render_metrics() {
    std::string out;
    {
      std::lock_guard<std::mutex> lock(metrics.mu);
      out += "# HELP comity_http_requests_total HTTP requests by method, route and status.\n";
      out += "# TYPE comity_http_requests_total counter\n";
      for (const auto& [k, n] : metrics.requests)
        out += "comity_http_requests_total{method=\"" + std::get<0>(k) + "\",route=\"" + std::get<1>(k) +
               "\",status=\"" + std::to_string(std::get<2>(k)) + "\"} " + std::to_string(n) + "\n";
      out += "# HELP comity_http_request_duration_seconds Request latency by route.\n";
      out += "# TYPE comity_http_request_duration_seconds histogram\n";
      for (const auto& [route, b] : metrics.latency) {
        uint64_t cum = 0;
        for (size_t i = 0; i <= std::size(kBuckets); ++i) {
          cum += b[i];
          std::string le = i < std::size(kBuckets) ? std::to_string(kBuckets[i]) : "+Inf";
          out += "comity_http_request_duration_seconds_bucket{route=\"" + route + "\",le=\"" + le + "\"} " +
                 std::to_string(cum) + "\n";
        }
        out += "comity_http_request_duration_seconds_sum{route=\"" + route + "\"} " +
               std::to_string(metrics.latency_sum[route]) + "\n";
        out += "comity_http_request_duration_seconds_count{route=\"" + route + "\"} " + std::to_string(cum) + "\n";
      }
    }
    ReadLease db(*this);
    out += "# HELP comity_clock_expiry_events_total Workflow events fired by the expiry sweep.\n";
    out += "# TYPE comity_clock_expiry_events_total counter\n";
    {
      std::lock_guard<std::mutex> m(metrics.mu);
      out += "comity_clock_expiry_events_total " + std::to_string(metrics.expiry_events) + "\n";
    }
    out += "# HELP comity_cases Cases by workflow state.\n# TYPE comity_cases gauge\n";
    for (const auto& [state, n] : db->count_cases_by_state())
      out += "comity_cases{state=\"" + state + "\"} " + std::to_string(n) + "\n";
    out += "# HELP comity_user_notice_reviews_due Delayed user notifications due for review (Reg. 2023/1543 Art 13(2)).\n";
    out += "# TYPE comity_user_notice_reviews_due gauge\n";
    out += "comity_user_notice_reviews_due " + std::to_string(db->count_notice_reviews_due(date_of(clock.now()).str())) + "\n";
    out += "# HELP comity_overdue_clocks Running legal clocks past their due time.\n";
    out += "# TYPE comity_overdue_clocks gauge\n";
    out += "comity_overdue_clocks " + std::to_string(db->count_overdue_clocks(clock.now())) + "\n";
    return out;
  }
};

ApiServer::ApiServer(const Pack& pack, Store& store, const Clock& clock, ServerOptions options)
    : impl_(std::make_unique<Impl>(pack, store, clock, options)) {
  impl_->routes();
}

ApiServer::~ApiServer() = default;

int ApiServer::bind(const std::string& host, int port) {
  if (port == 0) return impl_->http.bind_to_any_port(host.c_str());
  return impl_->http.bind_to_port(host.c_str(), port) ? port : -1;
}

void ApiServer::serve() {
  {
    std::lock_guard<std::mutex> lock(impl_->sweep_mu);
    impl_->stopping = false;
  }
  std::thread sweeper([this] { impl_->run_sweeper(); });
  impl_->http.listen_after_bind();
  {
    std::lock_guard<std::mutex> lock(impl_->sweep_mu);
    impl_->stopping = true;
  }
  impl_->sweep_cv.notify_all();
  sweeper.join();
}

int ApiServer::sweep_expiries() { return impl_->sweep(); }

std::string ApiServer::log_verifier_key() const {
  return ledger::verifier_key(impl_->options.log_origin, impl_->log_key->public_key());
}

bool ApiServer::wait_until_serving(int timeout_ms) const {
  for (int waited = 0; !impl_->http.is_running(); waited += 5) {
    if (waited >= timeout_ms) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}
void ApiServer::stop() { impl_->http.stop(); }

}  // namespace comity
