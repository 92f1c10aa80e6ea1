#include "validator/check/response_validator.h"

#include <string>

#include "validator/document/json_text.h"
#include "validator/text_util.h"

namespace specgate::validator {

namespace {
// A response (from a real Kibana behind the proxy) may nest deeper than a
// request may; still bounded, so a broken upstream cannot exhaust the stack.
constexpr std::size_t response_json_depth = 512;
// Kibana answers JSON as `application/json; charset=utf-8` and states the version in the
// `elastic-api-version` header; its document writes the pair as one media type key,
// `application/json; Elastic-Api-Version=2023-10-31` (a documentation artifact). The pair
// matches the key whose essence and version agree (other parameters: only charset).
const media_type* kibana_versioned_media(const response& declared, std::string_view content_type,
                                         std::optional<std::string_view> version) {
  if (!version) return nullptr;
  const auto parsed = parse_media_type(content_type);
  if (!parsed) return nullptr;
  for (const auto& [name, value] : parsed->second)
    if (name != "charset") return nullptr;
  for (const auto& m : declared.content) {
    if (m.essence != parsed->first) continue;
    for (const auto& [name, value] : m.parameters)
      if (name == "elastic-api-version" && iequals(value, trim(*version))) return &m;
  }
  return nullptr;
}

}  // namespace

const response* find_response(const operation& op, int status) {
  const std::string exact = std::to_string(status);
  for (const auto& r : op.responses)
    if (r.status == exact) return &r;
  for (const auto& r : op.responses)
    if (r.status.size() == 3 && (r.status[1] == 'X' || r.status[1] == 'x') && r.status[0] == exact[0]) return &r;
  for (const auto& r : op.responses)
    if (r.status == "default") return &r;
  return nullptr;
}

violations response_validator::check(const operation& op, const response_input& in) const {
  violations out;
  const std::string status = std::to_string(in.status);
  const response* declared = find_response(op, in.status);
  if (!declared) {
    if (op.responses.empty()) return out;  // `responses: {}` declares nothing to hold it to
    violation v;
    v.code = "undeclared_status";
    v.location = violation_location::status;
    v.schema_pointer = "#" + op.pointer + "/responses";
    v.keyword = "responses";
    for (const auto& r : op.responses) v.expected += (v.expected.empty() ? "" : ", ") + r.status;
    v.found = status;
    v.message = "[response status]: " + status + " is not a declared response of " + op.operation_id + " (declared: " +
                v.expected + ")";
    v.status = 502;
    out.push_back(std::move(v));
    return out;
  }
  if (declared->unchecked) return out;  // its definition is broken (reported at load): anything goes

  for (const auto& h : declared->headers) {
    if (h.name == "Content-Type" || h.name == "content-type") continue;  // OpenAPI: ignored
    auto value = request_validator::find_header(in.headers, h.name);
    if (!value) {
      if (!h.required) continue;
      violation v;
      v.code = "required";
      v.location = violation_location::header;
      v.name = h.name;
      v.schema_pointer = "#" + h.pointer + "/required";
      v.keyword = "required";
      v.expected = "present";
      v.found = "undefined";
      v.message = "[response headers." + h.name + "]: expected a value but got [undefined]";
      v.status = 502;
      out.push_back(std::move(v));
      continue;
    }
    if (h.schema == no_schema) continue;
    // Header values are strings; numbers and booleans are coerced before the schema check.
    json candidate = std::string(*value);
    if (!contract_.schemas().is_valid(h.schema, candidate)) {
      json coerced;
      json_text_error error;
      if (parse_json_text(*value, 1, coerced, error) && coerced.is_primitive() &&
          contract_.schemas().is_valid(h.schema, coerced))
        continue;
      for (auto& e : contract_.schemas().explain(h.schema, candidate, "response headers." + h.name)) {
        violation v;
        v.code = e.keyword.empty() ? "schema" : e.keyword;
        v.location = violation_location::header;
        v.name = h.name;
        v.schema_pointer = e.schema_pointer.empty() ? "#" + h.pointer + "/schema" : e.schema_pointer;
        v.keyword = e.keyword;
        v.expected = e.expected;
        v.found = e.found;
        v.message = "[response headers." + h.name + "]: " + e.message;
        v.status = 502;
        out.push_back(std::move(v));
      }
    }
  }

  if (declared->content.empty()) {
    if (!in.body.empty()) {
      violation v;
      v.code = "undeclared_body";
      v.location = violation_location::body;
      v.schema_pointer = "#" + declared->pointer;
      v.expected = "no body";
      v.found = std::to_string(in.body.size()) + " bytes";
      v.message = "[response body]: " + op.operation_id + " " + declared->status + " declares no content";
      v.status = 502;
      out.push_back(std::move(v));
    }
    return out;
  }
  const auto content_type = request_validator::find_header(in.headers, "content-type");
  const media_type* media = nullptr;
  if (content_type)
    for (const auto& m : declared->content)
      if (media_type_matches(m, *content_type)) {
        media = &m;
        break;
      }
  if (!media && content_type && contract_.profile() == profile::kibana)
    media = kibana_versioned_media(*declared, *content_type, request_validator::find_header(in.headers, "elastic-api-version"));
  if (!media) {
    violation v;
    v.code = "undeclared_content_type";
    v.location = violation_location::content_type;
    v.name = "content-type";
    v.schema_pointer = "#" + declared->pointer + "/content";
    v.keyword = "content";
    for (const auto& m : declared->content) v.expected += (v.expected.empty() ? "" : ", ") + m.key;
    v.found = content_type ? std::string(*content_type) : "none";
    v.message = "[response content-type]: " + v.found + " is not declared for " + op.operation_id + " " +
                declared->status + " (declared: " + v.expected + ")";
    v.status = 502;
    out.push_back(std::move(v));
    return out;
  }
  if (media->schema == no_schema) return out;
  auto check_value = [&](const json& value, const std::string& prefix) {
    if (contract_.schemas().is_valid(media->schema, value)) return;
    for (auto& e : contract_.schemas().explain(media->schema, value, "response body")) {
      violation v;
      v.code = e.keyword.empty() ? "schema" : e.keyword;
      v.location = violation_location::body;
      v.instance_pointer = prefix + e.instance_pointer;
      v.schema_pointer = e.schema_pointer.empty() ? "#" + media->pointer + "/schema" : e.schema_pointer;
      v.keyword = e.keyword;
      v.expected = e.expected;
      v.found = e.found;
      v.message = "[" + kibana_field("response body", v.instance_pointer) + "]: " + e.message;
      v.status = 502;
      out.push_back(std::move(v));
    }
  };
  auto parse = [&](std::string_view text, const std::string& prefix) -> std::optional<json> {
    json value;
    json_text_error error;
    if (parse_json_text(text, response_json_depth, value, error)) return value;
    violation v;
    v.code = error.what == json_text_error::kind::too_deep ? "too_deep" : "malformed_json";
    v.location = violation_location::body;
    v.instance_pointer = prefix;
    v.schema_pointer = "#" + media->pointer;
    v.expected = "valid JSON";
    switch (error.what) {
      case json_text_error::kind::too_deep:
        v.found = "nesting deeper than " + std::to_string(response_json_depth);
        v.message = "[response body]: JSON nested deeper than " + std::to_string(response_json_depth) + " levels";
        break;
      case json_text_error::kind::out_of_range:
        v.found = "a number too large for a double at byte " + std::to_string(error.byte);
        v.message = "[response body]: not valid JSON: number out of range (byte " + std::to_string(error.byte) + ")";
        break;
      case json_text_error::kind::malformed:
        v.found = "invalid JSON at byte " + std::to_string(error.byte);
        v.message = "[response body]: not valid JSON (byte " + std::to_string(error.byte) + ")";
        break;
    }
    v.status = 502;
    out.push_back(std::move(v));
    return std::nullopt;
  };
  if (is_json_essence(media->essence)) {
    if (auto value = parse(in.body, "")) check_value(*value, "");
  } else if (media->essence == "application/x-ndjson" || media->essence == "application/ndjson") {
    std::size_t line_no = 0, start = 0;
    while (start < in.body.size()) {
      std::size_t nl = in.body.find('\n', start);
      std::string_view line = in.body.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
      start = nl == std::string_view::npos ? in.body.size() : nl + 1;
      if (!line.empty()) {
        const std::string prefix = "/" + std::to_string(line_no);
        if (auto value = parse(line, prefix)) check_value(*value, prefix);
      }
      ++line_no;
    }
  } else if (media->essence.starts_with("text/")) {
    check_value(json(std::string(in.body)), "");
  }
  return out;
}

}  // namespace specgate::validator
