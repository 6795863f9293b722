// The handlers of the route table (routes.cpp), one file per resource:
// handlers_cases.cpp (cases, their steps, reviews, notices, decisions,
// documents and log openings), handlers_evidence.cpp (productions),
// handlers_identity.cpp (me, parties, users, tokens, sessions, audit),
// handlers_log.cpp (the public transparency log), handlers_node.cpp (the web
// app, health, metrics, OpenAPI, evaluation, trust, drafts),
// handlers_statements.cpp (provider statements), handlers_fed.cpp (the
// federation: messages from peers, the node's description, its peers and
// outbox), handlers_witness.cpp (the witness of peers' logs). A handler
// translates HTTP to calls on the node's services and back; it throws
// comity::Error for what goes wrong and never builds a problem itself.
#pragma once

#include "comity/server/node.hpp"
#include "comity/server/routes.hpp"

namespace comity::handlers {

// handlers_fed.cpp
void post_fed_message(Node&, Call&);
void get_fed_node(Node&, Call&);
void get_fed_peers(Node&, Call&);
void post_fed_hello(Node&, Call&);
void get_fed_outbox(Node&, Call&);
void get_fed_inbox(Node&, Call&);
void post_fed_answer(Node&, Call&);
void post_fed_production(Node&, Call&);
void post_fed_chunk(Node&, Call&);
// The ?offset=N of a chunk of ciphertext sent as application/octet-stream:
// UnsupportedMediaType at $header.Content-Type, Malformed at $query.offset.
uint64_t ciphertext_offset(const Call& call);

// handlers_witness.cpp
void post_witness_checkpoint(Node&, Call&);

// handlers_cases.cpp
void create_case(Node&, Call&);
void list_cases(Node&, Call&);
void get_case(Node&, Call&);
void post_event(Node&, Call&);
void post_review(Node&, Call&);
void post_notice(Node&, Call&);
void get_decision(Node&, Call&);
void post_redecide(Node&, Call&);
void post_statement(Node&, Call&);
void get_statement(Node&, Call&);
void get_document(Node&, Call&);
void get_case_log(Node&, Call&);

// handlers_evidence.cpp
void post_production(Node&, Call&);
void get_production(Node&, Call&);
void post_chunk(Node&, Call&);
void get_file(Node&, Call&);

// handlers_identity.cpp
void me(Node&, Call&);
void list_parties(Node&, Call&);
void get_party(Node&, Call&);
void create_party(Node&, Call&);
void create_user(Node&, Call&);
void issue_token(Node&, Call&);
void revoke_token(Node&, Call&);
void list_audit(Node&, Call&);
void post_session(Node&, Call&);
void get_session(Node&, Call&);
void post_logout(Node&, Call&);

// handlers_log.cpp
void get_checkpoint_note(Node&, Call&);
void get_tile(Node&, Call&);
void get_log_info(Node&, Call&);
void post_checkpoint(Node&, Call&);
void get_inclusion(Node&, Call&);
void get_consistency(Node&, Call&);
void get_statistics(Node&, Call&);
void get_transparency(Node&, Call&);

// handlers_node.cpp
void web_root(Node&, Call&);
void web_asset(Node&, Call&);
void api_index(Node&, Call&);
void healthz(Node&, Call&);
void readyz(Node&, Call&);
void metrics(Node&, Call&);
void openapi(Node&, Call&);
void evaluate(Node&, Call&);
void get_trust(Node&, Call&);
void post_trust(Node&, Call&);
void post_draft(Node&, Call&);
void list_drafts(Node&, Call&);
void get_draft(Node&, Call&);
void save_draft(Node&, Call&);
void delete_draft(Node&, Call&);

// Shared by handlers: the `limit` query parameter (default 50, 1..200);
// Error{Malformed} at $query.limit otherwise.
int page_limit(const HttpRequest& req);
// The Idempotency-Key header: "" (absent), or 1-200 visible ASCII
// characters; Error{Malformed} otherwise.
std::string idempotency_key(const HttpRequest& req);
// The string at `key` of `body`, or "" after appending an error naming it.
std::string required_string(const nlohmann::json& body, const char* key, const char* expected, FieldErrors& errors);
// Appends an error for every key of `body` not in `allowed`.
void refuse_unknown_fields(const nlohmann::json& body, std::initializer_list<std::string_view> allowed,
                           FieldErrors& errors);
nlohmann::json party_json(const Party& p);

}  // namespace comity::handlers
