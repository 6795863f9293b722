// The witness of peers' logs (docs/federation.md §6, service/witness.hpp):
// POST /fed/v1/witness/add-checkpoint as tlog-witness v1.0.0 defines it.
// The whole check, with any fork evidence it finds, is one group-commit
// job, so the cosignature leaves only once the state it promises is
// durable, and the evidence stays even when the answer is a refusal.
#include "comity/server/handlers.hpp"
#include "comity/service/witness.hpp"

namespace comity::handlers {

namespace {

ErrorKind kind_of(int status) {
  switch (status) {
    case 400: return ErrorKind::Malformed;
    case 403: return ErrorKind::Forbidden;
    case 404: return ErrorKind::NotFound;
    case 409: return ErrorKind::Conflict;
    default: return ErrorKind::IntegrityFailed;  // 422: the proof does not verify
  }
}

}  // namespace

// 200: the cosignature line; 409 on the old size: that size as
// text/x.tlog.size; other refusals: a problem with the status the
// specification gives.
void post_witness_checkpoint(Node& node, Call& call) {
  node.federated();
  WitnessService& witness = *node.witness;
  WitnessVerdict v;
  node.durably([&] { v = witness.add_checkpoint(node.store, call.req.body, node.clock.now()); });
  if (v.status == 200) {
    call.res.send(v.body, "text/plain; charset=utf-8");
    return;
  }
  if (!v.content_type.empty()) {
    call.res.send(v.body, v.content_type, v.status);
    return;
  }
  throw Error(kind_of(v.status), v.detail);
}

}  // namespace comity::handlers
