// A node's identity and its peers (docs/federation.md §2).
//
// A node holds three Ed25519 keys: the node key (envelopes, receipts, its
// peer list, signed HTTP requests), the log key (its checkpoints) and the
// witness key (cosignatures). Its State's anchor certifies them in a
// credential of party kind "node" that also lists the parties of that State
// the node may speak for (trust/credentials.hpp, Subject::hosts).
//
// The peer list is the node's own signed, versioned comity.peers/v1
// document: each peer's id, State, endpoint, node credential, the names of
// its log and witness, and the parties it speaks for here. No central
// registry stands behind it; an entry is accepted only when its keys chain,
// through a node credential, to an imported anchor of the peer's State, and
// it speaks for no party the credential does not host (a list can narrow
// what the anchor granted, never widen it). Versions only rise: a version
// at or below the one in force is stale, as for revocation lists.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "comity/crypto/ed25519.hpp"
#include "comity/trust/credentials.hpp"
#include "comity/util/date.hpp"

namespace comity::fed {

// One peer as the list names it.
struct Peer {
  std::string id, state, endpoint;                // endpoint: http(s)://host[:port], where /fed/v1/... is served
  std::string credential;                         // the id of its node credential (a comity.credential/v1 of kind node)
  std::string signing_key, log_key, witness_key;  // copied from that credential
  std::string log_origin, witness_name;           // its log's checkpoint origin and its witness's key name
  std::vector<trust::HostedParty> speaks_for;     // the parties of its State it speaks for here
};

struct PeerList {
  std::string node;  // the id of the node whose list this is
  int64_t version = 0;
  Instant issued_at = 0;
  std::vector<Peer> peers;
  std::string signer;  // the node key, "ed25519:…"
  nlohmann::json doc;
};

// Parses a comity.peers/v1 document and checks its signature under its
// signer. Throws trust::TrustError (Malformed naming the member,
// BadSignature). Peer ids are unique; so are keys across peers.
PeerList parse_peer_list(const nlohmann::json& doc, const std::string& path = "$");
// Signs `list` (its doc and signer ignored) with the node key.
nlohmann::json sign_peer_list(const PeerList& list, const crypto::SigningKey& node_key);

// The node credential behind each peer at `at`: in `trust`, of kind node,
// for the peer's id and State, its keys the entry's, its chain valid to an
// anchor of that State, and speaks_for within its hosts. Throws
// trust::TrustError naming the entry ("$.peers[1].speaks_for[0]").
void check_peers(const PeerList& list, const trust::TrustStore& trust, Instant at);

// Throws TrustError(Stale) unless `next` may replace `current` (null: none
// in force): the same node, signed by the same key, and a higher version.
void check_successor(const PeerList* current, const PeerList& next);

// A peer entry made from a node credential: its keys and, unless narrowed
// by `speaks_for` (empty: every hosted party), every party it hosts.
Peer peer_from_credential(const trust::Credential& node_credential, std::string endpoint, std::string log_origin,
                          std::string witness_name, const std::vector<std::string>& speaks_for = {});

const Peer* find_peer(const PeerList& list, std::string_view id);
// The peer whose node key is `key` ("ed25519:…"), if any.
const Peer* find_peer_by_key(const PeerList& list, std::string_view key);
// Whether `peer` speaks for `party`.
bool speaks_for(const Peer& peer, std::string_view party);

// The keyid of a node's signed requests: "<node id>/<key text>".
std::string request_keyid(std::string_view node, std::string_view key_text);

}  // namespace comity::fed
