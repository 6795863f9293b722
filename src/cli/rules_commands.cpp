#include "cli/rules_commands.hpp"

#include <filesystem>
#include <iostream>

#include "cli/trust_commands.hpp"
#include "comity/rules/facts.hpp"
#include "comity/rules/kinds.hpp"
#include "comity/rules/pack.hpp"
#include "comity/util/error.hpp"

namespace comity::cli {

int rules_list(const std::string& pack_dir) {
  auto pack = load_pack(pack_dir);
  std::cout << pack->name << " " << pack->version << " " << pack->content_hash << "\n";
  std::cout << "pathways:\n";
  for (const auto& p : pack->pathways) std::cout << "  " << p.id << "  " << p.name << "\n";
  std::cout << "predicates:\n";
  for (const auto& p : pack->predicates)
    std::cout << "  " << p.id << " [" << tag_name(p.tag) << "]  " << p.title << " — " << p.citation << "\n";
  return 0;
}

int rules_show(const std::string& id, const std::string& pack_dir) {
  auto pack = load_pack(pack_dir);
  for (const auto& p : pack->pathways) {
    if (p.id != id) continue;
    std::cout << p.id << " — " << p.name << "\n  instrument: " << p.instrument << "\n  channel: " << p.channel
              << "\n  applicability:";
    for (const auto& a : p.applicability) std::cout << " " << a;
    std::cout << "\n  checks:";
    for (const auto& a : p.checks) std::cout << " " << a;
    std::cout << "\n";
    for (const auto& d : p.deadlines)
      std::cout << "  deadline " << d.id << ": " << d.label << " " << d.duration << "\n";
    return 0;
  }
  bool found = false;
  for (const auto& p : pack->predicates) {
    if (p.id != id) continue;
    found = true;
    std::cout << p.id << " — " << p.title << "\n  citation: " << p.citation << "\n  tag: " << tag_name(p.tag)
              << "\n  kind: " << p.kind->name << "\n  effective: " << (p.from == kNoDateMin ? "-" : p.from.str())
              << " .. " << (p.to == kNoDateMax ? "-" : p.to.str()) << "\n  file: " << p.file << "\n";
    if (!p.source.empty()) std::cout << "  verified against: " << p.source << "\n";
    std::cout << "  reads:";
    for (const auto& r : p.reads) std::cout << " " << r;
    std::cout << "\n  reasons:\n";
    for (size_t i = 0; i < p.kind->variants.size(); ++i)
      std::cout << "    " << p.kind->variants[i].name << " (" << outcome_name(p.kind->variants[i].outcome)
                << "): " << p.reason_sources[i] << "\n";
    if (!p.hint.empty()) std::cout << "  hint: " << p.hint << "\n";
  }
  if (!found) throw Error(ErrorKind::Invalid, "no pathway or predicate with id \"" + id + "\"");
  return 0;
}

int rules_check(const std::string& pack_dir) {
  auto pack = load_pack(pack_dir);
  auto issues = lint_pack(*pack);
  for (const auto& i : issues) std::cerr << i.file << ": " << i.where << ": " << i.message << "\n";
  if (!issues.empty()) {
    std::cerr << issues.size() << " issue(s); the pack is refused\n";
    return 1;
  }
  std::cout << "ok: " << pack->name << " " << pack->version << " " << pack->content_hash << " — "
            << pack->predicates.size() << " predicates, " << pack->pathways.size() << " pathways, "
            << pack->states.size() << " states\n";
  return 0;
}

int rules_facts(const std::string& pack_dir, const std::string& schema_path, FactsFormat format) {
  auto pack = load_pack(pack_dir);
  std::filesystem::path dir(pack_dir);
  if (!dir.has_filename()) dir = dir.parent_path();  // "rules/"
  const std::string path =
      schema_path.empty() ? (dir.parent_path() / "schemas" / "request.schema.json").string() : schema_path;
  std::string schema;
  try {
    schema = read_file(path);
  } catch (const UsageError& e) {
    throw UsageError(std::string(e.what()) + " (give the request schema with --schema)");
  }
  const auto rows = fact_table(*pack, schema_fields(schema));
  if (format == FactsFormat::Markdown) {
    std::cout << fact_table_markdown(rows);
    return 0;
  }
  size_t unread = 0;
  for (const auto& r : rows) {
    std::cout << r.field << "\n";
    if (r.uses.empty()) {
      std::cout << "  read by no predicate\n";
      ++unread;
    }
    for (const auto& u : r.uses)
      for (const auto* p : u.readers)
        std::cout << "  " << u.where << ": " << p->id << " [" << tag_name(p->tag) << "] " << p->citation << "\n";
    for (const auto* n : r.law)
      std::cout << "  named by " << n->family_name << " law: " << n->law
                << (n->not_read.empty() ? "" : " — not read: " + n->not_read) << "\n";
  }
  std::cout << rows.size() << " fields, " << rows.size() - unread << " read by at least one predicate\n";
  return 0;
}

}  // namespace comity::cli
