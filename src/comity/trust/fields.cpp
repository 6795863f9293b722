#include "comity/trust/fields.hpp"

#include <algorithm>
#include <cctype>

#include "comity/crypto/age.hpp"

namespace comity::trust {

using nlohmann::json;

[[noreturn]] void malformed(const std::string& path, const std::string& message) {
  throw TrustError(TrustError::Code::Malformed, path, path + ": " + message);
}

Reader::Reader(const json& j, std::string path, std::initializer_list<const char*> allowed)
    : j_(j), path_(std::move(path)) {
  if (!j.is_object()) malformed(path_, "expected an object");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char* k) { return it.key() == k; }))
      malformed(at(it.key()), "unknown member");
}

std::string string_member(const json& obj, const char* key, const std::string& path, bool required, size_t max) {
  const std::string at = path + "." + key;
  auto it = obj.find(key);
  if (it == obj.end()) {
    if (required) malformed(at, "required");
    return {};
  }
  if (!it->is_string() || it->get_ref<const std::string&>().empty() || it->get_ref<const std::string&>().size() > max)
    malformed(at, "expected a non-empty string of at most " + std::to_string(max) + " bytes");
  return it->get<std::string>();
}

std::string Reader::str(const char* key, bool required, size_t max) const {
  return string_member(j_, key, path_, required, max);
}

void Reader::type(const char* expected) const {
  if (str("type") != expected) malformed(at("type"), std::string("expected \"") + expected + "\"");
}

Instant Reader::instant(const char* key) const {
  auto t = parse_instant(str(key));
  if (!t) malformed(at(key), "expected an ISO 8601 date-time with zone, e.g. 2026-11-23T10:00:00Z");
  return *t;
}

std::string Reader::key(const char* name, bool required) const {
  std::string text = str(name, required);
  if (!text.empty()) parse_key_text(text, at(name));
  return text;
}

std::string Reader::recipient(const char* name) const {
  std::string text = str(name);
  try {
    crypto::parse_age_recipient(text);
  } catch (const crypto::AgeError&) {
    malformed(at(name), "expected an X25519 age recipient (age1...)");
  }
  return text;
}

std::string Reader::state(const char* name) const {
  std::string s = str(name);
  if (s.size() != 2 || !std::isupper(static_cast<unsigned char>(s[0])) ||
      !std::isupper(static_cast<unsigned char>(s[1])))
    malformed(at(name), "expected a two-letter state code");
  return s;
}

const json& Reader::get(const char* key) const {
  if (!j_.contains(key)) malformed(at(key), "required");
  return j_.at(key);
}

crypto::Signature signature_of(const json& doc, const char* member, const std::string& path) {
  auto it = doc.find(member);
  if (it == doc.end()) malformed(path + "." + member, "required");
  auto raw = it->is_string() ? crypto::base64_decode(it->get<std::string>()) : std::nullopt;
  if (!raw || raw->size() != 64) malformed(path + "." + member, "expected the base64 of a 64-byte Ed25519 signature");
  crypto::Signature s;
  std::copy(raw->begin(), raw->end(), s.begin());
  return s;
}

}  // namespace comity::trust
