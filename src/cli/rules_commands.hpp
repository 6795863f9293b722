// The `comity rules` commands (docs/cli.md, docs/rule-packs.md): list, show
// and check the rule pack, and print the fact × pathway table. Errors are
// comity::Error kinds (PackError for a pack that cannot be loaded,
// Error{Invalid} for a bad argument or file); main.cpp maps them.
#pragma once

#include <cstdint>
#include <string>

namespace comity::cli {

enum class FactsFormat : uint8_t { Text, Markdown };

// Prints the pack's pathways and predicates. Returns 0.
int rules_list(const std::string& pack_dir);
// Prints one pathway or predicate; throws Error{Invalid} if no such id.
int rules_show(const std::string& id, const std::string& pack_dir);
// Lints the pack: each issue on stderr, exit 1 if any, else 0.
int rules_check(const std::string& pack_dir);
// Prints, for every field of the request format (`schema_path`; empty: the
// schemas/ folder beside the pack's), the predicates that read it on each
// pathway. Returns 0.
int rules_facts(const std::string& pack_dir, const std::string& schema_path, FactsFormat format);

}  // namespace comity::cli
