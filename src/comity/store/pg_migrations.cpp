// PostgreSQL's schema migrations (docs/store.md). The first PostgreSQL
// migration creates at once what SQLite reached in versions 1 to 15: the
// same tables, columns, keys, checks and append-only rules, in PostgreSQL's
// types (BIGINT for integers and instants, BYTEA for blobs, identity columns
// where SQLite numbers rows itself). From version 16 on, each migration is
// written for both backends under the same version number.
//
// Append-only tables are enforced by the database itself: triggers refuse
// UPDATE, DELETE and TRUNCATE with SQLSTATE 23001 (restrict_violation), so a
// refusal is a StoreError Constraint, as SQLite's RAISE(ABORT) is.
#include "comity/store/migrations.hpp"
#include "comity/store/pg.hpp"

namespace comity {
namespace {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Never edit a migration that has shipped: add a new one.
constexpr Migration kMigrations[] = {
    {15,
     "the schema of SQLite versions 1 to 15: cases, identity, the transparency log, trust, evidence, drafts, "
     "rule packs, provider statements",
     R"SQL(
CREATE FUNCTION comity_refuse() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation';
END
$fn$;

CREATE TABLE parties (
  id    TEXT PRIMARY KEY,
  kind  TEXT NOT NULL CHECK (kind IN ('issuing_authority', 'validating_authority', 'central_authority',
                                      'provider', 'oversight', 'admin')),
  state TEXT NOT NULL CHECK (length(state) = 2),
  name  TEXT NOT NULL
);
CREATE UNIQUE INDEX one_central_authority_per_state ON parties(state) WHERE kind = 'central_authority';

CREATE TABLE users (
  id       TEXT PRIMARY KEY,
  party_id TEXT NOT NULL REFERENCES parties(id) ON DELETE RESTRICT,
  role     TEXT NOT NULL CHECK (role IN ('officer', 'validator', 'central_authority', 'provider',
                                         'enforcing_authority', 'oversight', 'admin')),
  name     TEXT NOT NULL
);

CREATE TABLE api_tokens (
  id           TEXT PRIMARY KEY,
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
  token_sha256 TEXT NOT NULL UNIQUE CHECK (length(token_sha256) = 64),
  created_at   BIGINT NOT NULL,
  revoked_at   BIGINT
);

CREATE TABLE cases (
  id                  TEXT PRIMARY KEY,
  request_id          TEXT NOT NULL,
  requesting_state    TEXT NOT NULL CHECK (length(requesting_state) = 2),
  pathway             TEXT NOT NULL,
  workflow            TEXT NOT NULL,
  state               TEXT NOT NULL,
  pack_hash           TEXT NOT NULL,
  request_json        TEXT NOT NULL,
  decision_json       TEXT NOT NULL,
  deadlines_json      TEXT NOT NULL,
  data_marked_for_deletion BIGINT NOT NULL DEFAULT 0 CHECK (data_marked_for_deletion IN (0, 1)),
  version             BIGINT NOT NULL CHECK (version >= 1),
  created_at          BIGINT NOT NULL,
  updated_at          BIGINT NOT NULL,
  requesting_party_id TEXT REFERENCES parties(id),
  provider_party_id   TEXT REFERENCES parties(id),
  counterpart_state   TEXT,
  notified            BIGINT NOT NULL DEFAULT 0 CHECK (notified IN (0, 1)),
  transmitted         BIGINT NOT NULL DEFAULT 0 CHECK (transmitted IN (0, 1)),
  via_authorities     BIGINT NOT NULL DEFAULT 0 CHECK (via_authorities IN (0, 1)),
  order_json          TEXT NOT NULL DEFAULT '{}',
  notice_mode         TEXT NOT NULL DEFAULT '' CHECK (notice_mode IN ('', 'NOTIFY_NOW', 'DELAY', 'RESTRICT', 'OMIT')),
  notice_status       TEXT NOT NULL DEFAULT '' CHECK (notice_status IN ('', 'pending', 'delayed', 'notified')),
  notice_review_date  TEXT NOT NULL DEFAULT '',
  entry_json          TEXT NOT NULL DEFAULT '',
  evaluated_on        TEXT NOT NULL DEFAULT '',
  public_json         TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX cases_by_state ON cases(state);
CREATE INDEX notice_reviews_by_date ON cases(notice_review_date) WHERE notice_status = 'delayed';

CREATE TABLE case_events (
  case_id         TEXT NOT NULL REFERENCES cases(id) ON DELETE RESTRICT,
  seq             BIGINT NOT NULL CHECK (seq >= 0),
  event           TEXT NOT NULL,
  actor_role      TEXT NOT NULL,
  at              BIGINT NOT NULL,
  from_state      TEXT NOT NULL,
  to_state        TEXT NOT NULL,
  reason          TEXT NOT NULL DEFAULT '',
  idempotency_key TEXT,
  ground          TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (case_id, seq)
);
CREATE UNIQUE INDEX case_events_idempotency ON case_events(case_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;

CREATE TABLE case_clocks (
  case_id        TEXT NOT NULL REFERENCES cases(id) ON DELETE RESTRICT,
  seq            BIGINT NOT NULL,
  deadline_id    TEXT NOT NULL,
  label          TEXT NOT NULL,
  started        BIGINT NOT NULL,
  due            BIGINT NOT NULL,
  stopped        BIGINT,
  expiry_handled BIGINT NOT NULL DEFAULT 0 CHECK (expiry_handled IN (0, 1)),
  PRIMARY KEY (case_id, seq)
);
CREATE INDEX running_clocks_by_due ON case_clocks(due) WHERE stopped IS NULL;

CREATE TABLE audit (
  id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at             BIGINT NOT NULL,
  actor          TEXT NOT NULL,
  action         TEXT NOT NULL,
  object         TEXT NOT NULL,
  payload_sha256 TEXT NOT NULL CHECK (length(payload_sha256) = 64)
);
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
  FOR EACH ROW EXECUTE FUNCTION comity_refuse('audit is append-only');
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
  FOR EACH STATEMENT EXECUTE FUNCTION comity_refuse('audit is append-only');

CREATE TABLE case_reviews (
  case_id       TEXT NOT NULL REFERENCES cases(id) ON DELETE RESTRICT,
  side          TEXT NOT NULL CHECK (side IN ('requesting', 'requested')),
  reviewer      TEXT NOT NULL,
  at            BIGINT NOT NULL,
  verdicts_json TEXT NOT NULL,
  PRIMARY KEY (case_id, side)
);
CREATE TRIGGER case_reviews_no_update BEFORE UPDATE ON case_reviews
  FOR EACH ROW EXECUTE FUNCTION comity_refuse('a review is final');

CREATE TABLE log_leaves (
  idx        BIGINT PRIMARY KEY CHECK (idx >= 0),
  leaf       BYTEA NOT NULL,
  leaf_hash  BYTEA NOT NULL CHECK (octet_length(leaf_hash) = 32),
  case_id    TEXT REFERENCES cases(id) ON DELETE RESTRICT,
  event_seq  BIGINT NOT NULL,
  salt       BYTEA NOT NULL,
  event_json TEXT NOT NULL
);
CREATE INDEX log_leaves_by_case ON log_leaves(case_id);
CREATE TRIGGER log_leaves_append_only BEFORE UPDATE OR DELETE ON log_leaves
  FOR EACH ROW EXECUTE FUNCTION comity_refuse('the log is append-only');
CREATE TRIGGER log_leaves_no_truncate BEFORE TRUNCATE ON log_leaves
  FOR EACH STATEMENT EXECUTE FUNCTION comity_refuse('the log is append-only');

CREATE TABLE log_checkpoints (
  tree_size    BIGINT PRIMARY KEY CHECK (tree_size >= 0),
  root         BYTEA NOT NULL CHECK (octet_length(root) = 32),
  note         TEXT NOT NULL,
  published_at BIGINT NOT NULL
);
CREATE TRIGGER log_checkpoints_no_update BEFORE UPDATE ON log_checkpoints
  FOR EACH ROW EXECUTE FUNCTION comity_refuse('a published checkpoint is final');

CREATE TABLE trust_imports (
  seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  bundle        TEXT NOT NULL,
  anchor_change TEXT NOT NULL CHECK (anchor_change IN ('cross_signed', 'operator_override')),
  imported_at   BIGINT NOT NULL
);
CREATE TRIGGER trust_imports_history BEFORE UPDATE OR DELETE ON trust_imports
  FOR EACH ROW EXECUTE FUNCTION comity_refuse('trust imports are a history');
CREATE TRIGGER trust_imports_no_truncate BEFORE TRUNCATE ON trust_imports
  FOR EACH STATEMENT EXECUTE FUNCTION comity_refuse('trust imports are a history');

CREATE TABLE signed_orders (
  case_id      TEXT PRIMARY KEY REFERENCES cases(id) ON DELETE RESTRICT,
  order_id     TEXT NOT NULL UNIQUE,
  nonce        TEXT NOT NULL UNIQUE,
  envelope     TEXT NOT NULL,
  verification TEXT NOT NULL
);

CREATE TABLE productions (
  id              TEXT PRIMARY KEY,
  case_id         TEXT NOT NULL REFERENCES cases(id) ON DELETE RESTRICT,
  manifest_id     TEXT NOT NULL,
  manifest        TEXT NOT NULL,
  verification    TEXT NOT NULL,
  created_at      BIGINT NOT NULL,
  expires_at      BIGINT NOT NULL,
  deleted_at      BIGINT,
  deletion_reason TEXT NOT NULL DEFAULT '',
  UNIQUE (case_id, manifest_id)
);
CREATE INDEX productions_live ON productions(expires_at) WHERE deleted_at IS NULL;
CREATE TABLE production_files (
  production_id     TEXT NOT NULL REFERENCES productions(id) ON DELETE RESTRICT,
  idx               BIGINT NOT NULL CHECK (idx >= 0),
  name              TEXT NOT NULL,
  ciphertext_bytes  BIGINT NOT NULL CHECK (ciphertext_bytes >= 0),
  ciphertext_sha256 TEXT NOT NULL,
  complete          BIGINT NOT NULL DEFAULT 0 CHECK (complete IN (0, 1)),
  PRIMARY KEY (production_id, idx)
);

CREATE TABLE user_passwords (
  user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE RESTRICT,
  phc     TEXT NOT NULL CHECK (phc LIKE '$argon2id$%'),
  set_at  BIGINT NOT NULL
);
CREATE TABLE sessions (
  id           TEXT PRIMARY KEY,
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
  token_sha256 TEXT NOT NULL UNIQUE,
  created_at   BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL,
  ended_at     BIGINT
);
CREATE TABLE login_failures (
  user_id      TEXT PRIMARY KEY REFERENCES users(id) ON DELETE RESTRICT,
  failures     BIGINT NOT NULL CHECK (failures >= 0),
  locked_until BIGINT NOT NULL
);

CREATE TABLE drafts (
  id         TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  version    BIGINT NOT NULL CHECK (version >= 1),
  body       TEXT NOT NULL
);
CREATE INDEX drafts_by_user ON drafts(user_id, updated_at);

CREATE TABLE rule_packs (
  content_hash TEXT PRIMARY KEY CHECK (content_hash LIKE 'sha256:%'),
  name         TEXT NOT NULL,
  version      TEXT NOT NULL,
  sources      TEXT NOT NULL,
  stored_at    BIGINT NOT NULL,
  seq          BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE TRIGGER rule_packs_never_changed BEFORE UPDATE OR DELETE ON rule_packs
  FOR EACH ROW EXECUTE FUNCTION comity_refuse('a stored rule pack is never changed or removed');
CREATE TRIGGER rule_packs_no_truncate BEFORE TRUNCATE ON rule_packs
  FOR EACH STATEMENT EXECUTE FUNCTION comity_refuse('a stored rule pack is never removed');

CREATE TABLE case_redecisions (
  case_id    TEXT NOT NULL REFERENCES cases(id) ON DELETE RESTRICT,
  seq        BIGINT NOT NULL CHECK (seq >= 1),
  from_pack  TEXT NOT NULL,
  from_date  TEXT NOT NULL,
  from_entry TEXT NOT NULL,
  to_pack    TEXT NOT NULL,
  to_date    TEXT NOT NULL,
  actor      TEXT NOT NULL,
  reason     TEXT NOT NULL,
  at         BIGINT NOT NULL,
  PRIMARY KEY (case_id, seq)
);
CREATE TRIGGER case_redecisions_history BEFORE UPDATE OR DELETE ON case_redecisions
  FOR EACH ROW EXECUTE FUNCTION comity_refuse('a re-decision is history');

CREATE TABLE provider_statements (
  provider_id TEXT NOT NULL,
  version     BIGINT NOT NULL CHECK (version >= 1),
  sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
  signed_json TEXT NOT NULL,
  signer      TEXT NOT NULL,
  imported_at BIGINT NOT NULL,
  log_index   BIGINT NOT NULL UNIQUE REFERENCES log_leaves(idx),
  PRIMARY KEY (provider_id, version)
);
CREATE TRIGGER provider_statements_published BEFORE UPDATE OR DELETE ON provider_statements
  FOR EACH ROW EXECUTE FUNCTION comity_refuse('a published statement is never changed or removed');
)SQL"},
    {16, "leases: one holder at a time of a node role (the log's checkpoint signer), with an epoch", R"SQL(
CREATE TABLE leases (
  name       TEXT PRIMARY KEY,
  holder     TEXT NOT NULL,
  epoch      BIGINT NOT NULL CHECK (epoch >= 1),
  expires_ms BIGINT NOT NULL
);
)SQL"},
    {17, "rate_hits: requests counted per client and minute, shared by every process of the node", R"SQL(
CREATE TABLE rate_hits (
  bucket       TEXT NOT NULL,
  window_start BIGINT NOT NULL,
  hits         BIGINT NOT NULL CHECK (hits >= 1),
  PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_hits_window ON rate_hits(window_start);
)SQL"},
    {18, "the federation: signed peer lists (append-only), outbox, inbox, the nonces of signed requests", R"SQL(
CREATE TABLE fed_peer_lists (
  version   BIGINT PRIMARY KEY CHECK (version >= 1),
  doc       TEXT NOT NULL,
  stored_at BIGINT NOT NULL
);
CREATE TRIGGER fed_peer_lists_history BEFORE UPDATE OR DELETE ON fed_peer_lists
  FOR EACH ROW EXECUTE FUNCTION comity_refuse('a peer list version is history: sign a new version');
CREATE TRIGGER fed_peer_lists_no_truncate BEFORE TRUNCATE ON fed_peer_lists
  FOR EACH STATEMENT EXECUTE FUNCTION comity_refuse('a peer list version is history: sign a new version');
CREATE TABLE fed_outbox (
  id              TEXT PRIMARY KEY,
  peer            TEXT NOT NULL,
  case_ref        TEXT NOT NULL,
  seq             BIGINT NOT NULL CHECK (seq >= 1),
  kind            TEXT NOT NULL,
  envelope        TEXT NOT NULL,
  state           TEXT NOT NULL
                  CHECK (state IN ('pending', 'sending', 'accepted', 'delivered', 'refused', 'dead')),
  attempts        BIGINT NOT NULL CHECK (attempts >= 0),
  created_at      BIGINT NOT NULL,
  expires_at      BIGINT NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  lease_holder    TEXT NOT NULL,
  lease_until_ms  BIGINT NOT NULL,
  last_error      TEXT NOT NULL,
  receipt         TEXT NOT NULL,
  UNIQUE (peer, case_ref, seq)
);
CREATE INDEX fed_outbox_due ON fed_outbox(state, next_attempt_at);
CREATE INDEX fed_outbox_open ON fed_outbox(peer, case_ref, seq) WHERE state IN ('pending', 'sending');
CREATE TABLE fed_inbox (
  id          TEXT PRIMARY KEY,
  peer        TEXT NOT NULL,
  case_ref    TEXT NOT NULL,
  to_party    TEXT NOT NULL,
  seq         BIGINT NOT NULL CHECK (seq >= 1),
  kind        TEXT NOT NULL,
  digest      TEXT NOT NULL CHECK (length(digest) = 64),
  envelope    TEXT NOT NULL,
  state       TEXT NOT NULL CHECK (state IN ('held', 'applied', 'refused')),
  receipt     TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL
);
CREATE INDEX fed_inbox_by_case ON fed_inbox(peer, case_ref, seq);
CREATE INDEX fed_inbox_by_party ON fed_inbox(to_party, received_at);
CREATE TABLE fed_request_nonces (
  keyid      TEXT NOT NULL,
  nonce      TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (keyid, nonce)
);
CREATE INDEX fed_request_nonces_expiry ON fed_request_nonces(expires_at);
)SQL"},
    {19, "the federation: the case each case_ref this node sent names, so a peer's answer finds its case", R"SQL(
CREATE TABLE fed_case_refs (
  case_ref   TEXT PRIMARY KEY,
  case_id    TEXT NOT NULL UNIQUE REFERENCES cases(id) ON DELETE RESTRICT,
  created_at BIGINT NOT NULL
);
CREATE TRIGGER fed_case_refs_append_only BEFORE UPDATE OR DELETE ON fed_case_refs
  FOR EACH ROW EXECUTE FUNCTION comity_refuse('a case keeps its case_ref');
)SQL"},
    {20,
     "the witness: the latest checkpoint cosigned per peer log, fork evidence and peers' cosignatures (append-only)",
     R"SQL(
CREATE TABLE witness_state (
  origin     TEXT PRIMARY KEY,
  size       BIGINT NOT NULL CHECK (size >= 0),
  root       TEXT NOT NULL CHECK (length(root) = 64),
  note       TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE fed_fork_evidence (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  origin      TEXT NOT NULL,
  note_a      TEXT NOT NULL,
  note_b      TEXT NOT NULL,
  notes_sha256 TEXT NOT NULL CHECK (length(notes_sha256) = 64),
  detected_by TEXT NOT NULL CHECK (detected_by IN ('same_size_different_root', 'consistency_proof_failed')),
  proof       TEXT NOT NULL,
  detected_at BIGINT NOT NULL,
  UNIQUE (origin, notes_sha256, detected_by)
);
CREATE TRIGGER fed_fork_evidence_kept BEFORE UPDATE OR DELETE ON fed_fork_evidence
  FOR EACH ROW EXECUTE FUNCTION comity_refuse('fork evidence is kept as found');
CREATE TRIGGER fed_fork_evidence_no_truncate BEFORE TRUNCATE ON fed_fork_evidence
  FOR EACH STATEMENT EXECUTE FUNCTION comity_refuse('fork evidence is kept as found');
CREATE TABLE fed_cosignatures (
  size      BIGINT NOT NULL CHECK (size >= 0),
  root      TEXT NOT NULL CHECK (length(root) = 64),
  witness   TEXT NOT NULL,
  origin    TEXT NOT NULL,
  line      TEXT NOT NULL,
  stored_at BIGINT NOT NULL,
  PRIMARY KEY (size, root, witness)
);
CREATE INDEX fed_cosignatures_by_witness ON fed_cosignatures(witness, size);
CREATE TRIGGER fed_cosignatures_kept BEFORE UPDATE OR DELETE ON fed_cosignatures
  FOR EACH ROW EXECUTE FUNCTION comity_refuse('a cosignature is kept as given');
CREATE TRIGGER fed_cosignatures_no_truncate BEFORE TRUNCATE ON fed_cosignatures
  FOR EACH STATEMENT EXECUTE FUNCTION comity_refuse('a cosignature is kept as given');
)SQL"},
    {21, "the federation: held inbox messages found by their stream without reading the stream's delivered ones",
     R"SQL(
CREATE INDEX fed_inbox_held ON fed_inbox(peer, case_ref, seq) WHERE state = 'held';
)SQL"},
};

}  // namespace

int schema_version(PgDb& db) {
  auto exists = db.prepare("SELECT to_regclass('schema_migrations') IS NOT NULL");
  exists.step();
  if (exists.text(0) != "t") return 0;
  auto v = db.prepare("SELECT coalesce(max(version), 0) FROM schema_migrations");
  v.step();
  return static_cast<int>(v.integer(0));
}

int migrate(PgDb& db) {
  int current = 0;
  db.transaction([&] {  // under the writer lock: one process migrates, the others then find it done
    db.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at TEXT NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))");
    current = schema_version(db);
    if (current > kSchemaVersion)
      throw StoreError(StoreError::Code::Other, "database schema version " + std::to_string(current) +
                                                    " is newer than this program's (" + std::to_string(kSchemaVersion) +
                                                    ")");
    for (const auto& m : kMigrations) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migrations(version, name) VALUES (?, ?)")
          .bind(1, int64_t{m.version})
          .bind(2, m.name)
          .run();
      current = m.version;
    }
  });
  return current;
}

}  // namespace comity
