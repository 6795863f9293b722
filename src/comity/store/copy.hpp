// Moving a node from SQLite to PostgreSQL (docs/scale-out.md): every row of
// every table, in the order it was written, into an empty PostgreSQL
// database migrated to the same schema version, in one transaction.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace comity {

struct CopyReport {
  std::vector<std::pair<std::string, int64_t>> rows;  // table → rows copied, in copy order
};

// Copies the SQLite database at `sqlite_path` (at this program's schema
// version; opened read-only) into the PostgreSQL database at `pg_uri`
// (migrated first). Tables go in the order PostgreSQL's schema created them,
// so every reference finds its row; rows in SQLite's insertion order;
// identity sequences move past the copied ids. Append-only rules stay in
// force (rows are only inserted). Throws StoreError (nothing is written) on
// a failure, and Error{Conflict} if the PostgreSQL database holds any row
// already. After the copy, every table's row count is compared.
CopyReport copy_sqlite_to_pg(const std::string& sqlite_path, const std::string& pg_uri);

}  // namespace comity
