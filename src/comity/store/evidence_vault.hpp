// The evidence vault: where the exchange keeps evidence ciphertext while a
// production is in transit, one file per manifest entry under
// DIR/<production id>/<index>.age. It holds ciphertext only — the exchange
// never has a key that opens it — and it is append-only per file: a chunk
// lands only at the file's current end, and is durable (fdatasync) before
// append() returns, so an acknowledged offset survives a crash and an
// upload resumes from size(). Deletion unlinks the files and syncs the
// directory. Thread safety: callers serialise work on one production.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "comity/util/error.hpp"

namespace comity {

// A vault operation that failed: the path and the system's reason.
// ErrorKind::StoreFailed: the vault's files cannot be written or read.
struct VaultError : Error {
  explicit VaultError(const std::string& what) : Error(ErrorKind::StoreFailed, what) {}
};

class EvidenceVault {
 public:
  // Creates `dir` (mode 0700) if missing. Throws VaultError.
  explicit EvidenceVault(std::string dir);

  // Bytes stored for a file so far (0 if none).
  uint64_t size(std::string_view production_id, int64_t index) const;
  // Appends `bytes` at `offset`, which must be size(). Returns the new size.
  // Throws VaultError (including an offset that is not the end).
  uint64_t append(std::string_view production_id, int64_t index, uint64_t offset, std::string_view bytes);
  // The same for bytes that arrive in pieces: `source` is called once with a
  // writer, which it calls with each piece (the writer returns false after a
  // write error). Whatever was written is made durable before this returns,
  // also when `source` stops early; the new size is returned either way.
  using PieceWriter = std::function<bool(std::string_view)>;
  uint64_t append_from(std::string_view production_id, int64_t index, uint64_t offset,
                       const std::function<void(const PieceWriter&)>& source);
  // Empties a file (a wrong upload starts again).
  void truncate(std::string_view production_id, int64_t index);
  // SHA-256 (hex) of a file, read in 64 KiB pieces.
  std::string sha256(std::string_view production_id, int64_t index) const;
  // Calls `sink` with successive pieces of the file from `offset`, until the
  // end or until `sink` returns false.
  void read(std::string_view production_id, int64_t index, uint64_t offset,
            const std::function<bool(std::string_view)>& sink) const;
  // Unlinks every file of the production and its directory; idempotent.
  void remove(std::string_view production_id);
  // The directory (for tests that prove deletion).
  const std::string& dir() const { return dir_; }

 private:
  std::string path(std::string_view production_id, int64_t index) const;
  std::string dir_;
};

}  // namespace comity
