#include "comity/server/http.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "comity/model/json_guard.hpp"

namespace comity {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

}  // namespace

std::string HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return {};
}

bool HttpRequest::has_header(std::string_view name) const {
  return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return iequals(h.first, name); });
}

std::string HttpRequest::param(std::string_view name) const {
  auto it = query.find(std::string(name));
  return it == query.end() ? std::string() : it->second;
}

void HttpResponse::set_header(std::string_view name, std::string value) {
  erase_header(name);
  headers.emplace_back(std::string(name), std::move(value));
}

void HttpResponse::erase_header(std::string_view name) {
  headers.erase(std::remove_if(headers.begin(), headers.end(), [&](const auto& h) { return iequals(h.first, name); }),
                headers.end());
}

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return {};
}

std::string safe_dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void set_problem(HttpResponse& res, int status, std::string_view title, std::string_view detail,
                 const FieldErrors& errors, std::string_view reason, std::string_view kind) {
  nlohmann::json p = {{"type", "about:blank"}, {"title", title}, {"status", status}, {"detail", detail}};
  if (!kind.empty()) p["kind"] = kind;
  if (!reason.empty()) p["reason"] = reason;
  if (!errors.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& e : errors) list.push_back({{"path", e.path}, {"message", e.message}});
    p["errors"] = std::move(list);
  }
  res.stream = nullptr;
  res.stream_size = 0;
  res.send(safe_dump(p), "application/problem+json", status);
}

void set_error(HttpResponse& res, const Error& e) {
  const ErrorKindInfo& info = error_kind_info(e.kind);
  if (e.retry_after > 0) res.set_header("Retry-After", std::to_string(e.retry_after));
  set_problem(res, info.http_status, info.title, info.expose_detail ? e.what() : "the request could not be completed",
              info.expose_detail ? e.field_errors : FieldErrors{}, info.expose_detail ? e.reason : "", info.name);
}

bool media_type_is(std::string_view header, std::string_view type) {
  auto is_space = [](char c) { return c == ' ' || c == '\t'; };
  size_t end = header.find(';');
  std::string_view essence = header.substr(0, end);
  while (!essence.empty() && is_space(essence.front())) essence.remove_prefix(1);
  while (!essence.empty() && is_space(essence.back())) essence.remove_suffix(1);
  if (!iequals(essence, type)) return false;
  // Parameters, if any, are visible ASCII (a NUL or control byte is not a parameter).
  if (end == std::string_view::npos) return true;
  std::string_view params = header.substr(end);
  return std::all_of(params.begin(), params.end(),
                     [&](char c) { return is_space(c) || (static_cast<unsigned char>(c) > 32 && c != 127); });
}

nlohmann::json json_body(const HttpRequest& req) {
  if (!media_type_is(req.header("Content-Type"), "application/json"))
    throw Error(ErrorKind::UnsupportedMediaType, "send the body as application/json",
                {{"$header.Content-Type", "application/json"}});
  FieldErrors errors;
  auto j = parse_json_guarded(req.body, JsonLimits{}, errors);
  if (!j) {
    // Syntax, size and depth are at "$"; a member repeated in one object is
    // well-formed but says two things, and is named by its path.
    if (errors.at(0).path != "$") throw Error(ErrorKind::Invalid, "the body repeats a member", errors);
    throw Error(ErrorKind::Malformed, "the body is not JSON: " + errors.at(0).message, errors);
  }
  if (!j->is_object()) throw Error(ErrorKind::Malformed, "the body must be a JSON object", {{"$", "a JSON object"}});
  return std::move(*j);
}

void body_does_not_match(FieldErrors errors) {
  throw Error(ErrorKind::Invalid, "the body does not match", std::move(errors));
}

bool small_decimal(std::string_view text) {
  return !text.empty() && text.size() <= 18 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace comity
