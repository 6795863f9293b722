// SHA-256 via OpenSSL 3 (EVP), hex-encoded.
#pragma once

#include <string>
#include <string_view>

namespace comity {

// Incremental SHA-256. Not copyable.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view bytes);
  // Returns the lower-case hex digest. REQUIRES: called once.
  std::string hex_digest();

 private:
  void* ctx_;
};

std::string sha256_hex(std::string_view bytes);

// Lower-case hex of arbitrary bytes (two digits a byte).
std::string hex_encode(std::string_view bytes);

}  // namespace comity
