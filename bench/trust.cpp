// Signed-order benchmark (issue: trust, signed orders): how long the
// exchange spends verifying an order before it opens a case — canonical
// JSON of the order, the officer's signature, and the officer's chain of two
// credentials to the anchor — against its floor measured in the same run:
// one Ed25519 verification and the canonical form (credential signatures
// are checked once, when a bundle is imported; the chain walk is lookups).
// Not a test: it never fails a build. Usage: bench_trust [--seconds S]
#include <cstdio>
#include <string>

#include "comity/crypto/age.hpp"
#include "comity/trust/credentials.hpp"
#include "comity/trust/orders.hpp"
#include "comity/util/jcs.hpp"
#include "test_support.hpp"
#include "timing.hpp"

using namespace comity;
using bench::per_call_us;
using nlohmann::json;

int main(int argc, char** argv) {
  const double seconds = bench::seconds_option(argc, argv, 2);

  const Instant now = 1'795'000'000;
  auto anchor = crypto::SigningKey::generate(), office = crypto::SigningKey::generate(),
       officer = crypto::SigningKey::generate();
  auto recipient = [] { return crypto::age_recipient(crypto::AgeIdentity::generate().public_key()); };
  trust::TrustStore store;
  store.add_anchor(
      trust::make_anchor(
          {"DE", "de-ca", "DE central authority", "", recipient(), now - 1000, now + 100'000'000, "", {}}, anchor),
      trust::AnchorChange::RequireCrossSignature);
  store.add_credential(trust::issue_credential("c-office",
                                               {"DE-STA-BERLIN", "DE", "issuing_authority", "", "", "StA Berlin",
                                                trust::key_text(office.public_key()), recipient()},
                                               anchor, now - 1000, now + 10'000'000));
  store.add_credential(trust::issue_credential("c-officer",
                                               {"DE-STA-BERLIN", "DE", "issuing_authority", "officer-de", "officer",
                                                "A. Richter", trust::key_text(officer.public_key()), recipient()},
                                               office, now - 1000, now + 10'000'000));

  json request = test::base_request();
  json order =
      trust::sign_order(trust::make_order(request, "ord-bench", "bm9uY2Utbm9uY2Utbm9uY2UtMTY=", now - 60, now + 86400),
                        "officer", officer);
  const std::string bytes = canonical_json(order["order"]);
  auto sig = officer.sign(bytes);
  auto pub = officer.public_key();

  std::printf("Comity signed-order benchmark (order of %zu canonical bytes, chain officer → office → anchor)\n\n",
              bytes.size());
  volatile bool sink = false;
  double ed = per_call_us(seconds, [&] { sink = crypto::verify(pub, bytes, sig); });
  double jcs = per_call_us(seconds, [&] { sink = canonical_json(order["order"]).size() > 0; });
  double full = per_call_us(seconds, [&] {
    sink = !trust::verify_order(order, store, now, trust::Completeness::AllSignatures).signatures.empty();
  });
  std::printf("Ed25519 verify (OpenSSL 3), the order      %8.1f us\n", ed);
  std::printf("RFC 8785 canonical form of the order       %8.1f us\n", jcs);
  std::printf(
      "verify_order: signature + 2-credential chain %7.1f us   floor: 1 verify + canonical form = %.1f us "
      "(%.2fx the floor); %.0f orders/s per core\n",
      full, ed + jcs, full / (ed + jcs), 1e6 / full);
  (void)sink;
  return 0;
}
