// Seeded generator of varied, valid requests (JSON), for property tests and
// the engine benchmark. The same seed always yields the same requests.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

namespace comity::test {

std::vector<nlohmann::json> generate_requests(size_t count, uint64_t seed);

}  // namespace comity::test
