// Opening a store by where it is: a SQLite file path (or `sqlite:PATH`), or a
// PostgreSQL libpq connection URI (`postgresql://…`, `postgres://…`, e.g.
// `postgresql:///comity?host=/run/postgresql`). Every command that takes
// --db goes through here (docs/store.md, docs/scale-out.md).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "comity/store/store.hpp"

namespace comity {

enum class StoreBackend : uint8_t { Sqlite, Postgres };

// Which backend `where` names: Postgres for a libpq URI, Sqlite otherwise.
StoreBackend backend_of(std::string_view where);

// `where` without a `sqlite:` prefix (a SQLite file's path), or as given.
std::string sqlite_path_of(std::string_view where);

// The prefix of the files a node keeps beside its database (the log key
// `PREFIX.log-key.pem`, the evidence vault `PREFIX.evidence`, the demo keys
// `PREFIX.keys`): a SQLite file's path, or a PostgreSQL database's name in
// the working directory (every process of a node started there shares them).
std::string files_beside(std::string_view where);

// Opens the store at `where`: read-write creates (SQLite) and migrates it;
// read-only requires the current schema and refuses every write. Throws
// StoreError (Io when the database cannot be reached).
std::unique_ptr<Store> open_store(const std::string& where, StoreAccess access = StoreAccess::ReadWrite);

// Opens the SQLite store at `path`: read-write creates and migrates it;
// read-only requires the current schema and refuses every write (StoreError
// Io). Each store is one connection, for one thread at a time.
std::unique_ptr<Store> open_sqlite_store(const std::string& path, StoreAccess access = StoreAccess::ReadWrite);

// Opens the PostgreSQL store at `uri` (a libpq URI): read-write migrates it
// (under the writer lock, so processes starting together migrate once);
// read-only requires the current schema and refuses every write.
std::unique_ptr<Store> open_pg_store(const std::string& uri, StoreAccess access = StoreAccess::ReadWrite);

}  // namespace comity
