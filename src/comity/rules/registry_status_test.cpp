// Registry facts with a status and a date: an instrument tracked per State
// (signed, ratified, in force) opens its routes only from the day the
// registry says it binds both States; an agreement that is signed or under
// negotiation opens none.
#include <gtest/gtest.h>

#include <algorithm>

#include "comity/rules/engine.hpp"
#include "comity/rules/pack.hpp"
#include "test_support.hpp"

namespace comity {
namespace {

using nlohmann::json;
using test::entry;
using test::eval;
using test::parse_ok;

constexpr StateCode kTV = StateCode::from_letters('T', 'V'), kKI = StateCode::from_letters('K', 'I');

// The no-treaty scenario S24: a Tuvaluan request to a provider in Kiribati.
json tv_to_ki() {
  return json::parse(test::read_text(test::source_dir() + "/examples/s24-no-treaty-basis.json"));
}

MlaInstrument& uncc(Pack& pack) {
  auto it = std::find_if(pack.mla_instruments.begin(), pack.mla_instruments.end(),
                         [](const MlaInstrument& m) { return m.id == "UNCC"; });
  EXPECT_NE(it, pack.mla_instruments.end());
  EXPECT_TRUE(it->per_state);
  return *it;
}

void set_status(MlaInstrument& m, StateCode s, const char* signed_on, const char* ratified_on) {
  auto it = std::find_if(m.status.begin(), m.status.end(), [&](const InstrumentStatus& x) { return x.state == s; });
  if (it == m.status.end()) it = m.status.insert(m.status.end(), InstrumentStatus{s, {}, {}});
  it->signed_on = signed_on ? parse_date(signed_on) : std::nullopt;
  it->ratified_on = ratified_on ? parse_date(ratified_on) : std::nullopt;
}

const CheckResult* mla_app(const Decision& d) {
  const PathwayResult* p = entry(d, "P_MLAT");
  if (!p) return nullptr;
  for (uint32_t i = p->applicability.begin; i < p->checks.end; ++i)
    if (d.checks[i].pred->id == "MLA.APP") return &d.checks[i];
  return nullptr;
}

TEST(RegistryStatus, TheCybercrimeConventionIsNotInForceInTheBundledRegistry) {
  const MlaInstrument& m = uncc(const_cast<Pack&>(test::real_pack()));
  EXPECT_EQ(m.in_force_from, kNoDateMax);
  for (const auto& s : m.status) EXPECT_FALSE(m.binds(s.state, *parse_date("2026-12-06"))) << s.state.str();
}

TEST(RegistryStatus, ARouteOpensTheDayTheInstrumentBindsBothStates) {
  auto pack = test::fresh_pack();
  MlaInstrument& m = uncc(*pack);
  set_status(m, kTV, "2025-10-25", "2026-03-01");
  set_status(m, kKI, "2025-10-25", nullptr);
  auto q = parse_ok(tv_to_ki());
  // Signed by both, in force for neither: not applicable, and the reason names the instrument.
  auto d = eval(q, *pack, "2026-09-15");
  ASSERT_TRUE(mla_app(d));
  EXPECT_EQ(mla_app(d)->outcome, Outcome::NotApplicable);
  EXPECT_NE(render_reason(*mla_app(d)).find("Cybercrime"), std::string::npos) << render_reason(*mla_app(d));
  // In force, but Kiribati has not ratified: still no route.
  m.in_force_from = *parse_date("2027-01-01");
  d = eval(q, *pack, "2027-02-01");
  EXPECT_EQ(mla_app(d)->outcome, Outcome::NotApplicable);
  EXPECT_NE(render_reason(*mla_app(d)).find("not yet for both"), std::string::npos) << render_reason(*mla_app(d));
  // Kiribati ratifies after entry into force: bound on the 30th day after its deposit.
  set_status(m, kKI, "2025-10-25", "2027-03-01");
  d = eval(q, *pack, "2027-03-30");
  EXPECT_EQ(mla_app(d)->outcome, Outcome::NotApplicable);
  d = eval(q, *pack, "2027-03-31");
  EXPECT_EQ(mla_app(d)->outcome, Outcome::Pass) << render_reason(*mla_app(d));
  EXPECT_NE(entry(d, "P_MLAT")->status, PathwayStatus::NotApplicable);
}

TEST(RegistryStatus, AnAgreementUnderNegotiationOpensNoRoute) {
  const Pack& pack = test::real_pack();
  int negotiating = 0;
  for (const auto& a : pack.agreements) {
    if (a.status == AgreementStatus::InForce) continue;
    ++negotiating;
    EXPECT_EQ(a.in_force_from, kNoDateMax) << a.id;
    EXPECT_NE(a.status_since, kNoDateMin) << a.id;
    for (const auto& p : pack.pathways) EXPECT_NE(p.agreement, a.id) << p.id;
  }
  EXPECT_GE(negotiating, 2);  // US–EU and US–Canada
  // A Canadian order for content held by a US provider: no CLOUD corridor, so
  // the provider's blocking statute still stands in the conflict check.
  auto j = test::base_request();
  j["requesting_state"] = "CA";
  j["issuing_authority"]["state"] = "CA";
  j["provider"]["hq_state"] = "US";
  j["provider"]["establishments"] = {{{"state", "US"}, {"type", "HQ"}}};
  j["data_categories"] = {"CONTENT"};
  auto d = eval(parse_ok(j), pack, "2026-09-15");
  for (const auto& p : d.pathways)
    if (!p.def->agreement.empty()) {
      EXPECT_EQ(p.status, PathwayStatus::NotApplicable) << p.def->id;
    }
}

}  // namespace
}  // namespace comity
