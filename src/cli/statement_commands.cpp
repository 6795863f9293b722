#include "cli/statement_commands.hpp"

#include <iostream>

#include "cli/trust_commands.hpp"
#include "comity/model/provider_statement.hpp"
#include "comity/rules/pack.hpp"
#include "comity/rules/statement_notes.hpp"
#include "comity/trust/statements.hpp"

namespace comity::cli {

namespace {

constexpr int kOk = 0;

// The statement parsed and fitted to the pack; Invalid with paths (under
// `prefix`) otherwise.
ProviderStatement checked(const nlohmann::json& statement, const std::string& pack_dir, const std::string& prefix) {
  auto parsed = parse_provider_statement_value(statement);
  FieldErrors errors = parsed.errors;
  if (parsed.statement) {
    auto pack = load_pack(pack_dir);
    errors = check_statement(*parsed.statement, *pack);
  }
  if (!errors.empty()) {
    for (auto& e : errors) e.path = prefix + e.path.substr(1);
    throw Error(ErrorKind::Invalid, "the statement does not match comity.provider-statement/1 or the rule pack",
                std::move(errors));
  }
  return *parsed.statement;
}

}  // namespace

int statement_sign(const std::string& keys_dir, const std::string& in, const std::string& out,
                   const std::string& pack_dir, Instant now) {
  nlohmann::json statement = read_json_file(in);
  ProviderStatement s = checked(statement, pack_dir, "$");
  nlohmann::json doc = trust::sign_statement(statement, signing_key_of(keys_dir), now);
  write_file_atomically(out, doc.dump(2) + "\n", Existing::Refuse);
  std::cout << s.provider_id << " v" << s.version << " sha256:" << s.sha256 << "\n";
  return kOk;
}

int statement_verify(const std::string& file, const std::string& bundle_file, const std::string& pack_dir, Instant at) {
  trust::TrustStore store;
  store.add_bundle(read_json_file(bundle_file), trust::AnchorChange::RequireCrossSignature);
  auto v = trust::verify_statement(read_json_file(file), store, at);
  ProviderStatement s = checked(v.statement, pack_dir, "$.statement");
  nlohmann::json out = {{"provider", s.provider_id},
                        {"version", s.version},
                        {"sha256", s.sha256},
                        {"signed_at", format_instant(v.signed_at)},
                        {"chain", trust::chain_json(v.chain)},
                        {"verified_at", format_instant(at)}};
  std::cout << out.dump(2) << "\n";
  return kOk;
}

}  // namespace comity::cli
