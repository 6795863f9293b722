// The view table and the case as each audience reads it.
//
// One table says, for every part of a case, which audiences see it; the
// renderer below asks `shows` before it writes each part, and the routes
// that serve a part on its own (the decision, the document, the log) ask
// the same question. Free-text reasons follow one further rule, because
// whose words they are matters: the issuing side owns the case and reads
// every step's reason (a refusal, an objection, an inability report is
// addressed to it); the requested and enforcing sides read their own side's
// and those a step addresses to them (`reason_to` in the workflow pack, e.g.
// the officer's supplement to the requested State); an addressee and
// oversight read none — the certificate is what the addressee receives (Reg.
// 2023/1543 Art 9(3)), and oversight sees what happened and on which coded
// ground, never the parties' words, which may carry facts about persons.
#include "comity/service/case_view.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "comity/report/case_document.hpp"
#include "comity/service/case_service.hpp"
#include "comity/service/evidence.hpp"
#include "comity/util/date.hpp"

namespace comity {
namespace {

using nlohmann::json;
using A = Audience;

constexpr A kIssuing = A::Issuing, kRequested = A::Requested, kEnforcing = A::Enforcing, kAddressee = A::Addressee,
            kOversight = A::Oversight;

// The side a step's actor stands on.
Audience side_of(PartyRole r) {
  switch (r) {
    case PartyRole::RequestedCentralAuthority: return kRequested;
    case PartyRole::EnforcingAuthority: return kEnforcing;
    case PartyRole::Provider: return kAddressee;
    case PartyRole::Oversight: return kOversight;
    default: return kIssuing;  // officer, validator, requesting central authority, system
  }
}

const WorkflowTransition* transition_of(const Case& c, const Pack& pack, const CaseEvent& e) {
  const WorkflowDef* wf = pack.workflow(c.workflow);
  if (!wf) return nullptr;
  for (const auto& t : wf->transitions)
    if (t.event == e.event && (std::find(t.from.begin(), t.from.end(), e.from) != t.from.end() ||
                               std::find(t.from.begin(), t.from.end(), "*") != t.from.end()))
      return &t;
  return nullptr;
}

}  // namespace

std::string_view case_part_name(CasePart p) {
  static constexpr std::string_view kNames[] = {
      "summary",      "clocks",         "history",  "history_reasons", "steps",          "user_notification",
      "reviews",      "review_reasons", "decision", "request",         "certificate",    "signatures",
      "signed_order", "productions",    "case_log", "document_full",   "document_order", "federation"};
  return kNames[static_cast<size_t>(p)];
}

const std::vector<ViewRow>& view_table() {
  static const std::vector<ViewRow> kTable = {
      {CasePart::Summary,
       "id, pathway, workflow, state, requesting_state, counterpart_state, version, created_at, updated_at, "
       "data_marked_for_deletion, view, audience, provider_statement",
       {kIssuing, kRequested, kEnforcing, kAddressee, kOversight},
       "every party to the case and oversight; the addressee's statement is public by nature"},
      {CasePart::Clocks,
       "clocks",
       {kIssuing, kRequested, kEnforcing, kAddressee, kOversight},
       "the legal deadlines bind every party; oversight audits them"},
      {CasePart::History,
       "history[].event, by, at, from, to, ground",
       {kIssuing, kRequested, kEnforcing, kAddressee, kOversight},
       "what happened and on which coded ground"},
      {CasePart::HistoryReasons,
       "history[].reason",
       {kIssuing, kRequested, kEnforcing},
       "the issuing side reads every step's words; the requested and enforcing sides their own side's and those "
       "addressed to them (reason_to); never the addressee (Reg. 2023/1543 Art 9(3)) or oversight"},
      {CasePart::Steps,
       "allowed_events, grounds (empty for the others)",
       {kIssuing, kRequested, kEnforcing, kAddressee},
       "the parties that act; the workflow's roles and guards decide which steps"},
      {CasePart::UserNotification,
       "user_notification",
       {kIssuing, kRequested, kEnforcing, kOversight},
       "Reg. 2023/1543 Art 13: the issuing authority informs the person; oversight audits delays"},
      {CasePart::Reviews,
       "reviews[].side, reviewer, at, overrides, verdicts[].predicate, result, verdict",
       {kIssuing, kRequested, kEnforcing, kOversight},
       "one consolidated review per side, on the record"},
      {CasePart::ReviewReasons,
       "reviews[].verdicts[].reason",
       {kIssuing, kRequested, kEnforcing},
       "the issuing side reads both sides' reasons; the requested side its own"},
      {CasePart::Decision,
       "decision_url, rule_pack; GET /cases/{id}/decision",
       {kIssuing, kRequested, kEnforcing, kOversight},
       "the reasoning behind the order; not for its addressee (Reg. 2023/1543 Art 9(3))"},
      {CasePart::Request,
       "request",
       {kIssuing, kRequested, kEnforcing},
       "the requested State executes it; the notified enforcing authority assesses the Art 12 grounds on it (Art "
       "8(3))"},
      {CasePart::Certificate,
       "certificate, order",
       {kAddressee},
       "the addressee receives the order's fields, Art 5(5)(a)-(h), not its grounds (Reg. 2023/1543 Art 9(3))"},
      {CasePart::Signatures,
       "signed_order (the verified chains)",
       {kIssuing, kRequested, kEnforcing, kAddressee},
       "every recipient checks who signed the order"},
      {CasePart::SignedOrder, "signed_order.order", {kIssuing}, "the signed bytes, for the validator to countersign"},
      {CasePart::Productions,
       "productions",
       {kIssuing, kAddressee},
       "evidence flows from the addressee to the issuing authority only (docs/evidence-encryption.md)"},
      {CasePart::CaseLog,
       "log_url; GET /cases/{id}/log",
       {kIssuing, kRequested, kEnforcing, kAddressee},
       "each party opens the log leaves of the history it sees, no more"},
      {CasePart::DocumentFull,
       "GET /cases/{id}/document (the request's fields)",
       {kIssuing, kRequested, kEnforcing},
       "the file as the issuing side wrote it"},
      {CasePart::DocumentOrder,
       "GET /cases/{id}/document (the order's fields)",
       {kAddressee},
       "the certificate as the addressee receives it (Reg. 2023/1543 Art 9(3))"},
      {CasePart::Federation,
       "federation (case_ref, messages[].kind, to, to_party, seq, state, attempts, queued_at, receipt, "
       "peer_suspended; where)",
       {kIssuing, kOversight},
       "the home node's own record of what it sent to peers and their signed receipts, for the side that sent it "
       "and for oversight; never a message's body, and not for the addressee or the enforcing authority, which "
       "read what reached them on their own node (docs/federation.md)"},
  };
  return kTable;
}

bool shows(Audience a, CasePart part) {
  const auto& row = view_table().at(static_cast<size_t>(part));
  COMITY_ASSERT(row.part == part, "the view table has one row per part, in order");
  return std::find(row.audiences.begin(), row.audiences.end(), a) != row.audiences.end();
}

bool reason_visible(Audience a, const CaseEvent& e, const Case& c, const Pack& pack) {
  if (!shows(a, CasePart::HistoryReasons)) return false;
  if (a == kIssuing) return true;
  if (e.actor == PartyRole::System || side_of(e.actor) == a) return true;
  const WorkflowTransition* t = transition_of(c, pack, e);
  return t && std::find(t->reason_to.begin(), t->reason_to.end(), audience_name(a)) != t->reason_to.end();
}

bool review_reason_visible(Audience a, std::string_view side) {
  if (!shows(a, CasePart::ReviewReasons)) return false;
  return a == kIssuing || side == "requested";
}

bool log_opening_visible(Audience a, int64_t seq, const CaseRecord& r, const Pack& pack) {
  if (!shows(a, CasePart::CaseLog)) return false;
  if (seq < 0) return shows(a, CasePart::Request);
  if (static_cast<size_t>(seq) >= r.c.history.size()) return false;
  const CaseEvent& e = r.c.history[static_cast<size_t>(seq)];
  return e.reason.empty() || reason_visible(a, e, r.c, pack);
}

std::string view_table_markdown() {
  std::string out = "| part | members | issuing | requested | enforcing | addressee | oversight | why |\n";
  out += "|---|---|---|---|---|---|---|---|\n";
  for (const auto& row : view_table()) {
    out += "| " + std::string(case_part_name(row.part)) + " | " + std::string(row.members) + " |";
    for (A a : {kIssuing, kRequested, kEnforcing, kAddressee, kOversight}) out += shows(a, row.part) ? " ✓ |" : " — |";
    out += " " + std::string(row.why) + " |\n";
  }
  return out;
}

bool notice_review_due(std::string_view status, std::string_view review_date, Instant now) {
  return status == "delayed" && !review_date.empty() && review_date <= date_of(now).str();
}

json clocks_json(const CaseRecord& r, Instant now) {
  json clocks = json::array();
  for (const auto& k : r.c.clocks) {
    json c = {{"deadline", k.deadline_id},
              {"label", k.label},
              {"started", format_instant(k.started)},
              {"due", format_instant(k.due)},
              {"status", clock_status_name(clock_status(k, now))}};
    if (k.stopped) c["stopped"] = format_instant(*k.stopped);
    clocks.push_back(std::move(c));
  }
  return clocks;
}

json case_view_json(const CaseRecord& r, Audience a, PartyRole acting, const Pack& pack, Instant now,
                    const CaseReadExtras& extras) {
  COMITY_ASSERT(a != Audience::None, "a case is rendered only for an audience that may see it");
  const bool full_kind = a == kIssuing || a == kRequested || a == kEnforcing;
  json j = {{"id", r.id},
            {"pathway", r.c.pathway},
            {"workflow", r.c.workflow},
            {"state", r.c.state},
            {"requesting_state", r.requesting_state},
            {"counterpart_state", r.counterpart_state.empty() ? json(nullptr) : json(r.counterpart_state)},
            {"version", r.version},
            {"created_at", format_instant(r.created_at)},
            {"updated_at", format_instant(r.updated_at)},
            {"data_marked_for_deletion", r.c.data_marked_for_deletion},
            {"view", full_kind         ? "full"
                     : a == kAddressee ? "order"
                                       : "metadata"},
            {"audience", audience_name(a)}};
  // The addressee's published statement in force when the case opened, as
  // the case keeps it (CaseService::commit_open); null when there was none.
  {
    const auto entry = json::parse(r.entry_json.empty() ? "{}" : r.entry_json, nullptr, false);
    j["provider_statement"] =
        entry.is_object() && entry.contains("provider_statement") ? entry["provider_statement"] : json(nullptr);
  }
  if (shows(a, CasePart::Clocks)) j["clocks"] = clocks_json(r, now);
  if (shows(a, CasePart::History)) {
    json history = json::array();
    for (const auto& e : r.c.history) {
      json h = {
          {"event", e.event}, {"by", role_name(e.actor)}, {"at", format_instant(e.at)}, {"from", e.from}, {"to", e.to}};
      if (reason_visible(a, e, r.c, pack)) h["reason"] = e.reason;
      if (!e.ground.empty()) h["ground"] = e.ground;
      history.push_back(std::move(h));
    }
    j["history"] = std::move(history);
  }
  {
    // Always present, so every reader finds its steps: none for an audience that may not act.
    std::vector<std::string> allowed;
    if (shows(a, CasePart::Steps)) allowed = allowed_events(r.c, pack, acting, now);
    j["allowed_events"] = allowed;
    // The coded grounds each allowed step must cite (refuse, report_inability, object).
    json grounds = json::object();
    for (const auto& ev : allowed) {
      json list = json::array();
      for (const Ground* g : grounds_for(r.c, pack, ev))
        list.push_back({{"code", g->code}, {"label", g->label}, {"citation", g->citation}, {"tag", g->tag}});
      if (!list.empty()) grounds[ev] = std::move(list);
    }
    j["grounds"] = std::move(grounds);
  }
  if (shows(a, CasePart::UserNotification) && !r.notice_mode.empty())
    j["user_notification"] = {
        {"mode", r.notice_mode},
        {"status", r.notice_status},
        {"review_date", r.notice_review_date.empty() ? json(nullptr) : json(r.notice_review_date)},
        {"review_due", notice_review_due(r.notice_status, r.notice_review_date, now)}};
  if (shows(a, CasePart::Reviews) && extras.reviews) {
    json rv = json::array();
    for (const auto& v : *extras.reviews) {
      json verdicts = json::parse(v.verdicts_json);
      int overrides = 0;
      const bool reasons = review_reason_visible(a, v.side);
      for (auto& x : verdicts) {
        overrides += x["verdict"] == "override";
        if (!reasons) x.erase("reason");
      }
      rv.push_back({{"side", v.side},
                    {"reviewer", v.reviewer},
                    {"at", format_instant(v.at)},
                    {"overrides", overrides},
                    {"verdicts", std::move(verdicts)}});
    }
    j["reviews"] = std::move(rv);
  }
  if (shows(a, CasePart::CaseLog)) j["log_url"] = "/api/v1/cases/" + r.id + "/log";
  if (shows(a, CasePart::Signatures)) {
    // The signatures the exchange verified, each with its chain to the
    // State's anchor (docs/trust.md); null for a case opened on an unsigned request.
    j["signed_order"] = r.order_verification_json.empty() ? json(nullptr) : json::parse(r.order_verification_json);
    if (shows(a, CasePart::SignedOrder) && j["signed_order"].is_object() && !r.signed_order_json.empty())
      j["signed_order"]["order"] = json::parse(r.signed_order_json)["order"];
  }
  if (shows(a, CasePart::Federation) && extras.federation) j["federation"] = *extras.federation;
  if (shows(a, CasePart::Productions) && extras.productions)
    j["productions"] = productions_summary(*extras.productions);
  if (shows(a, CasePart::Certificate)) {
    j["order"] = json::parse(r.order_json);
    j["certificate"] = order_certificate_fields(json::parse(r.request_json));
  }
  if (shows(a, CasePart::Decision)) {
    j["decision_url"] = "/api/v1/cases/" + r.id + "/decision";
    j["rule_pack"] = r.pack_hash;
    j["evaluated_on"] = r.evaluated_on;
    // Every earlier decision is kept: the pack and date it was made under,
    // who decided again, when and why (CaseService::redecide).
    if (extras.redecisions) {
      json list = json::array();
      for (const auto& d : *extras.redecisions)
        list.push_back(
            {{"seq", d.seq},
             {"from_pack", d.from_pack},
             {"from_date", d.from_date},
             {"to_pack", d.to_pack},
             {"to_date", d.to_date},
             {"by", d.actor},
             {"reason", d.reason},
             {"at", format_instant(d.at)},
             {"earlier_decision_url", "/api/v1/cases/" + r.id + "/decision?before=" + std::to_string(d.seq)}});
      j["redecisions"] = std::move(list);
    }
  }
  return j;
}

std::string case_view_text(const CaseRecord& r, Audience a, PartyRole acting, const Pack& pack, Instant now,
                           const CaseReadExtras& extras) {
  std::string out = case_view_json(r, a, acting, pack, now, extras).dump();
  if (shows(a, CasePart::Request)) {
    out.pop_back();  // the closing brace
    out += ",\"request\":";
    out += r.request_json;
    out += '}';
  }
  return out;
}

}  // namespace comity
