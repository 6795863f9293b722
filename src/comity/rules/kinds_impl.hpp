// Internal to the rules library: helpers shared by the kind families, and
// the per-family registration functions.
#pragma once

#include <algorithm>
#include <string_view>
#include <vector>

#include "comity/rules/kinds.hpp"
#include "comity/util/text.hpp"

namespace comity::kinds {

inline bool judicial(AuthorityType t) {
  return t == AuthorityType::Judge || t == AuthorityType::Court || t == AuthorityType::InvestigatingJudge;
}
inline bool judicial_or_prosecutor(AuthorityType t) {
  return judicial(t) || t == AuthorityType::PublicProsecutor;
}

inline Verdict v(uint8_t variant) {
  return Verdict{variant, {}};
}
template <class... A>
Verdict v(uint8_t variant, A... args) {
  Verdict out{variant, {}};
  Arg list[] = {args...};
  for (size_t i = 0; i < sizeof...(A) && i < 4; ++i) out.args[i] = list[i];
  return out;
}

inline Arg ename(std::string_view s) {
  return arg_str(s);
}

// The person is a US person: a US national, or flagged so (LPR, US entity).
inline Tri us_person(const Person& p) {
  if (p.nationality.contains(kUS)) return Tri::True;
  return p.is_us_person;
}

inline bool party_at(const std::optional<Date>& since, Date at) {
  return since && *since <= at;
}

inline constexpr Categories kTrafficContent{DataCategory::Traffic, DataCategory::Content};
// Categories the law treats as subscriber data: identification-only data
// (EU Art 3(10)) and, where the provider is a domain service, registration
// data (EU Art 3(3)(b) with 3(9); legal-rules §1.1).
inline constexpr Categories kSubscriberLike{DataCategory::Subscriber, DataCategory::IdentificationOnly,
                                            DataCategory::DomainRegistration};

// The provider's home state for treaty routing: its headquarters (S09: route
// MLA by the provider's state, never by an UNKNOWN/SHARDED storage location).
inline StateCode provider_state(const Request& q) {
  return q.provider.hq_state;
}

// The State a mutual-assistance request goes to: the candidate the engine
// routes this entry to (Routing::Connection), else the provider's home state.
inline StateCode requested_state(const EvalCtx& c) {
  return c.requested.empty() ? provider_state(c.q) : c.requested;
}

// The dual-criminality finding the request records for `s` (UNASSESSED if none).
inline DualCriminality dc_for(const Request& q, StateCode s) {
  for (const auto& [st, r] : q.dual_criminality)
    if (st == s) return r;
  return DualCriminality::Unassessed;
}

// True when the predicate's params.fields names switch `f`.
inline bool has_field(const PredicateDef& p, std::string_view f) {
  return std::find(p.params.fields.begin(), p.params.fields.end(), f) != p.params.fields.end();
}

// The services of a "service provider": communication (ECS, ISS), IP
// numbering, domain names and privacy/proxy, and storing or processing data
// for them (Reg. 2023/1543 Art 3(3); Budapest Art 1(c)). Not a bank.
inline constexpr EnumSet<Service> kServiceProviderServices{
    Service::Ecs,          Service::IpNumbering,      Service::DomainRegistry, Service::DomainRegistrar,
    Service::PrivacyProxy, Service::IssCommunication, Service::IssStorage};

// Whom the request is made for, from requested_on_behalf_of: nobody else
// (blank or the requesting State itself), another State (`state`), or a
// body that is not a State code (an agency, "Europol").
struct OnBehalfOf {
  enum class Kind : uint8_t { Own, ForeignState, OtherBody } kind = Kind::Own;
  StateCode state;
};
inline OnBehalfOf on_behalf_of(const Request& q) {
  if (is_blank(q.requested_on_behalf_of)) return {};
  auto st = parse_state(q.requested_on_behalf_of);
  if (!st.error.empty()) return {OnBehalfOf::Kind::OtherBody, {}};
  if (st.code == q.requesting_state) return {};
  return {OnBehalfOf::Kind::ForeignState, st.code};
}

// `s` takes part in the EIO on `at` (Dir. 2014/41 Art 34(1): from 22 May 2017).
inline bool eio(const Pack& pack, StateCode s, Date at) {
  const StateInfo* st = pack.state(s);
  return st && st->eio_participant && pack.eio_applies_from <= at;
}

// True when the pack marks ICCS `code` as an expression offence.
inline bool speech_code(const Pack& pack, const std::string& code) {
  const IccsCode* ic = pack.iccs_code(code);
  return ic && ic->speech;
}

// An offence of the request concerns expression: flagged speech_related, or
// classified under an ICCS code the pack marks as such. Every speech check
// reads both, so a code alone is never missed on one pathway and read on another.
inline bool speech_offence(const EvalCtx& c) {
  for (const auto& o : c.q.offences)
    if (o.speech_related || speech_code(c.pack, o.iccs_code)) return true;
  return false;
}

void register_core(std::vector<KindSpec>& out);
void register_eu(std::vector<KindSpec>& out);
void register_intl(std::vector<KindSpec>& out);
void register_routing(std::vector<KindSpec>& out);

}  // namespace comity::kinds
