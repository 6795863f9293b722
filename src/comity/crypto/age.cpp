// age v1 (https://age-encryption.org/v1), X25519 recipients, over OpenSSL 3.
//
// File layout. A text header, then the binary payload:
//
//   age-encryption.org/v1
//   -> X25519 <base64 ephemeral share>
//   <base64 wrapped file key>
//   --- <base64 header MAC>
//   <16-byte nonce><chunk 0>…<last chunk>
//
// Keys. A fresh 16-byte file key per file. For each recipient R: an
// ephemeral X25519 key e, shared = X25519(e, R), wrap key =
// HKDF-SHA256(shared, salt = share(e) ‖ R, "age-encryption.org/v1/X25519"),
// and the file key sealed with ChaCha20-Poly1305 under the wrap key and an
// all-zero nonce. The header MAC is HMAC-SHA256 keyed by HKDF(file key,
// "header") over the header up to and including "---". The payload key is
// HKDF(file key, salt = nonce, "payload").
//
// Payload (the STREAM construction). Plaintext in 64 KiB chunks, each sealed
// with ChaCha20-Poly1305 under a nonce of an 11-byte big-endian counter and
// a last-chunk flag byte. Only the final chunk may be short, and it may be
// empty only when the whole plaintext is: so truncation at a chunk boundary,
// reordering and appended data all fail authentication or the framing
// checks. Memory is a few chunks whatever the file size; the SHA-256
// digests are updated in the same pass, each on its own thread (DigestPipe):
// the plaintext's always, the ciphertext's when asked for.
//
// Base64 in the header is the standard alphabet without padding, and must
// be canonical; stanza bodies wrap at 64 columns, the last line shorter.
#include "comity/crypto/age.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <tuple>

#include "comity/crypto/ed25519.hpp"
#include "comity/util/sha256.hpp"

namespace comity::crypto {

namespace {

constexpr std::string_view kVersionLine = "age-encryption.org/v1";
constexpr size_t kChunk = 64 * 1024, kTag = 16, kMaxHeader = 1 << 20;
// Chunks are read, hashed and written 16 at a time (1 MiB): one hand-off to
// each digest thread and one write per block rather than per chunk.
constexpr size_t kBlockChunks = 16;

// ---- Bech32 (BIP 173), as age uses it for keys.
constexpr char kCharset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

uint32_t polymod(const std::vector<uint8_t>& values) {
  static constexpr uint32_t kGen[] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  uint32_t chk = 1;
  for (uint8_t v : values) {
    uint8_t top = static_cast<uint8_t>(chk >> 25);
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (int i = 0; i < 5; ++i)
      if ((top >> i) & 1) chk ^= kGen[i];
  }
  return chk;
}

std::vector<uint8_t> hrp_expand(std::string_view hrp) {
  std::vector<uint8_t> out;
  for (char c : hrp) out.push_back(static_cast<uint8_t>(static_cast<unsigned char>(c) >> 5));
  out.push_back(0);
  for (char c : hrp) out.push_back(static_cast<uint8_t>(static_cast<unsigned char>(c) & 31));
  return out;
}

std::string bech32_encode(std::string_view hrp, const uint8_t* data, size_t len) {
  std::vector<uint8_t> five;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < len; ++i) {
    acc = (acc << 8) | data[i];
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      five.push_back(static_cast<uint8_t>((acc >> bits) & 31));
    }
  }
  if (bits > 0) five.push_back(static_cast<uint8_t>((acc << (5 - bits)) & 31));
  std::vector<uint8_t> values = hrp_expand(hrp);
  values.insert(values.end(), five.begin(), five.end());
  values.insert(values.end(), 6, 0);
  uint32_t mod = polymod(values) ^ 1;
  std::string out(hrp);
  out += '1';
  for (uint8_t v : five) out += kCharset[v];
  for (int i = 0; i < 6; ++i) out += kCharset[(mod >> (5 * (5 - i))) & 31];
  return out;
}

// Decodes `text` (all lower or all upper case) with the expected `hrp`
// (lower case) into exactly 32 bytes.
std::array<uint8_t, 32> bech32_decode32(std::string_view text, std::string_view hrp, const char* what) {
  auto bad = [&](const std::string& why) { return AgeError(std::string(what) + ": " + why); };
  bool lower = false, upper = false;
  std::string s;
  for (char c : text) {
    lower = lower || std::islower(static_cast<unsigned char>(c));
    upper = upper || std::isupper(static_cast<unsigned char>(c));
    s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (lower && upper) throw bad("mixed case");
  size_t sep = s.rfind('1');
  if (sep == std::string::npos || s.substr(0, sep) != hrp) throw bad("expected the prefix " + std::string(hrp) + "1");
  std::vector<uint8_t> five;
  for (size_t i = sep + 1; i < s.size(); ++i) {
    const char* p = std::strchr(kCharset, s[i]);
    if (!p || s[i] == '\0') throw bad("a character outside the Bech32 alphabet");
    five.push_back(static_cast<uint8_t>(p - kCharset));
  }
  if (five.size() < 6) throw bad("too short");
  std::vector<uint8_t> values = hrp_expand(hrp);
  values.insert(values.end(), five.begin(), five.end());
  if (polymod(values) != 1) throw bad("bad checksum");
  five.resize(five.size() - 6);
  std::vector<uint8_t> bytes;
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t v : five) {
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<uint8_t>((acc >> bits) & 0xff));
    }
  }
  if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0) throw bad("bad padding");
  if (bytes.size() != 32) throw bad("not a 32-byte key");
  std::array<uint8_t, 32> out;
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

// ---- Primitives.
std::string b64_raw(std::string_view bytes) {
  std::string s = base64_encode(bytes);
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

std::string b64_raw_decode(std::string_view text, const char* what) {
  if (text.find('=') != std::string_view::npos) throw AgeError(std::string(what) + ": base64 must not be padded");
  std::string padded(text);
  while (padded.size() % 4) padded += '=';
  auto out = base64_decode(padded);
  if (!out) throw AgeError(std::string(what) + ": not canonical base64");
  return *out;
}

std::string hkdf(std::string_view ikm, std::string_view salt, std::string_view info, size_t len) {
  std::string out(len, '\0');
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr);
  size_t n = len;
  bool ok = ctx && EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) == 1 &&
            EVP_PKEY_CTX_set1_hkdf_salt(ctx, reinterpret_cast<const unsigned char*>(salt.data()),
                                        static_cast<int>(salt.size())) == 1 &&
            EVP_PKEY_CTX_set1_hkdf_key(ctx, reinterpret_cast<const unsigned char*>(ikm.data()),
                                       static_cast<int>(ikm.size())) == 1 &&
            EVP_PKEY_CTX_add1_hkdf_info(ctx, reinterpret_cast<const unsigned char*>(info.data()),
                                        static_cast<int>(info.size())) == 1 &&
            EVP_PKEY_derive(ctx, reinterpret_cast<unsigned char*>(out.data()), &n) == 1 && n == len;
  EVP_PKEY_CTX_free(ctx);
  if (!ok) throw AgeError("OpenSSL: HKDF failed");
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), md, &len))
    throw AgeError("OpenSSL: HMAC failed");
  return std::string(reinterpret_cast<char*>(md), len);
}

// ChaCha20-Poly1305 with a 12-byte nonce; the tag follows the ciphertext.
class Aead {
 public:
  Aead() : ctx_(EVP_CIPHER_CTX_new()) {
    if (!ctx_) throw AgeError("OpenSSL: no cipher context");
  }
  ~Aead() { EVP_CIPHER_CTX_free(ctx_); }
  Aead(const Aead&) = delete;
  Aead& operator=(const Aead&) = delete;

  void seal(const std::string& key, const uint8_t* nonce, const char* in, size_t len, std::string& out) {
    out.resize(len + kTag);
    seal_to(key, nonce, in, len, out.data());
  }
  // Writes len + kTag bytes at `out`.
  void seal_to(const std::string& key, const uint8_t* nonce, const char* in, size_t len, char* out) {
    int n = 0, m = 0;
    bool ok = EVP_EncryptInit_ex(ctx_, EVP_chacha20_poly1305(), nullptr, reinterpret_cast<const uint8_t*>(key.data()),
                                 nonce) == 1 &&
              EVP_EncryptUpdate(ctx_, reinterpret_cast<uint8_t*>(out), &n, reinterpret_cast<const uint8_t*>(in),
                                static_cast<int>(len)) == 1 &&
              EVP_EncryptFinal_ex(ctx_, reinterpret_cast<uint8_t*>(out) + n, &m) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_GET_TAG, kTag, out + len) == 1;
    if (!ok) throw AgeError("OpenSSL: ChaCha20-Poly1305 failed");
  }
  // False if the tag does not authenticate.
  bool open(const std::string& key, const uint8_t* nonce, const char* in, size_t len, std::string& out) {
    if (len < kTag) return false;
    out.resize(len - kTag);
    return open_to(key, nonce, in, len, out.data());
  }
  // Writes len - kTag bytes at `out` (REQUIRES: len >= kTag); false if the
  // tag does not authenticate.
  bool open_to(const std::string& key, const uint8_t* nonce, const char* in, size_t len, char* out) {
    size_t body = len - kTag;
    int n = 0, m = 0;
    return EVP_DecryptInit_ex(ctx_, EVP_chacha20_poly1305(), nullptr, reinterpret_cast<const uint8_t*>(key.data()),
                              nonce) == 1 &&
           EVP_DecryptUpdate(ctx_, reinterpret_cast<uint8_t*>(out), &n, reinterpret_cast<const uint8_t*>(in),
                             static_cast<int>(body)) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_SET_TAG, kTag, const_cast<char*>(in + body)) == 1 &&
           EVP_DecryptFinal_ex(ctx_, reinterpret_cast<uint8_t*>(out) + n, &m) == 1;
  }

 private:
  EVP_CIPHER_CTX* ctx_;
};

EVP_PKEY* x25519_private(const std::array<uint8_t, 32>& secret) {
  EVP_PKEY* k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, secret.data(), secret.size());
  if (!k) throw AgeError("OpenSSL: bad X25519 key");
  return k;
}

std::array<uint8_t, 32> x25519(const std::array<uint8_t, 32>& secret, const X25519Public& peer) {
  EVP_PKEY* mine = x25519_private(secret);
  EVP_PKEY* theirs = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer.data(), peer.size());
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(mine, nullptr);
  std::array<uint8_t, 32> out{};
  size_t len = out.size();
  bool ok = theirs && ctx && EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer(ctx, theirs) == 1 &&
            EVP_PKEY_derive(ctx, out.data(), &len) == 1 && len == 32;
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(theirs);
  EVP_PKEY_free(mine);
  if (!ok) throw AgeError("X25519: key agreement failed (a low-order key?)");
  if (std::all_of(out.begin(), out.end(), [](uint8_t b) { return b == 0; }))
    throw AgeError("X25519: the shared secret is all zeros");
  return out;
}

std::string as_string(const auto& bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// Reads chunks of `size` bytes (fewer only at the end) and whether more follow.
size_t read_full(std::istream& in, char* buf, size_t size) {
  size_t got = 0;
  while (got < size && in) {
    in.read(buf + got, static_cast<std::streamsize>(size - got));
    got += static_cast<size_t>(in.gcount());
  }
  return got;
}

bool at_end(std::istream& in) {
  return in.peek() == std::char_traits<char>::eof();
}

// A SHA-256 digest computed on its own thread while the caller encrypts
// the next chunk: hashing plaintext and ciphertext costs more than the
// cipher, so in line it would halve the throughput. Chunks are copied into at
// most kDepth recycled buffers, so memory stays constant; the digest sees
// the bytes in order.
class HashPipe {
 public:
  HashPipe() : worker_([this] { run(); }) {}
  ~HashPipe() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closing_ = true;
    }
    ready_.notify_all();
    worker_.join();
  }
  HashPipe(const HashPipe&) = delete;
  HashPipe& operator=(const HashPipe&) = delete;

  void add(std::string_view bytes) {
    if (bytes.empty()) return;
    std::string buf;
    {
      std::unique_lock<std::mutex> lock(mu_);
      space_.wait(lock, [&] { return queue_.size() < kDepth; });
      if (!spare_.empty()) {
        buf = std::move(spare_.back());
        spare_.pop_back();
      }
    }
    buf.assign(bytes);
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(std::move(buf));
    }
    ready_.notify_one();
  }

  // Waits for every chunk added; returns the hex digest.
  std::string finish() {
    std::unique_lock<std::mutex> lock(mu_);
    space_.wait(lock, [&] { return queue_.empty() && !busy_; });
    return hash_.hex_digest();
  }

 private:
  static constexpr size_t kDepth = 4;

  void run() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      ready_.wait(lock, [&] { return closing_ || !queue_.empty(); });
      if (queue_.empty()) return;
      std::string buf = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
      lock.unlock();
      hash_.update(buf);
      lock.lock();
      busy_ = false;
      spare_.push_back(std::move(buf));
      space_.notify_all();
    }
  }

  Sha256 hash_;  // touched by the worker only, until finish()
  std::mutex mu_;
  std::condition_variable ready_, space_;
  std::deque<std::string> queue_;
  std::vector<std::string> spare_;
  bool busy_ = false, closing_ = false;
  std::thread worker_;  // last: starts after the members it uses
};

void set_nonce(uint8_t nonce[12], uint64_t counter, bool last) {
  std::memset(nonce, 0, 12);
  for (int i = 0; i < 8; ++i) nonce[10 - i] = static_cast<uint8_t>(counter >> (8 * i));
  nonce[11] = last ? 1 : 0;
}

// The plaintext digest and, if asked for, the ciphertext's, each on its own
// thread (measured: hashing the ciphertext in line on the cipher thread is
// slower still, bench/evidence.sh).
struct DigestPipe {
  explicit DigestPipe(Digests which) {
    if (which == Digests::PlaintextAndCiphertext) cipher.emplace();
  }
  HashPipe plain;
  std::optional<HashPipe> cipher;
  void add(std::string_view p, std::string_view c) {
    plain.add(p);
    if (cipher) cipher->add(c);
  }
  std::pair<std::string, std::string> finish() {
    std::string p = plain.finish();
    return {p, cipher ? cipher->finish() : std::string()};
  }
};

}  // namespace

AgeIdentity AgeIdentity::generate() {
  AgeIdentity id;
  std::string r = random_bytes(32);
  std::copy(r.begin(), r.end(), id.secret_.begin());
  return id;
}

AgeIdentity AgeIdentity::parse(std::string_view text) {
  AgeIdentity id;
  id.secret_ = bech32_decode32(text, "age-secret-key-", "age identity");
  return id;
}

AgeIdentity AgeIdentity::parse_file_text(std::string_view text) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    std::string_view line = text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.rfind("AGE-SECRET-KEY-1", 0) == 0) return parse(line);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  throw AgeError("identity file: no AGE-SECRET-KEY-1 line");
}

std::string AgeIdentity::to_string() const {
  std::string s = bech32_encode("age-secret-key-", secret_.data(), secret_.size());
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

X25519Public AgeIdentity::public_key() const {
  EVP_PKEY* k = x25519_private(secret_);
  X25519Public out{};
  size_t len = out.size();
  bool ok = EVP_PKEY_get_raw_public_key(k, out.data(), &len) == 1 && len == 32;
  EVP_PKEY_free(k);
  if (!ok) throw AgeError("OpenSSL: cannot derive the X25519 public key");
  return out;
}

std::array<uint8_t, 32> AgeIdentity::agree(const X25519Public& peer) const {
  return x25519(secret_, peer);
}

void AgeIdentity::clear() {
  OPENSSL_cleanse(secret_.data(), secret_.size());
}

std::string age_recipient(const X25519Public& key) {
  return bech32_encode("age", key.data(), key.size());
}

X25519Public parse_age_recipient(std::string_view text) {
  return bech32_decode32(text, "age", "age recipient");
}

AgeStreamFacts age_seal(std::istream& in, std::ostream& out, const std::vector<X25519Public>& recipients,
                        Digests which) {
  if (recipients.empty()) throw AgeError("seal: no recipient");
  AgeStreamFacts facts;
  DigestPipe digests(which);
  auto emit = [&](std::string_view plain, std::string_view bytes) {
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    digests.add(plain, bytes);
    facts.ciphertext_bytes += bytes.size();
  };
  std::string file_key = random_bytes(16);
  Aead aead;
  std::string header(kVersionLine);
  header += '\n';
  for (const auto& r : recipients) {
    AgeIdentity ephemeral = AgeIdentity::generate();
    X25519Public share = ephemeral.public_key();
    auto shared = ephemeral.agree(r);
    ephemeral.clear();
    std::string wrap_key = hkdf(as_string(shared), as_string(share) + as_string(r), "age-encryption.org/v1/X25519", 32);
    uint8_t zero[12] = {};
    std::string body;
    aead.seal(wrap_key, zero, file_key.data(), file_key.size(), body);
    header += "-> X25519 " + b64_raw(as_string(share)) + "\n" + b64_raw(body) + "\n";  // 43 chars: one line
  }
  header += "---";
  std::string mac = hmac_sha256(hkdf(file_key, "", "header", 32), header);
  header += " " + b64_raw(mac) + "\n";
  emit({}, header);
  std::string nonce = random_bytes(16);
  emit({}, nonce);
  std::string payload_key = hkdf(file_key, nonce, "payload", 32);
  // A block of up to 16 chunks at a time; the last chunk of the final block
  // carries the last-chunk flag (an empty input seals one empty chunk).
  std::string block(kBlockChunks * kChunk, '\0'), sealed(kBlockChunks * (kChunk + kTag), '\0');
  uint8_t chunk_nonce[12];
  uint64_t counter = 0;
  for (;;) {
    size_t got = read_full(in, block.data(), block.size());
    if (in.bad()) throw AgeError("seal: cannot read the input");
    const bool final_block = got < block.size() || at_end(in);
    facts.plaintext_bytes += got;
    size_t off = 0, out_len = 0;
    do {
      size_t n = std::min(kChunk, got - off);
      set_nonce(chunk_nonce, counter++, final_block && off + n == got);
      aead.seal_to(payload_key, chunk_nonce, block.data() + off, n, sealed.data() + out_len);
      off += n;
      out_len += n + kTag;
    } while (off < got);
    emit(std::string_view(block.data(), got), std::string_view(sealed.data(), out_len));
    if (final_block) break;
  }
  OPENSSL_cleanse(file_key.data(), file_key.size());
  if (!out) throw AgeError("seal: cannot write the output");
  std::tie(facts.plaintext_sha256, facts.ciphertext_sha256) = digests.finish();
  return facts;
}

AgeStreamFacts age_open(std::istream& in, std::ostream& out, const AgeIdentity& identity, Digests which) {
  AgeStreamFacts facts;
  DigestPipe digests(which);
  // The header, line by line, keeping its exact bytes for the MAC.
  std::string header;
  auto next_line = [&]() -> std::string {
    std::string line;
    char c;
    while (in.get(c)) {
      header += c;
      if (header.size() > kMaxHeader) throw AgeError("header: longer than 1 MiB");
      if (c == '\n') return line;
      line += c;
    }
    throw AgeError("header: cut short");
  };
  if (next_line() != kVersionLine) throw AgeError("header: not an age v1 file");
  X25519Public mine = identity.public_key();
  std::string file_key;
  std::string line = next_line();
  Aead aead;
  bool any_x25519 = false;
  while (line.rfind("-> ", 0) == 0) {
    std::vector<std::string> args;
    size_t pos = 3;
    while (pos <= line.size()) {
      size_t sp = line.find(' ', pos);
      args.push_back(line.substr(pos, sp == std::string::npos ? std::string::npos : sp - pos));
      if (sp == std::string::npos) break;
      pos = sp + 1;
    }
    // The body: 64-column lines, the last one shorter.
    std::string body_b64;
    for (;;) {
      std::string b = next_line();
      if (b.size() > 64) throw AgeError("header: a stanza line is longer than 64 columns");
      body_b64 += b;
      if (b.size() < 64) break;
    }
    if (!args.empty() && args[0] == "X25519") {
      any_x25519 = true;
      if (args.size() != 2) throw AgeError("header: an X25519 stanza takes one argument");
      std::string share_bytes = b64_raw_decode(args[1], "X25519 share");
      std::string body = b64_raw_decode(body_b64, "X25519 stanza body");
      if (share_bytes.size() != 32) throw AgeError("header: the X25519 share is not 32 bytes");
      if (body.size() != 32) throw AgeError("header: the X25519 stanza body is not 32 bytes");
      if (file_key.empty()) {
        X25519Public share;
        std::copy(share_bytes.begin(), share_bytes.end(), share.begin());
        auto shared = identity.agree(share);
        std::string wrap_key =
            hkdf(as_string(shared), share_bytes + as_string(mine), "age-encryption.org/v1/X25519", 32);
        uint8_t zero[12] = {};
        std::string key;
        if (aead.open(wrap_key, zero, body.data(), body.size(), key)) file_key = key;
      }
    }
    line = next_line();
  }
  if (line.rfind("---", 0) != 0 || line.size() < 5 || line[3] != ' ') throw AgeError("header: no MAC line");
  if (file_key.empty())
    throw AgeError(any_x25519 ? "not encrypted to this identity: no stanza opens with its key"
                              : "not encrypted to any X25519 recipient");
  std::string mac = b64_raw_decode(line.substr(4), "header MAC");
  std::string covered = header.substr(0, header.size() - line.size() - 1 + 3);  // up to and including "---"
  std::string expect = hmac_sha256(hkdf(file_key, "", "header", 32), covered);
  if (mac.size() != expect.size() || CRYPTO_memcmp(mac.data(), expect.data(), mac.size()) != 0)
    throw AgeError("header: the MAC does not verify (the header was altered)");
  digests.add({}, header);
  facts.ciphertext_bytes = header.size();

  std::string nonce(16, '\0');
  if (read_full(in, nonce.data(), 16) != 16) throw AgeError("payload: cut short before its nonce");
  digests.add({}, nonce);
  facts.ciphertext_bytes += 16;
  std::string payload_key = hkdf(file_key, nonce, "payload", 32);
  OPENSSL_cleanse(file_key.data(), file_key.size());
  // A block of up to 16 sealed chunks at a time. Every chunk but the very
  // last is full; the last is the final block's last, and may be short.
  constexpr size_t kSealed = kChunk + kTag;
  std::string block(kBlockChunks * kSealed, '\0'), plain(kBlockChunks * kChunk, '\0');
  uint8_t chunk_nonce[12];
  uint64_t counter = 0;
  for (;;) {
    size_t got = read_full(in, block.data(), block.size());
    if (in.bad()) throw AgeError("payload: cannot read the input");
    const bool final_block = got < block.size() || at_end(in);
    size_t off = 0, plain_len = 0;
    do {
      size_t n = std::min(kSealed, got - off);
      if (n < kTag) throw AgeError("payload: cut short (chunk " + std::to_string(counter) + ")");
      const bool last = final_block && off + n == got;
      set_nonce(chunk_nonce, counter, last);
      if (!aead.open_to(payload_key, chunk_nonce, block.data() + off, n, plain.data() + plain_len))
        throw AgeError(last ? "payload: the final chunk does not authenticate (altered, or the file was cut short)"
                            : "payload: chunk " + std::to_string(counter) + " does not authenticate (altered)");
      if (last && n == kTag && counter > 0) throw AgeError("payload: an empty final chunk after data");
      off += n;
      plain_len += n - kTag;
      ++counter;
    } while (off < got);
    digests.add(std::string_view(plain.data(), plain_len), std::string_view(block.data(), got));
    facts.ciphertext_bytes += got;
    facts.plaintext_bytes += plain_len;
    out.write(plain.data(), static_cast<std::streamsize>(plain_len));
    if (!out) throw AgeError("open: cannot write the output");
    if (final_block) break;
  }
  std::tie(facts.plaintext_sha256, facts.ciphertext_sha256) = digests.finish();
  return facts;
}

}  // namespace comity::crypto
