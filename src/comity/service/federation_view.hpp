// Where a case homed on this node stands between nodes (docs/federation.md,
// docs/api.md "federation"): the messages its acts queued for peers, each
// with the peer's receipt as the outbox keeps it, and a one-line summary.
// Never a message's body: an envelope may carry the case's certificate, a
// notified copy or, later, evidence ciphertext; only its kind, addressee
// and the receipt's coded outcome are shown. What the case view shows of it,
// and to whom, is the view table's (CasePart::Federation).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "comity/service/federation.hpp"
#include "comity/store/store.hpp"

namespace comity {

// The most messages a case view lists (the latest).
inline constexpr size_t kCaseViewMessages = 200;

// {"case_ref", "messages": [{"id", "kind", "to", "to_party", "seq", "state",
// "attempts", "queued_at", "receipt": {...} | null, "peer_suspended"}],
// "where"} for case `case_id`, read through `db` (the reader the case view
// uses); nullopt when this node sent nothing about the case (no case_ref
// recorded for it). Messages oldest first, at most the last `limit`.
std::optional<nlohmann::json> case_federation_json(Store& db, FederationService& fed, const std::string& case_id,
                                                   size_t limit = kCaseViewMessages);

// A receipt as the case view shows it: {"status", "rem_event", "code" (a
// refusal's), "at" (delivered_at, else received_at), "leaf_index" and
// "checkpoint_size" (from its proof; null without one)}; null for "" or
// text that is not a receipt object.
nlohmann::json receipt_summary(const std::string& receipt);

}  // namespace comity
