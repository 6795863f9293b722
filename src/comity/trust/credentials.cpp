#include "comity/trust/credentials.hpp"

#include <algorithm>
#include <initializer_list>

#include "comity/crypto/age.hpp"
#include "comity/trust/fields.hpp"
#include "comity/util/jcs.hpp"

namespace comity::trust {

using nlohmann::json;

namespace {

constexpr const char* kAnchorType = "comity.anchor/v1";
constexpr const char* kCredentialType = "comity.credential/v1";
constexpr const char* kRevocationsType = "comity.revocations/v1";
constexpr const char* kBundleType = "comity.trust-bundle/v1";

bool verifies(const json& doc, const std::string& key, const std::string& path) {
  return crypto::verify(parse_key_text(key, path), signed_bytes(doc), signature_of(doc, "signature", path));
}

const char* kKinds[] = {
    "issuing_authority", "validating_authority", "central_authority", "provider", "oversight", "node"};

bool known_kind(const std::string& kind) {
  return std::any_of(std::begin(kKinds), std::end(kKinds), [&](const char* k) { return kind == k; });
}

std::vector<HostedParty> read_hosts(const json& j, const std::string& path) {
  if (!j.is_array() || j.empty() || j.size() > 1000) malformed(path, "expected an array of 1 to 1000 hosted parties");
  std::vector<HostedParty> out;
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string at = path + "[" + std::to_string(i) + "]";
    Reader h(j[i], at, {"party", "kind"});
    HostedParty p{h.str("party"), h.str("kind")};
    if (!known_kind(p.kind) || p.kind == "node")
      malformed(h.at("kind"),
                "expected one of issuing_authority, validating_authority, central_authority, provider, oversight");
    if (std::any_of(out.begin(), out.end(), [&](const HostedParty& o) { return o.party == p.party; }))
      malformed(h.at("party"), "the party " + p.party + " is listed twice");
    out.push_back(std::move(p));
  }
  return out;
}

Subject read_subject(const json& j, const std::string& path) {
  Reader r(j, path,
           {"party", "state", "kind", "user", "role", "name", "signing_key", "encryption_key", "log_key", "witness_key",
            "hosts"});
  Subject s;
  s.party = r.str("party");
  s.state = r.state("state");
  s.kind = r.str("kind");
  if (!known_kind(s.kind))
    malformed(r.at("kind"),
              "expected one of issuing_authority, validating_authority, central_authority, provider, oversight, node");
  s.user = r.str("user", false);
  s.role = r.str("role", false);
  s.name = r.str("name");
  s.signing_key = r.key("signing_key");
  if (s.kind == "node") {
    for (const char* absent : {"encryption_key", "user", "role"})
      if (r.has(absent)) malformed(r.at(absent), "a node's credential has no " + std::string(absent));
    s.log_key = r.key("log_key");
    s.witness_key = r.key("witness_key");
    if (s.log_key == s.signing_key || s.witness_key == s.signing_key || s.log_key == s.witness_key)
      malformed(r.at("witness_key"), "a node's signing, log and witness keys must be three different keys");
    s.hosts = read_hosts(r.get("hosts"), r.at("hosts"));
    return s;
  }
  for (const char* absent : {"log_key", "witness_key", "hosts"})
    if (r.has(absent)) malformed(r.at(absent), "only a node's credential has " + std::string(absent));
  s.encryption_key = r.recipient("encryption_key");
  if (s.user.empty() != s.role.empty()) malformed(r.at(s.user.empty() ? "user" : "role"), "user and role go together");
  if (!s.role.empty() && !role_fits_party_kind(s.role, s.kind))
    malformed(r.at("role"), "a " + s.role + " cannot belong to a party of kind " + s.kind);
  return s;
}

json subject_json(const Subject& s) {
  json j = {{"party", s.party}, {"state", s.state}, {"kind", s.kind}, {"name", s.name}, {"signing_key", s.signing_key}};
  if (s.kind == "node") {
    j["log_key"] = s.log_key;
    j["witness_key"] = s.witness_key;
    json hosts = json::array();
    for (const HostedParty& h : s.hosts) hosts.push_back({{"party", h.party}, {"kind", h.kind}});
    j["hosts"] = hosts;
    return j;
  }
  j["encryption_key"] = s.encryption_key;
  if (!s.user.empty()) {
    j["user"] = s.user;
    j["role"] = s.role;
  }
  return j;
}

std::string when(Instant t) {
  return format_instant(t);
}

}  // namespace

namespace {
ErrorKind trust_kind(TrustError::Code c) {
  return c == TrustError::Code::Replayed || c == TrustError::Code::Stale ? ErrorKind::Conflict : ErrorKind::Untrusted;
}
}  // namespace

TrustError::TrustError(Code c, std::string at, const std::string& message)
    : Error(trust_kind(c), message, {{at, message}}, std::string(error_code(c))), code(c), path(std::move(at)) {}

std::string_view error_code(TrustError::Code code) {
  switch (code) {
    case TrustError::Code::Malformed: return "malformed";
    case TrustError::Code::BadSignature: return "bad_signature";
    case TrustError::Code::UnknownSigner: return "unknown_signer";
    case TrustError::Code::WrongChain: return "wrong_chain";
    case TrustError::Code::Revoked: return "revoked";
    case TrustError::Code::Expired: return "expired";
    case TrustError::Code::NotYetValid: return "not_yet_valid";
    case TrustError::Code::Replayed: return "replayed";
    case TrustError::Code::MissingSignature: return "missing_signature";
    case TrustError::Code::AnchorConflict: return "anchor_conflict";
    case TrustError::Code::Stale: return "stale";
  }
  return "malformed";
}

std::string key_text(const crypto::PublicKey& key) {
  return "ed25519:" + crypto::base64_encode(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
}

crypto::PublicKey parse_key_text(std::string_view text, const std::string& path) {
  constexpr std::string_view prefix = "ed25519:";
  std::optional<std::string> raw;
  if (text.substr(0, prefix.size()) == prefix) raw = crypto::base64_decode(text.substr(prefix.size()));
  if (!raw || raw->size() != 32)
    malformed(path, "expected an Ed25519 public key, \"ed25519:\" and 44 base64 characters");
  crypto::PublicKey k;
  std::copy(raw->begin(), raw->end(), k.begin());
  return k;
}

std::string signed_bytes(const json& doc) {
  json copy = doc;
  copy.erase("signature");
  return canonical_json(copy);
}

json sign_document(json doc, const crypto::SigningKey& key) {
  auto sig = key.sign(canonical_json(doc));
  doc["signature"] = crypto::base64_encode(std::string_view(reinterpret_cast<const char*>(sig.data()), sig.size()));
  return doc;
}

bool role_fits_party_kind(std::string_view role, std::string_view kind) {
  if (role == "officer") return kind == "issuing_authority";
  if (role == "validator") return kind == "validating_authority" || kind == "issuing_authority";
  if (role == "central_authority") return kind == "central_authority";
  if (role == "enforcing_authority")
    return kind == "central_authority" || kind == "issuing_authority" || kind == "validating_authority";
  if (role == "provider") return kind == "provider";
  if (role == "oversight") return kind == "oversight";
  if (role == "admin") return kind == "admin";  // an exchange operator; never in a credential
  return false;
}

Anchor parse_anchor(const json& doc, const std::string& path) {
  Reader r(doc, path,
           {"type", "state", "party", "name", "signing_key", "encryption_key", "not_before", "not_after", "replaces",
            "replaces_signature", "signature"});
  r.type(kAnchorType);
  Anchor a{r.state("state"),
           r.str("party"),
           r.str("name"),
           r.key("signing_key"),
           r.recipient("encryption_key"),
           r.instant("not_before"),
           r.instant("not_after"),
           r.key("replaces", false),
           doc};
  if (a.not_after <= a.not_before) malformed(r.at("not_after"), "must be after not_before");
  if (!verifies(doc, a.signing_key, path))
    throw TrustError(TrustError::Code::BadSignature, r.at("signature"),
                     "the anchor for " + a.state + " is not signed by its own key " + a.signing_key);
  if (!a.replaces.empty()) {
    json inner = doc;
    inner.erase("signature");
    inner.erase("replaces_signature");
    if (!crypto::verify(parse_key_text(a.replaces, r.at("replaces")), canonical_json(inner),
                        signature_of(doc, "replaces_signature", path)))
      throw TrustError(TrustError::Code::BadSignature, r.at("replaces_signature"),
                       "the rotated anchor for " + a.state + " is not signed by the key it replaces, " + a.replaces);
  } else if (r.has("replaces_signature")) {
    malformed(r.at("replaces_signature"), "only with replaces");
  }
  return a;
}

Credential parse_credential(const json& doc, const std::string& path) {
  Reader r(doc, path, {"type", "id", "subject", "issuer", "issued_at", "expires_at", "signature"});
  r.type(kCredentialType);
  Credential c{r.str("id"),
               r.key("issuer"),
               read_subject(r.get("subject"), r.at("subject")),
               r.instant("issued_at"),
               r.instant("expires_at"),
               doc};
  if (c.expires_at <= c.issued_at) malformed(r.at("expires_at"), "must be after issued_at");
  signature_of(doc, "signature", path);
  if (c.issuer == c.subject.signing_key) malformed(r.at("issuer"), "a credential cannot be issued by its own subject");
  return c;
}

RevocationList parse_revocations(const json& doc, const std::string& path) {
  Reader r(doc, path, {"type", "issuer", "sequence", "issued_at", "entries", "signature"});
  r.type(kRevocationsType);
  RevocationList list{r.key("issuer"), 0, r.instant("issued_at"), {}, doc};
  const json& seq = r.get("sequence");
  if (!seq.is_number_integer() || seq.get<int64_t>() < 1 || seq.get<int64_t>() > (int64_t{1} << 53))
    malformed(r.at("sequence"), "expected a positive integer");
  list.sequence = seq.get<int64_t>();
  const json& entries = r.get("entries");
  if (!entries.is_array() || entries.size() > 100000) malformed(r.at("entries"), "expected an array");
  for (size_t i = 0; i < entries.size(); ++i) {
    std::string at = r.at("entries") + "[" + std::to_string(i) + "]";
    Reader e(entries[i], at, {"key", "reason", "effective"});
    Revocation rev{e.key("key"), e.str("reason"), e.instant("effective")};
    if (rev.reason != "superseded" && rev.reason != "compromised" && rev.reason != "left_office" &&
        rev.reason != "other")
      malformed(e.at("reason"), "expected superseded, compromised, left_office or other");
    list.entries.push_back(std::move(rev));
  }
  signature_of(doc, "signature", path);
  return list;
}

json make_anchor(const Anchor& a, const crypto::SigningKey& key, const crypto::SigningKey* previous) {
  json doc = {{"type", kAnchorType},
              {"state", a.state},
              {"party", a.party},
              {"name", a.name},
              {"signing_key", key_text(key.public_key())},
              {"encryption_key", a.encryption_key},
              {"not_before", when(a.not_before)},
              {"not_after", when(a.not_after)}};
  if (previous) {
    doc["replaces"] = key_text(previous->public_key());
    auto sig = previous->sign(canonical_json(doc));
    doc["replaces_signature"] =
        crypto::base64_encode(std::string_view(reinterpret_cast<const char*>(sig.data()), sig.size()));
  }
  return sign_document(std::move(doc), key);
}

json issue_credential(const std::string& id, const Subject& subject, const crypto::SigningKey& issuer,
                      Instant issued_at, Instant expires_at) {
  json doc = {{"type", kCredentialType},          {"id", id},
              {"subject", subject_json(subject)}, {"issuer", key_text(issuer.public_key())},
              {"issued_at", when(issued_at)},     {"expires_at", when(expires_at)}};
  return sign_document(std::move(doc), issuer);
}

json sign_revocations(const crypto::SigningKey& issuer, int64_t sequence, Instant issued_at,
                      const std::vector<Revocation>& entries) {
  json list = json::array();
  for (const auto& e : entries)
    list.push_back({{"key", e.key}, {"reason", e.reason}, {"effective", when(e.effective)}});
  json doc = {{"type", kRevocationsType},
              {"issuer", key_text(issuer.public_key())},
              {"sequence", sequence},
              {"issued_at", when(issued_at)},
              {"entries", std::move(list)}};
  return sign_document(std::move(doc), issuer);
}

json chain_json(const Chain& chain) {
  json out = json::array();
  for (const auto& l : chain) {
    json j = {{"level", l.level},
              {"party", l.party},
              {"state", l.state},
              {"kind", l.kind},
              {"name", l.name},
              {"signing_key", l.signing_key},
              {"encryption_key", l.encryption_key},
              {"expires_at", when(l.expires_at)}};
    if (!l.user.empty()) j["user"] = l.user;
    if (!l.role.empty()) j["role"] = l.role;
    if (!l.credential.empty()) j["credential"] = l.credential;
    out.push_back(std::move(j));
  }
  return out;
}

// --- TrustStore ------------------------------------------------------------

void TrustStore::add_anchor(const json& doc, AnchorChange change) {
  Anchor a = parse_anchor(doc);
  for (const auto& known : anchors_)
    if (known.signing_key == a.signing_key) {
      if (known.state != a.state)
        throw TrustError(TrustError::Code::AnchorConflict, "$.signing_key",
                         "the key " + a.signing_key + " is already the anchor of " + known.state);
      return;  // the same anchor again
    }
  bool has_state = std::any_of(anchors_.begin(), anchors_.end(), [&](const Anchor& k) { return k.state == a.state; });
  if (has_state && change == AnchorChange::RequireCrossSignature) {
    bool consented = std::any_of(anchors_.begin(), anchors_.end(),
                                 [&](const Anchor& k) { return k.state == a.state && k.signing_key == a.replaces; });
    if (!consented)
      throw TrustError(TrustError::Code::AnchorConflict, "$.replaces",
                       a.state +
                           " already has an anchor, and this one is not signed by it: replacing an anchor "
                           "needs the old anchor's signature or the operator's override");
  }
  anchors_.push_back(std::move(a));
}

void TrustStore::add_credential(const json& doc) {
  Credential c = parse_credential(doc);
  // Checked once, here: a credential is immutable, so chains need not check it again.
  if (!verifies(c.doc, c.issuer, "$"))
    throw TrustError(TrustError::Code::BadSignature, "$.signature",
                     "credential " + c.id + " does not verify under its issuer's key " + c.issuer);
  auto it = credentials_.find(c.id);
  if (it != credentials_.end()) {
    if (it->second.doc != c.doc) malformed("$.id", "another credential already has the id " + c.id);
    return;
  }
  credentials_.emplace(c.id, std::move(c));
}

void TrustStore::add_revocations(const json& doc) {
  RevocationList list = parse_revocations(doc);
  bool known = anchor_for(list.issuer) != nullptr || credential_for(list.issuer) != nullptr;
  if (!known)
    throw TrustError(TrustError::Code::UnknownSigner, "$.issuer",
                     "no anchor or credential has the key " + list.issuer + " that signed this revocation list");
  if (!verifies(doc, list.issuer, "$"))
    throw TrustError(TrustError::Code::BadSignature, "$.signature",
                     "the revocation list is not signed by its issuer " + list.issuer);
  // A list replaces its issuer's previous one only with a higher sequence:
  // an older or equal one that says something else would silently undo or
  // fork a revocation, so it is refused. The very list in force, sent again
  // (a bundle re-imported whole), changes nothing.
  auto it = revocations_.find(list.issuer);
  if (it != revocations_.end() && it->second.sequence >= list.sequence) {
    if (it->second.doc == list.doc) return;
    throw TrustError(TrustError::Code::Stale, "$.sequence",
                     "the revocation list of " + list.issuer + " in force has sequence " +
                         std::to_string(it->second.sequence) + "; a new list needs a higher one, not " +
                         std::to_string(list.sequence));
  }
  revocations_[list.issuer] = std::move(list);
}

void TrustStore::add_bundle(const json& bundle, AnchorChange change) {
  Reader r(bundle, "$", {"type", "anchors", "credentials", "revocations"});
  r.type(kBundleType);
  TrustStore next = *this;
  auto each = [&](const char* member, auto&& add) {
    if (!r.has(member)) return;
    const json& list = r.get(member);
    if (!list.is_array()) malformed(r.at(member), "expected an array");
    for (size_t i = 0; i < list.size(); ++i) {
      try {
        add(list[i]);
      } catch (TrustError& e) {
        std::string at = r.at(member) + "[" + std::to_string(i) + "]";
        throw TrustError(e.code, at + e.path.substr(1), at + ": " + e.what());
      }
    }
  };
  each("anchors", [&](const json& d) { next.add_anchor(d, change); });
  each("credentials", [&](const json& d) { next.add_credential(d); });
  each("revocations", [&](const json& d) { next.add_revocations(d); });
  *this = std::move(next);
}

json TrustStore::bundle() const {
  json anchors = json::array(), credentials = json::array(), revocations = json::array();
  for (const auto& a : anchors_) anchors.push_back(a.doc);
  for (const auto& [_, c] : credentials_) credentials.push_back(c.doc);
  for (const auto& [_, l] : revocations_) revocations.push_back(l.doc);
  return {{"type", kBundleType}, {"anchors", anchors}, {"credentials", credentials}, {"revocations", revocations}};
}

const Anchor* TrustStore::anchor_for(const std::string& key) const {
  for (const auto& a : anchors_)
    if (a.signing_key == key) return &a;
  return nullptr;
}

const Credential* TrustStore::credential_for(const std::string& key) const {
  const Credential* best = nullptr;
  for (const auto& [_, c] : credentials_)
    if (c.subject.signing_key == key && (!best || c.expires_at > best->expires_at)) best = &c;
  return best;
}

std::vector<std::string> TrustStore::party_states(const std::string& party) const {
  std::vector<std::string> out;
  for (const auto& [_, c] : credentials_)
    if (c.subject.party == party && c.subject.kind != "node" && c.subject.user.empty() &&
        std::find(out.begin(), out.end(), c.subject.state) == out.end())
      out.push_back(c.subject.state);
  return out;
}

std::optional<Revocation> TrustStore::revocation(const std::string& key, const std::string& state,
                                                 const std::string& issuer, Instant at) const {
  auto check = [&](const std::string& by) -> std::optional<Revocation> {
    auto it = revocations_.find(by);
    if (it == revocations_.end()) return std::nullopt;
    for (const auto& e : it->second.entries)
      if (e.key == key && e.effective <= at) return e;
    return std::nullopt;
  };
  for (const std::string* by : {&key, &issuer})
    if (auto r = check(*by)) return r;
  for (const auto& a : anchors_)
    if (a.state == state)
      if (auto r = check(a.signing_key)) return r;
  return std::nullopt;
}

Chain TrustStore::verify_signer(const std::string& key, Instant at, const std::string& path) const {
  return chain(key, at, path, 0);
}

Chain TrustStore::chain(const std::string& key, Instant at, const std::string& path, int depth) const {
  std::vector<const Credential*> candidates;
  for (const auto& [_, c] : credentials_)
    if (c.subject.signing_key == key) candidates.push_back(&c);
  if (candidates.empty()) {
    if (const Anchor* a = anchor_for(key); a && depth > 0) {
      if (at < a->not_before)
        throw TrustError(TrustError::Code::NotYetValid, path,
                         "the anchor of " + a->state + " is valid from " + when(a->not_before));
      if (at >= a->not_after)
        throw TrustError(TrustError::Code::Expired, path,
                         "the anchor of " + a->state + " expired at " + when(a->not_after));
      if (auto r = revocation(key, a->state, key, at))
        throw TrustError(TrustError::Code::Revoked, path,
                         "the anchor key of " + a->state + " was revoked (" + r->reason + ") at " + when(r->effective));
      return {ChainLink{"anchor", a->party, a->state, "central_authority", "", "", a->name, a->signing_key,
                        a->encryption_key, "", a->not_after}};
    }
    if (anchor_for(key))
      throw TrustError(
          TrustError::Code::WrongChain, path,
          "the key " + key + " is a central authority's anchor, which certifies parties and signs nothing else");
    throw TrustError(TrustError::Code::UnknownSigner, path, "no credential in the trust bundle has the key " + key);
  }
  // Newest first; the first credential that holds decides, else the newest one's error is reported.
  std::sort(candidates.begin(), candidates.end(),
            [](const Credential* a, const Credential* b) { return a->issued_at > b->issued_at; });
  std::optional<TrustError> first_error;
  for (const Credential* c : candidates) {
    try {
      return chain_of(*c, at, path, depth);
    } catch (const TrustError& e) {
      if (!first_error) first_error = e;
    }
  }
  throw *first_error;
}

Chain TrustStore::chain_of(const Credential& c, Instant at, const std::string& path, int depth) const {
  const Subject& s = c.subject;
  std::string who = "credential " + c.id + " (" + (s.user.empty() ? s.party : s.user + " of " + s.party) + ")";
  if (at < c.issued_at)
    throw TrustError(TrustError::Code::NotYetValid, path, who + " is valid from " + when(c.issued_at));
  if (at >= c.expires_at) throw TrustError(TrustError::Code::Expired, path, who + " expired at " + when(c.expires_at));
  if (auto r = revocation(s.signing_key, s.state, c.issuer, at))
    throw TrustError(
        TrustError::Code::Revoked, path,
        "the key " + s.signing_key + " of " + who + " was revoked (" + r->reason + ") at " + when(r->effective));
  // Its signature under c.issuer was verified when it was added; whether
  // c.issuer may issue it is what the rest of the chain decides.
  if (depth >= 2) throw TrustError(TrustError::Code::WrongChain, path, who + " sits deeper than party → anchor allows");

  Chain rest = chain(c.issuer, at, path, depth + 1);
  const ChainLink& up = rest.front();
  if (!s.user.empty()) {
    if (up.level != "party" || up.party != s.party || up.state != s.state || up.kind != s.kind)
      throw TrustError(TrustError::Code::WrongChain, path,
                       who + " must be issued by its own party " + s.party + " (" + s.state + "), not by " +
                           (up.level == "anchor" ? "the anchor of " + up.state : up.party + " (" + up.state + ")"));
  } else {
    if (up.level != "anchor" || up.state != s.state)
      throw TrustError(TrustError::Code::WrongChain, path,
                       who + " must be issued by the central authority anchor of " + s.state + ", not by " +
                           (up.level == "anchor" ? "the anchor of " + up.state : up.party + " (" + up.state + ")"));
  }
  Chain out{ChainLink{s.user.empty() ? "party" : "user", s.party, s.state, s.kind, s.user, s.role, s.name,
                      s.signing_key, s.encryption_key, c.id, c.expires_at}};
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

}  // namespace comity::trust
