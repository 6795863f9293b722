// Formal-document benchmark (issue: the web app): how long the server
// spends rendering a case's PDF document — the EPOC certificate of the
// sample request, in French, full and as the addressee's — against work it
// does for the same request in the same run: evaluating it with the
// engine (every pathway, every check), the other per-request cost a user
// waits for. Also prints the document's size. Not a test: it never fails a
// build. Usage: bench_documents [--seconds S]
#include <cstdio>
#include <string>

#include "comity/report/case_document.hpp"
#include "comity/rules/engine.hpp"
#include "comity/util/date.hpp"
#include "test_support.hpp"
#include "timing.hpp"

using namespace comity;
using bench::per_call_us;
using nlohmann::json;

int main(int argc, char** argv) {
  const double seconds = bench::seconds_option(argc, argv, 2);
  const Pack& pack = test::real_pack();
  const json labels = json::parse(test::read_text(test::source_dir() + "/web/labels.json"));
  const json request = test::base_request();
  const Request parsed = test::parse_ok(request);
  const Date at = *parse_date("2026-09-15");
  CaseDocumentInput in{"bench-case", "P_EU_EPOC", "direct_order", "NL", request, nullptr, json::array()};

  std::printf("Comity formal-document benchmark (EPOC certificate of examples/s01-…, in French)\n\n");
  volatile size_t sink = 0;
  std::string full_pdf = case_document_pdf(in, DocumentScope::Full, labels, "fr");
  std::string order_pdf = case_document_pdf(in, DocumentScope::OrderOnly, labels, "fr");
  double full = per_call_us(
      seconds, [&] { sink = case_document_pdf(in, DocumentScope::Full, labels, "fr").size(); }, 16);
  double order = per_call_us(
      seconds, [&] { sink = case_document_pdf(in, DocumentScope::OrderOnly, labels, "fr").size(); }, 16);
  double engine = per_call_us(
      seconds, [&] { sink = evaluate(parsed, pack, at).pathways.size(); }, 16);
  std::printf("document, full file (%zu bytes)            %8.1f us\n", full_pdf.size(), full);
  std::printf("document, the addressee's (%zu bytes)      %8.1f us\n", order_pdf.size(), order);
  std::printf(
      "peer: the engine evaluating the same request %6.1f us   (a document costs %.2fx an evaluation; "
      "%.0f documents/s per core)\n",
      engine, full / engine, 1e6 / full);
  (void)sink;
  return 0;
}
