#include "comity/fed/http_signature.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "test_support.hpp"

namespace comity::fed {
namespace {

const Instant T = 1'795'000'000;
const RequestParts kParts{"POST", "nl-node.example:8443", "/fed/v1/messages", "application/json"};
const std::string kBody = R"({"type":"comity.fed.message/v1","seq":3})";
const std::string kKeyid = "de-node/ed25519:AAAA";
const std::string kNonce = "AAECAwQFBgcICQoLDA0ODw==";
const std::string kComponents = R"(("@method" "@authority" "@path" "content-type" "content-digest"))";

std::string b64(const crypto::Signature& s) {
  return crypto::base64_encode(std::string_view(reinterpret_cast<const char*>(s.data()), s.size()));
}
crypto::PublicKey public_key_of(std::string_view b64_text) {
  auto raw = crypto::base64_decode(b64_text);
  EXPECT_TRUE(raw && raw->size() == 32);
  crypto::PublicKey k{};
  if (raw) std::copy(raw->begin(), raw->begin() + std::min<size_t>(raw->size(), 32), k.begin());
  return k;
}
std::string params(Instant created, Instant expires, std::string_view nonce = kNonce, std::string_view keyid = kKeyid) {
  return kComponents + ";created=" + std::to_string(created) + ";expires=" + std::to_string(expires) + ";nonce=\"" +
         std::string(nonce) + "\";keyid=\"" + std::string(keyid) + "\";tag=\"comity-fed/v1\"";
}

// The RFC 9421 §2.5 base, written out independently of the implementation:
// the tests sign it themselves to make headers the signer never would.
std::string base_of(const RequestParts& p, std::string_view digest, std::string_view signature_params) {
  return "\"@method\": " + std::string(p.method) + "\n\"@authority\": " + std::string(p.authority) +
         "\n\"@path\": " + std::string(p.path) + "\n\"content-type\": " + std::string(p.content_type) +
         "\n\"content-digest\": " + std::string(digest) + "\n\"@signature-params\": " + std::string(signature_params);
}

class HttpSignature : public ::testing::Test {
 protected:
  crypto::SigningKey key = crypto::SigningKey::generate();
  KeyLookup lookup = [this](std::string_view id) -> std::optional<crypto::PublicKey> {
    if (id == kKeyid) return key.public_key();
    return std::nullopt;
  };
  SignedHeaders h = sign_request(kParts, kBody, key, kKeyid, T, kNonce);

  // The reason verify_request gives, or "ok"; every refusal must be a
  // SignatureError of kind Unauthenticated naming one header.
  std::string outcome(const RequestParts& p, std::string_view body, std::string_view digest, std::string_view input,
                      std::string_view sig, Instant now = T + 10) {
    try {
      verify_request(p, body, digest, input, sig, now, lookup);
      return "ok";
    } catch (const SignatureError& e) {
      EXPECT_EQ(e.kind, ErrorKind::Unauthenticated);
      EXPECT_EQ(e.field_errors.size(), 1u);
      if (!e.field_errors.empty()) {
        EXPECT_EQ(e.field_errors[0].path.rfind("header:", 0), 0u) << e.field_errors[0].path;
      }
      return e.reason;
    }
  }
  std::string with_input(std::string_view input, Instant now = T + 10) {
    return outcome(kParts, kBody, h.content_digest, input, h.signature, now);
  }
  std::string with_signature(std::string_view sig) {
    return outcome(kParts, kBody, h.content_digest, h.signature_input, sig);
  }
  // Signs `signature_params` (and `digest`) as given, so a refusal shows the
  // verifier's rule, not a signature that fails to match.
  std::string signed_by_hand(std::string_view signature_params, std::string_view label = "comity",
                             std::string_view digest = {}, Instant now = T + 10) {
    std::string d = digest.empty() ? h.content_digest : std::string(digest);
    std::string sig = std::string(label) + "=:" + b64(key.sign(base_of(kParts, d, signature_params))) + ":";
    return outcome(kParts, kBody, d, std::string(label) + "=" + std::string(signature_params), sig, now);
  }
};

TEST_F(HttpSignature, SignThenVerify) {
  EXPECT_EQ(h.signature_input, "comity=" + params(T, T + 300));
  EXPECT_EQ(h.content_digest, content_digest(kBody));
  EXPECT_EQ(h.signature.substr(0, 8), "comity=:");
  auto v = verify_request(kParts, kBody, h.content_digest, h.signature_input, h.signature, T + 10, lookup);
  EXPECT_EQ(v.keyid, kKeyid);
  EXPECT_EQ(v.nonce, kNonce);
  EXPECT_EQ(v.created, T);
  EXPECT_EQ(v.expires, T + 300);
  EXPECT_EQ(signed_by_hand(params(T, T + 300)), "ok");  // the test's own base is the implementation's
  auto short_lived = sign_request(kParts, kBody, key, kKeyid, T, "x", 1);
  EXPECT_EQ(outcome(kParts, kBody, short_lived.content_digest, short_lived.signature_input, short_lived.signature, T),
            "ok");
}

// RFC 9421 Appendix B.2.6: its ed25519 key and signature base, byte for byte.
// The example covers date and content-length, which this profile does not,
// so it checks the key, the base's line format and Ed25519 itself.
constexpr const char* kRfcPrivateKey =
    "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF\n"
    "-----END PRIVATE KEY-----\n";
constexpr const char* kRfcPublicKey = "JrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=";

crypto::SigningKey rfc_key(const test::TempDir& dir) {
  auto path = (dir.path() / "test-key-ed25519.pem").string();
  std::ofstream(path) << kRfcPrivateKey;
  return crypto::SigningKey::load_pem(path);
}

TEST(HttpSignatureRfc9421, AppendixB26Ed25519) {
  test::TempDir dir;
  auto key = rfc_key(dir);
  EXPECT_EQ(key.public_key(), public_key_of(kRfcPublicKey));
  const std::string base =
      "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n"
      "\"@method\": POST\n"
      "\"@path\": /foo\n"
      "\"@authority\": example.com\n"
      "\"content-type\": application/json\n"
      "\"content-length\": 18\n"
      "\"@signature-params\": (\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" "
      "\"content-length\");created=1618884473;keyid=\"test-key-ed25519\"";
  const std::string expected =
      "wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==";
  EXPECT_EQ(b64(key.sign(base)), expected);
}

// This profile over the RFC's test request (B.2: POST /foo at example.com,
// {"hello": "world"}) and key. The digest is RFC 9530 §2's example; the base
// is written out by hand, and the signature was computed from that base by
// `openssl pkeyutl -sign -rawin`, independently of this code.
TEST(HttpSignatureRfc9421, ProfileOverTheRfcTestRequest) {
  test::TempDir dir;
  auto key = rfc_key(dir);
  const std::string body = R"({"hello": "world"})";
  EXPECT_EQ(content_digest(body), "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:");
  const std::string base =
      "\"@method\": POST\n"
      "\"@authority\": example.com\n"
      "\"@path\": /foo\n"
      "\"content-type\": application/json\n"
      "\"content-digest\": sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:\n"
      "\"@signature-params\": (\"@method\" \"@authority\" \"@path\" \"content-type\" \"content-digest\")"
      ";created=1618884473;expires=1618884773;nonce=\"bm9uY2U=\";keyid=\"test-key-ed25519\";tag=\"comity-fed/v1\"";
  const std::string expected =
      "TrNUEup0mp/9t5nG9bV3f01JpMggZiym8VY3Lh1wCmcKjafiZ6VfAtvDHYV5jATpmslS925JfjPIkcdmUumjBQ==";
  EXPECT_EQ(b64(key.sign(base)), expected);
  // The authority is lower-cased and the content type trimmed into the base.
  RequestParts parts{"POST", "Example.COM", "/foo", " application/json\t"};
  auto h = sign_request(parts, body, key, "test-key-ed25519", 1618884473, "bm9uY2U=");
  EXPECT_EQ(h.signature, "comity=:" + expected + ":");
  EXPECT_EQ(h.signature_input,
            "comity=(\"@method\" \"@authority\" \"@path\" \"content-type\" \"content-digest\");created=1618884473;"
            "expires=1618884773;nonce=\"bm9uY2U=\";keyid=\"test-key-ed25519\";tag=\"comity-fed/v1\"");
  RequestParts received{"POST", "example.com", "/foo", "application/json"};
  KeyLookup lookup = [](std::string_view id) -> std::optional<crypto::PublicKey> {
    if (id == "test-key-ed25519") return public_key_of(kRfcPublicKey);
    return std::nullopt;
  };
  auto v = verify_request(received, body, h.content_digest, h.signature_input, h.signature, 1618884500, lookup);
  EXPECT_EQ(v.keyid, "test-key-ed25519");
  EXPECT_EQ(v.nonce, "bm9uY2U=");
}

TEST_F(HttpSignature, CoveredComponentsAreBound) {
  EXPECT_EQ(outcome(kParts, kBody + " ", h.content_digest, h.signature_input, h.signature), "digest_mismatch");
  EXPECT_EQ(outcome(kParts, kBody, "", h.signature_input, h.signature), "digest_missing");
  EXPECT_EQ(outcome(kParts, kBody, "   ", h.signature_input, h.signature), "digest_missing");
  auto other = kParts;
  other.authority = "evil.example:8443";
  EXPECT_EQ(outcome(other, kBody, h.content_digest, h.signature_input, h.signature), "bad_signature");
  other = kParts;
  other.authority = "NL-Node.Example:8443";  // RFC 9421 §2.2.3: lower-cased
  EXPECT_EQ(outcome(other, kBody, h.content_digest, h.signature_input, h.signature), "ok");
  other = kParts;
  other.path = "/fed/v1/productions";
  EXPECT_EQ(outcome(other, kBody, h.content_digest, h.signature_input, h.signature), "bad_signature");
  other = kParts;
  other.content_type = "text/plain";
  EXPECT_EQ(outcome(other, kBody, h.content_digest, h.signature_input, h.signature), "bad_signature");
  other = kParts;
  other.content_type = "  application/json ";  // field values are trimmed (RFC 9421 §2.1)
  EXPECT_EQ(outcome(other, kBody, h.content_digest, h.signature_input, h.signature), "ok");
  other = kParts;
  other.method = "PUT";
  EXPECT_EQ(outcome(other, kBody, h.content_digest, h.signature_input, h.signature), "bad_signature");
  other = kParts;
  other.content_type = "application/json\n\"@path\": /x";  // a value cannot add a line to the base
  EXPECT_EQ(outcome(other, kBody, h.content_digest, h.signature_input, h.signature), "signature_malformed");
}

TEST_F(HttpSignature, ContentDigestMustHoldTheBodysSha256) {
  const std::string sha512 = "sha-512=:" + crypto::base64_encode(std::string(64, 'x')) + ":";
  EXPECT_EQ(signed_by_hand(params(T, T + 300), "comity", sha512), "digest_missing");
  EXPECT_EQ(signed_by_hand(params(T, T + 300), "comity", sha512 + ", " + h.content_digest), "ok");  // others ignored
  EXPECT_EQ(signed_by_hand(params(T, T + 300), "comity", "sha-256=:" + crypto::base64_encode(std::string(32, 0)) + ":"),
            "digest_mismatch");
  EXPECT_EQ(signed_by_hand(params(T, T + 300), "comity", "sha-256=:" + crypto::base64_encode(std::string(31, 0)) + ":"),
            "digest_mismatch");
  EXPECT_EQ(signed_by_hand(params(T, T + 300), "comity", "sha-256=\"abc\""), "signature_malformed");
  EXPECT_EQ(signed_by_hand(params(T, T + 300), "comity", h.content_digest + ", " + h.content_digest),
            "signature_malformed");  // a member twice
  try {
    verify_request(kParts, "tampered", h.content_digest, h.signature_input, h.signature, T, lookup);
    ADD_FAILURE() << "a changed body verified";
  } catch (const SignatureError& e) {
    ASSERT_EQ(e.field_errors.size(), 1u);
    EXPECT_EQ(e.field_errors[0].path, "header:Content-Digest");
  }
}

TEST_F(HttpSignature, ExactlyTheFiveComponentsInOrder) {
  const std::string tail = ";created=" + std::to_string(T) + ";expires=" + std::to_string(T + 300) + ";nonce=\"" +
                           kNonce + "\";keyid=\"" + kKeyid + "\";tag=\"comity-fed/v1\"";
  for (std::string components : {
           R"(("@method" "@authority" "@path" "content-type" "content-digest" "date"))",  // a sixth
           R"(("@method" "@path" "@authority" "content-type" "content-digest"))",         // reordered
           R"(("@method" "@authority" "@path" "content-type"))",                          // one missing
           R"(("@method" "@authority" "@path" "content-type";sf "content-digest"))",      // a component parameter
           R"(("@method" "@authority" "@path" content-type "content-digest"))",           // a token
           R"(("@method" "@authority" "@path" "Content-Type" "content-digest"))",         // not lower case
           R"(("@method" "@authority" "@path" "content-type" "content-digest" "content-digest"))",
           R"(())",
       })
    EXPECT_EQ(signed_by_hand(components + tail), "signature_malformed") << components;
  EXPECT_EQ(with_input("comity=\"@method\"" + tail), "signature_malformed");  // not an inner list
}

TEST_F(HttpSignature, ExactlyTheFiveParametersOnce) {
  const std::string c = kComponents, t = std::to_string(T), e = std::to_string(T + 300);
  const std::string n = "nonce=\"" + kNonce + "\"", k = "keyid=\"" + kKeyid + "\"", tag = "tag=\"comity-fed/v1\"";
  for (std::string p : {
           c + ";expires=" + e + ";" + n + ";" + k + ";" + tag,                                      // no created
           c + ";created=" + t + ";" + n + ";" + k + ";" + tag,                                      // no expires
           c + ";created=" + t + ";expires=" + e + ";" + k + ";" + tag,                              // no nonce
           c + ";created=" + t + ";expires=" + e + ";" + n + ";" + tag,                              // no keyid
           c + ";created=" + t + ";expires=" + e + ";" + n + ";" + k,                                // no tag
           c + ";created=" + t + ";created=" + t + ";expires=" + e + ";" + n + ";" + k + ";" + tag,  // twice
           c + ";created=" + t + ";expires=" + e + ";" + n + ";" + k + ";" + tag + ";alg=\"ed25519\"",
           c + ";created=" + t + ";expires=" + e + ";" + n + ";" + k + ";" + tag + ";context",
           c + ";expires=" + e + ";created=" + t + ";" + n + ";" + k + ";" + tag,  // reordered (§2.3 allows)
           c + ";created=" + t + ";expires=" + e + ";" + n + ";" + k + ";tag=\"comity-fed/v2\"",
           c + ";created=" + t + ";expires=" + e + ";" + n + ";" + k + ";tag=comity-fed/v1",  // a token
           c + ";created=\"" + t + "\";expires=" + e + ";" + n + ";" + k + ";" + tag,         // a string
           c + ";created=" + t + ".0;expires=" + e + ";" + n + ";" + k + ";" + tag,           // a decimal
           c + ";created=" + t + ";expires=" + e + ";nonce=\"\";" + k + ";" + tag,            // empty nonce
           c + ";created=" + t + ";expires=" + e + ";nonce=\"a b\";" + k + ";" + tag,         // not base64
           c + ";created=" + t + ";expires=" + e + ";" + n + ";keyid=\"a\\\"b\";" + tag,      // a '"'
       })
    EXPECT_EQ(signed_by_hand(p), "signature_malformed") << p;
}

TEST_F(HttpSignature, RefusalsSayWhatIsWrong) {
  auto message_of = [&](const std::string& input) {
    try {
      verify_request(kParts, kBody, h.content_digest, input, h.signature, T, lookup);
      return std::string("ok");
    } catch (const SignatureError& e) {
      EXPECT_EQ(e.field_errors.at(0).path, "header:Signature-Input");
      EXPECT_EQ(e.field_errors.at(0).message, e.what());
      return std::string(e.what());
    }
  };
  EXPECT_NE(message_of(h.signature_input + ";alg=\"ed25519\"").find("alg is not part of this profile"),
            std::string::npos);
  EXPECT_NE(message_of(h.signature_input + ";nonce=\"AA==\"").find("nonce twice"), std::string::npos);
  EXPECT_NE(message_of(h.signature_input + " ;x").find("at offset"), std::string::npos);
}

TEST_F(HttpSignature, OneMemberLabelledComity) {
  EXPECT_EQ(signed_by_hand(params(T, T + 300), "sig1"), "signature_malformed");
  EXPECT_EQ(with_input(h.signature_input + ", sig1=" + params(T, T + 300)), "signature_malformed");
  EXPECT_EQ(with_input(h.signature_input + ", " + h.signature_input), "signature_malformed");  // comity twice
  EXPECT_EQ(with_signature(h.signature + ", sig1=:" + crypto::base64_encode(std::string(64, 0)) + ":"),
            "signature_malformed");
  EXPECT_EQ(with_signature("sig1" + h.signature.substr(6)), "signature_malformed");
  EXPECT_EQ(with_input(""), "signature_missing");
  EXPECT_EQ(with_signature(""), "signature_missing");
  EXPECT_EQ(with_signature("  "), "signature_missing");
}

TEST_F(HttpSignature, SignatureIsA64ByteSequence) {
  auto sig_of = [](const std::string& bytes) { return "comity=:" + crypto::base64_encode(bytes) + ":"; };
  EXPECT_EQ(with_signature(sig_of(std::string(63, 'a'))), "signature_malformed");
  EXPECT_EQ(with_signature(sig_of(std::string(65, 'a'))), "signature_malformed");
  EXPECT_EQ(with_signature(sig_of(std::string(64, 'a'))), "bad_signature");
  EXPECT_EQ(with_signature("comity=:!!!!:"), "signature_malformed");
  EXPECT_EQ(with_signature("comity=:" + h.signature.substr(8, 86) + ":"), "signature_malformed");    // no padding
  EXPECT_EQ(with_signature("comity=:" + h.signature.substr(8, 88)), "signature_malformed");          // unterminated
  EXPECT_EQ(with_signature("comity=\"" + h.signature.substr(8, 88) + "\""), "signature_malformed");  // a string
  EXPECT_EQ(with_signature(h.signature + ";alg=\"ed25519\""), "signature_malformed");
  std::string flipped = h.signature;
  flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
  EXPECT_EQ(with_signature(flipped), "bad_signature");
}

TEST_F(HttpSignature, TimeWindow) {
  EXPECT_EQ(with_input(h.signature_input, T + 299), "ok");
  EXPECT_EQ(with_input(h.signature_input, T + 300), "signature_expired");  // expires <= now
  EXPECT_EQ(with_input(h.signature_input, T + 10'000), "signature_expired");
  EXPECT_EQ(with_input(h.signature_input, T - 300), "ok");  // the skew tolerated
  EXPECT_EQ(with_input(h.signature_input, T - 301), "signature_not_yet_valid");
  EXPECT_EQ(signed_by_hand(params(T, T + 301)), "signature_malformed");  // lifetime > 300
  EXPECT_EQ(signed_by_hand(params(T, T)), "signature_malformed");
  EXPECT_EQ(signed_by_hand(params(T, T - 1)), "signature_malformed");
  EXPECT_EQ(signed_by_hand(params(T - 400, T - 100), "comity", {}, T), "signature_expired");
}

TEST_F(HttpSignature, KeyMustBeKnownAndMustHaveSigned) {
  auto unknown = sign_request(kParts, kBody, key, "xx-node/ed25519:BBBB", T, kNonce);
  try {
    verify_request(kParts, kBody, unknown.content_digest, unknown.signature_input, unknown.signature, T, lookup);
    ADD_FAILURE() << "an unknown key verified";
  } catch (const SignatureError& e) {
    EXPECT_EQ(e.reason, "unknown_key");
  }
  auto other = crypto::SigningKey::generate();
  auto forged = sign_request(kParts, kBody, other, kKeyid, T, kNonce);
  EXPECT_EQ(outcome(kParts, kBody, forged.content_digest, forged.signature_input, forged.signature), "bad_signature");
  EXPECT_EQ(outcome(kParts, kBody, h.content_digest, h.signature_input, forged.signature), "bad_signature");
}

// RFC 8941 §4.2: SP at a field's ends; OWS around a dictionary's commas; SP
// inside an inner list and after a parameter's ';' — and nowhere else.
TEST_F(HttpSignature, WhitespaceOnlyWhereRfc8941AllowsIt) {
  const std::string p = params(T, T + 300);
  const std::string spaced =
      R"(comity=(  "@method" "@authority"   "@path" "content-type" "content-digest" ))" + p.substr(kComponents.size());
  EXPECT_EQ(with_input(spaced), "ok");
  EXPECT_EQ(with_input("  " + h.signature_input + "  "), "ok");
  std::string semicolon_space = h.signature_input;
  semicolon_space.replace(semicolon_space.find(";expires"), 1, ";  ");
  EXPECT_EQ(with_input(semicolon_space), "ok");
  EXPECT_EQ(with_signature(" " + h.signature + " \t"), "ok");  // OWS after the last member
  const std::string sha512 = "sha-512=:" + crypto::base64_encode(std::string(64, 'x')) + ":";
  EXPECT_EQ(signed_by_hand(p, "comity", sha512 + ",\t " + h.content_digest), "ok");
  EXPECT_EQ(signed_by_hand(p, "comity", h.content_digest + " \t, " + sha512), "ok");

  auto replace = [](std::string s, std::string_view from, std::string_view to) {
    return s.replace(s.find(from), from.size(), to);
  };
  const std::string& in = h.signature_input;
  for (const std::string& bad : {
           replace(in, "comity=", "comity ="),
           replace(in, "comity=", "comity= "),
           replace(in, ";created=", " ;created="),
           replace(in, ";created=", ";created ="),
           replace(in, ";created=", ";created= "),
           replace(in, "\" \"@path", "\"\t\"@path"),
           replace(in, "\" \"@path", "\"\"@path"),
           replace(in, "(\"", "(\t\""),
           "\t" + in,
           in + ",",
           in + ";",
           replace(in, "comity=", "Comity="),
       })
    EXPECT_EQ(with_input(bad), "signature_malformed") << bad;
  EXPECT_EQ(with_signature(replace(h.signature, "=:", "=: ")), "signature_malformed");
  EXPECT_EQ(signed_by_hand(p, "comity", replace(h.content_digest, "sha-256=", "sha-256 =")), "signature_malformed");
  EXPECT_EQ(signed_by_hand(p, "comity", sha512 + ",," + h.content_digest), "signature_malformed");
}

TEST_F(HttpSignature, SignerRefusesWhatItMustNotSign) {
  auto kind_of = [&](std::string_view keyid, std::string_view nonce, int64_t lifetime) {
    try {
      sign_request(kParts, kBody, key, keyid, T, nonce, lifetime);
      return std::string("ok");
    } catch (const Error& e) {
      return std::string(error_kind_info(e.kind).name);
    }
  };
  EXPECT_EQ(kind_of(kKeyid, kNonce, 300), "ok");
  EXPECT_EQ(kind_of(kKeyid, kNonce, 0), "internal");
  EXPECT_EQ(kind_of(kKeyid, kNonce, 301), "internal");
  EXPECT_EQ(kind_of(kKeyid, "", 300), "internal");
  EXPECT_EQ(kind_of(kKeyid, "no spaces", 300), "internal");
  EXPECT_EQ(kind_of(kKeyid, std::string(65, 'A'), 300), "internal");
  EXPECT_EQ(kind_of("a\"b", kNonce, 300), "internal");
  EXPECT_EQ(kind_of("a\\b", kNonce, 300), "internal");
}

// Random bytes, and random edits of valid headers, as each header: the
// verifier refuses with a SignatureError or accepts; nothing else escapes.
TEST_F(HttpSignature, RandomHeadersNeverCrash) {
  std::mt19937 rng(20261101);
  const std::string alphabet = "comity=:;,()\" \t\\-*?01sha256created\"@/+=\x7f\x80\n";
  auto random_text = [&] {
    std::string s(rng() % 100, '\0');
    for (char& c : s) c = rng() % 3 ? alphabet[rng() % alphabet.size()] : static_cast<char>(rng() % 256);
    return s;
  };
  auto edit = [&](std::string s) {
    for (unsigned n = 1 + rng() % 4; n > 0 && !s.empty(); --n) {
      size_t at = rng() % s.size();
      switch (rng() % 3) {
        case 0: s[at] = alphabet[rng() % alphabet.size()]; break;
        case 1: s.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
        default: s.erase(at, 1 + rng() % 8);
      }
    }
    return s;
  };
  int accepted = 0;
  for (int i = 0; i < 6000; ++i) {
    std::string headers[3] = {h.content_digest, h.signature_input, h.signature};
    std::string& target = headers[i % 3];
    target = (i / 3) % 2 ? random_text() : edit(target);
    try {
      verify_request(kParts, kBody, headers[0], headers[1], headers[2], T + 10, lookup);
      ++accepted;
    } catch (const SignatureError&) {
    } catch (const std::exception& e) {
      ADD_FAILURE() << "escaped: " << e.what() << " for " << testing::PrintToString(target);
    }
  }
  EXPECT_LT(accepted, 600);  // most edits break something
}

}  // namespace
}  // namespace comity::fed
