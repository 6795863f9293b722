// age v1 sealing and opening in memory: every size around the 64 KiB chunk
// boundary round-trips, and each way of spoiling a file — a flipped bit in
// header or payload, a cut at a chunk boundary or mid-chunk, appended bytes,
// the wrong identity — is refused with its reason. Interoperability with the
// standard `age` tool is tests/evidence/age_interop_test.sh.
#include "comity/crypto/age.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "comity/util/sha256.hpp"

namespace comity::crypto {
namespace {

std::string seal(const std::string& plain, const std::vector<X25519Public>& to, AgeStreamFacts* facts = nullptr) {
  std::istringstream in(plain);
  std::ostringstream out;
  auto f = age_seal(in, out, to);
  if (facts) *facts = f;
  return out.str();
}

std::string open(const std::string& file, const AgeIdentity& id) {
  std::istringstream in(file);
  std::ostringstream out;
  age_open(in, out, id);
  return out.str();
}

std::string open_error(const std::string& file, const AgeIdentity& id) {
  try {
    open(file, id);
  } catch (const AgeError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(Age, KeysRoundTripThroughTheirBech32Strings) {
  AgeIdentity id = AgeIdentity::generate();
  std::string s = id.to_string();
  EXPECT_EQ(s.rfind("AGE-SECRET-KEY-1", 0), 0u);
  EXPECT_EQ(AgeIdentity::parse(s).public_key(), id.public_key());
  std::string r = age_recipient(id.public_key());
  EXPECT_EQ(r.rfind("age1", 0), 0u);
  EXPECT_EQ(r.size(), 62u);
  EXPECT_EQ(parse_age_recipient(r), id.public_key());
  std::string broken = r;
  broken[10] = broken[10] == 'q' ? 'p' : 'q';
  EXPECT_THROW(parse_age_recipient(broken), AgeError);  // checksum
  EXPECT_THROW(parse_age_recipient("age2" + r.substr(4)), AgeError);
  EXPECT_THROW(AgeIdentity::parse(r), AgeError);  // a recipient is not an identity
  EXPECT_EQ(AgeIdentity::parse_file_text("# created: now\n# public key: " + r + "\n" + s + "\n").public_key(),
            id.public_key());
}

TEST(Age, EverySizeAroundTheChunkBoundaryRoundTrips) {
  AgeIdentity id = AgeIdentity::generate();
  for (size_t n :
       {size_t{0}, size_t{1}, size_t{65535}, size_t{65536}, size_t{65537}, size_t{3 * 65536}, size_t{200001}}) {
    std::string plain(n, '\0');
    for (size_t i = 0; i < n; ++i) plain[i] = static_cast<char>(i * 7 + 3);
    AgeStreamFacts f;
    std::string file = seal(plain, {id.public_key()}, &f);
    EXPECT_EQ(f.plaintext_bytes, n);
    EXPECT_EQ(f.ciphertext_bytes, file.size());
    EXPECT_EQ(f.plaintext_sha256, sha256_hex(plain));
    EXPECT_EQ(f.ciphertext_sha256, sha256_hex(file));
    EXPECT_EQ(open(file, id), plain) << n;
    // Chunks: 16-byte nonce, then ceil(n / 64 KiB) chunks (at least one), each with a 16-byte tag.
    size_t chunks = n == 0 ? 1 : (n + 65535) / 65536;
    size_t header = file.find("\n---");
    header = file.find('\n', header + 1) + 1;
    EXPECT_EQ(file.size() - header, 16 + n + 16 * chunks) << n;
  }
}

TEST(Age, TheCiphertextDigestOnlyWhenAskedFor) {
  AgeIdentity id = AgeIdentity::generate();
  std::string plain(100000, 'x');
  std::istringstream in(plain);
  std::ostringstream out;
  AgeStreamFacts f = age_seal(in, out, {id.public_key()}, Digests::Plaintext);
  EXPECT_EQ(f.plaintext_sha256, sha256_hex(plain));
  EXPECT_TRUE(f.ciphertext_sha256.empty());
  std::istringstream back(out.str());
  std::ostringstream opened;
  AgeStreamFacts g = age_open(back, opened, id, Digests::Plaintext);
  EXPECT_EQ(opened.str(), plain);
  EXPECT_EQ(g.plaintext_sha256, sha256_hex(plain));
  EXPECT_TRUE(g.ciphertext_sha256.empty());
}

TEST(Age, AnyRecipientOpensAndOthersCannot) {
  AgeIdentity a = AgeIdentity::generate(), b = AgeIdentity::generate(), c = AgeIdentity::generate();
  std::string file = seal("evidence", {a.public_key(), b.public_key()});
  EXPECT_EQ(open(file, a), "evidence");
  EXPECT_EQ(open(file, b), "evidence");
  EXPECT_NE(open_error(file, c).find("not encrypted to this identity"), std::string::npos);
}

TEST(Age, TamperedTruncatedOrExtendedFilesAreRefusedWithTheirReason) {
  AgeIdentity id = AgeIdentity::generate();
  std::string plain(150000, 'e');
  std::string file = seal(plain, {id.public_key()});
  size_t payload = file.find('\n', file.find("\n---") + 1) + 1;
  // A flipped bit in the header (the share), in the MAC, and in each chunk.
  std::string h = file;
  h[file.find("X25519 ") + 9] ^= 1;
  EXPECT_NE(open_error(h, id), "accepted");
  std::string m = file;
  m[payload - 3] = m[payload - 3] == 'A' ? 'B' : 'A';
  EXPECT_NE(open_error(m, id).find("MAC"), std::string::npos);
  for (size_t at : {payload + 20, payload + 16 + 65536 + 16 + 5, file.size() - 1}) {
    std::string t = file;
    t[at] ^= 0x40;
    EXPECT_NE(open_error(t, id).find("does not authenticate"), std::string::npos) << at;
  }
  // Cut at a chunk boundary, mid-chunk, before the nonce; extended by a byte.
  EXPECT_NE(open_error(file.substr(0, payload + 16 + 65536 + 16), id).find("cut short"), std::string::npos);
  EXPECT_NE(open_error(file.substr(0, file.size() - 100), id).find("does not authenticate"), std::string::npos);
  EXPECT_NE(open_error(file.substr(0, payload + 5), id).find("cut short"), std::string::npos);
  EXPECT_NE(open_error(file + "x", id), "accepted");
  EXPECT_NE(open_error("not an age file\n", id).find("not an age v1 file"), std::string::npos);
  EXPECT_NE(open_error("age-encryption.org/v1\n-> X25519 abc\n", id).find("cut short"), std::string::npos);
}

}  // namespace
}  // namespace comity::crypto
