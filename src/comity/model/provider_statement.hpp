// A provider's statement of how it treats requests (Hill's recommendation D:
// industry interpretations published before requests are sent). The format,
// "comity.provider-statement/1", is in docs/provider-statements.md and
// schemas/provider-statement.schema.json.
//
// A statement is what the provider says it will do — never the law. The
// engine's decision is unchanged by it; the renderers show each clause that
// concerns a pathway beside that pathway's checks (rules/statement_notes.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "comity/model/codes.hpp"
#include "comity/model/errors.hpp"
#include "comity/model/json_guard.hpp"

namespace comity {

enum class StatementPosition : uint8_t { Accepts, ReviewsThenAnswers, DoesNotAccept };
enum class NoticePolicy : uint8_t { NotifyUnlessProhibited, NotifyAfterDelay, DoesNotNotify };

// A clause that concerns some pathways (by their pack ids) and, when listed,
// only some data categories and some counterpart States (empty: all).
struct StatementScope {
  std::vector<std::string> pathways;
  Categories data_categories;
  std::vector<StateCode> counterpart_states;
  std::string path;  // JSON path of the clause, e.g. "$.challenges[0]"
};

struct StatementAcceptance {
  StatementScope scope;
  StatementPosition position = StatementPosition::Accepts;
  std::string text;
};

struct StatementChallenge {
  StatementScope scope;
  std::string ground;  // a coded ground of rules/workflows.yaml (e.g. third_country_law_conflict)
  std::string law;     // the law it relies on, as the provider cites it
  std::string text;
};

struct StatementAddressee {
  StateCode state;
  std::string name;
};

struct ProviderStatement {
  std::string provider_id, legal_name;
  StateCode hq_state;
  int version = 0;
  std::string published_at;  // ISO 8601 instant, as written
  std::optional<StatementAddressee> designated_establishment, legal_representative;
  std::vector<std::string> languages;
  std::vector<StatementAcceptance> acceptance;
  std::vector<StatementChallenge> challenges;
  std::string emergency_channel, emergency_verification;
  int emergency_response_hours = 0;  // 0: not stated
  NoticePolicy notice = NoticePolicy::NotifyUnlessProhibited;
  int notice_delay_days = 0;
  std::string notice_text;
  int preservation_default_days = 0;  // 0: not stated
  std::string retention_text;
  std::string sha256;  // hex SHA-256 of the statement's RFC 8785 canonical form
};

struct StatementParse {
  std::optional<ProviderStatement> statement;  // set iff errors is empty
  FieldErrors errors;
};

// Parses and validates a statement strictly: unknown members are errors and
// every error names its JSON path. Never throws on bad input.
StatementParse parse_provider_statement(std::string_view json_text, const JsonLimits& limits = {});
StatementParse parse_provider_statement_value(const nlohmann::json& value);

std::string_view position_name(StatementPosition p);
std::string_view notice_policy_name(NoticePolicy p);

}  // namespace comity
