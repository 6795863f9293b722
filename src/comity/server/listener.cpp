// The listener: cpp-httplib's thread-per-connection server in front of the
// router. Each route of the table is registered with a bounded pattern made
// from its template (so no request path reaches an unbounded regular
// expression); whatever httplib cannot route — an unknown path or method —
// is answered by the router too, from its error handler, so every answer
// is the router's: problem details, security headers, metrics.
#include <httplib.h>

#include <thread>

#include "comity/ledger/checkpoint.hpp"
#include "comity/server/api_server.hpp"
#include "comity/server/fed_client.hpp"
#include "comity/server/node.hpp"
#include "comity/server/router.hpp"
#include "comity/server/routes.hpp"
#include "comity/service/witness.hpp"

namespace comity {
namespace {

constexpr size_t kMaxBody = 1 << 20;

// The route's template as a bounded regular expression (the router checks
// the same constraints again).
std::string pattern_of(std::string_view tmpl) {
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    char c = tmpl[i];
    if (c == '{') {
      size_t close = tmpl.find('}', i);
      std::string_view name = tmpl.substr(i + 1, close - i - 1);
      out += name == "n"      ? "([0-9]{1,6})"
             : name == "tile" ? "([A-Za-z0-9./]{1,80})"
             : name == "file" ? "([A-Za-z0-9_-]{1,64}\\.[a-z]{2,4})"
                              : "([A-Za-z0-9._-]{1,80})";
      i = close;
    } else if (c == '.') {
      out += "\\.";
    } else {
      out += c;
    }
  }
  return out;
}

HttpRequest request_of(const httplib::Request& req) {
  HttpRequest r;
  r.method = req.method;
  r.remote_addr = req.remote_addr;
  r.path = req.path;
  for (const auto& [k, v] : req.params) r.query.emplace(k, v);
  for (const auto& [k, v] : req.headers) r.headers.emplace_back(k, v);
  r.body = req.body;
  return r;
}

void apply(const HttpResponse& from, httplib::Response& to) {
  to.status = from.status;
  for (const auto& [k, v] : from.headers) to.set_header(k, v);
  if (from.stream) {
    auto stream = from.stream;
    to.set_content_provider(static_cast<size_t>(from.stream_size), from.content_type,
                            [stream](size_t offset, size_t, httplib::DataSink& sink) {
                              return stream(offset, [&](const char* d, size_t n) { return sink.write(d, n); });
                            });
  } else if (!from.content_type.empty()) {
    to.set_content(from.body, from.content_type);
  }
}

}  // namespace

std::vector<RouteSpec> api_routes() {
  std::vector<RouteSpec> out;
  for (const auto& r : route_table()) {
    RouteSpec s{std::string(r.method), std::string(r.path), r.access == Access::Authenticated, {}};
    for (auto role : r.roles) s.roles.emplace_back(role_name(role));
    out.push_back(std::move(s));
  }
  return out;
}

struct ApiServer::Impl {
  Node node;
  Router router;
  httplib::Server http;

  Impl(const PackRegistry& p, Store& s, const Clock& c, ServerOptions o) : node(p, s, c, std::move(o)), router(node) {}

  void handle(const httplib::Request& req, httplib::Response& res) {
    HttpRequest in = request_of(req);
    HttpResponse out;
    router.handle(in, out);
    apply(out, res);
  }

  void handle_stream(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
    HttpRequest in = request_of(req);
    in.read_body = [&](const BodySink& sink) { reader([&](const char* d, size_t n) { return sink(d, n); }); };
    HttpResponse out;
    router.handle(in, out);
    apply(out, res);
  }

  void listen_setup() {
    int threads = std::max(1, node.options.threads);
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
    // What httplib could not route (404), and its own refusals (a bad
    // request line, a body too large): answered as problems. Answers the
    // router made carry nosniff and are left alone.
    http.set_error_handler(
        httplib::Server::HandlerWithResponse([this](const httplib::Request& req, httplib::Response& res) {
          if (res.has_header("X-Content-Type-Options")) return httplib::Server::HandlerResponse::Unhandled;
          HttpResponse out;
          if (res.status == 404) {
            router.handle(request_of(req), out);
          } else {
            const int status = res.status;
            if (status == 413)
              set_error(out, Error(ErrorKind::TooLarge, "the body exceeds 1048576 bytes"));
            else
              set_problem(out, status, status == 414 ? "URI Too Long" : "Bad Request",
                          "HTTP status " + std::to_string(status));
            out.set_header("X-Content-Type-Options", "nosniff");
            out.set_header("Cache-Control", "no-store");
            node.metrics.record("OTHER", "unmatched", status, 0);
          }
          apply(out, res);
          return httplib::Server::HandlerResponse::Handled;
        }));
    // A compressed body would be inflated by cpp-httplib before any route,
    // limit or signature sees it, with no bound on what it inflates to; no
    // route takes one, so it is refused before the body is read.
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      const std::string coding = req.get_header_value("Content-Encoding");
      if (coding.empty() || coding == "identity") return httplib::Server::HandlerResponse::Unhandled;
      HttpResponse out;
      set_error(out, Error(ErrorKind::UnsupportedMediaType, "a compressed body is not accepted: send it as is",
                           {{"header:Content-Encoding", "absent, or identity"}}));
      out.set_header("X-Content-Type-Options", "nosniff");
      out.set_header("Cache-Control", "no-store");
      out.set_header("Connection", "close");
      node.metrics.record("OTHER", "unmatched", 415, 0);
      apply(out, res);
      return httplib::Server::HandlerResponse::Handled;
    });
    for (const auto& r : route_table()) {
      const std::string pattern = pattern_of(r.path);
      if (r.method == "GET") {
        http.Get(pattern, [this](const httplib::Request& q, httplib::Response& s) { handle(q, s); });
      } else if (r.body == BodyKind::Stream) {
        http.Post(pattern, [this](const httplib::Request& q, httplib::Response& s, const httplib::ContentReader& rd) {
          handle_stream(q, s, rd);
        });
      } else {
        http.Post(pattern, [this](const httplib::Request& q, httplib::Response& s) { handle(q, s); });
      }
    }
  }
};

ApiServer::ApiServer(const Pack& pack, Store& store, const Clock& clock, ServerOptions options)
    : ApiServer(PackRegistry(pack), store, clock, std::move(options)) {}

ApiServer::ApiServer(const PackRegistry& packs, Store& store, const Clock& clock, ServerOptions options)
    : impl_(std::make_unique<Impl>(packs, store, clock, std::move(options))) {
  impl_->listen_setup();
}

ApiServer::~ApiServer() = default;

int ApiServer::bind(const std::string& host, int port) {
  if (port == 0) return impl_->http.bind_to_any_port(host.c_str());
  return impl_->http.bind_to_port(host.c_str(), port) ? port : -1;
}

void ApiServer::serve() {
  Node& node = impl_->node;
  node.start_sweeper_run();
  std::thread sweeper([&node] { node.run_sweeper(); });
  // The federation's sender drains the outbox beside the listener.
  // Beside it, the submitter sends this node's checkpoints to the peers'
  // witnesses (service/witness.hpp).
  std::thread sender, submitter;
  std::shared_ptr<PeerTransport> transport;
  if (node.federation) {
    transport = node.options.peer_transport ? node.options.peer_transport : http_peer_transport();
    sender = std::thread([&node, transport] {
      node.federation->run(node.store, node.store_mu, *transport, node.clock, node.options.fed_idle,
                           [](const std::exception& e) {
                             log_line({{"event", "federation_send_failed"}, {"error", e.what()}});
                           });
    });
    submitter = std::thread([&node, transport] {
      node.witness->run(node.store, node.store_mu, *transport, node.clock, node.options.fed_idle * 4);
    });
  }
  impl_->http.listen_after_bind();
  node.stop_sweeper();
  sweeper.join();
  if (sender.joinable()) {
    node.federation->stop();
    sender.join();
    node.witness->stop();
    submitter.join();
  }
}

int ApiServer::sweep_expiries() {
  return impl_->node.sweep();
}

std::string ApiServer::log_verifier_key() const {
  return impl_->node.log_verifier_key();
}

bool ApiServer::wait_until_serving(int timeout_ms) const {
  for (int waited = 0; !impl_->http.is_running(); waited += 5) {
    if (waited >= timeout_ms) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

void ApiServer::stop() {
  impl_->http.stop();
}

}  // namespace comity
