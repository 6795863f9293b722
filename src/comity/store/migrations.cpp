#include "comity/store/migrations.hpp"

#include <string>

namespace comity {
namespace {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Never edit a migration that has shipped: add a new one.
constexpr Migration kMigrations[] = {
    {1, "cases, clocks, events, append-only audit", R"SQL(
CREATE TABLE cases (
  id                 TEXT PRIMARY KEY,
  request_id         TEXT NOT NULL,
  requesting_state   TEXT NOT NULL CHECK (length(requesting_state) = 2),
  pathway            TEXT NOT NULL,
  workflow           TEXT NOT NULL,
  state              TEXT NOT NULL,
  pack_hash          TEXT NOT NULL,
  request_json       TEXT NOT NULL,
  decision_json      TEXT NOT NULL,
  deadlines_json     TEXT NOT NULL,
  data_marked_for_deletion INTEGER NOT NULL DEFAULT 0 CHECK (data_marked_for_deletion IN (0, 1)),
  version            INTEGER NOT NULL CHECK (version >= 1),
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL
) STRICT;
CREATE INDEX cases_by_state ON cases(state);

CREATE TABLE case_events (
  case_id    TEXT NOT NULL REFERENCES cases(id) ON DELETE RESTRICT,
  seq        INTEGER NOT NULL CHECK (seq >= 0),
  event      TEXT NOT NULL,
  actor_role TEXT NOT NULL,
  at         INTEGER NOT NULL,
  from_state TEXT NOT NULL,
  to_state   TEXT NOT NULL,
  reason     TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (case_id, seq)
) STRICT;

CREATE TABLE case_clocks (
  case_id        TEXT NOT NULL REFERENCES cases(id) ON DELETE RESTRICT,
  seq            INTEGER NOT NULL,
  deadline_id    TEXT NOT NULL,
  label          TEXT NOT NULL,
  started        INTEGER NOT NULL,
  due            INTEGER NOT NULL,
  stopped        INTEGER,
  expiry_handled INTEGER NOT NULL DEFAULT 0 CHECK (expiry_handled IN (0, 1)),
  PRIMARY KEY (case_id, seq)
) STRICT;
CREATE INDEX running_clocks_by_due ON case_clocks(due) WHERE stopped IS NULL;

CREATE TABLE audit (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  at             INTEGER NOT NULL,
  actor          TEXT NOT NULL,
  action         TEXT NOT NULL,
  object         TEXT NOT NULL,
  payload_sha256 TEXT NOT NULL CHECK (length(payload_sha256) = 64)
) STRICT;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
)SQL"},
    {2, "parties, users, API tokens; case parties", R"SQL(
CREATE TABLE parties (
  id    TEXT PRIMARY KEY,
  kind  TEXT NOT NULL CHECK (kind IN ('issuing_authority', 'validating_authority', 'central_authority',
                                      'provider', 'oversight', 'admin')),
  state TEXT NOT NULL CHECK (length(state) = 2),
  name  TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX one_central_authority_per_state ON parties(state) WHERE kind = 'central_authority';

CREATE TABLE users (
  id       TEXT PRIMARY KEY,
  party_id TEXT NOT NULL REFERENCES parties(id) ON DELETE RESTRICT,
  role     TEXT NOT NULL CHECK (role IN ('officer', 'validator', 'central_authority', 'provider',
                                         'enforcing_authority', 'oversight', 'admin')),
  name     TEXT NOT NULL
) STRICT;

-- Tokens are stored only as SHA-256 digests; the token itself is shown once.
CREATE TABLE api_tokens (
  id           TEXT PRIMARY KEY,
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
  token_sha256 TEXT NOT NULL UNIQUE CHECK (length(token_sha256) = 64),
  created_at   INTEGER NOT NULL,
  revoked_at   INTEGER
) STRICT;

ALTER TABLE cases ADD COLUMN requesting_party_id TEXT REFERENCES parties(id);
ALTER TABLE cases ADD COLUMN provider_party_id TEXT REFERENCES parties(id);
ALTER TABLE cases ADD COLUMN counterpart_state TEXT;
ALTER TABLE cases ADD COLUMN notified INTEGER NOT NULL DEFAULT 0 CHECK (notified IN (0, 1));
ALTER TABLE cases ADD COLUMN transmitted INTEGER NOT NULL DEFAULT 0 CHECK (transmitted IN (0, 1));
)SQL"},
    {3, "idempotency keys on case steps", R"SQL(
ALTER TABLE case_events ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX case_events_idempotency ON case_events(case_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
)SQL"},
    {4, "cases record whether they go authority to authority", R"SQL(
ALTER TABLE cases ADD COLUMN via_authorities INTEGER NOT NULL DEFAULT 0 CHECK (via_authorities IN (0, 1));
UPDATE cases SET via_authorities = 1 WHERE workflow = 'mla';
)SQL"},
    {5, "the order as its addressee receives it, kept beside the decision", R"SQL(
ALTER TABLE cases ADD COLUMN order_json TEXT NOT NULL DEFAULT '{}';
UPDATE cases SET order_json = coalesce((
  SELECT json_object('pathway', json_extract(value, '$.pathway'), 'role', json_extract(value, '$.role'),
                     'data_categories', json(json_extract(value, '$.data_categories')),
                     'deadlines', json(json_extract(value, '$.deadlines')),
                     'use_limitations', json(json_extract(value, '$.use_limitations')))
  FROM json_each(cases.decision_json, '$.pathways')
  WHERE json_extract(value, '$.pathway') = cases.pathway AND json_extract(value, '$.rank') > 0
  ORDER BY json_extract(value, '$.rank') LIMIT 1), '{}');
)SQL"},
    {6, "user-notification plans and one consolidated review per side", R"SQL(
ALTER TABLE cases ADD COLUMN notice_mode TEXT NOT NULL DEFAULT ''
  CHECK (notice_mode IN ('', 'NOTIFY_NOW', 'DELAY', 'RESTRICT', 'OMIT'));
ALTER TABLE cases ADD COLUMN notice_status TEXT NOT NULL DEFAULT ''
  CHECK (notice_status IN ('', 'pending', 'delayed', 'notified'));
ALTER TABLE cases ADD COLUMN notice_review_date TEXT NOT NULL DEFAULT '';
CREATE INDEX notice_reviews_by_date ON cases(notice_review_date) WHERE notice_status = 'delayed';
CREATE TABLE case_reviews (
  case_id       TEXT NOT NULL REFERENCES cases(id) ON DELETE RESTRICT,
  side          TEXT NOT NULL CHECK (side IN ('requesting', 'requested')),
  reviewer      TEXT NOT NULL,
  at            INTEGER NOT NULL,
  verdicts_json TEXT NOT NULL,
  PRIMARY KEY (case_id, side)
) STRICT;
CREATE TRIGGER case_reviews_no_update BEFORE UPDATE ON case_reviews
  BEGIN SELECT RAISE(ABORT, 'a review is final'); END;
)SQL"},
    {7, "cases keep the entry they rest on; the whole decision is rendered on demand", R"SQL(
ALTER TABLE cases ADD COLUMN entry_json TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN evaluated_on TEXT NOT NULL DEFAULT '';
UPDATE cases SET evaluated_on = coalesce(json_extract(decision_json, '$.evaluated_at'), ''),
  entry_json = coalesce((
    SELECT value FROM json_each(cases.decision_json, '$.pathways')
    WHERE json_extract(value, '$.pathway') = cases.pathway AND json_extract(value, '$.rank') > 0
    ORDER BY json_extract(value, '$.rank') LIMIT 1), '');
)SQL"},
    {8, "the transparency log: one leaf per case event, and the checkpoints published", R"SQL(
ALTER TABLE cases ADD COLUMN public_json TEXT NOT NULL DEFAULT '{}';
CREATE TABLE log_leaves (
  idx        INTEGER PRIMARY KEY CHECK (idx >= 0),
  leaf       BLOB NOT NULL,
  leaf_hash  BLOB NOT NULL CHECK (length(leaf_hash) = 32),
  case_id    TEXT REFERENCES cases(id) ON DELETE RESTRICT,
  event_seq  INTEGER NOT NULL,
  salt       BLOB NOT NULL,
  event_json TEXT NOT NULL
) STRICT;
CREATE INDEX log_leaves_by_case ON log_leaves(case_id);
CREATE TRIGGER log_leaves_no_update BEFORE UPDATE ON log_leaves
  BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;
CREATE TRIGGER log_leaves_no_delete BEFORE DELETE ON log_leaves
  BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;
CREATE TABLE log_checkpoints (
  tree_size    INTEGER PRIMARY KEY CHECK (tree_size >= 0),
  root         BLOB NOT NULL CHECK (length(root) = 32),
  note         TEXT NOT NULL,
  published_at INTEGER NOT NULL
) STRICT;
CREATE TRIGGER log_checkpoints_no_update BEFORE UPDATE ON log_checkpoints
  BEGIN SELECT RAISE(ABORT, 'a published checkpoint is final'); END;
)SQL"},
    {9, "steps cite coded grounds (refusal grounds, Annex III reasons, objections)", R"SQL(
ALTER TABLE case_events ADD COLUMN ground TEXT NOT NULL DEFAULT '';
)SQL"},
    {10, "trust bundles the operator imported; the register of signed orders", R"SQL(
CREATE TABLE trust_imports (
  seq           INTEGER PRIMARY KEY,
  bundle        TEXT NOT NULL,
  anchor_change TEXT NOT NULL CHECK (anchor_change IN ('cross_signed', 'operator_override')),
  imported_at   INTEGER NOT NULL
) STRICT;
CREATE TRIGGER trust_imports_no_update BEFORE UPDATE ON trust_imports
  BEGIN SELECT RAISE(ABORT, 'trust imports are a history'); END;
CREATE TRIGGER trust_imports_no_delete BEFORE DELETE ON trust_imports
  BEGIN SELECT RAISE(ABORT, 'trust imports are a history'); END;
CREATE TABLE signed_orders (
  case_id      TEXT PRIMARY KEY REFERENCES cases(id) ON DELETE RESTRICT,
  order_id     TEXT NOT NULL UNIQUE,
  nonce        TEXT NOT NULL UNIQUE,
  envelope     TEXT NOT NULL,
  verification TEXT NOT NULL
) STRICT;
)SQL"},
    {11, "evidence productions: signed manifests, the files received, retention and deletion", R"SQL(
CREATE TABLE productions (
  id              TEXT PRIMARY KEY,
  case_id         TEXT NOT NULL REFERENCES cases(id) ON DELETE RESTRICT,
  manifest_id     TEXT NOT NULL,
  manifest        TEXT NOT NULL,
  verification    TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  expires_at      INTEGER NOT NULL,
  deleted_at      INTEGER,
  deletion_reason TEXT NOT NULL DEFAULT '',
  UNIQUE (case_id, manifest_id)
) STRICT;
CREATE INDEX productions_live ON productions(expires_at) WHERE deleted_at IS NULL;
CREATE TABLE production_files (
  production_id     TEXT NOT NULL REFERENCES productions(id) ON DELETE RESTRICT,
  idx               INTEGER NOT NULL CHECK (idx >= 0),
  name              TEXT NOT NULL,
  ciphertext_bytes  INTEGER NOT NULL CHECK (ciphertext_bytes >= 0),
  ciphertext_sha256 TEXT NOT NULL,
  complete          INTEGER NOT NULL DEFAULT 0 CHECK (complete IN (0, 1)),
  PRIMARY KEY (production_id, idx)
) STRICT;
)SQL"},
    {12, "passwords (argon2id), browser sessions and login lock-out", R"SQL(
CREATE TABLE user_passwords (
  user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE RESTRICT,
  phc     TEXT NOT NULL CHECK (phc LIKE '$argon2id$%'),
  set_at  INTEGER NOT NULL
) STRICT;
CREATE TABLE sessions (
  id           TEXT PRIMARY KEY,
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
  token_sha256 TEXT NOT NULL UNIQUE,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  ended_at     INTEGER
) STRICT;
CREATE TABLE login_failures (
  user_id      TEXT PRIMARY KEY REFERENCES users(id) ON DELETE RESTRICT,
  failures     INTEGER NOT NULL CHECK (failures >= 0),
  locked_until INTEGER NOT NULL
) STRICT;
)SQL"},
    {13, "request drafts saved by the wizard", R"SQL(
CREATE TABLE drafts (
  id         TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  version    INTEGER NOT NULL CHECK (version >= 1),
  body       TEXT NOT NULL
) STRICT;
CREATE INDEX drafts_by_user ON drafts(user_id, updated_at);
)SQL"},
    {14, "rule packs kept by content hash; re-decisions of a case under another pack", R"SQL(
CREATE TABLE rule_packs (
  content_hash TEXT PRIMARY KEY CHECK (content_hash LIKE 'sha256:%'),
  name         TEXT NOT NULL,
  version      TEXT NOT NULL,
  sources      TEXT NOT NULL,
  stored_at    INTEGER NOT NULL
) STRICT;
CREATE TRIGGER rule_packs_no_update BEFORE UPDATE ON rule_packs
  BEGIN SELECT RAISE(ABORT, 'a stored rule pack is never changed'); END;
CREATE TRIGGER rule_packs_no_delete BEFORE DELETE ON rule_packs
  BEGIN SELECT RAISE(ABORT, 'a stored rule pack is never removed'); END;
CREATE TABLE case_redecisions (
  case_id    TEXT NOT NULL REFERENCES cases(id) ON DELETE RESTRICT,
  seq        INTEGER NOT NULL CHECK (seq >= 1),
  from_pack  TEXT NOT NULL,
  from_date  TEXT NOT NULL,
  from_entry TEXT NOT NULL,
  to_pack    TEXT NOT NULL,
  to_date    TEXT NOT NULL,
  actor      TEXT NOT NULL,
  reason     TEXT NOT NULL,
  at         INTEGER NOT NULL,
  PRIMARY KEY (case_id, seq)
) STRICT;
CREATE TRIGGER case_redecisions_no_update BEFORE UPDATE ON case_redecisions
  BEGIN SELECT RAISE(ABORT, 'a re-decision is history'); END;
CREATE TRIGGER case_redecisions_no_delete BEFORE DELETE ON case_redecisions
  BEGIN SELECT RAISE(ABORT, 'a re-decision is history'); END;
)SQL"},
    {15, "signed provider statements, every version kept, each committed to the transparency log", R"SQL(
CREATE TABLE provider_statements (
  provider_id TEXT NOT NULL,
  version     INTEGER NOT NULL CHECK (version >= 1),
  sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
  signed_json TEXT NOT NULL,
  signer      TEXT NOT NULL,
  imported_at INTEGER NOT NULL,
  log_index   INTEGER NOT NULL UNIQUE REFERENCES log_leaves(idx),
  PRIMARY KEY (provider_id, version)
) STRICT;
CREATE TRIGGER provider_statements_no_update BEFORE UPDATE ON provider_statements
  BEGIN SELECT RAISE(ABORT, 'a published statement is never changed: publish a new version'); END;
CREATE TRIGGER provider_statements_no_delete BEFORE DELETE ON provider_statements
  BEGIN SELECT RAISE(ABORT, 'a published statement is never removed'); END;
)SQL"},
    {16, "leases: one holder at a time of a node role (the log's checkpoint signer), with an epoch", R"SQL(
CREATE TABLE leases (
  name       TEXT PRIMARY KEY,
  holder     TEXT NOT NULL,
  epoch      INTEGER NOT NULL CHECK (epoch >= 1),
  expires_ms INTEGER NOT NULL
) STRICT;
)SQL"},
    {17, "rate_hits: requests counted per client and minute, shared by every process of the node", R"SQL(
CREATE TABLE rate_hits (
  bucket       TEXT NOT NULL,
  window_start INTEGER NOT NULL,
  hits         INTEGER NOT NULL CHECK (hits >= 1),
  PRIMARY KEY (bucket, window_start)
) STRICT;
CREATE INDEX rate_hits_window ON rate_hits(window_start);
)SQL"},
    {18, "the federation: signed peer lists (append-only), outbox, inbox, the nonces of signed requests", R"SQL(
CREATE TABLE fed_peer_lists (
  version   INTEGER PRIMARY KEY CHECK (version >= 1),
  doc       TEXT NOT NULL,
  stored_at INTEGER NOT NULL
) STRICT;
CREATE TRIGGER fed_peer_lists_no_update BEFORE UPDATE ON fed_peer_lists
  BEGIN SELECT RAISE(ABORT, 'a peer list version is history: sign a new version'); END;
CREATE TRIGGER fed_peer_lists_no_delete BEFORE DELETE ON fed_peer_lists
  BEGIN SELECT RAISE(ABORT, 'a peer list version is history: sign a new version'); END;
CREATE TABLE fed_outbox (
  id              TEXT PRIMARY KEY,
  peer            TEXT NOT NULL,
  case_ref        TEXT NOT NULL,
  seq             INTEGER NOT NULL CHECK (seq >= 1),
  kind            TEXT NOT NULL,
  envelope        TEXT NOT NULL,
  state           TEXT NOT NULL
                  CHECK (state IN ('pending', 'sending', 'accepted', 'delivered', 'refused', 'dead')),
  attempts        INTEGER NOT NULL CHECK (attempts >= 0),
  created_at      INTEGER NOT NULL,
  expires_at      INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  lease_holder    TEXT NOT NULL,
  lease_until_ms  INTEGER NOT NULL,
  last_error      TEXT NOT NULL,
  receipt         TEXT NOT NULL,
  UNIQUE (peer, case_ref, seq)
) STRICT;
CREATE INDEX fed_outbox_due ON fed_outbox(state, next_attempt_at);
CREATE INDEX fed_outbox_open ON fed_outbox(peer, case_ref, seq) WHERE state IN ('pending', 'sending');
CREATE TABLE fed_inbox (
  id          TEXT PRIMARY KEY,
  peer        TEXT NOT NULL,
  case_ref    TEXT NOT NULL,
  to_party    TEXT NOT NULL,
  seq         INTEGER NOT NULL CHECK (seq >= 1),
  kind        TEXT NOT NULL,
  digest      TEXT NOT NULL CHECK (length(digest) = 64),
  envelope    TEXT NOT NULL,
  state       TEXT NOT NULL CHECK (state IN ('held', 'applied', 'refused')),
  receipt     TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX fed_inbox_by_case ON fed_inbox(peer, case_ref, seq);
CREATE INDEX fed_inbox_by_party ON fed_inbox(to_party, received_at);
CREATE TABLE fed_request_nonces (
  keyid      TEXT NOT NULL,
  nonce      TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (keyid, nonce)
) STRICT;
CREATE INDEX fed_request_nonces_expiry ON fed_request_nonces(expires_at);
)SQL"},
    {19, "the federation: the case each case_ref this node sent names, so a peer's answer finds its case", R"SQL(
CREATE TABLE fed_case_refs (
  case_ref   TEXT PRIMARY KEY,
  case_id    TEXT NOT NULL UNIQUE REFERENCES cases(id),
  created_at INTEGER NOT NULL
) STRICT;
CREATE TRIGGER fed_case_refs_no_update BEFORE UPDATE ON fed_case_refs
  BEGIN SELECT RAISE(ABORT, 'a case keeps its case_ref'); END;
CREATE TRIGGER fed_case_refs_no_delete BEFORE DELETE ON fed_case_refs
  BEGIN SELECT RAISE(ABORT, 'a case keeps its case_ref'); END;
)SQL"},
    {20,
     "the witness: the latest checkpoint cosigned per peer log, fork evidence and peers' cosignatures (append-only)",
     R"SQL(
CREATE TABLE witness_state (
  origin     TEXT PRIMARY KEY,
  size       INTEGER NOT NULL CHECK (size >= 0),
  root       TEXT NOT NULL CHECK (length(root) = 64),
  note       TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE TABLE fed_fork_evidence (
  id          INTEGER PRIMARY KEY,
  origin      TEXT NOT NULL,
  note_a      TEXT NOT NULL,
  note_b      TEXT NOT NULL,
  notes_sha256 TEXT NOT NULL CHECK (length(notes_sha256) = 64),
  detected_by TEXT NOT NULL CHECK (detected_by IN ('same_size_different_root', 'consistency_proof_failed')),
  proof       TEXT NOT NULL,
  detected_at INTEGER NOT NULL,
  UNIQUE (origin, notes_sha256, detected_by)
) STRICT;
CREATE TRIGGER fed_fork_evidence_no_update BEFORE UPDATE ON fed_fork_evidence
  BEGIN SELECT RAISE(ABORT, 'fork evidence is kept as found'); END;
CREATE TRIGGER fed_fork_evidence_no_delete BEFORE DELETE ON fed_fork_evidence
  BEGIN SELECT RAISE(ABORT, 'fork evidence is kept as found'); END;
CREATE TABLE fed_cosignatures (
  size      INTEGER NOT NULL CHECK (size >= 0),
  root      TEXT NOT NULL CHECK (length(root) = 64),
  witness   TEXT NOT NULL,
  origin    TEXT NOT NULL,
  line      TEXT NOT NULL,
  stored_at INTEGER NOT NULL,
  PRIMARY KEY (size, root, witness)
) STRICT;
CREATE INDEX fed_cosignatures_by_witness ON fed_cosignatures(witness, size);
CREATE TRIGGER fed_cosignatures_no_update BEFORE UPDATE ON fed_cosignatures
  BEGIN SELECT RAISE(ABORT, 'a cosignature is kept as given'); END;
CREATE TRIGGER fed_cosignatures_no_delete BEFORE DELETE ON fed_cosignatures
  BEGIN SELECT RAISE(ABORT, 'a cosignature is kept as given'); END;
)SQL"},
    {21, "the federation: held inbox messages found by their stream without reading the stream's delivered ones",
     R"SQL(
CREATE INDEX fed_inbox_held ON fed_inbox(peer, case_ref, seq) WHERE state = 'held';
)SQL"},
};

}  // namespace

int schema_version(Db& db) {
  auto exists = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
  exists.step();
  if (exists.integer(0) == 0) return 0;
  auto v = db.prepare("SELECT coalesce(max(version), 0) FROM schema_migrations");
  v.step();
  return static_cast<int>(v.integer(0));
}

void require_current_schema(int version, const std::string& where) {
  if (version != kSchemaVersion)
    throw StoreError(StoreError::Code::Other, where + ": database schema version " + std::to_string(version) +
                                                  ", expected " + std::to_string(kSchemaVersion) +
                                                  ": run comity db migrate");
}

int migrate(Db& db) {
  db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
      "applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))) STRICT");
  int current = schema_version(db);
  if (current > kSchemaVersion)
    throw StoreError(StoreError::Code::Other, "database schema version " + std::to_string(current) +
                                                  " is newer than this program's (" + std::to_string(kSchemaVersion) +
                                                  ")");
  for (const auto& m : kMigrations) {
    if (m.version <= current) continue;
    db.transaction([&] {
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migrations(version, name) VALUES (?, ?)")
          .bind(1, int64_t{m.version})
          .bind(2, m.name)
          .run();
    });
    current = m.version;
  }
  return current;
}

}  // namespace comity
