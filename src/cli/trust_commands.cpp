#include "cli/trust_commands.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "comity/crypto/age.hpp"
#include "comity/crypto/ed25519.hpp"
#include "comity/trust/credentials.hpp"
#include "comity/trust/orders.hpp"

namespace comity::cli {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {
constexpr size_t kMaxDocument = 16 << 20;
}  // namespace

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(path + ": cannot be opened");
  std::string text;
  text.resize(kMaxDocument + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxDocument) throw UsageError(path + ": larger than 16 MiB");
  return text;
}

namespace {

constexpr int kOk = 0;

json read_json(const std::string& path) {
  json j = json::parse(read_file(path), nullptr, false);
  if (j.is_discarded()) throw UsageError(path + ": not JSON");
  return j;
}

enum class Secrecy : uint8_t { Secret, Public };

// Writes `text` to `path` through a temporary file, fsynced, then renamed:
// readers see the old file or the new one, never half of either.
void write_file(const std::string& path, const std::string& text, Secrecy secrecy, Existing existing) {
  if (existing == Existing::Refuse && fs::exists(path)) throw UsageError(path + ": exists already; choose a new file");
  std::string tmp = path + ".partial";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL, secrecy == Secrecy::Secret ? 0600 : 0644);
  if (fd < 0) throw UsageError(tmp + ": cannot be created");
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || (existing == Existing::Refuse && fs::exists(path))) {
    fs::remove(tmp);
    throw UsageError(path + ": write failed");
  }
  fs::rename(tmp, path);
}

struct KeyDir {
  crypto::SigningKey signing;
  crypto::AgeIdentity encryption;
};

KeyDir load_keys(const std::string& dir) {
  if (!fs::is_directory(dir)) throw UsageError(dir + ": not a key directory (make one with comity keys gen)");
  return {crypto::SigningKey::load_pem(dir + "/signing.pem"),
          crypto::AgeIdentity::parse_file_text(read_file(dir + "/encryption.age"))};
}

json public_json(const KeyDir& k, const std::string& name) {
  json j = {{"type", "comity.public-keys/v1"},
            {"signing_key", trust::key_text(k.signing.public_key())},
            {"encryption_key", crypto::age_recipient(k.encryption.public_key())}};
  if (!name.empty()) j["name"] = name;
  return j;
}

// Creates the three files of a key directory in `dir`, which must not
// hold keys yet.
json make_keys(const std::string& dir, const std::string& name) {
  fs::create_directories(dir);
  for (const char* f : {"signing.pem", "encryption.age", "public.json"})
    if (fs::exists(dir + "/" + f)) throw UsageError(dir + "/" + f + ": exists already; keys are never overwritten");
  KeyDir k{crypto::SigningKey::generate(), crypto::AgeIdentity::generate()};
  k.signing.save_pem(dir + "/signing.pem");
  std::string recipient = crypto::age_recipient(k.encryption.public_key());
  write_file(dir + "/encryption.age", "# public key: " + recipient + "\n" + k.encryption.to_string() + "\n",
             Secrecy::Secret, Existing::Refuse);
  json pub = public_json(k, name);
  k.encryption.clear();
  write_file(dir + "/public.json", pub.dump(2) + "\n", Secrecy::Public, Existing::Refuse);
  return pub;
}

void print(const json& j) {
  std::cout << j.dump(2) << "\n";
}

Instant parse_when(const std::string& text, const char* option) {
  auto t = parse_instant(text);
  if (!t)
    throw UsageError(std::string(option) + ": expected an ISO 8601 date-time with zone, e.g. 2026-11-23T10:00:00Z");
  return *t;
}

std::string new_id(const char* prefix) {
  std::string raw = crypto::random_bytes(12);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = prefix;
  for (unsigned char c : raw) {
    id.push_back(kHex[c >> 4]);
    id.push_back(kHex[c & 15]);
  }
  return id;
}

// The issuer's revocation list with one more entry, re-signed with the next
// sequence number.
json extend_revocations(const std::string& list_file, const crypto::SigningKey& issuer, trust::Revocation entry,
                        Instant now) {
  std::vector<trust::Revocation> entries;
  int64_t sequence = 1;
  if (fs::exists(list_file)) {
    auto list = trust::parse_revocations(read_json(list_file), list_file);
    if (list.issuer != trust::key_text(issuer.public_key()))
      throw UsageError(list_file + ": a revocation list of another issuer (" + list.issuer + ")");
    entries = list.entries;
    sequence = list.sequence + 1;
  }
  for (const auto& e : entries)
    if (e.key == entry.key) throw UsageError(entry.key + " is already revoked in " + list_file);
  entries.push_back(std::move(entry));
  return trust::sign_revocations(issuer, sequence, now, entries);
}

}  // namespace

crypto::SigningKey signing_key_of(const std::string& dir) {
  if (!fs::is_directory(dir)) throw UsageError(dir + ": not a key directory (make one with comity keys gen)");
  return crypto::SigningKey::load_pem(dir + "/signing.pem");
}

json read_json_file(const std::string& path) {
  return read_json(path);
}

void write_file_atomically(const std::string& path, const std::string& text, Existing existing) {
  write_file(path, text, Secrecy::Public, existing);
}

int keys_gen(const std::string& dir, const std::string& name) {
  print(make_keys(dir, name));
  return kOk;
}

int keys_show(const std::string& path) {
  if (fs::is_directory(path)) {
    json pub = public_json(load_keys(path), "");
    if (fs::exists(path + "/public.json")) {
      json stored = read_json(path + "/public.json");
      if (stored.value("signing_key", "") != pub["signing_key"] ||
          stored.value("encryption_key", "") != pub["encryption_key"])
        throw UsageError(path + "/public.json does not match the keys beside it");
      if (stored.contains("name")) pub["name"] = stored["name"];
    }
    print(pub);
    return kOk;
  }
  json doc = read_json(path);
  std::string type = doc.is_object() ? doc.value("type", "") : "";
  json out;
  if (type == "comity.anchor/v1") {
    auto a = trust::parse_anchor(doc);
    out = {{"type", type},
           {"state", a.state},
           {"party", a.party},
           {"name", a.name},
           {"signing_key", a.signing_key},
           {"not_before", format_instant(a.not_before)},
           {"not_after", format_instant(a.not_after)},
           {"self_signature", "verified"}};
    if (!a.replaces.empty()) out["replaces"] = a.replaces;
  } else if (type == "comity.credential/v1") {
    auto c = trust::parse_credential(doc);
    out = {{"type", type},
           {"id", c.id},
           {"subject", doc["subject"]},
           {"issuer", c.issuer},
           {"issued_at", format_instant(c.issued_at)},
           {"expires_at", format_instant(c.expires_at)}};
  } else if (type == "comity.revocations/v1") {
    auto l = trust::parse_revocations(doc);
    out = {{"type", type}, {"issuer", l.issuer}, {"sequence", l.sequence}, {"entries", doc["entries"]}};
  } else if (type == "comity.trust-bundle/v1") {
    trust::TrustStore store;
    store.add_bundle(doc, trust::AnchorChange::RequireCrossSignature);
    out = {{"type", type},
           {"anchors", doc.value("anchors", json::array()).size()},
           {"credentials", doc.value("credentials", json::array()).size()},
           {"revocations", doc.value("revocations", json::array()).size()}};
  } else if (doc.is_object() && doc.contains("order")) {
    out = {{"type", "comity.order/v1"},
           {"order", doc["order"].value("id", "")},
           {"signatures", doc.value("signatures", json::array()).size()}};
  } else {
    throw UsageError(path + ": not a key directory, anchor, credential, revocation list, bundle or signed order");
  }
  print(out);
  return kOk;
}

int keys_rotate(const RotateArgs& a, Instant now) {
  json current = read_json(a.current);
  bool anchor = current.is_object() && current.value("type", "") == "comity.anchor/v1";
  KeyDir old_keys = load_keys(a.keys_dir);
  std::string old_key = trust::key_text(old_keys.signing.public_key());
  json next;
  std::string retired = a.keys_dir + "/retired-" + std::to_string(now);
  auto renew = [&]() -> KeyDir {
    fs::create_directories(retired);
    for (const char* f : {"signing.pem", "encryption.age", "public.json"})
      if (fs::exists(a.keys_dir + "/" + f)) fs::rename(a.keys_dir + "/" + f, retired + "/" + f);
    make_keys(a.keys_dir, "");
    return load_keys(a.keys_dir);
  };
  if (fs::exists(a.out)) throw UsageError(a.out + ": exists already; choose a new file");
  if (anchor) {
    auto was = trust::parse_anchor(current, a.current);
    if (was.signing_key != old_key) throw UsageError(a.current + " is not the anchor of the keys in " + a.keys_dir);
    KeyDir fresh = renew();
    trust::Anchor fields = was;
    fields.encryption_key = crypto::age_recipient(fresh.encryption.public_key());
    fields.not_before = now;
    fields.not_after = now + int64_t{a.days} * 86400;
    next = trust::make_anchor(fields, fresh.signing, &old_keys.signing);
  } else {
    auto was = trust::parse_credential(current, a.current);
    if (was.subject.signing_key != old_key)
      throw UsageError(a.current + " is not the credential of the keys in " + a.keys_dir);
    if (a.issuer_dir.empty()) throw UsageError("--issuer: the key directory of the credential's issuer is required");
    KeyDir issuer = load_keys(a.issuer_dir);
    if (trust::key_text(issuer.signing.public_key()) != was.issuer)
      throw UsageError("--issuer: these keys did not issue " + a.current);
    KeyDir fresh = renew();
    trust::Subject s = was.subject;
    s.signing_key = trust::key_text(fresh.signing.public_key());
    s.encryption_key = crypto::age_recipient(fresh.encryption.public_key());
    next = trust::issue_credential(new_id("cred-"), s, issuer.signing, now, now + int64_t{a.days} * 86400);
    if (!a.revocations.empty())
      write_file(a.revocations,
                 extend_revocations(a.revocations, issuer.signing, {old_key, "superseded", now}, now).dump(2) + "\n",
                 Secrecy::Public, Existing::ReplaceAtomically);
  }
  write_file(a.out, next.dump(2) + "\n", Secrecy::Public, Existing::Refuse);
  std::cerr << "old keys kept in " << retired << "\n";
  print(next);
  return kOk;
}

int keys_revoke(const RevokeArgs& a, Instant now) {
  KeyDir issuer = load_keys(a.issuer_dir);
  trust::parse_key_text(a.key, "--key");
  Instant effective = a.effective.empty() ? now : parse_when(a.effective, "--effective");
  json list = extend_revocations(a.list, issuer.signing, {a.key, a.reason, effective}, now);
  trust::parse_revocations(list);
  write_file(a.list, list.dump(2) + "\n", Secrecy::Public, Existing::ReplaceAtomically);
  print(list);
  return kOk;
}

int trust_anchor(const AnchorArgs& a, Instant now) {
  KeyDir k = load_keys(a.keys_dir);
  trust::Anchor fields{a.state,
                       a.party,
                       a.name,
                       "",
                       crypto::age_recipient(k.encryption.public_key()),
                       now,
                       now + int64_t{a.days} * 86400,
                       "",
                       {}};
  json doc = trust::make_anchor(fields, k.signing);
  trust::parse_anchor(doc, "anchor");  // the state code and names, checked as a verifier will
  write_file(a.out, doc.dump(2) + "\n", Secrecy::Public, Existing::Refuse);
  print(doc);
  return kOk;
}

int trust_issue(const IssueArgs& a, Instant now) {
  KeyDir issuer = load_keys(a.issuer_dir);
  json pub = read_json(a.subject_file);
  if (!pub.is_object() || !pub.contains("signing_key") || !pub.contains("encryption_key"))
    throw UsageError(a.subject_file + ": expected a public.json with signing_key and encryption_key");
  trust::Subject s{
      a.party, a.state, a.kind, a.user, a.role, a.name, pub.value("signing_key", ""), pub.value("encryption_key", "")};
  json doc = trust::issue_credential(a.id.empty() ? new_id("cred-") : a.id, s, issuer.signing, now,
                                     now + int64_t{a.days} * 86400);
  trust::parse_credential(doc, "credential");
  write_file(a.out, doc.dump(2) + "\n", Secrecy::Public, Existing::Refuse);
  print(doc);
  return kOk;
}

int trust_bundle(const std::vector<std::string>& files, const std::string& out) {
  json bundle = {{"type", "comity.trust-bundle/v1"},
                 {"anchors", json::array()},
                 {"credentials", json::array()},
                 {"revocations", json::array()}};
  for (const auto& f : files) {
    json doc = read_json(f);
    std::string type = doc.is_object() ? doc.value("type", "") : "";
    if (type == "comity.anchor/v1")
      bundle["anchors"].push_back(doc);
    else if (type == "comity.credential/v1")
      bundle["credentials"].push_back(doc);
    else if (type == "comity.revocations/v1")
      bundle["revocations"].push_back(doc);
    else if (type == "comity.trust-bundle/v1") {
      for (const char* m : {"anchors", "credentials", "revocations"})
        for (const auto& d : doc.value(m, json::array())) bundle[m].push_back(d);
    } else {
      throw UsageError(f + ": not an anchor, credential, revocation list or bundle");
    }
  }
  trust::TrustStore store;
  store.add_bundle(bundle, trust::AnchorChange::RequireCrossSignature);
  write_file(out, store.bundle().dump(2) + "\n", Secrecy::Public, Existing::ReplaceAtomically);
  std::cout << out << ": " << bundle["anchors"].size() << " anchors, " << bundle["credentials"].size()
            << " credentials, " << bundle["revocations"].size() << " revocation lists\n";
  return kOk;
}

json demo_trust(const std::string& dir, Instant now) {
  const Instant year = 365 * 86400;
  auto keys = [&](const std::string& name) {
    make_keys(dir + "/" + name, name);
    return load_keys(dir + "/" + name);
  };
  auto recipient = [](const KeyDir& k) { return crypto::age_recipient(k.encryption.public_key()); };
  json bundle = {{"type", "comity.trust-bundle/v1"}, {"anchors", json::array()}, {"credentials", json::array()}};
  std::map<std::string, KeyDir> anchors;
  for (const char* state : {"DE", "GB", "NL", "US"}) {
    std::string name = std::string(1, static_cast<char>(state[0] + 32)) + static_cast<char>(state[1] + 32) + "-ca";
    KeyDir k = keys(name);
    bundle["anchors"].push_back(trust::make_anchor(
        {state, name, std::string(state) + " central authority", "", recipient(k), now, now + 5 * year, "", {}},
        k.signing));
    anchors.emplace(state, std::move(k));
  }
  struct PartySpec {
    const char *dir, *id, *state, *kind, *name;
  };
  const PartySpec parties[] = {
      {"de-sta-berlin", "DE-STA-BERLIN", "DE", "issuing_authority", "Staatsanwaltschaft Berlin"},
      {"de-ag-tiergarten", "DE-AG-TIERGARTEN", "DE", "validating_authority", "Amtsgericht Tiergarten"},
      {"gb-nca", "GB-NCA", "GB", "issuing_authority", "National Crime Agency"},
      {"NL-MAILCO", "NL-MAILCO", "NL", "provider", "Mailco B.V."},
      {"US-CLOUDCO", "US-CLOUDCO", "US", "provider", "Cloudco Inc."}};
  std::map<std::string, KeyDir> party_keys;
  for (const auto& p : parties) {
    KeyDir k = keys(p.dir);
    trust::Subject s{p.id, p.state, p.kind, "", "", p.name, trust::key_text(k.signing.public_key()), recipient(k)};
    bundle["credentials"].push_back(
        trust::issue_credential(new_id("cred-"), s, anchors.at(p.state).signing, now, now + 2 * year));
    party_keys.emplace(p.dir, std::move(k));
  }
  struct UserSpec {
    const char *user, *party_dir, *role;
  };
  const UserSpec users[] = {{"officer", "de-sta-berlin", "officer"},
                            {"validator", "de-ag-tiergarten", "validator"},
                            {"officer-gb", "gb-nca", "officer"},
                            {"provider", "NL-MAILCO", "provider"},
                            {"provider-us", "US-CLOUDCO", "provider"}};
  for (const auto& u : users) {
    const PartySpec& p = *std::find_if(std::begin(parties), std::end(parties),
                                       [&](const PartySpec& q) { return std::string(q.dir) == u.party_dir; });
    KeyDir k = keys(u.user);
    trust::Subject s{p.id,        p.state, p.kind, u.user, u.role, u.user, trust::key_text(k.signing.public_key()),
                     recipient(k)};
    bundle["credentials"].push_back(
        trust::issue_credential(new_id("cred-"), s, party_keys.at(u.party_dir).signing, now, now + year));
  }
  return bundle;
}

int order_sign(const std::string& keys_dir, SignRole role, int days, const std::string& in, const std::string& out,
               Instant now) {
  json doc = read_json(in);
  if (!doc.is_object()) throw UsageError(in + ": expected a request or a signed order");
  json envelope = doc.contains("order")
                      ? doc
                      : trust::make_order(doc, new_id("ord-"), crypto::base64_encode(crypto::random_bytes(24)), now,
                                          now + int64_t{days} * 86400);
  KeyDir k = load_keys(keys_dir);
  envelope = trust::sign_order(std::move(envelope), role == SignRole::Officer ? "officer" : "validator", k.signing);
  write_file(out, envelope.dump(2) + "\n", Secrecy::Public, Existing::Refuse);
  std::cout << envelope["order"]["id"].get<std::string>() << "\n";
  return kOk;
}

int verify_order_file(const std::string& order_file, const std::string& bundle_file, Instant at, Pending pending) {
  trust::TrustStore store;
  store.add_bundle(read_json(bundle_file), trust::AnchorChange::RequireCrossSignature);
  auto v = trust::verify_order(
      read_json(order_file), store, at,
      pending == Pending::Refuse ? trust::Completeness::AllSignatures : trust::Completeness::ValidatorMayFollow);
  json out = trust::verified_json(v);
  out["verified_at"] = format_instant(at);
  print(out);
  return kOk;
}

}  // namespace comity::cli
