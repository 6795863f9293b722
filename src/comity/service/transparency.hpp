// What a case contributes to the transparency log: one leaf per event
// (the opening and every workflow event), each carrying only public,
// non-personal attributes and a salted commitment to the full event. The
// salt and the full event stay with the case's parties, so a party can
// prove its event is in the log without anyone else learning it.
// See docs/transparency-log.md for the leaf format.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "comity/store/store.hpp"

namespace comity {

// The case's public attributes (canonical JSON): pathway, measure, the
// corridor (requesting and counterpart State), data categories, the
// emergency flag, and a fresh random case tag linking its leaves.
// `entry` is the chosen pathway's entry (pathway_entry_json).
std::string public_attributes(const nlohmann::ordered_json& entry, const std::string& requesting_state,
                              const std::string& counterpart_state, bool emergency);

// Leaves for the opening of `r` (if `opening`) and for its history events
// from `first_new_event` on. `actor` names who opened the case (opening only).
std::vector<LogLeaf> log_leaves(const CaseRecord& r, bool opening, size_t first_new_event,
                                const std::string& actor = {});

// The commitment a leaf carries: hex SHA-256(salt || event_json).
std::string commitment(const std::string& salt, const std::string& event_json);

// The published statistics, recomputed from the leaves alone (so anyone
// holding the log can check them): cases opened by pathway, corridor
// (from-to), data category and emergency; outcomes (each case's last state
// before closing: produced, refused, inability, objected, rejected,
// withdrawn, lapsed, evidence_returned, or the state it is still in); and
// time to data in days (opening to produced / evidence_returned), p50 and
// p90, overall and by pathway. `tree_size` and `root_hex` bind the report
// to the checkpoint whose leaves it counts. Throws std::invalid_argument
// naming the index of a leaf that is not a v1 leaf.
nlohmann::ordered_json log_statistics(const std::vector<std::string>& leaves, uint64_t tree_size,
                                      const std::string& root_hex);
// The same figures as CSV: dimension,key,value lines.
std::string statistics_csv(const nlohmann::ordered_json& stats);

}  // namespace comity
