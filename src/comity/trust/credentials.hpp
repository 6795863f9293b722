// Trust: who may sign for whom. Keys, credentials, revocations, bundles.
//
// Every signer in Comity is reached from a state's central authority along a
// chain of at most two credentials (docs/trust.md has the formats):
//
//   anchor          the central authority's self-signed key, imported by the
//                   operator (a root of trust for one state)
//   party           a credential the anchor issues to an authority or a
//                   provider of its state: its kind and keys
//   user            a credential the party issues to one of its people: the
//                   role (officer, validator, ...) and keys
//
// Every document is a JSON object signed over its RFC 8785 canonical form
// without the `signature` member (util/jcs.hpp). A credential binds two
// keys: Ed25519 for signing and X25519 (an age recipient) for evidence.
//
// A chain is valid at an instant when each credential is within its validity,
// its signature verifies under its issuer's key, the issuer is the right
// kind for it (an anchor of the same state for a party; the same party's
// credential for a user, with a role that fits the party's kind), and no key
// on the way is revoked at that instant. A key is revoked by a signed,
// numbered revocation list from its issuer, from an anchor of its state or
// from itself; a newer list from the same issuer replaces an older one.
// Rotating an anchor publishes a new anchor document that names the key it
// replaces and carries that key's signature as well, so verifiers that trust
// the old anchor can move to the new one without an out-of-band step.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "comity/crypto/ed25519.hpp"
#include "comity/util/date.hpp"
#include "comity/util/error.hpp"

namespace comity::trust {

// A refused document or signature: `code` says why, `path` names the JSON
// member at fault ("$.signatures[0].signature"), the message says what was
// expected or which key, credential or instant is involved. Its ErrorKind
// is Untrusted (Conflict for a replay or a stale list); `reason` is error_code(code) and field_errors holds
// the path.
struct TrustError : Error {
  enum class Code : uint8_t {
    Malformed,         // not the documented shape
    BadSignature,      // a signature that does not verify (forged or altered)
    UnknownSigner,     // no credential or anchor for the key
    WrongChain,        // a chain that does not lead where it must
    Revoked,           // a key on a revocation list
    Expired,           // a credential or order past its end
    NotYetValid,       // a credential or order before its start
    Replayed,          // an order id or nonce already used
    MissingSignature,  // a signature the order needs is absent
    AnchorConflict,    // a second anchor for a state without the first one's consent
    Stale,             // a revocation list no newer than the one in force
  };
  TrustError(Code c, std::string at, const std::string& message);
  Code code;
  std::string path;
};

// "malformed", "bad_signature", "unknown_signer", "wrong_chain", "revoked",
// "expired", "not_yet_valid", "replayed", "missing_signature",
// "anchor_conflict", "stale".
std::string_view error_code(TrustError::Code code);

// A signing key as text: "ed25519:" and the standard base64 of its 32 bytes.
std::string key_text(const crypto::PublicKey& key);
// Throws TrustError(Malformed, path) unless `text` is such a key.
crypto::PublicKey parse_key_text(std::string_view text, const std::string& path);

// `doc` with a "signature" member: `key`'s Ed25519 signature over the
// canonical form of `doc` (which must not have one yet).
nlohmann::json sign_document(nlohmann::json doc, const crypto::SigningKey& key);
// The canonical bytes a document's `signature` covers: `doc` without it.
std::string signed_bytes(const nlohmann::json& doc);

// Whether a user role may belong to a party of a kind: officers to issuing
// authorities, validators to validating or issuing authorities, and so on
// (docs/permissions.md). Unknown roles fit nothing; no role fits a node (a
// node's key signs envelopes, receipts and its peer list, never an order,
// and it issues no credential).
bool role_fits_party_kind(std::string_view role, std::string_view kind);

struct Anchor {
  std::string state, party, name, signing_key, encryption_key;
  Instant not_before = 0, not_after = 0;
  std::string replaces;  // the key this anchor rotates out, or empty
  nlohmann::json doc;
};

// A party a node may speak for (docs/federation.md §2): its id and kind.
struct HostedParty {
  std::string party, kind;
};

struct Subject {
  std::string party, state, kind;                 // kind: issuing_authority, validating_authority, provider, ..., node
  std::string user, role;                         // set for a user's credential only
  std::string name, signing_key, encryption_key;  // encryption_key: "" for a node
  // A node's credential only (kind "node", party: the node id): its log's
  // and its witness's keys ("ed25519:…", each different from signing_key and
  // from each other) and the parties of its state it may speak for (at least
  // one, each once, none of kind node). A node has no encryption key: it
  // never opens evidence.
  std::string log_key{}, witness_key{};
  std::vector<HostedParty> hosts{};
};

struct Credential {
  std::string id, issuer;  // issuer: the signing key that signed it
  Subject subject;
  Instant issued_at = 0, expires_at = 0;
  nlohmann::json doc;
};

struct Revocation {
  std::string key, reason;  // reason: superseded, compromised, left_office, other
  Instant effective = 0;
};

struct RevocationList {
  std::string issuer;
  int64_t sequence = 0;
  Instant issued_at = 0;
  std::vector<Revocation> entries;
  nlohmann::json doc;
};

// Parsing checks shape and, for anchors, the self-signature and the
// rotation signature. Each throws TrustError naming the member at fault,
// under `path`.
Anchor parse_anchor(const nlohmann::json& doc, const std::string& path = "$");
Credential parse_credential(const nlohmann::json& doc, const std::string& path = "$");
RevocationList parse_revocations(const nlohmann::json& doc, const std::string& path = "$");

// Making documents. `previous` signs a rotated anchor with the key it
// replaces (and names it in "replaces").
nlohmann::json make_anchor(const Anchor& fields, const crypto::SigningKey& key,
                           const crypto::SigningKey* previous = nullptr);
nlohmann::json issue_credential(const std::string& id, const Subject& subject, const crypto::SigningKey& issuer,
                                Instant issued_at, Instant expires_at);
nlohmann::json sign_revocations(const crypto::SigningKey& issuer, int64_t sequence, Instant issued_at,
                                const std::vector<Revocation>& entries);

// One step of a verified chain, signer first, anchor last.
struct ChainLink {
  std::string level;  // "user", "party" or "anchor"
  std::string party, state, kind, user, role, name, signing_key, encryption_key, credential;
  Instant expires_at = 0;
};
using Chain = std::vector<ChainLink>;
nlohmann::json chain_json(const Chain& chain);

// How a second anchor for a state is taken.
enum class AnchorChange : uint8_t {
  RequireCrossSignature,  // only if the current anchor signed the rotation
  OperatorOverride,       // the operator replaces the anchor by hand
};

// The anchors, credentials and revocation lists a verifier knows. A value:
// copy it to try an import and keep the copy only if it succeeds.
class TrustStore {
 public:
  // Adds an anchor. Throws TrustError (Malformed, BadSignature,
  // AnchorConflict when the state has another anchor that did not sign it).
  void add_anchor(const nlohmann::json& doc, AnchorChange change);
  // Adds a credential after checking its shape and its signature under the
  // issuer key it names; whether that key may issue it (its chain) is
  // checked when it is used, so credentials may arrive before their issuer.
  // Throws TrustError: Malformed (also a different document under a known
  // id), BadSignature.
  void add_credential(const nlohmann::json& doc);
  // Adds a revocation list signed by a key this store knows (an anchor or a
  // credential's subject); an older or equal sequence from the same issuer
  // is ignored. Throws TrustError.
  void add_revocations(const nlohmann::json& doc);
  // A bundle {"type": "comity.trust-bundle/v1", anchors, credentials,
  // revocations}, in that order; all or nothing.
  void add_bundle(const nlohmann::json& bundle, AnchorChange change);
  nlohmann::json bundle() const;

  // The chain from `signing_key` to an anchor, valid at `at`. Throws
  // TrustError: UnknownSigner, Expired, NotYetValid, Revoked, WrongChain,
  // BadSignature, with `path` as given.
  Chain verify_signer(const std::string& signing_key, Instant at, const std::string& path) const;

  // The credential with subject `signing_key` (any validity), if any.
  const Credential* credential_for(const std::string& signing_key) const;
  // The States of the party credentials (any kind but node, any validity)
  // issued for party id `party`; empty when none is known.
  std::vector<std::string> party_states(const std::string& party) const;
  bool empty() const { return anchors_.empty(); }

 private:
  Chain chain(const std::string& key, Instant at, const std::string& path, int depth) const;
  Chain chain_of(const Credential& c, Instant at, const std::string& path, int depth) const;
  const Anchor* anchor_for(const std::string& key) const;
  std::optional<Revocation> revocation(const std::string& key, const std::string& state, const std::string& issuer,
                                       Instant at) const;

  std::vector<Anchor> anchors_;                        // in import order; several per state after rotation
  std::map<std::string, Credential> credentials_;      // by id
  std::map<std::string, RevocationList> revocations_;  // by issuer key
};

}  // namespace comity::trust
