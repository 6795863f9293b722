// HTTP Message Signatures (RFC 9421) with Ed25519 over an RFC 9530
// Content-Digest, in the one profile Comity's nodes speak to each other
// (docs/federation.md §3, "The HTTP layer"):
//
//   Content-Digest: sha-256=:<base64 SHA-256 of the body>:
//   Signature-Input: comity=("@method" "@authority" "@path" "content-type"
//     "content-digest");created=N;expires=N;nonce="…";keyid="…";tag="comity-fed/v1"
//     (one line on the wire)
//   Signature: comity=:<base64 of the 64-byte Ed25519 signature>:
//
// The verifier is strict where RFC 9421 §3.2.1 lets an application be: the
// label is `comity`; exactly these five components in this order; every one
// of the five parameters present, once, and no other (no `alg`: the key type
// decides, §3.2 step 6); `expires` after `created` and at most 300 s later;
// `created` no more than 300 s from the verifier's clock either way; the
// digest recomputed over the bytes received (§7.2.8). The signature base is
// built as RFC 9421 §2.5 says: one line per component, `"name": value`, and
// the last line `"@signature-params": ` and the serialised inner list.
// Header values are parsed as RFC 8941 structured fields, only the subset
// this profile uses (a dictionary of one member; inner lists of strings;
// integer, string and token parameters; byte sequences); anything else is
// refused, never guessed at.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "comity/crypto/ed25519.hpp"
#include "comity/util/date.hpp"
#include "comity/util/error.hpp"

namespace comity::fed {

// The RFC 9421 `tag` of every federation request.
inline constexpr std::string_view kSignatureTag = "comity-fed/v1";
// The longest a signature may live, and the clock skew tolerated either way.
inline constexpr int64_t kSignatureWindowSeconds = 300;

// A request that does not authenticate: ErrorKind::Unauthenticated, `reason`
// one of "digest_missing", "digest_mismatch", "signature_missing",
// "signature_malformed", "signature_expired", "signature_not_yet_valid",
// "unknown_key", "bad_signature" — and, from the federation service that
// applies this profile, "wrong_authority" (a request for another node's
// endpoint) and "signature_replayed" (a nonce seen before); field_errors
// name the header
// ("header:Signature-Input") and what was expected.
struct SignatureError : Error {
  SignatureError(std::string_view reason, std::string_view header, const std::string& message);
};

// "sha-256=:<base64>:" for `body` (RFC 9530 §2).
std::string content_digest(std::string_view body);

// What a signed request covers, as the receiver sees it. `authority` is the
// Host header's value as sent (lower-cased by the verifier, RFC 9421
// §2.2.3); `path` the request target's path without the query.
struct RequestParts {
  std::string_view method, authority, path, content_type;
};

// The three headers of a signed request.
struct SignedHeaders {
  std::string content_digest, signature_input, signature;
};

// Signs `body` sent as `parts` with `key` under `keyid`, created at
// `created`, expiring `lifetime` seconds later (REQUIRES 0 < lifetime <=
// kSignatureWindowSeconds), with `nonce` (REQUIRES: 1-64 characters of
// base64). `keyid` REQUIRES printable ASCII without '"' or '\\'.
SignedHeaders sign_request(const RequestParts& parts, std::string_view body, const crypto::SigningKey& key,
                           std::string_view keyid, Instant created, std::string_view nonce,
                           int64_t lifetime = kSignatureWindowSeconds);

// What a verified signature said.
struct VerifiedSignature {
  std::string keyid, nonce;
  Instant created = 0, expires = 0;
};

// The public key a `keyid` names, or nullopt for a key the verifier does not
// know (refused as "unknown_key").
using KeyLookup = std::function<std::optional<crypto::PublicKey>(std::string_view keyid)>;

// Verifies a request: the Content-Digest header (`content_digest_header`,
// empty when absent) against `body`, the Signature-Input and Signature
// headers against `parts`, the window against `now`, and the signature
// under `key_of(keyid)`. Throws SignatureError naming what failed. Replay
// within the window is the caller's to refuse, by the returned nonce.
VerifiedSignature verify_request(const RequestParts& parts, std::string_view body,
                                 std::string_view content_digest_header, std::string_view signature_input_header,
                                 std::string_view signature_header, Instant now, const KeyLookup& key_of);

}  // namespace comity::fed
