// The evidence vault: where the exchange keeps evidence ciphertext while a
// production is in transit. On a directory (DirectoryVault): one file per manifest entry under
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

// Where evidence ciphertext waits while a production is in transit: an
// interface, so a node may keep it on a directory (DirectoryVault, shared
// storage when several processes serve one node: docs/scale-out.md) or on
// another medium with the same guarantees — append-only per file, durable
// before append returns, readable from any offset.
class EvidenceVault {
 public:
  virtual ~EvidenceVault() = default;
  // Bytes stored for a file so far (0 if none).
  virtual uint64_t size(std::string_view production_id, int64_t index) const = 0;
  // Appends `bytes` at `offset`, which must be size(). Returns the new size.
  // Throws VaultError (including an offset that is not the end).
  virtual uint64_t append(std::string_view production_id, int64_t index, uint64_t offset, std::string_view bytes) = 0;
  // The same for bytes that arrive in pieces: `source` is called once with a
  // writer, which it calls with each piece (the writer returns false after a
  // write error). Whatever was written is made durable before this returns,
  // also when `source` stops early; the new size is returned either way.
  using PieceWriter = std::function<bool(std::string_view)>;
  virtual uint64_t append_from(std::string_view production_id, int64_t index, uint64_t offset,
                               const std::function<void(const PieceWriter&)>& source) = 0;
  // Empties a file (a wrong upload starts again).
  virtual void truncate(std::string_view production_id, int64_t index) = 0;
  // SHA-256 (hex) of a file, read in 64 KiB pieces.
  virtual std::string sha256(std::string_view production_id, int64_t index) const = 0;
  // Calls `sink` with successive pieces of the file from `offset`, until the
  // end or until `sink` returns false.
  virtual void read(std::string_view production_id, int64_t index, uint64_t offset,
                    const std::function<bool(std::string_view)>& sink) const = 0;
  // Unlinks every file of the production; idempotent.
  virtual void remove(std::string_view production_id) = 0;
};

// The vault on a directory, as described at the top of this file.
class DirectoryVault final : public EvidenceVault {
 public:
  // Creates `dir` (mode 0700) if missing. Throws VaultError.
  explicit DirectoryVault(std::string dir);

  uint64_t size(std::string_view production_id, int64_t index) const override;
  uint64_t append(std::string_view production_id, int64_t index, uint64_t offset, std::string_view bytes) override;
  uint64_t append_from(std::string_view production_id, int64_t index, uint64_t offset,
                       const std::function<void(const PieceWriter&)>& source) override;
  void truncate(std::string_view production_id, int64_t index) override;
  std::string sha256(std::string_view production_id, int64_t index) const override;
  void read(std::string_view production_id, int64_t index, uint64_t offset,
            const std::function<bool(std::string_view)>& sink) const override;
  void remove(std::string_view production_id) override;
  // The directory (for tests that prove deletion).
  const std::string& dir() const { return dir_; }

 private:
  std::string path(std::string_view production_id, int64_t index) const;
  std::string dir_;
};

}  // namespace comity
