#include "validator/check/request_validator.h"

#include <algorithm>
#include <array>

#include "validator/document/json_text.h"
#include "validator/text_util.h"

namespace specgate::validator {

namespace {

std::string operation_pointer(const operation& op, std::string_view suffix) {
  return "#" + op.pointer + std::string(suffix);
}

}  // namespace

std::string_view location_name(violation_location l) {
  switch (l) {
    case violation_location::route: return "route";
    case violation_location::security: return "security";
    case violation_location::header: return "header";
    case violation_location::path: return "path";
    case violation_location::query: return "query";
    case violation_location::cookie: return "cookie";
    case violation_location::content_type: return "content-type";
    case violation_location::body: return "body";
    case violation_location::status: return "status";
  }
  return "body";
}

std::string kibana_field(std::string_view prefix, std::string_view instance_pointer) {
  std::string out(prefix);
  auto tokens = split_pointer(instance_pointer);
  if (!tokens) return out;
  for (const auto& t : *tokens) {
    out += '.';
    out += t;
  }
  return out;
}

std::optional<std::string> decode_base64(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.empty() || text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    const int v = value(c);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}

bool is_base64(std::string_view text) {
  std::size_t pad = 0;
  while (pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  if (pad > 2 || (pad > 0 && text.size() % 4 != 0)) return false;
  return decode_base64(text).has_value();
}

bool media_type_matches(const media_type& declared, std::string_view content_type) {
  auto parsed = parse_media_type(content_type);
  if (!parsed) return false;
  const std::string& essence = parsed->first;
  const bool essence_ok = declared.essence == essence || declared.essence == "*/*" ||
                          (declared.essence.ends_with("/*") &&
                           essence.starts_with(std::string_view(declared.essence).substr(0, declared.essence.size() - 1))) ||
                          std::find(declared.alternatives.begin(), declared.alternatives.end(), essence) !=
                              declared.alternatives.end();
  if (!essence_ok) return false;
  // A parameter the request states must not contradict the declared one.
  for (const auto& [name, value] : parsed->second) {
    if (name == "charset" || name == "boundary") continue;
    for (const auto& [dname, dvalue] : declared.parameters)
      if (dname == name && !iequals(dvalue, value)) return false;
  }
  return true;
}

std::optional<std::string_view> request_validator::find_header(header_span headers, std::string_view name) {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return std::string_view(v);
  return std::nullopt;
}

request_validator::request_validator(const contract& c, body_limits limits) : contract_(c), limits_(limits) {
  const json& root = c.docs().root().root();
  auto components = root.find("components");
  if (components == root.end() || !components->is_object()) return;
  auto schemes = components->find("securitySchemes");
  if (schemes == components->end() || !schemes->is_object()) return;
  for (const auto& [name, raw] : schemes->items()) {
    resolved_node r = c.docs().deref(c.docs().root(), &raw, "/components/securitySchemes/" + escape_pointer_token(name));
    if (!r.node || !r.node->is_object()) continue;
    security_scheme s;
    const std::string type = r.node->value("type", "");
    if (type == "apiKey") {
      s.type = security_scheme::kind::api_key;
      s.name = r.node->value("name", "");
      const std::string in = r.node->value("in", "header");
      s.in = in == "query" ? param_location::query : in == "cookie" ? param_location::cookie : param_location::header;
    } else if (type == "http") {
      const std::string scheme = r.node->value("scheme", "");
      s.type = iequals(scheme, "basic")    ? security_scheme::kind::http_basic
               : iequals(scheme, "bearer") ? security_scheme::kind::http_bearer
                                           : security_scheme::kind::other;
    } else if (type == "oauth2" || type == "openIdConnect") {
      s.type = security_scheme::kind::http_bearer;  // both send a bearer token
    }
    schemes_.emplace_back(name, std::move(s));
  }
}

const request_validator::security_scheme* request_validator::scheme(std::string_view name) const {
  for (const auto& [n, s] : schemes_)
    if (n == name) return &s;
  return nullptr;
}

void request_validator::check_security(const operation& op, const request_input& in, violations& out) const {
  if (op.security.empty()) return;
  const auto authorization = find_header(in.headers, "authorization");
  auto satisfied = [&](const std::string& name) {
    const security_scheme* s = scheme(name);
    if (!s) return false;
    switch (s->type) {
      case security_scheme::kind::api_key: {
        if (s->in == param_location::header) {
          auto value = find_header(in.headers, s->name);
          if (!value || trim(*value).empty()) return false;
          // Kibana's API keys travel in Authorization as "ApiKey <base64>".
          if (iequals(s->name, "authorization")) {
            const std::string_view v = trim(*value);
            return istarts_with(v, "ApiKey ") && is_base64(trim(v.substr(7)));
          }
          return true;
        }
        if (s->in == param_location::query) {
          const std::string_view target = in.target;
          const std::size_t q = target.find('?');
          if (q == std::string_view::npos) return false;
          std::string_view query = target.substr(q + 1);
          while (!query.empty()) {
            const std::size_t amp = query.find('&');
            std::string_view pair = query.substr(0, amp);
            const std::size_t eq = pair.find('=');
            std::string key;
            if (percent_decode(pair.substr(0, eq), key) && key == s->name && eq != std::string_view::npos &&
                eq + 1 < pair.size())
              return true;
            query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
          }
          return false;
        }
        auto cookies = find_header(in.headers, "cookie");
        if (!cookies) return false;
        std::string_view rest = *cookies;
        while (!rest.empty()) {
          const std::size_t semi = rest.find(';');
          std::string_view pair = trim(rest.substr(0, semi));
          const std::size_t eq = pair.find('=');
          if (eq != std::string_view::npos && pair.substr(0, eq) == s->name && eq + 1 < pair.size()) return true;
          rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
        }
        return false;
      }
      case security_scheme::kind::http_basic: {
        if (!authorization) return false;
        const std::string_view v = trim(*authorization);
        if (!istarts_with(v, "Basic ")) return false;
        auto decoded = decode_base64(trim(v.substr(6)));
        return decoded && is_base64(trim(v.substr(6))) && decoded->find(':') != std::string::npos;
      }
      case security_scheme::kind::http_bearer: {
        if (!authorization) return false;
        const std::string_view v = trim(*authorization);
        return istarts_with(v, "Bearer ") && !trim(v.substr(7)).empty();
      }
      case security_scheme::kind::other: return false;
    }
    return false;
  };
  for (const auto& alternative : op.security) {
    if (alternative.empty()) return;  // {} among the alternatives: anonymous access allowed
    if (std::all_of(alternative.begin(), alternative.end(), satisfied)) return;
  }
  violation v;
  v.code = authorization ? "invalid_credentials" : "missing_credentials";
  v.location = violation_location::security;
  v.name = "authorization";
  v.schema_pointer = op.doc == &contract_.docs().root() ? operation_pointer(op, "/security") : "#/security";
  v.keyword = "security";
  std::string expected;
  for (const auto& alternative : op.security) {
    if (!expected.empty()) expected += " or ";
    for (std::size_t i = 0; i < alternative.size(); ++i) expected += (i ? "+" : "") + alternative[i];
  }
  v.expected = expected;
  v.found = authorization ? "malformed or unsupported credentials" : "no credentials";
  v.message = authorization ? "Unauthorized" : "Unauthorized";
  v.status = 401;
  out.push_back(std::move(v));
}

void request_validator::check_body(const operation& op, const request_input& in, request_outcome& out) const {
  if (!op.body) return;
  const request_body& body = *op.body;
  const std::string body_ptr = "#" + body.pointer;
  const auto content_type = find_header(in.headers, "content-type");
  // A required body that is absent: one violation, wherever the absence is noticed.
  auto missing_body = [&] {
    if (!body.required) return;
    violation v;
    v.code = "missing_body";
    v.location = violation_location::body;
    v.schema_pointer = body_ptr + "/required";
    v.keyword = "required";
    v.expected = "a request body";
    v.found = "undefined";
    v.message = "[request body]: expected a plain object value, but found [null] instead.";
    out.found.push_back(std::move(v));
  };
  if (in.body.empty() && (!content_type || trim(*content_type).empty())) return missing_body();
  const media_type* media = nullptr;
  if (content_type) {
    for (const auto& m : body.content)
      if (media_type_matches(m, *content_type)) {
        media = &m;
        break;
      }
  } else if (body.content.size() == 1 || std::any_of(body.content.begin(), body.content.end(), [](const media_type& m) {
               return is_json_essence(m.essence);
             })) {
    // No Content-Type on a body: clients such as curl -d get JSON-parsed by Kibana.
    for (const auto& m : body.content)
      if (is_json_essence(m.essence)) {
        media = &m;
        break;
      }
    if (!media) media = &body.content.front();
  }
  if (!media) {
    violation v;
    v.code = "unsupported_media_type";
    v.location = violation_location::content_type;
    v.name = "content-type";
    v.schema_pointer = body_ptr + "/content";
    v.keyword = "content";
    for (const auto& m : body.content) v.expected += (v.expected.empty() ? "" : ", ") + m.key;
    v.found = content_type ? std::string(*content_type) : "none";
    v.message = "Unsupported Media Type";
    v.status = 415;
    out.found.push_back(std::move(v));
    return;
  }
  out.media = media;
  const std::string schema_ptr = "#" + media->pointer + "/schema";
  auto add_schema_errors = [&](const json& value, std::string_view prefix_pointer) {
    if (media->schema == no_schema || contract_.schemas().is_valid(media->schema, value)) return;
    for (auto& e : contract_.schemas().explain(media->schema, value)) {
      violation v;
      v.code = e.keyword.empty() ? "schema" : e.keyword;
      v.location = violation_location::body;
      v.instance_pointer = std::string(prefix_pointer) + e.instance_pointer;
      v.schema_pointer = e.schema_pointer.empty() ? schema_ptr : e.schema_pointer;
      v.keyword = e.keyword;
      v.expected = e.expected;
      v.found = e.found;
      v.message = "[" + kibana_field("request body", v.instance_pointer) + "]: " + e.message;
      out.found.push_back(std::move(v));
    }
  };
  auto malformed = [&](std::string code, std::string found, std::string message) {
    violation v;
    v.code = std::move(code);
    v.location = violation_location::body;
    v.schema_pointer = schema_ptr;
    v.expected = "valid " + media->essence;
    v.found = std::move(found);
    v.message = std::move(message);
    out.found.push_back(std::move(v));
  };
  auto parse_json = [&](std::string_view text, std::string_view where) -> std::optional<json> {
    json value;
    json_text_error error;
    if (parse_json_text(text, limits_.max_depth, value, error)) return value;
    switch (error.what) {
      case json_text_error::kind::too_deep:
        malformed("too_deep", "nesting deeper than " + std::to_string(limits_.max_depth),
                  "[request body" + std::string(where) + "]: JSON nested deeper than " +
                      std::to_string(limits_.max_depth) + " levels");
        break;
      case json_text_error::kind::out_of_range:
        malformed("malformed_json", "a number too large for a double at byte " + std::to_string(error.byte),
                  "Invalid request payload JSON format" + std::string(where.empty() ? "" : " in ") +
                      std::string(where) + ": number out of range (byte " + std::to_string(error.byte) + ")");
        break;
      case json_text_error::kind::malformed:
        malformed("malformed_json", "invalid JSON at byte " + std::to_string(error.byte),
                  "Invalid request payload JSON format" + std::string(where.empty() ? "" : " in ") +
                      std::string(where) + " (byte " + std::to_string(error.byte) + ")");
        break;
    }
    return std::nullopt;
  };

  const std::string& essence = media->essence;
  if (is_json_essence(essence)) {
    if (in.body.empty()) return missing_body();
    if (auto value = parse_json(in.body, "")) add_schema_errors(*value, "");
    return;
  }
  if (essence == "application/x-ndjson" || essence == "application/ndjson") {
    std::string_view rest = in.body;
    std::size_t line_no = 0;
    while (!rest.empty()) {
      const std::size_t nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (trim(line).empty()) {
        ++line_no;
        continue;
      }
      const std::string where = "/" + std::to_string(line_no);
      if (auto value = parse_json(line, "." + std::to_string(line_no))) add_schema_errors(*value, where);
      ++line_no;
    }
    return;
  }
  if (essence == "text/plain") {
    add_schema_errors(json(std::string(in.body)), "");
    return;
  }
  if (essence == "application/x-www-form-urlencoded" || essence == "multipart/form-data") {
    auto form = decode_form(*media, in, content_type.value_or(""));
    if (!form.error.empty()) {
      malformed("malformed_form", form.error, "[request body]: " + form.error);
      return;
    }
    if (form.field_error) {
      // One field is not readable as its schema needs (JSON text that does not parse): name it.
      form_error& e = *form.field_error;
      violation v;
      v.code = e.too_deep ? "too_deep" : "malformed_form";
      v.location = violation_location::body;
      v.name = e.field;
      v.instance_pointer = e.instance_pointer;
      const std::string property = media->pointer + "/schema/properties/" + escape_pointer_token(e.field);
      v.schema_pointer = media->doc && media->doc->find(property) ? "#" + property : schema_ptr;
      v.keyword = "type";
      v.expected = "JSON text";
      v.found = std::move(e.found);
      v.message = "[" + kibana_field("request body", e.instance_pointer) + "]: " + e.message;
      out.found.push_back(std::move(v));
      return;
    }
    add_schema_errors(form.value, "");
    return;
  }
  // Octet streams, archives and other binary types: any bytes; only presence was checked.
}

request_outcome request_validator::check(const request_input& in) const {
  request_outcome out;
  const std::size_t q = in.target.find('?');
  const std::string_view path = in.target.substr(0, q);
  out.route = contract_.routes().match(in.method, path);
  if (!out.route) {
    violation v;
    v.code = "unknown_route";
    v.location = violation_location::route;
    v.expected = "a path and method of the spec";
    v.found = std::string(in.method) + " " + std::string(path);
    v.message = "Not Found";
    v.status = 404;
    out.found.push_back(std::move(v));
    return out;
  }
  const operation& op = contract_.operations()[out.route->operation];
  out.op = &op;

  check_security(op, in, out.found);

  // Kibana's XSRF rule: every write needs kbn-xsrf (or kbn-version), declared or not.
  const bool safe = in.method == "GET" || in.method == "HEAD" || in.method == "OPTIONS";
  const bool xsrf_missing = !safe && !find_header(in.headers, "kbn-xsrf") && !find_header(in.headers, "kbn-version");
  if (xsrf_missing) {
    violation v;
    v.code = "xsrf";
    v.location = violation_location::header;
    v.name = "kbn-xsrf";
    v.schema_pointer = operation_pointer(op, "");
    v.expected = "a kbn-xsrf header";
    v.found = "undefined";
    v.message = "Request must contain a kbn-xsrf header.";
    out.found.push_back(std::move(v));
  }

  // Versioned routes: a stated elastic-api-version must be one the route knows.
  if (auto stated = find_header(in.headers, "elastic-api-version")) {
    std::vector<std::string> known;
    auto collect = [&](const std::vector<media_type>& content) {
      for (const auto& m : content)
        for (const auto& [name, value] : m.parameters)
          if (name == "elastic-api-version" && std::find(known.begin(), known.end(), value) == known.end())
            known.push_back(value);
    };
    if (op.body) collect(op.body->content);
    for (const auto& r : op.responses) collect(r.content);
    const std::string_view version = trim(*stated);
    if (!known.empty() && std::find(known.begin(), known.end(), version) == known.end()) {
      violation v;
      v.code = "api_version";
      v.location = violation_location::header;
      v.name = "elastic-api-version";
      v.schema_pointer = operation_pointer(op, "");
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      v.expected = "one of [" + list + "]";
      v.found = std::string(version);
      v.message = "No version \"" + std::string(version) + "\" available for [" + to_lower(in.method) + "] [" +
                  op.path + "]. Available versions are: [" + list + "]";
      out.found.push_back(std::move(v));
    }
  }

  check_parameters(op, in, *out.route, out.found);
  check_body(op, in, out);
  return out;
}

}  // namespace specgate::validator
