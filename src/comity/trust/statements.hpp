// Signed provider statements (docs/provider-statements.md): a provider's
// published statement of how it treats requests, signed by one of its
// people so that whoever reads it knows who said it.
//
//   {"type": "comity.signed-provider-statement/v1",
//    "statement": {...comity.provider-statement/1...},
//    "signed_at": "…", "signer": "ed25519:…", "signature": "…"}
//
// The signature is over the RFC 8785 form of the document without its
// signature; the signer's chain must lead from a provider-role credential of
// the statement's provider (statement.provider.id) to its State's anchor.
// This layer checks the envelope and the signature only; the statement's
// own content is checked by its parser (model/provider_statement.hpp).
#pragma once

#include <string>

#include "comity/trust/credentials.hpp"

namespace comity::trust {

// `statement` signed by `key` at `signed_at`. The statement is not checked here.
nlohmann::json sign_statement(const nlohmann::json& statement, const crypto::SigningKey& key, Instant signed_at);

struct VerifiedStatement {
  nlohmann::json statement;  // as signed
  std::string provider, signer;
  Instant signed_at = 0;
  Chain chain;  // the provider's person → provider → anchor
};

// Verifies the envelope's shape, its signature and the signer's chain at
// `at`. Throws TrustError with the path of the member at fault: Malformed,
// BadSignature (altered or forged), UnknownSigner, WrongChain (not a person
// of the statement's provider), Revoked, Expired, NotYetValid.
VerifiedStatement verify_statement(const nlohmann::json& doc, const TrustStore& trust, Instant at);

}  // namespace comity::trust
