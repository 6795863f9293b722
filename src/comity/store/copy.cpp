#include "comity/store/copy.hpp"

#include <set>

#include "comity/store/migrations.hpp"
#include "comity/store/pg.hpp"
#include "comity/store/sqlite.hpp"
#include "comity/util/error.hpp"

namespace comity {
namespace {

struct Column {
  std::string name, type;
  bool identity = false;
};

std::vector<std::string> tables_in_creation_order(PgDb& pg) {
  auto s = pg.prepare(
      "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname <> 'schema_migrations' ORDER BY c.oid");
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

std::vector<Column> columns_of(PgDb& pg, const std::string& table) {
  auto s = pg.prepare(
      "SELECT column_name, data_type, is_identity FROM information_schema.columns "
      "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position");
  s.bind(1, table);
  std::vector<Column> out;
  while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2) == "YES"});
  return out;
}

int64_t count_rows(PgDb& pg, const std::string& table) {
  auto s = pg.prepare("SELECT count(*) FROM " + table);
  s.step();
  return s.integer(0);
}

}  // namespace

CopyReport copy_sqlite_to_pg(const std::string& sqlite_path, const std::string& pg_uri) {
  Db src(sqlite_path, Db::Mode::ReadOnly);
  require_current_schema(schema_version(src), sqlite_path);
  PgDb pg(pg_uri);
  migrate(pg);
  CopyReport report;
  // Table names come from PostgreSQL's own catalogue, never from input. So
  // every table is copied, the federation's too (schemas 18-20): the
  // witness's state, its fork evidence and peers' cosignatures (the last
  // two append-only: only inserted here), the peer lists and the case refs
  // sent (append-only too), the outbox with its states, leases
  // and seqs (a sending message's lease expires and another sender takes it
  // over, as after a restart), and the inbox with the receipts given. The
  // request nonces need not be copied — each expires within its signature's
  // window (300 s) — but they are, like everything else: a request seen just
  // before the move is then still refused just after it.
  const auto tables = tables_in_creation_order(pg);
  for (const auto& t : tables)
    if (count_rows(pg, t) != 0)
      throw Error(ErrorKind::Conflict,
                  pg.where() + ": table " + t + " holds rows already; a node is copied into an empty database only");
  src.snapshot([&] {
    pg.transaction([&] {
      for (const auto& t : tables) {
        const auto cols = columns_of(pg, t);
        std::set<std::string> in_sqlite;
        {
          auto info = src.prepare("SELECT name FROM pragma_table_info(?)");
          info.bind(1, t);
          while (info.step()) in_sqlite.insert(info.text(0));
        }
        std::string names, selected, marks;
        bool identity = false;
        for (const auto& c : cols) {
          names += (names.empty() ? "" : ", ") + c.name;
          marks += marks.empty() ? "?" : ", ?";
          identity = identity || c.identity;
          // An identity column SQLite numbers as its rowid.
          std::string from = in_sqlite.count(c.name) ? c.name : c.identity ? "rowid" : "";
          if (from.empty())
            throw StoreError(StoreError::Code::Other, "copy: table " + t + ": column " + c.name + " is not in SQLite");
          selected += (selected.empty() ? "" : ", ") + from;
        }
        auto read = src.prepare("SELECT " + selected + " FROM " + t + " ORDER BY rowid");
        auto write = pg.prepare("INSERT INTO " + t + " (" + names + ") " +
                                (identity ? "OVERRIDING SYSTEM VALUE " : "") + "VALUES (" + marks + ")");
        int64_t n = 0;
        while (read.step()) {
          for (size_t i = 0; i < cols.size(); ++i) {
            const int col = static_cast<int>(i), param = col + 1;
            if (read.is_null(col))
              write.bind_null(param);
            else if (cols[i].type == "bytea")
              write.bind_blob(param, read.text(col));
            else if (cols[i].type == "bigint" || cols[i].type == "integer" || cols[i].type == "smallint")
              write.bind(param, read.integer(col));
            else
              write.bind(param, read.text(col));
          }
          write.run();
          write.reset();
          ++n;
        }
        for (const auto& c : cols)
          if (c.identity) {
            auto s = pg.prepare("SELECT setval(pg_get_serial_sequence(?, ?), coalesce((SELECT max(" + c.name +
                                ") FROM " + t + "), 0) + 1, false)");
            s.bind(1, t).bind(2, c.name);
            s.step();
          }
        auto count = src.prepare("SELECT count(*) FROM " + t);
        count.step();
        const int64_t source_rows = count.integer(0), copied_rows = count_rows(pg, t);
        if (copied_rows != n || source_rows != n)
          throw StoreError(StoreError::Code::Other, "copy: table " + t + ": " + std::to_string(source_rows) +
                                                        " rows in SQLite, " + std::to_string(copied_rows) +
                                                        " in PostgreSQL");
        report.rows.emplace_back(t, n);
      }
    });
  });
  return report;
}

}  // namespace comity
