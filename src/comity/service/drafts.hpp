// Request drafts (the web app's wizard, issue 4 item 3): an officer's
// request in progress, saved server-side so it survives a closed tab and
// can be finished later. A draft belongs to the officer who started it and
// is visible to nobody else (404 for everyone else, so ids cannot be
// probed). Saving is optimistic: each save names the version it replaces,
// and a stale one is refused (Conflict) rather than overwriting newer work.
// A draft is any JSON object — the wizard saves incomplete requests — and is
// checked in full only when it becomes a case (POST /api/v1/cases).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "comity/service/actor.hpp"
#include "comity/service/ids.hpp"
#include "comity/store/draft_repository.hpp"
#include "comity/store/store_error.hpp"
#include "comity/workflow/clock.hpp"

namespace comity {

class DraftService {
 public:
  // REQUIRES: all three outlive the service.
  DraftService(DraftRepository& store, const Clock& clock, IdSource& ids) : store_(store), clock_(clock), ids_(ids) {}

  // Starts a draft (version 1). Forbidden unless an officer; Invalid
  // at $.request unless an object.
  Draft create(const nlohmann::json& request, const Actor& actor);
  // Replaces version `version` of the author's draft with `request`
  // (returning version + 1). NotFound (not the author's), Conflict (stale).
  Draft save(std::string_view id, int64_t version, const nlohmann::json& request, const Actor& actor);
  Draft get(std::string_view id, const Actor& actor);
  std::vector<Draft> list(const Actor& actor, int limit);
  void remove(std::string_view id, const Actor& actor);

 private:
  AuditEntry audit(const Actor& actor, std::string_view action, const Draft& d) const;

  DraftRepository& store_;
  const Clock& clock_;
  IdSource& ids_;
};

// A draft as the API shows it: id, version, times and the request so far.
nlohmann::json draft_json(const Draft& d);

}  // namespace comity
