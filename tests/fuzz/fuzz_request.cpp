// libFuzzer target: arbitrary bytes → parse_request → evaluate → render; the
// same bytes as a provider statement → parse → notes beside a decision.
// Any crash, sanitizer report, leak or timeout is a bug. The pack is the real
// one (COMITY_PACK or the repository's rules/), loaded once.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "comity/model/provider_statement.hpp"
#include "comity/model/request_json.hpp"
#include "comity/rules/decision_json.hpp"
#include "comity/rules/engine.hpp"
#include "comity/rules/pack.hpp"
#include "comity/rules/statement_notes.hpp"

namespace {

const comity::Pack& pack() {
  static std::unique_ptr<comity::Pack> p = [] {
    const char* dir = std::getenv("COMITY_PACK");
    return comity::load_pack(dir && *dir ? dir : COMITY_SOURCE_DIR "/rules");
  }();
  return *p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto statement = comity::parse_provider_statement(text);
  if (!statement.statement && statement.errors.empty()) std::abort();  // a rejection must say why
  if (statement.statement) (void)comity::check_statement(*statement.statement, pack());
  auto parsed = comity::parse_request(text);
  if (!parsed.request) {
    if (parsed.errors.empty()) std::abort();  // a rejection must say why
    return 0;
  }
  // Two dates: before and after the EU Regulation applies.
  for (auto at : {comity::Date{20000}, comity::Date{20700}}) {
    comity::Decision d = comity::evaluate(*parsed.request, pack(), at);
    auto j = comity::decision_to_json(d, *parsed.request);
    (void)j.dump();
    (void)comity::decision_to_text(d, *parsed.request);
    (void)comity::decision_to_summary(d, *parsed.request);
  }
  return 0;
}
