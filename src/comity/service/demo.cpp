#include "comity/service/demo.hpp"

#include <stdexcept>

#include "comity/service/identity.hpp"
#include "comity/util/sha256.hpp"

namespace comity {

std::vector<DemoCredential> seed_demo(Store& store, const Pack& pack, Instant now) {
  Transaction tx(store);  // the whole world or, if any of it fails, nothing
  // Seeding is audited like any other change, as the system's.
  auto seeded = [&](const char* action, const std::string& object) {
    return AuditEntry{0, now, "system:demo-seed", action, object, sha256_hex(std::string(action) + " " + object)};
  };
  auto put_party = [&](const std::string& id, const char* kind, const char* state, const std::string& name) {
    if (!store.party(id)) store.put_party({id, kind, state, name}, seeded("create_party", id));
  };
  for (const char* cc : {"US", "GB", "IE", "DE", "FR", "NL", "BE", "PL", "ES", "AU"}) {
    const StateInfo* st = pack.state(parse_state(cc).code);
    std::string lower{static_cast<char>(cc[0] + 32), static_cast<char>(cc[1] + 32)};
    put_party(lower + "-ca", "central_authority", cc,
              st && !st->central_authority.empty() ? st->central_authority : std::string(cc) + " central authority");
  }
  put_party("DE-STA-BERLIN", "issuing_authority", "DE", "Staatsanwaltschaft Berlin");
  put_party("DE-AG-TIERGARTEN", "validating_authority", "DE", "Amtsgericht Tiergarten");
  put_party("FR-PARQUET-PARIS", "issuing_authority", "FR", "Parquet de Paris");
  put_party("FR-JI-PARIS", "validating_authority", "FR", "Juge d'instruction, Paris");
  put_party("GB-NCA", "issuing_authority", "GB", "National Crime Agency");
  put_party("BE-FGP", "issuing_authority", "BE", "Federale Gerechtelijke Politie Brussel");
  put_party("US-CLOUDCO", "provider", "US", "Cloudco Inc. (legal representative: Cloudco Ireland Ltd, IE)");
  put_party("NL-MAILCO", "provider", "NL", "Mailco B.V.");
  put_party("eu-oversight", "oversight", "BE", "Oversight body");
  put_party("comity-admin", "admin", "BE", "Comity node administrator");

  struct DemoUser {
    const char* id;
    const char* party;
    PartyRole role;
  };
  const DemoUser users[] = {
      {"officer", "DE-STA-BERLIN", PartyRole::Officer},
      {"officer-gb", "GB-NCA", PartyRole::Officer},
      {"validator", "DE-AG-TIERGARTEN", PartyRole::Validator},
      {"central-authority", "de-ca", PartyRole::CentralAuthority},
      {"central-authority-us", "us-ca", PartyRole::CentralAuthority},
      {"provider", "NL-MAILCO", PartyRole::Provider},
      {"provider-us", "US-CLOUDCO", PartyRole::Provider},
      {"enforcing-authority", "nl-ca", PartyRole::EnforcingAuthority},
      {"oversight", "eu-oversight", PartyRole::Oversight},
      {"admin", "comity-admin", PartyRole::Admin},
  };
  std::vector<DemoCredential> out;
  RandomIds ids;
  FakeClock at(now);  // the seeding instant, for the identity service
  IdentityService identity(store, at, ids);
  const Actor system{"demo-seed", PartyRole::Admin, "", ""};
  for (const auto& u : users) {
    try {
      store.put_user({u.id, u.party, u.id, u.role}, seeded("create_user", u.id));
    } catch (const StoreError& e) {
      if (e.code != StoreError::Code::Constraint) throw;  // already seeded
    }
    std::string token = random_token();
    std::string token_id = ids.next();
    store.put_token(token_id, u.id, sha256_hex(token), now, seeded("issue_token", token_id));
    std::string password = "demo-" + random_token().substr(4, 16);
    identity.set_password(u.id, password, system);
    out.push_back({u.id, std::string(role_name(u.role)), u.party, token, password});
  }
  tx.commit();
  return out;
}

}  // namespace comity
