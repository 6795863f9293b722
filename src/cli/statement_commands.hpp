// The `comity provider statement` commands (docs/provider-statements.md):
// sign a provider statement with a provider person's key, verify a signed
// one offline against a trust bundle and a rule pack, and import one into a
// node. Importing goes through the node's HTTP API (POST
// /api/v1/providers/{id}/statement), never into its database directly: the
// node is the one writer of its transparency log, which commits each
// version. Errors as trust_commands.hpp; a node's refusal is rethrown with
// the kind its problem details name, so it exits with that kind's code.
#pragma once

#include <string>

#include "cli/evidence_commands.hpp"
#include "comity/util/date.hpp"

namespace comity::cli {

// Parses the statement in `in` strictly and checks it against the pack in
// `pack_dir` (Invalid with the JSON paths otherwise), signs it with the
// key directory's signing key at `now` and writes the signed document to
// `out` (which must not exist). Prints provider, version and SHA-256.
int statement_sign(const std::string& keys_dir, const std::string& in, const std::string& out,
                   const std::string& pack_dir, Instant now);

// Verifies a signed statement at `at` against the trust bundle: signature,
// a provider-role credential of the statement's provider, then the
// statement's own content against the pack. Prints what was verified.
int statement_verify(const std::string& file, const std::string& bundle_file, const std::string& pack_dir, Instant at);

// Publishes the signed statement in `file` on the node at `t.url` as the
// token's user (a person of the statement's provider). Prints provider,
// version, SHA-256, log index and whether the node had that very version
// already ("replayed"). The node checks everything again: signature and
// chain, the statement against its pack, a version newer than the last.
int statement_import(const TransferArgs& t, const std::string& file);

}  // namespace comity::cli
