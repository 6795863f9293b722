// The load generator the HTTP benchmarks share (bench/server.cpp,
// bench/scale_out.cpp): keep-alive connections, each a thread with a
// blocking client on this machine, so every figure includes the client's
// cost; the seeded parties and tokens; one printed line per result.
#pragma once

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "comity/store/store.hpp"
#include "comity/util/sha256.hpp"
#include "test_support.hpp"

namespace comity::bench {

using Clk = std::chrono::steady_clock;

struct Result {
  double rps = 0, p50_ms = 0, p99_ms = 0;
  uint64_t ok = 0, failed = 0;
};

// Drives `conns` keep-alive connections for `seconds` (timed from when all
// are connected); `call(client, i)` makes request number i on a connection
// and returns whether it succeeded.
inline Result load(int port, int conns, double seconds, const std::string& warm_path,
                   const std::function<bool(httplib::Client&, uint64_t)>& call) {
  std::vector<std::vector<double>> lat(static_cast<size_t>(conns));
  std::atomic<uint64_t> ok{0}, failed{0}, next{0};
  std::atomic<bool> stop{false}, go{false};
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < conns; ++c)
    threads.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      client.set_connection_timeout(5, 0);
      client.set_read_timeout(30, 0);
      // Connect before the clock starts (one at a time through the listen
      // queue), as long-lived clients would be.
      client.Get(warm_path);
      ready.fetch_add(1);
      while (!go.load()) std::this_thread::yield();
      while (!stop.load(std::memory_order_relaxed)) {
        auto s = Clk::now();
        bool good = call(client, next.fetch_add(1));
        lat[static_cast<size_t>(c)].push_back(std::chrono::duration<double, std::milli>(Clk::now() - s).count());
        (good ? ok : failed).fetch_add(1);
      }
    });
  while (ready.load() < conns) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto t0 = Clk::now();
  go = true;
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(Clk::now() - t0).count();
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  Result r;
  r.ok = ok;
  r.failed = failed;
  r.rps = static_cast<double>(ok) / elapsed;
  if (!all.empty()) {
    r.p50_ms = all[all.size() / 2];
    r.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  }
  return r;
}

// Parties, users and tokens "tok-officer" and "tok-oversight".
inline void seed(Store& store) {
  auto a = [](const char* action) { return test::seed_audit(action, "bench"); };
  store.put_party({"de-sta", "issuing_authority", "DE", "Staatsanwaltschaft"}, a("create_party"));
  store.put_party({"NL-MAILCO", "provider", "NL", "Mailco B.V."}, a("create_party"));
  store.put_user({"officer", "de-sta", "Officer", PartyRole::Officer}, a("create_user"));
  store.put_token("t-officer", "officer", sha256_hex("tok-officer"), 0, a("issue_token"));
  store.put_party({"eu-oversight", "oversight", "BE", "Oversight body"}, a("create_party"));
  store.put_user({"oversight", "eu-oversight", "Oversight", PartyRole::Oversight}, a("create_user"));
  store.put_token("t-oversight", "oversight", sha256_hex("tok-oversight"), 0, a("issue_token"));
}

// Opens a case (POST /api/v1/cases with `body`); true on 201. Keeps the
// first 10,000 ids (for the reads that follow) under `mu`, taken from the
// Location header: the client spends no time parsing bodies.
inline bool submit_case(httplib::Client& c, const httplib::Headers& auth, const std::string& body, std::mutex& mu,
                        std::vector<std::string>& ids) {
  auto res = c.Post("/api/v1/cases", auth, body, "application/json");
  if (!res || res->status != 201) return false;
  std::string location = res->get_header_value("Location");
  std::lock_guard<std::mutex> lock(mu);
  if (ids.size() < 10000) ids.push_back(location.substr(location.rfind('/') + 1));
  return true;
}

inline void print(const char* what, int conns, const Result& r, const std::string& versus) {
  std::printf("%-40s %4d conns  %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  (%llu ok, %llu failed)  %s\n", what, conns,
              r.rps, r.p50_ms, r.p99_ms, static_cast<unsigned long long>(r.ok),
              static_cast<unsigned long long>(r.failed), versus.c_str());
  std::fflush(stdout);
}

}  // namespace comity::bench
