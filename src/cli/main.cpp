// comity — command-line entry point. Thin: parses arguments, reads input,
// calls the core library, prints, and maps errors to exit codes once, here.
//
// Exit codes (docs/cli.md):
//   0  decided / ok          2  invalid input or usage (errors on stderr)
//   1  a check found issues  3  the rule pack cannot be loaded   4  store error
#include <fcntl.h>
#include <httplib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

#include "cli/demo_cases.hpp"
#include "cli/evidence_commands.hpp"
#include "cli/node_commands.hpp"
#include "cli/rules_commands.hpp"
#include "cli/statement_commands.hpp"
#include "cli/trust_commands.hpp"
#include "comity/crypto/age.hpp"
#include "comity/ledger/checkpoint.hpp"
#include "comity/model/provider_statement.hpp"
#include "comity/model/request_json.hpp"
#include "comity/rules/decision_json.hpp"
#include "comity/rules/engine.hpp"
#include "comity/rules/kinds.hpp"
#include "comity/rules/pack.hpp"
#include "comity/rules/pack_registry.hpp"
#include "comity/rules/statement_notes.hpp"
#include "comity/server/api_server.hpp"
#include "comity/service/case_view.hpp"
#include "comity/service/demo.hpp"
#include "comity/service/federation.hpp"
#include "comity/service/log_monitor.hpp"
#include "comity/service/statements.hpp"
#include "comity/service/trusted.hpp"
#include "comity/store/copy.hpp"
#include "comity/store/evidence_vault.hpp"
#include "comity/store/migrations.hpp"
#include "comity/store/open_store.hpp"
#include "comity/store/pg.hpp"
#include "comity/store/sqlite.hpp"
#include "comity/store/store.hpp"
#include "comity/trust/credentials.hpp"
#include "comity/trust/statements.hpp"
#include "comity/util/error.hpp"
#include "comity/util/jcs.hpp"
#include "comity/util/sha256.hpp"

namespace {

constexpr int kOk = 0, kLintIssues = 1, kInvalid = 2, kPackError = 3, kStoreError = 4;

// ErrorKind::Invalid: input the command cannot read.
struct InputError : comity::Error {
  explicit InputError(const std::string& what) : Error(comity::ErrorKind::Invalid, what) {}
};

// What part of Comity an error comes from, for the message on stderr.
std::string topic_of(const comity::Error& e) {
  if (dynamic_cast<const comity::trust::TrustError*>(&e)) return "trust: ";
  if (dynamic_cast<const comity::PackError*>(&e)) return "rule pack: ";
  if (dynamic_cast<const comity::StoreError*>(&e) || dynamic_cast<const comity::VaultError*>(&e)) return "store: ";
  if (dynamic_cast<const comity::cli::EvidenceMismatch*>(&e) || dynamic_cast<const comity::crypto::AgeError*>(&e))
    return "evidence: ";
  if (dynamic_cast<const comity::ledger::LedgerError*>(&e)) return "log: ";
  if (dynamic_cast<const comity::crypto::CryptoError*>(&e)) return "key: ";
  return "";
}

std::string default_pack_dir() {
  if (const char* env = std::getenv("COMITY_PACK"); env && *env) return env;
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (auto dir = exe.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path())
      if (std::filesystem::exists(dir / "rules" / "pack.yaml")) return (dir / "rules").string();
  }
  return "rules";
}

// Reads at most `limit + 1` bytes, so oversized input is refused without
// reading all of it.
std::string read_input(const std::string& path, size_t limit) {
  std::string out;
  std::FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (!f) throw InputError(path + ": cannot be opened: " + std::strerror(errno));
  char buf[65536];
  while (out.size() <= limit) {
    size_t n = std::fread(buf, 1, sizeof buf, f);
    if (n == 0) break;
    out.append(buf, n);
  }
  bool err = std::ferror(f);
  if (f != stdin) std::fclose(f);
  if (err) throw InputError(path + ": read error");
  return out;
}

comity::Date today_utc() {
  auto now = std::chrono::system_clock::now();
  auto days = std::chrono::floor<std::chrono::days>(now);
  return comity::Date{static_cast<int32_t>(days.time_since_epoch().count())};
}

int cmd_evaluate(const std::string& file, const std::string& at_text, const std::string& format,
                 const std::string& pack_dir, const std::string& statement_file) {
  comity::Date at = today_utc();
  if (!at_text.empty()) {
    auto d = comity::parse_date(at_text);
    if (!d) throw InputError("--at: expected a date YYYY-MM-DD; got \"" + at_text + "\"");
    at = *d;
  }
  comity::JsonLimits limits;
  std::string text = read_input(file, limits.max_bytes);
  auto pack = comity::load_pack(pack_dir);
  auto parsed = comity::parse_request(text, limits);
  if (!parsed.request) {
    for (const auto& e : parsed.errors) std::cerr << "error: " << e.path << ": " << e.message << "\n";
    std::cerr << parsed.errors.size() << " error(s); the request was not evaluated\n";
    return kInvalid;
  }
  // The addressee's statement, when given: checked before anything is printed.
  std::optional<comity::ProviderStatement> statement;
  if (!statement_file.empty()) {
    auto sp = comity::parse_provider_statement(read_input(statement_file, limits.max_bytes), limits);
    comity::FieldErrors errs = sp.errors;
    if (sp.statement) {
      errs = comity::check_statement(*sp.statement, *pack);
      auto fit = comity::statement_fits_request(*sp.statement, *parsed.request);
      errs.insert(errs.end(), fit.begin(), fit.end());
    }
    if (!errs.empty()) {
      for (const auto& e : errs)
        std::cerr << "error: " << statement_file << ": " << e.path << ": " << e.message << "\n";
      std::cerr << errs.size() << " error(s); the request was not evaluated\n";
      return kInvalid;
    }
    statement = std::move(sp.statement);
  }
  comity::Decision d = comity::evaluate(*parsed.request, *pack, at);
  if (format == "json") {
    auto j = comity::decision_to_json(d, *parsed.request);
    if (statement) comity::attach_statement(j, d, *statement);
    std::cout << j.dump(2) << "\n";
  } else if (format == "summary") {
    std::cout << comity::decision_to_summary(d, *parsed.request);
  } else {
    std::cout << comity::decision_to_text(d, *parsed.request);
    if (statement) std::cout << comity::statement_text(d, *statement);
  }
  return kOk;
}

// A database as messages may name it: a PostgreSQL URI without its password.
std::string shown(const std::string& where) {
  return comity::backend_of(where) == comity::StoreBackend::Postgres ? comity::redact_uri(where) : where;
}

int cmd_validate(const std::string& file) {
  comity::JsonLimits limits;
  auto parsed = comity::parse_request(read_input(file, limits.max_bytes), limits);
  for (const auto& e : parsed.errors) std::cerr << "error: " << e.path << ": " << e.message << "\n";
  if (!parsed.request) return kInvalid;
  std::cout << "valid\n";
  return kOk;
}

int cmd_db_migrate(const std::string& where) {
  int before = 0, after = 0;
  if (comity::backend_of(where) == comity::StoreBackend::Postgres) {
    comity::PgDb db(where);
    before = comity::schema_version(db);
    after = comity::migrate(db);
  } else {
    comity::Db db(comity::sqlite_path_of(where));
    before = comity::schema_version(db);
    after = comity::migrate(db);
  }
  std::cout << shown(where) << ": schema version " << after << (after == before ? " (up to date)" : "") << "\n";
  return kOk;
}

// The transparency log's leaves are numbered 0 … n-1 with none missing (the
// primary key refuses an index twice); a gap is a lost leaf.
// Stmt: SQLite's or the seam's statement (the same step/integer calls).
template <class Stmt>
int log_gaps(Stmt s, const std::string& where) {
  s.step();
  if (s.integer(0) == s.integer(1)) return 0;
  std::cerr << where << ": transparency log: " << s.integer(0) << " leaves but indexes up to " << s.integer(1) - 1
            << "\n";
  return 1;
}
constexpr const char* kLogCount = "SELECT count(*), coalesce(max(idx) + 1, 0) FROM log_leaves";

int cmd_db_check(const std::string& where) {
  const std::string name = shown(where);
  int issues = 0, version = 0;
  if (comity::backend_of(where) == comity::StoreBackend::Postgres) {
    // PostgreSQL checks its own pages and keys; what is Comity's to check is
    // the schema, that the append-only rules are in force, and the log.
    comity::PgDb db(where, comity::PgDb::Mode::ReadOnly);
    version = comity::schema_version(db);
    if (version > 0) {
      auto t = db.prepare(
          "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D' AND "
          "tgfoid = 'comity_refuse'::regproc");
      t.step();
      if (t.integer(0) < 19) {
        std::cerr << name << ": append-only triggers: " << t.integer(0) << " of 19 in force\n";
        ++issues;
      }
      issues += log_gaps(db.prepare(kLogCount), name);
    }
  } else {
    const std::string path = comity::sqlite_path_of(where);
    if (!std::filesystem::exists(path)) throw InputError(path + ": no such database");
    comity::Db db(path, comity::Db::Mode::ReadOnly);
    auto integrity = db.prepare("PRAGMA integrity_check");
    while (integrity.step())
      if (integrity.text(0) != "ok") {
        std::cerr << path << ": integrity: " << integrity.text(0) << "\n";
        ++issues;
      }
    auto fk = db.prepare("PRAGMA foreign_key_check");
    while (fk.step()) {
      std::cerr << path << ": foreign key: table " << fk.text(0) << " row " << fk.integer(1) << "\n";
      ++issues;
    }
    version = comity::schema_version(db);
    if (version >= 8) issues += log_gaps(db.prepare(kLogCount), path);
  }
  if (version != comity::kSchemaVersion) {
    std::cerr << name << ": schema version " << version << ", this program expects " << comity::kSchemaVersion
              << " (run comity db migrate)\n";
    ++issues;
  }
  if (issues) return kLintIssues;
  std::cout << name << ": ok (schema version " << version << ")\n";
  return kOk;
}

// What a database trusts, as a bundle (docs/trust.md).
int cmd_trust_export(const std::string& db_path, const std::string& out) {
  auto store = comity::open_store(db_path, comity::StoreAccess::ReadOnly);
  comity::cli::write_file_atomically(out, comity::trusted_by(*store).bundle().dump(2) + "\n",
                                     comity::cli::Existing::ReplaceAtomically);
  std::cout << out << "\n";
  return kOk;
}

// Checks the bundle against what the database trusts already and stores it
// with an audit entry; all or nothing.
int cmd_trust_import(const std::string& db_path, const std::string& file, comity::trust::AnchorChange change) {
  std::string text = read_input(file, 16 << 20);
  auto bundle = nlohmann::json::parse(text, nullptr, false);
  if (bundle.is_discarded()) throw InputError(file + ": not JSON");
  // One document alone is imported as a bundle of one.
  std::string type = bundle.is_object() ? bundle.value("type", "") : "";
  if (type == "comity.anchor/v1" || type == "comity.credential/v1" || type == "comity.revocations/v1") {
    const char* member = type == "comity.anchor/v1"       ? "anchors"
                         : type == "comity.credential/v1" ? "credentials"
                                                          : "revocations";
    bundle = {{"type", "comity.trust-bundle/v1"}, {member, nlohmann::json::array({bundle})}};
  }
  auto store = comity::open_store(db_path, comity::StoreAccess::ReadWrite);
  // Checked and stored in one write transaction, under the writer's lock: a
  // server importing at the same time cannot slip an import in between.
  comity::Transaction tx(*store);
  auto trust = comity::trusted_by(*store);
  trust.add_bundle(bundle, change);
  const std::string how(comity::anchor_change_name(change));
  comity::Instant now = comity::SystemClock().now();
  store->add_trust_import({bundle.dump(), how, now},
                          {0, now, "admin:cli", "import_trust", how, comity::sha256_hex(bundle.dump())});
  tx.commit();
  auto b = trust.bundle();
  std::cout << db_path << ": now trusts " << b["anchors"].size() << " anchors, " << b["credentials"].size()
            << " credentials, " << b["revocations"].size() << " revocation lists\n";
  return kOk;
}

// The log monitor (docs/transparency-log.md): fetches over HTTP(S), checks
// everything it can, and remembers the checkpoint it verified in --state.
struct LogVerifyArgs {
  std::string url, vkey, state, case_log, policy, other, fork_evidence;
};

int cmd_log_verify(const LogVerifyArgs& a) {
  comity::MonitorOptions options;
  try {
    options.key = comity::ledger::parse_verifier_key(a.vkey);
  } catch (const comity::ledger::LedgerError& e) {
    throw InputError(std::string("--key: ") + e.what());
  }
  if (!a.state.empty() && std::filesystem::exists(a.state)) options.previous_checkpoint = read_input(a.state, 1 << 16);
  if (!a.case_log.empty()) options.case_log = read_input(a.case_log, 64 << 20);
  if (!a.policy.empty()) {
    try {
      options.policy = comity::ledger::parse_policy(read_input(a.policy, 1 << 20));
    } catch (const comity::ledger::LedgerError& e) {
      throw InputError("--policy: " + a.policy + ": " + e.what());
    }
  }
  if (!a.other.empty()) options.other_checkpoint = read_input(a.other, 1 << 16);
  options.now = static_cast<uint64_t>(std::max<comity::Instant>(0, comity::SystemClock().now()));
  httplib::Client client(a.url);
  if (!client.is_valid()) throw InputError("--url: expected http://HOST:PORT or https://HOST:PORT; got " + a.url);
  client.set_connection_timeout(10, 0);
  client.set_read_timeout(60, 0);
  auto fetch = [&](const std::string& path) -> std::optional<std::string> {
    auto r = client.Get(path);
    if (!r || r->status != 200) return std::nullopt;
    return r->body;
  };
  auto report = comity::monitor_log(fetch, options);
  if (report.contains("fork")) {  // two signed checkpoints that cannot both be true: kept, and exit 1
    if (!a.fork_evidence.empty())
      comity::cli::write_file_atomically(a.fork_evidence, report["fork"].dump(2) + "\n",
                                         comity::cli::Existing::ReplaceAtomically);
    report.erase("checkpoint");
    std::cout << report.dump(2) << "\n";
    std::cerr << "error: fork: the log's checkpoint and --other " << a.other << " cannot both be true"
              << (a.fork_evidence.empty() ? "" : "; both written to " + a.fork_evidence) << "\n";
    return kLintIssues;
  }
  if (!a.state.empty()) {  // replaced atomically: a crash leaves the old or the new checkpoint
    std::string tmp = a.state + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << report["checkpoint"].get<std::string>();
      if (!out.flush()) throw InputError("--state: cannot write " + tmp);
    }
    std::filesystem::rename(tmp, a.state);
  }
  report.erase("checkpoint");
  std::cout << report.dump(2) << "\n";
  return kOk;
}

// Moves a SQLite node to PostgreSQL (docs/scale-out.md): the rows, then the
// log key beside the new database's name (the node goes on signing the same
// log); the evidence vault is named for the operator to move.
int cmd_db_copy(const std::string& from, const std::string& to) {
  if (comity::backend_of(from) != comity::StoreBackend::Sqlite)
    throw InputError("--from: expected a SQLite database (sqlite:PATH or a file path); got " + shown(from));
  if (comity::backend_of(to) != comity::StoreBackend::Postgres)
    throw InputError("--to: expected a PostgreSQL URI (postgresql://…); got " + shown(to));
  const std::string path = comity::sqlite_path_of(from);
  if (!std::filesystem::exists(path)) throw InputError(path + ": no such database");
  auto report = comity::copy_sqlite_to_pg(path, to);
  int64_t total = 0;
  for (const auto& [table, n] : report.rows) {
    std::cout << "  " << table << ": " << n << "\n";
    total += n;
  }
  std::cout << shown(to) << ": copied " << total << " rows from " << path << "\n";
  const std::string key_from = comity::files_beside(from) + ".log-key.pem",
                    key_to = comity::files_beside(to) + ".log-key.pem";
  if (std::filesystem::exists(key_from) && !std::filesystem::exists(key_to)) {
    std::filesystem::copy_file(key_from, key_to);
    std::filesystem::permissions(key_to, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    std::cout << "log key: copied to " << key_to << " (serve with --log-key " << key_to << ")\n";
  }
  if (std::filesystem::exists(comity::files_beside(from) + ".evidence"))
    std::cout << "evidence: move " << comity::files_beside(from) << ".evidence to the shared vault and serve with "
              << "--evidence-dir\n";
  return kOk;
}

int cmd_db_backup(const std::string& where, const std::string& to) {
  if (std::filesystem::exists(to)) throw InputError(to + ": exists; choose a new file for the backup");
  if (comity::backend_of(where) == comity::StoreBackend::Postgres) {
    // pg_dump reads one snapshot while others write; its custom format is
    // what pg_restore takes (docs/scale-out.md has base backups and WAL).
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("backup: cannot start pg_dump");
    if (pid == 0) {
      std::string file = "--file=" + to, db = "--dbname=" + where;
      execlp("pg_dump", "pg_dump", "--format=custom", "--no-owner", file.c_str(), db.c_str(),
             static_cast<char*>(nullptr));
      _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::filesystem::remove(to);
      throw comity::StoreError(comity::StoreError::Code::Io,
                               "backup of " + shown(where) + " failed (pg_dump exit " +
                                   std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
    }
  } else {
    comity::Db db(comity::sqlite_path_of(where));
    // A consistent snapshot even while others write (VACUUM INTO reads one transaction).
    db.prepare("VACUUM INTO ?").bind(1, to).run();
  }
  std::cout << "backed up " << shown(where) << " to " << to << "\n";
  return kOk;
}

// The server's time read from a file holding an ISO 8601 instant
// ("2026-09-17T09:00:00Z"), re-read on every call: how black-box tests and
// demonstrations move time (a 48-hour clock running out) without waiting.
// A file that cannot be read or parsed later keeps the last good time.
class FileClock final : public comity::Clock {
 public:
  explicit FileClock(std::string path) : path_(std::move(path)) {
    auto t = read();
    if (!t) throw InputError("--clock-file " + path_ + ": expected an ISO 8601 instant, e.g. 2026-09-15T09:00:00Z");
    last_ = *t;
  }
  comity::Instant now() const override {
    auto t = read();
    std::lock_guard<std::mutex> lock(mu_);
    if (t) last_ = *t;
    return last_;
  }

 private:
  std::optional<comity::Instant> read() const {
    std::ifstream in(path_);
    std::string text;
    if (!in || !std::getline(in, text)) return std::nullopt;
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    return comity::parse_instant(text);
  }
  std::string path_;
  mutable std::mutex mu_;
  mutable comity::Instant last_ = 0;
};

// Serves the API until SIGINT or SIGTERM. The signals are blocked before any
// thread starts and collected with sigwait here, so no work runs in a
// signal handler.
struct ServeArgs {
  std::string db_path, listen, clock_file;
  // The rule packs: the first is the one new cases open under; the others
  // are kept for the cases opened under them (docs/rule-packs.md).
  std::vector<std::string> pack_dirs;
  int sweep_ms = 1000;
  std::string log_key, log_origin = "comity.localhost/log";
  int checkpoint_ms = 10000;
  int lease_ms = 6000;  // PostgreSQL only: the log signer's lease (docs/scale-out.md)
  std::string orders = "signed";
  std::string evidence_dir;  // default: DB.evidence
  int evidence_days = 90;
  bool secure_cookies = false;
  std::string node_dir;  // a federated node's directory (docs/federation.md); "" for none
};

// The log's signing key: read from its file, or created there (mode 0600)
// on first start. Default: beside the database. Processes that start
// together on one database create it once: the key is written whole to a
// file of this process's own, then linked to its name, which fails for all
// but the first (they read the first one's key), so no process ever reads
// a half-written key or signs with a key of its own.
std::shared_ptr<const comity::crypto::SigningKey> log_signing_key(const ServeArgs& a) {
  std::string path = a.log_key.empty() ? comity::files_beside(a.db_path) + ".log-key.pem" : a.log_key;
  auto load = [&] {
    return std::make_shared<const comity::crypto::SigningKey>(comity::crypto::SigningKey::load_pem(path));
  };
  if (std::filesystem::exists(path)) return load();
  auto key = comity::crypto::SigningKey::generate();
  std::string mine = path + ".new-" + std::to_string(getpid());
  std::filesystem::remove(mine);
  key.save_pem(mine);
  const int linked = ::link(mine.c_str(), path.c_str()), err = errno;
  std::filesystem::remove(mine);
  if (linked != 0) {
    if (err == EEXIST) return load();  // another process created it first
    throw InputError("cannot create the log key " + path + ": " + std::strerror(err));
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY); fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  std::cerr << "created the transparency log's signing key at " << path << "\n";
  return std::make_shared<const comity::crypto::SigningKey>(std::move(key));
}

int cmd_serve(const ServeArgs& a) {
  const std::string &db_path = a.db_path, &listen = a.listen, &clock_file = a.clock_file;
  auto colon = listen.rfind(':');
  int port = -1;
  if (colon != std::string::npos) {
    try {
      port = std::stoi(listen.substr(colon + 1));
    } catch (const std::exception&) {
      port = -1;
    }
  }
  if (colon == std::string::npos || port < 0 || port > 65535)
    throw InputError("--listen: expected HOST:PORT, e.g. 127.0.0.1:8080; got \"" + listen + "\"");
  std::string host = listen.substr(0, colon);
  comity::PackRegistry packs;
  for (const auto& dir : a.pack_dirs) {
    std::shared_ptr<const comity::Pack> loaded = comity::load_pack(dir);
    if (auto issues = comity::lint_pack(*loaded); !issues.empty()) {
      for (const auto& i : issues) std::cerr << i.file << ": " << i.where << ": " << i.message << "\n";
      throw comity::PackError("the rule pack in " + dir + " has " + std::to_string(issues.size()) +
                              " lint issue(s); refusing to serve");
    }
    packs.add(std::move(loaded));
  }
  const comity::Pack* pack = &packs.current();
  // Blocked before the server starts any thread (committer, sweeper,
  // workers), so every thread inherits the mask and only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::unique_ptr<comity::Clock> clock;
  if (clock_file.empty())
    clock = std::make_unique<comity::SystemClock>();
  else
    clock = std::make_unique<FileClock>(clock_file);
  auto store = comity::open_store(db_path);
  comity::ServerOptions options;
  options.sweep_every = std::chrono::milliseconds(a.sweep_ms);
  options.log_origin = a.log_origin;
  if (a.node_dir.empty()) {
    options.log_key = log_signing_key(a);
  } else {
    // A federated node's log is the one its credential certifies.
    if (!a.log_key.empty()) throw InputError("--log-key: a node's log key is DIR/log.pem (--node)");
    options.federation = comity::cli::load_node_dir(a.node_dir);
    options.log_key = options.federation->log_key;
    options.log_origin = options.federation->log_origin;
  }
  options.checkpoint_every = std::chrono::milliseconds(a.checkpoint_ms);
  // A SQLite node is one process: its signer's lease needs no time to run
  // out (a restart after a crash signs at once). On PostgreSQL, processes
  // share the database and the lease fences them.
  options.lease_ttl =
      std::chrono::milliseconds(comity::backend_of(db_path) == comity::StoreBackend::Sqlite ? 0 : a.lease_ms);
  options.evidence_dir = a.evidence_dir.empty() ? comity::files_beside(db_path) + ".evidence" : a.evidence_dir;
  options.evidence_holding_days = a.evidence_days;
  options.secure_cookies = a.secure_cookies;
  options.orders = a.orders == "signed" ? comity::OrderPolicy::SignedOnly : comity::OrderPolicy::SignedOrUnsigned;
  if (options.orders == comity::OrderPolicy::SignedOrUnsigned)
    std::cerr << "warning: --orders unsigned: cases open on requests nobody signed (for tests only)\n";
  options.open_reader = [&] { return comity::open_store(db_path, comity::StoreAccess::ReadOnly); };
  comity::ApiServer server(packs, *store, *clock, options);
  if (!clock_file.empty())
    std::cerr << "warning: the server's time comes from " << clock_file << " (--clock-file): for tests only\n";
  int bound = server.bind(host, port);
  if (bound < 0) throw InputError("--listen: cannot listen on " + listen);
  std::thread worker([&] { server.serve(); });
  if (!server.wait_until_serving(30000)) {
    server.stop();
    worker.join();
    throw std::runtime_error("the server did not start accepting connections");
  }
  // Announced only once connections are accepted, so a stop requested after
  // this line is never lost.
  std::cout << "Comity listening on http://" << host << ":" << bound << "/ (store " << shown(db_path) << ", rule pack "
            << pack->content_hash << ")" << std::endl;
  if (options.federation)
    std::cout << "federated node " << options.federation->id << " (" << options.federation->state << "), endpoint "
              << options.federation->endpoint << std::endl;
  std::cout << "transparency log " << options.log_origin << ", verifier key " << server.log_verifier_key() << std::endl;
  int sig = 0;
  sigwait(&signals, &sig);
  server.stop();
  worker.join();
  std::cout << "stopped" << std::endl;
  return kOk;
}

int cmd_demo_seed(const std::string& db_path, const std::string& pack_dir) {
  auto pack = comity::load_pack(pack_dir);
  auto store = comity::open_store(db_path);
  comity::SystemClock clock;
  auto creds = comity::seed_demo(*store, *pack, clock.now());
  std::cout << "Demo world in " << shown(db_path) << ". API tokens (shown once; use as Authorization: Bearer TOKEN)\n"
            << "and passwords for the browser (POST /api/v1/session):\n";
  for (const auto& c : creds)
    std::cout << "  " << c.user << std::string(c.user.size() < 22 ? 22 - c.user.size() : 1, ' ') << c.role
              << std::string(c.role.size() < 21 ? 21 - c.role.size() : 1, ' ') << c.party << "\n    " << c.token
              << "\n    password: " << c.password << "\n";
  // Signing keys: the exchange opens cases on signed orders only.
  std::string keys_dir = comity::files_beside(db_path) + ".keys";
  if (std::filesystem::exists(keys_dir)) {
    std::cout << "Demo keys: " << keys_dir << " exists already; left as it is.\n";
    return kOk;
  }
  auto bundle = comity::cli::demo_trust(keys_dir, clock.now());
  comity::Instant now = clock.now();
  store->add_trust_import({bundle.dump(), "cross_signed", now}, {0, now, "system:demo-seed", "import_trust",
                                                                 "cross_signed", comity::sha256_hex(bundle.dump())});
  std::cout << "Demo keys (signing and evidence): " << keys_dir << "/<user>/, trusted by this exchange.\n"
            << "Sign a request:  comity order sign --keys " << keys_dir << "/officer REQUEST.json ORDER.json\n";
  // The demo providers publish their statements, signed by their people,
  // each version committed to the log (docs/provider-statements.md).
  comity::trust::TrustStore trusted;
  trusted.add_bundle(bundle, comity::trust::AnchorChange::RequireCrossSignature);
  const std::filesystem::path statements = std::filesystem::path(pack_dir) / ".." / "examples" / "statements";
  for (auto [file, signer] : {std::pair{"nl-mailco.json", "provider"}, std::pair{"us-cloudco.json", "provider-us"}}) {
    if (!std::filesystem::exists(statements / file)) continue;
    auto doc = comity::trust::sign_statement(comity::cli::read_json_file((statements / file).string()),
                                             comity::cli::signing_key_of(keys_dir + "/" + signer), now);
    auto st = comity::publish_statement(*store, trusted, *pack, doc, now, "system:demo-seed");
    std::cout << "Provider statement: " << st.provider_id << " v" << st.version << " (log index " << st.log_index
              << ", GET /api/v1/providers/" << st.provider_id << "/statement)\n";
  }
  std::cout << "Demo cases:\n";
  for (const auto& line : comity::cli::seed_demo_cases(*store, *pack, clock, bundle, keys_dir))
    std::cout << "  " << line << "\n";
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Comity: decide every lawful pathway for a cross-border electronic-evidence request."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "comity 0.1.0");
  std::string pack_dir;
  app.add_option("--pack", pack_dir, "Rule pack directory (default: $COMITY_PACK, else the bundled rules/)");

  std::string file, at, format = "text";
  auto* ev = app.add_subcommand("evaluate", "Evaluate a request (JSON file, or - for stdin) and print the decision");
  ev->add_option("file", file, "Request JSON file, or - for standard input")->required();
  ev->add_option("--at", at, "Evaluation date YYYY-MM-DD (default: today, UTC)");
  ev->add_option("--format", format, "Output format")->check(CLI::IsMember({"text", "json", "summary"}));
  ev->add_option("--pack", pack_dir, "Rule pack directory");
  std::string statement_file;
  ev->add_option("--statement", statement_file,
                 "The addressee's provider statement (JSON): shown beside the law (docs/provider-statements.md)");

  std::string vfile;
  auto* va = app.add_subcommand("validate", "Check a request against the request format without evaluating it");
  va->add_option("file", vfile, "Request JSON file, or - for standard input")->required();

  auto* rules = app.add_subcommand("rules", "Inspect and check the rule pack");
  rules->require_subcommand(1);
  auto* list = rules->add_subcommand("list", "List pathways and predicates");
  std::string show_id;
  auto* show = rules->add_subcommand("show", "Show one pathway or predicate");
  show->add_option("id", show_id, "Pathway or predicate id, e.g. EU.AUTH.P1")->required();
  auto* check = rules->add_subcommand("check", "Lint the pack: citations, tags, state codes, references, dates");
  std::string facts_schema, facts_format = "text";
  auto* facts = rules->add_subcommand(
      "facts", "For every field of the request format, the predicates that read it on each pathway");
  facts->add_option("--schema", facts_schema, "The request format's JSON Schema (default: schemas/ beside the pack)");
  facts->add_option("--format", facts_format, "text or markdown (docs/rule-packs.md)")
      ->check(CLI::IsMember({"text", "markdown"}));
  auto* docs = app.add_subcommand("docs", "Print tables the documentation holds, generated from the code");
  docs->require_subcommand(1);
  auto* docs_views = docs->add_subcommand("views", "What each audience sees of a case (docs/permissions.md)");
  for (auto* sub : {list, show, check, facts}) sub->add_option("--pack", pack_dir, "Rule pack directory");

  std::string db_path = "comity.db", backup_to, listen = "127.0.0.1:8080";
  auto* demo = app.add_subcommand("demo", "The demo world");
  demo->require_subcommand(1);
  auto* demo_seed = demo->add_subcommand("seed", "Create the demo parties and users; print a fresh token for each");
  demo_seed->add_option("--db", db_path, "Database: a SQLite file or a postgresql:// URI (default: comity.db)");
  demo_seed->add_option("--pack", pack_dir, "Rule pack directory");
  auto* serve = app.add_subcommand("serve", "Serve the HTTP API (docs/api.md)");
  serve->add_option("--db", db_path, "Database: a SQLite file or a postgresql:// URI (default: comity.db)");
  serve->add_option("--listen", listen, "HOST:PORT to listen on (default: 127.0.0.1:8080; port 0 picks one)");
  std::vector<std::string> serve_packs;
  serve->add_option("--pack", serve_packs,
                    "Rule pack directory; repeat to load several side by side: the first is the one new cases "
                    "open under, the others are kept for the cases opened under them (default: the bundled one)");
  ServeArgs sa;
  std::string& clock_file = sa.clock_file;
  int& sweep_ms = sa.sweep_ms;
  serve->add_option(
      "--log-key", sa.log_key,
      "The transparency log's Ed25519 signing key (PKCS#8 PEM); created if missing (default: DB.log-key.pem)");
  serve->add_option("--log-origin", sa.log_origin,
                    "The log's name in its checkpoints and verifier key (default: comity.localhost/log)");
  serve
      ->add_option("--checkpoint-ms", sa.checkpoint_ms,
                   "Milliseconds between checkpoints of a growing log (default: 10000)")
      ->check(CLI::Range(10, 86400000));
  serve
      ->add_option("--lease-ms", sa.lease_ms,
                   "On PostgreSQL: how long the log signer's lease lasts unrenewed, so how soon another process "
                   "takes over from one that died (default: 6000)")
      ->check(CLI::Range(100, 600000));
  serve->add_option("--evidence-dir", sa.evidence_dir,
                    "Where evidence ciphertext is kept in transit (default: DB.evidence)");
  serve
      ->add_option("--evidence-days", sa.evidence_days,
                   "The longest the exchange keeps a production, in days (default 90; a request's "
                   "retention_period_days shortens it)")
      ->check(CLI::Range(1, 3650));
  serve->add_option("--node", sa.node_dir,
                    "Take part in a federation as the node in DIR (comity node init; docs/federation.md): its "
                    "log key and origin are the node's");
  serve->add_flag("--secure-cookies", sa.secure_cookies,
                  "Mark browser-session cookies Secure: the server is reached over TLS (directly or via a proxy)");
  serve
      ->add_option("--orders", sa.orders,
                   "signed (default): cases open only on signed orders; unsigned: plain requests too (tests only)")
      ->check(CLI::IsMember({"signed", "unsigned"}));
  serve->add_option("--clock-file", clock_file,
                    "For tests and demonstrations only: read the current time from FILE (an ISO 8601 instant, "
                    "re-read on every use)");
  serve->add_option("--sweep-ms", sweep_ms, "Milliseconds between expiry sweeps of the legal clocks (default: 1000)")
      ->check(CLI::Range(10, 3600000));
  auto* dbcmd = app.add_subcommand("db", "Manage the store (SQLite or PostgreSQL)");
  dbcmd->require_subcommand(1);
  auto* db_migrate = dbcmd->add_subcommand("migrate", "Create the database or bring its schema up to date");
  auto* db_check = dbcmd->add_subcommand("check", "Check integrity, foreign keys and the schema version");
  auto* db_backup = dbcmd->add_subcommand("backup", "Write a consistent copy of the database to a new file");
  for (auto* sub : {db_migrate, db_check, db_backup})
    sub->add_option("--db", db_path, "Database: a SQLite file or a postgresql:// URI (default: comity.db)");
  db_backup->add_option("--to", backup_to, "Backup file to create (must not exist)")->required();
  std::string copy_from, copy_to;
  auto* db_copy = dbcmd->add_subcommand(
      "copy", "Copy a SQLite node's database into an empty PostgreSQL database (docs/scale-out.md)");
  db_copy->add_option("--from", copy_from, "The SQLite database (sqlite:PATH or a file path)")->required();
  db_copy->add_option("--to", copy_to, "The PostgreSQL database (a postgresql:// URI), empty")->required();

  auto* evidence = app.add_subcommand("evidence",
                                      "Evidence in the age v1 format, its manifest and its transfer "
                                      "(docs/evidence-encryption.md)");
  evidence->require_subcommand(1);
  comity::cli::SealArgs seal;
  auto* ev_seal = evidence->add_subcommand(
      "seal", "Encrypt a file to age X25519 recipients; with --manifest, add it to the signed production manifest");
  ev_seal->add_option("--to", seal.recipients, "Recipient (age1…), repeatable")->required();
  ev_seal->add_option("--manifest", seal.manifest, "The production manifest to add the file to (created if missing)");
  ev_seal->add_option("--keys", seal.keys_dir, "The producing person's key directory (signs the manifest)");
  ev_seal->add_option("--case", seal.case_id, "A new manifest's case id");
  ev_seal->add_option("--order", seal.order_id, "A new manifest's signed order id");
  ev_seal->add_option("--provider", seal.provider, "A new manifest's provider party id");
  ev_seal->add_option("in", seal.in, "Input file")->required();
  ev_seal->add_option("out", seal.out, "Output file (must not exist)")->required();
  comity::cli::OpenArgs open_args;
  auto* ev_open = evidence->add_subcommand(
      "open", "Decrypt an age file; with --manifest and --trust, check the producer's signature and the digests");
  ev_open->add_option("--identity", open_args.identity, "Identity file (AGE-SECRET-KEY-1…)")->required();
  ev_open->add_option("--manifest", open_args.manifest, "The production's signed manifest");
  ev_open->add_option("--trust", open_args.bundle, "Trust bundle to verify the manifest against");
  ev_open->add_option("in", open_args.in, "Input file")->required();
  ev_open->add_option("out", open_args.out, "Output file (must not exist)")->required();
  std::string ev_manifest, ev_trust, ev_at, ev_out_file, ev_case, ev_production, ev_url, ev_token;
  std::vector<std::string> ev_files;
  int ev_index = 0;
  auto* ev_verify = evidence->add_subcommand(
      "verify", "Verify a production manifest's signature and chain, and ciphertext files against it");
  ev_verify->add_option("--manifest", ev_manifest, "The production's signed manifest")->required();
  ev_verify->add_option("--trust", ev_trust, "Trust bundle")->required();
  ev_verify->add_option("--at", ev_at, "Verify as of this instant (ISO 8601; default now)");
  ev_verify->add_option("files", ev_files, "Sealed files to check against the manifest");
  auto* ev_export = evidence->add_subcommand("export", "Write a verified manifest as CASE/UCO JSON-LD");
  ev_export->add_option("--manifest", ev_manifest, "The production's signed manifest")->required();
  ev_export->add_option("--trust", ev_trust, "Trust bundle")->required();
  ev_export->add_option("--out", ev_out_file, "JSON-LD file to write (must not exist)")->required();
  auto* ev_upload = evidence->add_subcommand(
      "upload", "Register a production and upload its sealed files to the exchange, resuming where it stopped");
  ev_upload->add_option("--case", ev_case, "The case id")->required();
  ev_upload->add_option("--manifest", ev_manifest, "The production's signed manifest")->required();
  ev_upload->add_option("--production", ev_production, "Resume this registered production");
  ev_upload->add_option("files", ev_files, "Sealed files")->required();
  auto* ev_download = evidence->add_subcommand("download", "Download one sealed file of a production");
  ev_download->add_option("--production", ev_production, "The production id")->required();
  ev_download->add_option("--file", ev_index, "The file's index in the manifest")
      ->required()
      ->check(CLI::Range(0, 999));
  ev_download->add_option("out", ev_out_file, "Output file (must not exist)")->required();
  for (auto* sub : {ev_upload, ev_download}) {
    sub->add_option("--url", ev_url, "The Comity server, e.g. http://127.0.0.1:8080")->required();
    sub->add_option("--token", ev_token, "API token (default: $COMITY_TOKEN, which keeps it out of the process list)");
  }

  // Keys, trust and signed orders (docs/trust.md); all offline.
  namespace cc = comity::cli;
  auto* keys = app.add_subcommand("keys", "Key directories, rotation and revocation (docs/trust.md)");
  keys->require_subcommand(1);
  std::string keys_dir, keys_name, show_path;
  auto* keys_gen = keys->add_subcommand(
      "gen", "Create a key directory: Ed25519 signing key, X25519 encryption identity (age), public.json");
  keys_gen->add_option("--out", keys_dir, "Directory to create the keys in (files mode 0600)")->required();
  keys_gen->add_option("--name", keys_name, "Who the keys are for, recorded in public.json");
  auto* keys_show = keys->add_subcommand("show", "Show a key directory's public keys, or what a trust document holds");
  keys_show->add_option("path", show_path, "Key directory, anchor, credential, revocation list, bundle or order")
      ->required();
  cc::RotateArgs rot;
  auto* keys_rotate = keys->add_subcommand(
      "rotate", "Renew a key directory; issue the new credential (or cross-signed anchor) and retire the old key");
  keys_rotate->add_option("--keys", rot.keys_dir, "The key directory to renew")->required();
  keys_rotate->add_option("--current", rot.current, "Its current credential or anchor document")->required();
  keys_rotate->add_option("--issuer", rot.issuer_dir, "The issuer's key directory (credentials only)");
  keys_rotate->add_option("--revocations", rot.revocations,
                          "The issuer's revocation list: the old key is added as superseded (created if missing)");
  keys_rotate->add_option("--out", rot.out, "The new credential or anchor document to write")->required();
  keys_rotate->add_option("--days", rot.days, "Validity of the new document in days (default 365)")
      ->check(CLI::Range(1, 3650));
  cc::RevokeArgs rev;
  auto* keys_revoke = keys->add_subcommand("revoke", "Add a key to the issuer's signed revocation list");
  keys_revoke->add_option("--issuer", rev.issuer_dir, "The issuer's key directory")->required();
  keys_revoke->add_option("--key", rev.key, "The revoked signing key (ed25519:…)")->required();
  keys_revoke->add_option("--reason", rev.reason, "Why")
      ->required()
      ->check(CLI::IsMember({"superseded", "compromised", "left_office", "other"}));
  keys_revoke->add_option("--effective", rev.effective, "From when (ISO 8601; default now; may be earlier)");
  keys_revoke->add_option("--list", rev.list, "The revocation list file (created if missing, else extended)")
      ->required();

  auto* trust = app.add_subcommand("trust", "Anchors, credentials and trust bundles (docs/trust.md)");
  trust->require_subcommand(1);
  cc::AnchorArgs anc;
  auto* trust_anchor = trust->add_subcommand("anchor", "Make a state's central-authority anchor (self-signed)");
  trust_anchor->add_option("--keys", anc.keys_dir, "The central authority's key directory")->required();
  trust_anchor->add_option("--state", anc.state, "Two-letter state code")->required();
  trust_anchor->add_option("--party", anc.party, "The central authority's party id")->required();
  trust_anchor->add_option("--name", anc.name, "Its name")->required();
  trust_anchor->add_option("--days", anc.days, "Validity in days (default 1825)")->check(CLI::Range(1, 7300));
  trust_anchor->add_option("--out", anc.out, "Anchor file to write")->required();
  cc::IssueArgs iss;
  auto* trust_issue = trust->add_subcommand(
      "issue", "Issue a credential: an anchor certifies a party, a party certifies one of its people");
  trust_issue->add_option("--issuer", iss.issuer_dir, "The issuer's key directory")->required();
  trust_issue->add_option("--subject", iss.subject_file, "The subject's public.json")->required();
  trust_issue->add_option("--party", iss.party, "The subject's party id (an authority's id as requests name it)")
      ->required();
  trust_issue->add_option("--state", iss.state, "The party's state")->required();
  trust_issue->add_option("--kind", iss.kind, "The party's kind")
      ->required()
      ->check(
          CLI::IsMember({"issuing_authority", "validating_authority", "central_authority", "provider", "oversight"}));
  trust_issue->add_option("--user", iss.user, "For a person: their user id");
  trust_issue->add_option("--role", iss.role, "For a person: officer, validator, central_authority, provider, …");
  trust_issue->add_option("--name", iss.name, "The subject's name")->required();
  trust_issue->add_option("--id", iss.id, "Credential id (default: a random one)");
  trust_issue->add_option("--days", iss.days, "Validity in days (default 365)")->check(CLI::Range(1, 3650));
  trust_issue->add_option("--out", iss.out, "Credential file to write")->required();
  std::vector<std::string> bundle_files;
  std::string bundle_out, trust_db;
  auto* trust_export = trust->add_subcommand(
      "export", "Write a trust bundle: from documents given as files, or from a server's database (--db)");
  trust_export->add_option("files", bundle_files, "Anchors, credentials, revocation lists, bundles");
  trust_export->add_option("--db", trust_db, "Export what this database trusts");
  trust_export->add_option("--out", bundle_out, "Bundle file to write (replaced atomically)")->required();
  std::string import_file;
  bool replace_anchor = false;
  auto* trust_import = trust->add_subcommand("import", "Import a trust bundle into a server's database");
  trust_import->add_option("bundle", import_file, "Bundle file")->required();
  trust_import->add_option("--db", trust_db, "Database: a SQLite file or a postgresql:// URI (default: comity.db)");
  trust_import->add_flag("--replace-anchor", replace_anchor,
                         "Operator override: accept a new anchor for a state without its old anchor's signature");

  auto* ordercmd = app.add_subcommand("order", "Signed orders (docs/trust.md)");
  ordercmd->require_subcommand(1);
  std::string sign_keys, sign_role = "officer", sign_in, sign_out;
  int sign_days = 30;
  auto* order_sign =
      ordercmd->add_subcommand("sign", "Sign a request (making a new order) or add a signature to a signed order");
  order_sign->add_option("--keys", sign_keys, "The signer's key directory")->required();
  order_sign->add_option("--role", sign_role, "officer or validator")->check(CLI::IsMember({"officer", "validator"}));
  order_sign->add_option("--days", sign_days, "A new order's validity in days (default 30)")->check(CLI::Range(1, 366));
  order_sign->add_option("in", sign_in, "Request JSON or signed order")->required();
  order_sign->add_option("out", sign_out, "Signed order to write (must not exist)")->required();
  std::string verify_file, verify_bundle, verify_at;
  bool verify_pending = false;
  auto* verify = app.add_subcommand("verify", "Verify a signed order offline against a trust bundle; print the chain");
  verify->add_option("order", verify_file, "Signed order file")->required();
  verify->add_option("--trust", verify_bundle, "Trust bundle (comity trust export)")->required();
  verify->add_option("--at", verify_at, "Verify as of this instant (ISO 8601; default now)");
  verify->add_flag("--allow-pending-validation", verify_pending,
                   "Accept an order whose validator has not signed yet (as at submission)");

  auto* providercmd = app.add_subcommand("provider", "A provider's published statement (docs/provider-statements.md)");
  providercmd->require_subcommand(1);
  auto* statementcmd = providercmd->add_subcommand("statement", "Sign, verify or import a provider statement");
  statementcmd->require_subcommand(1);
  std::string st_keys, st_in, st_out, st_trust, st_at;
  auto* st_sign = statementcmd->add_subcommand("sign", "Sign a statement with a provider person's key");
  st_sign->add_option("in", st_in, "Statement JSON (comity.provider-statement/1)")->required();
  st_sign->add_option("out", st_out, "Signed statement to write (must not exist)")->required();
  st_sign->add_option("--keys", st_keys, "The signer's key directory")->required();
  st_sign->add_option("--pack", pack_dir, "Rule pack directory");
  auto* st_verify = statementcmd->add_subcommand("verify", "Verify a signed statement offline; print its chain");
  st_verify->add_option("file", st_in, "Signed statement")->required();
  st_verify->add_option("--trust", st_trust, "Trust bundle (comity trust export)")->required();
  st_verify->add_option("--at", st_at, "Verify as of this instant (ISO 8601; default now)");
  st_verify->add_option("--pack", pack_dir, "Rule pack directory");
  std::string st_url, st_token;
  auto* st_import = statementcmd->add_subcommand(
      "import", "Publish a signed statement on a node, which commits the version to its transparency log");
  st_import->add_option("file", st_in, "Signed statement (comity provider statement sign)")->required();
  st_import->add_option("--url", st_url, "The Comity server, e.g. http://127.0.0.1:8080")->required();
  st_import->add_option("--token", st_token,
                        "A provider user's API token (default: $COMITY_TOKEN, which keeps it out of the process list)");

  comity::cli::NodeCommands node_commands(app);

  auto* logcmd = app.add_subcommand("log", "The transparency log (docs/transparency-log.md)");
  logcmd->require_subcommand(1);
  auto* log_verify = logcmd->add_subcommand(
      "verify", "Monitor a log: verify its checkpoint, leaves, history, a case's own entries and its statistics");
  LogVerifyArgs lv;
  log_verify->add_option("--url", lv.url, "The Comity server, e.g. http://127.0.0.1:8080")->required();
  log_verify->add_option("--key", lv.vkey, "The log's verifier key (name+id+key), from a trusted source")->required();
  log_verify->add_option("--state", lv.state,
                         "File holding the last checkpoint verified: checked as a prefix, then replaced");
  log_verify->add_option("--case-log", lv.case_log, "A saved GET /api/v1/cases/{id}/log answer to check");
  log_verify->add_option("--policy", lv.policy,
                         "A C2SP tlog-policy file: the checkpoint's witness cosignatures must meet its quorum");
  log_verify->add_option("--other", lv.other,
                         "Another signed checkpoint of the same log: consistent with the log, or a fork (exit 1)");
  log_verify->add_option("--fork-evidence", lv.fork_evidence,
                         "Where to write both checkpoints when --other contradicts the log");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "error: " << e.what() << "\nRun with --help for usage.\n";
    return kInvalid;
  }
  if (pack_dir.empty()) pack_dir = default_pack_dir();

  try {
    if (*ev) return cmd_evaluate(file, at, format, pack_dir, statement_file);
    if (*va) return cmd_validate(vfile);
    if (*list) return cc::rules_list(pack_dir);
    if (*show) return cc::rules_show(show_id, pack_dir);
    if (*check) return cc::rules_check(pack_dir);
    if (*facts)
      return cc::rules_facts(pack_dir, facts_schema,
                             facts_format == "markdown" ? cc::FactsFormat::Markdown : cc::FactsFormat::Text);
    if (*docs_views) {
      std::cout << comity::view_table_markdown();
      return kOk;
    }
    if (*serve) {
      sa.db_path = db_path;
      sa.listen = listen;
      sa.pack_dirs = serve_packs.empty() ? std::vector<std::string>{pack_dir} : serve_packs;
      return cmd_serve(sa);
    }
    if (*demo_seed) return cmd_demo_seed(db_path, pack_dir);
    if (*db_migrate) return cmd_db_migrate(db_path);
    if (*db_check) return cmd_db_check(db_path);
    if (*db_backup) return cmd_db_backup(db_path, backup_to);
    if (*db_copy) return cmd_db_copy(copy_from, copy_to);
    if (*log_verify) return cmd_log_verify(lv);
    auto now = [] { return comity::SystemClock().now(); };
    // An --at option: the instant it names, or now.
    auto at_or_now = [&](const std::string& text) {
      if (text.empty()) return now();
      auto t = comity::parse_instant(text);
      if (!t) throw InputError("--at: expected an ISO 8601 date-time with zone, e.g. 2026-11-23T10:00:00Z");
      return *t;
    };
    if (*ev_seal) return comity::cli::evidence_seal(seal, now());
    if (*ev_open) return comity::cli::evidence_open(open_args, now());
    if (*ev_verify || *ev_export) {
      const comity::Instant when = at_or_now(ev_at);
      return *ev_verify ? comity::cli::evidence_verify(ev_manifest, ev_trust, ev_files, when)
                        : comity::cli::evidence_export(ev_manifest, ev_trust, ev_out_file, when);
    }
    if (*ev_upload || *ev_download) {
      if (ev_token.empty())
        if (const char* env = std::getenv("COMITY_TOKEN")) ev_token = env;
      if (ev_token.empty()) throw InputError("--token: an API token is required (or set COMITY_TOKEN)");
      comity::cli::TransferArgs t{ev_url, ev_token};
      return *ev_upload ? comity::cli::evidence_upload(t, ev_case, ev_manifest, ev_production, ev_files)
                        : comity::cli::evidence_download(t, ev_production, ev_index, ev_out_file);
    }
    if (auto rc = node_commands.run(now())) return *rc;
    if (*keys_gen) return cc::keys_gen(keys_dir, keys_name);
    if (*keys_show) return cc::keys_show(show_path);
    if (*keys_rotate) return cc::keys_rotate(rot, now());
    if (*keys_revoke) return cc::keys_revoke(rev, now());
    if (*trust_anchor) return cc::trust_anchor(anc, now());
    if (*trust_issue) return cc::trust_issue(iss, now());
    if (*trust_export && trust_db.empty()) {
      if (bundle_files.empty()) throw InputError("trust export: give documents as files, or --db");
      return cc::trust_bundle(bundle_files, bundle_out);
    }
    if (*trust_export) return cmd_trust_export(trust_db, bundle_out);
    if (*trust_import)
      return cmd_trust_import(trust_db.empty() ? db_path : trust_db, import_file,
                              replace_anchor ? comity::trust::AnchorChange::OperatorOverride
                                             : comity::trust::AnchorChange::RequireCrossSignature);
    if (*order_sign)
      return cc::order_sign(sign_keys, sign_role == "officer" ? cc::SignRole::Officer : cc::SignRole::Validator,
                            sign_days, sign_in, sign_out, now());
    if (*st_sign) return cc::statement_sign(st_keys, st_in, st_out, pack_dir, now());
    if (*st_verify) return cc::statement_verify(st_in, st_trust, pack_dir, at_or_now(st_at));
    if (*st_import) {
      if (st_token.empty())
        if (const char* env = std::getenv("COMITY_TOKEN")) st_token = env;
      if (st_token.empty()) throw InputError("--token: an API token is required (or set COMITY_TOKEN)");
      return cc::statement_import({st_url, st_token}, st_in);
    }
    if (*verify) {
      return cc::verify_order_file(verify_file, verify_bundle, at_or_now(verify_at),
                                   verify_pending ? cc::Pending::AllowValidatorToFollow : cc::Pending::Refuse);
    }
  } catch (const comity::Error& e) {
    // One place, one table: the error's kind decides the exit code (docs/cli.md).
    std::string what = e.what();
    std::cerr << "error: " << topic_of(e);
    if (const auto* t = dynamic_cast<const comity::trust::TrustError*>(&e))
      std::cerr << comity::trust::error_code(t->code) << (what.rfind(t->path + ":", 0) == 0 ? "" : " at " + t->path)
                << ": ";
    std::cerr << what << "\n";
    if (!dynamic_cast<const comity::trust::TrustError*>(&e))
      for (const auto& f : e.field_errors) std::cerr << "  at " << f.path << ": " << f.message << "\n";
    return comity::error_kind_info(e.kind).exit_code;
  } catch (const std::exception& e) {
    std::cerr << "error: internal: " << e.what() << "\n";
    return comity::error_kind_info(comity::ErrorKind::Internal).exit_code;
  }
  return kInvalid;
}
