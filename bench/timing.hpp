// Timing for the hand-timed benchmarks (bench_trust, bench_documents): a
// call repeated for a while, and the --seconds option they share.
#pragma once

#include <chrono>
#include <string>

namespace comity::bench {

// Runs `f` in batches of `batch` calls for about `seconds`; returns the
// microseconds per call.
template <typename F>
double per_call_us(double seconds, F&& f, int batch = 64) {
  using Clk = std::chrono::steady_clock;
  long n = 0;
  auto start = Clk::now();
  double elapsed = 0;
  while (elapsed < seconds) {
    for (int i = 0; i < batch; ++i) f();
    n += batch;
    elapsed = std::chrono::duration<double>(Clk::now() - start).count();
  }
  return elapsed * 1e6 / static_cast<double>(n);
}

// The value of `--seconds S` on the command line, else `fallback`.
inline double seconds_option(int argc, char** argv, double fallback) {
  for (int i = 1; i + 1 < argc; i += 2)
    if (std::string(argv[i]) == "--seconds") return std::stod(argv[i + 1]);
  return fallback;
}

}  // namespace comity::bench
