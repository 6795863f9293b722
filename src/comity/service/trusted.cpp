#include "comity/service/trusted.hpp"

#include <nlohmann/json.hpp>

namespace comity {

std::string_view anchor_change_name(trust::AnchorChange change) {
  return change == trust::AnchorChange::OperatorOverride ? "operator_override" : "cross_signed";
}

std::optional<trust::AnchorChange> anchor_change_named(std::string_view name) {
  if (name == "cross_signed") return trust::AnchorChange::RequireCrossSignature;
  if (name == "operator_override") return trust::AnchorChange::OperatorOverride;
  return std::nullopt;
}

trust::TrustStore trusted_by(Store& store) {
  trust::TrustStore t;
  for (const auto& imp : store.trust_imports()) {
    auto change = anchor_change_named(imp.anchor_change);
    auto bundle = nlohmann::json::parse(imp.bundle, nullptr, false);
    if (!change || bundle.is_discarded())
      throw StoreError(StoreError::Code::Corrupt, "a stored trust import is unreadable");
    t.add_bundle(bundle, *change);
  }
  return t;
}

}  // namespace comity
