// The case service: the one place where a request becomes a case and a case
// moves. It joins the pure layers (model → rules → workflow) to the store:
// parse and evaluate, open a case for a lawful entry the officer chose,
// apply a step and save it with its audit entry in one transaction, and act
// on expired clocks. The HTTP server and the CLI are thin users of it.
// Permissions on *which* cases a party may see belong to the server; this
// layer enforces who may take which step (the workflow's roles).
#pragma once

#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "comity/model/request_json.hpp"
#include "comity/rules/decision.hpp"
#include "comity/rules/pack.hpp"
#include "comity/rules/pack_registry.hpp"
#include "comity/service/actor.hpp"
#include "comity/service/ids.hpp"
#include "comity/store/store.hpp"

namespace comity::trust {
class TrustStore;
}

namespace comity {

// The role `actor` holds in the workflow of case `r`: its own role, except
// that a central authority acts as the requesting side when its State
// issued the request and as the requested side when its State is the case's
// counterpart — otherwise as neither (it can take no step).
PartyRole acting_role(const Actor& actor, const CaseRecord& r);

// The facts a case's workflow guards read (workflow/case.hpp): the request's
// emergency and validating authority, the entry's Art 4(5) finding, and
// whether the enforcing State is notified. Unreadable request or entry: the
// facts stay unknown, so every guarded step is refused.
std::optional<CaseFacts> case_facts(const CaseRecord& r);

// `r` with its case's facts set (what every reader that shows or moves a
// case calls after loading it).
CaseRecord& with_facts(CaseRecord& r);

// An attempt to open a case, decided without the store (parse, evaluate,
// render, build the record): either the prepared case or the refusal. The
// store part — idempotent replay, provider lookup, insert — is commit_open.
// Splitting lets a server prepare many attempts in parallel and commit them
// in one group.
struct OpenAttempt {
  std::optional<CaseRecord> prepared;
  // The entry chosen, for what the commit adds from the store: the
  // addressee's provider statement in force when the case opens.
  std::optional<PathwayResult> chosen;
  std::vector<LogLeaf> log;    // the opening's leaf, made with `prepared` (outside the commit)
  std::exception_ptr failure;  // a ServiceError, when not prepared
  std::string request_json, pathway, idempotency_key;
  Actor actor;
};

enum class NoticeAction : uint8_t { Notified, Delay };

// A reviewer's verdict on one check of the case's chosen pathway.
struct CheckVerdict {
  std::string predicate, verdict, reason;  // verdict: agree / override
};

// The case id for (user, Idempotency-Key): a UUID-shaped digest, so a retry
// of the same creation collides with the first on the primary key.
std::string idempotent_case_id(std::string_view user_id, std::string_view key);

class CaseService {
 public:
  // REQUIRES: all four outlive the service. Cases open under the registry's
  // current pack; each case then moves, shows its clocks and renders its
  // decision under its own pack (CaseRecord::pack_hash).
  CaseService(Store& store, const PackRegistry& packs, const Clock& clock, IdSource& ids)
      : store_(store), packs_(packs), clock_(clock), ids_(ids) {}
  // A service over one pack. REQUIRES: all four outlive the service.
  CaseService(Store& store, const Pack& pack, const Clock& clock, IdSource& ids)
      : store_(store), own_(pack), packs_(own_), clock_(clock), ids_(ids) {}

  // The pack case `r` was decided under. Conflict when this node does not
  // hold it (a case from before packs were kept, whose pack is gone).
  const Pack& pack_of(const CaseRecord& r) const;
  // The pack new cases open under.
  const Pack& current_pack() const { return packs_.current(); }

  // Parses and evaluates `request_json` as of today (the clock's date), and
  // opens a case for the entry of `pathway` in `role` — a lawful one, or
  // ServiceError{NotLawful}. Only an officer opens cases, and only for a
  // request whose requesting State is its party's (else Invalid at
  // $.requesting_state; Forbidden for an officer whose party has no State).
  // With an `idempotency_key`, the case id is derived from (actor, key): a
  // retry finds the case it created (returned with `replayed` set) instead of
  // creating another; the same key with a different request is refused.
  CaseRecord open(std::string_view request_json, std::string_view pathway, Role role, const Actor& actor,
                  std::string_view idempotency_key = {}, bool* replayed = nullptr);

  // open() in two halves. attempt_open never touches the store and throws
  // no ServiceError (it records it); commit_open replays an earlier case
  // with the same key first (even when the attempt failed: the first
  // creation counts), else rethrows the failure or stores the case.
  // REQUIRES for concurrent attempt_open calls: a thread-safe IdSource and Clock.
  OpenAttempt attempt_open(std::string_view request_json, std::string_view pathway, Role role, const Actor& actor,
                           std::string_view idempotency_key = {});
  // The same for a request already parsed as JSON (the server's body): it is
  // checked by the same strict rules and stored as its compact dump.
  OpenAttempt attempt_open(const nlohmann::json& request, std::string_view pathway, Role role, const Actor& actor,
                           std::string_view idempotency_key = {});
  // A signed order (docs/trust.md): verifies `envelope` against `trust` as
  // of now — a validator's signature may follow at the validation step — and
  // prepares the case for the request it carries, as attempt_open does. A
  // refusal is recorded as ServiceError{Untrusted}, with the trust error's
  // code as `reason` and the member at fault (a path into the envelope).
  // commit_open then refuses an order whose id or nonce opened a case before
  // (Untrusted, reason "replayed").
  OpenAttempt attempt_open_signed(const nlohmann::json& envelope, const trust::TrustStore& trust,
                                  std::string_view pathway, Role role, const Actor& actor,
                                  std::string_view idempotency_key = {});
  CaseRecord commit_open(const OpenAttempt& attempt, bool* replayed = nullptr);

  // A validator's signature over a case's signed order, given with the
  // validation step, and what it is checked against.
  struct Countersignature {
    const nlohmann::json& signature;  // {role: "validator", signer, signature}
    const trust::TrustStore& trust;
  };

  // Applies `event` by `actor` and saves the case with an audit entry whose
  // payload is the step (case, event, actor, reason, time). Expired clocks
  // are acted on first, so a late step cannot overtake an expiry.
  // With an `idempotency_key`, a retry of a step already taken returns the
  // case without taking it again (`replayed` set); the key is stored on the
  // event row, in the same transaction as the step.
  // `ground`: the coded ground a refusal, inability report or objection
  // cites (workflows.yaml `grounds`; GroundInvalid otherwise).
  // A case opened on a signed order that names a validating authority takes
  // `validate` or `validate_ex_post` only with the validator's
  // `countersign`ature, verified with every other signature as of now and
  // saved with the step (Untrusted otherwise: missing_signature, or what the
  // verification found, at $.signature); a countersignature where none is due
  // is Invalid at $.signature. The workflow's guards decide the rest: such an
  // order is never `mark_ready` without its validator (Conflict, reason "not
  // validator_named"). A refused step is step_refused()'s error (actor.hpp).
  CaseRecord step(std::string_view case_id, std::string_view event, const Actor& actor, std::string_view reason = {},
                  std::string_view idempotency_key = {}, bool* replayed = nullptr, std::string_view ground = {},
                  const Countersignature* countersign = nullptr);

  // The user-notification plan (Reg. 2023/1543 Art 13), by the issuing
  // authority's officer: Notified records that the person was informed;
  // Delay keeps (or starts) a delay until `review_date` (after today) for
  // `reason` (Art 13(2)), which the audit keeps as a digest. Forbidden for
  // other roles; Conflict when there is no plan or the person was informed.
  CaseRecord record_notice(std::string_view case_id, const Actor& actor, NoticeAction action,
                           std::string_view review_date = {}, std::string_view reason = {});

  // One consolidated review per side: the requesting side's validator or
  // central authority, or the requested side's central or enforcing
  // authority, records a verdict on every check of the chosen pathway —
  // agree, or override with a reason. Checks not listed are agreed with when
  // `agree_rest`; a needs_review check must be listed with a reason (the
  // reviewer decides what the code could not). Saves the review with an
  // audit entry for it and one per override. Invalid with field
  // paths; Forbidden for other roles; Conflict if the side has reviewed.
  // The engine's decision is not changed: the review is the record beside it.
  CaseReview review(std::string_view case_id, const Actor& actor, const std::vector<CheckVerdict>& verdicts,
                    bool agree_rest);

  // The decision the case rests on (comity.decision/1 JSON): rendered again
  // from the recorded request, rule pack and date — the engine is
  // deterministic — or, for cases from before schema v7, as stored.
  // Conflict when this node does not hold the case's pack.
  std::string decision_text(const CaseRecord& r) const;
  // An earlier decision of the case, before re-decision `seq` (1-based;
  // Store::redecisions): rendered from that re-decision's `from` pack and
  // date. NotFound when the case has no such re-decision.
  std::string earlier_decision_text(const CaseRecord& r, int64_t seq);

  // Decides case `case_id` again under the current pack as of today, by the
  // requesting side (its officer, validator or central authority; Forbidden
  // otherwise), for `reason` (Invalid at $.reason when empty). The case
  // keeps its pathway, state, history and running clocks; it takes the new
  // entry (checks, deadlines, order terms), and clocks started from now on
  // follow the new pack. The earlier decision is kept (Store::redecisions)
  // and can be rendered again. Refused, writing nothing: Conflict when the
  // case is closed or already rests on the current pack, or when the current
  // pack's workflow lacks the case's workflow or state; NotLawful when the
  // pathway is no longer lawful for the request under the current pack.
  CaseRecord redecide(std::string_view case_id, const Actor& actor, std::string_view reason);

  // Acts on the expired clocks of one case; saves only if something fired.
  // Returns the events fired.
  std::vector<std::string> expire(std::string_view case_id);

  // Reg. 2023/1543 Art 10: a clock that runs "upon receipt" starts when the
  // addressee (or the notified authority) received the order, not when it
  // was sent. On a federated node that instant is `received`, the
  // delivered_at of the peer's signed receipt. The running clocks of case
  // `case_id` that the step `sent_by` (transmit, transmit_emergency)
  // started and whose deadline starts at `starts` (the pack's words:
  // "receipt of the EPOC", "notification") move to start at `received`,
  // their due times with them — later only, never earlier. Saved with an
  // audit entry by `actor`; returns the deadline ids moved (none: nothing
  // saved). Throws ServiceError{NotFound} without the case.
  std::vector<std::string> start_clocks_at_receipt(std::string_view case_id, std::string_view sent_by,
                                                   std::string_view starts, Instant received, const Actor& actor);

 private:
  // Adds a due validator's signature to the case's signed order (see step).
  void countersign_order(CaseRecord& r, std::string_view event, const Countersignature* countersign, Instant now);
  CaseRecord prepare(RequestParse parsed, std::string_view request_json, std::string_view pathway, Role role,
                     const Actor& actor, std::string_view idempotency_key, std::optional<PathwayResult>& chosen_out);
  OpenAttempt attempt(std::string request_json, const std::function<RequestParse()>& parse, std::string_view pathway,
                      Role role, const Actor& actor, std::string_view idempotency_key);
  CaseRecord load(std::string_view case_id);
  AuditEntry audit_entry(const Actor& actor, std::string_view action, std::string_view object,
                         std::string_view payload) const;

  Store& store_;
  PackRegistry own_;  // the one pack of the single-pack constructor
  const PackRegistry& packs_;
  const Clock& clock_;
  IdSource& ids_;
};

}  // namespace comity
