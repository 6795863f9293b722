#include "comity/service/trusted.hpp"

#include <exception>

#include "comity/util/sha256.hpp"

namespace comity {
namespace {

void replay(trust::TrustStore& t, const Store::TrustImport& imp) {
  auto change = anchor_change_named(imp.anchor_change);
  auto bundle = nlohmann::json::parse(imp.bundle, nullptr, false);
  if (!change || bundle.is_discarded())
    throw StoreError(StoreError::Code::Corrupt, "a stored trust import is unreadable");
  t.add_bundle(bundle, *change);
}

}  // namespace

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
  for (const auto& imp : store.trust_imports()) replay(t, imp);
  return t;
}

TrustService::TrustService(Store& db) : applied_(caught_up({std::make_shared<const trust::TrustStore>(), 0}, db)) {}

TrustService::Applied TrustService::applied() {
  std::lock_guard<std::mutex> lock(mu_);
  return applied_;
}

void TrustService::keep(Applied next) {
  std::lock_guard<std::mutex> lock(mu_);
  if (next.imports > applied_.imports) applied_ = std::move(next);
}

TrustService::Applied TrustService::caught_up(const Applied& from, Store& db) {
  if (db.count_trust_imports() == from.imports) return from;
  const auto imports = db.trust_imports();
  const auto stored = static_cast<int64_t>(imports.size());
  if (stored == from.imports) return from;
  // Fewer than applied: not this store's history (a restored backup); rebuild.
  const int64_t start = stored > from.imports ? from.imports : 0;
  auto t = start == 0 ? std::make_shared<trust::TrustStore>() : std::make_shared<trust::TrustStore>(*from.trust);
  for (auto i = start; i < stored; ++i) replay(*t, imports[static_cast<size_t>(i)]);
  return {std::move(t), stored};
}

std::shared_ptr<const trust::TrustStore> TrustService::current(Store& db) {
  Applied now = caught_up(applied(), db);
  auto trust = now.trust;
  keep(std::move(now));
  return trust;
}

std::shared_ptr<const trust::TrustStore> TrustService::import(GroupCommitter& committer, Store& writer,
                                                              const nlohmann::json& bundle, trust::AnchorChange how,
                                                              const std::string& actor, Instant now) {
  std::lock_guard<std::mutex> one_import(import_mu_);
  // Checked first against what this process trusts, outside the writer's
  // lock; checked again in the transaction only if another process
  // imported since.
  const Applied seen = applied();
  auto checked = std::make_shared<trust::TrustStore>(*seen.trust);
  std::exception_ptr refused;  // perhaps only by a stale state: decided below
  try {
    checked->add_bundle(bundle, how);
  } catch (const trust::TrustError&) {
    refused = std::current_exception();
  }
  const std::string text = bundle.dump();
  const std::string change(anchor_change_name(how));
  Applied next;
  committer.durably([&] {
    // Under the writer lock: no other process can store an import until this commit ends.
    const Applied base = caught_up(seen, writer);
    std::shared_ptr<trust::TrustStore> t = checked;
    if (base.imports != seen.imports) {
      t = std::make_shared<trust::TrustStore>(*base.trust);
      t->add_bundle(bundle, how);  // throws TrustError: nothing is stored
    } else if (refused) {
      std::rethrow_exception(refused);
    }
    writer.add_trust_import({text, change, now}, {0, now, actor, "import_trust", change, sha256_hex(text)});
    next = {std::move(t), base.imports + 1};
  });
  auto trust = next.trust;
  keep(std::move(next));
  return trust;
}

}  // namespace comity
