// Engine benchmark (issue: "bench/engine"). Over a seeded set of 1,000 varied
// requests (tests/request_generator.cpp), measures per request:
//   evaluate         — full evaluation of every pathway on a pre-parsed request:
//                      the gate, every check, split, ranking, reason chosen and
//                      its arguments bound
//   evaluate+reasons — the same, plus rendering every check's reason sentence
//   parse+evaluate   — JSON text → validated request → evaluation
// Each reports median and p99 in microseconds from per-call timings, beside
// the targets (median ≤ 10 µs, p99 ≤ 30 µs for evaluation on this machine).
#include "comity/rules/engine.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "comity/model/request_json.hpp"
#include "comity/rules/pack.hpp"
#include "request_generator.hpp"

namespace {

constexpr size_t kRequests = 1000;
constexpr uint64_t kSeed = 20261122;
constexpr double kTargetMedianUs = 10, kTargetP99Us = 30;

struct Corpus {
  std::unique_ptr<comity::Pack> pack = comity::load_pack(COMITY_SOURCE_DIR "/rules");
  std::vector<std::string> texts;
  std::vector<comity::Request> requests;
  comity::Date at = *comity::parse_date("2026-09-15");
  Corpus() {
    for (auto& j : comity::test::generate_requests(kRequests, kSeed)) {
      texts.push_back(j.dump());
      auto r = comity::parse_request(texts.back());
      if (!r.request) {
        std::fprintf(stderr, "generator produced an invalid request: %s %s\n", r.errors[0].path.c_str(),
                     r.errors[0].message.c_str());
        std::abort();
      }
      requests.push_back(std::move(*r.request));
    }
  }
};

const Corpus& corpus() {
  static Corpus c;
  return c;
}

struct Stats {
  double median_us = 0, p99_us = 0;
};

Stats percentiles(std::vector<double>& ns) {
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) { return ns[std::min(ns.size() - 1, static_cast<size_t>(q * ns.size()))] / 1000.0; };
  return {at(0.5), at(0.99)};
}

// Google Benchmark calls each function several times while it calibrates the
// iteration count; the last (longest) run overwrites the earlier ones.
std::vector<std::pair<std::string, Stats>>& results() {
  static std::vector<std::pair<std::string, Stats>> r;
  return r;
}

void record(const std::string& name, Stats s) {
  for (auto& [n, old] : results())
    if (n == name) {
      old = s;
      return;
    }
  results().emplace_back(name, s);
}

template <class F>
void run(benchmark::State& state, const char* name, F&& one) {
  const Corpus& c = corpus();
  std::vector<double> ns;
  ns.reserve(1 << 20);
  size_t i = 0;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    one(c, i % kRequests);
    auto t1 = std::chrono::steady_clock::now();
    ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
    ++i;
  }
  Stats s = percentiles(ns);
  state.counters["median_us"] = s.median_us;
  state.counters["p99_us"] = s.p99_us;
  state.counters["requests"] = kRequests;
  record(name, s);
}

void BM_Evaluate(benchmark::State& state) {
  run(state, "evaluate", [](const Corpus& c, size_t k) {
    comity::Decision d = comity::evaluate(c.requests[k], *c.pack, c.at);
    benchmark::DoNotOptimize(d.pathways.data());
  });
}

void BM_EvaluateWithReasons(benchmark::State& state) {
  run(state, "evaluate+reasons", [](const Corpus& c, size_t k) {
    comity::Decision d = comity::evaluate(c.requests[k], *c.pack, c.at);
    size_t chars = 0;
    for (const auto& ch : d.checks) chars += comity::render_reason(ch).size();
    benchmark::DoNotOptimize(chars);
  });
}

void BM_ParseEvaluate(benchmark::State& state) {
  run(state, "parse+evaluate", [](const Corpus& c, size_t k) {
    auto r = comity::parse_request(c.texts[k]);
    comity::Decision d = comity::evaluate(*r.request, *c.pack, c.at);
    benchmark::DoNotOptimize(d.pathways.data());
  });
}

BENCHMARK(BM_Evaluate)->MinTime(1.0);
BENCHMARK(BM_EvaluateWithReasons)->MinTime(1.0);
BENCHMARK(BM_ParseEvaluate)->MinTime(1.0);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::printf("\nComity engine, %zu seeded requests (seed %llu), law as of 2026-09-15, %zu pathways in the pack\n",
              kRequests, static_cast<unsigned long long>(kSeed), corpus().pack->pathways.size());
  std::printf("%-18s %12s %12s   %s\n", "measure", "median µs", "p99 µs", "target (median ≤ 10 µs, p99 ≤ 30 µs)");
  for (const auto& [name, s] : results()) {
    bool is_eval = name != "parse+evaluate";
    const char* verdict = !is_eval ? "(reference: JSON parsing included, no target)"
                          : (s.median_us <= kTargetMedianUs && s.p99_us <= kTargetP99Us) ? "meets target"
                                                                                         : "MISSES target";
    std::printf("%-18s %12.2f %12.2f   %s\n", name.c_str(), s.median_us, s.p99_us, verdict);
  }
  return 0;
}
