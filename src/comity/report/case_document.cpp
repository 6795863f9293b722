// The formal document of a case.
//
// Which document: the pathway decides. An EPOC or EPOC-PR is a certificate
// with the sections of Annexes I and II (authorities, addressee,
// emergency, data sought, offence, notification); a case that goes through
// central authorities (the `mla` workflow) is a letter of request to the
// counterpart's central authority, with the facts and reasons mutual
// assistance needs; the other direct pathways get an order with the
// certificate's sections.
//
// Language: the field titles come from labels.text, coded values from
// labels.codes (a group per vocabulary), both indexed en, fr, de. Free
// text (names, facts, provisions) is printed as the requesting authority
// wrote it: Comity does not translate it.
#include "comity/report/case_document.hpp"

#include "comity/report/pdf.hpp"

namespace comity {
namespace {

using nlohmann::json;

class Labeller {
 public:
  Labeller(const json& labels, std::string_view lang) : labels_(labels) {
    const auto& langs = labels.at("languages");  // ["en", "fr", "de"]: the order of every label's entries
    for (size_t i = 0; i < langs.size(); ++i)
      if (langs[i] == lang) index_ = static_cast<int>(i);
  }
  std::string text(const std::string& key) const { return pick(labels_.at("text"), key); }
  std::string code(const std::string& group, const std::string& value) const {
    auto g = labels_.at("codes").find(group);
    return g == labels_.at("codes").end() ? value : pick(*g, value);
  }
  std::string codes(const std::string& group, const json& values) const {
    std::string out;
    if (!values.is_array()) return out;
    for (const auto& v : values) {
      if (!v.is_string()) continue;
      if (!out.empty()) out += "; ";
      out += code(group, v.get<std::string>());
    }
    return out;
  }

 private:
  std::string pick(const json& group, const std::string& key) const {
    auto it = group.find(key);
    if (it == group.end() || !it->is_array() || it->size() <= static_cast<size_t>(index_)) return key;
    return (*it)[static_cast<size_t>(index_)].get<std::string>();
  }
  const json& labels_;
  int index_ = 0;
};

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

void authority(pdf::Document& doc, const Labeller& l, const json& a) {
  doc.field(l.text("doc.name"), str(a, "name") + (str(a, "id").empty() ? "" : "  (" + str(a, "id") + ")"));
  doc.field(l.text("doc.type"), l.code("AuthorityType", str(a, "type")));
  doc.field(l.text("doc.state"), l.code("state", str(a, "state")));
  doc.field(l.text("doc.contact"), str(a, "contact"));
}

void data_sought(pdf::Document& doc, const Labeller& l, const json& r) {
  doc.heading(l.text("doc.section.data"));
  doc.field(l.text("doc.measure"), l.code("Measure", str(r, "measure")));
  doc.field(l.text("doc.categories"), l.codes("DataCategory", r.value("data_categories", json::array())));
  std::string items;
  for (const auto& i : r.value("data_items", json::array()))
    if (i.is_string()) items += (items.empty() ? "" : "; ") + i.get<std::string>();
  doc.field(l.text("doc.items"), items);
  std::string ids;
  for (const auto& i : r.value("identifiers", json::array()))
    ids += (ids.empty() ? "" : "\n") + l.code("IdentifierType", str(i, "type")) + ": " + str(i, "value");
  doc.field(l.text("doc.identifiers"), ids);
  if (auto t = r.find("time_range"); t != r.end() && t->is_object())
    doc.field(l.text("doc.period"), str(*t, "from") + " \u2013 " + str(*t, "to"));
}

void offences(pdf::Document& doc, const Labeller& l, const json& r) {
  doc.heading(l.text("doc.section.offence"));
  for (const auto& o : r.value("offences", json::array())) {
    std::string iccs = str(o, "iccs_code");
    doc.field(l.text("doc.iccs"), iccs + " " + l.code("iccs", iccs));
    doc.field(l.text("doc.provision"), str(o, "national_provision"));
    auto m = o.find("max_penalty_months");
    std::string penalty = m == o.end()             ? ""
                          : m->is_number_integer() ? std::to_string(m->get<long long>()) + " " + l.text("doc.months")
                                                   : l.text("doc.life");
    doc.field(l.text("doc.max_penalty"), penalty);
  }
}

void emergency(pdf::Document& doc, const Labeller& l, const json& r) {
  json u = r.value("urgency", json::object());
  bool is = u.value("is_emergency", false);
  doc.heading(l.text("doc.section.emergency"));
  doc.field(l.text("doc.is_emergency"), l.text(is ? "doc.yes" : "doc.no"));
  if (is) {
    doc.field(l.text("doc.emergency_type"), l.code("EmergencyType", str(u, "emergency_type")));
    doc.field(l.text("doc.justification"), str(u, "justification"));
  }
}

void signatures(pdf::Document& doc, const Labeller& l, const json& signed_order) {
  doc.heading(l.text("doc.section.signatures"));
  if (!signed_order.is_object()) {
    doc.paragraph(l.text("doc.unsigned"));
    return;
  }
  doc.field(l.text("doc.reference"), str(signed_order, "id"));
  doc.field(l.text("doc.issued_at"), str(signed_order, "issued_at"));
  doc.field(l.text("doc.expires_at"), str(signed_order, "expires_at"));
  for (const auto& s : signed_order.value("signatures", json::array())) {
    std::string chain;
    for (const auto& c : s.value("chain", json::array())) chain += (chain.empty() ? "" : " \u2192 ") + str(c, "name");
    doc.field(l.text("doc.signed_by") + " (" + l.code("role", str(s, "role")) + ")",
              chain + "\nEd25519 " + str(s, "signer"));
  }
}

}  // namespace

json order_certificate_fields(const json& r) {
  json out = json::object();
  for (const char* key : {"case_reference", "requesting_state", "issuing_authority", "validating_authority", "measure",
                          "data_categories", "data_items", "identifiers", "time_range", "urgency"})
    if (auto it = r.find(key); it != r.end()) out[key] = *it;
  if (auto p = r.find("provider"); p != r.end() && p->is_object()) {
    json provider = json::object();
    for (const char* key : {"id", "legal_name", "hq_state", "establishments"})
      if (auto it = p->find(key); it != p->end()) provider[key] = *it;
    out["provider"] = provider;
  }
  json offences = json::array();
  for (const auto& o : r.value("offences", json::array())) {
    json x = json::object();
    for (const char* key : {"national_provision", "iccs_code", "max_penalty_months"})
      if (auto it = o.find(key); it != o.end()) x[key] = *it;
    offences.push_back(x);
  }
  out["offences"] = offences;
  if (auto n = r.find("user_notification_plan"); n != r.end() && n->is_object())
    out["user_notification_mode"] = (*n)["mode"];
  return out;
}

std::string case_document_pdf(const CaseDocumentInput& in, DocumentScope scope, const json& labels,
                              std::string_view lang) {
  Labeller l(labels, lang);
  const json r = scope == DocumentScope::Full ? in.request : order_certificate_fields(in.request);
  const bool mla = in.workflow == "mla";
  const std::string kind = in.pathway == "P_EU_EPOC"      ? "doc.epoc"
                           : in.pathway == "P_EU_EPOC_PR" ? "doc.epoc_pr"
                           : mla                          ? "doc.mla"
                                                          : "doc.order";
  const std::string title = l.text(kind);
  pdf::Document doc(title, std::string(lang));
  doc.footer(l.text("doc.footer") + " \u00b7 " + in.case_id);
  doc.paragraph(title, pdf::Face::Bold, 16);
  doc.field(l.text("doc.legal_basis"),
            kind == "doc.epoc" || kind == "doc.epoc_pr" ? l.text(kind + ".basis") : l.code("pathway", in.pathway));
  doc.field(l.text("doc.case_reference"), str(r, "case_reference"));
  if (mla) {
    doc.field(l.text("doc.to"), l.code("state", in.counterpart_state));
  }

  doc.heading(l.text("doc.section.authority"));
  authority(doc, l, r.value("issuing_authority", json::object()));
  if (auto v = r.find("validating_authority"); v != r.end() && v->is_object()) {
    doc.heading(l.text("doc.section.validation"));
    authority(doc, l, *v);
  }
  json provider = r.value("provider", json::object());
  doc.heading(l.text("doc.section.addressee"));
  doc.field(l.text("doc.provider"), str(provider, "legal_name") + "  (" + str(provider, "id") + ")");
  std::string est;
  for (const auto& e : provider.value("establishments", json::array()))
    est += (est.empty() ? "" : "\n") + l.code("EstablishmentType", str(e, "type")) + ", " +
           l.code("state", str(e, "state")) +
           (str(e, "legal_entity_id").empty() ? "" : ", " + str(e, "legal_entity_id"));
  doc.field(l.text("doc.establishment"), est);

  emergency(doc, l, r);
  data_sought(doc, l, r);
  offences(doc, l, r);

  doc.heading(l.text("doc.section.facts"));
  if (scope == DocumentScope::Full) {
    doc.field(l.text("doc.facts"), str(r, "facts_summary"));
    doc.field(l.text("doc.relevance"), str(r, "relevance_statement"));
    doc.field(l.text("doc.necessity"), str(r, "necessity_statement"));
  } else {
    doc.paragraph(l.text("doc.withheld"));
  }

  doc.heading(l.text("doc.section.notice"));
  std::string mode = scope == DocumentScope::Full ? str(r.value("user_notification_plan", json::object()), "mode")
                                                  : str(r, "user_notification_mode");
  doc.field(l.text("doc.notice_mode"), l.code("NoticeMode", mode));

  if (in.clocks.is_array() && !in.clocks.empty()) {
    doc.heading(l.text("doc.section.deadlines"));
    for (const auto& c : in.clocks)
      doc.field(str(c, "label"),
                l.text("doc.due") + " " + str(c, "due") + " \u00b7 " + l.code("clock_status", str(c, "status")));
  }
  signatures(doc, l, in.signed_order);
  return doc.finish();
}

}  // namespace comity
