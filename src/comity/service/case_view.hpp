// What each audience sees of a case (docs/permissions.md, "What each
// audience sees"): one table, `view_table()`, that every reader of a case
// goes through — the case JSON, its decision, its formal document, its
// transparency-log openings. A part not granted to an audience is left out,
// never blanked; a free-text reason is shown only where the table's reason
// rule allows (the issuing side reads every step's words; the requested and
// enforcing sides their own side's and those a step addresses to them;
// addressees and oversight read none).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "comity/rules/pack.hpp"
#include "comity/service/permissions.hpp"

namespace comity {

// The parts of a case a view may hold.
enum class CasePart : uint8_t {
  Summary,           // id, pathway, workflow, state, States, version, times, deletion mark, view
  Clocks,            // the legal clocks with their status
  History,           // each step: event, by (role), at, from, to, coded ground
  HistoryReasons,    // each step's free-text reason (see reason_visible)
  Steps,             // the steps this caller may take now, and the grounds they cite
  UserNotification,  // the Art 13 plan: mode, status, review date
  Reviews,           // the consolidated reviews: side, reviewer, time, each verdict and override count
  ReviewReasons,     // a reviewer's free-text reasons (see review_reason_visible)
  Decision,          // the decision the case rests on (every pathway, every check), the rule pack
  Request,           // the request with its facts (Art 5(5)(a)-(j) and more)
  Certificate,       // the order's fields for its addressee (Art 5(5)(a)-(h)) and the order's terms
  Signatures,        // the verified signature chains of the signed order
  SignedOrder,       // the signed order's bytes, for a validator to countersign
  Productions,       // evidence produced for the case
  CaseLog,           // the case's transparency-log openings (salts), as far as its history is shown
  DocumentFull,      // the formal document with the request's fields (PDF)
  DocumentOrder,     // the formal document with the order's fields only (PDF)
  Federation,        // where the case is between nodes: its messages to peers and their receipts
};
std::string_view case_part_name(CasePart p);

struct ViewRow {
  CasePart part;
  std::string_view members;  // the JSON members (or route) it covers
  std::vector<Audience> audiences;
  std::string_view why;  // the rule or article behind the row
};

// The table, one row per part, in CasePart order.
const std::vector<ViewRow>& view_table();

// Whether `a` sees `part` of any case.
bool shows(Audience a, CasePart part);

// Whether `a` reads the free-text reason of step `e` of case `c`: the
// issuing side always; the requested or enforcing side when the step is its
// own side's, a system step, or one whose transition's `reason_to` names it;
// the addressee and oversight never.
bool reason_visible(Audience a, const CaseEvent& e, const Case& c, const Pack& pack);

// Whether `a` reads the reasons of a review by `side` (requesting /
// requested): the issuing side always, the requested and enforcing sides
// their own side's.
bool review_reason_visible(Audience a, std::string_view side);

// Whether `a` gets the opening (salt and full event) of the case's log
// leaf for history entry `seq` (-1: the opening, which binds the request's
// digest): exactly as far as it sees that entry — its reason included — or
// the request. So the log never shows anyone more than the case view does.
bool log_opening_visible(Audience a, int64_t seq, const CaseRecord& r, const Pack& pack);

// The view table as the Markdown table docs/permissions.md holds.
std::string view_table_markdown();

// What a case read shows besides the record.
struct CaseReadExtras {
  const std::vector<CaseReview>* reviews = nullptr;      // listed when given
  const std::vector<Production>* productions = nullptr;  // listed when given
  const std::vector<Redecision>* redecisions = nullptr;  // listed when given (with the decision)
  const nlohmann::json* federation = nullptr;            // shown when given (case_federation_json)
};

// The case as `a` sees it, with the steps `acting` may take at `now`.
// REQUIRES: a != None; the record's facts set (with_facts), else its
// guarded steps are not offered.
nlohmann::json case_view_json(const CaseRecord& r, Audience a, PartyRole acting, const Pack& pack, Instant now,
                              const CaseReadExtras& extras = {});

// The same, as sent: with the request spliced in as stored (the compact JSON
// the case was opened with) for an audience that sees it.
std::string case_view_text(const CaseRecord& r, Audience a, PartyRole acting, const Pack& pack, Instant now,
                           const CaseReadExtras& extras = {});

// A case's legal clocks with their status at `now`.
nlohmann::json clocks_json(const CaseRecord& r, Instant now);

// Whether a delayed user notification is due for review on `now`'s day.
bool notice_review_due(std::string_view status, std::string_view review_date, Instant now);

}  // namespace comity
