#include "comity/model/request_json.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <string>

namespace comity {
namespace {

using nlohmann::json;

constexpr size_t kMaxErrors = 100;
constexpr size_t kMaxText = 20000;  // characters in any free-text field
constexpr size_t kMaxShort = 300;   // identifiers, references, names
constexpr size_t kMaxItems = 100;   // entries in any array

constexpr std::string_view kIso639_1 =
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz "
    "ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik "
    "io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml "
    "mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd "
    "se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi "
    "vo wa wo xh yi yo za zh zu";

std::string type_name(const json& j) {
  switch (j.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
    case json::value_t::number_float: return "a number";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "an array";
    case json::value_t::object: return "an object";
    default: return "an unsupported value";
  }
}

std::string show_value(std::string_view s) {
  std::string out = "\"";
  out += s.size() > 60 ? std::string(s.substr(0, 60)) + "..." : std::string(s);
  out += "\"";
  return out;
}

bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool valid_iccs(std::string_view s) {
  // legal-rules.md VOC.ICCS.3: ^[0-9]{2}([0-9]{2}([0-9]{1,2})?)?$
  return is_digits(s) && (s.size() == 2 || s.size() == 4 || s.size() == 5 || s.size() == 6);
}

bool valid_e164(std::string_view s) {
  return s.size() >= 3 && s.size() <= 16 && s[0] == '+' && s[1] >= '1' && s[1] <= '9' && is_digits(s.substr(1));
}

bool valid_ip(std::string_view s) {
  std::string z(s);
  unsigned char buf[16];
  return inet_pton(AF_INET, z.c_str(), buf) == 1 || inet_pton(AF_INET6, z.c_str(), buf) == 1;
}

bool valid_domain(std::string_view s) {
  if (s.empty() || s.size() > 253 || s.front() == '.' || s.back() == '.') return false;
  size_t label = 0;
  for (char c : s) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok || ++label > 63) return false;
  }
  return s.find('.') != std::string_view::npos;
}

bool valid_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < 36; ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

// Validates an identifier value for its type; returns the expectation or "".
std::string check_identifier(IdentifierType t, std::string_view v) {
  switch (t) {
    case IdentifierType::PhoneE164:
      return valid_e164(v) ? "" : "an E.164 number: '+' then 2 to 15 digits, e.g. +4930123456";
    case IdentifierType::Email: {
      auto at = v.find('@');
      bool ok = at != std::string_view::npos && at > 0 && at + 1 < v.size() && v.find('@', at + 1) == v.npos &&
                v.find(' ') == v.npos;
      return ok ? "" : "an e-mail address (local@domain)";
    }
    case IdentifierType::Imei:
      return is_digits(v) && (v.size() == 14 || v.size() == 15 || v.size() == 16) ? "" : "an IMEI of 14 to 16 digits";
    case IdentifierType::Imsi:
      return is_digits(v) && v.size() >= 6 && v.size() <= 15 ? "" : "an IMSI of 6 to 15 digits (ITU-T E.212)";
    case IdentifierType::IpAddress: return valid_ip(v) ? "" : "an IPv4 or IPv6 address";
    case IdentifierType::IpPortTimestamp: {
      // "IP:PORT@DATETIME" or "[IPv6]:PORT@DATETIME"
      auto at = v.rfind('@');
      if (at == v.npos) return "IP:PORT@ISO-8601-date-time, e.g. 203.0.113.5:443@2026-05-01T10:00:00Z";
      auto hostport = v.substr(0, at);
      auto colon = hostport.rfind(':');
      if (colon == hostport.npos) return "IP:PORT@ISO-8601-date-time, e.g. 203.0.113.5:443@2026-05-01T10:00:00Z";
      auto host = hostport.substr(0, colon);
      if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
      auto port = hostport.substr(colon + 1);
      bool ok = valid_ip(host) && is_digits(port) && port.size() <= 5 && std::stoi(std::string(port)) <= 65535 &&
                parse_datetime_date(v.substr(at + 1)).has_value();
      return ok ? "" : "IP:PORT@ISO-8601-date-time, e.g. 203.0.113.5:443@2026-05-01T10:00:00Z";
    }
    case IdentifierType::DomainName: return valid_domain(v) ? "" : "a domain name, e.g. example.org";
    default: return v.empty() ? "a non-empty value" : "";
  }
}

// Reads one JSON object, remembering which keys were read, so that unknown
// keys can be reported at the end.
class Reader {
 public:
  Reader(FieldErrors& errors, std::vector<std::string>& assumed) : errors_(errors), assumed_(assumed) {}

  void error(const std::string& path, std::string message) {
    if (errors_.size() < kMaxErrors) errors_.push_back({path, std::move(message)});
  }
  void assume(const std::string& path) { assumed_.push_back(path); }
  bool full() const { return errors_.size() >= kMaxErrors; }

 private:
  FieldErrors& errors_;
  std::vector<std::string>& assumed_;
};

class Obj {
 public:
  Obj(Reader& r, const json& j, std::string path) : r_(r), j_(j), path_(std::move(path)) {
    if (!j.is_object()) {
      r_.error(path_, "an object; got " + type_name(j));
      ok_ = false;
    }
  }
  ~Obj() {
    if (!ok_) return;
    for (auto it = j_.begin(); it != j_.end(); ++it) {
      if (std::find(seen_.begin(), seen_.end(), it.key()) == seen_.end())
        r_.error(at(it.key()), "no such field: unknown fields are refused (see docs/request-format.md)");
    }
  }
  bool ok() const { return ok_; }
  std::string at(std::string_view key) const { return path_ + "." + std::string(key); }

  // Returns the value, or nullptr if absent. A JSON null counts as absent.
  const json* get(std::string_view key) {
    if (!ok_) return nullptr;
    seen_.emplace_back(key);
    auto it = j_.find(std::string(key));
    if (it == j_.end() || it->is_null()) return nullptr;
    return &*it;
  }
  const json* need(std::string_view key, std::string_view what) {
    const json* v = get(key);
    if (!v && ok_) r_.error(at(key), "required: " + std::string(what));
    return v;
  }

  std::string str(std::string_view key, bool required, size_t max = kMaxShort, std::string_view what = "a string") {
    const json* v = required ? need(key, what) : get(key);
    if (!v) return {};
    if (!v->is_string()) {
      r_.error(at(key), std::string(what) + "; got " + type_name(*v));
      return {};
    }
    const auto& s = v->get_ref<const std::string&>();
    if (s.size() > max) {
      r_.error(at(key), "at most " + std::to_string(max) + " characters; got " + std::to_string(s.size()));
      return {};
    }
    return s;
  }

  bool boolean(std::string_view key, bool dflt, bool record_default = true) {
    const json* v = get(key);
    if (!v) {
      if (record_default && ok_) r_.assume(at(key) + "=" + (dflt ? "true" : "false"));
      return dflt;
    }
    if (!v->is_boolean()) {
      r_.error(at(key), "true or false; got " + type_name(*v));
      return dflt;
    }
    return v->get<bool>();
  }

  std::optional<bool> opt_boolean(std::string_view key) {
    const json* v = get(key);
    if (!v) return std::nullopt;
    if (!v->is_boolean()) {
      r_.error(at(key), "true or false; got " + type_name(*v));
      return std::nullopt;
    }
    return v->get<bool>();
  }

  Tri tri(std::string_view key, Tri dflt, bool record_default) {
    const json* v = get(key);
    if (!v) {
      if (record_default && ok_) r_.assume(at(key) + "=" + std::string(enum_name(dflt)));
      return dflt;
    }
    if (v->is_boolean()) return v->get<bool>() ? Tri::True : Tri::False;
    if (v->is_string() && v->get_ref<const std::string&>() == "UNKNOWN") return Tri::Unknown;
    r_.error(at(key), "true, false or \"UNKNOWN\"; got " + type_name(*v));
    return dflt;
  }

  std::optional<int> integer(std::string_view key, bool required, int lo, int hi, std::string_view what) {
    const json* v = required ? need(key, what) : get(key);
    if (!v) return std::nullopt;
    if (!v->is_number_integer()) {
      r_.error(at(key), std::string(what) + "; got " + type_name(*v));
      return std::nullopt;
    }
    auto n = v->get<int64_t>();
    if (n < lo || n > hi) {
      r_.error(at(key), std::string(what) + " between " + std::to_string(lo) + " and " + std::to_string(hi) + "; got " +
                            std::to_string(n));
      return std::nullopt;
    }
    return static_cast<int>(n);
  }

  template <class E>
  std::optional<E> enumeration(std::string_view key, bool required) {
    const json* v = required ? need(key, enum_choices<E>()) : get(key);
    if (!v) return std::nullopt;
    return enum_value<E>(*v, at(key));
  }

  template <class E>
  std::optional<E> enum_value(const json& v, const std::string& path) {
    if (!v.is_string()) {
      r_.error(path, enum_choices<E>() + "; got " + type_name(v));
      return std::nullopt;
    }
    auto e = parse_enum<E>(v.get_ref<const std::string&>());
    if (!e) r_.error(path, enum_choices<E>() + "; got " + show_value(v.get_ref<const std::string&>()));
    return e;
  }

  template <class E>
  EnumSet<E> enum_set(std::string_view key, bool required, bool non_empty = false) {
    EnumSet<E> out;
    const json* v = required ? need(key, "an array of " + enum_choices<E>()) : get(key);
    if (!v) return out;
    if (!v->is_array()) {
      r_.error(at(key), "an array of " + enum_choices<E>() + "; got " + type_name(*v));
      return out;
    }
    if (non_empty && v->empty()) r_.error(at(key), "at least one of " + enum_choices<E>().substr(7));
    for (size_t i = 0; i < v->size() && i < kMaxItems; ++i) {
      auto p = at(key) + "[" + std::to_string(i) + "]";
      if (auto e = enum_value<E>((*v)[i], p)) {
        if (out.contains(*e)) r_.error(p, "each value once; " + std::string(enum_name(*e)) + " is repeated");
        out.insert(*e);
      }
    }
    if (v->size() > kMaxItems) r_.error(at(key), "at most " + std::to_string(kMaxItems) + " entries");
    return out;
  }

  StateCode state_value(const json& v, const std::string& path) {
    if (!v.is_string()) {
      r_.error(path, "an ISO 3166-1 alpha-2 state code; got " + type_name(v));
      return {};
    }
    auto p = parse_state(v.get_ref<const std::string&>());
    if (!p.error.empty()) r_.error(path, p.error);
    return p.code;
  }

  StateCode state(std::string_view key, bool required) {
    const json* v = required ? need(key, "an ISO 3166-1 alpha-2 state code") : get(key);
    return v ? state_value(*v, at(key)) : StateCode{};
  }

  // A state or "UNKNOWN"; absent means UNKNOWN.
  StateOrUnknown state_or_unknown(std::string_view key) {
    StateOrUnknown out;
    const json* v = get(key);
    if (!v) return out;
    if (v->is_string() && v->get_ref<const std::string&>() == "UNKNOWN") return out;
    out.code = state_value(*v, at(key));
    out.unknown = out.code.empty();
    return out;
  }

  // An array of states that may contain the given special values.
  StateSet state_set(std::string_view key, bool required, bool allow_unknown, bool allow_sharded,
                     bool allow_stateless) {
    StateSet out;
    std::string what = "an array of ISO 3166-1 alpha-2 codes";
    if (allow_unknown) what += " or \"UNKNOWN\"";
    if (allow_sharded) what += " or \"SHARDED\"";
    if (allow_stateless) what += " or \"STATELESS\"";
    const json* v = required ? need(key, what) : get(key);
    if (!v) {
      out.unknown = allow_unknown;
      return out;
    }
    if (!v->is_array()) {
      r_.error(at(key), what + "; got " + type_name(*v));
      return out;
    }
    for (size_t i = 0; i < v->size() && i < kMaxItems; ++i) {
      auto p = at(key) + "[" + std::to_string(i) + "]";
      const json& e = (*v)[i];
      if (e.is_string()) {
        const auto& s = e.get_ref<const std::string&>();
        if (allow_unknown && s == "UNKNOWN") {
          out.unknown = true;
          continue;
        }
        if (allow_sharded && s == "SHARDED") {
          out.sharded = true;
          continue;
        }
        if (allow_stateless && s == "STATELESS") {
          out.stateless = true;
          continue;
        }
      }
      StateCode c = state_value(e, p);
      if (c.empty()) continue;  // state_value reported it
      if (out.contains(c))
        r_.error(p, "each state once; " + c.str() + " is repeated");
      else
        out.states.push_back(c);
    }
    if (v->size() > kMaxItems) r_.error(at(key), "at most " + std::to_string(kMaxItems) + " entries");
    if (v->empty() && allow_unknown) out.unknown = true;
    if (out.stateless && !out.states.empty()) r_.error(at(key), "STATELESS cannot be combined with a nationality");
    return out;
  }

  std::vector<StateCode> state_list(std::string_view key, bool required) {
    auto s = state_set(key, required, false, false, false);
    return s.states;
  }

  std::vector<std::string> string_list(std::string_view key, bool required, size_t max_len = kMaxShort) {
    std::vector<std::string> out;
    const json* v = required ? need(key, "an array of strings") : get(key);
    if (!v) return out;
    if (!v->is_array()) {
      r_.error(at(key), "an array of strings; got " + type_name(*v));
      return out;
    }
    for (size_t i = 0; i < v->size() && i < kMaxItems; ++i) {
      auto p = at(key) + "[" + std::to_string(i) + "]";
      const json& e = (*v)[i];
      if (!e.is_string())
        r_.error(p, "a string; got " + type_name(e));
      else if (e.get_ref<const std::string&>().size() > max_len)
        r_.error(p, "at most " + std::to_string(max_len) + " characters");
      else
        out.push_back(e.get<std::string>());
    }
    if (v->size() > kMaxItems) r_.error(at(key), "at most " + std::to_string(kMaxItems) + " entries");
    return out;
  }

  std::optional<Date> date(std::string_view key, bool required) {
    const json* v = required ? need(key, "an ISO 8601 date (YYYY-MM-DD)") : get(key);
    if (!v) return std::nullopt;
    if (v->is_string()) {
      if (auto d = parse_date(v->get_ref<const std::string&>())) return d;
    }
    r_.error(at(key), "an ISO 8601 calendar date (YYYY-MM-DD); got " +
                          (v->is_string() ? show_value(v->get_ref<const std::string&>()) : type_name(*v)));
    return std::nullopt;
  }

  std::optional<Date> datetime(std::string_view key, bool required) {
    const json* v = required ? need(key, "an ISO 8601 date-time with zone") : get(key);
    if (!v) return std::nullopt;
    if (v->is_string()) {
      if (auto d = parse_datetime_date(v->get_ref<const std::string&>())) return d;
    }
    r_.error(at(key), "an ISO 8601 date-time with zone, e.g. 2026-09-15T10:00:00Z; got " +
                          (v->is_string() ? show_value(v->get_ref<const std::string&>()) : type_name(*v)));
    return std::nullopt;
  }

  // Iterates an array field, calling f(element, path) for each element.
  template <class F>
  void array(std::string_view key, bool required, std::string_view what, F&& f, size_t min_items = 0) {
    const json* v = required ? need(key, what) : get(key);
    if (!v) return;
    if (!v->is_array()) {
      r_.error(at(key), std::string(what) + "; got " + type_name(*v));
      return;
    }
    if (v->size() < min_items)
      r_.error(at(key), std::string(what) + " with at least " + std::to_string(min_items) + " entry");
    if (v->size() > kMaxItems) {
      r_.error(at(key), "at most " + std::to_string(kMaxItems) + " entries; got " + std::to_string(v->size()));
      return;
    }
    for (size_t i = 0; i < v->size(); ++i) f((*v)[i], at(key) + "[" + std::to_string(i) + "]");
  }

  Reader& reader() { return r_; }

 private:
  Reader& r_;
  const json& j_;
  std::string path_;
  bool ok_ = true;
  std::vector<std::string> seen_;
};

Authority read_authority(Reader& r, const json& j, const std::string& path, bool validating) {
  Authority a;
  Obj o(r, j, path);
  if (!o.ok()) return a;
  a.id = o.str("id", false);
  a.name = o.str("name", false);
  a.contact = o.str("contact", false);
  a.state = o.state("state", true);
  if (auto t = o.enumeration<AuthorityType>("type", true)) a.type = *t;
  if (validating) a.validated_at = o.datetime("validated_at", false);
  return a;
}

Person read_person(Reader& r, const json& j, const std::string& path) {
  Person p;
  p.present = true;
  Obj o(r, j, path);
  if (!o.ok()) return p;
  p.known = o.boolean("known", false, false);
  if (auto role = o.enumeration<SubjectRole>("role", false)) p.role = *role;
  p.nationality = o.state_set("nationality", false, true, false, true);
  p.residence_state = o.state_or_unknown("residence_state");
  p.current_location_state = o.state_or_unknown("current_location_state");
  p.location_basis = o.str("location_basis", false, kMaxText);
  if (auto c = o.enumeration<LocationConfidence>("location_confidence", false)) p.location_confidence = *c;
  p.is_us_person = o.tri("is_us_person", Tri::Unknown, false);
  p.is_australian_person = o.tri("is_australian_person", Tri::Unknown, false);
  if (auto pr = o.enumeration<Privilege>("professional_privilege", false))
    p.professional_privilege = *pr;
  else
    o.reader().assume(o.at("professional_privilege") + "=NONE");
  p.immunity = o.boolean("immunity", false);
  p.is_minor = o.boolean("is_minor", false, false);
  p.privilege_waived = o.boolean("privilege_waived", false, false);
  return p;
}

Offence read_offence(Reader& r, const json& j, const std::string& path) {
  Offence f;
  Obj o(r, j, path);
  if (!o.ok()) return f;
  f.national_provision = o.str("national_provision", true, kMaxShort, "the national provision, e.g. \"StGB § 263\"");
  f.description = o.str("description", false, kMaxText);
  f.iccs_code = o.str("iccs_code", true, 6, "an ICCS code (2, 4, 5 or 6 digits)");
  if (!f.iccs_code.empty() && !valid_iccs(f.iccs_code))
    r.error(o.at("iccs_code"), "an ICCS code of 2, 4, 5 or 6 digits (e.g. \"0701\"); got " + show_value(f.iccs_code));
  if (const json* v = o.need("max_penalty_months", "months (integer 0..1200) or \"LIFE\"")) {
    if (v->is_string() && v->get_ref<const std::string&>() == "LIFE") {
      f.max_penalty_months = Offence::kLifeMonths;
    } else if (v->is_number_integer() && v->get<int64_t>() >= 0 && v->get<int64_t>() <= 1200) {
      f.max_penalty_months = static_cast<int>(v->get<int64_t>());
    } else {
      r.error(o.at("max_penalty_months"),
              "the maximum penalty in months (integer 0..1200) or \"LIFE\"; got " +
                  (v->is_string() ? show_value(v->get_ref<const std::string&>()) : type_name(*v) + " " + v->dump()));
    }
  }
  f.death_penalty_available = o.boolean("death_penalty_available", false);
  f.death_penalty_sought = o.tri("death_penalty_sought", Tri::False, true);
  f.committed_via_information_system = o.boolean("committed_via_information_system", false);
  if (auto e = o.enumeration<EuHarmonisedOffence>("eu_harmonised_offence_ref", false)) f.eu_harmonised = *e;
  if (auto e = o.enumeration<AnnexIV>("annex_iv_category", false)) f.annex_iv = *e;
  f.locus_states = o.state_set("locus_states", false, true, false, false);
  f.harm_states = o.state_set("harm_states", false, true, false, false);
  f.speech_related = o.boolean("speech_related", false);
  f.political_claim = o.boolean("political_claim", false);
  f.military_offence = o.boolean("military_offence", false);
  f.fiscal_offence = o.boolean("fiscal_offence", false, false);
  return f;
}

Provider read_provider(Reader& r, const json& j, const std::string& path) {
  Provider p;
  Obj o(r, j, path);
  if (!o.ok()) return p;
  p.id = o.str("id", false);
  p.legal_name = o.str("legal_name", false);
  p.parent_id = o.str("parent_id", false);
  p.hq_state = o.state("hq_state", true);
  o.array("establishments", true, "an array of {state, type}", [&](const json& e, const std::string& ep) {
    Obj eo(r, e, ep);
    if (!eo.ok()) return;
    Establishment est;
    est.state = eo.state("state", true);
    if (auto t = eo.enumeration<EstablishmentType>("type", true)) est.type = *t;
    est.legal_entity_id = eo.str("legal_entity_id", false);
    p.establishments.push_back(est);
  });
  p.services = o.enum_set<Service>("services", true, true);
  p.offers_services_in = o.state_list("offers_services_in", false);
  p.substantial_connection_states = o.state_list("substantial_connection_states", false);
  if (auto rd = o.enumeration<RoleForData>("role_for_data", false)) p.role_for_data = *rd;
  p.processing_on_behalf_of_public_authority_state = o.state("processing_on_behalf_of_public_authority_state", false);
  p.data_location = o.state_set("data_location", false, true, true, false);
  p.subject_to_law_of = o.state_list("subject_to_law_of", false);
  return p;
}

void read_request(Reader& r, const json& j, Request& q) {
  Obj o(r, j, "$");
  if (!o.ok()) return;

  // 10.1 envelope
  if (const json* v = o.get("format")) {
    if (!v->is_string() || v->get_ref<const std::string&>() != "comity.request/1")
      r.error(o.at("format"), "\"comity.request/1\" (the only format version)");
  }
  q.request_id = o.str("request_id", false);
  if (!q.request_id.empty() && !valid_uuid(q.request_id))
    r.error(o.at("request_id"), "a UUID (8-4-4-4-12 hex digits); got " + show_value(q.request_id));
  q.created_at = o.datetime("created_at", false);
  q.requesting_state = o.state("requesting_state", true);
  o.str("requesting_subdivision", false, 10);
  q.case_reference = o.str("case_reference", false);
  if (auto p = o.enumeration<ProceedingsType>("proceedings_type", true)) q.proceedings_type = *p;
  q.proceedings_instituted = o.boolean("proceedings_instituted", false, false);
  q.is_execution_of_foreign_request = o.boolean("is_execution_of_foreign_request", false);
  q.requested_by_defence = o.boolean("requested_by_defence", false, false);
  if (const json* v = o.get("sentence_execution")) {
    Obj so(r, *v, o.at("sentence_execution"));
    if (so.ok()) {
      SentenceExecution s;
      s.sentence_months = so.integer("sentence_months", true, 0, 1200, "months (integer)").value_or(0);
      s.in_absentia = so.boolean("in_absentia", false, false);
      s.absconded = so.boolean("absconded", false, false);
      q.sentence_execution = s;
    }
  } else if (q.proceedings_type == ProceedingsType::SentenceExecution) {
    r.error(o.at("sentence_execution"), "required when proceedings_type is SENTENCE_EXECUTION");
  }
  q.language = o.str("language", false, 2);
  if (!q.language.empty() && (q.language.size() != 2 || kIso639_1.find(q.language) == std::string_view::npos ||
                              kIso639_1.find(q.language) % 3 != 0))
    r.error(o.at("language"),
            "an ISO 639-1 language code (two lower-case letters, e.g. \"de\"); got " + show_value(q.language));
  q.translations_available = o.string_list("translations_available", false, 2);
  for (size_t i = 0; i < q.translations_available.size(); ++i) {
    const auto& l = q.translations_available[i];
    auto pos = kIso639_1.find(l);
    if (l.size() != 2 || pos == std::string_view::npos || pos % 3 != 0)
      r.error(o.at("translations_available") + "[" + std::to_string(i) + "]", "an ISO 639-1 language code");
  }

  // 10.2 authorities
  if (const json* v = o.need("issuing_authority", "an object {state, type, ...}"))
    q.issuing_authority = read_authority(r, *v, o.at("issuing_authority"), false);
  if (const json* v = o.get("validating_authority"))
    q.validating_authority = read_authority(r, *v, o.at("validating_authority"), true);
  // An authority issues, and validates, in its own State's name: the
  // requesting State decides the law applied, who reviews, who is notified.
  // A request whose authority is another State's says two things at once.
  auto same_state = [&](const Authority& a, const std::string& path) {
    if (!q.requesting_state.empty() && !a.state.empty() && a.state != q.requesting_state)
      r.error(path + ".state", "the requesting State, " + q.requesting_state.str() +
                                   " (an authority acts in its own "
                                   "State's name); got " +
                                   a.state.str());
  };
  if (o.get("issuing_authority")) same_state(q.issuing_authority, o.at("issuing_authority"));
  if (q.validating_authority) same_state(*q.validating_authority, o.at("validating_authority"));
  if (const json* v = o.get("independent_review")) {
    Obj ro(r, *v, o.at("independent_review"));
    if (ro.ok()) {
      if (auto t = ro.enumeration<ReviewType>("type", true)) {
        q.independent_review = *t;
        q.independent_review_stated = true;
      }
      ro.str("reviewer", false);
      ro.date("date", false);
    }
  }
  q.domestic_legal_basis = o.string_list("domestic_legal_basis", true);
  if (auto b = o.opt_boolean("domestic_parity_confirmed")) q.domestic_parity_confirmed = *b ? Tri::True : Tri::False;
  q.domestic_similar_case_allows_no_validation = o.boolean("domestic_similar_case_allows_no_validation", false, false);
  if (const json* v = o.get("designated_authority_review")) {
    Obj ro(r, *v, o.at("designated_authority_review"));
    if (ro.ok()) {
      if (auto b = ro.opt_boolean("passed"))
        q.designated_authority_review_passed = *b;
      else
        ro.need("passed", "true or false");
      q.designated_authority_certification_ref = ro.str("certification_ref", false);
    }
  }
  q.targeting_procedure_ref = o.str("targeting_procedure_ref", false);
  q.central_authority_ref = o.str("central_authority_ref", false);

  // 10.3 offences and facts
  o.array(
      "offences", true, "an array of offences",
      [&](const json& e, const std::string& p) { q.offences.push_back(read_offence(r, e, p)); }, 1);
  if (const json* v = o.get("dual_criminality_result")) {
    if (!v->is_object()) {
      r.error(o.at("dual_criminality_result"),
              "an object mapping state codes to " + enum_choices<DualCriminality>() + "; got " + type_name(*v));
    } else {
      for (auto it = v->begin(); it != v->end(); ++it) {
        auto p = o.at("dual_criminality_result") + "." + it.key();
        auto st = parse_state(it.key());
        if (!st.error.empty()) {
          r.error(p, "a state code key: " + st.error);
          continue;
        }
        if (auto d = o.enum_value<DualCriminality>(it.value(), p)) q.dual_criminality.emplace_back(st.code, *d);
      }
    }
  }
  o.array("prior_final_judgments", false, "an array of {state, date, court, same_facts}",
          [&](const json& e, const std::string& p) {
            Obj jo(r, e, p);
            if (!jo.ok()) return;
            FinalJudgment fj;
            fj.state = jo.state("state", true);
            fj.date = jo.date("date", false);
            fj.court = jo.str("court", false);
            fj.same_facts = jo.boolean("same_facts", false, false);
            q.prior_final_judgments.push_back(fj);
          });
  o.array("parallel_proceedings", false, "an array of {state, ref}", [&](const json& e, const std::string& p) {
    Obj po(r, e, p);
    if (!po.ok()) return;
    q.parallel_proceedings_states.push_back(po.state("state", true));
    po.str("ref", false);
  });
  q.facts_summary = o.str("facts_summary", true, kMaxText, "a summary of the relevant facts (string)");
  q.relevance_statement = o.str("relevance_statement", false, kMaxText);
  q.necessity_statement =
      o.str("necessity_statement", true, kMaxText, "a statement of necessity and proportionality (string)");
  q.probable_cause_statement = o.str("probable_cause_statement", false, kMaxText);
  q.provider_possession_basis = o.str("provider_possession_basis", false, kMaxText);
  q.processor_justification = o.str("processor_justification", false, kMaxText);
  if (auto c = o.enumeration<Clarification>("press_immunity_clarification", false)) q.press_immunity_clarification = *c;
  q.us_inapplicability_notice = o.boolean("us_inapplicability_notice", false, false);

  // 10.4 measure and data
  if (auto m = o.enumeration<Measure>("measure", true)) q.measure = *m;
  q.data_categories = o.enum_set<DataCategory>("data_categories", true, true);
  q.data_items = o.string_list("data_items", false);
  if (const json* v = o.get("time_range")) {
    Obj to(r, *v, o.at("time_range"));
    if (to.ok()) {
      q.time_from = to.datetime("from", true);
      q.time_to = to.datetime("to", true);
      if (q.time_from && q.time_to && *q.time_to < *q.time_from) r.error(o.at("time_range"), "from ≤ to");
    }
  }
  o.array("identifiers", true, "an array of {type, value}", [&](const json& e, const std::string& p) {
    Obj io(r, e, p);
    if (!io.ok()) return;
    auto t = io.enumeration<IdentifierType>("type", true);
    auto value = io.str("value", true, kMaxShort, "the identifier's value (string)");
    if (t) {
      auto why = check_identifier(*t, value);
      if (!why.empty()) r.error(io.at("value"), why + "; got " + show_value(value));
      q.identifiers.push_back({*t, value});
    }
  });
  if (const json* v = o.get("interception")) {
    Obj io(r, *v, o.at("interception"));
    if (io.ok()) {
      Interception ic;
      ic.start = io.datetime("start", false);
      ic.end = io.datetime("end", false);
      ic.duration = io.str("duration", false, 40);
      ic.less_intrusive_assessment = io.str("less_intrusive_assessment", false, kMaxText);
      // A fixed, limited duration (2523(b)(4)(D)(vi); Budapest Art 15(2))
      // ends after it starts.
      if (ic.start && ic.end && *ic.end < *ic.start)
        r.error(io.at("end"), "a date on or after interception.start (" + ic.start->str() + "); got " + ic.end->str());
      q.interception = ic;
    }
  }
  if (const json* v = o.get("prior_preservation")) {
    Obj po(r, *v, o.at("prior_preservation"));
    if (po.ok()) {
      PriorPreservation pp;
      pp.ref = po.str("ref", true);
      pp.date = po.date("date", false);
      if (auto c = po.enumeration<PreservationChannel>("channel", true)) pp.channel = *c;
      q.prior_preservation = pp;
    }
  }
  o.array("prior_requests", false, "an array of {pathway, ref, outcome}", [&](const json& e, const std::string& p) {
    Obj po(r, e, p);
    if (!po.ok()) return;
    PriorRequest pr;
    pr.pathway = po.str("pathway", true);
    pr.ref = po.str("ref", false);
    if (auto out = po.enumeration<PriorOutcome>("outcome", true)) pr.outcome = *out;
    q.prior_requests.push_back(pr);
  });

  // 10.5 persons
  if (const json* v = o.need("subject", "an object describing the person whose data are sought ({} if unknown)"))
    q.subject = read_person(r, *v, o.at("subject"));
  if (const json* v = o.get("purpose_person")) q.purpose_person = read_person(r, *v, o.at("purpose_person"));
  o.array("victims", false, "an array of {nationality, location_state}", [&](const json& e, const std::string& p) {
    Obj vo(r, e, p);
    if (!vo.ok()) return;
    q.victims_nationality.push_back(vo.state_set("nationality", false, true, false, true));
    q.victims_location.push_back(vo.state_or_unknown("location_state"));
  });
  if (const json* v = o.get("hr_risk_assessment")) {
    Obj ho(r, *v, o.at("hr_risk_assessment"));
    if (ho.ok()) {
      if (auto l = ho.enumeration<RiskLevel>("risk_level", true)) q.hr_risk_level = *l;
      q.hr_risk_grounds = ho.enum_set<RiskGround>("grounds", false);
      ho.str("evidence", false, kMaxText);
    }
  } else {
    r.assume(o.at("hr_risk_assessment") + ".risk_level=NONE");
  }

  // 10.6 provider
  if (const json* v = o.need("provider", "an object {hq_state, establishments, services, ...}"))
    q.provider = read_provider(r, *v, o.at("provider"));
  o.array("conflicting_law_refs", false, "an array of {state, citation}", [&](const json& e, const std::string& p) {
    Obj co(r, e, p);
    if (!co.ok()) return;
    auto s = co.state("state", true);
    auto c = co.str("citation", true);
    q.conflicting_law_refs.emplace_back(s, c);
  });
  if (auto pr = o.enumeration<PenaltyRisk>("provider_penalty_risk", false)) q.provider_penalty_risk = *pr;

  // 10.7 urgency and downstream handling
  if (const json* v = o.get("urgency")) {
    Obj uo(r, *v, o.at("urgency"));
    if (uo.ok()) {
      q.urgency.is_emergency = uo.boolean("is_emergency", false, false);
      q.urgency.emergency_type = uo.enumeration<EmergencyType>("emergency_type", false);
      q.urgency.justification = uo.str("justification", false, kMaxText);
      uo.datetime("requested_deadline", false);
      if (q.urgency.is_emergency && !q.urgency.emergency_type)
        r.error(uo.at("emergency_type"), "required when is_emergency is true: " + enum_choices<EmergencyType>());
    }
  }
  if (const json* v = o.get("confidentiality")) {
    Obj co(r, *v, o.at("confidentiality"));
    if (co.ok()) {
      q.non_disclosure_requested = co.boolean("non_disclosure_requested", false, false);
      co.str("reasons", false, kMaxText);
    }
  }
  if (const json* v = o.need("user_notification_plan", "an object {mode, justification, review_date}")) {
    Obj no(r, *v, o.at("user_notification_plan"));
    if (no.ok()) {
      NoticePlan np;
      if (auto m = no.enumeration<NoticeMode>("mode", true)) np.mode = *m;
      np.justification = no.str("justification", false, kMaxText);
      np.review_date = no.date("review_date", false);
      q.user_notification_plan = np;
    }
  }
  if (o.get("intended_use")) {
    q.intended_use = o.enum_set<IntendedUse>("intended_use", false);
  } else {
    q.intended_use.insert(IntendedUse::EvidenceInProsecution);
    r.assume(o.at("intended_use") + "=[EVIDENCE_IN_PROSECUTION]");
  }
  q.requested_on_behalf_of = o.str("requested_on_behalf_of", false);
  q.intended_recipients = o.string_list("intended_recipients", false);
  o.array("onward_transfer_plan", false, "an array of {recipient, purpose, authorisation_ref}",
          [&](const json& e, const std::string& p) {
            Obj to(r, e, p);
            if (!to.ok()) return;
            OnwardTransfer t;
            t.recipient = to.str("recipient", true);
            t.purpose = to.str("purpose", false, kMaxText);
            t.authorisation_ref = to.str("authorisation_ref", false);
            q.onward_transfer_plan.push_back(t);
          });
  q.retention_period_days = o.integer("retention_period_days", false, 1, 36500, "days (integer)");
  q.review_interval_days = o.integer("review_interval_days", false, 1, 3650, "days (integer)");
  if (!q.retention_period_days && !q.review_interval_days && !r.full() && !j.contains("retention_period_days") &&
      !j.contains("review_interval_days"))
    r.error("$.retention_period_days",
            "required: retention_period_days or review_interval_days (SAP Art 14(5), HR.DP)");
  q.sensitive_data_expected = o.enum_set<SensitiveData>("sensitive_data_expected", false);
  q.information_sensitivity = o.enum_set<InfoSensitivity>("information_sensitivity", false);
  q.automated_decision_use = o.boolean("automated_decision_use", false, false);
  q.assurances_offered = o.enum_set<Assurance>("assurances_offered", false);
}

}  // namespace

RequestParse parse_request_value(const nlohmann::json& value) {
  RequestParse out;
  Request q;
  Reader r(out.errors, q.assumed_defaults);
  read_request(r, value, q);
  if (out.errors.empty()) out.request = std::move(q);
  return out;
}

RequestParse parse_request(std::string_view text, const JsonLimits& limits) {
  RequestParse out;
  auto j = parse_json_guarded(text, limits, out.errors);
  if (!j) return out;
  return parse_request_value(*j);
}

}  // namespace comity
