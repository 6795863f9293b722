// The transparency log (docs/transparency-log.md). Public: the leaves carry
// no personal data; a case's salts go to its parties (handlers_cases.cpp).
#include <nlohmann/json.hpp>

#include "comity/ledger/checkpoint.hpp"
#include "comity/report/transparency_page.hpp"
#include "comity/server/handlers.hpp"
#include "comity/service/transparency.hpp"

namespace comity::handlers {
namespace {

using nlohmann::json;

// A non-negative integer query parameter, or Error{Malformed} naming it.
uint64_t count_param(const HttpRequest& req, const char* name) {
  std::string text = req.param(name);
  if (!small_decimal(text))
    throw Error(ErrorKind::Malformed, std::string("query parameter ") + name + " must be a non-negative integer",
                {{std::string("$query.") + name, "a non-negative integer"}});
  return std::stoull(text);
}

json hex_list(const std::vector<ledger::Hash>& hashes) {
  json out = json::array();
  for (const auto& h : hashes) out.push_back(ledger::to_hex(h));
  return out;
}

}  // namespace

// The latest checkpoint; on a federated node with the cosignatures its
// peers' witnesses gave that very checkpoint (docs/federation.md §6).
void get_checkpoint_note(Node& node, Call& call) {
  StoredCheckpoint cp = node.current_checkpoint();
  if (node.federation) {
    Node::ReadLease db(node);
    for (const StoredCosignature& c :
         db->witness().cosignatures(static_cast<int64_t>(cp.tree_size), ledger::to_hex(cp.root)))
      cp.note += c.line;
  }
  call.res.send(cp.note, "text/plain; charset=utf-8");
}

void get_tile(Node& node, Call& call) {
  ledger::TileRef t;
  try {
    t = ledger::parse_tile_path("tile/" + call.param(0));
  } catch (const ledger::LedgerError& e) {
    throw Error(ErrorKind::NotFound, e.what());
  }
  std::string body;
  if (!t.entries) {
    body = node.with_log([&](const ledger::MerkleTree& log) {
      try {
        return ledger::hash_tile(log, t);
      } catch (const ledger::LedgerError& e) {
        throw Error(ErrorKind::NotFound, e.what());
      }
    });
  } else {
    const uint64_t size = node.with_log([](const ledger::MerkleTree& log) { return log.size(); });
    const uint64_t first = t.index * ledger::kTileWidth;
    if (first + t.width > size) throw Error(ErrorKind::NotFound, ledger::tile_path(t) + " is beyond the tree");
    Node::ReadLease db(node);
    for (const auto& leaf : db->log_leaves(first, t.width)) ledger::append_bundle_entry(body, leaf);
  }
  // A tile's content never changes: a partial tile of width W is a different
  // path from the full one (the route caches it as immutable).
  call.res.send(std::move(body), "application/octet-stream");
}

void get_log_info(Node& node, Call& call) {
  call.res.send_json(safe_dump(json{{"origin", node.options.log_origin},
                                    {"verifier_key", node.log_verifier_key()},
                                    {"checkpoint", node.current_checkpoint().note},
                                    {"hashing", "RFC 9162 section 2.1 (SHA-256)"},
                                    {"links",
                                     {{"checkpoint", "/log/checkpoint"},
                                      {"tiles", "/log/tile/"},
                                      {"inclusion", "/api/v1/log/inclusion?index=I&tree_size=N"},
                                      {"consistency", "/api/v1/log/consistency?from=M&to=N"}}}}));
}

// Publishes a checkpoint now (oversight bodies and admins; the server also
// publishes on its own interval).
void post_checkpoint(Node& node, Call& call) {
  call.res.send_json(safe_dump(json{{"checkpoint", node.publish_checkpoint().note}}), 201);
}

void get_inclusion(Node& node, Call& call) {
  const uint64_t index = count_param(call.req, "index"), size = count_param(call.req, "tree_size");
  json out = node.with_log([&](const ledger::MerkleTree& log) {
    if (size > log.size())
      throw Error(ErrorKind::Malformed, "the log has " + std::to_string(log.size()) + " leaves",
                  {{"$query.tree_size", "at most " + std::to_string(log.size())}});
    if (index >= size)
      throw Error(ErrorKind::Malformed, "the leaf index must be below the tree size",
                  {{"$query.index", "below " + std::to_string(size)}});
    return json{{"index", index},
                {"tree_size", size},
                {"leaf_hash", ledger::to_hex(log.node(0, index))},
                {"proof", hex_list(log.inclusion_proof(index, size))}};
  });
  call.res.send_json(safe_dump(out));
}

void get_consistency(Node& node, Call& call) {
  const uint64_t from = count_param(call.req, "from"), to = count_param(call.req, "to");
  json out = node.with_log([&](const ledger::MerkleTree& log) {
    if (to > log.size())
      throw Error(ErrorKind::Malformed, "the log has " + std::to_string(log.size()) + " leaves",
                  {{"$query.to", "at most " + std::to_string(log.size())}});
    if (from == 0 || from > to)
      throw Error(ErrorKind::Malformed, "from must be 1..to", {{"$query.from", "1.." + std::to_string(to)}});
    return json{{"from", from}, {"to", to}, {"proof", hex_list(log.consistency_proof(from, to))}};
  });
  call.res.send_json(safe_dump(out));
}

void get_statistics(Node& node, Call& call) {
  std::string format = call.req.has_param("format") ? call.req.param("format") : "json";
  if (format != "json" && format != "csv")
    throw Error(ErrorKind::Malformed, "format is json or csv", {{"$query.format", "json or csv"}});
  nlohmann::ordered_json report = node.statistics_report();
  if (format == "csv") return call.res.send(statistics_csv(report), "text/csv; charset=utf-8");
  call.res.send_json(report.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

// The public transparency page: the same figures as HTML, charts and tables.
void get_transparency(Node& node, Call& call) {
  std::string page = transparency_page(node.statistics_report(), node.options.log_origin, node.log_verifier_key());
  call.res.set_header("Content-Security-Policy",
                      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
  call.res.send(std::move(page), "text/html; charset=utf-8");
}

}  // namespace comity::handlers
