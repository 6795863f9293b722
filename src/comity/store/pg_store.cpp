// The PostgreSQL backend of the Store (docs/store.md, docs/scale-out.md):
// the SQL is sql_store.cpp's, over a libpq connection (pg.hpp).
#include "comity/store/migrations.hpp"
#include "comity/store/open_store.hpp"
#include "comity/store/pg.hpp"
#include "comity/store/sql_store.hpp"

namespace comity {

std::unique_ptr<Store> open_pg_store(const std::string& uri, StoreAccess access) {
  auto db = std::make_unique<PgDb>(uri, access == StoreAccess::ReadOnly ? PgDb::Mode::ReadOnly : PgDb::Mode::ReadWrite);
  if (access == StoreAccess::ReadWrite) {
    migrate(*db);
  } else {
    require_current_schema(schema_version(*db), db->where());
  }
  return make_sql_store(std::move(db));
}

}  // namespace comity
