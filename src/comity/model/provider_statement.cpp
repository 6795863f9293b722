#include "comity/model/provider_statement.hpp"

#include <set>

#include "comity/util/date.hpp"
#include "comity/util/jcs.hpp"
#include "comity/util/sha256.hpp"

namespace comity {

using nlohmann::json;

namespace {

constexpr const char* kFormat = "comity.provider-statement/1";
constexpr size_t kMaxText = 2000;  // a clause's text
constexpr size_t kMaxItems = 64;   // clauses, pathways, languages

constexpr std::string_view kPositions[] = {"ACCEPTS", "REVIEWS_THEN_ANSWERS", "DOES_NOT_ACCEPT"};
constexpr std::string_view kNotice[] = {"NOTIFY_UNLESS_PROHIBITED", "NOTIFY_AFTER_DELAY", "DOES_NOT_NOTIFY"};

std::string choices(const std::string_view* names, size_t n) {
  std::string out = "one of ";
  for (size_t i = 0; i < n; ++i) out += (i ? ", " : "") + std::string(names[i]);
  return out;
}

// Reads one object, recording each error with its path; unknown members are errors.
class Obj {
 public:
  Obj(const json* v, std::string path, FieldErrors& errs, std::initializer_list<const char*> allowed)
      : v_(v), path_(std::move(path)), errs_(errs) {
    if (!v_ || !v_->is_object()) {
      if (v_) errs_.push_back({path_, "expected an object"});
      v_ = nullptr;
      return;
    }
    std::set<std::string_view> ok(allowed.begin(), allowed.end());
    for (const auto& [k, _] : v_->items())
      if (!ok.count(k)) errs_.push_back({path_ + "." + k, "unknown member"});
  }
  bool ok() const { return v_ != nullptr; }
  const std::string& path() const { return path_; }
  const json* get(const char* k) const {
    if (!v_) return nullptr;
    auto it = v_->find(k);
    return it == v_->end() || it->is_null() ? nullptr : &*it;
  }
  std::string at(const char* k) const { return path_ + "." + k; }

  std::string text(const char* k, bool required, size_t max = kMaxText) const {
    const json* x = get(k);
    if (!x) {
      if (required && v_) errs_.push_back({at(k), "required: a non-empty string"});
      return {};
    }
    if (!x->is_string() || x->get_ref<const std::string&>().empty()) {
      errs_.push_back({at(k), "expected a non-empty string"});
      return {};
    }
    const auto& s = x->get_ref<const std::string&>();
    if (s.size() > max) errs_.push_back({at(k), "expected at most " + std::to_string(max) + " bytes"});
    return s;
  }
  int integer(const char* k, bool required, int lo, int hi) const {
    const json* x = get(k);
    if (!x) {
      if (required && v_) errs_.push_back({at(k), "required: an integer"});
      return 0;
    }
    if (!x->is_number_integer() || x->get<int64_t>() < lo || x->get<int64_t>() > hi) {
      errs_.push_back({at(k), "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi)});
      return 0;
    }
    return static_cast<int>(x->get<int64_t>());
  }
  StateCode state(const char* k, bool required) const {
    std::string s = text(k, required, 8);
    if (s.empty()) return {};
    auto p = parse_state(s);
    if (!p.error.empty()) errs_.push_back({at(k), p.error});
    return p.code;
  }
  // An array member; calls f(element, path) for each.
  template <class F>
  void each(const char* k, bool required, F&& f) const {
    const json* x = get(k);
    if (!x) {
      if (required && v_) errs_.push_back({at(k), "required: a non-empty array"});
      return;
    }
    if (!x->is_array() || x->empty() || x->size() > kMaxItems) {
      errs_.push_back({at(k), "expected an array of 1 to " + std::to_string(kMaxItems) + " items"});
      return;
    }
    for (size_t i = 0; i < x->size(); ++i) f((*x)[i], at(k) + "[" + std::to_string(i) + "]");
  }

 private:
  const json* v_;
  std::string path_;
  FieldErrors& errs_;
};

StatementScope scope_of(const Obj& o, FieldErrors& errs) {
  StatementScope s;
  s.path = o.path();
  o.each("pathways", true, [&](const json& x, const std::string& p) {
    if (!x.is_string() || x.get_ref<const std::string&>().rfind("P_", 0) != 0 ||
        x.get_ref<const std::string&>().size() > 64)
      errs.push_back({p, "expected a pathway id of the rule pack (P_…)"});
    else
      s.pathways.push_back(x.get<std::string>());
  });
  o.each("data_categories", false, [&](const json& x, const std::string& p) {
    auto c = x.is_string() ? parse_enum<DataCategory>(x.get_ref<const std::string&>()) : std::nullopt;
    if (!c)
      errs.push_back({p, "expected " + enum_choices<DataCategory>()});
    else
      s.data_categories.insert(*c);
  });
  o.each("counterpart_states", false, [&](const json& x, const std::string& p) {
    auto st = x.is_string() ? parse_state(x.get_ref<const std::string&>()) : StateParse{{}, "expected a State code"};
    if (!st.error.empty())
      errs.push_back({p, st.error});
    else
      s.counterpart_states.push_back(st.code);
  });
  return s;
}

std::optional<StatementAddressee> addressee(const Obj& parent, const char* k, FieldErrors& errs) {
  if (!parent.get(k)) return std::nullopt;
  Obj o(parent.get(k), parent.at(k), errs, {"state", "name"});
  return StatementAddressee{o.state("state", true), o.text("name", true, 256)};
}

}  // namespace

std::string_view position_name(StatementPosition p) {
  return kPositions[static_cast<size_t>(p)];
}
std::string_view notice_policy_name(NoticePolicy p) {
  return kNotice[static_cast<size_t>(p)];
}

StatementParse parse_provider_statement_value(const json& value) {
  StatementParse out;
  FieldErrors& errs = out.errors;
  ProviderStatement st;
  Obj root(&value, "$", errs,
           {"format", "provider", "version", "published_at", "addressee", "acceptance", "challenges", "emergency",
            "user_notification", "preservation", "retention"});
  if (!root.ok()) return out;
  if (root.text("format", true, 64) != kFormat && root.get("format"))
    errs.push_back({"$.format", std::string("expected \"") + kFormat + "\""});
  Obj prov(root.get("provider"), "$.provider", errs, {"id", "legal_name", "hq_state"});
  if (!root.get("provider")) errs.push_back({"$.provider", "required: an object"});
  st.provider_id = prov.text("id", true, 128);
  st.legal_name = prov.text("legal_name", true, 256);
  st.hq_state = prov.state("hq_state", true);
  st.version = root.integer("version", true, 1, 1000000);
  st.published_at = root.text("published_at", true, 64);
  if (!st.published_at.empty() && !parse_instant(st.published_at))
    errs.push_back({"$.published_at", "expected an ISO 8601 date-time with zone, e.g. 2026-11-01T00:00:00Z"});

  Obj adr(root.get("addressee"), "$.addressee", errs,
          {"designated_establishment", "legal_representative", "languages"});
  if (!root.get("addressee")) errs.push_back({"$.addressee", "required: an object"});
  st.designated_establishment = addressee(adr, "designated_establishment", errs);
  st.legal_representative = addressee(adr, "legal_representative", errs);
  adr.each("languages", true, [&](const json& x, const std::string& p) {
    if (!x.is_string() || x.get_ref<const std::string&>().size() < 2 || x.get_ref<const std::string&>().size() > 8)
      errs.push_back({p, "expected a language tag (BCP 47), e.g. en"});
    else
      st.languages.push_back(x.get<std::string>());
  });

  root.each("acceptance", false, [&](const json& x, const std::string& p) {
    Obj o(&x, p, errs, {"pathways", "data_categories", "counterpart_states", "position", "text"});
    if (!o.ok()) return;
    StatementAcceptance a{scope_of(o, errs), StatementPosition::Accepts, o.text("text", true)};
    std::string pos = o.text("position", true, 64);
    bool found = false;
    for (size_t i = 0; i < std::size(kPositions); ++i)
      if (kPositions[i] == pos) a.position = static_cast<StatementPosition>(i), found = true;
    if (!found && !pos.empty()) errs.push_back({o.at("position"), "expected " + choices(kPositions, 3)});
    st.acceptance.push_back(std::move(a));
  });
  root.each("challenges", false, [&](const json& x, const std::string& p) {
    Obj o(&x, p, errs, {"pathways", "data_categories", "counterpart_states", "ground", "law", "text"});
    if (!o.ok()) return;
    StatementChallenge c{scope_of(o, errs), o.text("ground", true, 64), o.text("law", true, 256), o.text("text", true)};
    st.challenges.push_back(std::move(c));
  });
  Obj em(root.get("emergency"), "$.emergency", errs, {"channel", "verification", "response_hours"});
  if (!root.get("emergency")) errs.push_back({"$.emergency", "required: an object"});
  st.emergency_channel = em.text("channel", true, 512);
  st.emergency_verification = em.text("verification", true);
  st.emergency_response_hours = em.integer("response_hours", false, 1, 720);
  Obj un(root.get("user_notification"), "$.user_notification", errs, {"policy", "delay_days", "text"});
  if (!root.get("user_notification")) errs.push_back({"$.user_notification", "required: an object"});
  std::string pol = un.text("policy", true, 64);
  bool found = false;
  for (size_t i = 0; i < std::size(kNotice); ++i)
    if (kNotice[i] == pol) st.notice = static_cast<NoticePolicy>(i), found = true;
  if (!found && !pol.empty()) errs.push_back({"$.user_notification.policy", "expected " + choices(kNotice, 3)});
  st.notice_delay_days = un.integer("delay_days", st.notice == NoticePolicy::NotifyAfterDelay, 1, 3650);
  st.notice_text = un.text("text", false);
  Obj pr(root.get("preservation"), "$.preservation", errs, {"default_days"});
  st.preservation_default_days = pr.integer("default_days", false, 1, 3650);
  st.retention_text = root.text("retention", false);
  if (!errs.empty()) return out;
  try {
    st.sha256 = sha256_hex(canonical_json(value));
  } catch (const std::exception&) {
    errs.push_back({"$", "cannot be put in canonical form (RFC 8785)"});
    return out;
  }
  out.statement = std::move(st);
  return out;
}

StatementParse parse_provider_statement(std::string_view json_text, const JsonLimits& limits) {
  StatementParse out;
  auto value = parse_json_guarded(json_text, limits, out.errors);
  if (!value) return out;
  return parse_provider_statement_value(*value);
}

}  // namespace comity
