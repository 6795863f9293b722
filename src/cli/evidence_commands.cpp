#include "cli/evidence_commands.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "cli/http_client.hpp"
#include "cli/trust_commands.hpp"
#include "comity/crypto/age.hpp"
#include "comity/crypto/ed25519.hpp"
#include "comity/trust/production.hpp"
#include "comity/util/sha256.hpp"

namespace comity::cli {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr int kOk = 0;
constexpr size_t kChunk = 1 << 20;  // the exchange's largest chunk

json facts_json(const crypto::AgeStreamFacts& f) {
  json j = {{"plaintext_bytes", f.plaintext_bytes},
            {"plaintext_sha256", f.plaintext_sha256},
            {"ciphertext_bytes", f.ciphertext_bytes}};
  if (!f.ciphertext_sha256.empty()) j["ciphertext_sha256"] = f.ciphertext_sha256;
  return j;
}

trust::TrustStore load_bundle(const std::string& path) {
  trust::TrustStore store;
  store.add_bundle(read_json_file(path), trust::AnchorChange::RequireCrossSignature);
  return store;
}

struct FileDigest {
  uint64_t bytes = 0;
  std::string sha256;
};

FileDigest digest_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(path + ": cannot be opened");
  Sha256 h;
  std::vector<char> buf(kChunk);
  FileDigest d;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    auto n = static_cast<size_t>(in.gcount());
    if (n == 0) break;
    h.update(std::string_view(buf.data(), n));
    d.bytes += n;
  }
  d.sha256 = h.hex_digest();
  return d;
}

const trust::ManifestFile* entry_by_ciphertext(const trust::Manifest& m, const std::string& sha256) {
  for (const auto& f : m.files)
    if (f.ciphertext_sha256 == sha256) return &f;
  return nullptr;
}

// Runs `work` writing to OUT.partial; renames it to `out` only if `work`
// returns, removes it otherwise.
template <typename F>
auto to_partial(const std::string& out, F&& work) {
  if (fs::exists(out)) throw UsageError(out + ": exists already; choose a new file");
  std::string partial = out + ".partial";
  try {
    std::ofstream o(partial, std::ios::binary | std::ios::trunc);
    if (!o) throw UsageError(partial + ": cannot be created");
    auto result = work(o);
    o.close();
    if (!o) throw UsageError(partial + ": write failed");
    fs::rename(partial, out);
    return result;
  } catch (...) {
    fs::remove(partial);
    throw;
  }
}

[[noreturn]] void http_failed(const std::string& what, const httplib::Result& r) {
  if (!r) throw UsageError(what + ": no answer (" + httplib::to_string(r.error()) + ")");
  std::string detail = r->body;
  auto p = json::parse(r->body, nullptr, false);
  if (p.is_object() && p.contains("detail")) detail = p["detail"].get<std::string>();
  if (p.is_object() && p.contains("errors") && !p["errors"].empty())
    detail += " (" + p["errors"][0].value("path", "") + ")";
  throw UsageError(what + ": HTTP " + std::to_string(r->status) + ": " + detail);
}

}  // namespace

int evidence_seal(const SealArgs& a, Instant now) {
  std::vector<crypto::X25519Public> to;
  for (const auto& r : a.recipients) {
    try {
      to.push_back(crypto::parse_age_recipient(r));
    } catch (const crypto::AgeError& e) {
      throw UsageError(std::string("--to: ") + e.what());
    }
  }
  // Everything the manifest needs is checked before a byte is sealed.
  std::optional<trust::Manifest> m;
  std::optional<crypto::SigningKey> key;
  const std::string name = fs::path(a.in).filename().string();
  if (!a.manifest.empty()) {
    if (a.keys_dir.empty()) throw UsageError("--keys: the producing person's key directory signs the manifest");
    key = signing_key_of(a.keys_dir);
    if (fs::exists(a.manifest)) {
      m = trust::parse_manifest(read_json_file(a.manifest), a.manifest);
      if (m->signer != trust::key_text(key->public_key()))
        throw UsageError(a.manifest + " is signed by " + m->signer + ", not by the keys in " + a.keys_dir);
      if (m->recipients != a.recipients)
        throw UsageError("--to: every file of a production goes to the same recipients");
      for (const auto& f : m->files)
        if (f.name == name) throw UsageError(a.manifest + " has a file named " + name + " already");
    } else {
      if (a.case_id.empty() || a.provider.empty())
        throw UsageError("--case and --provider: required to start a manifest");
      m = trust::Manifest{};
      m->id = "prod-" + hex_encode(crypto::random_bytes(12));
      m->case_id = a.case_id;
      m->order_id = a.order_id;
      m->provider = a.provider;
      m->recipients = a.recipients;
    }
  }
  std::ifstream in(a.in, std::ios::binary);
  if (!in) throw UsageError(a.in + ": cannot be opened");
  // The ciphertext's digest only for a manifest: it costs a third thread.
  auto facts = to_partial(a.out, [&](std::ostream& o) {
    return crypto::age_seal(in, o, to, m ? crypto::Digests::PlaintextAndCiphertext : crypto::Digests::Plaintext);
  });
  json out = facts_json(facts);
  if (m) {
    m->files.push_back(
        {name, facts.plaintext_bytes, facts.ciphertext_bytes, facts.plaintext_sha256, facts.ciphertext_sha256, now});
    json signed_manifest = trust::sign_manifest(*m, *key, now);
    write_file_atomically(a.manifest, signed_manifest.dump(2) + "\n", Existing::ReplaceAtomically);
    out["manifest"] = a.manifest;
    out["production"] = m->id;
  }
  std::cout << out.dump(2) << "\n";
  return kOk;
}

int evidence_open(const OpenArgs& a, Instant now) {
  if (a.manifest.empty() != a.bundle.empty()) throw UsageError("--manifest and --trust go together");
  std::optional<crypto::AgeIdentity> identity;
  try {
    identity = crypto::AgeIdentity::parse_file_text([&] {
      std::ifstream f(a.identity, std::ios::binary);
      if (!f) throw UsageError(a.identity + ": cannot be opened");
      std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      return text;
    }());
  } catch (const crypto::AgeError& e) {
    throw UsageError(std::string("--identity: ") + e.what());
  }
  // The producer's signature and chain first: nothing is decrypted for a
  // manifest that does not verify.
  std::optional<trust::VerifiedManifest> v;
  if (!a.manifest.empty()) v = trust::verify_manifest(read_json_file(a.manifest), load_bundle(a.bundle), now);
  std::ifstream in(a.in, std::ios::binary);
  if (!in) throw UsageError(a.in + ": cannot be opened");
  json out = json::object();
  try {
    auto facts = to_partial(a.out, [&](std::ostream& o) {
      auto f =
          crypto::age_open(in, o, *identity, v ? crypto::Digests::PlaintextAndCiphertext : crypto::Digests::Plaintext);
      if (v) {
        const trust::ManifestFile* e = entry_by_ciphertext(v->manifest, f.ciphertext_sha256);
        if (!e)
          throw EvidenceMismatch(a.in + ": its SHA-256 " + f.ciphertext_sha256 + " matches no file of production " +
                                 v->manifest.id);
        if (e->ciphertext_bytes != f.ciphertext_bytes || e->plaintext_bytes != f.plaintext_bytes ||
            e->plaintext_sha256 != f.plaintext_sha256)
          throw EvidenceMismatch(a.in + ": decrypted to " + std::to_string(f.plaintext_bytes) + " bytes with SHA-256 " +
                                 f.plaintext_sha256 + "; the manifest says " + std::to_string(e->plaintext_bytes) +
                                 " bytes, " + e->plaintext_sha256);
        out["manifest_entry"] = e->name;
      }
      return f;
    });
    identity->clear();
    json facts_j = facts_json(facts);
    facts_j.update(out);
    if (v) {
      facts_j["production"] = v->manifest.id;
      facts_j["signer_chain"] = trust::chain_json(v->chain);
    }
    std::cout << facts_j.dump(2) << "\n";
  } catch (...) {
    identity->clear();
    throw;
  }
  return kOk;
}

int evidence_verify(const std::string& manifest, const std::string& bundle, const std::vector<std::string>& files,
                    Instant at) {
  auto v = trust::verify_manifest(read_json_file(manifest), load_bundle(bundle), at);
  json checked = json::array();
  for (const auto& f : files) {
    FileDigest d = digest_file(f);
    const trust::ManifestFile* e = entry_by_ciphertext(v.manifest, d.sha256);
    if (!e || e->ciphertext_bytes != d.bytes)
      throw EvidenceMismatch(f + ": " + std::to_string(d.bytes) + " bytes with SHA-256 " + d.sha256 +
                             " match no file of production " + v.manifest.id);
    checked.push_back({{"file", f}, {"entry", e->name}, {"ciphertext_sha256", d.sha256}});
  }
  json out = {{"production", v.manifest.id},
              {"case", v.manifest.case_id},
              {"files", v.manifest.files.size()},
              {"signer_chain", trust::chain_json(v.chain)},
              {"checked", checked},
              {"verified_at", format_instant(at)}};
  std::cout << out.dump(2) << "\n";
  return kOk;
}

int evidence_export(const std::string& manifest, const std::string& bundle, const std::string& out, Instant at) {
  auto v = trust::verify_manifest(read_json_file(manifest), load_bundle(bundle), at);
  write_file_atomically(out, trust::case_uco(v).dump(2) + "\n", Existing::Refuse);
  std::cout << out << "\n";
  return kOk;
}

int evidence_upload(const TransferArgs& t, const std::string& case_id, const std::string& manifest_path,
                    std::string production, const std::vector<std::string>& files) {
  json manifest = read_json_file(manifest_path);
  auto client = client_for(t);
  if (production.empty()) {
    auto r = client.Post("/api/v1/cases/" + case_id + "/productions", manifest.dump(), "application/json");
    if (!r || r->status != 201) http_failed("registering the production", r);
    production = json::parse(r->body)["id"].get<std::string>();
    std::cerr << "production " << production << " registered\n";
  }
  json summary = json::array();
  for (const auto& path : files) {
    FileDigest d = digest_file(path);
    int index = -1;
    uint64_t received = 0;
    for (int attempt = 0;; ++attempt) {
      auto r = client.Get("/api/v1/productions/" + production);
      if (!r || r->status != 200) http_failed("reading production " + production, r);
      json p = json::parse(r->body);
      bool complete = false;
      for (const auto& f : p["files"])
        if (f["ciphertext_sha256"] == d.sha256) {
          index = f["index"].get<int>();
          received = f["received_bytes"].get<uint64_t>();
          complete = f["complete"].get<bool>();
        }
      if (index < 0) throw EvidenceMismatch(path + ": its SHA-256 " + d.sha256 + " matches no file of " + production);
      if (complete) break;
      std::ifstream in(path, std::ios::binary);
      if (!in) throw UsageError(path + ": cannot be opened");
      in.seekg(static_cast<std::streamoff>(received));
      std::string chunk(kChunk, '\0');
      bool moved = false;  // the exchange's offset differs from ours: ask again
      while (received < d.bytes) {
        in.read(chunk.data(), static_cast<std::streamsize>(std::min<uint64_t>(kChunk, d.bytes - received)));
        auto n = static_cast<size_t>(in.gcount());
        if (n == 0) throw UsageError(path + ": changed while it was uploaded");
        auto c = client.Post("/api/v1/productions/" + production + "/files/" + std::to_string(index) +
                                 "?offset=" + std::to_string(received),
                             chunk.data(), n, "application/octet-stream");
        if (c && c->status == 200) {
          received += n;
          continue;
        }
        if (attempt >= 5 || (c && c->status != 409)) http_failed("uploading " + path, c);
        moved = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(200 * (attempt + 1)));
        break;
      }
      if (!moved) break;
    }
    summary.push_back({{"file", path}, {"index", index}, {"bytes", d.bytes}, {"ciphertext_sha256", d.sha256}});
  }
  std::cout << json{{"production", production}, {"uploaded", summary}}.dump(2) << "\n";
  return kOk;
}

int evidence_download(const TransferArgs& t, const std::string& production, int index, const std::string& out) {
  auto client = client_for(t);
  Sha256 h;
  uint64_t bytes = 0;
  to_partial(out, [&](std::ostream& o) {
    int status = 0;
    std::string error_body;
    auto r = client.Get(
        "/api/v1/productions/" + production + "/files/" + std::to_string(index),
        [&](const httplib::Response& res) {
          status = res.status;
          return true;
        },
        [&](const char* data, size_t n) {
          if (status != 200) {
            error_body.append(data, std::min<size_t>(n, 4096));
            return true;
          }
          o.write(data, static_cast<std::streamsize>(n));
          h.update(std::string_view(data, n));
          bytes += n;
          return static_cast<bool>(o);
        });
    if (!r || status != 200) {
      if (r) r->body = error_body;
      http_failed("downloading file " + std::to_string(index) + " of " + production, r);
    }
    return 0;
  });
  std::cout << json{{"file", out}, {"ciphertext_bytes", bytes}, {"ciphertext_sha256", h.hex_digest()}}.dump(2) << "\n";
  return kOk;
}

}  // namespace comity::cli
