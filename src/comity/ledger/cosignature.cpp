// Cosignatures and policies (cosignature.hpp). Parsing is strict where the
// specifications say MUST and conservative where they leave room: a policy
// line that does not parse is an error for the whole file (a verifier must
// not run on half a policy), and a listed witness's cosignature that is
// malformed is reported rather than counted.
//
// The quorum is evaluated bottom-up: a witness has witnessed the checkpoint
// when its cosignature verified; a group when at least k of its members
// have; definitions only name earlier ones, so one pass in file order
// decides every group, and the quorum is the value of its name.
#include "comity/ledger/cosignature.hpp"

#include <charconv>
#include <map>
#include <set>

#include "comity/crypto/ed25519.hpp"

namespace comity::ledger {

namespace {

constexpr std::string_view kDash = "\xe2\x80\x94 ";  // U+2014 EM DASH, then a space
constexpr uint64_t kMaxTimestamp = (uint64_t{1} << 63) - 1;

bool valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name)
    if (c == ' ' || c == '+' || c == '\n' || static_cast<unsigned char>(c) < 0x20) return false;
  return true;
}

bool decimal(std::string_view s, uint64_t& out) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::string_view as_chars(const auto& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Items of a policy line: separated by runs of spaces and tabs.
std::vector<std::string_view> items_of(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

}  // namespace

std::string cosignature_message(std::string_view text, uint64_t timestamp) {
  std::string m = "cosignature/v1\ntime " + std::to_string(timestamp) + "\n";
  m += text;
  return m;
}

std::string cosign(std::string_view text, std::string_view name, const crypto::SigningKey& key, uint64_t timestamp) {
  if (text.empty() || text.back() != '\n' || text.find("\n\n") != std::string_view::npos)
    throw LedgerError("cosign: the checkpoint text must end in a newline and contain no blank line");
  if (!valid_name(name)) throw LedgerError("cosign: the witness name is empty or has a space, '+' or newline");
  if (timestamp > kMaxTimestamp) throw LedgerError("cosign: the timestamp exceeds 2^63 - 1");
  const uint32_t id = note_key_id(name, key.public_key(), kCosignatureV1);
  std::string blob;
  for (int shift = 24; shift >= 0; shift -= 8) blob += static_cast<char>((id >> shift) & 0xff);
  for (int shift = 56; shift >= 0; shift -= 8) blob += static_cast<char>((timestamp >> shift) & 0xff);
  blob += as_chars(key.sign(cosignature_message(text, timestamp)));
  std::string line(kDash);
  line += name;
  line += " ";
  line += crypto::base64_encode(blob);
  line += "\n";
  return line;
}

std::optional<uint64_t> find_cosignature(const SplitNote& note, const NoteVerifier& v) {
  for (const NoteSignatureLine& line : note.signatures) {
    if (line.name != v.name) continue;
    auto blob = crypto::base64_decode(line.base64);
    if (!blob || blob->size() < 4) continue;  // not this key's: a cosignature is at least its key id
    uint32_t id = 0;
    for (int i = 0; i < 4; ++i) id = (id << 8) | static_cast<uint8_t>((*blob)[static_cast<size_t>(i)]);
    if (id != v.id) continue;  // another key of that name (or a note signature)
    if (blob->size() != 4 + 8 + 64)
      throw LedgerError("cosignature by " + v.name + ": expected base64 of 76 bytes (key id, timestamp, signature)");
    uint64_t ts = 0;
    for (size_t i = 4; i < 12; ++i) ts = (ts << 8) | static_cast<uint8_t>((*blob)[i]);
    if (ts > kMaxTimestamp) throw LedgerError("cosignature by " + v.name + ": the timestamp exceeds 2^63 - 1");
    crypto::Signature sig;
    std::copy(blob->begin() + 12, blob->end(), sig.begin());
    if (!crypto::verify(v.key, cosignature_message(note.text, ts), sig))
      throw LedgerError("cosignature by " + v.name + " does not verify");
    return ts;
  }
  return std::nullopt;
}

std::string add_signature_lines(std::string_view note, std::string_view lines) {
  COMITY_ASSERT(!note.empty() && note.back() == '\n', "a signed note ends in a newline");
  std::string out(note);
  out += lines;
  return out;
}

Policy parse_policy(std::string_view text) {
  Policy p;
  std::set<std::string> names;  // witnesses and groups share one namespace
  std::set<crypto::PublicKey> log_keys, witness_keys;
  bool quorum_seen = false;
  size_t number = 0, start = 0;
  for (unsigned char c : text)
    if (c != '\t' && c != '\n' && (c < 0x20 || c == 0x7f))
      throw LedgerError("policy: only tab and newline may appear as control characters");
  if (!text.empty() && text.back() != '\n') throw LedgerError("policy: every line must end in a newline");
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++number;
    const std::string where = "policy line " + std::to_string(number) + ": ";
    auto items = items_of(line);
    if (items.empty() || items[0][0] == '#') continue;
    const std::string_view kw = items[0];
    auto vkey = [&](std::string_view s, uint8_t type) {
      try {
        return parse_verifier_key(s, type);
      } catch (const LedgerError& e) {
        throw LedgerError(where + e.what());
      }
    };
    auto new_name = [&](std::string_view n) {
      if (n == "none") throw LedgerError(where + "the name none is predefined");
      if (!names.insert(std::string(n)).second) throw LedgerError(where + "the name " + std::string(n) + " is taken");
    };
    if (kw == "log") {
      if (items.size() < 2 || items.size() > 3) throw LedgerError(where + "expected log <vkey> [<url>]");
      NoteVerifier v = vkey(items[1], kNoteEd25519);
      if (!log_keys.insert(v.key).second) throw LedgerError(where + "a log with this key is listed already");
      p.logs.push_back(v);
    } else if (kw == "witness") {
      if (items.size() < 3 || items.size() > 4) throw LedgerError(where + "expected witness <name> <vkey> [<url>]");
      new_name(items[1]);
      NoteVerifier v = vkey(items[2], kCosignatureV1);
      if (!witness_keys.insert(v.key).second) throw LedgerError(where + "a witness with this key is listed already");
      p.witnesses.push_back({std::string(items[1]), v, items.size() == 4 ? std::string(items[3]) : ""});
    } else if (kw == "group") {
      if (items.size() < 4) throw LedgerError(where + "expected group <name> all|any|<k> <name>...");
      PolicyGroup g;
      g.name = std::string(items[1]);
      std::set<std::string_view> seen;
      for (size_t i = 3; i < items.size(); ++i) {
        if (!names.count(std::string(items[i])))
          throw LedgerError(where + "member " + std::string(items[i]) + " is not a witness or group defined before");
        if (!seen.insert(items[i]).second)
          throw LedgerError(where + "member " + std::string(items[i]) + " is listed twice");
        g.members.emplace_back(items[i]);
      }
      uint64_t k = 0;
      if (items[2] == "all")
        k = g.members.size();
      else if (items[2] == "any")
        k = 1;
      else if (!decimal(items[2], k) || k < 1 || k > g.members.size())
        throw LedgerError(where + "the threshold must be all, any or a decimal 1.." + std::to_string(g.members.size()));
      g.threshold = static_cast<size_t>(k);
      new_name(items[1]);
      p.groups.push_back(std::move(g));
    } else if (kw == "quorum") {
      if (items.size() != 2) throw LedgerError(where + "expected quorum <name>");
      if (quorum_seen) throw LedgerError(where + "a policy has exactly one quorum line");
      if (items[1] != "none" && !names.count(std::string(items[1])))
        throw LedgerError(where + "the quorum " + std::string(items[1]) + " is not a witness or group defined before");
      p.quorum = std::string(items[1]);
      quorum_seen = true;
    } else {
      throw LedgerError(where + "expected log, witness, group or quorum, not " + std::string(kw));
    }
    if (p.logs.size() > 256 || p.witnesses.size() > 256 || p.groups.size() > 256)
      throw LedgerError(where + "more than 256 logs, witnesses or groups");
  }
  if (!quorum_seen) throw LedgerError("policy: no quorum line");
  return p;
}

QuorumReport check_quorum(std::string_view note, const Policy& p, uint64_t now, const NoteVerifier* fallback,
                          uint64_t skew) {
  QuorumReport r;
  if (p.logs.empty()) {
    COMITY_ASSERT(fallback != nullptr, "a policy without logs needs the log's key from elsewhere");
    r.checkpoint = open_checkpoint(note, *fallback);
    r.log = fallback->name;
  } else {
    std::string tried;
    for (const NoteVerifier& log : p.logs) {
      try {
        r.checkpoint = open_checkpoint(note, log);
        r.log = log.name;
        break;
      } catch (const LedgerError& e) {
        tried += (tried.empty() ? "" : "; ") + std::string(e.what());
      }
    }
    if (r.log.empty()) throw LedgerError("checkpoint: signed by no log the policy lists (" + tried + ")");
  }
  const SplitNote parts = split_note(note);
  std::map<std::string, bool> witnessed;
  for (const PolicyWitness& w : p.witnesses) {
    bool ok = false;
    try {
      if (auto ts = find_cosignature(parts, w.key)) {
        if (*ts > now + skew)
          r.refused.push_back(w.name + ": its timestamp " + std::to_string(*ts) + " is in the future");
        else
          ok = true;
      }
    } catch (const LedgerError& e) {
      r.refused.push_back(w.name + ": " + e.what());
    }
    witnessed[w.name] = ok;
    if (ok) r.cosigned.push_back(w.name);
  }
  for (const PolicyGroup& g : p.groups) {
    size_t n = 0;
    for (const std::string& m : g.members) n += witnessed[m] ? 1 : 0;
    witnessed[g.name] = n >= g.threshold;
  }
  r.satisfied = p.quorum == "none" || witnessed[p.quorum];
  return r;
}

}  // namespace comity::ledger
