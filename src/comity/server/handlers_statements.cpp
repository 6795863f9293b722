// Provider statements (docs/provider-statements.md): a provider's person
// publishes its signed statement; anyone reads the current one or any
// version, with the transparency-log index that commits to it.
#include <nlohmann/json.hpp>

#include "comity/server/handlers.hpp"
#include "comity/service/statements.hpp"

namespace comity::handlers {

namespace {

nlohmann::json statement_json(const StoredStatement& st) {
  return {{"provider", st.provider_id},
          {"version", st.version},
          {"sha256", st.sha256},
          {"signer", st.signer},
          {"published_at", format_instant(st.imported_at)},
          {"log_index", st.log_index},
          {"signed_statement", nlohmann::json::parse(st.signed_json)}};
}

}  // namespace

// POST: a person of the provider publishes a new version, signed by its
// own key (201; 200 for the same version again).
void post_statement(Node& node, Call& call) {
  const Principal& who = call.principal();
  if (who.party.id != call.param(0)) throw Error(ErrorKind::Forbidden, "a provider publishes its own statement only");
  nlohmann::json body = json_body(call.req);
  bool replayed = false;
  StoredStatement st;
  auto trust = node.trusted();
  node.durably([&] {
    st = publish_statement(node.store, *trust, node.pack, body, node.clock.now(),
                           std::string(role_name(who.user.role)) + ":" + who.user.id, &replayed);
  });
  call.res.send_json(safe_dump(statement_json(st)), replayed ? 200 : 201);
}

// GET (public): the provider's current statement, or ?version=N.
void get_statement(Node& node, Call& call) {
  int64_t version = 0;
  if (call.req.has_param("version")) {
    const std::string v = call.req.param("version");
    bool digits = !v.empty() && v.size() <= 9 && v.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoll(v) < 1)
      throw Error(ErrorKind::Malformed, "version must be a statement version",
                  {{"$query.version", "an integer from 1"}});
    version = std::stoll(v);
  }
  std::optional<StoredStatement> st;
  {
    Node::ReadLease db(node);
    st = db->provider_statement(call.param(0), version);
  }
  if (!st) throw Error(ErrorKind::NotFound, "no such statement of provider " + call.param(0));
  call.res.send_json(safe_dump(statement_json(*st)));
}

}  // namespace comity::handlers
