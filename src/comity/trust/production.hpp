// Signed production manifests: the chain-of-custody record of evidence a
// provider produces for a case.
//
//   {"type": "comity.production/v1", "id": "prod-…", "case": "<case id>",
//    "order": "<signed order id>", "provider": "<provider party id>",
//    "recipients": ["age1…"],
//    "files": [{"name", "plaintext_bytes", "plaintext_sha256",
//               "ciphertext_bytes", "ciphertext_sha256", "sealed_at"}],
//    "signed_at": "…", "signer": "ed25519:…", "signature": "…"}
//
// The provider's person signs the RFC 8785 form of the manifest without its
// signature; the signer's chain must lead from a provider-role credential of
// `provider` to its State's anchor. The digests bind each file: the
// ciphertext digest lets anyone holding the bytes (the exchange included)
// check them without a key; the plaintext digest lets the recipient check
// what it decrypted. See docs/evidence-encryption.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "comity/trust/credentials.hpp"

namespace comity::trust {

struct ManifestFile {
  std::string name;
  uint64_t plaintext_bytes = 0, ciphertext_bytes = 0;
  std::string plaintext_sha256, ciphertext_sha256;  // lower-case hex
  Instant sealed_at = 0;
};

struct Manifest {
  std::string id, case_id, order_id, provider, signer;
  std::vector<std::string> recipients;
  std::vector<ManifestFile> files;
  Instant signed_at = 0;
  nlohmann::json doc;
};

// Shape only (and a file name that is a plain name: no '/', not '.' or
// '..', no control characters). Throws TrustError(Malformed, path).
Manifest parse_manifest(const nlohmann::json& doc, const std::string& path = "$");

// The signed document for `m` (its doc, signer and signature are set here).
nlohmann::json sign_manifest(const Manifest& m, const crypto::SigningKey& key, Instant signed_at);

struct VerifiedManifest {
  Manifest manifest;
  Chain chain;  // the provider's person → provider → anchor
};

// Verifies the signature and the signer's chain at `at`: a provider-role
// credential of the manifest's provider. Throws TrustError (BadSignature,
// WrongChain, UnknownSigner, Revoked, Expired, Malformed) with the path.
VerifiedManifest verify_manifest(const nlohmann::json& doc, const TrustStore& trust, Instant at);

// The manifest as CASE/UCO 1.3 JSON-LD (docs/evidence-encryption.md): one
// uco-observable:File per file with its hashes, an investigation action
// "production" by the provider's person, and the signature as a
// provenance record.
nlohmann::json case_uco(const VerifiedManifest& verified);

}  // namespace comity::trust
