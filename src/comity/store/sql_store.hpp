// The Store implemented once in SQL over a SqlDb connection (sql.hpp), for
// both backends: open_sqlite_store and open_pg_store migrate (or check) the
// schema and hand their connection to make_sql_store.
#pragma once

#include <memory>

#include "comity/store/sql.hpp"
#include "comity/store/store.hpp"

namespace comity {

// REQUIRES: `db` is at the current schema version (kSchemaVersion).
std::unique_ptr<Store> make_sql_store(std::unique_ptr<SqlDb> db);

}  // namespace comity
