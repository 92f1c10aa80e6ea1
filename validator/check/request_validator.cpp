// The request check: routing outcomes, credentials, payload, kbn-xsrf and
// versions (kibana profile), and bodies; parameters are in request_params.cpp.
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

// JavaScript's encodeURIComponent (also Node's querystring.escape): all but A-Z a-z 0-9 - _ . ! ~ * ' ( ).
std::string encode_component(std::string_view text) { return percent_encode(text, "!*'()"); }

// Kibana's space prefix, "/s/{id}" with id [a-z0-9_-]+, at the start of `path`; its length or 0.
std::size_t space_prefix_length(std::string_view path) {
  if (!path.starts_with("/s/")) return 0;
  std::size_t end = 3;
  while (end < path.size() && ((path[end] >= 'a' && path[end] <= 'z') || (path[end] >= '0' && path[end] <= '9') ||
                               path[end] == '_' || path[end] == '-'))
    ++end;
  if (end == 3 || (end < path.size() && path[end] != '/')) return 0;
  return end;
}

// A public version (YYYY-MM-DD naming a real day, as moment's strict-enough parse) or not.
bool is_date_version(std::string_view v) {
  if (v.size() != 10 || v[4] != '-' || v[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (v[i] < '0' || v[i] > '9') return false;
  const int year = std::stoi(std::string(v.substr(0, 4)));
  const int month = std::stoi(std::string(v.substr(5, 2)));
  const int day = std::stoi(std::string(v.substr(8, 2)));
  if (month < 1 || month > 12 || day < 1) return false;
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= days[month - 1] + (month == 2 && leap ? 1 : 0);
}

bool is_internal_version(std::string_view v) {
  return !v.empty() && v.front() >= '1' && v.front() <= '9' &&
         std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
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

request_validator::request_validator(const contract& c, body_limits limits)
    : contract_(c), limits_(limits), kibana_(c.profile() == profile::kibana) {
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

bool request_validator::satisfies(const security_scheme& s, const request_input& in) const {
  const auto authorization = find_header(in.headers, "authorization");
  switch (s.type) {
    case security_scheme::kind::api_key: {
      if (s.in == param_location::header) {
        auto value = find_header(in.headers, s.name);
        if (!value || trim(*value).empty()) return false;
        // Kibana's API keys travel in Authorization as "ApiKey <base64>".
        if (iequals(s.name, "authorization")) {
          const std::string_view v = trim(*value);
          return istarts_with(v, "ApiKey ") && is_base64(trim(v.substr(7)));
        }
        return true;
      }
      if (s.in == param_location::query) {
        const std::string_view target = in.target;
        const std::size_t q = target.find('?');
        if (q == std::string_view::npos) return false;
        std::string_view query = target.substr(q + 1);
        while (!query.empty()) {
          const std::size_t amp = query.find('&');
          std::string_view pair = query.substr(0, amp);
          const std::size_t eq = pair.find('=');
          std::string key;
          if (percent_decode(pair.substr(0, eq), key) && key == s.name && eq != std::string_view::npos &&
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
        if (eq != std::string_view::npos && pair.substr(0, eq) == s.name && eq + 1 < pair.size()) return true;
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
}

bool request_validator::has_credentials(const request_input& in) const {
  if (schemes_.empty()) {
    auto authorization = find_header(in.headers, "authorization");
    return authorization && !trim(*authorization).empty();
  }
  return std::any_of(schemes_.begin(), schemes_.end(), [&](const auto& entry) { return satisfies(entry.second, in); });
}

void request_validator::check_security(const operation& op, const request_input& in, request_outcome& out) const {
  if (op.security.empty()) return;
  auto satisfied = [&](const std::string& name) {
    const security_scheme* s = scheme(name);
    return s && satisfies(*s, in);
  };
  for (const auto& alternative : op.security) {
    if (alternative.empty()) return;  // {} among the alternatives: anonymous access allowed
    if (std::all_of(alternative.begin(), alternative.end(), satisfied)) return;
  }
  const auto authorization = find_header(in.headers, "authorization");
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
  // Kibana says only this (and sends no WWW-Authenticate); elsewhere the message says what is needed.
  v.message = kibana_ ? "Unauthorized"
                      : (authorization ? "the credentials do not satisfy the operation's security: "
                                       : "credentials required by the operation's security: ") +
                            expected;
  v.status = 401;
  out.found.push_back(std::move(v));
  if (kibana_) return;
  // RFC 9110 11.6.1: one challenge per scheme the client could use.
  auto add = [&](std::string challenge) {
    if (std::find(out.challenges.begin(), out.challenges.end(), challenge) == out.challenges.end())
      out.challenges.push_back(std::move(challenge));
  };
  for (const auto& alternative : op.security)
    for (const auto& name : alternative)
      if (const security_scheme* s = scheme(name)) {
        if (s->type == security_scheme::kind::http_basic) add("Basic realm=\"specgate\"");
        else if (s->type == security_scheme::kind::http_bearer) add("Bearer");
      }
}

void request_validator::check_body(const operation& op, const request_input& in, request_outcome& out,
                                   violations& schema_found) const {
  if (!op.body) return;
  const request_body& body = *op.body;
  const std::string body_ptr = "#" + body.pointer;
  const auto content_type = find_header(in.headers, "content-type");
  // An absent body: one violation at most, wherever the absence is noticed. kibana: Kibana validates
  // the route's body schema against hapi's null payload, whatever requestBody.required says (JSON
  // routes; routes taking raw bytes get an empty buffer, not null). openapi: only a required body
  // must be there.
  auto missing_body = [&] {
    const media_type* schema_media = nullptr;
    if (kibana_)
      for (const auto& m : body.content)
        if (is_json_essence(m.essence) && m.schema != no_schema) {
          schema_media = &m;
          break;
        }
    violation v;
    v.code = "missing_body";
    v.location = violation_location::body;
    v.found = "null";
    if (schema_media) {
      const json null_value;
      if (contract_.schemas().is_valid(schema_media->schema, null_value)) return;
      auto errors = contract_.schemas().explain(schema_media->schema, null_value, "request body");
      const schema_error first = errors.empty() ? schema_error{} : errors.front();
      v.schema_pointer = first.schema_pointer.empty() ? "#" + schema_media->pointer + "/schema" : first.schema_pointer;
      v.keyword = first.keyword;
      v.expected = first.expected.empty() ? "a request body" : first.expected;
      // @kbn/config-schema's object type words its type error this way.
      const bool object = first.keyword == "type" && first.expected.find("object") != std::string::npos;
      v.message = object || first.message.empty() ? "[request body]: expected a plain object value, but found [null] instead."
                                                  : "[" + kibana_field("request body", first.instance_pointer) + "]: " + first.message;
      schema_found.push_back(std::move(v));
      return;
    }
    if (!body.required) return;
    v.schema_pointer = body_ptr + "/required";
    v.keyword = "required";
    v.expected = "a request body";
    v.found = "undefined";
    v.message = kibana_ ? "[request body]: expected a plain object value, but found [null] instead."
                        : "the request body is required (requestBody.required: true) but the request has none";
    schema_found.push_back(std::move(v));
  };
  if (in.body.empty() && !in.body_withheld && (!content_type || trim(*content_type).empty())) return missing_body();
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
  if (in.body_withheld) return;  // its bytes are not here to judge
  const std::string schema_ptr = "#" + media->pointer + "/schema";
  auto add_schema_errors = [&](const json& value, std::string_view prefix_pointer) {
    if (media->schema == no_schema || contract_.schemas().is_valid(media->schema, value)) return;
    const std::string field = kibana_field("request body", prefix_pointer);
    for (auto& e : contract_.schemas().explain(media->schema, value, field)) {
      violation v;
      v.code = e.keyword.empty() ? "schema" : e.keyword;
      v.location = violation_location::body;
      v.instance_pointer = std::string(prefix_pointer) + e.instance_pointer;
      v.schema_pointer = e.schema_pointer.empty() ? schema_ptr : e.schema_pointer;
      v.keyword = e.keyword;
      v.expected = e.expected;
      v.found = e.found;
      v.message = "[" + kibana_field(field, e.instance_pointer) + "]: " + e.message;
      schema_found.push_back(std::move(v));
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
      // hapi's words exactly under kibana (the byte goes in `found`); informative elsewhere.
      case json_text_error::kind::out_of_range:
      case json_text_error::kind::malformed: {
        const bool range = error.what == json_text_error::kind::out_of_range;
        const std::string byte = std::to_string(error.byte);
        malformed("malformed_json", (range ? "a number too large for a double at byte " : "invalid JSON at byte ") + byte,
                  kibana_ ? "Invalid request payload JSON format"
                          : "Invalid request payload JSON format" + (where.empty() ? "" : " in " + std::string(where)) +
                                (range ? ": number out of range" : "") + " (byte " + byte + ")");
        break;
      }
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

std::string kibana_trailing_slash_location(std::string_view base_path, bool spaces, std::string_view target) {
  const std::size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  if (!base_path.empty()) {
    if (!path.starts_with(base_path)) return {};
    path.remove_prefix(base_path.size());
  }
  // Kibana's spaces rewrite /s/{id}/rest to /rest before routing and keep /s/{id} as the request's base path.
  std::string request_base(base_path);
  if (const std::size_t space = spaces ? space_prefix_length(path) : 0) {
    request_base += path.substr(0, space);
    path.remove_prefix(space);
  }
  // The catch-all's {path*} parameter: the path without its leading slash, percent-decoded by hapi.
  if (!path.starts_with('/')) return {};
  std::string param;
  if (!percent_decode(path.substr(1), param)) return {};
  if (param.empty() || param.back() != '/' || param.front() == '/') return {};
  param.pop_back();
  std::string location = request_base + "/" + encode_component(param);
  if (q != std::string_view::npos) {
    // querystring.stringify of hapi's parsed query: keys in order of first appearance, repeats together.
    parsed_pairs pairs = parse_query(target.substr(q + 1));
    std::vector<std::pair<std::string, std::vector<std::string>>> grouped;
    for (auto& p : pairs.pairs) {
      auto it = std::find_if(grouped.begin(), grouped.end(), [&](const auto& g) { return g.first == p.key; });
      if (it == grouped.end()) grouped.push_back({p.key, {p.value}});
      else it->second.push_back(p.value);
    }
    std::string query;
    for (const auto& [key, values] : grouped)
      for (const auto& value : values) query += (query.empty() ? "" : "&") + encode_component(key) + "=" + encode_component(value);
    if (!query.empty()) location += "?" + query;
  }
  return location;
}

void request_validator::check_route_failure(const request_input& in, std::string_view path, request_outcome& out) const {
  violation v;
  v.location = violation_location::route;
  v.expected = "a path and method of the spec";
  v.found = std::string(in.method) + " " + std::string(path);
  if (kibana_) {
    // A non-GET matching no route is hapi's 404. A GET reaches Kibana's catch-all route `/{path*}`,
    // which authenticates first, then redirects a trailing slash (302) or answers 404.
    if (in.method == "GET" || in.method == "HEAD") {
      if (!has_credentials(in)) {
        const bool stated = find_header(in.headers, "authorization").has_value();
        v.code = stated ? "invalid_credentials" : "missing_credentials";
        v.location = violation_location::security;
        v.name = "authorization";
        v.keyword = "security";
        v.expected = "credentials";
        v.found = stated ? "malformed or unsupported credentials" : "no credentials";
        v.message = "Unauthorized";
        v.status = 401;
        out.found.push_back(std::move(v));
        return;
      }
      const router& routes = contract_.routes();
      out.redirect_location = kibana_trailing_slash_location(routes.base_path(), routes.spaces(), in.target);
      if (!out.redirect_location.empty()) {
        v.code = "trailing_slash";
        v.expected = "the path without its trailing slash";
        v.found = "a trailing slash";
        v.message = "Found";
        v.status = 302;
        out.found.push_back(std::move(v));
        return;
      }
    }
    v.code = "unknown_route";
    v.message = "Not Found";
    v.status = 404;
    out.found.push_back(std::move(v));
    return;
  }
  out.allowed = contract_.routes().allowed_methods(path);
  if (!out.allowed.empty()) {
    std::string list;
    for (http_method m : out.allowed) list += (list.empty() ? "" : ", ") + std::string(method_name(m));
    v.code = "method_not_allowed";
    v.expected = "one of " + list;
    v.found = std::string(in.method);
    v.message = std::string(in.method) + " is not declared for " + std::string(path) + "; the document declares " + list;
    v.status = 405;
    out.found.push_back(std::move(v));
    return;
  }
  v.code = "unknown_route";
  v.message = "no path of the document matches " + std::string(path);
  v.status = 404;
  out.found.push_back(std::move(v));
}

void request_validator::check_version(const operation& op, const request_input& in, request_outcome& out) const {
  // The route's versions are those its media types declare.
  const std::vector<std::string> known = op.api_versions();
  if (known.empty()) return;  // not a versioned route
  std::string list;
  for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
  list = "[" + list + "]";
  // Public routes have date versions; internal ones whole numbers.
  const bool is_public = !std::all_of(known.begin(), known.end(), [](const std::string& k) { return is_internal_version(k); });

  const std::size_t q = in.target.find('?');
  const parsed_pairs query = q == std::string_view::npos ? parsed_pairs{} : parse_query(in.target.substr(q + 1));
  auto query_version = std::find_if(query.pairs.begin(), query.pairs.end(), [](const param_pair& p) { return p.key == "apiVersion"; });
  // A route that declares the query parameter `apiVersion` has opted in to query versioning.
  const bool query_versioning = std::any_of(op.parameters.begin(), op.parameters.end(), [](const parameter& p) {
    return p.in == param_location::query && p.name == "apiVersion";
  });

  std::string version;
  if (auto stated = find_header(in.headers, "elastic-api-version"); stated && !trim(*stated).empty())
    version = std::string(trim(*stated));
  else if (query_versioning && query_version != query.pairs.end())
    version = query_version->value;
  // No version stated: public routes are served with their oldest version (Kibana's production
  // default), internal ones with "1".
  if (version.empty()) version = is_public ? *std::min_element(known.begin(), known.end()) : "1";

  violation v;
  v.code = "api_version";
  v.location = violation_location::header;
  v.name = "elastic-api-version";
  v.schema_pointer = operation_pointer(op, "");
  v.expected = "one of " + list;
  v.found = version;
  if (query_version != query.pairs.end() && !query_versioning) {
    v.location = violation_location::query;
    v.name = "apiVersion";
    v.expected = "no apiVersion query parameter";
    v.message = "Use of query parameter \"apiVersion\" is not allowed. Please specify the API version using the "
                "\"elastic-api-version\" header.";
  } else if (is_public && !is_date_version(version)) {
    v.message = "Invalid version. Received \"" + version + "\", expected a valid date string formatted as YYYY-MM-DD.";
  } else if (!is_public && !is_internal_version(version)) {
    v.message = "Invalid version number. Received \"" + version +
                "\", expected a string containing _only_ a finite, whole number greater than 0.";
  } else if (std::find(known.begin(), known.end(), version) == known.end()) {
    v.message = "No version \"" + version + "\" available for [" + to_lower(in.method) + "] [" + op.path +
                "]. Available versions are: " + list;
  } else {
    out.api_version = std::move(version);
    return;
  }
  out.found.push_back(std::move(v));
}

request_outcome request_validator::check(const request_input& in) const {
  request_outcome out;
  const std::size_t q = in.target.find('?');
  const std::string_view path = in.target.substr(0, q);
  out.route = contract_.routes().match(in.method, path);
  if (!out.route) {
    check_route_failure(in, path, out);
    return out;
  }
  const operation& op = contract_.operations()[out.route->operation];
  out.op = &op;

  check_security(op, in, out);

  // Payload, as hapi reads it before Kibana's own checks: size (kibana), media type, well-formedness.
  violations schema_found;
  const bool reads_body = in.method != "GET" && in.method != "HEAD";
  if (kibana_ && reads_body && in.body_size() > limits_.max_payload) {
    violation v;
    v.code = "payload_too_large";
    v.location = violation_location::body;
    v.expected = "at most " + std::to_string(limits_.max_payload) + " bytes";
    v.found = std::to_string(in.body_size()) + " bytes";
    v.message = "Payload content length greater than maximum allowed: " + std::to_string(limits_.max_payload);
    v.status = 413;
    out.found.push_back(std::move(v));
  } else {
    check_body(op, in, out, schema_found);
  }

  if (kibana_) {
    // Kibana's XSRF rule: every write needs kbn-xsrf (or kbn-version), declared or not.
    const bool safe = in.method == "GET" || in.method == "HEAD" || in.method == "OPTIONS";
    if (!safe && !find_header(in.headers, "kbn-xsrf") && !find_header(in.headers, "kbn-version")) {
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
    check_version(op, in, out);
  }

  check_parameters(op, in, *out.route, out.found);
  for (auto& v : schema_found) out.found.push_back(std::move(v));
  return out;
}

}  // namespace specgate::validator
