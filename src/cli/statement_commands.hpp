// The `comity provider statement` commands (docs/provider-statements.md):
// sign a provider statement with a provider person's key, and verify a
// signed one offline against a trust bundle and a rule pack. Publishing is
// the node's (POST /api/v1/providers/{id}/statement), which commits each
// version to its transparency log. Errors as trust_commands.hpp.
#pragma once

#include <string>

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

}  // namespace comity::cli
