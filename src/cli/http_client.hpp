// The HTTP client of the commands that talk to a Comity server (evidence
// upload and download, statement import): the --url checked, bounded
// timeouts, the API token as a bearer credential. Included only by the
// command files that use it, so the CLI's other files stay light.
#pragma once

#include <httplib.h>

#include "cli/evidence_commands.hpp"
#include "cli/trust_commands.hpp"

namespace comity::cli {

// A client for `t.url`; UsageError when the URL is not http(s)://HOST[:PORT].
inline httplib::Client client_for(const TransferArgs& t) {
  httplib::Client c(t.url);
  if (!c.is_valid()) throw UsageError("--url: expected http://HOST:PORT or https://HOST:PORT; got " + t.url);
  c.set_connection_timeout(10, 0);
  c.set_read_timeout(120, 0);
  c.set_write_timeout(120, 0);
  c.set_bearer_token_auth(t.token);
  return c;
}

}  // namespace comity::cli
