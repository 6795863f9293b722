// Cases pinned to their rule pack: a node keeps every pack a case was opened
// under, by content hash; a case moves, shows its clocks and renders its
// decision under its own pack after the node moves to another; a
// re-decision under the current pack is an explicit, audited act that keeps
// the earlier decision. Real packs, a real SQLite store.
#include "comity/service/packs.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "comity/service/case_service.hpp"
#include "comity/store/open_store.hpp"
#include "test_support.hpp"

namespace comity {
namespace {

const Instant kT0 = *parse_instant("2026-09-15T09:00:00Z");

// The bundled pack with `from` replaced by `to` in file `file` (once each).
std::shared_ptr<const Pack> variant(std::vector<std::tuple<std::string, std::string, std::string>> edits) {
  PackSources sources = test::real_pack().sources;
  for (const auto& [file, from, to] : edits) {
    bool done = false;
    for (auto& [path, text] : sources) {
      if (path != file) continue;
      auto at = text.find(from);
      EXPECT_NE(at, std::string::npos) << from << " in " << file;
      if (at == std::string::npos) continue;
      text.replace(at, from.size(), to);
      done = true;
    }
    EXPECT_TRUE(done) << file;
  }
  return load_pack_sources(sources);
}

// Pack "2027": the officer's own readiness step is renamed, and the EPOC's
// 10-day production deadline (Reg. 2023/1543 Art 10(2)) is shortened, so
// which pack a case follows can be seen in its steps and its deadlines.
std::shared_ptr<const Pack> pack_2027() {
  return variant(
      {{"pack.yaml", "version: 2026.12.0", "version: 2027.1.0"},
       {"workflows.yaml", "- {event: mark_ready, from: [submitted]", "- {event: mark_ready_checked, from: [submitted]"},
       {"pathways.yaml", "{id: EU.DL.3, label: \"Addressee transmits the data\", duration: P10D",
        "{id: EU.DL.3, label: \"Addressee transmits the data\", duration: P8D"}});
}

int64_t deadline_seconds(const CaseRecord& r, std::string_view id) {
  for (const auto& d : r.c.deadlines)
    if (d.id == id) return d.seconds;
  return -1;
}

std::string decision_pack(const std::string& decision_json) {
  return nlohmann::json::parse(decision_json).at("pack").at("content_hash").get<std::string>();
}

TEST(PackSources, LoadingFromTextIsLoadingFromTheDirectory) {
  const Pack& bundled = test::real_pack();
  auto again = load_pack_sources(read_pack_dir(test::source_dir() + "/rules"));
  EXPECT_EQ(again->content_hash, bundled.content_hash);
  EXPECT_EQ(again->sources.size(), bundled.files.size() + 1);
  EXPECT_EQ(again->sources.front().first, "pack.yaml");
  // One changed byte is another pack.
  EXPECT_NE(pack_2027()->content_hash, bundled.content_hash);
  // Files out of the manifest's order, or missing, are refused.
  PackSources swapped = bundled.sources;
  std::swap(swapped[1], swapped[2]);
  EXPECT_THROW(load_pack_sources(swapped), PackError);
  PackSources short_by_one = bundled.sources;
  short_by_one.pop_back();
  EXPECT_THROW(load_pack_sources(short_by_one), PackError);
  EXPECT_THROW(load_pack_sources({}), PackError);
}

TEST(PackRegistry, KeepsOnePackPerHashAndTheFirstIsCurrent) {
  PackRegistry reg;
  auto newer = pack_2027();
  reg.add(newer);
  reg.add(load_pack_sources(test::real_pack().sources));
  reg.add(load_pack_sources(newer->sources));  // the same text again: kept once
  EXPECT_EQ(reg.all().size(), 2u);
  EXPECT_EQ(reg.current().content_hash, newer->content_hash);
  EXPECT_NE(reg.find(test::real_pack().content_hash), nullptr);
  EXPECT_EQ(reg.find("sha256:0000"), nullptr);
}

struct PinnedCase : ::testing::Test {
  test::TempDir dir;
  std::unique_ptr<Store> store = open_sqlite_store((dir.path() / "c.db").string());
  FakeClock clock{kT0};
  SequentialIds ids{"case-"};
  Actor officer{"o1", PartyRole::Officer, "", "DE"}, provider{"p1", PartyRole::Provider, "", ""};
  std::string s01 = test::read_text(test::source_dir() + "/examples/s01-eu-subscriber-prosecutor.json");
  std::shared_ptr<const Pack> newer = pack_2027();

  // The node as it runs after the pack change: the 2027 pack is current,
  // and the packs the store kept join it.
  PackRegistry after_change() {
    PackRegistry reg;
    reg.add(newer);
    sync_packs(*store, reg, clock.now());
    return reg;
  }
};

TEST_F(PinnedCase, TheStoreKeepsEveryPackANodeRan) {
  PackRegistry before(test::real_pack());
  sync_packs(*store, before, kT0);
  sync_packs(*store, before, kT0);  // again: nothing more is stored
  ASSERT_EQ(store->rule_packs().size(), 1u);
  EXPECT_EQ(store->rule_packs()[0].content_hash, test::real_pack().content_hash);
  PackRegistry reg = after_change();
  EXPECT_EQ(reg.current().content_hash, newer->content_hash);
  EXPECT_NE(reg.find(test::real_pack().content_hash), nullptr);  // loaded back from the store
  EXPECT_EQ(store->rule_packs().size(), 2u);
  int stored = 0;
  for (const auto& a : store->audit_after(0, 100)) stored += a.action == "rule_pack_stored";
  EXPECT_EQ(stored, 2);
}

TEST_F(PinnedCase, ACaseKeepsItsPackAcrossAPackChange) {
  std::string id;
  {
    PackRegistry before(test::real_pack());
    sync_packs(*store, before, kT0);
    CaseService svc(*store, before, clock, ids);
    CaseRecord r = svc.open(s01, "P_EU_EPOC", Role::Primary, officer);
    id = r.id;
    svc.step(id, "submit", officer);
    EXPECT_EQ(deadline_seconds(r, "EU.DL.3"), 10 * 86400);
  }
  PackRegistry reg = after_change();
  CaseService svc(*store, reg, clock, ids);
  CaseRecord old = *store->load_case(id);
  // Its decision renders under its own pack, not the node's current one.
  EXPECT_EQ(decision_pack(svc.decision_text(old)), test::real_pack().content_hash);
  // Its steps are its pack's: the renamed step of the new pack does not exist for it.
  EXPECT_THROW(svc.step(id, "mark_ready_checked", officer), ServiceError);
  CaseRecord ready = svc.step(id, "mark_ready", officer);
  EXPECT_EQ(ready.c.state, "ready");
  EXPECT_EQ(deadline_seconds(ready, "EU.DL.3"), 10 * 86400);
  // A new case opens under the current pack, with its steps and deadlines.
  CaseRecord fresh = svc.open(s01, "P_EU_EPOC", Role::Primary, officer);
  EXPECT_EQ(fresh.pack_hash, newer->content_hash);
  EXPECT_EQ(deadline_seconds(fresh, "EU.DL.3"), 8 * 86400);
  svc.step(fresh.id, "submit", officer);
  EXPECT_THROW(svc.step(fresh.id, "mark_ready", officer), ServiceError);
  EXPECT_EQ(svc.step(fresh.id, "mark_ready_checked", officer).c.state, "ready");
  EXPECT_EQ(decision_pack(svc.decision_text(fresh)), newer->content_hash);
}

TEST_F(PinnedCase, ReDecisionIsExplicitAuditedAndKeepsBothDecisions) {
  std::string id;
  {
    PackRegistry before(test::real_pack());
    sync_packs(*store, before, kT0);
    CaseService svc(*store, before, clock, ids);
    id = svc.open(s01, "P_EU_EPOC", Role::Primary, officer).id;
    svc.step(id, "submit", officer);
    // Under the pack it runs, there is nothing to decide again.
    EXPECT_THROW(svc.redecide(id, officer, "no change"), ServiceError);
  }
  PackRegistry reg = after_change();
  CaseService svc(*store, reg, clock, ids);
  clock.advance(86400);
  // Refusals write nothing: the wrong side, or no reason.
  try {
    svc.redecide(id, provider, "the law changed");
    ADD_FAILURE() << "a provider re-decided a case";
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.kind, ErrorKind::Forbidden);
  }
  try {
    svc.redecide(id, officer, "");
    ADD_FAILURE() << "a re-decision without a reason";
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.kind, ErrorKind::Invalid);
    ASSERT_EQ(e.field_errors.size(), 1u);
    EXPECT_EQ(e.field_errors[0].path, "$.reason");
  }
  EXPECT_EQ(store->load_case(id)->version, 2);
  EXPECT_TRUE(store->redecisions(id).empty());

  CaseRecord r = svc.redecide(id, officer, "rule pack 2027.1.0 shortens Art 10(2)");
  EXPECT_EQ(r.pack_hash, newer->content_hash);
  EXPECT_EQ(r.evaluated_on, "2026-09-16");
  EXPECT_EQ(r.c.state, "submitted");  // state and history kept
  EXPECT_EQ(r.c.history.size(), 1u);
  EXPECT_EQ(deadline_seconds(r, "EU.DL.3"), 8 * 86400);
  auto kept = store->redecisions(id);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].seq, 1);
  EXPECT_EQ(kept[0].from_pack, test::real_pack().content_hash);
  EXPECT_EQ(kept[0].from_date, "2026-09-15");
  EXPECT_EQ(kept[0].to_pack, newer->content_hash);
  EXPECT_EQ(kept[0].actor, "officer:o1");
  // Both decisions render: the earlier under its pack, the current under the new one.
  CaseRecord loaded = *store->load_case(id);
  EXPECT_EQ(decision_pack(svc.earlier_decision_text(loaded, 1)), test::real_pack().content_hash);
  EXPECT_EQ(decision_pack(svc.decision_text(loaded)), newer->content_hash);
  EXPECT_THROW(svc.earlier_decision_text(loaded, 2), ServiceError);
  // From now on the case follows the new pack.
  EXPECT_THROW(svc.step(id, "mark_ready", officer), ServiceError);
  EXPECT_EQ(svc.step(id, "mark_ready_checked", officer).c.state, "ready");
  EXPECT_EQ(store->audit_after(0, 100).back().action, "mark_ready_checked");
  int redecided = 0;
  for (const auto& a : store->audit_after(0, 100)) redecided += a.action == "redecide";
  EXPECT_EQ(redecided, 1);
}

TEST_F(PinnedCase, APathwayTheNewPackFindsUnlawfulKeepsTheCaseOnItsPack) {
  // A pack under which the Regulation applies only from 2030: the EPOC is not lawful in 2026.
  newer = variant({{"registry/constants.yaml", "eu_regulation_applies_from: 2026-08-18",
                    "eu_regulation_applies_from: 2030-08-18"}});
  std::string id;
  {
    PackRegistry before(test::real_pack());
    sync_packs(*store, before, kT0);
    CaseService svc(*store, before, clock, ids);
    id = svc.open(s01, "P_EU_EPOC", Role::Primary, officer).id;
  }
  PackRegistry reg = after_change();
  CaseService svc(*store, reg, clock, ids);
  try {
    svc.redecide(id, officer, "the new pack");
    ADD_FAILURE() << "re-decided onto a pack under which the pathway is not lawful";
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.kind, ErrorKind::NotLawful);
  }
  CaseRecord r = *store->load_case(id);
  EXPECT_EQ(r.pack_hash, test::real_pack().content_hash);
  EXPECT_EQ(r.version, 1);
  EXPECT_TRUE(store->redecisions(id).empty());
}

}  // namespace
}  // namespace comity
