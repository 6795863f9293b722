// Strict reading of the trust layer's JSON documents (internal to
// src/comity/trust/ and src/comity/fed/, whose documents follow the same rules): every member known, every required one
// present with the right shape, and each refusal a TrustError(Malformed) naming the member.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "comity/trust/credentials.hpp"

namespace comity::trust {

[[noreturn]] void malformed(const std::string& path, const std::string& message);

// Member `key` of object `obj` at `path`: a non-empty string of at most
// `max` bytes, or "" when absent and not required.
std::string string_member(const nlohmann::json& obj, const char* key, const std::string& path, bool required = true,
                          size_t max = 1024);

// One JSON object at `path`, read member by member.
class Reader {
 public:
  // Malformed unless `j` is an object whose members are all in `allowed`.
  Reader(const nlohmann::json& j, std::string path, std::initializer_list<const char*> allowed);
  std::string at(std::string_view key) const { return path_ + "." + std::string(key); }
  bool has(const char* key) const { return j_.contains(key); }
  // A non-empty string of at most `max` bytes ("" if absent and not required).
  std::string str(const char* key, bool required = true, size_t max = 1024) const;
  void type(const char* expected) const;                          // "type" is exactly `expected`
  Instant instant(const char* key) const;                         // ISO 8601 with zone
  std::string key(const char* name, bool required = true) const;  // "ed25519:…"
  std::string recipient(const char* name) const;                  // "age1…"
  std::string state(const char* name) const;                      // two capital letters
  const nlohmann::json& get(const char* key) const;               // any value, required

 private:
  const nlohmann::json& j_;
  std::string path_;
};

// The Ed25519 signature in `doc`'s `member` (base64 of 64 bytes).
crypto::Signature signature_of(const nlohmann::json& doc, const char* member, const std::string& path);

}  // namespace comity::trust
