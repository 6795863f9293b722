// Predicate kinds: the only legal logic that lives in code.
//
// A kind is a small pure function of the request, the registry and the
// pathway being evaluated. It returns a Verdict: which of its declared
// variants applies (each variant has a fixed outcome) and up to four
// arguments for the reason template. Packs decide which predicates use which
// kind, with what parameters, citations and reason texts.
//
// Applicability kinds also bind the corridor into the context (the enforcing,
// executing or requested state; the agreement; the MLA instrument), so the
// checks that follow can use it.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "comity/model/request.hpp"
#include "comity/rules/decision.hpp"
#include "comity/rules/pack.hpp"

namespace comity {

struct EvalCtx {
  const Request& q;
  const Pack& pack;
  Date at;
  const PathwayDef* pathway = nullptr;  // null for the gate and advisory groups
  Measure measure = Measure::ProduceStored;
  Categories scope{};
  Role role = Role::Primary;
  // The State a mutual-assistance request is routed to (Routing::Connection:
  // set by the engine, one candidate per entry); empty for other pathways,
  // whose kinds route by the provider's State.
  StateCode requested{};
  // Bound by applicability kinds:
  StateCode counterpart{};
  const Agreement* agreement = nullptr;
  bool partner_issuing = true;  // CLOUD: the non-US party issues to a US provider
  const MlaInstrument* instrument = nullptr;
  // Set by checks, read by deadline / notification selection:
  bool notify_by_category = false;  // EU Art 8(1): traffic or content sought
  bool notified = false;
  bool ex_post_validation = false;
  // Results so far (for fallbacks that depend on other pathways).
  const std::vector<PathwayResult>* earlier = nullptr;
};

struct Verdict {
  uint8_t variant = 0;
  std::array<Arg, 4> args{};
};

struct KindVariant {
  std::string_view name;
  Outcome outcome;
};

using KindFn = Verdict (*)(EvalCtx&, const PredicateDef&);

struct KindSpec {
  std::string_view name;
  std::vector<KindVariant> variants;
  std::vector<std::string_view> args;    // names usable as {name} in reason templates
  std::vector<std::string_view> params;  // parameter keys the kind reads
  KindFn fn;
};

// REQUIRES: name is a registered kind; returns nullptr otherwise.
const KindSpec* find_kind(std::string_view name);
std::span<const KindSpec> all_kinds();

// Runs a predicate and returns the full check result.
CheckResult run_predicate(EvalCtx& ctx, const PredicateDef& p);

// The jurisdiction factors J.1-J.5 (legal-rules §7.3) that tie state `s` to
// the request: data location, provider establishment, the person, victims or
// harm, offence locus. Sets bit i of *bits for factor J.(i+1); returns the
// count. Advisory only.
int connection_score(const Request& q, StateCode s, uint32_t* bits);

// How strongly `s` is tied to the request, for ordering the candidate
// requested States: a State where the data are stored or the entity holding
// them is established (J.1, J.2) before any other, then more factors.
int connection_strength(const Request& q, StateCode s);

// Argument constructors.
Arg arg_int(int64_t v);
Arg arg_str(std::string_view s);  // REQUIRES: s outlives the decision (static or pack-owned)
Arg arg_state(StateCode s);
Arg arg_cats(Categories c);
Arg arg_list(const std::string_view* names, uint64_t bits);  // REQUIRES: names static

}  // namespace comity
