// The formal document of a case, as PDF, in the reader's language: the
// certificate of a European Production or Preservation Order (Reg. (EU)
// 2023/1543 Annexes I and II), a request for mutual legal assistance, or an
// order for the other direct pathways. Rendered from the case's coded
// fields; every coded value through web/labels.json (English, French,
// German). Pure: no I/O.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace comity {

// How much of the request the reader may see: the full file, or only what
// the order itself carries (the addressee: Reg. 2023/1543 Art 9(3) — no
// necessity grounds, no case summary).
enum class DocumentScope : uint8_t { Full, OrderOnly };

struct CaseDocumentInput {
  std::string case_id, pathway, workflow, counterpart_state;
  nlohmann::json request;       // the request as stored
  nlohmann::json signed_order;  // the verified signatures (case view's signed_order), or null
  nlohmann::json clocks;        // the case view's clocks
};

// What an order addressed to a provider carries of the request (Reg.
// 2023/1543 Art 5(5)(a)-(h), Art 9(3)): authorities, addressee, users and
// identifiers, data sought and time range, the criminal-law provisions,
// emergency reasons, the notification plan's mode. Never the facts, the
// relevance or necessity statements, or persons' details.
nlohmann::json order_certificate_fields(const nlohmann::json& request);

// The document as a PDF file. `labels` is web/labels.json; `lang` one of its
// languages (REQUIRES: checked by the caller). A value without a label is
// printed as its code.
std::string case_document_pdf(const CaseDocumentInput& in, DocumentScope scope, const nlohmann::json& labels,
                              std::string_view lang);

}  // namespace comity
