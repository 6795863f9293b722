#include "test_support.hpp"

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "comity/model/request_json.hpp"
#include "comity/rules/engine.hpp"

namespace comity::test {

std::string source_dir() {
  return COMITY_SOURCE_DIR;
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const Pack& real_pack() {
  static std::unique_ptr<Pack> p = load_pack(source_dir() + "/rules");
  return *p;
}

std::unique_ptr<Pack> fresh_pack() {
  return load_pack(source_dir() + "/rules");
}

nlohmann::json base_request() {
  return nlohmann::json::parse(read_text(source_dir() + "/examples/s01-eu-subscriber-prosecutor.json"));
}

Request parse_ok(const nlohmann::json& j) {
  auto r = parse_request(j.dump());
  if (!r.request) {
    std::string msg = "request invalid:";
    for (const auto& e : r.errors) msg += "\n  " + e.path + ": " + e.message;
    throw std::runtime_error(msg);
  }
  return *r.request;
}

Decision eval(const Request& q, const Pack& pack, const char* date) {
  return evaluate(q, pack, *parse_date(date));
}

const PathwayResult* entry(const Decision& d, std::string_view id, Role role, std::optional<DataCategory> cat) {
  for (const auto& p : d.pathways)
    if (p.def->id == id && p.role == role && (!cat || p.scope.contains(*cat))) return &p;
  return nullptr;
}

std::optional<Outcome> check(const Decision& d, const PathwayResult& p, std::string_view pred) {
  for (uint32_t i = p.applicability.begin; i < p.checks.end; ++i)
    if (d.checks[i].pred->id == pred) return d.checks[i].outcome;
  return std::nullopt;
}

std::optional<Outcome> gate(const Decision& d, std::string_view pred) {
  for (uint32_t i = d.gate.begin; i < d.gate.end; ++i)
    if (d.checks[i].pred->id == pred) return d.checks[i].outcome;
  return std::nullopt;
}

TempDir::TempDir() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() / ("comity-test-" + std::to_string(rd()) + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

AuditEntry seed_audit(std::string_view action, std::string_view object) {
  return {0, 0, "system:test-seed", std::string(action), std::string(object), std::string(64, '0')};
}

}  // namespace comity::test
