// The HTTP API (docs/api.md): REST/JSON under /api/v1, errors as
// application/problem+json (RFC 9457), operational endpoints (/healthz,
// /readyz, /metrics). The listener (listener.cpp, cpp-httplib) hands every
// request to the router (router.hpp), which dispatches from the route table
// (routes.hpp) to handlers that translate HTTP to calls on the core library
// and back; they decide nothing. Limits: 1 MiB bodies, the JSON guard's
// nesting cap, read and write timeouts.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "comity/crypto/ed25519.hpp"
#include "comity/rules/pack.hpp"
#include "comity/rules/pack_registry.hpp"
#include "comity/store/store.hpp"
#include "comity/workflow/clock.hpp"

namespace comity {

struct FedIdentity;
class PeerTransport;

// One route of the route table (routes.hpp), as tests and documents read
// it: the OpenAPI document must list exactly these, and the permission
// matrix drives each one as every kind of caller.
struct RouteSpec {
  std::string method, path;  // path in OpenAPI form, e.g. /api/v1/cases/{id}
  bool authenticated = false;
  std::vector<std::string> roles;  // who may call it; empty: anyone (authenticated, if so)
};
std::vector<RouteSpec> api_routes();

// The OpenAPI 3.1 document served at /api/v1/openapi.json.
const std::string& openapi_document();

// Whether POST /api/v1/cases takes plain requests as well as signed orders
// (docs/trust.md). Signed only is the default; plain requests are for tests
// and benchmarks that exercise something else.
enum class OrderPolicy : uint8_t { SignedOnly, SignedOrUnsigned };

struct ServerOptions {
  OrderPolicy orders = OrderPolicy::SignedOnly;
  // How often the expiry sweep acts on legal clocks that ran out (e.g. an
  // emergency order whose 48-hour ex-post validation lapsed is withdrawn and
  // its data marked for deletion without waiting for anyone to touch the case).
  std::chrono::milliseconds sweep_every{1000};
  // Worker threads. cpp-httplib keeps a thread per open keep-alive
  // connection, so this bounds the connections served at once; more wait.
  int threads = 96;
  // Opens a read-only store on the same database (e.g. another SQLite
  // connection); `readers` of them serve reads in parallel with commits.
  // Empty: reads share the writer.
  std::function<std::unique_ptr<Store>()> open_reader;
  int readers = 4;
  // The transparency log: its name (the checkpoint origin and signed-note
  // key name), its signing key (null: a fresh key for this run only, for
  // tests), and how often a checkpoint is published when the log grew.
  std::string log_origin = "comity.localhost/log";
  std::shared_ptr<const crypto::SigningKey> log_key;
  std::chrono::milliseconds checkpoint_every{10000};
  // How long the log signer's lease lasts unless renewed (each sweep renews
  // it): another process on the same database takes over within this time
  // of the signer's death (docs/scale-out.md).
  std::chrono::milliseconds lease_ttl{6000};
  // The evidence vault's directory (ciphertext only; docs/evidence-encryption.md),
  // and the longest the exchange keeps a production. Empty: the evidence
  // routes answer 503.
  std::string evidence_dir;
  int evidence_holding_days = 90;
  // Browser sessions' cookies carry Secure: set when the server is reached
  // over TLS (directly or through a proxy).
  bool secure_cookies = false;
  // One JSON line per request on stderr (errors are logged regardless).
  enum class RequestLog : uint8_t { On, Off } request_log = RequestLog::On;
  // This node's identity in a federation (service/federation.hpp; `comity
  // serve --node DIR`). Null: not federated, the /fed/v1 and federation
  // routes answer 404. Its log key must be `log_key` and its log origin
  // `log_origin`: the node credential certifies the log.
  std::shared_ptr<const FedIdentity> federation;
  // How the sender posts to peers; null: HTTP(S) with cpp-httplib
  // (fed_client.cpp). A seam for tests only.
  std::shared_ptr<PeerTransport> peer_transport;
  // How long the sender waits for new messages when nothing is due.
  std::chrono::milliseconds fed_idle{250};
};

class ApiServer {
 public:
  // REQUIRES: pack, store and clock outlive the server. The store is used
  // from the server's worker threads under a mutex.
  ApiServer(const Pack& pack, Store& store, const Clock& clock, ServerOptions options = {});
  // A server over several packs: new cases open under packs.current(); a
  // case keeps the pack it was opened under. Packs the store kept from
  // earlier runs join them (service/packs.hpp), and these are kept in turn.
  ApiServer(const PackRegistry& packs, Store& store, const Clock& clock, ServerOptions options = {});
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds to host:port (port 0 picks a free port). Returns the bound port,
  // or -1 if it cannot bind.
  int bind(const std::string& host, int port);
  // Serves until stop() is called, running the expiry sweep beside the
  // listener. REQUIRES: bind() succeeded.
  void serve();
  // One pass of the expiry sweep (serve() runs it every sweep_every):
  // saves the effects of every clock that ran out by the clock's now.
  // Returns the number of cases changed.
  int sweep_expiries();
  // The log's verifier key (name+id+key), for monitors.
  std::string log_verifier_key() const;
  // Blocks until serve() is accepting connections (stop() before that point
  // would be lost), or until `timeout_ms` passes. Returns whether it runs.
  bool wait_until_serving(int timeout_ms) const;
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace comity
