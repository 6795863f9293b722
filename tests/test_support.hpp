// Helpers shared by the unit and golden tests: the real pack, the S01 sample
// request as a base to vary, and lookups into decisions.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "comity/model/request.hpp"
#include "comity/rules/decision.hpp"
#include "comity/rules/pack.hpp"
#include "comity/store/store.hpp"

namespace comity::test {

std::string source_dir();
std::string read_text(const std::filesystem::path& p);

// The repository's rule pack, loaded once (read-only).
const Pack& real_pack();
// A private copy to mutate (e.g. put CETS 224 in force).
std::unique_ptr<Pack> fresh_pack();

// examples/s01-eu-subscriber-prosecutor.json: a complete, valid request.
nlohmann::json base_request();
// Parses `j`; throws std::runtime_error listing the errors if invalid.
Request parse_ok(const nlohmann::json& j);

Decision eval(const Request& q, const Pack& pack, const char* date = "2026-09-15");

// The entry of pathway `id` with role `role`, covering category `cat` if given.
const PathwayResult* entry(const Decision& d, std::string_view id, Role role = Role::Primary,
                           std::optional<DataCategory> cat = std::nullopt);
// Outcome of predicate `pred` in the entry (or nullopt if it did not run).
std::optional<Outcome> check(const Decision& d, const PathwayResult& p, std::string_view pred);
std::optional<Outcome> gate(const Decision& d, std::string_view pred);

// An audit entry for seeding test data directly into a store.
AuditEntry seed_audit(std::string_view action, std::string_view object);

// A temporary directory removed when the object goes out of scope, even when
// a test fails.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace comity::test
