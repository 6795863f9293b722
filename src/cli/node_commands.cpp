#include "cli/node_commands.hpp"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/trust_commands.hpp"
#include "comity/fed/messages.hpp"
#include "comity/fed/peers.hpp"
#include "comity/service/federation.hpp"
#include "comity/store/open_store.hpp"
#include "comity/trust/credentials.hpp"

namespace comity::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr int kOk = 0;
constexpr const char* kNodeType = "comity.node/v1";
constexpr const char* kCardType = "comity.node-card/v1";

void print(const json& j) {
  std::cout << j.dump(2) << "\n";
}

std::string member(const json& j, const char* key, const std::string& file) {
  if (!j.contains(key) || !j[key].is_string() || j[key].get<std::string>().empty())
    throw UsageError(file + ": expected a non-empty string " + key);
  return j[key].get<std::string>();
}

json read_node_json(const std::string& dir) {
  json j = read_json_file(dir + "/node.json");
  if (!j.is_object() || j.value("type", "") != kNodeType)
    throw UsageError(dir + "/node.json: not a node description (make one with comity node init)");
  return j;
}

// A node's card: what its operator hands a peer's operator, beside its
// State's trust bundle. Also what GET /fed/v1/node answers, so either will do.
json card_of(const json& node, const json& credential) {
  return {{"type", kCardType},
          {"id", node["id"]},
          {"state", node["state"]},
          {"endpoint", node["endpoint"]},
          {"log_origin", node["log_origin"]},
          {"witness_name", node["witness_name"]},
          {"credential", credential}};
}

fed::PeerList current_list(Store& store, const std::string& node, const std::string& signer) {
  std::optional<PeerListVersion> stored = store.fed().peer_list();
  if (stored) return fed::parse_peer_list(json::parse(stored->doc));
  fed::PeerList empty;
  empty.node = node;
  empty.signer = signer;
  return empty;
}

}  // namespace

std::shared_ptr<const FedIdentity> load_node_dir(const std::string& dir) {
  json node = read_node_json(dir);
  auto me = std::make_shared<FedIdentity>();
  const std::string file = dir + "/node.json";
  me->id = member(node, "id", file);
  me->state = member(node, "state", file);
  me->endpoint = member(node, "endpoint", file);
  me->log_origin = member(node, "log_origin", file);
  me->witness_name = member(node, "witness_name", file);
  me->node_key = std::make_shared<const crypto::SigningKey>(crypto::SigningKey::load_pem(dir + "/node.pem"));
  me->log_key = std::make_shared<const crypto::SigningKey>(crypto::SigningKey::load_pem(dir + "/log.pem"));
  me->witness_key = std::make_shared<const crypto::SigningKey>(crypto::SigningKey::load_pem(dir + "/witness.pem"));
  if (!fs::exists(dir + "/credential.json"))
    throw UsageError(dir + "/credential.json: missing; the State's anchor issues it (comity node certify)");
  me->credential = trust::parse_credential(read_json_file(dir + "/credential.json"), dir + "/credential.json");
  check_fed_identity(*me);
  return me;
}

struct NodeCommands::Impl {
  CLI::App* init = nullptr;
  CLI::App* certify = nullptr;
  CLI::App* card = nullptr;
  CLI::App* add = nullptr;
  CLI::App* remove = nullptr;
  CLI::App* list = nullptr;
  CLI::App* receipt_verify = nullptr;
  std::string receipt_file, sender_state;
  std::string dir, id, state, endpoint, log_origin, witness_name, name;
  std::string anchor_dir, node_file, out, db = "comity.db", card_file, peer_id;
  std::vector<std::string> hosts, speaks_for;
  int days = 365;
  int64_t version = 0;

  int do_init() {
    if (fs::exists(dir + "/node.json"))
      throw UsageError(dir + "/node.json: exists already; keys are never overwritten");
    if (endpoint.rfind("http://", 0) != 0 && endpoint.rfind("https://", 0) != 0)
      throw UsageError("--endpoint: expected http(s)://host[:port], where peers reach /fed/v1/…");
    fs::create_directories(dir);
    crypto::SigningKey node = crypto::SigningKey::generate(), log = crypto::SigningKey::generate(),
                       witness = crypto::SigningKey::generate();
    node.save_pem(dir + "/node.pem");
    log.save_pem(dir + "/log.pem");
    witness.save_pem(dir + "/witness.pem");
    std::string host = endpoint.substr(endpoint.find("://") + 3);
    host = host.substr(0, host.find('/'));
    json j = {{"type", kNodeType},
              {"id", id},
              {"state", state},
              {"name", name.empty() ? id : name},
              {"endpoint", endpoint},
              {"log_origin", log_origin.empty() ? host + "/" + id + "/log" : log_origin},
              {"witness_name", witness_name.empty() ? host + "/" + id + "/witness" : witness_name},
              {"signing_key", trust::key_text(node.public_key())},
              {"log_key", trust::key_text(log.public_key())},
              {"witness_key", trust::key_text(witness.public_key())}};
    write_file_atomically(dir + "/node.json", j.dump(2) + "\n", Existing::Refuse);
    print(j);
    return kOk;
  }

  int do_certify(Instant now) {
    json node = read_json_file(node_file);
    if (!node.is_object() || node.value("type", "") != kNodeType)
      throw UsageError(node_file + ": not a node description (comity node init writes DIR/node.json)");
    trust::Subject s;
    s.party = member(node, "id", node_file);
    s.state = member(node, "state", node_file);
    s.kind = "node";
    s.name = member(node, "name", node_file);
    s.signing_key = member(node, "signing_key", node_file);
    s.log_key = member(node, "log_key", node_file);
    s.witness_key = member(node, "witness_key", node_file);
    for (const std::string& h : hosts) {
      size_t colon = h.find(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == h.size())
        throw UsageError("--host: expected PARTY:KIND, e.g. NL-MAILCO:provider; got " + h);
      s.hosts.push_back({h.substr(0, colon), h.substr(colon + 1)});
    }
    crypto::SigningKey anchor = signing_key_of(anchor_dir);
    json doc = trust::issue_credential("cred-node-" + s.party, s, anchor, now, now + int64_t{days} * 86400);
    trust::parse_credential(doc, "credential");  // as every verifier will read it
    write_file_atomically(out, doc.dump(2) + "\n", Existing::Refuse);
    print(doc);
    return kOk;
  }

  int do_card() {
    json node = read_node_json(dir);
    print(card_of(node, read_json_file(dir + "/credential.json")));
    return kOk;
  }

  // Signs the next version of the list (the stored one changed by `edit`)
  // and stores it, checked against what the database trusts.
  template <class Edit>
  int store_next(Instant now, Edit&& edit) {
    std::shared_ptr<const FedIdentity> me = load_node_dir(dir);
    const std::string key = trust::key_text(me->node_key->public_key());
    auto store = open_store(db, StoreAccess::ReadWrite);
    Transaction tx(*store);
    fed::PeerList next = current_list(*store, me->id, key);
    edit(next);
    next.version += 1;
    next.issued_at = now;
    json signed_list = fed::sign_peer_list(next, *me->node_key);
    fed::PeerList stored = store_peer_list(*store, me->id, key, signed_list, "admin:cli", now);
    tx.commit();
    std::cout << db << ": peer list version " << stored.version << ", " << stored.peers.size() << " peer(s)\n";
    return kOk;
  }

  int do_add(Instant now) {
    json c = read_json_file(card_file);
    if (!c.is_object() || !c.contains("credential"))
      throw UsageError(card_file + ": not a node card (comity node card, or GET /fed/v1/node)");
    trust::Credential cred = trust::parse_credential(c["credential"], card_file + ":$.credential");
    fed::Peer p = fed::peer_from_credential(cred, member(c, "endpoint", card_file), member(c, "log_origin", card_file),
                                            member(c, "witness_name", card_file), speaks_for);
    if (p.id != member(c, "id", card_file) || p.state != member(c, "state", card_file))
      throw UsageError(card_file + ": the card's id and state are not its credential's");
    return store_next(now, [&](fed::PeerList& l) {
      auto it = std::find_if(l.peers.begin(), l.peers.end(), [&](const fed::Peer& q) { return q.id == p.id; });
      if (it != l.peers.end())
        *it = p;  // a new endpoint, a rotated key or a changed set of parties
      else
        l.peers.push_back(p);
    });
  }

  int do_remove(Instant now) {
    return store_next(now, [&](fed::PeerList& l) {
      auto it = std::find_if(l.peers.begin(), l.peers.end(), [&](const fed::Peer& q) { return q.id == peer_id; });
      if (it == l.peers.end()) throw UsageError(peer_id + ": not in the peer list");
      l.peers.erase(it);
    });
  }

  int do_list() {
    auto store = open_store(db, StoreAccess::ReadOnly);
    std::optional<PeerListVersion> v =
        version > 0 ? store->fed().peer_list(version) : store->fed().peer_list(std::nullopt);
    if (!v)
      throw Error(ErrorKind::NotFound, version > 0 ? "no peer list version " + std::to_string(version)
                                                   : "no peer list yet (comity peer add)");
    print(json::parse(v->doc));
    return kOk;
  }

  // A receipt checked offline, as a court would, with nothing but the
  // receiver's card (its node credential names the node key, the log key
  // and the State): the signature, the inclusion proof, the checkpoint's
  // signature and the leaf's commitment (fed::verify_receipt). The card is
  // the one its operator handed over, the one `peer add` checked against
  // the receiver's anchor.
  int do_receipt_verify() {
    json c = read_json_file(card_file);
    if (!c.is_object() || !c.contains("credential"))
      throw UsageError(card_file + ": not a node card (comity node card, or GET /fed/v1/node)");
    trust::Credential cred = trust::parse_credential(c["credential"], card_file + ":$.credential");
    if (cred.subject.kind != "node" || cred.subject.log_key.empty())
      throw UsageError(card_file + ": its credential is not a node credential");
    const std::string origin = member(c, "log_origin", card_file);
    crypto::PublicKey log_key =
        trust::parse_key_text(cred.subject.log_key, card_file + ":$.credential.subject.log_key");
    const ledger::NoteVerifier log{origin, ledger::note_key_id(origin, log_key), log_key};
    json doc = read_json_file(receipt_file);
    if (!doc.is_object()) throw UsageError(receipt_file + ": not a receipt (a JSON object)");
    fed::verify_receipt(doc, cred.subject.signing_key, log, cred.subject.state, sender_state);
    fed::Receipt r = fed::parse_receipt(doc);
    if (r.from != cred.subject.party)
      throw Error(ErrorKind::Invalid,
                  receipt_file + ": given by " + r.from + ", not by the card's node " + cred.subject.party);
    print({{"receipt", r.id},
           {"message", r.message},
           {"status", doc.value("status", "")},
           {"from", r.from},
           {"to", r.to},
           {"leaf_index", r.proof->leaf_index},
           {"checkpoint_origin", origin},
           {"verified", true}});
    return kOk;
  }
};

NodeCommands::NodeCommands(CLI::App& app) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  auto* node = app.add_subcommand("node", "This node's identity in the federation (docs/federation.md)");
  node->require_subcommand(1);
  m.init = node->add_subcommand("init", "Make a node's three keys (node, log, witness) and its node.json");
  m.init->add_option("--keys", m.dir, "The node directory to create")->required();
  m.init->add_option("--id", m.id, "The node's id, e.g. de-node")->required();
  m.init->add_option("--state", m.state, "Its State (two letters)")->required();
  m.init->add_option("--endpoint", m.endpoint, "Where peers reach it: http(s)://host[:port]")->required();
  m.init->add_option("--name", m.name, "Its name");
  m.init->add_option("--log-origin", m.log_origin, "Its log's checkpoint origin (default: HOST/ID/log)");
  m.init->add_option("--witness-name", m.witness_name, "Its witness's key name (default: HOST/ID/witness)");
  m.certify = node->add_subcommand("certify", "As the State's anchor: issue the node credential");
  m.certify->add_option("--anchor", m.anchor_dir, "The anchor's key directory")->required();
  m.certify->add_option("--node", m.node_file, "The node's node.json")->required();
  m.certify->add_option("--host", m.hosts, "PARTY:KIND the node may speak for; repeatable")->required();
  m.certify->add_option("--days", m.days, "Validity in days (default 365)")->check(CLI::Range(1, 3650));
  m.certify->add_option("--out", m.out, "Credential file to write (DIR/credential.json)")->required();
  m.card = node->add_subcommand("card", "Print the node's card, for a peer's operator (comity peer add)");
  m.card->add_option("--keys", m.dir, "The node directory")->required();

  auto* peer = app.add_subcommand("peer", "This node's signed peer list (docs/federation.md §2)");
  peer->require_subcommand(1);
  m.add = peer->add_subcommand("add", "Add or update a peer from its card; signs the next peer list version");
  m.add->add_option("--card", m.card_file, "The peer's node card")->required();
  m.add->add_option("--speaks-for", m.speaks_for, "Narrow it to these of its hosted parties; repeatable");
  m.remove = peer->add_subcommand("remove", "Remove a peer; signs the next peer list version");
  m.remove->add_option("id", m.peer_id, "The peer's id")->required();
  for (auto* sub : {m.add, m.remove}) sub->add_option("--keys", m.dir, "This node's directory")->required();
  m.list = peer->add_subcommand("list", "Print the peer list in force, or an earlier version");
  m.list->add_option("--version", m.version, "An earlier version")->check(CLI::PositiveNumber);
  for (auto* sub : {m.add, m.remove, m.list})
    sub->add_option("--db", m.db, "Database: a SQLite file or a postgresql:// URI (default: comity.db)");

  auto* receipt = app.add_subcommand("receipt", "A federation receipt (docs/federation.md §5)");
  receipt->require_subcommand(1);
  m.receipt_verify = receipt->add_subcommand(
      "verify", "Verify a receipt offline: its signature, its inclusion proof and the receiver's signed checkpoint");
  m.receipt_verify->add_option("receipt", m.receipt_file, "The receipt (JSON), e.g. from the sender's outbox")
      ->required();
  m.receipt_verify->add_option("--peer-card", m.card_file, "The receiving node's card, as its operator handed it over")
      ->required();
  m.receipt_verify->add_option("--sender-state", m.sender_state, "The State of the node the receipt was given to")
      ->required();
}

NodeCommands::~NodeCommands() = default;

std::optional<int> NodeCommands::run(Instant now) {
  Impl& m = *impl_;
  if (*m.init) return m.do_init();
  if (*m.certify) return m.do_certify(now);
  if (*m.card) return m.do_card();
  if (*m.add) return m.do_add(now);
  if (*m.remove) return m.do_remove(now);
  if (*m.list) return m.do_list();
  if (*m.receipt_verify) return m.do_receipt_verify();
  return std::nullopt;
}

}  // namespace comity::cli
