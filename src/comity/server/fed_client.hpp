// The federation sender's HTTP transport (fed_client.cpp).
#pragma once

#include <memory>

#include "comity/service/federation.hpp"

namespace comity {

// A PeerTransport that posts with cpp-httplib on keep-alive connections
// pooled per endpoint: connection timeout 5 s, read and write 30 s,
// redirects not followed, answers cut at 1 MiB. Thread-safe.
std::shared_ptr<PeerTransport> http_peer_transport();

}  // namespace comity
