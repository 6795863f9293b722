// The federation sender's transport: POSTs over HTTP(S) with cpp-httplib on
// keep-alive connections pooled per peer endpoint (one client per post in
// flight; a client whose request failed is dropped), bounded timeouts, the
// signed headers as given, no redirects followed (a peer's endpoint is what
// its list says, nothing else). With
// listener.cpp, the only files that include httplib.
#include "comity/server/fed_client.hpp"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace comity {

namespace {

class HttplibTransport final : public PeerTransport {
 public:
  PeerReply send(const PeerPost& post) override {
    std::unique_ptr<httplib::Client> client = checkout(post.endpoint);
    PeerReply out;
    if (!client->is_valid()) {
      out.error = "not an http(s) endpoint: " + post.endpoint;
      return out;
    }
    httplib::Headers headers = {{"Content-Digest", post.headers.content_digest},
                                {"Signature-Input", post.headers.signature_input},
                                {"Signature", post.headers.signature}};
    auto res = client->Post(post.path, headers, post.body, post.content_type);
    if (!res) {
      out.error = httplib::to_string(res.error());
      return out;  // the connection is suspect: not pooled again
    }
    out.status = res->status;
    out.body = res->body.substr(0, size_t{1} << 20);
    std::string retry = res->get_header_value("Retry-After");
    if (!retry.empty() && retry.size() < 7 && std::all_of(retry.begin(), retry.end(), ::isdigit))
      out.retry_after = std::stoll(retry);
    checkin(post.endpoint, std::move(client));
    return out;
  }

  void close_idle(std::chrono::milliseconds idle) override {
    std::vector<std::unique_ptr<httplib::Client>> closing;  // closed outside the lock
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    for (auto& [endpoint, pool] : idle_)
      for (auto it = pool.begin(); it != pool.end();)
        if (now - it->since > idle) {
          closing.push_back(std::move(it->client));
          it = pool.erase(it);
        } else {
          ++it;
        }
  }

 private:
  struct Idle {
    std::unique_ptr<httplib::Client> client;
    std::chrono::steady_clock::time_point since;
  };

  // A keep-alive client for `endpoint`: an idle one, or a new one.
  std::unique_ptr<httplib::Client> checkout(const std::string& endpoint) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto& idle = idle_[endpoint];
      if (!idle.empty()) {
        auto c = std::move(idle.back().client);
        idle.pop_back();
        return c;
      }
    }
    auto c = std::make_unique<httplib::Client>(endpoint);
    c->set_connection_timeout(5, 0);
    c->set_read_timeout(30, 0);
    c->set_write_timeout(30, 0);
    c->set_follow_location(false);
    c->set_keep_alive(true);
    c->set_tcp_nodelay(true);
    return c;
  }
  void checkin(const std::string& endpoint, std::unique_ptr<httplib::Client> c) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& idle = idle_[endpoint];
    if (idle.size() < kIdlePerPeer) idle.push_back({std::move(c), std::chrono::steady_clock::now()});
  }

  static constexpr size_t kIdlePerPeer = 16;
  std::mutex mu_;
  std::map<std::string, std::vector<Idle>> idle_;  // guarded by mu_
};

}  // namespace

std::shared_ptr<PeerTransport> http_peer_transport() {
  return std::make_shared<HttplibTransport>();
}

}  // namespace comity
