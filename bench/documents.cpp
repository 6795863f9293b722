// Formal-document benchmark (issue: the web app): how long the server
// spends rendering a case's PDF document — the EPOC certificate of the
// sample request, in French, full and as the addressee's — against work it
// does for the same request in the same run: evaluating it with the
// engine (every pathway, every check), the other per-request cost a user
// waits for. Also prints the document's size. Not a test: it never fails a
// build. Usage: bench_documents [--seconds S]
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "comity/model/request_json.hpp"
#include "comity/report/case_document.hpp"
#include "comity/rules/engine.hpp"
#include "comity/rules/pack.hpp"

namespace {

using namespace comity;
using Clk = std::chrono::steady_clock;
using nlohmann::json;

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs `f` for about `seconds`; returns microseconds per call.
template <typename F>
double per_call_us(double seconds, F&& f) {
  long n = 0;
  auto start = Clk::now();
  double elapsed = 0;
  while (elapsed < seconds) {
    for (int i = 0; i < 16; ++i) f();
    n += 16;
    elapsed = std::chrono::duration<double>(Clk::now() - start).count();
  }
  return elapsed * 1e6 / static_cast<double>(n);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 2;
  for (int i = 1; i + 1 < argc; i += 2)
    if (std::string(argv[i]) == "--seconds") seconds = std::stod(argv[i + 1]);
  const std::string root = COMITY_SOURCE_DIR;
  auto pack = load_pack(root + "/rules");
  const json labels = json::parse(read(root + "/web/labels.json"));
  const std::string text = read(root + "/examples/s01-eu-subscriber-prosecutor.json");
  auto parsed = parse_request(text);
  if (!parsed.request) return 1;
  const Date at = *parse_date("2026-09-15");
  CaseDocumentInput in{"bench-case", "P_EU_EPOC", "direct_order", "NL", json::parse(text), nullptr, json::array()};

  std::printf("Comity formal-document benchmark (EPOC certificate of examples/s01-…, in French)\n\n");
  volatile size_t sink = 0;
  std::string full_pdf = case_document_pdf(in, DocumentScope::Full, labels, "fr");
  std::string order_pdf = case_document_pdf(in, DocumentScope::OrderOnly, labels, "fr");
  double full = per_call_us(seconds, [&] { sink = case_document_pdf(in, DocumentScope::Full, labels, "fr").size(); });
  double order =
      per_call_us(seconds, [&] { sink = case_document_pdf(in, DocumentScope::OrderOnly, labels, "fr").size(); });
  double engine = per_call_us(seconds, [&] { sink = evaluate(*parsed.request, *pack, at).pathways.size(); });
  std::printf("document, full file (%zu bytes)            %8.1f us\n", full_pdf.size(), full);
  std::printf("document, the addressee's (%zu bytes)      %8.1f us\n", order_pdf.size(), order);
  std::printf("peer: the engine evaluating the same request %6.1f us   (a document costs %.2fx an evaluation; "
              "%.0f documents/s per core)\n",
              engine, full / engine, 1e6 / full);
  (void)sink;
  return 0;
}
