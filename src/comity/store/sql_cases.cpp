// Cases in SQL (store/case_repository.hpp): the case row, its history and
// clocks written together with the audit entry and the log leaves of the
// change; saves optimistic on the version read; a case read from one
// snapshot so a concurrent commit cannot mix two versions.
#include <nlohmann/json.hpp>

#include "comity/store/sql_store_impl.hpp"

namespace comity::sql_detail {

namespace {

using nlohmann::json;

std::string deadlines_json(const Case& c) {
  json a = json::array();
  for (const auto& d : c.deadlines)
    a.push_back({{"id", d.id}, {"label", d.label}, {"seconds", d.seconds}, {"extends", d.extends}});
  return a.dump();
}

std::vector<CaseDeadline> parse_deadlines(const std::string& text) {
  std::vector<CaseDeadline> out;
  for (const auto& d : json::parse(text))
    out.push_back({d.at("id").get<std::string>(), d.at("label").get<std::string>(), d.at("seconds").get<int64_t>(),
                   d.at("extends").get<std::string>()});
  return out;
}

}  // namespace

void SqlStore::create_case(const CaseRecord& r, const AuditEntry& audit, const std::vector<LogLeaf>& log) {
  db_.transaction([&] {
    db_.prepare(
           "INSERT INTO cases(id, request_id, requesting_state, pathway, workflow, state, pack_hash, request_json, "
           "decision_json, deadlines_json, data_marked_for_deletion, version, created_at, updated_at, "
           "requesting_party_id, provider_party_id, counterpart_state, notified, transmitted, via_authorities, "
           "order_json, notice_mode, notice_status, notice_review_date, entry_json, evaluated_on, public_json) "
           "VALUES (?,?,?,?,?,?,?,?,?,?,?,1,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
        .bind(1, r.id)
        .bind(2, r.request_id)
        .bind(3, r.requesting_state)
        .bind(4, r.c.pathway)
        .bind(5, r.c.workflow)
        .bind(6, r.c.state)
        .bind(7, r.pack_hash)
        .bind(8, r.request_json)
        .bind(9, r.decision_json)
        .bind(10, deadlines_json(r.c))
        .bind(11, int64_t{r.c.data_marked_for_deletion})
        .bind(12, r.created_at)
        .bind(13, r.updated_at)
        .bind_text_or_null(14, r.requesting_party_id)
        .bind_text_or_null(15, r.provider_party_id)
        .bind(16, r.counterpart_state)
        .bind(17, int64_t{r.notified})
        .bind(18, int64_t{was_transmitted(r.c)})
        .bind(19, int64_t{r.via_authorities})
        .bind(20, r.order_json)
        .bind(21, r.notice_mode)
        .bind(22, r.notice_status)
        .bind(23, r.notice_review_date)
        .bind(24, r.entry_json)
        .bind(25, r.evaluated_on)
        .bind(26, r.public_json)
        .run();
    insert_events(r, 0);
    insert_clocks(r);
    if (!r.signed_order_json.empty())
      db_.prepare("INSERT INTO signed_orders(case_id, order_id, nonce, envelope, verification) VALUES (?,?,?,?,?)")
          .bind(1, r.id)
          .bind(2, r.signed_order_id)
          .bind(3, r.signed_order_nonce)
          .bind(4, r.signed_order_json)
          .bind(5, r.order_verification_json)
          .run();
    insert_audit(audit);
    insert_log(log);
  });
}

bool SqlStore::signed_order_used(std::string_view order_id, std::string_view nonce) {
  auto s = db_.prepare("SELECT count(*) FROM signed_orders WHERE order_id = ? OR nonce = ?");
  s.bind(1, order_id).bind(2, nonce);
  s.step();
  return s.integer(0) > 0;
}

void SqlStore::save_redecision(const CaseRecord& r, int64_t expected_version, const Redecision& d,
                               const AuditEntry& audit) {
  if (r.version != expected_version + 1)
    throw StoreError(StoreError::Code::Other, "save_redecision: version must be expected_version + 1");
  db_.transaction([&] {
    auto up = db_.prepare(
        "UPDATE cases SET pack_hash = ?, evaluated_on = ?, entry_json = ?, order_json = ?, deadlines_json = ?, "
        "version = ?, updated_at = ? WHERE id = ? AND version = ?");
    up.bind(1, r.pack_hash).bind(2, r.evaluated_on).bind(3, r.entry_json).bind(4, r.order_json);
    up.bind(5, deadlines_json(r.c)).bind(6, r.version).bind(7, r.updated_at).bind(8, r.id);
    up.bind(9, expected_version).run();
    if (db_.changes() != 1) {
      auto exists = db_.prepare("SELECT 1 FROM cases WHERE id = ?");
      exists.bind(1, r.id);
      if (!exists.step()) throw StoreError(StoreError::Code::NotFound, "no case " + r.id);
      throw StoreError(StoreError::Code::Conflict,
                       "case " + r.id + " changed since version " + std::to_string(expected_version));
    }
    db_.prepare(
           "INSERT INTO case_redecisions(case_id, seq, from_pack, from_date, from_entry, to_pack, to_date, actor, "
           "reason, at) VALUES (?,?,?,?,?,?,?,?,?,?)")
        .bind(1, d.case_id)
        .bind(2, d.seq)
        .bind(3, d.from_pack)
        .bind(4, d.from_date)
        .bind(5, d.from_entry)
        .bind(6, d.to_pack)
        .bind(7, d.to_date)
        .bind(8, d.actor)
        .bind(9, d.reason)
        .bind(10, d.at)
        .run();
    insert_audit(audit);
  });
}

std::vector<Redecision> SqlStore::redecisions(std::string_view case_id) {
  auto s = db_.prepare(
      "SELECT case_id, seq, from_pack, from_date, from_entry, to_pack, to_date, actor, reason, at "
      "FROM case_redecisions WHERE case_id = ? ORDER BY seq");
  s.bind(1, case_id);
  std::vector<Redecision> out;
  while (s.step())
    out.push_back({s.text(0), s.integer(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6), s.text(7), s.text(8),
                   s.integer(9)});
  return out;
}

// The case row, its history and its clocks from one snapshot, so a commit
// landing between the three queries cannot mix two versions of a case.
std::optional<CaseRecord> SqlStore::load_case(std::string_view id) {
  std::optional<CaseRecord> r;
  db_.snapshot([&] { r = load_case_now(id); });
  return r;
}

std::optional<CaseRecord> SqlStore::load_case_now(std::string_view id) {
  auto s = db_.prepare(
      "SELECT id, request_id, requesting_state, pathway, workflow, state, pack_hash, request_json, decision_json, "
      "deadlines_json, data_marked_for_deletion, version, created_at, updated_at, "
      "coalesce(requesting_party_id, ''), coalesce(provider_party_id, ''), coalesce(counterpart_state, ''), "
      "notified, via_authorities, order_json, notice_mode, notice_status, notice_review_date, entry_json, "
      "evaluated_on, public_json, coalesce(so.order_id, ''), coalesce(so.nonce, ''), coalesce(so.envelope, ''), "
      "coalesce(so.verification, '') FROM cases LEFT JOIN signed_orders so ON so.case_id = cases.id "
      "WHERE cases.id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  CaseRecord r;
  r.id = s.text(0);
  r.request_id = s.text(1);
  r.requesting_state = s.text(2);
  r.c.pathway = s.text(3);
  r.c.workflow = s.text(4);
  r.c.state = s.text(5);
  r.pack_hash = s.text(6);
  r.request_json = s.text(7);
  r.decision_json = s.text(8);
  r.c.deadlines = parse_deadlines(s.text(9));
  r.c.data_marked_for_deletion = s.integer(10) != 0;
  r.version = s.integer(11);
  r.created_at = s.integer(12);
  r.updated_at = s.integer(13);
  r.requesting_party_id = s.text(14);
  r.provider_party_id = s.text(15);
  r.counterpart_state = s.text(16);
  r.notified = s.integer(17) != 0;
  r.via_authorities = s.integer(18) != 0;
  r.order_json = s.text(19);
  r.notice_mode = s.text(20);
  r.notice_status = s.text(21);
  r.notice_review_date = s.text(22);
  r.entry_json = s.text(23);
  r.evaluated_on = s.text(24);
  r.public_json = s.text(25);
  r.signed_order_id = s.text(26);
  r.signed_order_nonce = s.text(27);
  r.signed_order_json = s.text(28);
  r.order_verification_json = s.text(29);
  auto ev = db_.prepare(
      "SELECT event, actor_role, at, from_state, to_state, reason, coalesce(idempotency_key, ''), ground "
      "FROM case_events WHERE case_id = ? ORDER BY seq");
  ev.bind(1, id);
  while (ev.step()) {
    auto role = parse_role(ev.text(1));
    if (!role) throw StoreError(StoreError::Code::Corrupt, "case " + r.id + ": unknown role " + ev.text(1));
    r.c.history.push_back(
        {ev.text(0), *role, ev.integer(2), ev.text(3), ev.text(4), ev.text(5), ev.text(7), ev.text(6)});
  }
  auto ck = db_.prepare(
      "SELECT deadline_id, label, started, due, stopped, expiry_handled FROM case_clocks WHERE case_id = ? ORDER BY "
      "seq");
  ck.bind(1, id);
  while (ck.step()) {
    CaseClock k{ck.text(0), ck.text(1), ck.integer(2), ck.integer(3), std::nullopt, ck.integer(5) != 0};
    if (!ck.is_null(4)) k.stopped = ck.integer(4);
    r.c.clocks.push_back(k);
  }
  return r;
}

void SqlStore::save_case(const CaseRecord& r, int64_t expected_version, size_t first_new_event, const AuditEntry& audit,
                         const std::vector<LogLeaf>& log) {
  if (r.version != expected_version + 1)
    throw StoreError(StoreError::Code::Other, "save_case: version must be expected_version + 1");
  db_.transaction([&] {
    auto up = db_.prepare(
        "UPDATE cases SET state = ?, data_marked_for_deletion = ?, version = ?, updated_at = ?, transmitted = ?, "
        "notice_status = ?, notice_review_date = ? WHERE id = ? AND version = ?");
    up.bind(1, r.c.state).bind(2, int64_t{r.c.data_marked_for_deletion}).bind(3, r.version).bind(4, r.updated_at);
    up.bind(5, int64_t{was_transmitted(r.c)}).bind(6, r.notice_status).bind(7, r.notice_review_date);
    up.bind(8, r.id).bind(9, expected_version).run();
    if (db_.changes() != 1) {
      auto exists = db_.prepare("SELECT 1 FROM cases WHERE id = ?");
      exists.bind(1, r.id);
      if (!exists.step()) throw StoreError(StoreError::Code::NotFound, "no case " + r.id);
      throw StoreError(StoreError::Code::Conflict,
                       "case " + r.id + " changed since version " + std::to_string(expected_version));
    }
    db_.prepare("DELETE FROM case_clocks WHERE case_id = ?").bind(1, r.id).run();
    insert_clocks(r);
    insert_events(r, first_new_event);
    if (!r.signed_order_json.empty())  // a validator's signature may have joined it
      db_.prepare("UPDATE signed_orders SET envelope = ?, verification = ? WHERE case_id = ?")
          .bind(1, r.signed_order_json)
          .bind(2, r.order_verification_json)
          .bind(3, r.id)
          .run();
    insert_audit(audit);
    insert_log(log);
  });
}

std::vector<CaseSummary> SqlStore::list_cases(std::string_view after_id, int limit) {
  auto s = db_.prepare(
      "SELECT id, pathway, state, requesting_state, updated_at, coalesce(requesting_party_id, ''), "
      "coalesce(provider_party_id, ''), coalesce(counterpart_state, ''), notified, transmitted, workflow, "
      "via_authorities, notice_status, notice_review_date, "
      "(SELECT deadline_id FROM case_clocks k WHERE k.case_id = cases.id AND k.stopped IS NULL "
      " ORDER BY due, seq LIMIT 1), "
      "(SELECT min(due) FROM case_clocks k WHERE k.case_id = cases.id AND k.stopped IS NULL) "
      "FROM cases WHERE id > ? ORDER BY id LIMIT ?");
  s.bind(1, after_id).bind(2, int64_t{limit});
  std::vector<CaseSummary> out;
  while (s.step())
    out.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.text(10), s.integer(4), s.text(5), s.text(6),
                   s.text(7), s.integer(8) != 0, s.integer(9) != 0, s.integer(11) != 0, s.text(12), s.text(13),
                   s.is_null(14) ? std::string() : s.text(14), s.is_null(15) ? 0 : s.integer(15)});
  return out;
}

int64_t SqlStore::count_overdue_clocks(Instant now) {
  auto s = db_.prepare("SELECT count(*) FROM case_clocks WHERE stopped IS NULL AND due <= ?");
  s.bind(1, now);
  s.step();
  return s.integer(0);
}

std::vector<std::string> SqlStore::cases_with_unhandled_expiries(Instant now, int limit) {
  auto s = db_.prepare(
      "SELECT case_id FROM case_clocks WHERE stopped IS NULL AND expiry_handled = 0 AND due <= ? "
      "GROUP BY case_id ORDER BY min(due), case_id LIMIT ?");
  s.bind(1, now).bind(2, int64_t{limit});
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

std::vector<std::pair<std::string, int64_t>> SqlStore::count_cases_by_state() {
  auto s = db_.prepare("SELECT state, count(*) FROM cases GROUP BY state ORDER BY state");
  std::vector<std::pair<std::string, int64_t>> out;
  while (s.step()) out.emplace_back(s.text(0), s.integer(1));
  return out;
}

void SqlStore::save_review(const CaseReview& v, const std::vector<AuditEntry>& audit) {
  db_.transaction([&] {
    db_.prepare("INSERT INTO case_reviews(case_id, side, reviewer, at, verdicts_json) VALUES (?,?,?,?,?)")
        .bind(1, v.case_id)
        .bind(2, v.side)
        .bind(3, v.reviewer)
        .bind(4, v.at)
        .bind(5, v.verdicts_json)
        .run();
    for (const auto& a : audit) insert_audit(a);
  });
}

std::vector<CaseReview> SqlStore::reviews(std::string_view case_id) {
  auto s = db_.prepare(
      "SELECT case_id, side, reviewer, at, verdicts_json FROM case_reviews WHERE case_id = ? ORDER BY at, side");
  s.bind(1, case_id);
  std::vector<CaseReview> out;
  while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2), s.integer(3), s.text(4)});
  return out;
}

int64_t SqlStore::count_notice_reviews_due(std::string_view today) {
  auto s = db_.prepare(
      "SELECT count(*) FROM cases WHERE notice_status = 'delayed' AND notice_review_date <> '' "
      "AND notice_review_date <= ?");
  s.bind(1, today);
  s.step();
  return s.integer(0);
}

void SqlStore::insert_events(const CaseRecord& r, size_t from) {
  auto s = db_.prepare(
      "INSERT INTO case_events(case_id, seq, event, actor_role, at, from_state, to_state, reason, idempotency_key, "
      "ground) VALUES (?,?,?,?,?,?,?,?,?,?)");
  for (size_t i = from; i < r.c.history.size(); ++i) {
    const auto& e = r.c.history[i];
    s.reset();
    s.bind(1, r.id).bind(2, static_cast<int64_t>(i)).bind(3, e.event).bind(4, role_name(e.actor)).bind(5, e.at);
    s.bind(6, e.from).bind(7, e.to).bind(8, e.reason).bind_text_or_null(9, e.idempotency_key).bind(10, e.ground).run();
  }
}

void SqlStore::insert_clocks(const CaseRecord& r) {
  auto s = db_.prepare(
      "INSERT INTO case_clocks(case_id, seq, deadline_id, label, started, due, stopped, expiry_handled) "
      "VALUES (?,?,?,?,?,?,?,?)");
  for (size_t i = 0; i < r.c.clocks.size(); ++i) {
    const auto& k = r.c.clocks[i];
    s.reset();
    s.bind(1, r.id).bind(2, static_cast<int64_t>(i)).bind(3, k.deadline_id).bind(4, k.label).bind(5, k.started);
    s.bind(6, k.due).bind_opt(7, k.stopped).bind(8, int64_t{k.expiry_handled}).run();
  }
}

}  // namespace comity::sql_detail

namespace comity {

bool was_transmitted(const Case& c) {
  for (const auto& e : c.history)
    if (e.event == "transmit" || e.event == "transmit_emergency") return true;
  return false;
}

}  // namespace comity
