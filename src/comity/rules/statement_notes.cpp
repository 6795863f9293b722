#include "comity/rules/statement_notes.hpp"

#include <algorithm>

#include "comity/rules/pack.hpp"

namespace comity {

using nlohmann::ordered_json;

namespace {

bool concerns(const StatementScope& s, const PathwayResult& p) {
  if (std::find(s.pathways.begin(), s.pathways.end(), p.def->id) == s.pathways.end()) return false;
  if (!s.counterpart_states.empty() &&
      std::find(s.counterpart_states.begin(), s.counterpart_states.end(), p.counterpart) == s.counterpart_states.end())
    return false;
  return s.data_categories.empty() || s.data_categories.intersects(p.scope);
}

std::string version_ref(const ProviderStatement& s) {
  return "statement v" + std::to_string(s.version) + " of " + s.published_at.substr(0, 10);
}

ordered_json addressee_json(const std::optional<StatementAddressee>& a) {
  if (!a) return nullptr;
  return {{"state", a->state.str()}, {"name", a->name}};
}

}  // namespace

FieldErrors check_statement(const ProviderStatement& s, const Pack& pack) {
  FieldErrors out;
  auto check_scope = [&](const StatementScope& sc) {
    for (size_t i = 0; i < sc.pathways.size(); ++i) {
      bool known = std::any_of(pack.pathways.begin(), pack.pathways.end(),
                               [&](const PathwayDef& d) { return d.id == sc.pathways[i]; });
      if (!known)
        out.push_back({sc.path + ".pathways[" + std::to_string(i) + "]",
                       "no pathway \"" + sc.pathways[i] + "\" in rule pack " + pack.name + " " + pack.version});
    }
  };
  for (const auto& a : s.acceptance) check_scope(a.scope);
  for (const auto& c : s.challenges) {
    check_scope(c.scope);
    bool known = false;
    for (const auto& [list, grounds] : pack.grounds)
      for (const auto& g : grounds) known = known || g.code == c.ground;
    if (!known)
      out.push_back({c.scope.path + ".ground",
                     "expected a coded ground of the rule pack (rules/workflows.yaml "
                     "`grounds`), e.g. third_country_law_conflict"});
  }
  return out;
}

FieldErrors statement_fits_request(const ProviderStatement& s, const Request& q) {
  if (s.provider_id == q.provider.id) return {};
  return {{"$.provider.id", "the statement is " + s.provider_id + "'s; the request is addressed to " +
                                (q.provider.id.empty() ? std::string("a provider without id") : q.provider.id)}};
}

ordered_json statement_notes(const ProviderStatement& s, const PathwayResult& p) {
  ordered_json notes = ordered_json::array();
  for (const auto& a : s.acceptance) {
    if (!concerns(a.scope, p)) continue;
    std::string verb = a.position == StatementPosition::Accepts              ? "states it accepts"
                       : a.position == StatementPosition::ReviewsThenAnswers ? "states it reviews, then answers,"
                                                                             : "states it does not accept";
    notes.push_back({{"kind", "acceptance"},
                     {"position", position_name(a.position)},
                     {"text", a.text},
                     {"says", "The provider " + verb + " orders on this pathway — " + version_ref(s) + "."},
                     {"clause", a.scope.path}});
  }
  for (const auto& c : s.challenges) {
    if (!concerns(c.scope, p)) continue;
    notes.push_back({{"kind", "challenge"},
                     {"ground", c.ground},
                     {"law", c.law},
                     {"text", c.text},
                     {"says", "The provider states it will object on the ground " + c.ground + " under " + c.law +
                                  " — " + version_ref(s) + "."},
                     {"clause", c.scope.path}});
  }
  return notes;
}

void attach_statement(ordered_json& j, const Decision& d, const ProviderStatement& s) {
  ordered_json langs = ordered_json::array();
  for (const auto& l : s.languages) langs.push_back(l);
  ordered_json em{{"channel", s.emergency_channel}, {"verification", s.emergency_verification}};
  if (s.emergency_response_hours) em["response_hours"] = s.emergency_response_hours;
  ordered_json un{{"policy", notice_policy_name(s.notice)}};
  if (s.notice_delay_days) un["delay_days"] = s.notice_delay_days;
  if (!s.notice_text.empty()) un["text"] = s.notice_text;
  j["provider_statement"] = {
      {"note", "What the provider says it will do, beside the law and never instead of it."},
      {"provider", s.provider_id},
      {"version", s.version},
      {"published_at", s.published_at},
      {"sha256", s.sha256},
      {"designated_establishment", addressee_json(s.designated_establishment)},
      {"legal_representative", addressee_json(s.legal_representative)},
      {"languages", std::move(langs)},
      {"emergency", std::move(em)},
      {"user_notification", std::move(un)},
      {"preservation_default_days",
       s.preservation_default_days ? ordered_json(s.preservation_default_days) : ordered_json(nullptr)}};
  auto& entries = j["pathways"];
  for (size_t i = 0; i < d.pathways.size() && i < entries.size(); ++i)
    entries[i]["provider_says"] = statement_notes(s, d.pathways[i]);
}

std::string statement_text(const Decision& d, const ProviderStatement& s) {
  std::string out = "\nWhat the provider says (" + s.legal_name + ", " + version_ref(s) + ", sha256 " +
                    s.sha256.substr(0, 16) + "…) — beside the law, never instead of it:\n";
  bool any = false;
  for (const auto& p : d.pathways) {
    if (p.status == PathwayStatus::NotApplicable) continue;
    for (const auto& n : statement_notes(s, p)) {
      out += "  " + p.def->id + (p.counterpart.empty() ? "" : " to " + p.counterpart.str()) +
             (p.role == Role::PreservationCompanion ? ", preservation" : "") + " (" + p.scope.str() +
             "): " + n["says"].get<std::string>() + " " + n["text"].get<std::string>() + "\n";
      any = true;
    }
  }
  if (!any) out += "  Nothing in the statement concerns the lawful pathways of this request.\n";
  out += "  Emergencies: " + s.emergency_channel + "\n";
  out += "  User notification: " + std::string(notice_policy_name(s.notice)) + "\n";
  return out;
}

}  // namespace comity
