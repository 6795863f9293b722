// Peer lists: strict reading and signing of comity.peers/v1, and the check
// of every entry against the anchors a node trusts.
//
// The list itself is only the node operator's statement of whom it talks
// to; what makes an entry trustworthy is the node credential it names. So
// check_peers looks each entry's credential up in the trust store, and
// requires that the credential is of kind node, names this peer's id and
// State, carries exactly the keys the entry copies, chains to an anchor of
// that State at the given instant, and hosts every party the entry lets the
// peer speak for. An operator can thus narrow a peer (fewer parties) but
// never widen it, and a key no anchor certified can never become a peer's.
#include "comity/fed/peers.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "comity/trust/fields.hpp"

namespace comity::fed {

using nlohmann::json;
using trust::malformed;
using trust::Reader;
using trust::TrustError;

namespace {

constexpr const char* kPeersType = "comity.peers/v1";

std::string endpoint_of(const Reader& r) {
  std::string e = r.str("endpoint", true, 512);
  bool scheme = e.rfind("http://", 0) == 0 || e.rfind("https://", 0) == 0;
  bool clean = std::none_of(e.begin(), e.end(), [](char c) { return c <= ' ' || c == '"' || c == '\\' || c > '~'; });
  if (!scheme || !clean || e.back() == '/')
    malformed(r.at("endpoint"), "expected http(s)://host[:port] without a trailing slash");
  // Plain HTTP only on this machine's loopback (tests, the demo): between
  // machines the request signature proves who sent a message, but only TLS
  // keeps what it says from the network.
  if (e.rfind("http://", 0) == 0) {
    std::string host = e.substr(7);
    if (host.front() == '[')
      host = host.substr(0, host.find(']') + 1);  // npos + 1 is 0: an unclosed bracket leaves nothing
    else
      host = host.substr(0, host.find(':'));
    if (host != "127.0.0.1" && host != "localhost" && host != "[::1]")
      malformed(r.at("endpoint"), "expected https:// (plain http:// only on 127.0.0.1, localhost or [::1])");
  }
  return e;
}

std::string note_name(const Reader& r, const char* key) {
  std::string n = r.str(key, true, 256);
  if (std::any_of(n.begin(), n.end(), [](char c) { return c <= ' ' || c == '+' || c > '~'; }))
    malformed(r.at(key), "expected a signed-note key name: printable, without spaces or '+'");
  return n;
}

Peer read_peer(const json& j, const std::string& path) {
  Reader r(j, path,
           {"id", "state", "endpoint", "credential", "signing_key", "log_key", "witness_key", "log_origin",
            "witness_name", "speaks_for"});
  Peer p;
  p.id = r.str("id", true, 128);
  p.state = r.state("state");
  p.endpoint = endpoint_of(r);
  p.credential = r.str("credential", true, 128);
  p.signing_key = r.key("signing_key");
  p.log_key = r.key("log_key");
  p.witness_key = r.key("witness_key");
  p.log_origin = note_name(r, "log_origin");
  p.witness_name = note_name(r, "witness_name");
  const json& sf = r.get("speaks_for");
  if (!sf.is_array() || sf.size() > 1000) malformed(r.at("speaks_for"), "expected an array of hosted parties");
  for (size_t i = 0; i < sf.size(); ++i) {
    Reader h(sf[i], r.at("speaks_for") + "[" + std::to_string(i) + "]", {"party", "kind"});
    trust::HostedParty party{h.str("party", true, 128), h.str("kind", true, 64)};
    if (speaks_for(p, party.party)) malformed(h.at("party"), "the party " + party.party + " is listed twice");
    p.speaks_for.push_back(std::move(party));
  }
  return p;
}

json peer_json(const Peer& p) {
  json sf = json::array();
  for (const auto& h : p.speaks_for) sf.push_back({{"party", h.party}, {"kind", h.kind}});
  return {{"id", p.id},
          {"state", p.state},
          {"endpoint", p.endpoint},
          {"credential", p.credential},
          {"signing_key", p.signing_key},
          {"log_key", p.log_key},
          {"witness_key", p.witness_key},
          {"log_origin", p.log_origin},
          {"witness_name", p.witness_name},
          {"speaks_for", sf}};
}

}  // namespace

PeerList parse_peer_list(const json& doc, const std::string& path) {
  Reader r(doc, path, {"type", "node", "version", "issued_at", "peers", "signer", "signature"});
  r.type(kPeersType);
  PeerList list;
  list.node = r.str("node", true, 128);
  const json& v = r.get("version");
  if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > (int64_t{1} << 53))
    malformed(r.at("version"), "expected a positive integer");
  list.version = v.get<int64_t>();
  list.issued_at = r.instant("issued_at");
  list.signer = r.key("signer");
  const json& peers = r.get("peers");
  if (!peers.is_array() || peers.size() > 1000) malformed(r.at("peers"), "expected an array of at most 1000 peers");
  std::set<std::string> ids, keys;
  for (size_t i = 0; i < peers.size(); ++i) {
    const std::string at = r.at("peers") + "[" + std::to_string(i) + "]";
    Peer p = read_peer(peers[i], at);
    if (p.id == list.node) malformed(at + ".id", "a node is not its own peer");
    if (!ids.insert(p.id).second) malformed(at + ".id", "the peer " + p.id + " is listed twice");
    for (const std::string* k : {&p.signing_key, &p.log_key, &p.witness_key})
      if (!keys.insert(*k).second || *k == list.signer)
        malformed(at, "the key " + *k + " belongs to another peer or to this node");
    list.peers.push_back(std::move(p));
  }
  if (!crypto::verify(trust::parse_key_text(list.signer, r.at("signer")), trust::signed_bytes(doc),
                      trust::signature_of(doc, "signature", path)))
    throw TrustError(TrustError::Code::BadSignature, r.at("signature"),
                     "the peer list of " + list.node + " is not signed by its signer " + list.signer);
  list.doc = doc;
  return list;
}

json sign_peer_list(const PeerList& list, const crypto::SigningKey& node_key) {
  json peers = json::array();
  for (const Peer& p : list.peers) peers.push_back(peer_json(p));
  json doc = {{"type", kPeersType},      {"node", list.node},
              {"version", list.version}, {"issued_at", format_instant(list.issued_at)},
              {"peers", peers},          {"signer", trust::key_text(node_key.public_key())}};
  return trust::sign_document(std::move(doc), node_key);
}

void check_peers(const PeerList& list, const trust::TrustStore& trust, Instant at) {
  std::map<std::string, std::string> spoken_by;  // party -> the peer that speaks for it
  for (size_t i = 0; i < list.peers.size(); ++i) {
    const Peer& p = list.peers[i];
    const std::string path = "$.peers[" + std::to_string(i) + "]";
    const trust::Credential* c = trust.credential_for(p.signing_key);
    if (!c || c->id != p.credential)
      throw TrustError(TrustError::Code::UnknownSigner, path + ".credential",
                       "no node credential " + p.credential + " for the key " + p.signing_key +
                           " is known; import the peer's trust bundle first");
    const trust::Subject& s = c->subject;
    if (s.kind != "node" || s.party != p.id || s.state != p.state)
      throw TrustError(TrustError::Code::WrongChain, path + ".credential",
                       "the credential " + c->id + " is not the node credential of " + p.id + " (" + p.state + ")");
    if (s.log_key != p.log_key || s.witness_key != p.witness_key)
      throw TrustError(TrustError::Code::WrongChain, path + ".log_key",
                       "the log or witness key of " + p.id + " is not the one its credential certifies");
    trust.verify_signer(p.signing_key, at, path + ".signing_key");  // chains to an anchor of p.state
    for (size_t j = 0; j < p.speaks_for.size(); ++j) {
      const auto& h = p.speaks_for[j];
      bool hosted = std::any_of(s.hosts.begin(), s.hosts.end(),
                                [&](const trust::HostedParty& x) { return x.party == h.party && x.kind == h.kind; });
      if (!hosted)
        throw TrustError(
            TrustError::Code::WrongChain, path + ".speaks_for[" + std::to_string(j) + "]",
            "the anchor of " + p.state + " does not let " + p.id + " speak for " + h.party + " (" + h.kind + ")");
      // A State's node speaks for parties of that State only (a provider is
      // hosted by its own node or by the node of the State it is
      // established in), and each party has one node: otherwise whichever
      // peer answered first would be taken for it.
      for (const std::string& st : trust.party_states(h.party))
        if (st != p.state)
          throw TrustError(TrustError::Code::WrongChain, path + ".speaks_for[" + std::to_string(j) + "]",
                           "the party " + h.party + " is credentialed by " + st + ", so the node of " + p.state +
                               " cannot speak for it");
      auto [it, fresh] = spoken_by.emplace(h.party, p.id);
      if (!fresh)
        throw TrustError(TrustError::Code::WrongChain, path + ".speaks_for[" + std::to_string(j) + "]",
                         "the party " + h.party + " is spoken for by " + it->second + " already; one node per party");
    }
  }
}

void check_successor(const PeerList* current, const PeerList& next) {
  if (!current) return;
  if (next.node != current->node)
    throw TrustError(TrustError::Code::WrongChain, "$.node",
                     "the peer list is " + next.node + "'s, not this node's (" + current->node + ")");
  if (next.signer != current->signer)
    throw TrustError(TrustError::Code::WrongChain, "$.signer", "the peer list is not signed by this node's key");
  if (next.version <= current->version)
    throw TrustError(TrustError::Code::Stale, "$.version",
                     "version " + std::to_string(next.version) + " is not above the one in force, " +
                         std::to_string(current->version));
}

Peer peer_from_credential(const trust::Credential& c, std::string endpoint, std::string log_origin,
                          std::string witness_name, const std::vector<std::string>& narrowed) {
  if (c.subject.kind != "node")
    throw TrustError(TrustError::Code::WrongChain, "$.subject.kind", "the credential " + c.id + " is not a node's");
  Peer p;
  p.id = c.subject.party;
  p.state = c.subject.state;
  p.endpoint = std::move(endpoint);
  p.credential = c.id;
  p.signing_key = c.subject.signing_key;
  p.log_key = c.subject.log_key;
  p.witness_key = c.subject.witness_key;
  p.log_origin = std::move(log_origin);
  p.witness_name = std::move(witness_name);
  for (const auto& h : c.subject.hosts)
    if (narrowed.empty() || std::find(narrowed.begin(), narrowed.end(), h.party) != narrowed.end())
      p.speaks_for.push_back(h);
  for (const std::string& n : narrowed)
    if (!speaks_for(p, n))
      throw TrustError(TrustError::Code::WrongChain, "$.subject.hosts",
                       "the node " + p.id + " does not host " + n + " under its credential");
  return p;
}

const Peer* find_peer(const PeerList& list, std::string_view id) {
  for (const Peer& p : list.peers)
    if (p.id == id) return &p;
  return nullptr;
}

const Peer* find_peer_by_key(const PeerList& list, std::string_view key) {
  for (const Peer& p : list.peers)
    if (p.signing_key == key) return &p;
  return nullptr;
}

bool speaks_for(const Peer& peer, std::string_view party) {
  return std::any_of(peer.speaks_for.begin(), peer.speaks_for.end(),
                     [&](const trust::HostedParty& h) { return h.party == party; });
}

std::string request_keyid(std::string_view node, std::string_view key_text) {
  return std::string(node) + "/" + std::string(key_text);
}

}  // namespace comity::fed
