// Rule-pack loader: YAML files → Pack (docs/rule-packs.md).
//
// Structural problems (YAML syntax, wrong types, unknown keys, unknown kinds,
// bad placeholders) throw PackError naming the file and key path. Problems a
// reviewer should see all at once (missing citation or tag, unknown state
// codes, dangling references) are collected in Pack::load_issues and reported
// by lint_pack(). The content hash covers every listed file's path and bytes.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "comity/rules/kinds.hpp"
#include "comity/rules/pack.hpp"
#include "comity/util/sha256.hpp"

namespace comity {

std::string_view outcome_name(Outcome o) {
  switch (o) {
    case Outcome::Pass: return "pass";
    case Outcome::Fail: return "fail";
    case Outcome::NeedsReview: return "needs_review";
    default: return "not_applicable";
  }
}

std::string_view tag_name(Tag t) {
  switch (t) {
    case Tag::V: return "V";
    case Tag::P: return "P";
    default: return "U";
  }
}

const PredicateDef* Pack::predicate_at(int group, Date at) const {
  for (int i : groups[static_cast<size_t>(group)]) {
    const auto& p = predicates[static_cast<size_t>(i)];
    if (p.from <= at && at <= p.to) return &p;
  }
  return nullptr;
}

bool Pack::gdpr_state(StateCode s, Date at) const {
  return gdpr_area(s, at) != 0;
}

int Pack::gdpr_area(StateCode s, Date at) const {
  if (s.empty() || at < gdpr_applies_from) return 0;
  const StateInfo* st = state(s);
  if (st && st->eu_member) return 1;
  if (std::find(gdpr_eea_states.begin(), gdpr_eea_states.end(), s) != gdpr_eea_states.end()) return 1;
  auto it = std::find(gdpr_art48_states.begin(), gdpr_art48_states.end(), s);
  return it == gdpr_art48_states.end() ? 0 : 2 + static_cast<int>(it - gdpr_art48_states.begin());
}

const PredicateDef* Pack::find_predicate(std::string_view id) const {
  auto it = group_of.find(std::string(id));
  if (it == group_of.end()) return nullptr;
  return &predicates[static_cast<size_t>(groups[static_cast<size_t>(it->second)].front())];
}

const IccsCode* Pack::iccs_code(std::string_view code) const {
  // Exact match, else the nearest listed ancestor (codes are prefixes).
  const IccsCode* best = nullptr;
  for (const auto& c : iccs) {
    if (c.code.size() <= code.size() && code.substr(0, c.code.size()) == c.code)
      if (!best || c.code.size() > best->code.size()) best = &c;
  }
  return best;
}

namespace {

class Loader {
 public:
  Loader(Pack& pack, std::string file) : pack_(pack), file_(std::move(file)) {}

  [[noreturn]] void fail(const std::string& where, const std::string& msg) const {
    throw PackError(file_ + ": " + where + ": " + msg);
  }
  void issue(const std::string& where, const std::string& msg) { pack_.load_issues.push_back({file_, where, msg}); }

  void keys(const YAML::Node& n, const std::string& where, std::initializer_list<std::string_view> allowed) {
    if (!n.IsMap()) fail(where, "expected a mapping");
    for (auto it : n) {
      auto k = it.first.as<std::string>();
      if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) fail(where + "." + k, "unknown key");
    }
  }

  std::string str(const YAML::Node& n, const std::string& where, bool required = false) {
    if (!n || n.IsNull()) {
      if (required) fail(where, "required");
      return {};
    }
    if (!n.IsScalar()) fail(where, "expected a string");
    return n.as<std::string>();
  }

  bool boolean(const YAML::Node& n, const std::string& where, bool dflt = false) {
    if (!n || n.IsNull()) return dflt;
    try {
      return n.as<bool>();
    } catch (const YAML::Exception&) {
      fail(where, "expected true or false");
    }
  }

  int integer(const YAML::Node& n, const std::string& where, int dflt = 0) {
    if (!n || n.IsNull()) return dflt;
    try {
      return n.as<int>();
    } catch (const YAML::Exception&) {
      fail(where, "expected an integer");
    }
  }

  std::optional<Date> date(const YAML::Node& n, const std::string& where) {
    if (!n || n.IsNull()) return std::nullopt;
    auto d = parse_date(str(n, where));
    if (!d) fail(where, "expected a date YYYY-MM-DD");
    return d;
  }

  Tag tag(const YAML::Node& n, const std::string& where) {
    auto s = str(n, where);
    if (s == "V") return Tag::V;
    if (s == "P") return Tag::P;
    if (s == "U") return Tag::U;
    fail(where, "expected V, P or U");
  }

  StateCode state(const std::string& s, const std::string& where) {
    auto p = parse_state(s);
    if (!p.error.empty()) issue(where, "unknown state code \"" + s + "\": " + p.error);
    return p.code;
  }

  std::vector<StateCode> states(const YAML::Node& n, const std::string& where) {
    std::vector<StateCode> out;
    if (!n || n.IsNull()) return out;
    if (!n.IsSequence()) fail(where, "expected a list of state codes");
    for (size_t i = 0; i < n.size(); ++i) {
      auto c = state(str(n[i], where), where + "[" + std::to_string(i) + "]");
      if (!c.empty()) out.push_back(c);
    }
    return out;
  }

  std::vector<std::string> strings(const YAML::Node& n, const std::string& where) {
    std::vector<std::string> out;
    if (!n || n.IsNull()) return out;
    if (!n.IsSequence()) fail(where, "expected a list");
    for (size_t i = 0; i < n.size(); ++i) out.push_back(str(n[i], where + "[" + std::to_string(i) + "]"));
    return out;
  }

  template <class E>
  E enumeration(const YAML::Node& n, const std::string& where) {
    auto s = str(n, where, true);
    auto e = parse_enum<E>(s);
    if (!e) fail(where, "expected " + enum_choices<E>());
    return *e;
  }

  template <class E>
  EnumSet<E> enum_set(const YAML::Node& n, const std::string& where) {
    EnumSet<E> out;
    if (!n || n.IsNull()) return out;
    if (!n.IsSequence()) fail(where, "expected a list");
    for (size_t i = 0; i < n.size(); ++i) out.insert(enumeration<E>(n[i], where + "[" + std::to_string(i) + "]"));
    return out;
  }

  When when(const YAML::Node& n, const std::string& where) {
    auto s = str(n, where);
    if (s.empty() || s == "always") return When::Always;
    if (s == "emergency") return When::Emergency;
    if (s == "not_emergency") return When::NotEmergency;
    if (s == "notified") return When::Notified;
    if (s == "not_notified") return When::NotNotified;
    if (s == "notified_not_emergency") return When::NotifiedNotEmergency;
    if (s == "not_notified_not_emergency") return When::NotNotifiedNotEmergency;
    if (s == "notified_emergency") return When::NotifiedEmergency;
    if (s == "ex_post_validation") return When::ExPostValidation;
    if (s == "preservation") return When::Preservation;
    if (s == "production") return When::Production;
    fail(where,
         "expected always, emergency, not_emergency, notified, not_notified, notified_not_emergency, "
         "not_notified_not_emergency, notified_emergency, ex_post_validation, preservation or production");
  }

  void load(const YAML::Node& root) {
    if (!root.IsMap()) fail("(top)", "expected a mapping");
    keys(root, "(top)",
         {"constants", "states", "agreements", "mla_instruments", "policies", "iccs", "predicates", "pathways", "gate",
          "advisory", "workflows", "grounds", "law_names"});
    if (auto n = root["constants"]) load_constants(n);
    if (auto n = root["policies"]) load_policies(n);
    if (auto n = root["states"]) load_states(n);
    if (auto n = root["agreements"]) load_agreements(n);
    if (auto n = root["mla_instruments"]) load_mla(n);
    if (auto n = root["iccs"]) load_iccs(n);
    if (auto n = root["predicates"]) load_predicates(n);
    if (auto n = root["pathways"]) load_pathways(n);
    if (auto n = root["workflows"]) load_workflows(n);
    if (auto n = root["grounds"]) load_grounds(n);
    if (auto n = root["law_names"]) load_law_names(n);
    if (auto n = root["gate"]) append(pack_.gate, strings(n, "gate"));
    if (auto n = root["advisory"]) append(pack_.advisory, strings(n, "advisory"));
  }

 private:
  static void append(std::vector<std::string>& to, const std::vector<std::string>& from) {
    to.insert(to.end(), from.begin(), from.end());
  }

  void load_grounds(const YAML::Node& n) {
    if (!n.IsMap()) fail("grounds", "expected a mapping of list id → grounds");
    for (auto it : n) {
      std::string id = it.first.as<std::string>(), w = "grounds." + id;
      if (!it.second.IsSequence()) fail(w, "expected a list");
      std::vector<Ground> list;
      for (size_t i = 0; i < it.second.size(); ++i) {
        const YAML::Node& g = it.second[i];
        std::string gw = w + "[" + std::to_string(i) + "]";
        keys(g, gw, {"code", "label", "citation", "tag", "pathways"});
        Ground x{str(g["code"], gw + ".code", true), str(g["label"], gw + ".label", true),
                 str(g["citation"], gw + ".citation", true), str(g["tag"], gw + ".tag", true),
                 strings(g["pathways"], gw + ".pathways")};
        if (x.tag != "V" && x.tag != "P" && x.tag != "U") fail(gw + ".tag", "one of V, P, U");
        list.push_back(std::move(x));
      }
      pack_.grounds.emplace_back(id, std::move(list));
    }
  }

  // "fact", "not fact", "within D1 D2…" or "not within D1…".
  Guard guard(const std::string& text, const std::string& where) {
    static const std::pair<std::string_view, Guard::Fact> kFacts[] = {{"emergency", Guard::Fact::Emergency},
                                                                      {"ex_post_allowed", Guard::Fact::ExPostAllowed},
                                                                      {"validator_named", Guard::Fact::ValidatorNamed},
                                                                      {"notified", Guard::Fact::Notified},
                                                                      {"validated", Guard::Fact::Validated},
                                                                      {"ex_post_pending", Guard::Fact::ExPostPending},
                                                                      {"acknowledged", Guard::Fact::Acknowledged}};
    Guard g;
    g.text = text;
    std::vector<std::string> words;
    for (size_t at = 0; at < text.size();) {
      size_t end = text.find(' ', at);
      if (end == std::string::npos) end = text.size();
      if (end > at) words.push_back(text.substr(at, end - at));
      at = end + 1;
    }
    size_t i = 0;
    if (i < words.size() && words[i] == "not") g.negated = true, ++i;
    if (i < words.size() && words[i] == "within") {
      g.fact = Guard::Fact::Within;
      g.deadlines.assign(words.begin() + static_cast<std::ptrdiff_t>(i) + 1, words.end());
      if (g.deadlines.empty()) fail(where, "within needs one or more deadline ids");
      return g;
    }
    if (i + 1 == words.size())
      for (const auto& [name, fact] : kFacts)
        if (words[i] == name) {
          g.fact = fact;
          return g;
        }
    fail(where,
         "expected a guard: [not] emergency, ex_post_allowed, validator_named, notified, validated, "
         "ex_post_pending, acknowledged, or [not] within DEADLINE…; got \"" +
             text + "\"");
  }

  void load_workflows(const YAML::Node& n) {
    if (!n.IsSequence()) fail("workflows", "expected a list");
    for (size_t i = 0; i < n.size(); ++i) {
      const YAML::Node& y = n[i];
      std::string w = "workflows[" + std::to_string(i) + "]";
      keys(y, w, {"id", "initial", "states", "terminal", "transitions", "on_expiry"});
      WorkflowDef wf;
      wf.id = str(y["id"], w + ".id", true);
      w += " (" + wf.id + ")";
      wf.initial = str(y["initial"], w + ".initial", true);
      wf.states = strings(y["states"], w + ".states");
      wf.terminal = strings(y["terminal"], w + ".terminal");
      auto ts = y["transitions"];
      if (!ts || !ts.IsSequence()) fail(w + ".transitions", "required: a list");
      for (size_t k = 0; k < ts.size(); ++k) {
        std::string tw = w + ".transitions[" + std::to_string(k) + "]";
        keys(ts[k], tw,
             {"event", "from", "to", "roles", "starts", "stops", "max_times", "requires_reason", "delete_data",
              "grounds", "when", "law", "reason_to"});
        WorkflowTransition t;
        t.event = str(ts[k]["event"], tw + ".event", true);
        t.from = strings(ts[k]["from"], tw + ".from");
        t.to = str(ts[k]["to"], tw + ".to", true);
        t.roles = strings(ts[k]["roles"], tw + ".roles");
        t.starts = strings(ts[k]["starts"], tw + ".starts");
        t.stops = strings(ts[k]["stops"], tw + ".stops");
        t.max_times = integer(ts[k]["max_times"], tw + ".max_times");
        t.requires_reason = boolean(ts[k]["requires_reason"], tw + ".requires_reason");
        t.delete_data = boolean(ts[k]["delete_data"], tw + ".delete_data");
        t.grounds = str(ts[k]["grounds"], tw + ".grounds");
        auto when = strings(ts[k]["when"], tw + ".when");
        for (size_t g = 0; g < when.size(); ++g)
          t.when.push_back(guard(when[g], tw + ".when[" + std::to_string(g) + "]"));
        t.law = str(ts[k]["law"], tw + ".law");
        if (!t.when.empty() && t.law.empty()) fail(tw + ".law", "required with when: the article the guards come from");
        t.reason_to = strings(ts[k]["reason_to"], tw + ".reason_to");
        for (const auto& a : t.reason_to)
          if (a != "requested" && a != "enforcing")
            fail(tw + ".reason_to", "requested or enforcing (an addressee or oversight never reads free-text reasons)");
        wf.transitions.push_back(std::move(t));
      }
      if (auto e = y["on_expiry"]) {
        if (!e.IsMap()) fail(w + ".on_expiry", "expected a mapping of deadline id → event");
        for (auto it : e) wf.on_expiry.emplace_back(it.first.as<std::string>(), str(it.second, w + ".on_expiry"));
      }
      wf.file = file_;
      pack_.workflows.push_back(std::move(wf));
    }
  }

  void load_constants(const YAML::Node& n) {
    keys(n, "constants",
         {"eu_regulation_applies_from", "sap_in_force_from", "gdpr_applies_from", "gdpr_eea_states", "eio_applies_from",
          "gdpr_art48_equivalent_states"});
    if (auto d = date(n["eio_applies_from"], "constants.eio_applies_from")) pack_.eio_applies_from = *d;
    if (auto d = date(n["gdpr_applies_from"], "constants.gdpr_applies_from")) pack_.gdpr_applies_from = *d;
    if (auto l = n["gdpr_eea_states"]) {
      if (!l.IsSequence()) fail("constants.gdpr_eea_states", "expected a list of State codes");
      for (size_t k = 0; k < l.size(); ++k)
        pack_.gdpr_eea_states.push_back(state(str(l[k], "constants.gdpr_eea_states[" + std::to_string(k) + "]", true),
                                              "constants.gdpr_eea_states[" + std::to_string(k) + "]"));
    }
    if (auto l = n["gdpr_art48_equivalent_states"]) {
      if (!l.IsSequence()) fail("constants.gdpr_art48_equivalent_states", "expected a list of State codes");
      for (size_t k = 0; k < l.size(); ++k) {
        const std::string w = "constants.gdpr_art48_equivalent_states[" + std::to_string(k) + "]";
        pack_.gdpr_art48_states.push_back(state(str(l[k], w, true), w));
      }
    }
    if (auto d = date(n["eu_regulation_applies_from"], "constants.eu_regulation_applies_from"))
      pack_.eu_regulation_applies_from = *d;
    if (auto d = date(n["sap_in_force_from"], "constants.sap_in_force_from")) pack_.sap_in_force_from = *d;
  }

  StatePolicy policy(const YAML::Node& n, const std::string& where, const StatePolicy& base) {
    keys(n, where,
         {"sensitive_categories_require_mla", "first_use_mla_required", "access_now", "min_connection_score"});
    StatePolicy p = base;
    if (n["sensitive_categories_require_mla"])
      p.sensitive_require_mla =
          enum_set<InfoSensitivity>(n["sensitive_categories_require_mla"], where + ".sensitive_categories_require_mla");
    p.first_use_mla_required =
        boolean(n["first_use_mla_required"], where + ".first_use_mla_required", base.first_use_mla_required);
    if (n["access_now"]) {
      auto s = str(n["access_now"], where + ".access_now");
      if (s != "advisory" && s != "binding") fail(where + ".access_now", "expected advisory or binding");
      p.access_now_binding = s == "binding";
    }
    p.min_connection_score =
        integer(n["min_connection_score"], where + ".min_connection_score", base.min_connection_score);
    return p;
  }

  void load_policies(const YAML::Node& n) {
    keys(n, "policies", {"default"});
    if (n["default"]) pack_.default_policy = policy(n["default"], "policies.default", pack_.default_policy);
  }

  void load_states(const YAML::Node& n) {
    if (!n.IsMap()) fail("states", "expected a mapping of state code → facts");
    for (auto it : n) {
      auto code = it.first.as<std::string>();
      std::string w = "states." + code;
      const YAML::Node& s = it.second;
      keys(s, w,
           {"name", "central_authority", "eu_member", "reg_2023_1543_bound", "eio_participant", "budapest_party_since",
            "sap_party_since", "untoc_party_since", "sap_declarations", "death_penalty",
            "voluntary_noncontent_disclosure", "content_blocking_statute", "incoming_mla_days", "policy", "citation",
            "source", "tag"});
      StateInfo st;
      st.code = state(code, w);
      if (st.code.empty()) continue;
      if (pack_.state(st.code)) fail(w, "state listed twice");
      st.name = str(s["name"], w + ".name", true);
      st.central_authority = str(s["central_authority"], w + ".central_authority");
      st.eu_member = boolean(s["eu_member"], w + ".eu_member");
      st.reg_2023_1543_bound = boolean(s["reg_2023_1543_bound"], w + ".reg_2023_1543_bound");
      st.eio_participant = boolean(s["eio_participant"], w + ".eio_participant");
      st.budapest_party_since = date(s["budapest_party_since"], w + ".budapest_party_since");
      st.sap_party_since = date(s["sap_party_since"], w + ".sap_party_since");
      st.untoc_party_since = date(s["untoc_party_since"], w + ".untoc_party_since");
      if (auto d = s["sap_declarations"]) {
        std::string dw = w + ".sap_declarations";
        keys(d, dw,
             {"art7_2b_supervision", "art7_5a_notification", "art7_8_article8_first", "art7_9a_no_art7",
              "art8_11_central_authority", "art8_13_no_traffic", "art9_1b_no_subscriber_only"});
        st.sap.art7_2b_supervision = boolean(d["art7_2b_supervision"], dw);
        st.sap.art7_5a_notification = boolean(d["art7_5a_notification"], dw);
        st.sap.art7_8_article8_first = boolean(d["art7_8_article8_first"], dw);
        st.sap.art7_9a_no_art7 = boolean(d["art7_9a_no_art7"], dw);
        st.sap.art8_11_central_authority = boolean(d["art8_11_central_authority"], dw);
        st.sap.art8_13_no_traffic = boolean(d["art8_13_no_traffic"], dw);
        st.sap.art9_1b_no_subscriber_only = boolean(d["art9_1b_no_subscriber_only"], dw);
      }
      if (s["death_penalty"]) {
        auto dp = str(s["death_penalty"], w + ".death_penalty");
        if (dp == "ABOLITIONIST")
          st.death_penalty = DeathPenaltyStatus::Abolitionist;
        else if (dp == "RETENTIONIST")
          st.death_penalty = DeathPenaltyStatus::Retentionist;
        else if (dp == "ABOLITIONIST_IN_PRACTICE")
          st.death_penalty = DeathPenaltyStatus::AbolitionistInPractice;
        else
          fail(w + ".death_penalty", "expected ABOLITIONIST, RETENTIONIST or ABOLITIONIST_IN_PRACTICE");
      }
      st.voluntary_noncontent_permitted = boolean(s["voluntary_noncontent_disclosure"], w);
      st.content_blocking_statute = str(s["content_blocking_statute"], w + ".content_blocking_statute");
      st.incoming_mla_days = integer(s["incoming_mla_days"], w + ".incoming_mla_days");
      if (s["policy"]) st.policy = policy(s["policy"], w + ".policy", pack_.default_policy);
      st.citation = str(s["citation"], w + ".citation");
      st.source = str(s["source"], w + ".source");
      if (s["tag"])
        st.tag = tag(s["tag"], w + ".tag");
      else
        issue(w, "state facts carry no verification tag");
      st.file = file_;
      pack_.state_index[st.code.index()] = static_cast<int16_t>(pack_.states.size());
      pack_.states.push_back(std::move(st));
    }
  }

  void load_agreements(const YAML::Node& n) {
    if (!n.IsSequence()) fail("agreements", "expected a list");
    for (size_t i = 0; i < n.size(); ++i) {
      std::string w = "agreements[" + std::to_string(i) + "]";
      const YAML::Node& a = n[i];
      keys(a, w,
           {"id", "name", "parties", "status", "status_since", "in_force_from", "serious_crime_min_months",
            "essential_interests", "designated_authorities", "source", "citation", "tag"});
      Agreement ag;
      ag.id = str(a["id"], w + ".id", true);
      ag.name = str(a["name"], w + ".name", true);
      if (!a["parties"] || !a["parties"].IsSequence() || a["parties"].size() != 2)
        fail(w + ".parties", "expected exactly two state codes");
      std::string status = a["status"] ? str(a["status"], w + ".status") : "in_force";
      if (status == "in_force") {
        ag.status = AgreementStatus::InForce;
      } else if (status == "signed") {
        ag.status = AgreementStatus::Signed;
      } else if (status == "negotiating") {
        ag.status = AgreementStatus::Negotiating;
      } else {
        fail(w + ".status", "expected in_force, signed or negotiating");
      }
      // The European Union negotiates as one party; it is not a State of the registry.
      ag.other_side_eu = a["parties"][1].IsScalar() && a["parties"][1].as<std::string>() == "EU";
      if (ag.other_side_eu && ag.status == AgreementStatus::InForce)
        fail(w + ".parties", "an agreement with the EU in force needs its own pathway rules; not supported");
      YAML::Node states_only(YAML::NodeType::Sequence);
      states_only.push_back(a["parties"][0]);
      if (!ag.other_side_eu) states_only.push_back(a["parties"][1]);
      auto parties = states(states_only, w + ".parties");
      if (parties.size() != states_only.size()) continue;  // an unknown code was reported as a lint issue
      ag.a = parties[0];
      ag.b = ag.other_side_eu ? StateCode::none() : parties[1];
      auto d = date(a["in_force_from"], w + ".in_force_from");
      if (ag.status == AgreementStatus::InForce) {
        if (!d) fail(w + ".in_force_from", "required for an agreement in force");
        ag.in_force_from = *d;
        ag.status_since = *d;
      } else {
        if (d) fail(w + ".in_force_from", "an agreement not in force has no date of entry into force");
        auto since = date(a["status_since"], w + ".status_since");
        if (!since) fail(w + ".status_since", "required: the date the agreement was signed or negotiations began");
        ag.status_since = *since;
      }
      ag.serious_crime_min_months = integer(a["serious_crime_min_months"], w, 36);
      for (const char* key : {"essential_interests", "designated_authorities"}) {
        auto m = a[key];
        if (!m) continue;
        if (!m.IsMap()) fail(w + "." + key, "expected a mapping of state code → value");
        for (auto it : m) {
          auto st = state(it.first.as<std::string>(), w + "." + key);
          auto& target =
              std::string_view(key) == "essential_interests" ? ag.essential_interests : ag.designated_authorities;
          if (it.second.IsSequence()) {
            for (size_t k = 0; k < it.second.size(); ++k) target.emplace_back(st, str(it.second[k], w + "." + key));
          } else {
            target.emplace_back(st, str(it.second, w + "." + key));
          }
        }
      }
      for (const auto& [st, what] : ag.essential_interests)
        if (what != "FREE_SPEECH" && what != "DEATH_PENALTY")
          fail(w + ".essential_interests", "expected FREE_SPEECH or DEATH_PENALTY");
      ag.citation = str(a["citation"], w + ".citation");
      if (a["tag"])
        ag.tag = tag(a["tag"], w + ".tag");
      else
        issue(w, "agreement carries no verification tag");
      if (ag.citation.empty()) issue(w, "agreement carries no citation");
      pack_.agreements.push_back(std::move(ag));
    }
  }

  void load_mla(const YAML::Node& n) {
    if (!n.IsSequence()) fail("mla_instruments", "expected a list");
    for (size_t i = 0; i < n.size(); ++i) {
      std::string w = "mla_instruments[" + std::to_string(i) + "]";
      const YAML::Node& m = n[i];
      MlaInstrument mi;
      keys(m, w,
           {"id", "name", "kind", "parties", "in_force_from", "min_penalty_months", "organised_crime",
            "own_offences_or_serious_months", "status", "later_ratification_days", "citation", "tag", "hub"});
      mi.min_penalty_months = integer(m["min_penalty_months"], w + ".min_penalty_months");
      mi.organised_crime = boolean(m["organised_crime"], w + ".organised_crime");
      mi.own_offences_or_serious_months =
          integer(m["own_offences_or_serious_months"], w + ".own_offences_or_serious_months");
      mi.id = str(m["id"], w + ".id", true);
      mi.name = str(m["name"], w + ".name", true);
      mi.kind = str(m["kind"], w + ".kind", true);
      if (mi.kind != "bilateral" && mi.kind != "multilateral") fail(w + ".kind", "expected bilateral or multilateral");
      if (m["status"] && m["parties"]) fail(w + ".parties", "an instrument tracked by status lists no parties");
      if (const YAML::Node& st = m["status"]) {
        // Tracked per State: no date of entry into force means not in force.
        if (!st.IsMap()) fail(w + ".status", "expected a map of State codes to {signed, ratified}");
        mi.in_force_from = kNoDateMax;
        mi.per_state = true;
        mi.later_ratification_days = integer(m["later_ratification_days"], w + ".later_ratification_days");
        for (const auto& kv : st) {
          std::string code = kv.first.as<std::string>(), ws = w + ".status." + code;
          keys(kv.second, ws, {"signed", "ratified"});
          InstrumentStatus is{state(code, ws), date(kv.second["signed"], ws + ".signed"),
                              date(kv.second["ratified"], ws + ".ratified")};
          if (!is.signed_on && !is.ratified_on) fail(ws, "expected a date of signature or ratification");
          if (is.ratified_on) mi.parties.push_back(is.state);
          mi.status.push_back(is);
        }
      } else {
        mi.parties = states(m["parties"], w + ".parties");
      }
      if (mi.kind == "bilateral" && mi.parties.size() != 2) fail(w + ".parties", "a bilateral treaty has two parties");
      if (m["hub"]) {
        mi.hub = state(str(m["hub"], w + ".hub", true), w + ".hub");
        if (std::find(mi.parties.begin(), mi.parties.end(), mi.hub) == mi.parties.end())
          fail(w + ".hub", "the hub State must be one of the parties");
      }
      if (auto d = date(m["in_force_from"], w + ".in_force_from")) mi.in_force_from = *d;
      mi.citation = str(m["citation"], w + ".citation");
      if (m["tag"])
        mi.tag = tag(m["tag"], w + ".tag");
      else
        issue(w, "instrument carries no verification tag");
      pack_.mla_instruments.push_back(std::move(mi));
    }
  }

  void load_iccs(const YAML::Node& n) {
    if (!n.IsSequence()) fail("iccs", "expected a list");
    for (size_t i = 0; i < n.size(); ++i) {
      std::string w = "iccs[" + std::to_string(i) + "]";
      const YAML::Node& c = n[i];
      keys(c, w, {"code", "label", "tag", "annex_iv", "speed_critical", "speech", "political"});
      IccsCode ic;
      ic.code = str(c["code"], w + ".code", true);
      ic.label = str(c["label"], w + ".label", true);
      if (c["tag"])
        ic.tag = tag(c["tag"], w + ".tag");
      else
        issue(w, "ICCS code carries no verification tag");
      if (c["annex_iv"]) ic.annex_iv = enumeration<AnnexIV>(c["annex_iv"], w + ".annex_iv");
      ic.speed_critical = boolean(c["speed_critical"], w);
      ic.speech = boolean(c["speech"], w);
      ic.political = boolean(c["political"], w);
      pack_.iccs.push_back(std::move(ic));
    }
  }

  ReasonTemplate compile(const std::string& text, const KindSpec& kind, const std::string& where) {
    ReasonTemplate t;
    size_t i = 0;
    std::string lit;
    while (i < text.size()) {
      if (text[i] == '{') {
        auto close = text.find('}', i);
        if (close == std::string::npos) fail(where, "unclosed '{' in reason template");
        auto name = std::string_view(text).substr(i + 1, close - i - 1);
        auto it = std::find(kind.args.begin(), kind.args.end(), name);
        if (it == kind.args.end())
          fail(where, "placeholder {" + std::string(name) + "} is not an argument of kind " + std::string(kind.name));
        if (!lit.empty()) t.segments.push_back({std::move(lit), -1});
        lit.clear();
        t.segments.push_back({{}, static_cast<int>(it - kind.args.begin())});
        i = close + 1;
      } else {
        lit += text[i++];
      }
    }
    if (!lit.empty()) t.segments.push_back({std::move(lit), -1});
    return t;
  }

  void load_predicates(const YAML::Node& n) {
    if (!n.IsSequence()) fail("predicates", "expected a list");
    for (size_t i = 0; i < n.size(); ++i) {
      const YAML::Node& y = n[i];
      std::string w = "predicates[" + std::to_string(i) + "]";
      keys(y, w,
           {"id", "title", "kind", "citation", "tag", "source", "effective", "reads", "params", "reasons", "hint",
            "advisory"});
      PredicateDef p;
      p.id = str(y["id"], w + ".id", true);
      w += " (" + p.id + ")";
      p.title = str(y["title"], w + ".title", true);
      auto kind_name = str(y["kind"], w + ".kind", true);
      p.kind = find_kind(kind_name);
      if (!p.kind) fail(w + ".kind", "unknown predicate kind \"" + kind_name + "\"");
      p.citation = str(y["citation"], w + ".citation");
      if (y["tag"]) {
        p.tag = tag(y["tag"], w + ".tag");
        p.tag_set = true;
      }
      p.source = str(y["source"], w + ".source");
      if (auto e = y["effective"]) {
        keys(e, w + ".effective", {"from", "to"});
        if (auto d = date(e["from"], w + ".effective.from")) p.from = *d;
        if (auto d = date(e["to"], w + ".effective.to")) p.to = *d;
        if (p.to < p.from) fail(w + ".effective", "to is before from");
      }
      p.reads = strings(y["reads"], w + ".reads");
      if (auto pr = y["params"]) {
        keys(pr, w + ".params", {"months", "severity", "fields"});
        for (auto it : pr) {
          auto key = it.first.as<std::string>();
          if (std::find(p.kind->params.begin(), p.kind->params.end(), key) == p.kind->params.end())
            fail(w + ".params." + key, "kind " + std::string(p.kind->name) + " takes no parameter " + key);
        }
        p.params.months = integer(pr["months"], w + ".params.months");
        if (pr["severity"]) {
          auto s = str(pr["severity"], w + ".params.severity");
          if (s == "fail")
            p.params.severity = Outcome::Fail;
          else if (s == "needs_review")
            p.params.severity = Outcome::NeedsReview;
          else
            fail(w + ".params.severity", "expected fail or needs_review");
        }
        p.params.fields = strings(pr["fields"], w + ".params.fields");
      }
      auto reasons = y["reasons"];
      if (!reasons || !reasons.IsMap()) fail(w + ".reasons", "required: a mapping of variant or outcome → text");
      std::map<std::string, std::string> texts;
      for (auto it : reasons) {
        auto key = it.first.as<std::string>();
        bool known = key == "pass" || key == "fail" || key == "needs_review" || key == "not_applicable";
        for (const auto& v : p.kind->variants) known = known || v.name == key;
        if (!known) fail(w + ".reasons." + key, "not a variant of kind " + std::string(p.kind->name));
        texts[key] = str(it.second, w + ".reasons." + key);
      }
      for (const auto& v : p.kind->variants) {
        auto it = texts.find(std::string(v.name));
        if (it == texts.end()) it = texts.find(std::string(outcome_name(v.outcome)));
        std::string text = it == texts.end() ? std::string() : it->second;
        p.reason_sources.push_back(text);
        p.reasons.push_back(compile(text, *p.kind, w + ".reasons." + std::string(v.name)));
      }
      p.hint = str(y["hint"], w + ".hint");
      p.advisory = boolean(y["advisory"], w + ".advisory");
      p.file = file_;
      int idx = static_cast<int>(pack_.predicates.size());
      auto [g, inserted] = pack_.group_of.try_emplace(p.id, static_cast<int>(pack_.groups.size()));
      if (inserted) pack_.groups.emplace_back();
      pack_.groups[static_cast<size_t>(g->second)].push_back(idx);
      p.group = g->second;
      pack_.predicates.push_back(std::move(p));
    }
  }

  // law_names: {family: [{field, law, not_read?}, ...], ...}
  void load_law_names(const YAML::Node& n) {
    if (!n.IsMap()) fail("law_names", "expected a mapping from pathway family to a list");
    for (auto it : n) {
      std::string fam = it.first.as<std::string>();
      std::string w = "law_names." + fam;
      Family f = family(fam, w);
      if (!it.second.IsSequence()) fail(w, "expected a list of {field, law}");
      for (size_t k = 0; k < it.second.size(); ++k) {
        std::string ew = w + "[" + std::to_string(k) + "]";
        const YAML::Node& e = it.second[k];
        keys(e, ew, {"field", "law", "not_read"});
        pack_.law_names.push_back({f, fam, str(e["field"], ew + ".field", true), str(e["law"], ew + ".law", true),
                                   str(e["not_read"], ew + ".not_read"), file_});
      }
    }
  }

  Family family(const std::string& s, const std::string& where) {
    static const std::pair<std::string_view, Family> kFamilies[] = {{"domestic", Family::Domestic},
                                                                    {"eu_epoc", Family::EuEpoc},
                                                                    {"eu_epoc_pr", Family::EuEpocPr},
                                                                    {"eio", Family::Eio},
                                                                    {"cloud_ea", Family::CloudEa},
                                                                    {"sap6", Family::Sap6},
                                                                    {"sap7", Family::Sap7},
                                                                    {"sap8", Family::Sap8},
                                                                    {"sap9", Family::Sap9},
                                                                    {"sap10", Family::Sap10},
                                                                    {"bc_mla", Family::BcMla},
                                                                    {"mlat", Family::Mlat},
                                                                    {"letters_rogatory", Family::LettersRogatory},
                                                                    {"voluntary", Family::Voluntary}};
    for (auto [name, f] : kFamilies)
      if (name == s) return f;
    fail(where, "unknown pathway family \"" + s + "\"");
  }

  void load_pathways(const YAML::Node& n) {
    if (!n.IsSequence()) fail("pathways", "expected a list");
    for (size_t i = 0; i < n.size(); ++i) {
      const YAML::Node& y = n[i];
      std::string w = "pathways[" + std::to_string(i) + "]";
      keys(y, w,
           {"id", "name", "family", "instrument", "channel", "role", "agreement", "measures", "preservation_companion",
            "applicability", "checks", "deadlines", "notifications", "use_limitations", "speed", "safeguard_strength",
            "workflow", "routing"});
      PathwayDef p;
      p.id = str(y["id"], w + ".id", true);
      w += " (" + p.id + ")";
      p.name = str(y["name"], w + ".name", true);
      p.family = family(str(y["family"], w + ".family", true), w + ".family");
      p.instrument = str(y["instrument"], w + ".instrument", true);
      p.channel = str(y["channel"], w + ".channel");
      p.role = str(y["role"], w + ".role", true);
      if (p.role != "production" && p.role != "preservation") fail(w + ".role", "expected production or preservation");
      p.agreement = str(y["agreement"], w + ".agreement");
      p.workflow = str(y["workflow"], w + ".workflow");
      auto ms = y["measures"];
      if (!ms || !ms.IsSequence() || ms.size() == 0) fail(w + ".measures", "required: a non-empty list of measures");
      for (size_t k = 0; k < ms.size(); ++k)
        p.measures.push_back(enumeration<Measure>(ms[k], w + ".measures[" + std::to_string(k) + "]"));
      p.preservation_companion = boolean(y["preservation_companion"], w + ".preservation_companion");
      if (std::string r = str(y["routing"], w + ".routing"); r == "connection")
        p.routing = Routing::Connection;
      else if (!r.empty() && r != "provider")
        fail(w + ".routing", "expected provider or connection");
      p.applicability = strings(y["applicability"], w + ".applicability");
      p.checks = strings(y["checks"], w + ".checks");
      if (auto d = y["deadlines"]) {
        if (!d.IsSequence()) fail(w + ".deadlines", "expected a list");
        for (size_t k = 0; k < d.size(); ++k) {
          std::string dw = w + ".deadlines[" + std::to_string(k) + "]";
          keys(d[k], dw, {"id", "label", "duration", "starts", "when", "extends"});
          Deadline dl{str(d[k]["id"], dw + ".id", true),
                      str(d[k]["label"], dw + ".label", true),
                      str(d[k]["duration"], dw + ".duration", true),
                      str(d[k]["starts"], dw + ".starts"),
                      when(d[k]["when"], dw + ".when"),
                      str(d[k]["extends"], dw + ".extends")};
          if (dl.duration.empty() || dl.duration[0] != 'P') fail(dw + ".duration", "expected an ISO 8601 duration");
          p.deadlines.push_back(std::move(dl));
        }
      }
      if (auto d = y["notifications"]) {
        if (!d.IsSequence()) fail(w + ".notifications", "expected a list");
        for (size_t k = 0; k < d.size(); ++k) {
          std::string dw = w + ".notifications[" + std::to_string(k) + "]";
          keys(d[k], dw, {"id", "to", "text", "when", "counterpart"});
          p.notifications.push_back({str(d[k]["id"], dw + ".id", true), str(d[k]["to"], dw + ".to", true),
                                     str(d[k]["text"], dw + ".text", true), when(d[k]["when"], dw + ".when"),
                                     boolean(d[k]["counterpart"], dw + ".counterpart")});
        }
      }
      if (auto d = y["use_limitations"]) {
        if (!d.IsSequence()) fail(w + ".use_limitations", "expected a list");
        for (size_t k = 0; k < d.size(); ++k) {
          std::string dw = w + ".use_limitations[" + std::to_string(k) + "]";
          keys(d[k], dw, {"id", "text", "when"});
          p.use_limitations.push_back({str(d[k]["id"], dw + ".id", true), str(d[k]["text"], dw + ".text", true),
                                       when(d[k]["when"], dw + ".when")});
        }
      }
      if (auto s = y["speed"]) {
        keys(s, w + ".speed", {"days", "emergency_hours", "preservation_hours", "source"});
        p.preservation_hours = integer(s["preservation_hours"], w + ".speed.preservation_hours");
        p.speed_days = integer(s["days"], w + ".speed.days", 365);
        p.emergency_hours = integer(s["emergency_hours"], w + ".speed.emergency_hours");
        p.speed_source = str(s["source"], w + ".speed.source");
      }
      p.safeguard_strength = integer(y["safeguard_strength"], w + ".safeguard_strength");
      p.file = file_;
      pack_.pathways.push_back(std::move(p));
    }
  }

  Pack& pack_;
  std::string file_;
};

void resolve(Pack& pack) {
  auto ref = [&](const std::string& id, const std::string& file, const std::string& where) {
    auto it = pack.group_of.find(id);
    if (it == pack.group_of.end()) {
      pack.load_issues.push_back({file, where, "dangling reference to predicate \"" + id + "\""});
      return -1;
    }
    return it->second;
  };
  for (auto& p : pack.pathways) {
    for (const auto& id : p.applicability)
      if (int g = ref(id, p.file, p.id + ".applicability"); g >= 0) p.applicability_idx.push_back(g);
    for (const auto& id : p.checks)
      if (int g = ref(id, p.file, p.id + ".checks"); g >= 0) p.checks_idx.push_back(g);
    if (p.family == Family::CloudEa) {
      const Agreement* found = nullptr;
      for (const auto& a : pack.agreements)
        if (a.id == p.agreement) found = &a;
      if (!found)
        pack.load_issues.push_back(
            {p.file, p.id + ".agreement", "dangling reference to agreement \"" + p.agreement + "\""});
      else if (found->status != AgreementStatus::InForce)
        pack.load_issues.push_back(
            {p.file, p.id + ".agreement", "agreement \"" + p.agreement + "\" is not in force: it opens no pathway"});
    }
  }
  for (const auto& id : pack.gate)
    if (int g = ref(id, "pack", "gate"); g >= 0) pack.gate_idx.push_back(g);
  for (const auto& id : pack.advisory)
    if (int g = ref(id, "pack", "advisory"); g >= 0) pack.advisory_idx.push_back(g);
  // Letters rogatory depends on every other pathway's result: evaluate it last.
  std::stable_partition(pack.pathways.begin(), pack.pathways.end(),
                        [](const PathwayDef& p) { return p.family != Family::LettersRogatory; });
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw PackError(p.string() + ": cannot be read");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

namespace {

YAML::Node parse_manifest(const std::string& text, Loader& top, Pack& pack) {
  YAML::Node manifest;
  try {
    manifest = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw PackError("pack.yaml: " + std::string(e.what()));
  }
  top.keys(manifest, "(top)", {"format", "name", "version", "files"});
  if (top.str(manifest["format"], "format", true) != "comity.pack/1") top.fail("format", "expected comity.pack/1");
  pack.name = top.str(manifest["name"], "name", true);
  pack.version = top.str(manifest["version"], "version", true);
  pack.files = top.strings(manifest["files"], "files");
  if (pack.files.empty()) top.fail("files", "required: the list of pack files");
  for (const auto& rel : pack.files)
    if (rel.find("..") != std::string::npos || (!rel.empty() && rel[0] == '/'))
      throw PackError("pack.yaml: files: \"" + rel + "\" must be a relative path inside the pack");
  return manifest;
}

}  // namespace

PackSources read_pack_dir(const std::string& dir) {
  std::filesystem::path root(dir);
  PackSources out;
  out.emplace_back("pack.yaml", read_file(root / "pack.yaml"));
  Pack scratch;
  Loader top(scratch, "pack.yaml");
  parse_manifest(out[0].second, top, scratch);
  for (const auto& rel : scratch.files) out.emplace_back(rel, read_file(root / rel));
  return out;
}

std::unique_ptr<Pack> load_pack_sources(const PackSources& sources) {
  auto pack = std::make_unique<Pack>();
  pack->state_index.fill(-1);
  if (sources.empty() || sources[0].first != "pack.yaml") throw PackError("pack.yaml: missing (it comes first)");
  const std::string& manifest_text = sources[0].second;
  Loader top(*pack, "pack.yaml");
  parse_manifest(manifest_text, top, *pack);
  if (sources.size() != pack->files.size() + 1)
    throw PackError("pack.yaml: files: lists " + std::to_string(pack->files.size()) + " files, but " +
                    std::to_string(sources.size() - 1) + " were given");

  Sha256 hash;
  hash.update("pack.yaml\n");
  hash.update(manifest_text);
  for (size_t i = 0; i < pack->files.size(); ++i) {
    const auto& rel = pack->files[i];
    if (sources[i + 1].first != rel)
      throw PackError("pack.yaml: files[" + std::to_string(i) + "]: expected \"" + rel + "\", got \"" +
                      sources[i + 1].first + "\"");
    const std::string& text = sources[i + 1].second;
    hash.update("\n" + rel + "\n");
    hash.update(text);
    YAML::Node node;
    try {
      node = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      throw PackError(rel + ": " + e.what());
    }
    Loader(*pack, rel).load(node);
  }
  pack->content_hash = "sha256:" + hash.hex_digest();
  pack->sources = sources;
  resolve(*pack);
  return pack;
}

std::unique_ptr<Pack> load_pack(const std::string& dir) {
  return load_pack_sources(read_pack_dir(dir));
}

bool MlaInstrument::binds(StateCode s, Date at) const {
  if (at < in_force_from) return false;
  if (!per_state) return std::find(parties.begin(), parties.end(), s) != parties.end();
  const InstrumentStatus* st = status_of(s);
  if (!st || !st->ratified_on) return false;
  return at.days >= st->ratified_on->days + later_ratification_days;
}

}  // namespace comity
