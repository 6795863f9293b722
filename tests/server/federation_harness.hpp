// The two-node federation the cross-process tests share (federation_test.cpp,
// federation_witness_test.cpp): `comity` run as the operators would, two
// node directories, anchors, credentials and peer lists for DE and NL made
// through the CLI, and `comity serve --node` for each on a free loopback
// port.
#pragma once

#include <sys/socket.h>

#include "server/harness.hpp"

namespace comity::server_test {

struct CliResult {
  int exit = -1;
  std::string out;
};

// Runs `comity ARGS…` and returns its exit code and its stdout and stderr together.
inline CliResult run_cli(std::vector<std::string> args) {
  args.insert(args.begin(), COMITY_BINARY);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe");
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    dup2(out[1], 2);
    close(out[0]);
    execv(COMITY_BINARY, argv.data());
    _exit(127);
  }
  close(out[1]);
  CliResult r;
  char buf[4096];
  for (ssize_t n; (n = read(out[0], buf, sizeof buf)) > 0;) r.out.append(buf, static_cast<size_t>(n));
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

inline void cli_ok(std::vector<std::string> args) {
  CliResult r = run_cli(args);
  ASSERT_EQ(r.exit, 0) << "comity " << args[0] << " " << (args.size() > 1 ? args[1] : "") << ": " << r.out;
}

// A port nothing listens on now (bound and released), for a node's endpoint.
inline int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  close(fd);
  return port;
}

struct NodeSetup {
  std::string name, state, id, dir, db;
  int port = 0;
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port); }
};

struct FederationBase : ::testing::Test {
  test::TempDir tmp;
  NodeSetup de{"de", "DE", "de-node", "", "", 0}, nl{"nl", "NL", "nl-node", "", "", 0};
  std::unique_ptr<Server> de_server, nl_server;

  std::string path(const std::string& name) const { return (tmp.path() / name).string(); }

  void SetUp() override {
    for (NodeSetup* n : {&de, &nl}) {
      n->dir = path(n->name + "-node");
      n->db = test_store(tmp, (n->name + ".db").c_str());
      n->port = free_port();
      seed(n->db);
      cli_ok({"keys", "gen", "--out", path(n->name + "-anchor")});
      cli_ok({"trust", "anchor", "--keys", path(n->name + "-anchor"), "--state", n->state, "--party", n->name + "-ca",
              "--name", n->state + " central authority", "--out", path(n->name + "-anchor.json")});
      cli_ok({"node", "init", "--keys", n->dir, "--id", n->id, "--state", n->state, "--endpoint", n->endpoint()});
    }
    cli_ok({"node", "certify", "--anchor", path("de-anchor"), "--node", de.dir + "/node.json", "--host",
            "de-sta:issuing_authority", "--host", "de-ca:central_authority", "--out", de.dir + "/credential.json"});
    cli_ok({"node", "certify", "--anchor", path("nl-anchor"), "--node", nl.dir + "/node.json", "--host",
            "NL-MAILCO:provider", "--host", "nl-ca:central_authority", "--out", nl.dir + "/credential.json"});
    // The ministries exchange anchors and node credentials, and each imports both.
    cli_ok({"trust", "export", path("de-anchor.json"), de.dir + "/credential.json", path("nl-anchor.json"),
            nl.dir + "/credential.json", "--out", path("bundle.json")});
    for (NodeSetup* n : {&de, &nl}) {
      cli_ok({"trust", "import", path("bundle.json"), "--db", n->db});
      CliResult card = run_cli({"node", "card", "--keys", n->dir});
      ASSERT_EQ(card.exit, 0) << card.out;
      std::ofstream(path(n->name + "-card.json")) << card.out;
    }
    cli_ok({"peer", "add", "--keys", de.dir, "--card", path("nl-card.json"), "--db", de.db});
    cli_ok({"peer", "add", "--keys", nl.dir, "--card", path("de-card.json"), "--db", nl.db});
  }

  std::unique_ptr<Server> start(const NodeSetup& n) {
    return std::make_unique<Server>(
        n.db, std::vector<std::string>{"--node", n.dir, "--listen", "127.0.0.1:" + std::to_string(n.port)});
  }

  static httplib::Client client(const NodeSetup& n) {
    httplib::Client c("127.0.0.1", n.port);
    c.set_read_timeout(20, 0);
    return c;
  }

  // DE's officer opens the case of examples/s01 (an EPOC to NL-MAILCO) and
  // transmits it; returns the case's path on DE.
  std::string transmitted_s01() {
    json request = json::parse(test::read_text(test::source_dir() + "/examples/s01-eu-subscriber-prosecutor.json"));
    auto de_http = client(de);
    auto created = de_http.Post("/api/v1/cases", bearer("officer-de"),
                                json{{"request", request}, {"pathway", "P_EU_EPOC"}}.dump(), "application/json");
    EXPECT_TRUE(created && created->status == 201) << (created ? created->body : "no answer");
    if (!created || created->status != 201) return "";
    const std::string path = "/api/v1/cases/" + json::parse(created->body)["id"].get<std::string>();
    for (const char* e : {"submit", "mark_ready", "transmit"}) {
      auto r = de_http.Post(path + "/events", bearer("officer-de"), json{{"event", e}}.dump(), "application/json");
      EXPECT_TRUE(r && r->status == 200) << e << " " << (r ? r->body : "no answer");
    }
    return path;
  }
};

}  // namespace comity::server_test
