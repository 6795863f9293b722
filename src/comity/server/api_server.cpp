#include "comity/server/api_server.hpp"

#include <httplib.h>

#include <chrono>
#include <cmath>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>
#include <nlohmann/json.hpp>

#include "comity/model/request_json.hpp"
#include "comity/rules/decision_json.hpp"
#include "comity/rules/engine.hpp"

namespace comity {

const std::vector<RouteSpec>& api_routes() {
  static const std::vector<RouteSpec> routes = {
      {"GET", "/healthz"}, {"GET", "/readyz"}, {"GET", "/metrics"},
      {"GET", "/api/v1/openapi.json"}, {"POST", "/api/v1/evaluate"},
  };
  return routes;
}

namespace {

using nlohmann::json;
using Clk = std::chrono::steady_clock;

constexpr size_t kMaxBody = 1 << 20;
constexpr double kBuckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};

// RFC 9457 problem details; `errors` carries field paths for validation errors.
void problem(httplib::Response& res, int status, const std::string& title, const std::string& detail,
             const FieldErrors& errors = {}) {
  json p = {{"type", "about:blank"}, {"title", title}, {"status", status}, {"detail", detail}};
  if (!errors.empty()) {
    json list = json::array();
    for (const auto& e : errors) list.push_back({{"path", e.path}, {"message", e.message}});
    p["errors"] = std::move(list);
  }
  res.status = status;
  res.set_content(p.dump(), "application/problem+json");
}

struct Metrics {
  std::mutex mu;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests;  // (method, route, status)
  std::map<std::string, std::array<uint64_t, std::size(kBuckets) + 1>> latency;  // route → bucket counts (+Inf)
  std::map<std::string, double> latency_sum;

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
  std::mutex store_mu;  // the SQLite connection is used by one thread at a time
  httplib::Server http;
  Metrics metrics;

  Impl(const Pack& p, Store& s, const Clock& c) : pack(p), store(s), clock(c) {}

  // Registers a handler that records metrics and a structured log line, and
  // turns any escaping exception into a 500 problem without internals.
  template <class F>
  void on(const char* method, const std::string& pattern, const std::string& route, F&& handler) {
    auto wrapped = [this, method, route, handler](const httplib::Request& req, httplib::Response& res) {
      auto t0 = Clk::now();
      try {
        handler(req, res);
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
    };
    if (std::string(method) == "GET") http.Get(pattern, wrapped);
    else http.Post(pattern, wrapped);
  }

  void routes() {
    http.set_payload_max_length(kMaxBody);
    http.set_read_timeout(10, 0);
    http.set_write_timeout(10, 0);
    http.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      if (res.status == 413) problem(res, 413, "Payload Too Large", "the body exceeds 1048576 bytes");
      else if (res.status == 404) problem(res, 404, "Not Found", "no route " + req.method + " " + req.path);
      else problem(res, res.status, "Error", "HTTP status " + std::to_string(res.status));
      metrics.record(req.method, "unmatched", res.status, 0);
    });

    on("GET", "/healthz", "/healthz", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"status":"ok"})", "application/json");
    });
    on("GET", "/readyz", "/readyz", [this](const httplib::Request&, httplib::Response& res) {
      try {
        std::lock_guard<std::mutex> lock(store_mu);
        store.ping();
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
    on("POST", "/api/v1/evaluate", "/api/v1/evaluate",
       [this](const httplib::Request& req, httplib::Response& res) { evaluate(req, res); });
  }

  void evaluate(const httplib::Request& req, httplib::Response& res) {
    std::string ct = req.get_header_value("Content-Type");
    if (ct.rfind("application/json", 0) != 0) {
      problem(res, 415, "Unsupported Media Type", "send the request as application/json");
      return;
    }
    Instant now = clock.now();
    Date at{static_cast<int32_t>(now >= 0 ? now / 86400 : (now - 86399) / 86400)};
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
    std::lock_guard<std::mutex> lock(store_mu);
    out += "# HELP comity_cases Cases by workflow state.\n# TYPE comity_cases gauge\n";
    for (const auto& [state, n] : store.count_cases_by_state())
      out += "comity_cases{state=\"" + state + "\"} " + std::to_string(n) + "\n";
    out += "# HELP comity_overdue_clocks Running legal clocks past their due time.\n";
    out += "# TYPE comity_overdue_clocks gauge\n";
    out += "comity_overdue_clocks " + std::to_string(store.count_overdue_clocks(clock.now())) + "\n";
    return out;
  }
};

ApiServer::ApiServer(const Pack& pack, Store& store, const Clock& clock)
    : impl_(std::make_unique<Impl>(pack, store, clock)) {
  impl_->routes();
}

ApiServer::~ApiServer() = default;

int ApiServer::bind(const std::string& host, int port) {
  if (port == 0) return impl_->http.bind_to_any_port(host.c_str());
  return impl_->http.bind_to_port(host.c_str(), port) ? port : -1;
}

void ApiServer::serve() { impl_->http.listen_after_bind(); }

bool ApiServer::wait_until_serving(int timeout_ms) const {
  for (int waited = 0; !impl_->http.is_running(); waited += 5) {
    if (waited >= timeout_ms) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}
void ApiServer::stop() { impl_->http.stop(); }

}  // namespace comity
