#include "comity/trust/orders.hpp"

#include <algorithm>

#include "comity/trust/fields.hpp"
#include "comity/util/jcs.hpp"

namespace comity::trust {

using nlohmann::json;

namespace {

constexpr const char* kOrderType = "comity.order/v1";
constexpr int64_t kClockSkew = 300;  // seconds an issuer's clock may run ahead

constexpr size_t kMaxText = 256;  // ids, nonces, roles and keys in an order

// The authority id a signer must belong to, from the request.
std::string authority_id(const json& request, const char* member, const std::string& path) {
  auto it = request.find(member);
  if (it == request.end() || it->is_null()) return {};
  if (!it->is_object()) malformed(path + "." + member, "expected an object");
  return string_member(*it, "id", path + "." + member, true, kMaxText);
}

}  // namespace

json make_order(const json& request, const std::string& id, const std::string& nonce, Instant issued_at,
                Instant expires_at) {
  return {{"order",
           {{"type", kOrderType},
            {"id", id},
            {"nonce", nonce},
            {"issued_at", format_instant(issued_at)},
            {"expires_at", format_instant(expires_at)},
            {"request", request}}},
          {"signatures", json::array()}};
}

json sign_order(json envelope, const std::string& role, const crypto::SigningKey& key) {
  if (!envelope.is_object() || !envelope.contains("order") || !envelope["order"].is_object())
    malformed("$.order", "expected an object");
  if (role != "officer" && role != "validator") malformed("role", "expected officer or validator");
  if (!envelope.contains("signatures")) envelope["signatures"] = json::array();
  if (!envelope["signatures"].is_array()) malformed("$.signatures", "expected an array");
  auto sig = key.sign(canonical_json(envelope["order"]));
  envelope["signatures"].push_back(
      {{"role", role},
       {"signer", key_text(key.public_key())},
       {"signature", crypto::base64_encode(std::string_view(reinterpret_cast<const char*>(sig.data()), sig.size()))}});
  return envelope;
}

VerifiedOrder verify_order(const json& envelope, const TrustStore& trust, Instant at, Completeness completeness) {
  Reader env(envelope, "$", {"order", "signatures"});
  const json& order = env.get("order");
  Reader o(order, "$.order", {"type", "id", "nonce", "issued_at", "expires_at", "request"});
  o.type(kOrderType);

  VerifiedOrder v;
  v.order = order;
  v.id = o.str("id", true, kMaxText);
  v.nonce = o.str("nonce", true, kMaxText);
  auto nonce = crypto::base64_decode(v.nonce);
  if (!nonce || nonce->size() < 16 || nonce->size() > 64)
    malformed("$.order.nonce", "expected 16 to 64 random bytes in base64");
  v.issued_at = o.instant("issued_at");
  v.expires_at = o.instant("expires_at");
  if (v.expires_at <= v.issued_at) malformed("$.order.expires_at", "must be after issued_at");
  const json* rq = &o.get("request");
  if (!rq->is_object()) malformed("$.order.request", "expected the request object");
  const std::string issuer = authority_id(*rq, "issuing_authority", "$.order.request");
  if (issuer.empty()) malformed("$.order.request.issuing_authority.id", "required: the authority whose officer signs");
  const std::string validator = authority_id(*rq, "validating_authority", "$.order.request");
  const std::string state = rq->contains("requesting_state") && (*rq)["requesting_state"].is_string()
                                ? (*rq)["requesting_state"].get<std::string>()
                                : "";
  if (state.empty()) malformed("$.order.request.requesting_state", "required");

  if (at + kClockSkew < v.issued_at)
    throw TrustError(TrustError::Code::NotYetValid, "$.order.issued_at",
                     "the order is dated " + format_instant(v.issued_at) + ", in the future");
  if (at >= v.expires_at)
    throw TrustError(TrustError::Code::Expired, "$.order.expires_at",
                     "the order expired at " + format_instant(v.expires_at));

  const json* sigs = &env.get("signatures");
  if (!sigs->is_array()) malformed("$.signatures", "expected an array");
  if (sigs->size() > 4) malformed("$.signatures", "at most one officer's and one validator's signature");
  const std::string bytes = canonical_json(order);
  bool have_officer = false, have_validator = false;
  for (size_t i = 0; i < sigs->size(); ++i) {
    const std::string path = "$.signatures[" + std::to_string(i) + "]";
    const json& s = (*sigs)[i];
    Reader r(s, path, {"role", "signer", "signature"});
    const std::string role = r.str("role", true, kMaxText);
    if (role != "officer" && role != "validator") malformed(path + ".role", "expected officer or validator");
    bool& seen = role == "officer" ? have_officer : have_validator;
    if (seen) malformed(path + ".role", "a second " + role + " signature");
    seen = true;
    const std::string signer = r.str("signer", true, kMaxText);
    crypto::PublicKey key = parse_key_text(signer, path + ".signer");
    if (!crypto::verify(key, bytes, signature_of(s, "signature", path)))
      throw TrustError(TrustError::Code::BadSignature, path + ".signature",
                       "the " + role +
                           "'s signature does not verify: the order was altered after signing, or it "
                           "was not signed by " +
                           signer);
    if (role == "validator" && validator.empty())
      throw TrustError(TrustError::Code::WrongChain, path,
                       "a validator signed, but the request names no validating authority");
    Chain chain = trust.verify_signer(signer, at, path + ".signer");
    const ChainLink& who = chain.front();
    const std::string& must = role == "officer" ? issuer : validator;
    const bool state_ok = role != "officer" || who.state == state;
    if (who.level != "user" || who.role != role || who.party != must || !state_ok)
      throw TrustError(TrustError::Code::WrongChain, path + ".signer",
                       "the " + role + " must be a " + role + " of " + must +
                           (role == "officer" ? " (" + state + ")" : "") + "; " + signer + " is " +
                           (who.role.empty() ? "the party key" : "a " + who.role) + " of " + who.party + " (" +
                           who.state + ")");
    v.signatures.push_back({role, std::move(chain)});
  }
  if (!have_officer)
    throw TrustError(TrustError::Code::MissingSignature, "$.signatures",
                     "no officer of " + issuer + " signed the order");
  if (!validator.empty() && !have_validator) {
    if (completeness == Completeness::AllSignatures)
      throw TrustError(TrustError::Code::MissingSignature, "$.signatures",
                       "the request names " + validator + " as validating authority, and no validator of it signed");
    v.awaiting_validator = true;
  }
  return v;
}

json verified_json(const VerifiedOrder& order) {
  json sigs = json::array();
  for (const auto& s : order.signatures)
    sigs.push_back({{"role", s.role}, {"signer", s.chain.front().signing_key}, {"chain", chain_json(s.chain)}});
  return {{"id", order.id},
          {"issued_at", format_instant(order.issued_at)},
          {"expires_at", format_instant(order.expires_at)},
          {"signatures", std::move(sigs)},
          {"awaiting_validator", order.awaiting_validator}};
}

}  // namespace comity::trust
