#include "comity/store/open_store.hpp"

#include <cctype>

namespace comity {

StoreBackend backend_of(std::string_view where) {
  return where.starts_with("postgresql://") || where.starts_with("postgres://") ? StoreBackend::Postgres
                                                                                : StoreBackend::Sqlite;
}

std::string sqlite_path_of(std::string_view where) {
  return std::string(where.starts_with("sqlite:") ? where.substr(7) : where);
}

std::string files_beside(std::string_view where) {
  if (backend_of(where) == StoreBackend::Sqlite) return sqlite_path_of(where);
  std::string_view rest = where.substr(where.find("://") + 3);
  size_t slash = rest.find('/');
  std::string_view name = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  name = name.substr(0, name.find('?'));
  std::string out;
  for (char c : name)  // a file name, whatever the URI held
    out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
  return out.empty() ? "postgres" : out;
}

std::unique_ptr<Store> open_store(const std::string& where, StoreAccess access) {
  if (backend_of(where) == StoreBackend::Postgres) return open_pg_store(where, access);
  return open_sqlite_store(sqlite_path_of(where), access);
}

}  // namespace comity
