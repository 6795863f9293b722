#include "comity/crypto/ed25519.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <utility>

namespace comity::crypto {

namespace {

EVP_PKEY* pkey(void* p) {
  return static_cast<EVP_PKEY*>(p);
}

}  // namespace

SigningKey SigningKey::generate() {
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (!k) throw CryptoError("OpenSSL: cannot generate an Ed25519 key");
  return SigningKey(k);
}

SigningKey SigningKey::load_pem(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw CryptoError("cannot open the key file " + path);
  EVP_PKEY* k = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!k) throw CryptoError(path + ": not a PEM private key");
  if (EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(k);
    throw CryptoError(path + ": not an Ed25519 key");
  }
  return SigningKey(k);
}

void SigningKey::save_pem(const std::string& path) const {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) throw CryptoError("cannot create the key file " + path + " (it may exist already)");
  FILE* f = fdopen(fd, "wb");
  if (!f) {
    ::close(fd);
    throw CryptoError("cannot write the key file " + path);
  }
  bool ok = PEM_write_PrivateKey(f, pkey(pkey_), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  ok = (std::fflush(f) == 0) && ok && fsync(fd) == 0;
  std::fclose(f);
  if (!ok) {
    ::unlink(path.c_str());
    throw CryptoError("cannot write the key file " + path);
  }
}

PublicKey SigningKey::public_key() const {
  PublicKey out;
  size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(pkey(pkey_), out.data(), &len) != 1 || len != out.size())
    throw CryptoError("OpenSSL: cannot read the public key");
  return out;
}

Signature SigningKey::sign(std::string_view message) const {
  Signature sig;
  size_t len = sig.size();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, pkey(pkey_)) == 1 &&
            EVP_DigestSign(ctx, sig.data(), &len, reinterpret_cast<const unsigned char*>(message.data()),
                           message.size()) == 1 &&
            len == sig.size();
  EVP_MD_CTX_free(ctx);
  if (!ok) throw CryptoError("OpenSSL: Ed25519 signing failed");
  return sig;
}

SigningKey::SigningKey(SigningKey&& o) noexcept : pkey_(std::exchange(o.pkey_, nullptr)) {}
SigningKey& SigningKey::operator=(SigningKey&& o) noexcept {
  if (this != &o) {
    EVP_PKEY_free(pkey(pkey_));
    pkey_ = std::exchange(o.pkey_, nullptr);
  }
  return *this;
}
SigningKey::~SigningKey() {
  EVP_PKEY_free(pkey(pkey_));
}

bool verify(const PublicKey& key, std::string_view message, const Signature& signature) {
  EVP_PKEY* k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size());
  if (!k) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, k) == 1 &&
            EVP_DigestVerify(ctx, signature.data(), signature.size(),
                             reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(k);
  return ok;
}

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw CryptoError("OpenSSL: no randomness");
  return out;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  for (char c : text)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=')) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') pad = (text.size() >= 2 && text[text.size() - 2] == '=') ? 2 : 1;
  out.resize(static_cast<size_t>(n) - pad);
  // Canonical only: re-encoding must give the same text (no stray bits, no
  // '=' in the middle).
  if (base64_encode(out) != text) return std::nullopt;
  return out;
}

}  // namespace comity::crypto
