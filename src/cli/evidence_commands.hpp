// The `comity evidence` commands (docs/evidence-encryption.md): seal and
// open files in the age v1 format, keep the production's signed manifest,
// verify files against it, export it as CASE/UCO, and move ciphertext to and
// from the exchange in resumable chunks. Every output file is written to
// OUT.partial and renamed only when complete and checked. Errors:
// UsageError (trust_commands.hpp) for arguments and files, crypto::AgeError
// for a file that does not open, trust::TrustError for a manifest that does
// not verify, EvidenceMismatch for bytes that do not match their manifest.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "comity/util/date.hpp"
#include "comity/util/error.hpp"

namespace comity::cli {

// Bytes that are not what the manifest says (size or SHA-256).
// ErrorKind::IntegrityFailed: bytes that are not what their manifest says.
struct EvidenceMismatch : Error {
  explicit EvidenceMismatch(const std::string& what) : Error(ErrorKind::IntegrityFailed, what) {}
};

struct SealArgs {
  std::vector<std::string> recipients;
  std::string in, out;
  // With a manifest: the sealed file is added to it (created if missing)
  // and the manifest is signed again with `keys_dir`'s signing key.
  std::string manifest, keys_dir, case_id, order_id, provider;
};
int evidence_seal(const SealArgs& args, Instant now);

struct OpenArgs {
  std::string identity, in, out;
  std::string manifest, bundle;  // both or neither: check signature, chain and digests
};
int evidence_open(const OpenArgs& args, Instant now);

// Verifies a manifest's signature and chain against a bundle, and each file
// (ciphertext) against its entry, found by its SHA-256.
int evidence_verify(const std::string& manifest, const std::string& bundle, const std::vector<std::string>& files,
                    Instant at);
// Writes a verified manifest as CASE/UCO JSON-LD.
int evidence_export(const std::string& manifest, const std::string& bundle, const std::string& out, Instant at);

struct TransferArgs {
  std::string url, token;
};
// Registers the manifest for the case (unless `production` is given, to
// resume) and uploads each file from where the exchange's copy ends.
int evidence_upload(const TransferArgs& t, const std::string& case_id, const std::string& manifest,
                    std::string production, const std::vector<std::string>& files);
// Downloads file `index` of a production to `out`.
int evidence_download(const TransferArgs& t, const std::string& production, int index, const std::string& out);

}  // namespace comity::cli
