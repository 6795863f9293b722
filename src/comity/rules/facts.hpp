// The fact × pathway table: for every field of the request format, the
// predicates that read it on each pathway (and in the gate and advisory
// groups), from the predicates' `reads` lists — which reads_test.cpp checks
// against what the checks actually decide on. `comity rules facts` prints
// it; docs/rule-packs.md holds it and a test keeps the two equal.
#pragma once

#include <string>
#include <vector>

#include "comity/rules/pack.hpp"

namespace comity {

struct FactUse {
  std::string where;                         // a pathway id, "gate" or "advisory"
  std::vector<const PredicateDef*> readers;  // in the order the pathway runs them
};

struct FactRow {
  std::string field;                // e.g. "provider.hq_state", "offences[].max_penalty_months"
  std::vector<FactUse> uses;        // pathways in pack order; empty: no predicate reads it
  std::vector<const LawName*> law;  // the families whose law names it (rules/facts.yaml)
};

// One row per field, in the order given. A predicate reads a field when one
// of its `reads` paths is the field, a part of it or a whole containing it
// (segment by segment: "provider" covers "provider.hq_state").
std::vector<FactRow> fact_table(const Pack& pack, const std::vector<std::string>& fields);

// The segments of a field path, "[]" dropped: "offences[].max_penalty_months"
// → {"offences", "max_penalty_months"}. The views point into `path`.
std::vector<std::string_view> fact_path_segments(std::string_view path);

// Whether paths `a` and `b` overlap: one is a prefix of the other, segment by
// segment, "[]" ignored ("offences[].x" and "offences" overlap).
bool fact_paths_overlap(std::string_view a, std::string_view b);

// Whether a `reads` list declares `field`: one of its paths overlaps it.
bool reads_declare(const std::vector<std::string>& reads, std::string_view field);

// The request format's fields from its JSON Schema text: each member of an
// object property ("a.b"), each member of an array-of-objects property
// ("a[].b"), and each other top-level property. Throws Error{Invalid} if the text is
// not a schema with properties.
std::vector<std::string> schema_fields(std::string_view schema_json);

// The table as Markdown: | field | read by | the law that names it |, one
// line per field; a field no predicate reads says so, and a named fact no
// predicate of its family reads gives the reason.
std::string fact_table_markdown(const std::vector<FactRow>& rows);

}  // namespace comity
