// Evidence encryption in the age v1 format (age-encryption.org/v1), so the
// standard `age` tool opens what Comity seals and the reverse. X25519
// recipients only; streaming in 64 KiB chunks, in constant memory; the
// SHA-256 of plaintext and ciphertext computed in the same pass.
// See docs/evidence-encryption.md.
#pragma once

#include <array>
#include <cstdint>
#include <istream>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "comity/util/error.hpp"

namespace comity::crypto {

// A malformed key, header or stream, a failed authentication or a wrong
// identity; the message names which.
// ErrorKind::IntegrityFailed: a file that does not open: altered, cut short, or not for this identity.
struct AgeError : Error {
  explicit AgeError(const std::string& what) : Error(ErrorKind::IntegrityFailed, what) {}
};

using X25519Public = std::array<uint8_t, 32>;

// An X25519 identity (secret key). Copyable value; wipe with clear().
class AgeIdentity {
 public:
  static AgeIdentity generate();
  // "AGE-SECRET-KEY-1…" (Bech32, as age-keygen writes it). Throws AgeError.
  static AgeIdentity parse(std::string_view text);
  // Reads the first AGE-SECRET-KEY line of an identity file (comments allowed).
  static AgeIdentity parse_file_text(std::string_view text);
  std::string to_string() const;
  X25519Public public_key() const;
  // The X25519 shared secret with `peer`. Throws AgeError if it is all zeros.
  std::array<uint8_t, 32> agree(const X25519Public& peer) const;
  void clear();

 private:
  std::array<uint8_t, 32> secret_{};
};

// "age1…" recipient strings.
std::string age_recipient(const X25519Public& key);
X25519Public parse_age_recipient(std::string_view text);  // throws AgeError

struct AgeStreamFacts {
  uint64_t plaintext_bytes = 0, ciphertext_bytes = 0;
  std::string plaintext_sha256, ciphertext_sha256;  // hex; ciphertext_sha256 empty unless asked for
};

// Which SHA-256 digests a pass computes, each on its own thread beside the
// cipher. On two cores a third busy thread costs a quarter of the speed, so
// the ciphertext's digest is computed only where it is needed (a manifest).
enum class Digests : uint8_t { Plaintext, PlaintextAndCiphertext };

// Encrypts `in` to every recipient, writing the age file to `out`.
// REQUIRES: at least one recipient.
AgeStreamFacts age_seal(std::istream& in, std::ostream& out, const std::vector<X25519Public>& recipients,
                        Digests digests = Digests::PlaintextAndCiphertext);
// Decrypts an age file with `identity`. Each chunk is authenticated before
// it is written, but a stream cut short is detected only at its end: write
// to a temporary file and keep it only if this returns. Throws AgeError.
AgeStreamFacts age_open(std::istream& in, std::ostream& out, const AgeIdentity& identity,
                        Digests digests = Digests::PlaintextAndCiphertext);

}  // namespace comity::crypto
