// The federation sender's transport: one POST over HTTP(S) with
// cpp-httplib, bounded timeouts, the signed headers as given, no redirects
// followed (a peer's endpoint is what its list says, nothing else). With
// listener.cpp, the only files that include httplib.
#include "comity/server/fed_client.hpp"

#include <httplib.h>

#include <map>
#include <mutex>

namespace comity {

namespace {

class HttplibTransport final : public PeerTransport {
 public:
  PeerReply send(const PeerPost& post) override {
    httplib::Client client(post.endpoint);
    PeerReply out;
    if (!client.is_valid()) {
      out.error = "not an http(s) endpoint: " + post.endpoint;
      return out;
    }
    client.set_connection_timeout(5, 0);
    client.set_read_timeout(30, 0);
    client.set_write_timeout(30, 0);
    client.set_follow_location(false);
    httplib::Headers headers = {{"Content-Digest", post.headers.content_digest},
                                {"Signature-Input", post.headers.signature_input},
                                {"Signature", post.headers.signature}};
    auto res = client.Post(post.path, headers, post.body, post.content_type);
    if (!res) {
      out.error = httplib::to_string(res.error());
      return out;
    }
    out.status = res->status;
    out.body = res->body.substr(0, size_t{1} << 20);
    std::string retry = res->get_header_value("Retry-After");
    if (!retry.empty() && retry.size() < 7 && std::all_of(retry.begin(), retry.end(), ::isdigit))
      out.retry_after = std::stoll(retry);
    return out;
  }
};

}  // namespace

std::shared_ptr<PeerTransport> http_peer_transport() {
  return std::make_shared<HttplibTransport>();
}

}  // namespace comity
