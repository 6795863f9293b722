// The rule packs a node keeps. A node persists the text of every pack it has
// run, keyed by content hash, so that a case keeps the pack it was opened
// under (rules/pack_registry.hpp) across restarts and pack changes.
#pragma once

#include "comity/rules/pack_registry.hpp"
#include "comity/store/publication_repository.hpp"
#include "comity/store/store_error.hpp"

namespace comity {

// Stores every pack of `packs` that the store lacks (each with an audit
// entry by "system"), then adds to `packs` every stored pack it lacks, so
// that every case opened since schema v14 finds its pack. Throws
// StoreError{Corrupt} when a stored pack's text does not hash to its key,
// PackError when it no longer loads.
void sync_packs(PublicationRepository& store, PackRegistry& packs, Instant now);

// The JSON text a pack's sources are stored as: [[path, text], …].
std::string sources_json(const Pack& pack);

}  // namespace comity
