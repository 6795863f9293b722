// Parsing. One recursive-descent Parser follows RFC 8941 §4.2's algorithms
// step by step (dictionary §4.2.2, inner list §4.2.1.2, parameters §4.2.3.2,
// key, integer, string, token, byte sequence, boolean) into a generic tree,
// and refuses anything else, decimals included, naming the offset where it
// stopped. Whitespace passes exactly where those algorithms discard it: SP at
// either end of a field, OWS around a dictionary's commas, SP inside an inner
// list and after a parameter's ';'; never around '=' nor before ';'. It is
// stricter than RFC 8941 twice: a key repeated in a dictionary or in one
// item's parameters is refused (RFC 8941 keeps the last, which would let a
// second `comity` or `created` hide what was signed), and a byte sequence
// must be canonical padded base64 (§4.2.7 tolerates missing padding).
//
// The profile is then checked on the tree: one member, `comity`; the five
// components as bare strings; the five parameters, each of its type. The
// `@signature-params` value is serialised canonically (RFC 8941 §4.1) from
// the values taken out, and the received inner list, serialised back from its
// tree, must be the same string: the parameters come in the order created,
// expires, nonce, keyid, tag, and what is verified is what was sent, whatever
// whitespace carried it. One function builds the signature base for signer
// and verifier alike. Checks run cheapest first: syntax and profile, the time
// window, the digest over the body, the key, and Ed25519 last.
#include "comity/fed/http_signature.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace comity::fed {

SignatureError::SignatureError(std::string_view code, std::string_view header, const std::string& message)
    : Error(ErrorKind::Unauthenticated, message, {{"header:" + std::string(header), message}}, std::string(code)) {}

namespace {

constexpr std::string_view kLabel = "comity";
constexpr std::array<std::string_view, 5> kComponents = {"@method", "@authority", "@path", "content-type",
                                                         "content-digest"};
constexpr std::array<std::string_view, 5> kParams = {"created", "expires", "nonce", "keyid", "tag"};
constexpr int64_t kMaxInteger = 999'999'999'999'999;  // RFC 8941 §3.3.1: at most 15 digits

const std::string kLcalpha = "abcdefghijklmnopqrstuvwxyz", kDigit = "0123456789",
                  kAlpha = kLcalpha + "ABCDEFGHIJKLMNOPQRSTUVWXYZ", kKeyChar = kLcalpha + kDigit + "_-.*",
                  kTokenChar = kAlpha + kDigit + "!#$%&'*+-.^_`|~:/", kBase64 = kAlpha + kDigit + "+/=";
bool in(char c, std::string_view set) {
  return set.find(c) != std::string_view::npos;
}
bool all_in(std::string_view s, std::string_view set) {
  return std::all_of(s.begin(), s.end(), [&](char c) { return in(c, set); });
}

struct Bare {
  enum class Type { Integer, String, Token, Bytes, Boolean } type = Type::Boolean;
  int64_t integer = 1;  // an integer's value, or a boolean's
  std::string text;     // a string's or token's characters, or the bytes
};
using Params = std::vector<std::pair<std::string, Bare>>;
struct Item {
  Bare value;
  Params params;
};
struct Member {
  bool inner = false;
  Item item;               // the item, or (inner) only the list's parameters
  std::vector<Item> list;  // inner: the list's items
};
using Dictionary = std::vector<std::pair<std::string, Member>>;

class Parser {
 public:
  Parser(std::string_view text, std::string_view header) : s_(text), header_(header) {}

  // RFC 8941 §4.2 with §4.2.2; an empty field is an empty dictionary.
  Dictionary dictionary() {
    Dictionary d;
    skip(" ");
    while (!done()) {
      std::string k = key();
      for (const auto& m : d)
        if (m.first == k) fail("the member " + k + " twice");
      Member m;
      if (eat('='))
        m = member();
      else
        m.item.params = params();
      d.emplace_back(std::move(k), std::move(m));
      skip(" \t");
      if (done()) break;
      if (!eat(',')) fail("expected ',' between members");
      skip(" \t");
      if (done()) fail("a trailing ','");
    }
    return d;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw SignatureError("signature_malformed", header_,
                         "the " + std::string(header_) + " header is not a valid structured field: " + what +
                             " (at offset " + std::to_string(pos_) + ")");
  }
  bool done() const { return pos_ >= s_.size(); }
  char peek() const { return done() ? '\0' : s_[pos_]; }  // '\0' is valid nowhere
  bool eat(char c) { return !done() && s_[pos_] == c && (++pos_, true); }
  void skip(std::string_view chars) {
    while (!done() && chars.find(s_[pos_]) != std::string_view::npos) ++pos_;
  }

  Member member() {  // §4.2.1.1
    Member m;
    if (!eat('(')) {
      m.item = item();
      return m;
    }
    m.inner = true;  // §4.2.1.2
    for (;;) {
      skip(" ");
      if (eat(')')) break;
      if (done()) fail("an unterminated inner list");
      m.list.push_back(item());
      if (peek() != ' ' && peek() != ')') fail("expected ' ' or ')' after an item of an inner list");
    }
    m.item.params = params();
    return m;
  }
  Item item() { return {bare(), params()}; }  // §4.2.3; a braced list runs left to right
  Params params() {                           // §4.2.3.2
    Params p;
    while (eat(';')) {
      skip(" ");
      std::string k = key();
      for (const auto& q : p)
        if (q.first == k) fail("the parameter " + k + " twice");
      Bare v;
      if (eat('=')) v = bare();
      p.emplace_back(std::move(k), std::move(v));
    }
    return p;
  }
  std::string key() {  // §4.2.3.3
    if (!in(peek(), kLcalpha + "*")) fail("expected a key");
    size_t start = pos_;
    while (!done() && in(s_[pos_], kKeyChar)) ++pos_;
    return std::string(s_.substr(start, pos_ - start));
  }
  Bare bare() {  // §4.2.3.1
    Bare b;
    char c = peek();
    if (c == '-' || in(c, kDigit)) {  // §4.2.4, integers only
      b.type = Bare::Type::Integer;
      bool negative = eat('-');
      size_t start = pos_;
      b.integer = 0;
      while (in(peek(), kDigit) && pos_ - start < 15) b.integer = b.integer * 10 + (s_[pos_++] - '0');
      if (pos_ == start) fail("expected a digit");
      if (in(peek(), kDigit)) fail("an integer of more than 15 digits");
      if (peek() == '.') fail("a decimal, which this profile does not use");
      if (negative) b.integer = -b.integer;
    } else if (eat('"')) {  // §4.2.5
      b.type = Bare::Type::String;
      for (;;) {
        if (done()) fail("an unterminated string");
        char ch = s_[pos_++];
        if (ch == '"') break;
        if (ch == '\\') {
          if (peek() != '"' && peek() != '\\') fail("a '\\' not before '\"' or '\\'");
          ch = s_[pos_++];
        } else if (ch < 0x20 || ch > 0x7e) {
          fail("a string character outside printable ASCII");
        }
        b.text += ch;
      }
    } else if (in(c, kAlpha + "*")) {  // §4.2.6
      b.type = Bare::Type::Token;
      size_t start = pos_;
      while (!done() && in(s_[pos_], kTokenChar)) ++pos_;
      b.text = s_.substr(start, pos_ - start);
    } else if (eat(':')) {  // §4.2.7
      b.type = Bare::Type::Bytes;
      size_t end = s_.find(':', pos_);
      if (end == std::string_view::npos) fail("an unterminated byte sequence");
      std::string_view text = s_.substr(pos_, end - pos_);
      if (!all_in(text, kBase64)) fail("a byte sequence with a character outside base64");
      auto bytes = crypto::base64_decode(text);
      if (!bytes) fail("a byte sequence that is not canonical padded base64");
      b.text = std::move(*bytes);
      pos_ = end + 1;
    } else if (eat('?')) {  // §4.2.8
      if (peek() != '0' && peek() != '1') fail("expected ?0 or ?1");
      b.integer = s_[pos_++] - '0';
    } else {
      fail("expected an item");
    }
    return b;
  }

  std::string_view s_, header_;
  size_t pos_ = 0;
};

// RFC 8941 §4.1, for what the parser produces.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}
std::string serialise(const Bare& b) {
  switch (b.type) {
    case Bare::Type::Integer: return std::to_string(b.integer);
    case Bare::Type::String: return quoted(b.text);
    case Bare::Type::Token: return b.text;
    case Bare::Type::Bytes: return ":" + crypto::base64_encode(b.text) + ":";
    case Bare::Type::Boolean: return b.integer ? "?1" : "?0";
  }
  return {};
}
std::string serialise(const Params& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    out += ";" + k;
    if (v.type != Bare::Type::Boolean || !v.integer) out += "=" + serialise(v);
  }
  return out;
}
std::string serialise_inner_list(const Member& m) {
  std::string out = "(";
  for (const auto& i : m.list) out += (out.size() > 1 ? " " : "") + serialise(i.value) + serialise(i.params);
  return out + ")" + serialise(m.item.params);
}

// The `@signature-params` value of this profile, canonically.
std::string signature_params(int64_t created, int64_t expires, std::string_view nonce, std::string_view keyid) {
  std::string out = "(";
  for (auto c : kComponents) out += (out.size() > 1 ? " " : "") + quoted(c);
  return out + ");created=" + std::to_string(created) + ";expires=" + std::to_string(expires) +
         ";nonce=" + quoted(nonce) + ";keyid=" + quoted(keyid) + ";tag=" + quoted(kSignatureTag);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
// A signature base is lines of printable ASCII: no value may hold a newline,
// a control character or a byte past ASCII (RFC 9421 §2.1, §2.5).
bool parts_safe(const RequestParts& p, std::string_view digest) {
  auto ok = [](std::string_view v) {
    return std::all_of(v.begin(), v.end(), [](char c) { return (c >= 0x20 && c <= 0x7e) || c == '\t'; });
  };
  return ok(p.method) && ok(p.authority) && ok(p.path) && ok(p.content_type) && ok(digest);
}

// RFC 9421 §2.5, for the five components of this profile.
std::string signature_base(const RequestParts& p, std::string_view digest_header, const std::string& params) {
  std::string authority(p.authority);
  for (char& c : authority)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  std::string_view path = p.path.empty() ? std::string_view("/") : p.path;  // §2.2.6
  std::string base;
  auto line = [&](std::string_view name, std::string_view value) {
    base += quoted(name) + ": " + std::string(value) + "\n";
  };
  line("@method", p.method);
  line("@authority", authority);
  line("@path", path);
  line("content-type", trim(p.content_type));
  line("content-digest", trim(digest_header));
  return base + "\"@signature-params\": " + params;
}

std::string sha256(std::string_view bytes) {
  std::string out(32, '\0');
  unsigned int n = 0;
  COMITY_ASSERT(EVP_Digest(bytes.data(), bytes.size(), reinterpret_cast<unsigned char*>(out.data()), &n, EVP_sha256(),
                           nullptr) == 1 &&
                    n == 32,
                "SHA-256 of a request body");
  return out;
}

bool nonce_ok(std::string_view n) {
  return !n.empty() && n.size() <= 64 && all_in(n, kBase64);
}
bool keyid_ok(std::string_view k) {
  return !k.empty() &&
         std::all_of(k.begin(), k.end(), [](char c) { return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\'; });
}

// The one member, `comity`, of a Signature-Input or Signature header.
const Member& only_member(const Dictionary& d, std::string_view header) {
  if (d.empty()) throw SignatureError("signature_missing", header, "the " + std::string(header) + " header is empty");
  if (d.size() != 1 || d[0].first != kLabel)
    throw SignatureError("signature_malformed", header,
                         "the " + std::string(header) + " header must have exactly one member, labelled comity");
  return d[0].second;
}

struct Input {
  int64_t created = 0, expires = 0;
  std::string nonce, keyid, params;  // params: the `@signature-params` value
};

Input parse_input(std::string_view text) {
  constexpr std::string_view h = "Signature-Input";
  auto bad = [&](const std::string& what) -> SignatureError {
    return SignatureError("signature_malformed", h, "Signature-Input: " + what);
  };
  if (trim(text).empty()) throw SignatureError("signature_missing", h, "no Signature-Input header");
  Dictionary d = Parser(text, h).dictionary();
  const Member& m = only_member(d, h);
  bool components_ok = m.inner && m.list.size() == kComponents.size();
  for (size_t i = 0; components_ok && i < m.list.size(); ++i)
    components_ok = m.list[i].value.type == Bare::Type::String && m.list[i].value.text == kComponents[i] &&
                    m.list[i].params.empty();
  if (!components_ok)
    throw bad(R"(the covered components must be ("@method" "@authority" "@path" "content-type" "content-digest"))");
  const Params& params = m.item.params;
  auto find = [&](std::string_view name, Bare::Type type) -> const Bare& {
    for (const auto& [k, v] : params)
      if (k == name) {
        if (v.type != type)
          throw bad("the parameter " + k + " must be " + (type == Bare::Type::Integer ? "an integer" : "a string"));
        return v;
      }
    throw bad("the parameter " + std::string(name) + " is missing");
  };
  for (const auto& [k, v] : params)
    if (std::find(kParams.begin(), kParams.end(), k) == kParams.end())
      throw bad("the parameter " + k + " is not part of this profile" + (k == "alg" ? " (the key decides)" : ""));
  Input in{find("created", Bare::Type::Integer).integer,
           find("expires", Bare::Type::Integer).integer,
           find("nonce", Bare::Type::String).text,
           find("keyid", Bare::Type::String).text,
           {}};
  if (find("tag", Bare::Type::String).text != kSignatureTag)
    throw bad("the tag must be \"" + std::string(kSignatureTag) + "\"");
  if (!nonce_ok(in.nonce)) throw bad("the nonce must be 1-64 characters of base64");
  if (!keyid_ok(in.keyid)) throw bad("the keyid must be printable ASCII without '\"' or '\\'");
  in.params = signature_params(in.created, in.expires, in.nonce, in.keyid);
  if (serialise_inner_list(m) != in.params)
    throw bad("the parameters must come in the order created, expires, nonce, keyid, tag");
  if (in.expires <= in.created) throw bad("expires must be after created");
  if (in.expires - in.created > kSignatureWindowSeconds)
    throw bad("expires must be at most " + std::to_string(kSignatureWindowSeconds) + " s after created");
  return in;
}

crypto::Signature parse_signature(std::string_view text) {
  constexpr std::string_view h = "Signature";
  if (trim(text).empty()) throw SignatureError("signature_missing", h, "no Signature header");
  Dictionary d = Parser(text, h).dictionary();
  const Member& m = only_member(d, h);
  crypto::Signature sig{};
  if (m.inner || m.item.value.type != Bare::Type::Bytes || !m.item.params.empty() ||
      m.item.value.text.size() != sig.size())
    throw SignatureError("signature_malformed", h, "Signature: comity must be a byte sequence of 64 bytes");
  std::copy(m.item.value.text.begin(), m.item.value.text.end(), sig.begin());
  return sig;
}

void check_digest(std::string_view header, std::string_view body) {
  constexpr std::string_view h = "Content-Digest";
  if (trim(header).empty()) throw SignatureError("digest_missing", h, "no Content-Digest header");
  Dictionary d = Parser(header, h).dictionary();
  for (const auto& [k, m] : d) {
    if (k != "sha-256") continue;  // other algorithms are ignored (RFC 9530 §2)
    if (m.inner || m.item.value.type != Bare::Type::Bytes)
      throw SignatureError("signature_malformed", h, "Content-Digest: sha-256 must be a byte sequence");
    if (m.item.value.text != sha256(body))
      throw SignatureError("digest_mismatch", h, "Content-Digest: sha-256 is not the digest of the body received");
    return;
  }
  throw SignatureError("digest_missing", h, "Content-Digest: no sha-256 digest");
}

}  // namespace

std::string content_digest(std::string_view body) {
  return "sha-256=:" + crypto::base64_encode(sha256(body)) + ":";
}

SignedHeaders sign_request(const RequestParts& parts, std::string_view body, const crypto::SigningKey& key,
                           std::string_view keyid, Instant created, std::string_view nonce, int64_t lifetime) {
  COMITY_ASSERT(lifetime > 0 && lifetime <= kSignatureWindowSeconds, "a signature lifetime of 1-300 s");
  COMITY_ASSERT(created >= -kMaxInteger && created <= kMaxInteger - lifetime, "a created time of 15 digits");
  COMITY_ASSERT(nonce_ok(nonce), "a nonce of 1-64 base64 characters");
  COMITY_ASSERT(keyid_ok(keyid), "a keyid of printable ASCII without '\"' or '\\'");
  SignedHeaders h;
  h.content_digest = content_digest(body);
  COMITY_ASSERT(parts_safe(parts, h.content_digest), "request parts of printable ASCII");
  std::string params = signature_params(created, created + lifetime, nonce, keyid);
  auto sig = key.sign(signature_base(parts, h.content_digest, params));
  h.signature_input = std::string(kLabel) + "=" + params;
  std::string_view sig_bytes(reinterpret_cast<const char*>(sig.data()), sig.size());
  h.signature = std::string(kLabel) + "=:" + crypto::base64_encode(sig_bytes) + ":";
  return h;
}

VerifiedSignature verify_request(const RequestParts& parts, std::string_view body,
                                 std::string_view content_digest_header, std::string_view signature_input_header,
                                 std::string_view signature_header, Instant now, const KeyLookup& key_of) {
  Input in = parse_input(signature_input_header);
  crypto::Signature sig = parse_signature(signature_header);
  if (in.created > now + kSignatureWindowSeconds)
    throw SignatureError("signature_not_yet_valid", "Signature-Input", "Signature-Input: created is too far ahead");
  if (in.expires <= now || in.created < now - kSignatureWindowSeconds)
    throw SignatureError("signature_expired", "Signature-Input", "Signature-Input: the signature has expired");
  check_digest(content_digest_header, body);
  if (!parts_safe(parts, content_digest_header))
    throw SignatureError("signature_malformed", "Signature-Input", "a covered component is not printable ASCII");
  COMITY_ASSERT(static_cast<bool>(key_of), "a key lookup");
  std::optional<crypto::PublicKey> key = key_of(in.keyid);
  if (!key) throw SignatureError("unknown_key", "Signature-Input", "Signature-Input: unknown keyid " + in.keyid);
  if (!crypto::verify(*key, signature_base(parts, content_digest_header, in.params), sig))
    throw SignatureError("bad_signature", "Signature", "Signature: does not verify under " + in.keyid);
  return {in.keyid, in.nonce, in.created, in.expires};
}

}  // namespace comity::fed
