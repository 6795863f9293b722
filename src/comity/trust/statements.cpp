#include "comity/trust/statements.hpp"

#include "comity/trust/fields.hpp"

namespace comity::trust {

namespace {
constexpr const char* kType = "comity.signed-provider-statement/v1";
}

nlohmann::json sign_statement(const nlohmann::json& statement, const crypto::SigningKey& key, Instant signed_at) {
  nlohmann::json doc = {{"type", kType},
                        {"statement", statement},
                        {"signed_at", format_instant(signed_at)},
                        {"signer", key_text(key.public_key())}};
  return sign_document(std::move(doc), key);
}

VerifiedStatement verify_statement(const nlohmann::json& doc, const TrustStore& trust, Instant at) {
  Reader r(doc, "$", {"type", "statement", "signed_at", "signer", "signature"});
  r.type(kType);
  VerifiedStatement v;
  v.signed_at = r.instant("signed_at");
  v.signer = r.key("signer");
  v.statement = r.get("statement");
  if (!v.statement.is_object()) malformed("$.statement", "expected the statement, a JSON object");
  const auto provider = v.statement.find("provider");
  if (provider == v.statement.end() || !provider->is_object())
    malformed("$.statement.provider", "expected the provider, an object with its id");
  v.provider = string_member(*provider, "id", "$.statement.provider");
  if (!crypto::verify(parse_key_text(v.signer, "$.signer"), signed_bytes(doc), signature_of(doc, "signature", "$")))
    throw TrustError(
        TrustError::Code::BadSignature, "$.signature",
        "the statement's signature does not verify: it was altered after signing, or not signed by " + v.signer);
  v.chain = trust.verify_signer(v.signer, at, "$.signer");
  const ChainLink& who = v.chain.front();
  if (who.level != "user" || who.role != "provider" || who.party != v.provider)
    throw TrustError(TrustError::Code::WrongChain, "$.signer",
                     "a statement of " + v.provider + " must be signed by a person of that provider; " + v.signer +
                         " is " + (who.role.empty() ? "a party key" : "a " + who.role) + " of " + who.party + " (" +
                         who.state + ")");
  return v;
}

}  // namespace comity::trust
