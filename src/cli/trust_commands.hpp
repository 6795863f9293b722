// The `comity keys`, `comity trust`, `comity order` and `comity verify`
// commands (docs/trust.md, docs/cli.md): key directories, anchors,
// credentials, revocation lists, bundles and signed orders, all offline.
// Errors: UsageError for arguments and files, trust::TrustError for
// documents that do not verify; main.cpp maps them to exit codes.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "comity/crypto/ed25519.hpp"
#include "comity/util/date.hpp"
#include "comity/util/error.hpp"

namespace comity::cli {

// Thrown for a file that cannot be read or written, or a bad argument.
// ErrorKind::Invalid: a command used wrongly.
struct UsageError : Error {
  explicit UsageError(const std::string& what) : Error(ErrorKind::Invalid, what) {}
};

// The whole of the file at `path`, at most 16 MiB. Throws UsageError if it
// cannot be opened or is larger.
std::string read_file(const std::string& path);

// A key directory: signing.pem (Ed25519, PKCS#8), encryption.age (an age
// identity file) and public.json, the two public keys. Prints public.json.
int keys_gen(const std::string& dir, const std::string& name);
// Prints what a key directory, anchor, credential, revocation list, bundle
// or signed order holds (parsed and shape-checked, signatures not judged).
int keys_show(const std::string& path);

struct RotateArgs {
  std::string keys_dir;     // the key directory to renew (old keys move to DIR/retired-TIMESTAMP/)
  std::string issuer_dir;   // the issuer's key directory (credential) — or empty for an anchor
  std::string current;      // the current credential or anchor document
  std::string revocations;  // the issuer's revocation list to extend (created if missing); optional
  std::string out;          // the new credential or anchor document
  int days = 365;
};
int keys_rotate(const RotateArgs& args, Instant now);

struct RevokeArgs {
  std::string issuer_dir, key, reason, effective, list;
};
int keys_revoke(const RevokeArgs& args, Instant now);

struct AnchorArgs {
  std::string keys_dir, state, party, name, out;
  int days = 5 * 365;
};
int trust_anchor(const AnchorArgs& args, Instant now);

struct IssueArgs {
  std::string issuer_dir, subject_file, id, party, state, kind, user, role, name, out;
  int days = 365;
};
int trust_issue(const IssueArgs& args, Instant now);

// Checks every file (anchors, credentials, revocation lists, bundles)
// together and writes one bundle.
int trust_bundle(const std::vector<std::string>& files, const std::string& out);

// The signing key of a key directory (DIR/signing.pem). Throws UsageError,
// crypto::CryptoError.
crypto::SigningKey signing_key_of(const std::string& dir);
// Reads a JSON file of at most 16 MiB. Throws UsageError.
nlohmann::json read_json_file(const std::string& path);
// Writes `text` to `path` through PATH.partial, fsynced and renamed;
// `replace` allows an existing file to be replaced.
enum class Existing : uint8_t { Refuse, ReplaceAtomically };
void write_file_atomically(const std::string& path, const std::string& text, Existing existing);

// Key directories and credentials for the demo world (`comity demo seed`):
// anchors for DE, GB, NL and US; the demo's authorities and providers as
// parties (under the ids the sample requests name them by); one credential
// per demo user who signs (officer, validator, officer-gb, provider,
// provider-us). Writes DIR/<name>/ key directories and returns the bundle.
nlohmann::json demo_trust(const std::string& dir, Instant now);

enum class SignRole : uint8_t { Officer, Validator };
int order_sign(const std::string& keys_dir, SignRole role, int days, const std::string& in, const std::string& out,
               Instant now);

enum class Pending : uint8_t { Refuse, AllowValidatorToFollow };
// Verifies a signed order against a trust bundle at `at`; prints the chain.
int verify_order_file(const std::string& order_file, const std::string& bundle_file, Instant at, Pending pending);

}  // namespace comity::cli
