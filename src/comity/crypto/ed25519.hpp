// Ed25519 signing keys (OpenSSL 3) and standard base64, for signed notes
// now and for authority credentials and signed orders later.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "comity/util/error.hpp"

namespace comity::crypto {

using PublicKey = std::array<uint8_t, 32>;
using Signature = std::array<uint8_t, 64>;

// Thrown when a key cannot be made, read or written, or OpenSSL fails.
// ErrorKind::Invalid: an unreadable key, or no randomness.
struct CryptoError : Error {
  explicit CryptoError(const std::string& what) : Error(ErrorKind::Invalid, what) {}
};

// An Ed25519 private key. Movable, not copyable; the key material never
// leaves OpenSSL except through save_pem().
class SigningKey {
 public:
  static SigningKey generate();
  // Reads a PKCS#8 PEM private key (as `openssl genpkey -algorithm ed25519`
  // writes it). Throws CryptoError if unreadable or not Ed25519.
  static SigningKey load_pem(const std::string& path);
  // Writes the key as PKCS#8 PEM, readable by its owner only (mode 0600);
  // fails rather than replace an existing file.
  void save_pem(const std::string& path) const;
  PublicKey public_key() const;
  Signature sign(std::string_view message) const;

  SigningKey(SigningKey&&) noexcept;
  SigningKey& operator=(SigningKey&&) noexcept;
  ~SigningKey();

 private:
  explicit SigningKey(void* pkey) : pkey_(pkey) {}
  void* pkey_;  // EVP_PKEY*
};

// True iff `signature` is `key`'s Ed25519 signature of `message`.
bool verify(const PublicKey& key, std::string_view message, const Signature& signature);

// `n` bytes from OpenSSL's CSPRNG. Throws CryptoError if it has none.
std::string random_bytes(size_t n);

// Standard base64 (RFC 4648 §4, with padding).
std::string base64_encode(std::string_view bytes);
// nullopt unless `text` is canonical padded base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace comity::crypto
