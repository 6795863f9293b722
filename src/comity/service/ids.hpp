// Identifier sources: random UUIDv4 (OpenSSL's CSPRNG) in production, a
// counter in tests.
#pragma once

#include <cstdint>
#include <string>

namespace comity {

class IdSource {
 public:
  virtual ~IdSource() = default;
  virtual std::string next() = 0;
};

class RandomIds final : public IdSource {
 public:
  std::string next() override;  // RFC 9562 version 4; throws if the CSPRNG fails
};

class SequentialIds final : public IdSource {
 public:
  explicit SequentialIds(std::string prefix) : prefix_(std::move(prefix)) {}
  std::string next() override { return prefix_ + std::to_string(++n_); }

 private:
  std::string prefix_;
  uint64_t n_ = 0;
};

}  // namespace comity
