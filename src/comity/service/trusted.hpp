// What the exchange trusts, as its store keeps it (docs/trust.md): the
// operator's trust-bundle imports in order, each with how a changed anchor
// was accepted. The server and the CLI rebuild the trust store from them.
#pragma once

#include <optional>
#include <string_view>

#include "comity/store/store.hpp"
#include "comity/trust/credentials.hpp"

namespace comity {

// How an import takes a changed anchor, as stored and as the API names it:
// "cross_signed" or "operator_override".
std::string_view anchor_change_name(trust::AnchorChange change);
// nullopt for any other name.
std::optional<trust::AnchorChange> anchor_change_named(std::string_view name);

// The trust store `store`'s imports build, replayed in order. Throws
// trust::TrustError if a stored import no longer applies, StoreError if
// one is unreadable.
trust::TrustStore trusted_by(Store& store);

}  // namespace comity
