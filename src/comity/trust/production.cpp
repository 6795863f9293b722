#include "comity/trust/production.hpp"

#include <algorithm>
#include <initializer_list>

#include "comity/crypto/age.hpp"
#include "comity/trust/fields.hpp"
#include "comity/util/jcs.hpp"

namespace comity::trust {

using nlohmann::json;

namespace {

constexpr const char* kType = "comity.production/v1";
constexpr uint64_t kMaxBytes = uint64_t{1} << 53;

uint64_t count(const Reader& r, const char* key) {
  const json& v = r.get(key);
  if (!v.is_number_unsigned() || v.get<uint64_t>() > kMaxBytes)
    malformed(r.at(key), "expected a byte count (a non-negative integer up to 2^53)");
  return v.get<uint64_t>();
}

std::string digest(const Reader& r, const char* key) {
  std::string d = r.str(key, true, 64);
  if (d.size() != 64 ||
      !std::all_of(d.begin(), d.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }))
    malformed(r.at(key), "expected a SHA-256 digest: 64 lower-case hex digits");
  return d;
}

bool plain_name(const std::string& n) {
  if (n == "." || n == "..") return false;
  return std::none_of(n.begin(), n.end(),
                      [](char c) { return c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20; });
}

json hash_json(const std::string& hex) {
  return json::array({{{"@type", "uco-types:Hash"},
                       {"uco-types:hashMethod", {{"@type", "uco-vocabulary:HashNameVocab"}, {"@value", "SHA256"}}},
                       {"uco-types:hashValue", {{"@type", "xsd:hexBinary"}, {"@value", hex}}}}});
}

json datetime(Instant t) {
  return {{"@type", "xsd:dateTime"}, {"@value", format_instant(t)}};
}

}  // namespace

Manifest parse_manifest(const json& doc, const std::string& path) {
  Reader fields(doc, path,
                {"type", "id", "case", "order", "provider", "recipients", "files", "signed_at", "signer", "signature"});
  fields.type(kType);
  Manifest m;
  m.id = fields.str("id", true, 256);
  m.case_id = fields.str("case", true, 256);
  m.order_id = fields.str("order", false, 256);
  m.provider = fields.str("provider", true, 256);
  m.signed_at = fields.instant("signed_at");
  m.signer = fields.key("signer");
  const json* r = doc.contains("recipients") ? &doc["recipients"] : nullptr;
  if (!r || !r->is_array() || r->empty() || r->size() > 16)
    malformed(path + ".recipients", "expected 1 to 16 age recipients (age1…)");
  for (size_t i = 0; i < r->size(); ++i) {
    std::string at = path + ".recipients[" + std::to_string(i) + "]";
    if (!(*r)[i].is_string()) malformed(at, "expected an age recipient (age1…)");
    try {
      crypto::parse_age_recipient((*r)[i].get<std::string>());
    } catch (const crypto::AgeError&) {
      malformed(at, "expected an X25519 age recipient (age1…)");
    }
    m.recipients.push_back((*r)[i].get<std::string>());
  }
  const json* f = doc.contains("files") ? &doc["files"] : nullptr;
  if (!f || !f->is_array() || f->empty() || f->size() > 1000) malformed(path + ".files", "expected 1 to 1000 files");
  for (size_t i = 0; i < f->size(); ++i) {
    std::string at = path + ".files[" + std::to_string(i) + "]";
    Reader e((*f)[i], at,
             {"name", "plaintext_bytes", "plaintext_sha256", "ciphertext_bytes", "ciphertext_sha256", "sealed_at"});
    ManifestFile mf{e.str("name", true, 255),      count(e, "plaintext_bytes"),    count(e, "ciphertext_bytes"),
                    digest(e, "plaintext_sha256"), digest(e, "ciphertext_sha256"), e.instant("sealed_at")};
    if (!plain_name(mf.name))
      malformed(at + ".name", "a plain file name: no '/', '\\', control characters, '.' or '..'");
    for (const auto& other : m.files)
      if (other.name == mf.name) malformed(at + ".name", "a second file named " + mf.name);
    m.files.push_back(std::move(mf));
  }
  signature_of(doc, "signature", path);
  m.doc = doc;
  return m;
}

json sign_manifest(const Manifest& m, const crypto::SigningKey& key, Instant signed_at) {
  json files = json::array();
  for (const auto& f : m.files)
    files.push_back({{"name", f.name},
                     {"plaintext_bytes", f.plaintext_bytes},
                     {"plaintext_sha256", f.plaintext_sha256},
                     {"ciphertext_bytes", f.ciphertext_bytes},
                     {"ciphertext_sha256", f.ciphertext_sha256},
                     {"sealed_at", format_instant(f.sealed_at)}});
  json doc = {{"type", kType},
              {"id", m.id},
              {"case", m.case_id},
              {"provider", m.provider},
              {"recipients", m.recipients},
              {"files", std::move(files)},
              {"signed_at", format_instant(signed_at)},
              {"signer", key_text(key.public_key())}};
  if (!m.order_id.empty()) doc["order"] = m.order_id;
  return sign_document(std::move(doc), key);
}

VerifiedManifest verify_manifest(const json& doc, const TrustStore& trust, Instant at) {
  VerifiedManifest v{parse_manifest(doc), {}};
  if (!crypto::verify(parse_key_text(v.manifest.signer, "$.signer"), signed_bytes(doc),
                      signature_of(doc, "signature", "$")))
    throw TrustError(TrustError::Code::BadSignature, "$.signature",
                     "the manifest's signature does not verify: it was altered after signing, or not signed by " +
                         v.manifest.signer);
  v.chain = trust.verify_signer(v.manifest.signer, at, "$.signer");
  const ChainLink& who = v.chain.front();
  if (who.level != "user" || who.role != "provider" || who.party != v.manifest.provider)
    throw TrustError(TrustError::Code::WrongChain, "$.signer",
                     "the manifest must be signed by a person of the provider " + v.manifest.provider + "; " +
                         v.manifest.signer + " is " + (who.role.empty() ? "a party key" : "a " + who.role) + " of " +
                         who.party + " (" + who.state + ")");
  return v;
}

json case_uco(const VerifiedManifest& v) {
  const Manifest& m = v.manifest;
  const ChainLink& person = v.chain.front();
  const std::string base = "kb:" + m.id;
  json graph = json::array();
  graph.push_back({{"@id", base + "-provider"}, {"@type", "uco-identity:Organization"}, {"uco-core:name", m.provider}});
  graph.push_back(
      {{"@id", base + "-producer"},
       {"@type", "uco-identity:Person"},
       {"uco-core:name", person.name},
       {"uco-core:description", "signing key " + person.signing_key + ", credential " + person.credential}});
  std::string authorization = base + "-order";
  graph.push_back({{"@id", authorization},
                   {"@type", "case-investigation:Authorization"},
                   {"case-investigation:authorizationType", "order"},
                   {"case-investigation:authorizationIdentifier", m.order_id.empty() ? m.case_id : m.order_id}});
  json results = json::array();
  for (size_t i = 0; i < m.files.size(); ++i) {
    const auto& f = m.files[i];
    std::string file = base + "-file-" + std::to_string(i), sealed = base + "-sealed-" + std::to_string(i);
    graph.push_back({{"@id", file},
                     {"@type", "uco-observable:File"},
                     {"uco-core:hasFacet",
                      {{{"@type", "uco-observable:FileFacet"},
                        {"uco-observable:fileName", f.name},
                        {"uco-observable:sizeInBytes", f.plaintext_bytes}},
                       {{"@type", "uco-observable:ContentDataFacet"},
                        {"uco-observable:sizeInBytes", f.plaintext_bytes},
                        {"uco-observable:hash", hash_json(f.plaintext_sha256)}}}}});
    graph.push_back({{"@id", sealed},
                     {"@type", "uco-observable:ContentData"},
                     {"uco-core:hasFacet",
                      {{{"@type", "uco-observable:ContentDataFacet"},
                        {"uco-observable:sizeInBytes", f.ciphertext_bytes},
                        {"uco-observable:mimeType", "application/x-age-encryption"},
                        {"uco-observable:hash", hash_json(f.ciphertext_sha256)}},
                       {{"@type", "uco-observable:EncryptedStreamFacet"},
                        {"uco-observable:encryptionMethod", "age-encryption.org/v1 (X25519, ChaCha20-Poly1305)"}}}}});
    graph.push_back({{"@id", base + "-relationship-" + std::to_string(i)},
                     {"@type", "uco-observable:ObservableRelationship"},
                     {"uco-core:source", {{"@id", file}}},
                     {"uco-core:target", {{"@id", sealed}}},
                     {"uco-core:kindOfRelationship", "Decrypted_From"},
                     {"uco-core:isDirectional", true}});
    results.push_back({{"@id", file}});
    results.push_back({{"@id", sealed}});
  }
  graph.push_back({{"@id", base + "-production"},
                   {"@type", "case-investigation:InvestigativeAction"},
                   {"uco-core:name", "production"},
                   {"uco-core:description", "Produced by " + m.provider + " for case " + m.case_id},
                   {"uco-action:performer", {{"@id", base + "-producer"}}},
                   {"uco-action:instrument", {{"@id", base + "-provider"}}},
                   {"uco-action:object", {{"@id", authorization}}},
                   {"uco-action:endTime", datetime(m.signed_at)},
                   {"uco-action:result", results}});
  graph.push_back(
      {{"@id", base + "-provenance"},
       {"@type", "case-investigation:ProvenanceRecord"},
       {"case-investigation:exhibitNumber", m.id},
       {"uco-core:description", "Comity production manifest signed by " + m.signer +
                                    " (Ed25519 over its RFC 8785 form): " + m.doc["signature"].get<std::string>()},
       {"uco-core:object", results}});
  return {{"@context",
           {{"kb", "urn:comity:production:"},
            {"case-investigation", "https://ontology.caseontology.org/case/investigation/"},
            {"uco-action", "https://ontology.unifiedcyberontology.org/uco/action/"},
            {"uco-core", "https://ontology.unifiedcyberontology.org/uco/core/"},
            {"uco-identity", "https://ontology.unifiedcyberontology.org/uco/identity/"},
            {"uco-observable", "https://ontology.unifiedcyberontology.org/uco/observable/"},
            {"uco-types", "https://ontology.unifiedcyberontology.org/uco/types/"},
            {"uco-vocabulary", "https://ontology.unifiedcyberontology.org/uco/vocabulary/"},
            {"xsd", "http://www.w3.org/2001/XMLSchema#"}}},
          {"@graph", graph}};
}

}  // namespace comity::trust
