// The decision memo: what a prosecutor, a central authority or a provider's
// counsel reads. Same content as the JSON, ordered for people: the answer
// first, then each lawful pathway with its obligations, then what failed and
// how to fix it, then the full check list.
#include <sstream>

#include "comity/rules/decision_json.hpp"

namespace comity {
namespace {

const char* mark(Outcome o) {
  switch (o) {
    case Outcome::Pass: return "PASS  ";
    case Outcome::Fail: return "FAIL  ";
    case Outcome::NeedsReview: return "REVIEW";
    default: return "n/a   ";
  }
}

void check_line(std::ostringstream& out, const CheckResult& c) {
  out << "    [" << mark(c.outcome) << "] " << c.pred->id << " [" << tag_name(c.pred->tag) << "]"
      << (c.pred->advisory ? " (advisory)" : "") << " — " << render_reason(c) << "\n"
      << "             " << c.pred->citation << "\n";
  if ((c.outcome == Outcome::Fail || c.outcome == Outcome::NeedsReview) && !c.pred->hint.empty())
    out << "             → " << c.pred->hint << "\n";
}

std::string hours_text(int h) {
  if (h < 48) return std::to_string(h) + " hours";
  int days = h / 24;
  if (days < 60) return std::to_string(days) + " days";
  return "about " + std::to_string((days + 15) / 30) + " months";
}

}  // namespace

std::string decision_to_text(const Decision& d, const Request& q) {
  std::ostringstream out;
  out << "COMITY DECISION MEMO\n";
  out << "Request " << (q.request_id.empty() ? "(no id)" : q.request_id) << " · " << q.requesting_state.str() << " · "
      << enum_name(d.measure) << " of " << d.requested.str() << (d.emergency ? " · EMERGENCY" : "") << "\n";
  out << "Law as of " << d.at.str() << " · rule pack " << d.pack->name << " " << d.pack->version << " ("
      << d.pack->content_hash << ")\n";
  out << "Not legal advice: rules tagged [P] or [U] need legal confirmation before reliance.\n\n";

  out << "ANSWER\n";
  if (d.blocked) {
    out << "  BLOCKED: no pathway is lawful for this request as it stands. See the failing checks and hints below.\n";
  }
  d.requested.for_each([&](DataCategory c) {
    const PathwayResult* b = best_for(d, c, Role::Primary);
    out << "  " << enum_name(c) << ": "
        << (b ? b->def->id + " — " + b->def->name + " (" + std::string(status_name(b->status)) + ")"
              : std::string("no lawful pathway"))
        << "\n";
  });
  if (const PathwayResult* p = preserve_now(d))
    out << "  Preserve now: " << p->def->id << " — " << p->def->name << ", beside the slower production route.\n";
  out << "\n";

  out << "HUMAN-RIGHTS GATE (runs before every pathway)\n";
  for (uint32_t i = d.gate.begin; i < d.gate.end; ++i) check_line(out, d.checks[i]);
  out << "\n";

  out << "LAWFUL PATHWAYS, RANKED\n";
  out << "  Rule: " << kRankingRule << "\n";
  for (Role role : {Role::Primary, Role::PreservationCompanion}) {
    for (const PathwayResult* p : ranked(d, role)) {
      out << "\n  " << (role == Role::Primary ? "" : "Preservation ") << "#" << p->rank << " " << p->def->id << " — "
          << p->def->name << "\n";
      out << "    Status: " << status_name(p->status) << " · scope " << p->scope.str()
          << (p->split ? " (request split by data category)" : "") << "\n";
      if (p->agreement) out << "    Agreement: " << p->agreement->name << "\n";
      if (p->instrument) out << "    Legal basis: " << p->instrument->name << "\n";
      out << "    Channel: " << p->def->channel << "\n";
      if (!p->counterpart.empty()) out << "    Counterpart State: " << p->counterpart.str() << "\n";
      if (p->def->routing == Routing::Connection && !p->counterpart.empty()) {
        out << "    Connection of " << p->counterpart.str() << ":";
        for (int b = 0; b < 5; ++b)
          if (p->connection & (1u << b)) out << " J." << (b + 1);
        out << (p->strongest ? " (the strongest connection)" : "") << "\n";
      }
      out << "    Expected time (advisory): " << hours_text(p->expected_hours) << "\n";
      for (const auto* x : deadlines_for(d, *p))
        out << "    Deadline " << x->id << ": " << x->label << " — " << x->duration << " from " << x->starts << "\n";
      for (const auto* x : notifications_for(d, *p))
        out << "    Notify " << x->to
            << (x->to_counterpart && !p->counterpart.empty() ? " (" + p->counterpart.str() + ")" : "") << " [" << x->id
            << "]: " << x->text << "\n";
      for (const auto* x : limitations_for(d, *p)) out << "    Use limitation " << x->id << ": " << x->text << "\n";
      auto basis = unverified_basis(d, *p);
      if (!basis.empty()) {
        out << "    Needs legal confirmation: rests on";
        for (const auto* b : basis) out << " " << b->id << "[" << tag_name(b->tag) << "]";
        out << "\n";
      }
      for (uint32_t i = p->applicability.begin; i < p->checks.end; ++i) check_line(out, d.checks[i]);
    }
  }

  out << "\nNOT AVAILABLE\n";
  for (const auto& p : d.pathways) {
    if (p.status != PathwayStatus::Unavailable) continue;
    out << "\n  " << p.def->id << " — " << p.def->name
        << (p.def->routing == Routing::Connection && !p.counterpart.empty() ? " to " + p.counterpart.str() : "")
        << " · scope " << p.scope.str() << (p.role == Role::PreservationCompanion ? " (preservation)" : "") << "\n";
    for (uint32_t i = p.applicability.begin; i < p.checks.end; ++i)
      if (d.checks[i].outcome == Outcome::Fail && !d.checks[i].pred->advisory) check_line(out, d.checks[i]);
  }

  out << "\nNOT APPLICABLE\n";
  for (const auto& p : d.pathways) {
    if (p.status != PathwayStatus::NotApplicable) continue;
    out << "  " << p.def->id;
    if (p.def->routing == Routing::Connection && !p.counterpart.empty()) out << " to " << p.counterpart.str();
    out << ": ";
    if (p.na_reason == NaReason::Check) {
      const char* sep = "";
      for (uint32_t i = p.applicability.begin; i < p.applicability.end; ++i) {
        const auto& c = d.checks[i];
        if (c.outcome != Outcome::NotApplicable) continue;
        out << sep << render_reason(c) << " (" << c.pred->id << ", " << c.pred->citation << ")";
        sep = "; and ";
      }
      out << "\n";
    } else if (p.na_reason == NaReason::RuleNotInForce) {
      out << "an applicability rule has no version in force on " << d.at.str() << "\n";
    } else {
      out << "does not provide for " << enum_name(p.measure) << "\n";
    }
  }

  out << "\nADVISORY (never decides a pathway)\n";
  for (uint32_t i = d.advisory.begin; i < d.advisory.end; ++i) check_line(out, d.checks[i]);
  out << "  Jurisdiction factors (J.1 data, J.2 provider, J.3 person, J.4 victim/harm, J.5 offence locus):\n";
  for (const auto& f : d.factors) {
    out << "    " << f.state.str() << ": " << f.score;
    for (int b = 0; b < 9; ++b)
      if (f.factors & (1u << b)) out << " J." << (b + 1);
    out << "\n";
  }
  if (!q.assumed_defaults.empty()) {
    out << "\nASSUMED DEFAULTS (fields the request left out)\n";
    for (const auto& a : q.assumed_defaults) out << "  " << a << "\n";
  }
  return out.str();
}

std::string decision_to_summary(const Decision& d, const Request& q) {
  std::ostringstream out;
  out << (q.request_id.empty() ? std::string("(no id)") : q.request_id) << "  " << q.requesting_state.str() << " → "
      << q.provider.hq_state.str() << "  " << enum_name(d.measure) << " " << d.requested.str()
      << (d.emergency ? "  EMERGENCY" : "") << "\n";
  if (d.blocked) {
    out << "  BLOCKED:";
    for (uint32_t i = d.gate.begin; i < d.gate.end; ++i)
      if (d.checks[i].outcome == Outcome::Fail)
        out << " " << d.checks[i].pred->id << " — " << render_reason(d.checks[i]);
    out << "\n";
  }
  for (Role role : {Role::Primary, Role::PreservationCompanion}) {
    for (const PathwayResult* p : ranked(d, role)) {
      out << "  " << (role == Role::Primary ? "#" : "preserve #") << p->rank << " " << p->def->id << " ["
          << p->scope.str() << "] " << status_name(p->status);
      for (uint32_t i = d.gate.begin; i < p->checks.end; ++i) {
        if (i == d.gate.end) i = p->applicability.begin;
        const auto& c = d.checks[i];
        if (c.outcome == Outcome::NeedsReview && !c.pred->advisory) {
          out << " — review " << c.pred->id;
          break;
        }
      }
      auto dl = deadlines_for(d, *p);
      for (const auto* x : dl)
        if (x->duration != "PT0S") {
          out << " — " << x->id << " " << x->duration;
          break;
        }
      for (const auto* n : notifications_for(d, *p))
        if (n->to_counterpart) out << " — notify " << p->counterpart.str();
      out << "\n";
    }
  }
  for (const auto& p : d.pathways)
    if (p.status == PathwayStatus::Unavailable && p.role == Role::Primary) {
      out << "  ✗ " << p.def->id << " [" << p.scope.str() << "]";
      for (uint32_t i = p.applicability.begin; i < p.checks.end; ++i)
        if (d.checks[i].outcome == Outcome::Fail && !d.checks[i].pred->advisory) out << " " << d.checks[i].pred->id;
      out << "\n";
    }
  return out.str();
}

}  // namespace comity
