#include "cli/statement_commands.hpp"

#include <algorithm>
#include <cctype>
#include <iostream>

#include "cli/http_client.hpp"
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

// The node's refusal as the error its problem details name (kind, detail,
// reason, the fields at fault); an answer that is not problem details is
// the node's internal error.
Error remote_error(const httplib::Response& res) {
  auto p = nlohmann::json::parse(res.body, nullptr, false);
  ErrorKind kind = ErrorKind::Internal;
  std::string detail = "HTTP " + std::to_string(res.status);
  FieldErrors fields;
  std::string reason;
  if (p.is_object()) {
    const std::string name = p.value("kind", "");
    for (int k = 0; k <= static_cast<int>(ErrorKind::Internal); ++k)
      if (error_kind_info(static_cast<ErrorKind>(k)).name == name) kind = static_cast<ErrorKind>(k);
    if (p.contains("detail") && p["detail"].is_string()) detail += ": " + p["detail"].get<std::string>();
    if (p.contains("reason") && p["reason"].is_string()) reason = p["reason"];
    if (p.contains("errors") && p["errors"].is_array())
      for (const auto& e : p["errors"])
        if (e.is_object()) fields.push_back({e.value("path", ""), e.value("message", "")});
  }
  return Error(kind, "the node refused the statement: " + detail, std::move(fields), std::move(reason));
}

bool is_party_id(const std::string& s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
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

int statement_import(const TransferArgs& t, const std::string& file) {
  const nlohmann::json doc = read_json_file(file);
  std::string provider;
  if (doc.is_object() && doc.contains("statement") && doc["statement"].is_object()) {
    const auto& st = doc["statement"];
    if (st.contains("provider") && st["provider"].is_object() && st["provider"].contains("id") &&
        st["provider"]["id"].is_string())
      provider = st["provider"]["id"];
  }
  if (!is_party_id(provider))
    throw Error(ErrorKind::Invalid, file + ": not a signed provider statement",
                {{"$.statement.provider.id", "the provider's party id (letters, digits, '-', '_', '.')"}});
  // httplib takes a bare word for a host name; a URL without its scheme is a mistake.
  if (t.url.rfind("http://", 0) != 0 && t.url.rfind("https://", 0) != 0)
    throw UsageError("--url: expected http://HOST:PORT or https://HOST:PORT; got " + t.url);
  auto c = client_for(t);
  auto r = c.Post("/api/v1/providers/" + provider + "/statement", doc.dump(), "application/json");
  if (!r) throw Error(ErrorKind::Unavailable, "--url: no answer (" + httplib::to_string(r.error()) + ")");
  if (r->status >= 400) throw remote_error(*r);
  auto out = nlohmann::json::parse(r->body, nullptr, false);
  if (!out.is_object()) throw Error(ErrorKind::Internal, "the node's answer is not JSON");
  nlohmann::ordered_json shown = {{"provider", out.value("provider", provider)},
                                  {"version", out.value("version", int64_t{0})},
                                  {"sha256", out.value("sha256", "")},
                                  {"log_index", out.value("log_index", uint64_t{0})},
                                  {"replayed", r->status == 200}};
  std::cout << shown.dump(2) << "\n";
  return kOk;
}

}  // namespace comity::cli
