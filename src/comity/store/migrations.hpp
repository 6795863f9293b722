// Versioned schema migrations (docs/store.md). Each migration runs once, in
// order, inside a transaction together with its row in schema_migrations.
// SQLite's are in migrations.cpp, PostgreSQL's in pg_migrations.cpp; both
// reach the same version with the same tables, columns and constraints.
#pragma once

#include "comity/store/sqlite.hpp"

namespace comity {

class PgDb;

inline constexpr int kSchemaVersion = 21;

// Applies every migration newer than the database's version. Returns the
// resulting version. Throws StoreError (the failed migration is rolled back)
// or if the database is newer than this program.
int migrate(Db& db);

// The database's schema version (0 for an empty database).
int schema_version(Db& db);

// The same for PostgreSQL. migrate holds the writer lock for the whole run,
// so processes starting together migrate once.
int migrate(PgDb& db);
int schema_version(PgDb& db);

// Throws StoreError{Other} naming `where` unless `version` is this
// program's (a read-only open never migrates: "run comity db migrate").
void require_current_schema(int version, const std::string& where);

}  // namespace comity
