// The demo world for `make run` (issue: exchange server, item 9): the central
// authorities of ten States, a few issuing and validating authorities, a US
// provider with an EU legal representative in Ireland, an EU provider in the
// Netherlands, an oversight body, an admin — and one user per role, each with
// a fresh API token.
#pragma once

#include <string>
#include <vector>

#include "comity/rules/pack.hpp"
#include "comity/service/ids.hpp"
#include "comity/store/store.hpp"

namespace comity {

struct DemoCredential {
  std::string user, role, party, token;  // the token is shown once, here; the store keeps its digest
  std::string password;                  // for the browser; the store keeps its argon2id hash
};

// Creates the demo parties and users if absent, and issues a new token and
// sets a new random password for every demo user. Party names come from the
// pack's registry. One transaction: on an error nothing is seeded.
std::vector<DemoCredential> seed_demo(Store& store, const Pack& pack, Instant now);

}  // namespace comity
