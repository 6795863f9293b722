#include "comity/service/drafts.hpp"

#include "comity/util/sha256.hpp"

namespace comity {

namespace {

void require_object(const nlohmann::json& request) {
  if (request.is_object()) return;
  ServiceError e(ErrorKind::Invalid, "a draft is a request in progress: a JSON object");
  e.field_errors.push_back({"$.request", "an object (the request so far, docs/request-format.md)"});
  throw e;
}

}  // namespace

AuditEntry DraftService::audit(const Actor& actor, std::string_view action, const Draft& d) const {
  return {0,    clock_.now(),      std::string(role_name(actor.role)) + ":" + actor.user_id, std::string(action),
          d.id, sha256_hex(d.body)};
}

Draft DraftService::create(const nlohmann::json& request, const Actor& actor) {
  if (actor.role != PartyRole::Officer) throw ServiceError(ErrorKind::Forbidden, "officers write requests");
  require_object(request);
  Draft d{"draft-" + ids_.next(), actor.user_id, clock_.now(), clock_.now(), 1, request.dump()};
  store_.put_draft(d, audit(actor, "create_draft", d));
  return d;
}

Draft DraftService::get(std::string_view id, const Actor& actor) {
  auto d = store_.draft(id);
  if (!d || d->user_id != actor.user_id) throw ServiceError(ErrorKind::NotFound, "no draft " + std::string(id));
  return *d;
}

Draft DraftService::save(std::string_view id, int64_t version, const nlohmann::json& request, const Actor& actor) {
  require_object(request);
  Draft d = get(id, actor);
  if (d.version != version)
    throw ServiceError(ErrorKind::Conflict, "draft " + d.id + " is at version " + std::to_string(d.version) + ", not " +
                                                std::to_string(version) + ": reload it first");
  d.version = version + 1;
  d.updated_at = clock_.now();
  d.body = request.dump();
  try {
    store_.put_draft(d, audit(actor, "save_draft", d));
  } catch (const StoreError& e) {
    if (e.code == StoreError::Code::Conflict) throw ServiceError(ErrorKind::Conflict, e.what());
    throw;
  }
  return d;
}

std::vector<Draft> DraftService::list(const Actor& actor, int limit) {
  return store_.drafts_of(actor.user_id, limit);
}

void DraftService::remove(std::string_view id, const Actor& actor) {
  Draft d = get(id, actor);
  store_.delete_draft(d.id, audit(actor, "delete_draft", d));
}

nlohmann::json draft_json(const Draft& d) {
  return {{"id", d.id},
          {"version", d.version},
          {"created_at", format_instant(d.created_at)},
          {"updated_at", format_instant(d.updated_at)},
          {"request", nlohmann::json::parse(d.body)}};
}

}  // namespace comity
