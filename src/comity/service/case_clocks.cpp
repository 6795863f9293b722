// Clocks that run from a receipt (Reg. 2023/1543 Art 10(1)-(3): the
// addressee transmits "upon receipt of the EPOC"; Art 8 and 10(2): the
// enforcing authority's days run from the notification it received).
//
// A step that sends an order starts its clocks at once, so a node that is
// not federated — where the addressee reads the order the moment it is
// transmitted — needs nothing more. Between nodes the order may arrive
// later (a peer down for minutes, a retry with back-off): the deadline then
// runs from the instant the receiving node says, in its signed receipt, that
// it delivered the order to its party. The sender learns that instant only
// from the receipt, so the clocks move when it arrives, forward only: a
// receipt can never make a deadline fall due sooner than the step that sent
// it, and a clock already stopped (the step it waited for was taken) stays
// where it stopped.
#include <algorithm>

#include "comity/service/case_service.hpp"

namespace comity {

std::vector<std::string> CaseService::start_clocks_at_receipt(std::string_view case_id, std::string_view sent_by,
                                                              std::string_view starts, Instant received,
                                                              const Actor& actor) {
  CaseRecord r = load(case_id);
  std::optional<Instant> sent_at;
  for (const CaseEvent& e : r.c.history)
    if (e.event == sent_by) sent_at = e.at;
  std::vector<std::string> moved;
  if (!sent_at || received <= *sent_at) return moved;
  const Pack& pack = pack_of(r);
  const PathwayDef* pathway = nullptr;
  for (const PathwayDef& p : pack.pathways)
    if (p.id == r.c.pathway) pathway = &p;
  if (!pathway) return moved;
  for (CaseClock& k : r.c.clocks) {
    if (!k.running() || k.started != *sent_at) continue;
    const bool from_receipt = std::any_of(pathway->deadlines.begin(), pathway->deadlines.end(), [&](const Deadline& d) {
      return d.id == k.deadline_id && d.starts == starts;
    });
    if (!from_receipt) continue;
    const Instant delta = received - k.started;
    k.started += delta;
    k.due += delta;
    moved.push_back(k.deadline_id);
  }
  if (moved.empty()) return moved;
  const int64_t version = r.version;
  r.version = version + 1;
  r.updated_at = clock_.now();
  nlohmann::json payload = {{"case", r.id}, {"clocks", moved}, {"received", received}, {"starts", starts}};
  store_.save_case(r, version, r.c.history.size(), audit_entry(actor, "start_clocks_at_receipt", r.id, payload.dump()),
                   {});
  return moved;
}

}  // namespace comity
