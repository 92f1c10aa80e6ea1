// Parameters and form bodies of the request check: decoded by style and
// explode (param_decode), coerced to their schema types, then validated.
#include <algorithm>

#include "validator/check/request_validator.h"
#include "validator/text_util.h"

namespace specgate::validator {

namespace {

// Kibana's name for each part of a request in its validation messages.
std::string_view kibana_prefix(param_location in) {
  switch (in) {
    case param_location::path: return "request params";
    case param_location::query: return "request query";
    case param_location::header: return "request headers";
    case param_location::cookie: return "request cookies";
  }
  return "request query";
}

violation_location where(param_location in) {
  switch (in) {
    case param_location::path: return violation_location::path;
    case param_location::query: return violation_location::query;
    case param_location::header: return violation_location::header;
    case param_location::cookie: return violation_location::cookie;
  }
  return violation_location::query;
}

// The type Kibana names for an absent value: "expected value of type [array] but got [undefined]".
std::string_view expected_type(const param_shape& shape) {
  if (shape.types == json_types::any) return "any";
  if (shape.admits(json_types::array)) return "array";
  if (shape.admits(json_types::object)) return "object";
  if (shape.admits(json_types::string)) return "string";
  if (shape.admits(json_types::number) || shape.admits(json_types::integer)) return "number";
  if (shape.admits(json_types::boolean)) return "boolean";
  return "any";
}

std::string_view unquote(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return v.substr(1, v.size() - 2);
  return v;
}

}  // namespace

void request_validator::check_parameters(const operation& op, const request_input& in, const route_match& route,
                                         violations& out) const {
  if (op.parameters.empty()) return;
  const std::size_t q = in.target.find('?');
  parsed_pairs query, cookies;
  bool query_parsed = false, cookies_parsed = false;
  std::vector<std::string_view> header_values;

  // Kibana validates params, then query (then the body); headers and cookies follow.
  std::vector<const parameter*> ordered;
  ordered.reserve(op.parameters.size());
  for (param_location l : {param_location::path, param_location::query, param_location::header, param_location::cookie})
    for (const parameter& p : op.parameters)
      if (p.in == l) ordered.push_back(&p);

  for (const parameter* declared : ordered) {
    const parameter& p = *declared;
    if (kibana_ && p.in == param_location::header) {
      // A declared kbn-xsrf header is Kibana's XSRF rule, which kbn-version also satisfies; when it
      // is missing the xsrf check has already said so. A declared elastic-api-version is the
      // version check's: a route without it is served with its oldest version, even when the
      // document marks it required.
      if (iequals(p.name, "kbn-xsrf") && !find_header(in.headers, "kbn-xsrf")) continue;
      if (iequals(p.name, "elastic-api-version")) continue;
    }
    raw_param_input input;
    input.other_names = p.siblings;
    switch (p.in) {
      case param_location::query:
        if (!query_parsed) {
          if (q != std::string_view::npos) query = parse_query(in.target.substr(q + 1));
          query_parsed = true;
        }
        input.pairs = query.pairs;
        break;
      case param_location::cookie:
        if (!cookies_parsed) {
          if (auto c = find_header(in.headers, "cookie")) cookies = parse_cookies(*c);
          cookies_parsed = true;
        }
        input.pairs = cookies.pairs;
        break;
      case param_location::path:
        for (const auto& [name, value] : route.path_params)
          if (name == p.name) input.path_value = value;
        break;
      case param_location::header:
        header_values.clear();
        for (const auto& [name, value] : in.headers)
          if (iequals(name, p.name)) header_values.push_back(value);
        input.header_values = header_values;
        break;
    }
    decode_result decoded = decode_parameter(p, p.shape, input);
    const std::string schema_ptr = "#" + p.pointer;
    if (decoded.error) {
      violation v;
      v.code = "malformed_parameter";
      v.location = where(p.in);
      v.name = p.name;
      v.schema_pointer = schema_ptr;
      v.keyword = "style";
      v.expected = p.style + (p.explode ? " (explode)" : "");
      v.found = decoded.error->found;
      v.message = "[" + std::string(kibana_prefix(p.in)) + "." + p.name + "]: " + decoded.error->message;
      out.push_back(std::move(v));
      continue;
    }
    if (!decoded.value) {
      if (!p.required) continue;
      violation v;
      v.code = "required";
      v.location = where(p.in);
      v.name = p.name;
      v.schema_pointer = schema_ptr + "/required";
      v.keyword = "required";
      v.expected = std::string(expected_type(p.shape));
      v.found = "undefined";
      v.message = "[" + std::string(kibana_prefix(p.in)) + "." + p.name + "]: expected value of type [" + v.expected +
                  "] but got [undefined]";
      out.push_back(std::move(v));
      continue;
    }
    if (p.schema == no_schema || contract_.schemas().is_valid(p.schema, *decoded.value)) continue;
    const std::string field = std::string(kibana_prefix(p.in)) + "." + p.name;
    for (auto& e : contract_.schemas().explain(p.schema, *decoded.value, field)) {
      violation v;
      v.code = e.keyword.empty() ? "schema" : e.keyword;
      v.location = where(p.in);
      v.name = p.name;
      v.instance_pointer = e.instance_pointer;
      v.schema_pointer = e.schema_pointer.empty() ? schema_ptr + "/schema" : e.schema_pointer;
      v.keyword = e.keyword;
      v.expected = e.expected;
      v.found = e.found;
      v.message = "[" + kibana_field(field, e.instance_pointer) + "]: " + e.message;
      out.push_back(std::move(v));
    }
  }
}

request_validator::form_result request_validator::decode_form(const media_type& media, const request_input& in,
                                                              std::string_view content_type) const {
  form_result result;
  std::vector<form_field> fields;
  if (media.essence == "application/x-www-form-urlencoded") {
    for (auto& p : parse_query(in.body).pairs) fields.push_back({std::move(p.key), std::move(p.value), false});
  } else {
    // multipart/form-data (RFC 7578): parts between "--boundary" lines.
    std::string boundary;
    if (auto parsed = parse_media_type(content_type))
      for (const auto& [name, value] : parsed->second)
        if (name == "boundary") boundary = std::string(unquote(value));
    if (boundary.empty()) {
      result.error = "multipart/form-data without a boundary parameter";
      return result;
    }
    const std::string delimiter = "--" + boundary;
    std::string_view body = in.body;
    std::size_t pos = body.find(delimiter);
    if (pos == std::string_view::npos) {
      result.error = "multipart body without its boundary";
      return result;
    }
    for (;;) {
      pos += delimiter.size();
      if (body.substr(pos, 2) == "--") break;  // closing delimiter
      if (body.substr(pos, 2) != "\r\n") {
        result.error = "malformed multipart delimiter line";
        return result;
      }
      pos += 2;
      const std::size_t headers_end = body.find("\r\n\r\n", pos);
      const std::size_t next = body.find("\r\n" + delimiter, pos);
      if (headers_end == std::string_view::npos || next == std::string_view::npos || headers_end > next) {
        result.error = "unterminated multipart part";
        return result;
      }
      std::string_view headers = body.substr(pos, headers_end - pos);
      std::string_view content = body.substr(headers_end + 4, next - headers_end - 4);
      std::string name;
      bool json_part = false;
      for (std::size_t line_start = 0; line_start <= headers.size();) {
        std::size_t line_end = headers.find("\r\n", line_start);
        if (line_end == std::string_view::npos) line_end = headers.size();
        std::string_view line = headers.substr(line_start, line_end - line_start);
        line_start = line_end + 2;
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        if (iequals(trim(line.substr(0, colon)), "content-type")) {
          // The part says what it holds: "Content-Type: application/json" is JSON text.
          auto part_type = parse_media_type(trim(line.substr(colon + 1)));
          json_part = part_type && is_json_essence(part_type->first);
          continue;
        }
        if (!iequals(line.substr(0, colon), "content-disposition")) continue;
        std::string_view rest = line.substr(colon + 1);
        const std::size_t at = rest.find("name=");
        for (std::size_t i = at; i != std::string_view::npos; i = rest.find("name=", i + 1)) {
          if (i > 0 && rest[i - 1] != ' ' && rest[i - 1] != ';') continue;  // not "filename="
          std::string_view value = rest.substr(i + 5);
          value = value.substr(0, value.find(';'));
          while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
          name = std::string(unquote(value));
          break;
        }
      }
      if (name.empty()) {
        result.error = "a multipart part without a form-data name";
        return result;
      }
      fields.push_back({std::move(name), std::string(content), json_part});
      pos = next + 2;
    }
  }
  form_decode_result decoded = decode_form_fields(media.form_shape, fields, media.form_encodings, limits_.max_depth);
  result.value = std::move(decoded.value);
  result.field_error = std::move(decoded.error);
  return result;
}

}  // namespace specgate::validator
