#include "comity/store/evidence_vault.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "comity/util/sha256.hpp"

namespace comity {

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw VaultError(what + " " + path + ": " + std::strerror(errno));
}

// Production ids come from the exchange's own id source; this keeps a
// malformed one from ever naming a path outside the vault.
void check_id(std::string_view id) {
  if (id.empty() || id.size() > 64) throw VaultError("bad production id");
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_'))
      throw VaultError("bad production id");
}

void sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) fail("cannot open", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) fail("cannot sync", dir);
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

DirectoryVault::DirectoryVault(std::string dir) : dir_(std::move(dir)) {
  if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) fail("cannot create", dir_);
}

std::string DirectoryVault::path(std::string_view production_id, int64_t index) const {
  check_id(production_id);
  if (index < 0) throw VaultError("bad file index");
  return dir_ + "/" + std::string(production_id) + "/" + std::to_string(index) + ".age";
}

uint64_t DirectoryVault::size(std::string_view production_id, int64_t index) const {
  struct stat st;
  if (::stat(path(production_id, index).c_str(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.st_size);
}

uint64_t DirectoryVault::append(std::string_view production_id, int64_t index, uint64_t offset,
                                std::string_view bytes) {
  return append_from(production_id, index, offset, [&](const PieceWriter& write) { write(bytes); });
}

uint64_t DirectoryVault::append_from(std::string_view production_id, int64_t index, uint64_t offset,
                                     const std::function<void(const PieceWriter&)>& source) {
  std::string p = path(production_id, index);
  std::string d = dir_ + "/" + std::string(production_id);
  bool fresh_dir = ::mkdir(d.c_str(), 0700) == 0;
  if (!fresh_dir && errno != EEXIST) fail("cannot create", d);
  if (fresh_dir) sync_dir(dir_);
  Fd f{::open(p.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)};
  if (f.fd < 0) fail("cannot open", p);
  // One writer at a time, so the end checked is the end written to.
  while (::flock(f.fd, LOCK_EX) != 0)
    if (errno != EINTR) fail("cannot lock", p);
  struct stat st;
  if (::fstat(f.fd, &st) != 0) fail("cannot stat", p);
  if (static_cast<uint64_t>(st.st_size) != offset)
    throw VaultError("offset " + std::to_string(offset) + " is not the end of the file (" + std::to_string(st.st_size) +
                     ")");
  uint64_t written = 0;
  int write_errno = 0;
  source([&](std::string_view piece) {
    const char* at = piece.data();
    size_t left = piece.size();
    while (left > 0) {
      ssize_t n = ::write(f.fd, at, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        write_errno = errno;
        return false;
      }
      at += n;
      left -= static_cast<size_t>(n);
      written += static_cast<uint64_t>(n);
    }
    return true;
  });
  if (::fdatasync(f.fd) != 0) fail("cannot sync", p);
  if (offset == 0) sync_dir(d);  // the file's directory entry, once
  if (write_errno != 0) {
    errno = write_errno;
    fail("cannot write", p);
  }
  return offset + written;
}

void DirectoryVault::truncate(std::string_view production_id, int64_t index) {
  std::string p = path(production_id, index);
  if (::truncate(p.c_str(), 0) != 0 && errno != ENOENT) fail("cannot truncate", p);
}

void DirectoryVault::read(std::string_view production_id, int64_t index, uint64_t offset,
                          const std::function<bool(std::string_view)>& sink) const {
  std::string p = path(production_id, index);
  Fd f{::open(p.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) fail("cannot open", p);
  std::vector<char> buf(64 << 10);
  uint64_t pos = offset;
  for (;;) {
    ssize_t n = ::pread(f.fd, buf.data(), buf.size(), static_cast<off_t>(pos));
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot read", p);
    }
    if (n == 0) return;
    pos += static_cast<uint64_t>(n);
    if (!sink(std::string_view(buf.data(), static_cast<size_t>(n)))) return;
  }
}

std::string DirectoryVault::sha256(std::string_view production_id, int64_t index) const {
  Sha256 h;
  read(production_id, index, 0, [&](std::string_view piece) {
    h.update(piece);
    return true;
  });
  return h.hex_digest();
}

void DirectoryVault::remove(std::string_view production_id) {
  check_id(production_id);
  std::string d = dir_ + "/" + std::string(production_id);
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(d.c_str()), ::closedir);
  if (!dir) {
    if (errno == ENOENT) return;
    fail("cannot open", d);
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(dir.get())) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  for (const auto& n : names)
    if (::unlink((d + "/" + n).c_str()) != 0 && errno != ENOENT) fail("cannot delete", d + "/" + n);
  if (::rmdir(d.c_str()) != 0 && errno != ENOENT) fail("cannot delete", d);
  sync_dir(dir_);
}

}  // namespace comity
