// The federation's commands (docs/federation.md §2): `comity node init`
// (a node's three keys and its description), `comity node certify` (the
// State's anchor issues the node credential), `comity node card` (what a
// ministry hands its counterpart with its trust bundle), and `comity peer
// add|remove|list` (the node's signed peer list, kept in its store), and
// `comity receipt verify` (a peer's receipt, offline, against its card).
// Also the node directory `comity serve --node DIR` reads.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "comity/util/date.hpp"

namespace CLI {
class App;
}

namespace comity {
struct FedIdentity;
}

namespace comity::cli {

// A node directory: node.json (id, State, endpoint, log origin, witness
// name, public keys), node.pem, log.pem, witness.pem and credential.json.
// Throws UsageError naming the file, Error{Invalid} when the credential is
// not the node credential of these keys.
std::shared_ptr<const FedIdentity> load_node_dir(const std::string& dir);

// Registers `node`, `peer` and `receipt` on `app`; run() performs the one parsed, if
// any, and returns its exit code.
class NodeCommands {
 public:
  explicit NodeCommands(CLI::App& app);
  ~NodeCommands();
  NodeCommands(const NodeCommands&) = delete;
  NodeCommands& operator=(const NodeCommands&) = delete;
  std::optional<int> run(Instant now);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace comity::cli
