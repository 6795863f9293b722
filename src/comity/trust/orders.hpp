// Signed orders: a request or order with the detached signatures of the
// people who issue and, where the law requires, validate it.
//
// The envelope (docs/trust.md):
//
//   {"order": {"type": "comity.order/v1", "id", "nonce", "issued_at",
//              "expires_at", "request": {...the request...}},
//    "signatures": [{"role": "officer" | "validator", "signer": "ed25519:…",
//                    "signature": base64}]}
//
// Every signature is over the RFC 8785 canonical form of "order", so adding
// the validator's signature later leaves the officer's intact. The officer
// must hold a credential of the request's issuing authority (its
// `issuing_authority.id`, in the requesting state); when the request names a
// validating authority, a validator of that authority must sign too. Each
// signer's chain is checked at the instant of verification (credentials.hpp).
// Emergencies change nothing here: an emergency order is signed like any
// other. Replay (an id or nonce used before) is for the keeper of the
// order register to check; it is not knowable from one envelope.
#pragma once

#include <string>
#include <vector>

#include "comity/trust/credentials.hpp"

namespace comity::trust {

// Whether a validator's signature may still be missing: at submission it
// follows at the validation step; before transmission it must be there.
enum class Completeness : uint8_t { AllSignatures, ValidatorMayFollow };

struct OrderSignature {
  std::string role;  // officer or validator
  Chain chain;
};

struct VerifiedOrder {
  nlohmann::json order;  // the signed "order" object
  std::string id, nonce;
  Instant issued_at = 0, expires_at = 0;
  std::vector<OrderSignature> signatures;
  bool awaiting_validator = false;  // a validator must still sign
};

// An unsigned envelope around `request`. `nonce`: at least 16 random bytes
// in base64.
nlohmann::json make_order(const nlohmann::json& request, const std::string& id, const std::string& nonce,
                          Instant issued_at, Instant expires_at);
// `envelope` with one more signature, by `key` in `role`. Throws
// TrustError(Malformed) if the envelope is malformed or `role` is unknown.
nlohmann::json sign_order(nlohmann::json envelope, const std::string& role, const crypto::SigningKey& key);

// Verifies an envelope at `at` against `trust`. Throws TrustError with the
// path of the member at fault: Malformed, Expired / NotYetValid (the order
// or a credential), BadSignature (altered or forged), UnknownSigner,
// WrongChain (signer of another authority or role), Revoked,
// MissingSignature.
VerifiedOrder verify_order(const nlohmann::json& envelope, const TrustStore& trust, Instant at,
                           Completeness completeness);

// The verified signatures as JSON for a case view: role, signer and chain.
nlohmann::json verified_json(const VerifiedOrder& order);

}  // namespace comity::trust
